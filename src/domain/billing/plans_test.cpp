#include "domain/billing/plans.h"

#include <gtest/gtest.h>

namespace tb::billing {
namespace {

TEST(Plans, ReadsPlansWithTheirFeaturesAndDefaults) {
  auto plans = Plans::Parse(R"({"plans": [
    {"id": "pro", "provider": "stripe", "price_id": "price_1", "per_seat": true,
     "features": ["export", {"name": "ai", "usage_limit": 10}, {"name": "sso", "usage_limit": null}]},
    {"id": "once", "provider": "lemon-squeezy", "price_id": "42", "mode": "payment", "meter": "calls"}]})");
  ASSERT_TRUE(plans.ok()) << plans.error().message;
  const Plan* pro = plans->ById("pro");
  ASSERT_NE(pro, nullptr);
  EXPECT_EQ(pro->mode, "subscription");
  EXPECT_TRUE(pro->per_seat);
  ASSERT_EQ(pro->features.size(), 3u);
  EXPECT_EQ(pro->features[0].name, "export");
  EXPECT_FALSE(pro->features[0].usage_limit);
  EXPECT_EQ(pro->features[1].usage_limit, 10);
  EXPECT_FALSE(pro->features[2].usage_limit);
  EXPECT_EQ(plans->ByPrice("lemon-squeezy", "42"), plans->ById("once"));
  EXPECT_EQ(plans->ByPrice("stripe", "42"), nullptr) << "prices are per provider";
  EXPECT_EQ(plans->ById("once")->meter, "calls");
}

TEST(Plans, RefusesWhatWouldSellTheWrongThing) {
  const char* bad[][2] = {
      {R"([])", "not a JSON object"},
      {R"({"plan": []})", "unknown field \"plan\""},
      {R"({"plans": [{"id": "a", "provider": "stripe"}]})", "needs a \"price_id\""},
      {R"({"plans": [{"provider": "stripe", "price_id": "p"}]})", "needs an \"id\""},
      {R"({"plans": [{"id": "a", "provider": "paypal", "price_id": "p"}]})", "provider must be"},
      {R"({"plans": [{"id": "a", "provider": "stripe", "price_id": "p", "mode": "rent"}]})", "mode must be"},
      {R"({"plans": [{"id": "a", "provider": "stripe", "price_id": "p", "prize_id": "q"}]})", "unknown field \"prize_id\""},
      {R"({"plans": [{"id": "a", "provider": "stripe", "price_id": "p", "per_seat": "yes"}]})", "per_seat is not a boolean"},
      {R"({"plans": [{"id": "a", "provider": "stripe", "price_id": "p", "features": [{"name": "x", "usage_limit": -1}]}]})",
       "usage_limit"},
      {R"({"plans": [{"id": "a", "provider": "stripe", "price_id": "p", "features": [7]}]})", "a feature is a name"},
      {R"({"plans": [{"id": "a", "provider": "stripe", "price_id": "p"}, {"id": "a", "provider": "paddle", "price_id": "q"}]})",
       "appears twice"},
      {R"({"plans": [{"id": "a", "provider": "stripe", "price_id": "p"}, {"id": "b", "provider": "stripe", "price_id": "p"}]})",
       "belongs to two plans"},
  };
  for (const auto& [text, message] : bad) {
    auto plans = Plans::Parse(text);
    ASSERT_FALSE(plans.ok()) << text;
    EXPECT_NE(plans.error().message.find(message), std::string::npos) << text << " → " << plans.error().message;
  }
}

TEST(Plans, NamesTheFileThatCouldNotBeRead) {
  auto plans = Plans::Load("/nonexistent/billing.json");
  ASSERT_FALSE(plans.ok());
  EXPECT_NE(plans.error().message.find("/nonexistent/billing.json"), std::string::npos);
}

}  // namespace
}  // namespace tb::billing
