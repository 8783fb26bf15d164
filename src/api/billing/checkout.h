// api/billing/checkout.h
//
// Starting a purchase and managing it, for a signed-in user of the app:
//
//   POST /billing/v1/checkout {account_id, plan_id, success_url?, cancel_url?}
//        → 200 {"id", "url"}: a Stripe Checkout session for the plan's price, with
//          client_reference_id and metadata.account_id = the account (so the webhooks link
//          the customer), the account's Stripe customer when it has one (else the user's
//          email), quantity = the member count for per-seat plans.
//   POST /billing/v1/portal {account_id, return_url?}
//        → 200 {"url"}: a Stripe customer-portal session for the account's customer.
//
// Who: the owner of a personal account, or a member with billing.manage on a team — and
// only while is_set('enable_account_billing') / is_set('enable_team_account_billing').
// Checked in one read transaction as the caller, before the provider is called. Redirect
// URLs must be on the site URL's origin (no open redirects); they default to
// {site_url}/billing?checkout=success|cancel and {site_url}/billing.
//
//   400 invalid_request    bad JSON, a missing field, a URL off the site
//   401 unauthorized       no signed-in user
//   403 forbidden          no right to bill the account (or no such account), billing off
//   404 not_found          no such plan, no Stripe key configured, no customer (portal)
//   502 provider_error     Stripe refused or could not be reached (its message passed on)
//
// Lemon Squeezy and Paddle checkout are not offered yet (a plan of theirs answers 400).
//
// Thread-safety: handlers only read the immutable BillingContext; the provider call blocks
// the handling thread for at most the HTTP client's timeout.
#pragma once

#include "api/billing/webhooks.h"
#include "http/request.h"
#include "http/response.h"

namespace tb::api::billing {

http::Response CreateCheckout(http::Request& request, const BillingContext& context);
http::Response CreatePortal(http::Request& request, const BillingContext& context);

}  // namespace tb::api::billing
