#include "domain/billing/usage.h"

#include <algorithm>
#include <string>
#include <vector>

#include "domain/workflow_errors.h"

namespace tb::billing {

namespace {

using store::Value;

struct MeteredItem {
  std::string item_id, price_id, subscription_id, provider, customer_id;
  const Plan* plan = nullptr;
};

bool PlanNames(const Plan& plan, std::string_view feature) {
  return plan.meter == feature ||
         std::any_of(plan.features.begin(), plan.features.end(), [&](const PlanFeature& f) { return f.name == feature; });
}

}  // namespace

Result<store::Rows> ReportUsage(store::Transaction& txn, bool service_role, std::string_view account_id,
                                int64_t quantity, std::string_view feature, const Plans& plans) {
  if (!service_role) {
    Error e = Error::Make(ErrorCode::kPermissionDenied, "only service_role may report usage");
    e.sqlstate = "42501";
    return e;
  }
  if (quantity < 1) return domain::BadArgument("quantity must be at least 1");
  store::AsServer server(txn);
  const Value account[] = {Value::Text(std::string(account_id))};
  auto rows = txn.Query(
      "SELECT i.id, i.price_id, s.id, s.billing_provider, s.customer_id FROM subscription_items i "
      "JOIN subscriptions s ON s.id = i.subscription_id "
      "WHERE s.account_id = $1 AND s.active AND i.type = 'metered' ORDER BY s.created_at, i.id",
      account);
  if (!rows) return std::move(rows).error();
  std::vector<MeteredItem> items;
  for (const auto& r : rows->rows) {
    MeteredItem item{r[0].as_text(), r[1].as_text(), r[2].as_text(), r[3].as_text(), r[4].as_text(), nullptr};
    item.plan = plans.ByPrice(item.provider, item.price_id);
    if (!feature.empty() && !plans.empty() && (item.plan == nullptr || !PlanNames(*item.plan, feature))) continue;
    items.push_back(std::move(item));
  }
  const std::string which = feature.empty() ? "" : " for " + std::string(feature);
  if (items.empty()) {
    return domain::Refused("account " + std::string(account_id) + " has no active metered subscription item" + which);
  }
  if (items.size() > 1) {
    return domain::BadArgument("account " + std::string(account_id) + " has " + std::to_string(items.size()) +
                               " active metered items" + which + "; name the feature whose usage this is");
  }
  const MeteredItem& item = items[0];
  if (item.provider == "paddle") {
    Error e = Error::Make(ErrorCode::kFailedPrecondition,
                          "Paddle has no usage API: bill metered Paddle subscriptions with one-time charges");
    e.sqlstate = "0A000";
    return e;
  }
  const std::string meter = item.plan != nullptr && !item.plan->meter.empty() ? item.plan->meter : std::string(feature);
  if (item.provider == "stripe" && meter.empty()) {
    return domain::BadArgument("Stripe records usage against a meter: set the plan's \"meter\" or pass the feature");
  }

  const Value usage[] = {account[0], Value::Text(item.subscription_id), Value::Text(item.item_id),
                         feature.empty() ? Value::Null() : Value::Text(std::string(feature)), Value::Int(quantity)};
  auto inserted = txn.Query(
      "INSERT INTO kit.billing_usage (account_id, subscription_id, subscription_item_id, feature, quantity) "
      "VALUES ($1, $2, $3, $4, $5) RETURNING id",
      usage);
  if (!inserted) return std::move(inserted).error();
  const Value id = inserted->rows.at(0).at(0);
  const Value job[] = {Value::Text(item.provider), Value::Text(item.subscription_id), Value::Text(item.item_id),
                       Value::Int(quantity),       Value::Text(item.customer_id),    meter.empty() ? Value::Null() : Value::Text(meter),
                       id};
  auto queued = txn.Execute(
      "INSERT INTO kit.billing_jobs (kind, provider, subscription_id, item_id, quantity, customer_id, meter, usage_id) "
      "VALUES ('usage', $1, $2, $3, $4, $5, $6, $7)",
      job);
  if (!queued) return std::move(queued).error();
  const Value by_id[] = {id};
  return txn.Query(
      "SELECT id, account_id, subscription_id, subscription_item_id, feature, quantity, created_at "
      "FROM kit.billing_usage WHERE id = $1",
      by_id);
}

}  // namespace tb::billing
