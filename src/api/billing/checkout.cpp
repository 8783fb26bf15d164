#include "api/billing/checkout.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <variant>

#include "api/json.h"
#include "api/rest/rest_handlers.h"
#include "domain/billing/plans.h"
#include "net/http_client.h"

namespace tb::api::billing {

namespace {

using store::Value;

http::Response Fail(int status, std::string_view code, std::string_view message) {
  return http::Response::Error(status, code, message);
}

// What the caller may do with the account, read in one transaction as the caller.
struct Billable {
  bool personal = false;
  int64_t members = 0;
  std::string customer_id;  // the account's Stripe customer, "" = none yet
  std::string email;        // the caller's
};

struct Refusal {
  int status;
  std::string code, message;
};

std::variant<Billable, Refusal> CheckRights(const BillingContext& context, policy::Identity& who,
                                            const std::string& account_id) {
  auto txn = rest::BeginFor(*context.rest, who, store::Access::kRead);
  if (!txn) return Refusal{401, "unauthorized", txn.error().message};
  // The rights are computed below for who.user_id by name, so the query reads as the
  // server (auth.users and billing_customers are no client's to read).
  store::AsServer server(**txn);
  const Value ids[] = {Value::Text(who.user_id), Value::Text(account_id)};
  auto rows = (*txn)->Query(
      "SELECT a.is_personal_account, "
      "  CASE WHEN a.is_personal_account THEN a.primary_owner_user_id = $1 "
      "       ELSE has_permission($1, a.id, 'billing.manage') END, "
      "  is_set(CASE WHEN a.is_personal_account THEN 'enable_account_billing' ELSE 'enable_team_account_billing' END), "
      "  (SELECT count(*) FROM accounts_memberships m WHERE m.account_id = a.id), "
      "  (SELECT customer_id FROM billing_customers c WHERE c.account_id = a.id AND c.provider = 'stripe'), "
      "  (SELECT email FROM auth.users WHERE id = $1) "
      "FROM accounts a WHERE a.id = $2",
      ids);
  const std::string denied = "you cannot manage billing for this account";
  // An account id that is no uuid names no account (PostgreSQL refuses it as input).
  if (!rows && rows.error().code == ErrorCode::kInvalidArgument) return Refusal{403, "forbidden", denied};
  if (!rows) {
    spdlog::error("billing checkout: {}", Describe(rows.error()));
    return Refusal{503, "unavailable", "the account could not be read; try again"};
  }
  if (rows->rows.empty() || rows->rows[0][1].is_null() || !rows->rows[0][1].as_bool()) {
    return Refusal{403, "forbidden", denied};
  }
  const auto& r = rows->rows[0];
  Billable b;
  b.personal = r[0].as_bool();
  if (r[2].is_null() || !r[2].as_bool()) {
    return Refusal{403, "forbidden", b.personal ? "billing is disabled for personal accounts"
                                                : "billing is disabled for team accounts"};
  }
  b.members = r[3].as_int();
  b.customer_id = r[4].is_null() ? "" : r[4].as_text();
  b.email = r[5].is_null() ? "" : r[5].as_text();
  return b;
}

// The site's origin ("https://app.example.com"), to which redirects must lead.
std::string Origin(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const size_t path = url.find('/', scheme + 3);
  return std::string(url.substr(0, path));
}

// `given` (absolute on the site's origin, or a path on it) or the default; nullopt if off-site.
std::optional<std::string> Redirect(const std::optional<std::string>& given, const std::string& site_url,
                                    std::string_view fallback_path) {
  const std::string origin = Origin(site_url);
  if (!given || given->empty()) return origin + std::string(fallback_path);
  if (given->starts_with("/") && !given->starts_with("//")) return origin + *given;
  if (given->size() > origin.size() && given->starts_with(origin) &&
      ((*given)[origin.size()] == '/' || (*given)[origin.size()] == '?')) {
    return *given;
  }
  if (*given == origin) return *given;
  return std::nullopt;
}

// Sends a form to Stripe; the JSON answer's `keys` written out, or a 502 with Stripe's message.
http::Response CallStripe(const BillingContext& context, std::string_view path,
                          const std::vector<std::pair<std::string, std::string>>& form,
                          std::initializer_list<const char*> keys) {
  net::HttpRequest call;
  call.method = "POST";
  std::string base = context.stripe_api.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  call.url = base + std::string(path);
  call.headers.emplace_back("Authorization", "Bearer " + context.stripe_api.api_key);
  call.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  call.body = net::FormEncode(form);
  auto answer = net::Send(call);
  if (!answer) {
    spdlog::error("billing: Stripe {}: {}", path, answer.error().message);
    return Fail(502, "provider_error", "Stripe could not be reached; try again");
  }
  rapidjson::Document doc;
  doc.Parse(answer->body.data(), answer->body.size());
  if (answer->status < 200 || answer->status >= 300 || doc.HasParseError() || !doc.IsObject()) {
    std::string message = "Stripe answered HTTP " + std::to_string(answer->status);
    if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("error") && doc["error"].IsObject() &&
        doc["error"].HasMember("message") && doc["error"]["message"].IsString()) {
      message += ": " + std::string(doc["error"]["message"].GetString());
    }
    spdlog::warn("billing: Stripe {}: {}", path, message);
    return Fail(502, "provider_error", message);
  }
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  for (const char* key : keys) {
    w.Key(key);
    if (doc.HasMember(key) && doc[key].IsString()) {
      w.String(doc[key].GetString(), doc[key].GetStringLength());
    } else {
      w.Null();
    }
  }
  w.EndObject();
  return http::Response::Json(200, buffer.GetString());
}

// The signed-in caller and the request's JSON body, or the response refusing them.
struct Call {
  policy::Identity who;
  rapidjson::Document body;
  std::string account_id;
};

std::variant<Call, http::Response> Open(http::Request& request, const BillingContext& context) {
  auto who = rest::AuthenticateRest(request, *context.rest);
  if (!who || !who->is_user()) {
    return Fail(401, "unauthorized", who ? "sign in to manage billing" : who.error().message);
  }
  auto body = ParseObject(request.body);
  if (!body) return Fail(400, "invalid_request", body.error().message);
  auto account = StringField(*body, "account_id");
  if (!account) return Fail(400, "invalid_request", account.error().message);
  if (!*account || (*account)->empty()) return Fail(400, "invalid_request", "account_id is required");
  return Call{std::move(*who), std::move(*body), std::move(**account)};
}

}  // namespace

http::Response CreateCheckout(http::Request& request, const BillingContext& context) {
  auto opened = Open(request, context);
  if (auto* refused = std::get_if<http::Response>(&opened)) return std::move(*refused);
  Call& call = std::get<Call>(opened);

  auto plan_id = StringField(call.body, "plan_id");
  if (!plan_id) return Fail(400, "invalid_request", plan_id.error().message);
  if (!*plan_id || (*plan_id)->empty()) return Fail(400, "invalid_request", "plan_id is required");
  const tb::billing::Plan* plan = context.plans ? context.plans->ById(**plan_id) : nullptr;
  if (plan == nullptr) return Fail(404, "not_found", "no plan \"" + **plan_id + "\" in the billing config");
  if (plan->provider != "stripe") {
    return Fail(400, "invalid_request", "checkout for " + plan->provider + " plans is not offered yet");
  }
  if (context.stripe_api.api_key.empty()) {
    return Fail(404, "not_found", "Stripe checkout is not configured (TENANTBASE_STRIPE_SECRET_KEY)");
  }
  auto success = StringField(call.body, "success_url");
  auto cancel = StringField(call.body, "cancel_url");
  if (!success || !cancel) return Fail(400, "invalid_request", (!success ? success.error() : cancel.error()).message);
  auto success_url = Redirect(*success, context.site_url, "/billing?checkout=success");
  auto cancel_url = Redirect(*cancel, context.site_url, "/billing?checkout=cancel");
  if (!success_url || !cancel_url) {
    return Fail(400, "invalid_request", "success_url and cancel_url must be on " + Origin(context.site_url));
  }

  auto checked = CheckRights(context, call.who, call.account_id);
  if (auto* refusal = std::get_if<Refusal>(&checked)) return Fail(refusal->status, refusal->code, refusal->message);
  const Billable& account = std::get<Billable>(checked);

  const int64_t quantity = plan->per_seat ? std::max<int64_t>(account.members, 1) : 1;
  std::vector<std::pair<std::string, std::string>> form = {
      {"mode", plan->mode},
      {"line_items[0][price]", plan->price_id},
      {"line_items[0][quantity]", std::to_string(quantity)},
      {"client_reference_id", call.account_id},
      {"metadata[account_id]", call.account_id},
      {"success_url", *success_url},
      {"cancel_url", *cancel_url},
  };
  if (plan->mode == "subscription") form.emplace_back("subscription_data[metadata][account_id]", call.account_id);
  if (!account.customer_id.empty()) {
    form.emplace_back("customer", account.customer_id);
  } else if (!account.email.empty()) {
    form.emplace_back("customer_email", account.email);
  }
  spdlog::info("billing: checkout of {} for account {} by {}", plan->id, call.account_id, call.who.user_id);
  return CallStripe(context, "/v1/checkout/sessions", form, {"id", "url"});
}

http::Response CreatePortal(http::Request& request, const BillingContext& context) {
  auto opened = Open(request, context);
  if (auto* refused = std::get_if<http::Response>(&opened)) return std::move(*refused);
  Call& call = std::get<Call>(opened);
  if (context.stripe_api.api_key.empty()) {
    return Fail(404, "not_found", "the Stripe customer portal is not configured (TENANTBASE_STRIPE_SECRET_KEY)");
  }
  auto given = StringField(call.body, "return_url");
  if (!given) return Fail(400, "invalid_request", given.error().message);
  auto return_url = Redirect(*given, context.site_url, "/billing");
  if (!return_url) return Fail(400, "invalid_request", "return_url must be on " + Origin(context.site_url));

  auto checked = CheckRights(context, call.who, call.account_id);
  if (auto* refusal = std::get_if<Refusal>(&checked)) return Fail(refusal->status, refusal->code, refusal->message);
  const Billable& account = std::get<Billable>(checked);
  if (account.customer_id.empty()) return Fail(404, "not_found", "this account has no Stripe customer yet");
  return CallStripe(context, "/v1/billing_portal/sessions", {{"customer", account.customer_id}, {"return_url", *return_url}},
                    {"url"});
}

}  // namespace tb::api::billing
