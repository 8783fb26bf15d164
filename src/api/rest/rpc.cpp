// POST|GET /rest/v1/rpc/{function}: the seed's helper functions (policy/helpers.h) as
// PostgREST calls functions — arguments matched by name, from the JSON body (POST) or
// the query string (GET); the scalar result as JSON.

#include <algorithm>

#include "api/json.h"
#include "api/rest/rest_error.h"
#include "api/rest/rest_handlers.h"
#include "base/strings.h"
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

}  // namespace

http::Response CallFunction(http::Request& request, const RestContext& context) {
  auto identity = AuthenticateRest(request, context);
  if (!identity) return ErrorResponse(identity.error(), false);
  const bool signed_in = identity->is_user();
  const std::string name(request.PathParam("function"));

  // The arguments, by name.
  rapidjson::Document args;
  args.SetObject();
  if (request.method == "POST") {
    auto body = ParseObject(request.body);
    if (!body) return ErrorResponse(RestError("PGRST102", "Empty or invalid json"), signed_in);
    args = std::move(*body);
  } else {
    auto params = QueryPairs(request);
    if (!params) return ErrorResponse(params.error(), signed_in);
    for (const auto& [key, value] : *params) {
      args.AddMember(rapidjson::Value(key.c_str(), args.GetAllocator()),
                     rapidjson::Value(value.c_str(), args.GetAllocator()), args.GetAllocator());
    }
  }
  std::vector<std::string> given;
  for (const auto& m : args.GetObject()) given.emplace_back(m.name.GetString(), m.name.GetStringLength());

  const policy::Helper* helper = policy::FindHelper(name);
  if (helper == nullptr) return ErrorResponse(NoSuchFunction(name, given), signed_in);
  // Every argument must name a parameter, and every parameter without a default be given.
  for (const std::string& g : given) {
    const bool known = std::any_of(helper->parameters.begin(), helper->parameters.end(),
                                   [&](const policy::HelperParameter& p) { return p.name == g; });
    if (!known) return ErrorResponse(NoSuchFunction(name, given), signed_in);
  }
  std::vector<Value> values;
  for (const policy::HelperParameter& p : helper->parameters) {
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
