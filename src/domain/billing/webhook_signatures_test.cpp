#include "domain/billing/webhook_signatures.h"

#include <gtest/gtest.h>

#include "crypto/hash.h"

namespace tb::billing {
namespace {

constexpr std::string_view kSecret = "whsec_test_secret";
constexpr std::string_view kBody = R"({"id":"evt_1","type":"customer.subscription.updated"})";
const SystemTime kNow = SystemTime(std::chrono::seconds(1'800'000'000));

std::string Mac(std::string_view payload, std::string_view secret = kSecret) {
  return crypto::ToHex(crypto::HmacSha256(secret, payload));
}

std::string StripeHeader(int64_t t, std::string_view body = kBody, std::string_view secret = kSecret) {
  return "t=" + std::to_string(t) + ",v1=" + Mac(std::to_string(t) + "." + std::string(body), secret);
}

TEST(WebhookSignatures, StripeAcceptsAValidSignatureAmongSeveral) {
  const int64_t t = 1'800'000'000;
  EXPECT_TRUE(VerifyStripeSignature(StripeHeader(t), kBody, kSecret, kNow).ok());
  // During secret rotation Stripe signs with each secret: any v1 may match; v0 is ignored.
  const std::string rotated = "t=" + std::to_string(t) + ",v1=" + std::string(64, '0') + ",v0=abc,v1=" +
                              Mac(std::to_string(t) + "." + std::string(kBody));
  EXPECT_TRUE(VerifyStripeSignature(rotated, kBody, kSecret, kNow).ok());
  // Upper-case hex is the same signature.
  std::string upper = StripeHeader(t);
  for (size_t i = upper.find("v1=") + 3; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_TRUE(VerifyStripeSignature(upper, kBody, kSecret, kNow).ok());
}

TEST(WebhookSignatures, StripeRefusesTamperingAgeAndMalformedHeaders) {
  const int64_t t = 1'800'000'000;
  const auto refused = [&](std::string_view header, std::string_view body, std::string_view needle) {
    Status s = VerifyStripeSignature(header, body, kSecret, kNow);
    if (s.ok()) return ::testing::AssertionFailure() << "accepted " << header;
    if (s.error().code != ErrorCode::kInvalidArgument || s.error().message.find(needle) == std::string::npos) {
      return ::testing::AssertionFailure() << s.error().message;
    }
    return ::testing::AssertionSuccess();
  };
  EXPECT_TRUE(refused(StripeHeader(t), std::string(kBody) + " ", "does not match"));
  EXPECT_TRUE(refused(StripeHeader(t, kBody, "whsec_other"), kBody, "does not match"));
  EXPECT_TRUE(refused(StripeHeader(t - 301), kBody, "tolerance"));
  EXPECT_TRUE(refused(StripeHeader(t + 301), kBody, "tolerance"));
  EXPECT_TRUE(VerifyStripeSignature(StripeHeader(t - 300), kBody, kSecret, kNow).ok());
  EXPECT_TRUE(refused("", kBody, "missing"));
  EXPECT_TRUE(refused("v1=" + Mac(kBody), kBody, "no timestamp"));
  EXPECT_TRUE(refused("t=" + std::to_string(t), kBody, "no v1"));
  EXPECT_TRUE(refused("t=abc,v1=" + Mac(kBody), kBody, "no timestamp"));
  EXPECT_TRUE(refused("t=" + std::to_string(t) + ",v1=", kBody, "does not match"));
  // A signature for another timestamp does not carry over.
  const std::string moved = "t=" + std::to_string(t + 1) + ",v1=" + Mac(std::to_string(t) + "." + std::string(kBody));
  EXPECT_TRUE(refused(moved, kBody, "does not match"));
}

TEST(WebhookSignatures, PaddleSignsTimestampColonBody) {
  const int64_t ts = 1'800'000'010;
  const std::string header = "ts=" + std::to_string(ts) + ";h1=" + Mac(std::to_string(ts) + ":" + std::string(kBody));
  EXPECT_TRUE(VerifyPaddleSignature(header, kBody, kSecret, kNow).ok());
  EXPECT_FALSE(VerifyPaddleSignature(header, std::string(kBody) + "x", kSecret, kNow).ok());
  // Stripe's form (a dot) is not Paddle's.
  const std::string dotted = "ts=" + std::to_string(ts) + ";h1=" + Mac(std::to_string(ts) + "." + std::string(kBody));
  EXPECT_FALSE(VerifyPaddleSignature(dotted, kBody, kSecret, kNow).ok());
  EXPECT_FALSE(VerifyPaddleSignature(header, kBody, kSecret, kNow + std::chrono::seconds(400)).ok());
  EXPECT_TRUE(VerifyPaddleSignature(header, kBody, kSecret, kNow + std::chrono::seconds(400), std::chrono::seconds(600)).ok());
  EXPECT_FALSE(VerifyPaddleSignature("h1=" + Mac(kBody), kBody, kSecret, kNow).ok());
}

TEST(WebhookSignatures, LemonSqueezySignsTheRawBody) {
  EXPECT_TRUE(VerifyLemonSqueezySignature(Mac(kBody), kBody, kSecret).ok());
  EXPECT_FALSE(VerifyLemonSqueezySignature(Mac(kBody), std::string(kBody) + "\n", kSecret).ok());
  EXPECT_FALSE(VerifyLemonSqueezySignature(Mac(kBody, "other"), kBody, kSecret).ok());
  EXPECT_FALSE(VerifyLemonSqueezySignature("", kBody, kSecret).ok());
  EXPECT_FALSE(VerifyLemonSqueezySignature("zz", kBody, kSecret).ok());
}

}  // namespace
}  // namespace tb::billing
