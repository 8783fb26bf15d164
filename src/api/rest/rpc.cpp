// POST|GET /rest/v1/rpc/{function}: the seed's helper functions (policy/helpers.h) and its
// workflows (domain/accounts/…) as PostgREST calls functions — arguments matched by name,
// from the JSON body (POST) or the query string (GET); a scalar, one row (an object) or a
// set of rows (an array, paged by limit/offset) as JSON.

#include <algorithm>
#include <functional>
#include <optional>
#include <span>

#include <spdlog/spdlog.h>

#include "api/json.h"
#include "base/clock.h"
#include "api/rest/rest_error.h"
#include "api/rest/rest_handlers.h"
#include "api/rest/values.h"
#include "base/strings.h"
#include "domain/accounts/deletion.h"
#include "domain/admin/super_admin.h"
#include "domain/auth/admin_users.h"
#include "domain/billing/usage.h"
#include "domain/workflow_errors.h"
#include "domain/accounts/invitations.h"
#include "domain/accounts/team_accounts.h"
#include "domain/notifications/notifications.h"
#include "domain/tokens/one_time_tokens.h"
#include "policy/helpers.h"

namespace tb::api::rest {

namespace {

using store::Value;

// PostgREST's message for a function it cannot match: the name with the argument names
// the caller gave, sorted.
Error NoSuchFunction(std::string_view name, std::vector<std::string> given) {
  std::sort(given.begin(), given.end());
  std::string args;
  for (const std::string& g : given) args += (args.empty() ? "" : ", ") + g;
  Error e = RestError("PGRST202",
                      "Could not find the function public." + std::string(name) + "(" + args +
                          ") in the schema cache",
                      "Searched for the function public." + std::string(name) +
                          (given.empty() ? " without parameters" : " with parameters " + args) +
                          ", but no matches were found in the schema cache.");
  e.code = ErrorCode::kNotFound;
  return e;
}

Error BadValue(std::string_view type, std::string_view text) {
  Error e = Error::Make(ErrorCode::kInvalidArgument,
                        "invalid input syntax for type " + std::string(type) + ": \"" + std::string(text) + "\"");
  e.sqlstate = "22P02";
  return e;
}

// A named argument as the parameter's type reads it: JSON text for jsonb and arrays,
// integers and booleans typed, everything else text (uuids checked and lower-cased).
Result<Value> ArgumentValue(const policy::HelperParameter& p, const rapidjson::Value& json) {
  if (json.IsNull()) return Value::Null();
  if (p.type == "jsonb" || p.type.ends_with("[]")) {
    const bool fits = p.type == "jsonb" ? json.IsObject() : json.IsArray();
    if (!fits) return BadValue(p.type, ToJson(json));
    return Value::Text(ToJson(json));
  }
  if (p.type == "int") {
    if (json.IsInt64()) return Value::Int(json.GetInt64());
    return BadValue("integer", ToJson(json));
  }
  if (p.type == "bool") {
    if (json.IsBool()) return Value::Bool(json.GetBool());
    return BadValue("boolean", ToJson(json));
  }
  std::string text;
  if (json.IsString()) {
    text.assign(json.GetString(), json.GetStringLength());
  } else if (json.IsNumber() || json.IsBool()) {
    text = ToJson(json);
  } else {
    return BadValue(p.type, ToJson(json));
  }
  if (p.type == "uuid" && !LooksLikeUuid(text)) return BadValue("uuid", text);
  if (p.type == "uuid") {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return Value::Text(std::move(text));
}

// What a workflow call gets: the caller, its arguments by position (NULL where left out),
// the transaction, and the server's services.
struct WorkflowCall {
  store::Transaction& txn;
  const policy::Identity& who;
  std::span<const Value> args;
  const accounts::Page& page;
  const RestContext& context;
  tokens::ClientInfo client;
  std::vector<mail::Message>* emails;  // sent once the transaction has committed
  // A refusal to answer with after committing what the call recorded (a wrong code's
  // attempt, say), where an error would roll it back.
  std::optional<Error>* refusal;

  const Value& arg(size_t i) const { return args[i]; }
  std::string text(size_t i, std::string fallback = "") const { return args[i].is_null() ? fallback : args[i].as_text(); }
};

enum class Returns { kSet, kRow, kScalar, kVoid };

// A workflow of the seed callable as RPC: it checks the caller's rights itself, then acts
// in the transaction it is given.
struct Workflow {
  std::string name;
  std::vector<policy::HelperParameter> parameters;
  store::Access access = store::Access::kRead;
  Returns returns = Returns::kSet;
  std::function<Result<store::Rows>(const WorkflowCall&)> call;
};

// A workflow that returns nothing (PostgreSQL: RETURNS void).
Result<store::Rows> Void(Status status) {
  if (!status) return std::move(status).error();
  return store::Rows{};
}

store::Column Col(const char* name, store::ColumnType type) { return store::Column{name, type, ""}; }

Error Forbidden(std::string message) {
  Error e = Error::Make(ErrorCode::kPermissionDenied, std::move(message));
  e.sqlstate = "42501";
  return e;
}

// Whose tokens a call may handle: a user their own; service_role anyone's (named by
// `named`, "" when not given). "" back means "any" for the server.
Result<std::string> TokenOwner(const WorkflowCall& c, const std::string& named) {
  if (c.who.is_service_role()) return named;
  if (!named.empty() && named != c.who.user_id) return Forbidden("only service_role may act on another user's tokens");
  return c.who.user_id;
}

tokens::OneTimeTokens TokensOf(const WorkflowCall& c) {
  return tokens::OneTimeTokens(c.context.auth->config->jwt_secret, *c.context.auth->clock);
}

Result<store::Rows> CreateToken(const WorkflowCall& c) {
  auto owner = TokenOwner(c, c.text(6));
  if (!owner) return std::move(owner).error();
  if (owner->empty()) return Error(Forbidden("target_id is required for service_role"));
  tokens::CreateRequest r;
  r.target_id = *owner;
  r.purpose = c.text(0);
  if (!c.arg(1).is_null()) r.expires_in_seconds = c.arg(1).as_int();
  r.scopes_json = c.text(2, "[]");
  r.metadata_json = c.text(3, "{}");
  if (!c.arg(4).is_null()) r.revoke_previous = c.arg(4).as_bool();
  r.format = c.text(5, "code");
  auto created = TokensOf(c).Create(c.txn, r, c.client);
  if (!created) return std::move(created).error();
  store::Rows rows;
  rows.columns = {Col("id", store::ColumnType::kUuid), Col("token", store::ColumnType::kText),
                  Col("expires_at", store::ColumnType::kTimestamptz),
                  Col("revoked_previous_count", store::ColumnType::kInteger)};
  rows.rows.push_back({Value::Text(created->id), Value::Text(created->token), Value::Text(created->expires_at),
                       Value::Int(created->revoked_previous_count)});
  return rows;
}

Result<store::Rows> VerifyToken(const WorkflowCall& c) {
  auto owner = TokenOwner(c, c.text(4));
  if (!owner) return std::move(owner).error();
  tokens::VerifyRequest r;
  r.token = c.text(0);
  r.purpose = c.text(1);
  r.required_scopes_json = c.text(2, "[]");
  if (!c.arg(3).is_null()) r.max_verification_attempts = c.arg(3).as_int();
  r.user_id = *owner;
  auto verified = TokensOf(c).Verify(c.txn, r, c.client);
  if (!verified) return std::move(verified).error();
  store::Rows rows;
  rows.columns = {Col("valid", store::ColumnType::kBool), Col("user_id", store::ColumnType::kUuid),
                  Col("metadata", store::ColumnType::kJson), Col("scopes", store::ColumnType::kJson),
                  Col("purpose", store::ColumnType::kText), Col("message", store::ColumnType::kText)};
  rows.rows.push_back({Value::Bool(verified->valid),
                       verified->user_id.empty() ? Value::Null() : Value::Text(verified->user_id),
                       Value::Text(verified->metadata_json), Value::Text(verified->scopes_json),
                       verified->purpose.empty() ? Value::Null() : Value::Text(verified->purpose),
                       Value::Text(verified->message)});
  return rows;
}

// create_notification: the server's (service_role's) alone.
Result<store::Rows> CreateNotification(const WorkflowCall& c) {
  if (!c.who.is_service_role()) return Error(Forbidden("only service_role may create notifications"));
  notifications::NewNotification n;
  n.account_id = c.text(0);
  n.body = c.text(1);
  n.type = c.text(2, "info");
  n.channel = c.text(3, "in_app");
  n.link = c.text(4);
  n.metadata_json = c.text(5, "{}");
  if (!c.arg(6).is_null()) {
    auto when = ParseTimestamp(c.text(6));
    if (!when) return RestError("22007", "invalid input syntax for type timestamp with time zone: \"" + c.text(6) + "\"");
    n.expires_at = FormatTimestamp(*when);
  }
  auto created = notifications::Create(c.txn, n);
  if (!created) return std::move(created).error();
  for (auto& m : created->emails) c.emails->push_back(std::move(m));
  return std::move(created->row);
}

Result<store::Rows> AddInvitations(const WorkflowCall& c) {
  auto invited =
      accounts::AddInvitations(c.txn, c.who.user_id, c.text(0), c.text(1), c.context.invitations, *c.context.auth->clock);
  if (!invited) return std::move(invited).error();
  for (auto& m : invited->emails) c.emails->push_back(std::move(m));
  return std::move(invited->rows);
}

Result<store::Rows> AcceptInvitation(const WorkflowCall& c) {
  auto account = accounts::AcceptInvitation(c.txn, c.who.user_id, c.text(0), c.text(1), c.context.invitations,
                                            *c.context.auth->clock);
  if (!account) return std::move(account).error();
  store::Rows rows;
  rows.columns = {Col("account_id", store::ColumnType::kUuid)};
  rows.rows.push_back({Value::Text(*account)});
  return rows;
}

Result<store::Rows> Deleted(const WorkflowCall& c, Result<accounts::Deletion> deletion) {
  if (!deletion) return std::move(deletion).error();
  if (deletion->refusal) *c.refusal = std::move(deletion->refusal);
  return store::Rows{};
}

// admin_ban_user's duration: a Go duration as GoTrue's ban_duration takes ("24h", "90m"),
// or none for a ban of a hundred years.
Result<store::Rows> BanUser(const WorkflowCall& c) {
  std::chrono::nanoseconds duration = std::chrono::hours(24 * 365 * 100);
  if (!c.arg(1).is_null()) {
    auto parsed = tb::auth::ParseGoDuration(c.text(1));
    if (!parsed) return RestError("22023", parsed.error().message);
    duration = *parsed;
  }
  return Void(admin::BanUser(c.txn, c.text(0), duration, *c.context.auth->clock));
}

const std::vector<Workflow>& Workflows() {
  using P = policy::HelperParameter;
  static const std::vector<Workflow> workflows = {
      {"create_team_account", {{"account_name", "text"}}, store::Access::kWrite, Returns::kRow,
       [](const WorkflowCall& c) { return accounts::CreateTeamAccount(c.txn, c.who.user_id, c.text(0)); }},
      {"team_account_workspace", {{"account_slug", "text"}}, store::Access::kRead, Returns::kSet,
       [](const WorkflowCall& c) { return accounts::TeamAccountWorkspace(c.txn, c.who.user_id, c.text(0)); }},
      {"get_account_members", {{"account_slug", "text"}}, store::Access::kRead, Returns::kSet,
       [](const WorkflowCall& c) { return accounts::AccountMembers(c.txn, c.who.user_id, c.text(0), c.page); }},
      {"update_member_role", {{"account_id", "uuid"}, {"user_id", "uuid"}, {"role", "varchar"}}, store::Access::kWrite,
       Returns::kVoid,
       [](const WorkflowCall& c) {
         return Void(accounts::UpdateMemberRole(c.txn, c.who.user_id, c.text(0), c.text(1), c.text(2)));
       }},
      {"remove_member", {{"account_id", "uuid"}, {"user_id", "uuid"}}, store::Access::kWrite, Returns::kVoid,
       [](const WorkflowCall& c) { return Void(accounts::RemoveMember(c.txn, c.who.user_id, c.text(0), c.text(1))); }},
      {"transfer_team_account_ownership", {{"target_account_id", "uuid"}, {"new_owner_id", "uuid"}},
       store::Access::kWrite, Returns::kVoid,
       [](const WorkflowCall& c) {
         return Void(accounts::TransferOwnership(c.txn, c.who.user_id, c.text(0), c.text(1)));
       }},
      {"create_one_time_token",
       {P{"purpose", "text"}, P{"expires_in_seconds", "int", true}, P{"scopes", "text[]", true},
        P{"metadata", "jsonb", true}, P{"revoke_previous", "bool", true}, P{"format", "text", true},
        P{"target_id", "uuid", true}},
       store::Access::kWrite, Returns::kRow, CreateToken},
      {"verify_one_time_token",
       {P{"token", "text"}, P{"purpose", "text"}, P{"required_scopes", "text[]", true},
        P{"max_verification_attempts", "int", true}, P{"user_id", "uuid", true}},
       store::Access::kWrite, Returns::kRow, VerifyToken},
      {"revoke_one_time_token", {P{"id", "uuid"}, P{"reason", "text", true}}, store::Access::kWrite, Returns::kScalar,
       [](const WorkflowCall& c) -> Result<store::Rows> {
         auto revoked = TokensOf(c).Revoke(c.txn, c.text(0), c.who.is_service_role() ? "" : c.who.user_id, c.text(1));
         if (!revoked) return std::move(revoked).error();
         store::Rows rows;
         rows.columns = {Col("revoked", store::ColumnType::kBool)};
         rows.rows.push_back({Value::Bool(*revoked)});
         return rows;
       }},
      {"add_invitations_to_account", {P{"account_slug", "text"}, P{"invitations", "jsonb[]"}}, store::Access::kWrite,
       Returns::kSet, AddInvitations},
      {"get_account_invitations", {P{"account_slug", "text"}}, store::Access::kRead, Returns::kSet,
       [](const WorkflowCall& c) { return accounts::AccountInvitations(c.txn, c.who.user_id, c.text(0)); }},
      {"get_invitation", {P{"token", "text"}}, store::Access::kRead, Returns::kRow,
       [](const WorkflowCall& c) -> Result<store::Rows> {
         if (!c.who.is_user()) return Error(Forbidden("only a signed-in user may look up an invitation"));
         return accounts::InvitationByToken(c.txn, c.text(0), *c.context.auth->clock);
       }},
      {"accept_invitation", {P{"token", "text"}, P{"user_id", "uuid"}}, store::Access::kWrite, Returns::kScalar,
       AcceptInvitation},
      {"delete_personal_account", {P{"otp", "text"}}, store::Access::kWrite, Returns::kVoid,
       [](const WorkflowCall& c) {
         return Deleted(c, accounts::DeletePersonalAccount(c.txn, c.who.user_id, c.text(0), TokensOf(c), c.client));
       }},
      {"delete_team_account", {P{"account_id", "uuid"}, P{"otp", "text"}}, store::Access::kWrite, Returns::kVoid,
       [](const WorkflowCall& c) {
         return Deleted(c, accounts::DeleteTeamAccount(c.txn, c.who.user_id, c.text(0), c.text(1), TokensOf(c), c.client));
       }},
      {"create_notification",
       {P{"account_id", "uuid"}, P{"body", "text"}, P{"type", "text", true}, P{"channel", "text", true},
        P{"link", "text", true}, P{"metadata", "jsonb", true}, P{"expires_at", "text", true}},
       store::Access::kWrite, Returns::kRow, CreateNotification},
      {"get_one_time_token_status", {P{"id", "uuid"}}, store::Access::kRead, Returns::kRow,
       [](const WorkflowCall& c) {
         return TokensOf(c).StatusOf(c.txn, c.text(0), c.who.is_service_role() ? "" : c.who.user_id);
       }},
      {"admin_list_accounts", {P{"search", "text", true}, P{"is_personal_account", "bool", true}},
       store::Access::kRead, Returns::kSet,
       [](const WorkflowCall& c) {
         std::optional<bool> personal;
         if (!c.arg(1).is_null()) personal = c.arg(1).as_bool();
         return admin::ListAccounts(c.txn, c.text(0), personal, c.page);
       }},
      {"admin_list_users", {P{"search", "text", true}}, store::Access::kRead, Returns::kSet,
       [](const WorkflowCall& c) { return admin::ListUsers(c.txn, c.text(0), c.page); }},
      {"admin_ban_user", {P{"user_id", "uuid"}, P{"duration", "text", true}}, store::Access::kWrite, Returns::kVoid,
       BanUser},
      {"admin_unban_user", {P{"user_id", "uuid"}}, store::Access::kWrite, Returns::kVoid,
       [](const WorkflowCall& c) { return Void(admin::UnbanUser(c.txn, c.text(0), *c.context.auth->clock)); }},
      {"admin_delete_user", {P{"user_id", "uuid"}}, store::Access::kWrite, Returns::kVoid,
       [](const WorkflowCall& c) { return Void(admin::DeleteUser(c.txn, c.text(0), *c.context.auth->clock)); }},
      {"admin_delete_team_account", {P{"account_id", "uuid"}}, store::Access::kWrite, Returns::kVoid,
       [](const WorkflowCall& c) { return Void(admin::DeleteTeamAccount(c.txn, c.text(0))); }},
      {"report_usage", {P{"account_id", "uuid"}, P{"quantity", "int"}, P{"feature", "text", true}},
       store::Access::kWrite, Returns::kRow,
       [](const WorkflowCall& c) -> Result<store::Rows> {
         static const tb::billing::Plans kNoPlans;
         if (c.arg(1).is_null()) return tb::domain::BadArgument("quantity is required");
         return tb::billing::ReportUsage(c.txn, c.who.is_service_role(), c.text(0), c.arg(1).as_int(), c.text(2),
                                         c.context.plans ? *c.context.plans : kNoPlans);
       }},
  };
  return workflows;
}

const Workflow* FindWorkflow(std::string_view name) {
  for (const Workflow& w : Workflows()) {
    if (w.name == name) return &w;
  }
  return nullptr;
}

std::string RowsJson(const store::Rows& rows, Returns returns) {
  if (returns == Returns::kVoid) return "null";
  if (returns == Returns::kScalar) {
    if (rows.rows.empty()) return "null";
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    WriteValue(w, rows.columns[0].type, rows.rows[0][0]);
    return buffer.GetString();
  }
  const bool as_set = returns == Returns::kSet;
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  if (as_set) w.StartArray();
  for (const auto& row : rows.rows) {
    w.StartObject();
    for (size_t i = 0; i < rows.columns.size(); ++i) {
      WriteString(w, rows.columns[i].name);
      WriteValue(w, rows.columns[i].type, row[i]);
    }
    w.EndObject();
    if (!as_set) break;
  }
  if (as_set) w.EndArray();
  if (!as_set && rows.rows.empty()) return "null";
  return buffer.GetString();
}

// `limit` and `offset` of the query string (supabase-js `.range()` on an RPC).
Result<accounts::Page> PageOf(const std::vector<std::pair<std::string, std::string>>& params) {
  accounts::Page page;
  for (const auto& [key, value] : params) {
    if (key != "limit" && key != "offset") continue;
    const std::optional<int64_t> n = ParseInt64(value);
    if (!n || *n < 0) return RestError("PGRST100", "\"" + value + "\" is not a valid " + key);
    if (key == "limit") page.limit = *n;
    if (key == "offset") page.offset = *n;
  }
  return page;
}

}  // namespace

http::Response CallFunction(http::Request& request, const RestContext& context) {
  auto identity = AuthenticateRest(request, context);
  if (!identity) return ErrorResponse(identity.error(), false);
  const bool signed_in = identity->is_user();
  const std::string name(request.PathParam("function"));

  // The arguments, by name.
  auto params = QueryPairs(request);
  if (!params) return ErrorResponse(params.error(), signed_in);
  auto page = PageOf(*params);
  if (!page) return ErrorResponse(page.error(), signed_in);
  rapidjson::Document args;
  args.SetObject();
  if (request.method == "POST") {
    auto body = ParseObject(request.body);
    if (!body) return ErrorResponse(RestError("PGRST102", "Empty or invalid json"), signed_in);
    args = std::move(*body);
  } else {
    for (const auto& [key, value] : *params) {
      if (key == "limit" || key == "offset") continue;
      args.AddMember(rapidjson::Value(key.c_str(), args.GetAllocator()),
                     rapidjson::Value(value.c_str(), args.GetAllocator()), args.GetAllocator());
    }
  }
  std::vector<std::string> given;
  for (const auto& m : args.GetObject()) given.emplace_back(m.name.GetString(), m.name.GetStringLength());

  const policy::Helper* helper = policy::FindHelper(name);
  const Workflow* workflow = helper ? nullptr : FindWorkflow(name);
  if (helper == nullptr && workflow == nullptr) return ErrorResponse(NoSuchFunction(name, given), signed_in);
  const std::vector<policy::HelperParameter>& parameters = helper ? helper->parameters : workflow->parameters;
  // Every argument must name a parameter, and every parameter without a default be given.
  for (const std::string& g : given) {
    const bool known = std::any_of(parameters.begin(), parameters.end(),
                                   [&](const policy::HelperParameter& p) { return p.name == g; });
    if (!known) return ErrorResponse(NoSuchFunction(name, given), signed_in);
  }
  std::vector<Value> values;
  for (const policy::HelperParameter& p : parameters) {
    auto it = args.FindMember(p.name.c_str());
    if (it == args.MemberEnd()) {
      if (!p.has_default) return ErrorResponse(NoSuchFunction(name, given), signed_in);
      values.push_back(Value::Null());  // left out: the parameter's default
      continue;
    }
    auto value = ArgumentValue(p, it->value);
    if (!value) return ErrorResponse(value.error(), signed_in);
    values.push_back(std::move(*value));
  }
  // As Makerkit grants them: execute for authenticated and service_role, not anon.
  if (identity->role == policy::Role::kAnon) {
    Error e = Error::Make(ErrorCode::kPermissionDenied, "permission denied for function " + name);
    e.sqlstate = "42501";
    return ErrorResponse(e, signed_in);
  }

  if (workflow != nullptr) {
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i].is_null() && !workflow->parameters[i].has_default) {
        return ErrorResponse(RestError("22004", "argument " + workflow->parameters[i].name + " of " + name + " may not be null"),
                             signed_in);
      }
    }
    auto txn = BeginFor(context, *identity, workflow->access);
    if (!txn) return ErrorResponse(txn.error(), signed_in);
    std::vector<mail::Message> emails;
    std::optional<Error> refusal;
    const WorkflowCall call{**txn, *identity, values, *page, context,
                            tokens::ClientInfo{request.remote_address,
                                               std::string(request.HeaderValue("User-Agent").substr(0, 512))},
                            &emails, &refusal};
    // A workflow checks its caller itself, as on SQLite, where its SQL is the server's; on
    // PostgreSQL it then runs as the server too (service_role, the caller's claims kept so
    // auth.uid() and is_super_admin() still name them), like a SECURITY DEFINER function.
    std::optional<store::AsServer> definer;
    if (context.postgres()) definer.emplace(**txn);
    auto rows = workflow->call(call);
    if (!rows) return ErrorResponse(rows.error(), signed_in);
    if (workflow->access == store::Access::kWrite) {
      if (Status s = (*txn)->Commit(); !s) return ErrorResponse(s.error(), signed_in);
    }
    if (refusal) return ErrorResponse(*refusal, signed_in);
    // The rows are committed; a message that cannot be sent is logged, not undone.
    for (const mail::Message& m : emails) {
      if (Status s = context.auth->mailer->Send(m); !s) {
        spdlog::warn("rpc {}: could not mail {}: {}", name, mail::HeaderSafe(m.to), Describe(s.error()));
      }
    }
    return http::Response::Json(200, RowsJson(*rows, workflow->returns));
  }

  std::string sql = "SELECT \"" + helper->function.name + "\"(";
  for (size_t i = 0; i < values.size(); ++i) sql += (i ? ", $" : "$") + std::to_string(i + 1);
  sql += ")";
  const store::Statement call{sql, values};
  auto results = ReadFor(context, *identity, std::span(&call, 1));
  if (!results) return ErrorResponse(results.error(), signed_in);
  if (!results->back()) return ErrorResponse(results->back().error(), signed_in);
  const Value& result = results->front()->rows.at(0).at(0);
  std::string json = result.is_null() ? "null" : result.as_bool() ? "true" : "false";
  return http::Response::Json(200, std::move(json));
}

}  // namespace tb::api::rest
