// domain/billing/provider_jobs.h
//
// Telling the payment providers what changed here: the quantity of per-seat items (queued in
// kit_billing_jobs by the membership triggers of migration 0015) and the usage of metered
// items (queued by report_usage, usage.h). A worker thread
// takes due jobs, sends each to the provider's API outside any transaction, and records the
// outcome: done; retried with back-off (2^attempts seconds, at most 5 minutes) after a
// transport failure or a 5xx/408/409/425/429; given up (logged) after any other 4xx. Jobs
// live in the database, so a provider that is down or a server restart loses nothing. A job
// whose quantity changed while it was in flight stays pending and sends the new quantity.
//
//   Stripe         POST  {base}/v1/subscription_items/{item}   quantity=N (form)
//   Lemon Squeezy  PATCH {base}/v1/subscription-items/{item}   JSON:API {"data":{…,"attributes":{"quantity":N}}}
//   Paddle         PATCH {base}/subscriptions/{subscription}   {"items":[{"price_id","quantity"}…]} (the whole set)
//
// Usage (each report sent once; the provider deduplicates retries by the usage row's id):
//   Stripe         POST  {base}/v1/billing/meter_events   event_name, payload[stripe_customer_id],
//                        payload[value], identifier, timestamp (form)
//   Lemon Squeezy  POST  {base}/v1/usage-records          JSON:API quantity, action "increment",
//                        relationship subscription-item
//
// Providers without an API key are skipped: their jobs wait until one is configured.
//
// Thread-safety: SeatQuantityRequest is pure; RunDueJobs uses its own transactions; a
// ProviderJobWorker owns one thread and stops in its destructor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "domain/billing/billing_events.h"
#include "net/http_client.h"
#include "store/store.h"

namespace tb::billing {

struct ProviderApi {
  std::string base_url;
  std::string api_key;  // "" = this provider's jobs wait
};

struct ProviderApis {
  ProviderApi stripe{"https://api.stripe.com", ""};
  ProviderApi lemon_squeezy{"https://api.lemonsqueezy.com", ""};
  ProviderApi paddle{"https://api.paddle.com", ""};

  const ProviderApi& For(Provider provider) const;
};

enum class JobKind { kSeatQuantity, kUsage };

struct ProviderJob {
  int64_t id = 0;
  JobKind kind = JobKind::kSeatQuantity;
  Provider provider = Provider::kStripe;
  std::string subscription_id;
  std::string item_id;
  int64_t quantity = 0;
  int64_t attempts = 0;
  // Paddle replaces a subscription's whole item set: every item's price and quantity.
  std::vector<std::pair<std::string, int64_t>> subscription_items;
  // Usage only.
  std::string customer_id;
  std::string meter;
  int64_t usage_id = 0;
  SystemTime created_at{};
};

// The API call that sets a seat job's quantity at its provider…
net::HttpRequest SeatQuantityRequest(const ProviderJob& job, const ProviderApi& api);
// …and the one that reports a usage job's quantity.
net::HttpRequest UsageRequest(const ProviderJob& job, const ProviderApi& api);

using HttpSender = std::function<Result<net::HttpResponse>(const net::HttpRequest&)>;

// One pass: sends every due job (at most `limit`) whose provider has a key; returns how
// many were delivered. Store errors fail the pass; provider failures are recorded per job.
Result<int> RunDueJobs(store::Store& store, const ProviderApis& apis, const Clock& clock, const HttpSender& send,
                       int limit = 50);

class ProviderJobWorker {
 public:
  // REQUIRES: store and clock outlive the worker.
  ProviderJobWorker(store::Store& store, ProviderApis apis, const Clock& clock,
                    std::chrono::milliseconds interval = std::chrono::milliseconds(1000));
  ~ProviderJobWorker();
  ProviderJobWorker(const ProviderJobWorker&) = delete;
  ProviderJobWorker& operator=(const ProviderJobWorker&) = delete;

 private:
  void Run();

  store::Store& store_;
  const ProviderApis apis_;
  const Clock& clock_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tb::billing
