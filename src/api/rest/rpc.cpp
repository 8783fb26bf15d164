// POST|GET /rest/v1/rpc/{function}: the seed's helper functions (policy/helpers.h) and its
// workflows (domain/accounts/…) as PostgREST calls functions — arguments matched by name,
// from the JSON body (POST) or the query string (GET); a scalar, one row (an object) or a
// set of rows (an array, paged by limit/offset) as JSON.

#include <algorithm>
#include <charconv>
#include <functional>
#include <span>

#include "api/json.h"
#include "api/rest/rest_error.h"
#include "api/rest/rest_handlers.h"
#include "api/rest/values.h"
#include "base/strings.h"
#include "domain/accounts/team_accounts.h"
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

// A named argument as the helper's parameter type reads it.
Result<Value> ArgumentValue(const policy::HelperParameter& p, const rapidjson::Value& json) {
  if (json.IsNull()) return Value::Null();
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

// A workflow of the seed callable as RPC: it checks the caller's rights itself, then acts
// in the transaction it is given.
struct Workflow {
  std::string name;
  std::vector<policy::HelperParameter> parameters;
  store::Access access = store::Access::kRead;
  bool returns_set = true;  // an array of rows; else one row as an object (or null)
  std::function<Result<store::Rows>(store::Transaction&, const policy::Identity&, std::span<const Value>,
                                    const accounts::Page&)>
      call;
};

// A workflow that returns nothing (PostgreSQL: RETURNS void): no rows, answered with null.
Result<store::Rows> Void(Status status) {
  if (!status) return std::move(status).error();
  return store::Rows{};
}

const std::vector<Workflow>& Workflows() {
  static const std::vector<Workflow> workflows = {
      {"create_team_account", {{"account_name", "text"}}, store::Access::kWrite, false,
       [](store::Transaction& txn, const policy::Identity& who, std::span<const Value> a, const accounts::Page&) {
         return accounts::CreateTeamAccount(txn, who.user_id, a[0].as_text());
       }},
      {"team_account_workspace", {{"account_slug", "text"}}, store::Access::kRead, true,
       [](store::Transaction& txn, const policy::Identity& who, std::span<const Value> a, const accounts::Page&) {
         return accounts::TeamAccountWorkspace(txn, who.user_id, a[0].as_text());
       }},
      {"get_account_members", {{"account_slug", "text"}}, store::Access::kRead, true,
       [](store::Transaction& txn, const policy::Identity& who, std::span<const Value> a, const accounts::Page& page) {
         return accounts::AccountMembers(txn, who.user_id, a[0].as_text(), page);
       }},
      {"update_member_role", {{"account_id", "uuid"}, {"user_id", "uuid"}, {"role", "varchar"}}, store::Access::kWrite,
       false,
       [](store::Transaction& txn, const policy::Identity& who, std::span<const Value> a, const accounts::Page&) {
         return Void(accounts::UpdateMemberRole(txn, who.user_id, a[0].as_text(), a[1].as_text(), a[2].as_text()));
       }},
      {"remove_member", {{"account_id", "uuid"}, {"user_id", "uuid"}}, store::Access::kWrite, false,
       [](store::Transaction& txn, const policy::Identity& who, std::span<const Value> a, const accounts::Page&) {
         return Void(accounts::RemoveMember(txn, who.user_id, a[0].as_text(), a[1].as_text()));
       }},
      {"transfer_team_account_ownership", {{"target_account_id", "uuid"}, {"new_owner_id", "uuid"}},
       store::Access::kWrite, false,
       [](store::Transaction& txn, const policy::Identity& who, std::span<const Value> a, const accounts::Page&) {
         return Void(accounts::TransferOwnership(txn, who.user_id, a[0].as_text(), a[1].as_text()));
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

std::string RowsJson(const store::Rows& rows, bool as_set) {
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
    int64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || n < 0) {
      return RestError("PGRST100", "\"" + value + "\" is not a valid " + key);
    }
    if (key == "limit") page.limit = n;
    if (key == "offset") page.offset = n;
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
      break;  // defaults are trailing: stop at the first one left out
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
    for (const Value& v : values) {
      if (v.is_null()) return ErrorResponse(RestError("22004", "the arguments of " + name + " may not be null"), signed_in);
    }
    auto txn = BeginFor(context, *identity, workflow->access);
    if (!txn) return ErrorResponse(txn.error(), signed_in);
    auto rows = workflow->call(**txn, *identity, values, *page);
    if (!rows) return ErrorResponse(rows.error(), signed_in);
    if (workflow->access == store::Access::kWrite) {
      if (Status s = (*txn)->Commit(); !s) return ErrorResponse(s.error(), signed_in);
    }
    return http::Response::Json(200, RowsJson(*rows, workflow->returns_set));
  }

  std::string sql = "SELECT \"" + helper->function.name + "\"(";
  for (size_t i = 0; i < values.size(); ++i) sql += (i ? ", $" : "$") + std::to_string(i + 1);
  sql += ")";
  auto txn = BeginFor(context, *identity, store::Access::kRead);
  if (!txn) return ErrorResponse(txn.error(), signed_in);
  auto rows = (*txn)->Query(sql, values);
  if (!rows) return ErrorResponse(rows.error(), signed_in);
  const Value& result = rows->rows.at(0).at(0);
  std::string json = result.is_null() ? "null" : result.as_bool() ? "true" : "false";
  return http::Response::Json(200, std::move(json));
}

}  // namespace tb::api::rest
