// domain/billing/webhook_signatures.h
//
// Verifying that a webhook body comes from the provider, before anything else reads it.
// Every comparison is constant-time (crypto::ConstantTimeEquals); every failure is
// kInvalidArgument with a message fit for the 400 answer and the log.
//
//   Stripe        Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]  HMAC-SHA256(secret, "<t>.<body>")
//   Paddle        Paddle-Signature: ts=<unix>;h1=<hex>             HMAC-SHA256(secret, "<ts>:<body>")
//   Lemon Squeezy X-Signature: <hex>                               HMAC-SHA256(secret, body)
//
// Stripe and Paddle signatures also carry a time, refused when further than `tolerance`
// from `now` (either way), so a captured request cannot be replayed later.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"

namespace tb::billing {

inline constexpr std::chrono::seconds kDefaultSignatureTolerance{300};

Status VerifyStripeSignature(std::string_view header, std::string_view body, std::string_view secret,
                             SystemTime now, std::chrono::seconds tolerance = kDefaultSignatureTolerance);
Status VerifyPaddleSignature(std::string_view header, std::string_view body, std::string_view secret,
                             SystemTime now, std::chrono::seconds tolerance = kDefaultSignatureTolerance);
Status VerifyLemonSqueezySignature(std::string_view header, std::string_view body, std::string_view secret);

}  // namespace tb::billing
