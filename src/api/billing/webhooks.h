// api/billing/webhooks.h
//
// POST /billing/v1/webhooks/{stripe|lemon-squeezy|paddle}: the payment providers' events,
// verified with the provider's secret before anything else reads the body, mapped to the
// seed's billing rows (domain/billing/) in one transaction.
//
//   404  the provider has no secret configured (or is not one of the three)
//   400  bad or missing signature, stale timestamp, malformed JSON, an event that can never
//        apply (names an account that does not exist) — nothing written, one log line
//   500  processing failed (store error, a customer not linked yet): rolled back, so the
//        provider's retry is processed afresh
//   200  processed, a duplicate, an older event than the stored state, or a type not handled
//
// Thread-safety: handlers only read the immutable BillingContext.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/clock.h"
#include "domain/billing/plans.h"
#include "domain/billing/provider_jobs.h"
#include "http/request.h"
#include "http/response.h"
#include "store/store.h"

namespace tb::api::rest {
struct RestContext;
}

namespace tb::api::billing {

struct BillingContext {
  store::Store* store = nullptr;
  const Clock* clock = nullptr;
  std::string stripe_secret;         // TENANTBASE_STRIPE_WEBHOOK_SECRET; "" = endpoint off
  std::string lemon_squeezy_secret;  // TENANTBASE_LEMON_SQUEEZY_WEBHOOK_SECRET
  std::string paddle_secret;         // TENANTBASE_PADDLE_WEBHOOK_SECRET
  std::chrono::seconds stripe_tolerance{300};
  std::chrono::seconds paddle_tolerance{300};  // TENANTBASE_PADDLE_WEBHOOK_TOLERANCE
  std::shared_ptr<const tb::billing::Plans> plans;  // the app's plans (--billing-config); may be empty
  tb::billing::ProviderApi stripe_api;              // checkout and portal; no key = those answer 404
  std::string site_url;                             // redirects after checkout must stay on its origin
  const rest::RestContext* rest = nullptr;          // to authenticate the caller as /rest/v1 does
};

http::Response ReceiveWebhook(http::Request& request, const BillingContext& context);

}  // namespace tb::api::billing
