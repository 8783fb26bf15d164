// /storage/v1/bucket endpoints. Reading buckets follows storage.buckets' SELECT policies;
// creating, changing, emptying and deleting them is service_role's (Supabase's default:
// no policy lets a user write storage.buckets). See storage_api.h.
#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include "api/storage/storage_support.h"
#include "base/strings.h"
#include "domain/storage/object_names.h"

namespace tb::api::storage {

namespace {

using store::Value;

Result<std::vector<Bucket>> ReadBuckets(const StorageContext& context, store::Transaction& txn,
                                        const policy::Identity& who, std::string_view only_id) {
  const char* role = policy::RoleName(who.role);
  const auto using_select =
      policy::BypassesPolicies(role) ? std::nullopt : context.rest->policies->PredicateUsing("storage_buckets", role, policy::Command::kSelect);
  std::vector<Value> params;
  std::string sql = "SELECT id FROM storage.buckets WHERE true";
  if (!only_id.empty()) {
    params.push_back(Value::Text(std::string(only_id)));
    sql += " AND id = $1";
  }
  if (using_select) sql += " AND coalesce((" + *using_select + "), false)";
  sql += " ORDER BY name";
  auto rows = txn.Query(sql, params);
  if (!rows) return std::move(rows).error();
  std::vector<Bucket> buckets;
  for (const auto& r : rows->rows) {
    auto bucket = FindBucket(txn, r[0].as_text());
    if (!bucket) return std::move(bucket).error();
    if (*bucket) buckets.push_back(std::move(**bucket));
  }
  return buckets;
}

http::Response ListBuckets(const StorageContext& context, http::Request& request) {
  auto who = Caller(request, context);
  if (!who) return FromError(who.error());
  auto txn = Begin(context, *who, store::Access::kRead);
  if (!txn) return FromError(txn.error());
  auto buckets = ReadBuckets(context, **txn, *who, "");
  if (!buckets) return FromError(buckets.error());
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartArray();
  for (const Bucket& b : *buckets) WriteBucket(w, b);
  w.EndArray();
  return http::Response::Json(200, out.GetString());
}

http::Response GetBucket(const StorageContext& context, http::Request& request) {
  auto who = Caller(request, context);
  if (!who) return FromError(who.error());
  auto txn = Begin(context, *who, store::Access::kRead);
  if (!txn) return FromError(txn.error());
  auto buckets = ReadBuckets(context, **txn, *who, request.PathParam("id"));
  if (!buckets) return FromError(buckets.error());
  if (buckets->empty()) return StorageError(404, "not_found", "Bucket not found");
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  WriteBucket(w, buckets->front());
  return http::Response::Json(200, out.GetString());
}

// The caller, who must be service_role to change buckets.
std::variant<policy::Identity, http::Response> Admin(const StorageContext& context, const http::Request& request) {
  auto who = Caller(request, context);
  if (!who) return FromError(who.error());
  if (!who->is_service_role()) return StorageError(403, "Unauthorized", "only service_role may change buckets");
  return *who;
}

// The settable fields of a bucket from a JSON body: public, file_size_limit (bytes, or a
// string such as "10MB"), allowed_mime_types.
Status ReadSettings(const rapidjson::Value& body, Bucket& b) {
  if (body.HasMember("public")) {
    if (!body["public"].IsBool()) return Error::Make(ErrorCode::kInvalidArgument, "public must be a boolean");
    b.is_public = body["public"].GetBool();
  }
  if (body.HasMember("file_size_limit")) {
    const auto& v = body["file_size_limit"];
    if (v.IsNull()) {
      b.file_size_limit.reset();
    } else if (v.IsInt64() && v.GetInt64() >= 0) {
      b.file_size_limit = v.GetInt64();
    } else if (v.IsString()) {
      std::string text(v.GetString(), v.GetStringLength());
      int64_t unit = 1;
      auto ends = [&](std::string_view suffix) {
        if (text.size() > suffix.size() && EqualsIgnoreCase(std::string_view(text).substr(text.size() - suffix.size()), suffix)) {
          text.resize(text.size() - suffix.size());
          return true;
        }
        return false;
      };
      if (ends("GB")) unit = 1000LL * 1000 * 1000;
      else if (ends("MB")) unit = 1000LL * 1000;
      else if (ends("KB")) unit = 1000;
      else if (ends("B")) unit = 1;
      int64_t n = 0;
      if (text.empty() || text.size() > 12) return Error::Make(ErrorCode::kInvalidArgument, "invalid file_size_limit");
      for (char c : text) {
        if (c < '0' || c > '9') return Error::Make(ErrorCode::kInvalidArgument, "invalid file_size_limit");
        n = n * 10 + (c - '0');
      }
      b.file_size_limit = n * unit;
    } else {
      return Error::Make(ErrorCode::kInvalidArgument, "file_size_limit must be a number of bytes");
    }
  }
  if (body.HasMember("allowed_mime_types")) {
    const auto& v = body["allowed_mime_types"];
    if (v.IsNull()) {
      b.allowed_mime_types.reset();
    } else if (v.IsArray()) {
      std::vector<std::string> types;
      for (const auto& t : v.GetArray()) {
        if (!t.IsString() || t.GetStringLength() == 0) return Error::Make(ErrorCode::kInvalidArgument, "allowed_mime_types must be strings");
        types.emplace_back(t.GetString(), t.GetStringLength());
      }
      b.allowed_mime_types = std::move(types);
    } else {
      return Error::Make(ErrorCode::kInvalidArgument, "allowed_mime_types must be an array");
    }
  }
  return Ok();
}

Value MimeTypes(const Bucket& b) {
  if (!b.allowed_mime_types) return Value::Null();
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartArray();
  for (const std::string& t : *b.allowed_mime_types) WriteString(w, t);
  w.EndArray();
  return Value::Text(out.GetString());
}

http::Response CreateBucket(const StorageContext& context, http::Request& request) {
  auto admin = Admin(context, request);
  if (auto* refused = std::get_if<http::Response>(&admin)) return std::move(*refused);
  auto body = ParseObject(request.body);
  if (!body) return StorageError(400, "InvalidRequest", body.error().message);
  Bucket b;
  b.name = body->HasMember("name") && (*body)["name"].IsString() ? (*body)["name"].GetString() : "";
  b.id = body->HasMember("id") && (*body)["id"].IsString() ? (*body)["id"].GetString() : b.name;
  if (b.name.empty()) b.name = b.id;
  if (Status s = tb::storage::ValidateBucketId(b.id); !s) return StorageError(400, "InvalidRequest", s.error().message);
  if (Status s = tb::storage::ValidateBucketId(b.name); !s) return StorageError(400, "InvalidRequest", s.error().message);
  if (Status s = ReadSettings(*body, b); !s) return StorageError(400, "InvalidRequest", s.error().message);
  auto txn = context.rest->store->Begin(store::Access::kWrite);
  if (!txn) return FromError(txn.error());
  const Value row[] = {Value::Text(b.id), Value::Text(b.name), Value::Bool(b.is_public),
                       b.file_size_limit ? Value::Int(*b.file_size_limit) : Value::Null(), MimeTypes(b)};
  auto done = (*txn)->Execute(
      "INSERT INTO storage.buckets (id, name, public, file_size_limit, allowed_mime_types) VALUES ($1, $2, $3, $4, " +
          MimeTypesSql(**txn, "$5") + ")",
      row);
  if (!done) return FromError(done.error());
  if (Status s = (*txn)->Commit(); !s) return FromError(s.error());
  return http::Response::Json(200, "{\"name\":\"" + b.name + "\"}");
}

http::Response UpdateBucket(const StorageContext& context, http::Request& request) {
  auto admin = Admin(context, request);
  if (auto* refused = std::get_if<http::Response>(&admin)) return std::move(*refused);
  auto body = ParseObject(request.body);
  if (!body) return StorageError(400, "InvalidRequest", body.error().message);
  auto txn = context.rest->store->Begin(store::Access::kWrite);
  if (!txn) return FromError(txn.error());
  auto bucket = FindBucket(**txn, request.PathParam("id"));
  if (!bucket) return FromError(bucket.error());
  if (!*bucket) return StorageError(404, "not_found", "Bucket not found");
  Bucket b = **bucket;
  if (Status s = ReadSettings(*body, b); !s) return StorageError(400, "InvalidRequest", s.error().message);
  const Value row[] = {Value::Text(b.id), Value::Bool(b.is_public),
                       b.file_size_limit ? Value::Int(*b.file_size_limit) : Value::Null(), MimeTypes(b)};
  auto done = (*txn)->Execute(
      "UPDATE storage.buckets SET public = $2, file_size_limit = $3, allowed_mime_types = " + MimeTypesSql(**txn, "$4") +
          " WHERE id = $1",
      row);
  if (!done) return FromError(done.error());
  if (Status s = (*txn)->Commit(); !s) return FromError(s.error());
  return http::Response::Json(200, R"({"message":"Successfully updated"})");
}

// Empties the bucket's rows in one transaction, then removes their bytes.
Result<int64_t> Empty(const StorageContext& context, std::string_view id, bool and_delete) {
  auto txn = context.rest->store->Begin(store::Access::kWrite);
  if (!txn) return std::move(txn).error();
  const Value key[] = {Value::Text(std::string(id))};
  auto exists = (*txn)->Query("SELECT 1 FROM storage.buckets WHERE id = $1", key);
  if (!exists) return std::move(exists).error();
  if (exists->rows.empty()) return Error::Make(ErrorCode::kNotFound, "Bucket not found");
  std::vector<std::string> versions;
  if (!and_delete) {
    auto rows = (*txn)->Query("DELETE FROM storage.objects WHERE bucket_id = $1 RETURNING version", key);
    if (!rows) return std::move(rows).error();
    for (const auto& r : rows->rows) {
      if (!r[0].is_null()) versions.push_back(r[0].as_text());
    }
  } else {
    auto done = (*txn)->Execute("DELETE FROM storage.buckets WHERE id = $1", key);
    if (!done) return std::move(done).error();
  }
  if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
  for (const std::string& v : versions) {
    if (Status s = context.bytes->Remove(v); !s) spdlog::warn("storage: {}", s.error().message);
  }
  return static_cast<int64_t>(versions.size());
}

http::Response EmptyBucket(const StorageContext& context, http::Request& request) {
  auto admin = Admin(context, request);
  if (auto* refused = std::get_if<http::Response>(&admin)) return std::move(*refused);
  auto emptied = Empty(context, request.PathParam("id"), false);
  if (!emptied) return FromError(emptied.error());
  return http::Response::Json(200, R"({"message":"Successfully emptied"})");
}

http::Response DeleteBucket(const StorageContext& context, http::Request& request) {
  auto admin = Admin(context, request);
  if (auto* refused = std::get_if<http::Response>(&admin)) return std::move(*refused);
  auto deleted = Empty(context, request.PathParam("id"), true);
  if (!deleted) {
    if (deleted.error().sqlstate == "23503") return StorageError(409, "InvalidRequest", "The bucket you tried to delete is not empty");
    return FromError(deleted.error());
  }
  return http::Response::Json(200, R"({"message":"Successfully deleted"})");
}

}  // namespace

void AddBucketRoutes(http::Router& router, const StorageContext& context) {
  const StorageContext* c = &context;
  auto on = [&](std::string_view method, std::string_view pattern, http::Response (*fn)(const StorageContext&, http::Request&)) {
    router.Add(method, pattern, [c, fn](http::Request& r) { return fn(*c, r); });
  };
  on("GET", "/storage/v1/bucket", ListBuckets);
  on("POST", "/storage/v1/bucket", CreateBucket);
  on("POST", "/storage/v1/bucket/{id}/empty", EmptyBucket);
  on("GET", "/storage/v1/bucket/{id}", GetBucket);
  on("PUT", "/storage/v1/bucket/{id}", UpdateBucket);
  on("DELETE", "/storage/v1/bucket/{id}", DeleteBucket);
}

}  // namespace tb::api::storage
