#include "domain/billing/billing_store.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>

#include "domain/notifications/notifications.h"

namespace tb::billing {

namespace {

using store::Value;

Value TextOrNull(const std::string& s) { return s.empty() ? Value::Null() : Value::Text(s); }
Value OptionalText(const std::optional<std::string>& s) { return s ? Value::Text(*s) : Value::Null(); }

Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

Result<std::optional<std::string>> One(store::Transaction& txn, std::string_view sql, std::span<const Value> params) {
  auto rows = txn.Query(sql, params);
  if (!rows) return std::move(rows).error();
  if (rows->rows.empty() || rows->rows[0][0].is_null()) return std::optional<std::string>();
  return std::optional<std::string>(rows->rows[0][0].as_text());
}

struct Context {
  store::Transaction& txn;
  const Event& event;
  std::string provider;
  const Plans* plans;
};

// The account an object belongs to: named by the event, else its customer's.
Result<std::string> AccountFor(Context& c, const std::string& named, const std::string& customer_id) {
  if (!named.empty()) {
    const Value id[] = {Value::Text(named)};
    auto exists = One(c.txn, "SELECT id FROM accounts WHERE id = $1", id);
    if (!exists) return std::move(exists).error();
    if (!*exists) return Invalid("no account " + named);
    return named;
  }
  const Value key[] = {Value::Text(c.provider), Value::Text(customer_id)};
  auto known = One(c.txn, "SELECT account_id FROM billing_customers WHERE provider = $1 AND customer_id = $2", key);
  if (!known) return std::move(known).error();
  if (!*known) {
    return Error::Make(ErrorCode::kUnavailable, c.provider + " customer " + customer_id +
                                                    " is not linked to an account yet (the checkout event links it)");
  }
  return **known;
}

// The billing_customers row, created on first sight; a customer belongs to one account.
Status EnsureCustomer(Context& c, const std::string& account_id, const std::string& customer_id,
                      const std::string& email) {
  const Value key[] = {Value::Text(c.provider), Value::Text(customer_id)};
  auto owner = One(c.txn, "SELECT account_id FROM billing_customers WHERE provider = $1 AND customer_id = $2", key);
  if (!owner) return std::move(owner).error();
  if (*owner && **owner != account_id) {
    return Invalid(c.provider + " customer " + customer_id + " belongs to another account");
  }
  const Value row[] = {Value::Text(account_id), Value::Text(c.provider), Value::Text(customer_id), TextOrNull(email)};
  auto written = c.txn.Execute(
      "INSERT INTO billing_customers (account_id, provider, customer_id, email) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (provider, customer_id) DO UPDATE SET email = coalesce(excluded.email, billing_customers.email)",
      row);
  if (!written) return std::move(written).error();
  return Ok();
}

// True when the event is older than the state stored for the object; otherwise records
// the event's time as the object's.
Result<bool> Stale(Context& c, std::string_view object_type, const std::string& object_id) {
  const std::string at = FormatTimestamp(c.event.occurred_at);
  const Value key[] = {Value::Text(c.provider), Value::Text(std::string(object_type)), Value::Text(object_id)};
  auto stored = One(c.txn,
                    "SELECT event_at FROM kit.billing_versions WHERE provider = $1 AND object_type = $2 AND object_id = $3",
                    key);
  if (!stored) return std::move(stored).error();
  if (*stored && **stored > at) return true;
  const Value row[] = {key[0], key[1], key[2], Value::Text(at)};
  auto written = c.txn.Execute(
      "INSERT INTO kit.billing_versions (provider, object_type, object_id, event_at) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (provider, object_type, object_id) DO UPDATE SET event_at = excluded.event_at",
      row);
  if (!written) return std::move(written).error();
  return false;
}

Status NotifyIfTroubled(Context& c, const std::string& account_id, const std::optional<std::string>& before,
                        const std::string& status) {
  if (status != "past_due" && status != "unpaid") return Ok();
  if (before && *before == status) return Ok();
  notifications::NewNotification n;
  n.account_id = account_id;
  n.type = "billing_issue";
  n.body = status == "past_due" ? "We could not collect your subscription's last payment. Please update your payment method."
                                : "Your subscription is unpaid. Please update your payment method to keep it.";
  rapidjson::StringBuffer metadata;
  rapidjson::Writer<rapidjson::StringBuffer> w(metadata);
  w.StartObject();
  w.Key("provider");
  w.String(c.provider.c_str());
  w.Key("status");
  w.String(status.c_str());
  w.EndObject();
  n.metadata_json = metadata.GetString();
  auto created = notifications::Create(c.txn, n);
  if (!created) return std::move(created).error();
  return Ok();
}

// Replaces the item set of `parent` in `table` (subscription_items or order_items): rows
// whose price is not in `items` go, the rest are written by (parent, price_id).
Status ReplaceItems(Context& c, bool subscription, const std::string& parent, const std::string& account_id,
                    const std::vector<LineItem>& items) {
  const std::string table = subscription ? "subscription_items" : "order_items";
  const std::string parent_column = subscription ? "subscription_id" : "order_id";
  std::vector<Value> keep = {Value::Text(parent)};
  for (const LineItem& item : items) keep.push_back(Value::Text(item.price_id));
  auto removed = c.txn.Execute("DELETE FROM " + table + " WHERE " + parent_column + " = $1 AND price_id NOT IN " +
                                   store::InList(2, items.size()),
                               keep);
  if (!removed) return std::move(removed).error();
  for (const LineItem& item : items) {
    if (subscription) {
      const Value row[] = {TextOrNull(item.id),      Value::Text(parent),       Value::Text(account_id),
                           TextOrNull(item.product_id), Value::Text(item.price_id), Value::Text(item.type),
                           OptionalText(item.price_amount), Value::Int(item.quantity), OptionalText(item.interval),
                           Value::Int(item.interval_count)};
      auto written = c.txn.Execute(
          "INSERT INTO subscription_items (id, subscription_id, account_id, product_id, price_id, type, price_amount, "
          "quantity, interval, interval_count) "
          "VALUES (coalesce(CAST($1 AS text), CAST(gen_random_uuid() AS text)), $2, $3, $4, $5, $6, $7, $8, $9, $10) "
          "ON CONFLICT (subscription_id, price_id) DO UPDATE SET product_id = excluded.product_id, "
          "type = excluded.type, price_amount = excluded.price_amount, quantity = excluded.quantity, "
          "interval = excluded.interval, interval_count = excluded.interval_count",
          row);
      if (!written) return std::move(written).error();
    } else {
      const Value row[] = {TextOrNull(item.id),      Value::Text(parent),           Value::Text(account_id),
                           TextOrNull(item.product_id), Value::Text(item.price_id), OptionalText(item.price_amount),
                           Value::Int(item.quantity)};
      auto written = c.txn.Execute(
          "INSERT INTO order_items (id, order_id, account_id, product_id, price_id, price_amount, quantity) "
          "VALUES (coalesce(CAST($1 AS text), CAST(gen_random_uuid() AS text)), $2, $3, $4, $5, $6, $7) "
          "ON CONFLICT (order_id, price_id) DO UPDATE SET product_id = excluded.product_id, "
          "price_amount = excluded.price_amount, quantity = excluded.quantity",
          row);
      if (!written) return std::move(written).error();
    }
  }
  return Ok();
}

// subscription_features from the plans of the subscription's prices: the configured plans
// own the rows (a feature in two plans keeps the larger limit; unlimited wins).
Status SyncFeatures(Context& c, const Subscription& s, const std::string& account_id) {
  std::map<std::string, std::optional<int64_t>> features;
  for (const LineItem& item : s.items) {
    const Plan* plan = c.plans->ByPrice(c.provider, item.price_id);
    if (plan == nullptr) continue;
    for (const PlanFeature& f : plan->features) {
      auto [at, fresh] = features.emplace(f.name, f.usage_limit);
      if (!fresh && at->second && (!f.usage_limit || *f.usage_limit > *at->second)) at->second = f.usage_limit;
    }
  }
  const Value id[] = {Value::Text(s.id)};
  auto cleared = c.txn.Execute("DELETE FROM subscription_features WHERE subscription_id = $1", id);
  if (!cleared) return std::move(cleared).error();
  for (const auto& [name, limit] : features) {
    const Value row[] = {Value::Text(s.id), Value::Text(account_id), Value::Text(name),
                         limit ? Value::Int(*limit) : Value::Null()};
    auto written = c.txn.Execute(
        "INSERT INTO subscription_features (subscription_id, account_id, feature_name, enabled, usage_limit) "
        "VALUES ($1, $2, $3, true, $4)",
        row);
    if (!written) return std::move(written).error();
  }
  return Ok();
}

// A currency for a subscription whose payload has none (Lemon Squeezy): the stored one,
// else the account's latest order with the provider, else usd.
Result<std::string> CurrencyFor(Context& c, const Subscription& s, const std::string& account_id) {
  if (!s.currency.empty()) return s.currency;
  const Value params[] = {Value::Text(s.id), Value::Text(account_id), Value::Text(c.provider)};
  auto known = One(c.txn,
                   "SELECT coalesce((SELECT currency FROM subscriptions WHERE id = $1), "
                   "(SELECT currency FROM orders WHERE account_id = $2 AND billing_provider = $3 "
                   " ORDER BY created_at DESC LIMIT 1))",
                   params);
  if (!known) return std::move(known).error();
  return known->value_or("usd");
}

Result<Applied> ApplySubscription(Context& c, const Subscription& s) {
  auto account = AccountFor(c, s.account_id, s.customer_id);
  if (!account) return std::move(account).error();
  if (Status st = EnsureCustomer(c, *account, s.customer_id, s.customer_email); !st) return std::move(st).error();
  auto stale = Stale(c, "subscription", s.id);
  if (!stale) return std::move(stale).error();
  if (*stale) return Applied{Outcome::kStale, *account};
  const Value id[] = {Value::Text(s.id)};
  auto before = One(c.txn, "SELECT status FROM subscriptions WHERE id = $1", id);
  if (!before) return std::move(before).error();
  auto currency = CurrencyFor(c, s, *account);
  if (!currency) return std::move(currency).error();
  const bool active = s.status == "active" || s.status == "trialing";
  const Value row[] = {Value::Text(s.id),
                       Value::Text(*account),
                       Value::Text(s.customer_id),
                       Value::Text(s.status),
                       Value::Bool(active),
                       Value::Text(c.provider),
                       Value::Bool(s.cancel_at_period_end),
                       Value::Text(*currency),
                       Value::Text(s.period_starts_at),
                       Value::Text(s.period_ends_at),
                       OptionalText(s.trial_starts_at),
                       OptionalText(s.trial_ends_at)};
  auto written = c.txn.Execute(
      "INSERT INTO subscriptions (id, account_id, customer_id, status, active, billing_provider, cancel_at_period_end, "
      "currency, period_starts_at, period_ends_at, trial_starts_at, trial_ends_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
      "ON CONFLICT (id) DO UPDATE SET status = excluded.status, active = excluded.active, "
      "cancel_at_period_end = excluded.cancel_at_period_end, currency = excluded.currency, "
      "period_starts_at = excluded.period_starts_at, period_ends_at = excluded.period_ends_at, "
      "trial_starts_at = excluded.trial_starts_at, trial_ends_at = excluded.trial_ends_at "
      "WHERE subscriptions.account_id = excluded.account_id AND subscriptions.billing_provider = excluded.billing_provider",
      row);
  if (!written) return std::move(written).error();
  if (*written == 0) return Invalid("subscription " + s.id + " belongs to another account or provider");
  if (Status st = ReplaceItems(c, true, s.id, *account, s.items); !st) return std::move(st).error();
  if (c.plans != nullptr && !c.plans->empty()) {
    if (Status st = SyncFeatures(c, s, *account); !st) return std::move(st).error();
  }
  if (Status st = NotifyIfTroubled(c, *account, *before, s.status); !st) return std::move(st).error();
  return Applied{Outcome::kApplied, *account};
}

Result<Applied> ApplyOrder(Context& c, const Order& o) {
  auto account = AccountFor(c, o.account_id, o.customer_id);
  if (!account) return std::move(account).error();
  if (Status st = EnsureCustomer(c, *account, o.customer_id, o.customer_email); !st) return std::move(st).error();
  auto stale = Stale(c, "order", o.id);
  if (!stale) return std::move(stale).error();
  if (*stale) return Applied{Outcome::kStale, *account};
  const Value row[] = {Value::Text(o.id),       Value::Text(*account), Value::Text(o.customer_id),
                       Value::Text(o.status),   Value::Text(c.provider), Value::Text(o.total_amount),
                       Value::Text(o.currency)};
  auto written = c.txn.Execute(
      "INSERT INTO orders (id, account_id, customer_id, status, billing_provider, total_amount, currency) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) "
      "ON CONFLICT (id) DO UPDATE SET status = excluded.status, total_amount = excluded.total_amount, "
      "currency = excluded.currency "
      "WHERE orders.account_id = excluded.account_id AND orders.billing_provider = excluded.billing_provider",
      row);
  if (!written) return std::move(written).error();
  if (*written == 0) return Invalid("order " + o.id + " belongs to another account or provider");
  if (!o.items.empty()) {
    if (Status st = ReplaceItems(c, false, o.id, *account, o.items); !st) return std::move(st).error();
  }
  return Applied{Outcome::kApplied, *account};
}

Result<Applied> ApplyStatusChange(Context& c, const StatusChange& change) {
  const Value key[] = {Value::Text(change.subscription_id), Value::Text(c.provider)};
  auto rows = c.txn.Query("SELECT status, account_id FROM subscriptions WHERE id = $1 AND billing_provider = $2", key);
  if (!rows) return std::move(rows).error();
  if (rows->rows.empty()) return Applied{Outcome::kIgnored, ""};
  const std::string before = rows->rows[0][0].as_text();
  const std::string account = rows->rows[0][1].as_text();
  if (!change.from.empty() && std::find(change.from.begin(), change.from.end(), before) == change.from.end()) {
    return Applied{Outcome::kIgnored, account};
  }
  auto stale = Stale(c, "subscription", change.subscription_id);
  if (!stale) return std::move(stale).error();
  if (*stale) return Applied{Outcome::kStale, account};
  const bool active = change.status == "active" || change.status == "trialing";
  const Value update[] = {Value::Text(change.status), Value::Bool(active), key[0]};
  auto written = c.txn.Execute("UPDATE subscriptions SET status = $1, active = $2 WHERE id = $3", update);
  if (!written) return std::move(written).error();
  if (Status st = NotifyIfTroubled(c, account, before, change.status); !st) return std::move(st).error();
  return Applied{Outcome::kApplied, account};
}

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kStale: return "stale";
    case Outcome::kIgnored: return "ignored";
    default: return "applied";
  }
}

}  // namespace

Result<Applied> ApplyEvent(store::Transaction& txn, const Event& event, const Plans* plans) {
  Context c{txn, event, std::string(ProviderName(event.provider)), plans};
  const Value record[] = {Value::Text(c.provider), Value::Text(event.id), Value::Text(event.type),
                          Value::Text(FormatTimestamp(event.occurred_at))};
  auto fresh = txn.Execute(
      "INSERT INTO kit.billing_events (provider, event_id, event_type, occurred_at) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (provider, event_id) DO NOTHING",
      record);
  if (!fresh) return std::move(fresh).error();
  if (*fresh == 0) return Applied{Outcome::kDuplicate, ""};

  Applied applied{Outcome::kIgnored, ""};
  if (event.customer) {
    const CustomerLink& link = *event.customer;
    auto account = AccountFor(c, link.account_id, link.customer_id);
    if (!account) return std::move(account).error();
    if (Status s = EnsureCustomer(c, *account, link.customer_id, link.customer_email); !s) return std::move(s).error();
    applied = Applied{Outcome::kApplied, *account};
  }
  Result<Applied> step = applied;
  if (event.subscription) step = ApplySubscription(c, *event.subscription);
  if (event.order) step = ApplyOrder(c, *event.order);
  if (event.status_change) step = ApplyStatusChange(c, *event.status_change);
  if (!step) return step;
  if (step->outcome != Outcome::kApplied) {
    const Value outcome[] = {Value::Text(std::string(OutcomeName(step->outcome))), record[0], record[1]};
    auto marked = txn.Execute("UPDATE kit.billing_events SET outcome = $1 WHERE provider = $2 AND event_id = $3", outcome);
    if (!marked) return std::move(marked).error();
  }
  return step;
}

}  // namespace tb::billing
