#include "api/storage/storage_support.h"

#include <rapidjson/document.h>

#include "api/rest/rest_handlers.h"
#include "base/clock.h"
#include "base/strings.h"
#include "crypto/jwt.h"

namespace tb::api::storage {

namespace {

using store::Value;

const char* Table() { return "storage_objects"; }

}  // namespace

http::Response StorageError(int status, std::string_view code, std::string_view message) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("statusCode");
  WriteString(w, std::to_string(status));
  w.Key("error");
  WriteString(w, code);
  w.Key("message");
  WriteString(w, message);
  w.EndObject();
  return http::Response::Json(status, buffer.GetString());
}

http::Response FromError(const Error& error) {
  const std::string& state = error.sqlstate;
  if (state == "42501") return StorageError(403, "Unauthorized", "new row violates row-level security policy");
  if (state == "23505") return StorageError(409, "Duplicate", "The resource already exists");
  if (state == "23503") return StorageError(409, "InvalidRequest", "The resource is still in use");
  if (state == "PGRST301" || error.code == ErrorCode::kUnauthenticated) {
    return StorageError(401, "Unauthorized", error.message);
  }
  if (error.code == ErrorCode::kPermissionDenied) return StorageError(403, "Unauthorized", error.message);
  if (error.code == ErrorCode::kInvalidArgument) return StorageError(400, "InvalidRequest", error.message);
  if (error.code == ErrorCode::kNotFound) return StorageError(404, "not_found", error.message);
  return StorageError(500, "InternalError", "The storage request failed");
}

Result<policy::Identity> Caller(const http::Request& request, const StorageContext& context) {
  return rest::AuthenticateRest(request, *context.rest);
}

Result<std::unique_ptr<store::Transaction>> Begin(const StorageContext& context, policy::Identity& who,
                                                  store::Access access) {
  return rest::BeginFor(*context.rest, who, access);
}

std::string MimeTypesSql(const store::Transaction& txn, std::string_view param) {
  if (txn.dialect() != "postgres") return std::string(param);
  return "ARRAY(SELECT json_array_elements_text(CAST(" + std::string(param) + " AS json)))";
}

Result<std::optional<Bucket>> FindBucket(store::Transaction& txn, std::string_view id) {
  store::AsServer server(txn);
  const Value key[] = {Value::Text(std::string(id))};
  auto rows = txn.Query(
      std::string("SELECT id, name, owner, public, file_size_limit, ") +
          (txn.dialect() == "postgres" ? "CAST(to_json(allowed_mime_types) AS text)" : "allowed_mime_types") +
          ", created_at, updated_at FROM storage.buckets WHERE id = $1",
      key);
  if (!rows) return std::move(rows).error();
  if (rows->rows.empty()) return std::optional<Bucket>();
  const auto& r = rows->rows[0];
  Bucket b;
  b.id = r[0].as_text();
  b.name = r[1].as_text();
  b.owner = r[2].is_null() ? "" : r[2].as_text();
  b.is_public = r[3].as_bool();
  if (!r[4].is_null()) b.file_size_limit = r[4].as_int();
  if (!r[5].is_null()) {
    rapidjson::Document doc;
    const std::string text = r[5].as_text();
    if (!doc.Parse(text.c_str()).HasParseError() && doc.IsArray()) {
      std::vector<std::string> types;
      for (const auto& t : doc.GetArray()) {
        if (t.IsString()) types.emplace_back(t.GetString(), t.GetStringLength());
      }
      b.allowed_mime_types = std::move(types);
    }
  }
  b.created_at = r[6].as_text();
  b.updated_at = r[7].as_text();
  return std::optional<Bucket>(std::move(b));
}

std::uint64_t SizeLimit(const Bucket& bucket, const StorageContext& context) {
  if (bucket.file_size_limit && *bucket.file_size_limit >= 0) {
    return std::min<std::uint64_t>(static_cast<std::uint64_t>(*bucket.file_size_limit), context.max_file_size);
  }
  return context.max_file_size;
}

bool MimeAllowed(const Bucket& bucket, std::string_view mime) {
  if (!bucket.allowed_mime_types || bucket.allowed_mime_types->empty()) return true;
  const std::string_view type = Trim(mime.substr(0, mime.find(';')));
  for (const std::string& allowed : *bucket.allowed_mime_types) {
    if (EqualsIgnoreCase(allowed, type)) return true;
    if (allowed.size() > 2 && allowed.ends_with("/*")) {
      const std::string_view family = std::string_view(allowed).substr(0, allowed.size() - 1);  // "image/"
      if (type.size() > family.size() && EqualsIgnoreCase(type.substr(0, family.size()), family)) return true;
    }
  }
  return false;
}

void WriteBucket(JsonWriter& w, const Bucket& b) {
  w.StartObject();
  w.Key("id");
  WriteString(w, b.id);
  w.Key("name");
  WriteString(w, b.name);
  w.Key("owner");
  WriteString(w, b.owner);
  w.Key("public");
  w.Bool(b.is_public);
  w.Key("file_size_limit");
  if (b.file_size_limit) {
    w.Int64(*b.file_size_limit);
  } else {
    w.Null();
  }
  w.Key("allowed_mime_types");
  if (b.allowed_mime_types) {
    w.StartArray();
    for (const std::string& t : *b.allowed_mime_types) WriteString(w, t);
    w.EndArray();
  } else {
    w.Null();
  }
  w.Key("created_at");
  WriteString(w, b.created_at);
  w.Key("updated_at");
  WriteString(w, b.updated_at);
  w.EndObject();
}

std::optional<std::string> ObjectsUsing(const StorageContext& context, const policy::Identity& who,
                                        policy::Command command) {
  const char* role = policy::RoleName(who.role);
  if (policy::BypassesPolicies(role)) return std::nullopt;
  return context.rest->policies->PredicateUsing(Table(), role, command);
}

std::optional<std::string> ObjectsCheck(const StorageContext& context, const policy::Identity& who,
                                        policy::Command command) {
  const char* role = policy::RoleName(who.role);
  if (policy::BypassesPolicies(role)) return std::nullopt;
  return context.rest->policies->PredicateCheck(Table(), role, command);
}

Result<bool> Passes(store::Transaction& txn, const std::optional<std::string>& check, const ObjectRow& row) {
  if (!check) return true;
  const Value params[] = {Value::Text(row.id),
                          Value::Text(row.bucket_id),
                          Value::Text(row.name),
                          row.owner.empty() ? Value::Null() : Value::Text(row.owner),
                          row.owner.empty() ? Value::Null() : Value::Text(row.owner),
                          Value::Text(row.metadata),
                          Value::Text(row.version)};
  // PostgreSQL's policy text names the columns unqualified and needs them typed.
  const std::string row_sql =
      txn.dialect() == "postgres"
          ? "SELECT CAST($1 AS uuid) AS id, CAST($2 AS text) AS bucket_id, CAST($3 AS text) AS name, CAST($4 AS uuid) AS owner, "
            "CAST($5 AS text) AS owner_id, CAST($6 AS jsonb) AS metadata, CAST(NULL AS jsonb) AS user_metadata, "
            "CAST($7 AS text) AS version, now() AS created_at, now() AS updated_at, now() AS last_accessed_at"
          : "SELECT $1 AS id, $2 AS bucket_id, $3 AS name, $4 AS owner, $5 AS owner_id, $6 AS metadata, NULL AS user_metadata, "
            "$7 AS version, now() AS created_at, now() AS updated_at, now() AS last_accessed_at";
  auto refused = txn.Query("SELECT count(*) FROM (" + row_sql + ") AS storage_objects WHERE NOT coalesce((" + *check + "), false)",
                           params);
  // A policy casting the name's folder to a uuid cannot on PostgreSQL when it is none
  // (22P02); the policy does not admit that row, as SQLite's cast to NULL decides.
  if (!refused && refused.error().sqlstate == "22P02") return false;
  if (!refused) return std::move(refused).error();
  return refused->rows[0][0].as_int() == 0;
}

std::string SignUrlToken(const StorageContext& context, std::string_view url, std::int64_t expires_in,
                         std::string_view extra_claims_json) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(SystemClock::Instance().Now().time_since_epoch()).count();
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("url");
  WriteString(w, url);
  w.Key("iat");
  w.Int64(now);
  w.Key("exp");
  w.Int64(now + expires_in);
  w.EndObject();
  std::string claims = buffer.GetString();
  if (!extra_claims_json.empty()) {
    claims.pop_back();
    claims += "," + std::string(extra_claims_json) + "}";
  }
  return crypto::SignJwtHs256(claims, context.url_secret);
}

Result<std::string> VerifyUrlToken(const StorageContext& context, std::string_view token, std::string_view url) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(SystemClock::Instance().Now().time_since_epoch()).count();
  auto claims = crypto::VerifyJwtHs256(token, context.url_secret, now);
  if (!claims) return Error::Make(ErrorCode::kInvalidArgument, claims.error().message);
  rapidjson::Document doc;
  if (doc.Parse(claims->c_str()).HasParseError() || !doc.IsObject() || !doc.HasMember("url") || !doc["url"].IsString() ||
      !doc.HasMember("exp")) {
    return Error::Make(ErrorCode::kInvalidArgument, "the token is not a signed URL token");
  }
  if (std::string_view(doc["url"].GetString(), doc["url"].GetStringLength()) != url) {
    return Error::Make(ErrorCode::kInvalidArgument, "the token was signed for another object");
  }
  return claims;
}

}  // namespace tb::api::storage
