#include "api/billing/webhooks.h"

#include <spdlog/spdlog.h>

#include "domain/billing/billing_events.h"
#include "domain/billing/billing_store.h"
#include "domain/billing/webhook_signatures.h"

namespace tb::api::billing {

namespace {

using tb::billing::Event;
using tb::billing::Outcome;

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kApplied: return "applied";
    case Outcome::kDuplicate: return "duplicate";
    case Outcome::kStale: return "stale";
    case Outcome::kIgnored: return "ignored";
  }
  return "applied";
}

http::Response Received(std::string_view outcome) {
  return http::Response::Json(200, std::string(R"({"received":true,"outcome":")") + std::string(outcome) + "\"}");
}

}  // namespace

http::Response ReceiveWebhook(http::Request& request, const BillingContext& context) {
  const std::string provider(request.PathParam("provider"));
  const std::string* secret = provider == "stripe"          ? &context.stripe_secret
                              : provider == "lemon-squeezy" ? &context.lemon_squeezy_secret
                              : provider == "paddle"        ? &context.paddle_secret
                                                            : nullptr;
  if (secret == nullptr || secret->empty()) {
    return http::Response::Error(404, "not_found", "no webhook endpoint for " + provider);
  }

  // The signature first: nothing else reads an unverified body.
  const SystemTime now = context.clock->Now();
  Status verified = provider == "stripe"
                        ? tb::billing::VerifyStripeSignature(request.HeaderValue("Stripe-Signature"), request.body,
                                                             *secret, now, context.stripe_tolerance)
                    : provider == "paddle"
                        ? tb::billing::VerifyPaddleSignature(request.HeaderValue("Paddle-Signature"), request.body,
                                                             *secret, now, context.paddle_tolerance)
                        : tb::billing::VerifyLemonSqueezySignature(request.HeaderValue("X-Signature"), request.body,
                                                                   *secret);
  if (!verified) {
    spdlog::warn("billing webhook {} from {}: refused: {}", provider, request.remote_address, verified.error().message);
    return http::Response::Error(400, "invalid_signature", verified.error().message);
  }

  auto mapped = provider == "stripe"   ? tb::billing::MapStripeEvent(request.body)
                : provider == "paddle" ? tb::billing::MapPaddleEvent(request.body)
                                       : tb::billing::MapLemonSqueezyEvent(request.body);
  if (!mapped) {
    spdlog::warn("billing webhook {}: bad event: {}", provider, mapped.error().message);
    return http::Response::Error(400, "invalid_event", mapped.error().message);
  }
  if (!*mapped) {
    spdlog::info("billing webhook {}: event type not handled; acknowledged", provider);
    return Received("ignored");
  }
  const Event& event = **mapped;

  auto txn = context.store->Begin(store::Access::kWrite);
  if (!txn) {
    spdlog::error("billing webhook {} {}: {}", provider, event.id, Describe(txn.error()));
    return http::Response::Error(500, "unavailable", "the event could not be processed; retry later");
  }
  auto applied = tb::billing::ApplyEvent(**txn, event, context.plans.get());
  if (applied) {
    if (Status s = (*txn)->Commit(); !s) applied = std::move(s).error();
  }
  if (!applied) {
    const Error& e = applied.error();
    if (e.code == ErrorCode::kInvalidArgument) {
      spdlog::warn("billing webhook {} {} ({}): refused: {}", provider, event.id, event.type, e.message);
      return http::Response::Error(400, "invalid_event", e.message);
    }
    spdlog::error("billing webhook {} {} ({}): {}; rolled back for the provider's retry", provider, event.id, event.type,
                  Describe(e));
    return http::Response::Error(500, "processing_failed", "the event could not be processed; retry later");
  }
  spdlog::info("billing webhook {} {} ({}): {}{}", provider, event.id, event.type, OutcomeName(applied->outcome),
               applied->account_id.empty() ? "" : " for account " + applied->account_id);
  return Received(OutcomeName(applied->outcome));
}

}  // namespace tb::api::billing
