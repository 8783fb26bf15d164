#include "domain/billing/provider_jobs.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace tb::billing {

namespace {

using store::Value;

std::optional<Provider> ProviderNamed(std::string_view name) {
  for (Provider p : {Provider::kStripe, Provider::kLemonSqueezy, Provider::kPaddle}) {
    if (ProviderName(p) == name) return p;
  }
  return std::nullopt;
}

// A path segment from a provider's id: ids are [A-Za-z0-9_-], anything else is escaped.
std::string Segment(std::string_view id) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : id) {
    if (std::isalnum(c) || c == '_' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string TrimSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// Lemon Squeezy speaks JSON:API.
void JsonApi(net::HttpRequest& request) {
  request.headers.emplace_back("Accept", "application/vnd.api+json");
  request.headers.emplace_back("Content-Type", "application/vnd.api+json");
}

// The "type" and "id" members of a JSON:API resource identifier for a subscription item.
void SubscriptionItemIdentifier(rapidjson::Writer<rapidjson::StringBuffer>& w, const std::string& item_id) {
  w.Key("type");
  w.String("subscription-items");
  w.Key("id");
  w.String(item_id.c_str(), static_cast<rapidjson::SizeType>(item_id.size()));
}

bool Retryable(int status) { return status >= 500 || status == 408 || status == 409 || status == 425 || status == 429; }

std::chrono::seconds Backoff(int64_t attempts) {
  return std::chrono::seconds(std::min<int64_t>(int64_t{1} << std::min<int64_t>(attempts, 9), 300));
}

Result<std::vector<ProviderJob>> DueJobs(store::Store& store, const Clock& clock, int limit) {
  auto txn = store.Begin(store::Access::kRead);
  if (!txn) return std::move(txn).error();
  const Value params[] = {Value::Text(FormatTimestamp(clock.Now())), Value::Int(limit)};
  auto rows = (*txn)->Query(
      "SELECT id, provider, subscription_id, item_id, quantity, attempts, kind, customer_id, meter, usage_id, "
      "created_at FROM kit.billing_jobs "
      "WHERE done_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
      params);
  if (!rows) return std::move(rows).error();
  std::vector<ProviderJob> jobs;
  for (const auto& row : rows->rows) {
    auto provider = ProviderNamed(row[1].as_text());
    if (!provider) continue;
    ProviderJob job;
    job.id = row[0].as_int();
    job.provider = *provider;
    job.subscription_id = row[2].as_text();
    job.item_id = row[3].as_text();
    job.quantity = row[4].as_int();
    job.attempts = row[5].as_int();
    job.kind = row[6].as_text() == "usage" ? JobKind::kUsage : JobKind::kSeatQuantity;
    if (job.kind == JobKind::kUsage) {
      job.customer_id = row[7].is_null() ? "" : row[7].as_text();
      job.meter = row[8].is_null() ? "" : row[8].as_text();
      job.usage_id = row[9].is_null() ? 0 : row[9].as_int();
      auto created = ParseTimestamp(row[10].as_text());
      if (created) job.created_at = *created;
    }
    if (job.kind == JobKind::kSeatQuantity && job.provider == Provider::kPaddle) {
      const Value sub[] = {Value::Text(job.subscription_id)};
      auto items = (*txn)->Query("SELECT price_id, quantity FROM subscription_items WHERE subscription_id = $1 ORDER BY price_id", sub);
      if (!items) return std::move(items).error();
      for (const auto& item : items->rows) job.subscription_items.emplace_back(item[0].as_text(), item[1].as_int());
    }
    jobs.push_back(std::move(job));
  }
  return jobs;
}

Status Record(store::Store& store, const ProviderJob& job, const Clock& clock, bool delivered, bool give_up,
              const std::string& error) {
  auto txn = store.Begin(store::Access::kWrite);
  if (!txn) return std::move(txn).error();
  const SystemTime now = clock.Now();
  if (delivered || give_up) {
    // Done — unless a newer quantity arrived meanwhile (the upsert reset the job): then it stays.
    const Value params[] = {Value::Text(FormatTimestamp(now)), Value::Int(job.id), Value::Int(job.quantity),
                            error.empty() ? Value::Null() : Value::Text(error)};
    auto done = (*txn)->Execute(
        "UPDATE kit.billing_jobs SET done_at = $1, last_error = $4, attempts = attempts + 1 WHERE id = $2 AND quantity = $3",
        params);
    if (!done) return std::move(done).error();
  } else {
    const Value params[] = {Value::Int(job.id), Value::Int(job.quantity),
                            Value::Text(FormatTimestamp(now + Backoff(job.attempts))), Value::Text(error)};
    auto retry = (*txn)->Execute(
        "UPDATE kit.billing_jobs SET attempts = attempts + 1, next_attempt_at = $3, last_error = $4 "
        "WHERE id = $1 AND quantity = $2",
        params);
    if (!retry) return std::move(retry).error();
  }
  return (*txn)->Commit();
}

}  // namespace

const ProviderApi& ProviderApis::For(Provider provider) const {
  switch (provider) {
    case Provider::kStripe: return stripe;
    case Provider::kLemonSqueezy: return lemon_squeezy;
    case Provider::kPaddle: return paddle;
  }
  return stripe;
}

net::HttpRequest SeatQuantityRequest(const ProviderJob& job, const ProviderApi& api) {
  net::HttpRequest request;
  const std::string base = TrimSlash(api.base_url);
  request.headers.emplace_back("Authorization", "Bearer " + api.api_key);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  switch (job.provider) {
    case Provider::kStripe:
      request.method = "POST";
      request.url = base + "/v1/subscription_items/" + Segment(job.item_id);
      request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      // A retry of the same change is the same request to Stripe.
      request.headers.emplace_back("Idempotency-Key",
                                   "tenantbase-seats-" + std::to_string(job.id) + "-" + std::to_string(job.quantity));
      request.body = "quantity=" + std::to_string(job.quantity) + "&proration_behavior=create_prorations";
      return request;
    case Provider::kLemonSqueezy:
      request.method = "PATCH";
      request.url = base + "/v1/subscription-items/" + Segment(job.item_id);
      JsonApi(request);
      w.StartObject();
      w.Key("data");
      w.StartObject();
      SubscriptionItemIdentifier(w, job.item_id);
      w.Key("attributes");
      w.StartObject();
      w.Key("quantity");
      w.Int64(job.quantity);
      w.EndObject();
      w.EndObject();
      w.EndObject();
      request.body = buffer.GetString();
      return request;
    case Provider::kPaddle:
      request.method = "PATCH";
      request.url = base + "/subscriptions/" + Segment(job.subscription_id);
      request.headers.emplace_back("Content-Type", "application/json");
      w.StartObject();
      w.Key("items");
      w.StartArray();
      for (const auto& [price, quantity] : job.subscription_items) {
        w.StartObject();
        w.Key("price_id");
        w.String(price.c_str(), static_cast<rapidjson::SizeType>(price.size()));
        w.Key("quantity");
        w.Int64(quantity);
        w.EndObject();
      }
      w.EndArray();
      w.Key("proration_billing_mode");
      w.String("prorated_immediately");
      w.EndObject();
      request.body = buffer.GetString();
      return request;
  }
  return request;
}

net::HttpRequest UsageRequest(const ProviderJob& job, const ProviderApi& api) {
  net::HttpRequest request;
  const std::string base = TrimSlash(api.base_url);
  const std::string key = "tenantbase-usage-" + std::to_string(job.usage_id);
  request.method = "POST";
  request.headers.emplace_back("Authorization", "Bearer " + api.api_key);
  if (job.provider == Provider::kStripe) {
    request.url = base + "/v1/billing/meter_events";
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    request.headers.emplace_back("Idempotency-Key", key);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(job.created_at.time_since_epoch()).count();
    request.body = net::FormEncode({{"event_name", job.meter},
                                    {"payload[stripe_customer_id]", job.customer_id},
                                    {"payload[value]", std::to_string(job.quantity)},
                                    {"identifier", key},
                                    {"timestamp", std::to_string(seconds)}});
    return request;
  }
  // Lemon Squeezy (Paddle has no usage API: report_usage refuses its subscriptions).
  request.url = base + "/v1/usage-records";
  JsonApi(request);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartObject();
  w.Key("type");
  w.String("usage-records");
  w.Key("attributes");
  w.StartObject();
  w.Key("quantity");
  w.Int64(job.quantity);
  w.Key("action");
  w.String("increment");
  w.EndObject();
  w.Key("relationships");
  w.StartObject();
  w.Key("subscription-item");
  w.StartObject();
  w.Key("data");
  w.StartObject();
  SubscriptionItemIdentifier(w, job.item_id);
  w.EndObject();
  w.EndObject();
  w.EndObject();
  w.EndObject();
  w.EndObject();
  request.body = buffer.GetString();
  return request;
}

Result<int> RunDueJobs(store::Store& store, const ProviderApis& apis, const Clock& clock, const HttpSender& send,
                       int limit) {
  auto jobs = DueJobs(store, clock, limit);
  if (!jobs) return std::move(jobs).error();
  int delivered = 0;
  for (const ProviderJob& job : *jobs) {
    const ProviderApi& api = apis.For(job.provider);
    if (api.api_key.empty()) continue;
    const bool usage = job.kind == JobKind::kUsage;
    auto response = send(usage ? UsageRequest(job, api) : SeatQuantityRequest(job, api));
    const std::string what = std::string(ProviderName(job.provider)) + " item " + job.item_id +
                             (usage ? " usage +" : " quantity ") + std::to_string(job.quantity);
    Status recorded;
    if (response && response->status >= 200 && response->status < 300) {
      spdlog::info("billing: told {}", what);
      ++delivered;
      recorded = Record(store, job, clock, true, false, "");
    } else if (response && !Retryable(response->status)) {
      const std::string error = "HTTP " + std::to_string(response->status) + ": " + response->body.substr(0, 500);
      spdlog::error("billing: {} refused, giving up: {}", what, error);
      recorded = Record(store, job, clock, false, true, error);
    } else {
      const std::string error = response ? "HTTP " + std::to_string(response->status) : response.error().message;
      spdlog::warn("billing: {} failed (attempt {}), retrying in {} s: {}", what, job.attempts + 1,
                   Backoff(job.attempts).count(), error);
      recorded = Record(store, job, clock, false, false, error);
    }
    if (!recorded) return std::move(recorded).error();
  }
  return delivered;
}

ProviderJobWorker::ProviderJobWorker(store::Store& store, ProviderApis apis, const Clock& clock,
                                     std::chrono::milliseconds interval)
    : store_(store), apis_(std::move(apis)), clock_(clock), interval_(interval), thread_([this] { Run(); }) {}

ProviderJobWorker::~ProviderJobWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ProviderJobWorker::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    auto ran = RunDueJobs(store_, apis_, clock_, net::Send);
    if (!ran) spdlog::warn("billing jobs: {}", Describe(ran.error()));
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace tb::billing
