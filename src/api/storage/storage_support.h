// api/storage/storage_support.h — private to api/storage: what the object and bucket
// handlers share (errors in storage-api's shape, the caller, buckets, policy checks).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/json.h"
#include "api/storage/storage_api.h"
#include "base/result.h"
#include "http/request.h"
#include "http/response.h"
#include "policy/identity.h"
#include "policy/policy_set.h"
#include "store/store.h"

namespace tb::api::storage {

// {"statusCode": "<status>", "error": code, "message": message} with HTTP `status`.
http::Response StorageError(int status, std::string_view code, std::string_view message);
// A store or domain error as storage-api would answer it (42501 → 403, 23505 → 409, …).
http::Response FromError(const Error& error);

// The caller (anon, a user or service_role) from apikey and bearer; a 400/401/403 otherwise.
Result<policy::Identity> Caller(const http::Request& request, const StorageContext& context);
// A transaction as the caller (their session checked in it).
Result<std::unique_ptr<store::Transaction>> Begin(const StorageContext& context, policy::Identity& who,
                                                  store::Access access);

struct Bucket {
  std::string id, name;
  std::string owner;  // "" = none
  bool is_public = false;
  std::optional<std::int64_t> file_size_limit;
  std::optional<std::vector<std::string>> allowed_mime_types;
  std::string created_at, updated_at;
};
// The bucket as the server sees it (limits apply to everyone); nullopt when there is none.
Result<std::optional<Bucket>> FindBucket(store::Transaction& txn, std::string_view id);

// The SQL giving allowed_mime_types from `param`, a bound JSON array of strings: the JSON
// itself on SQLite, a text[] on PostgreSQL.
std::string MimeTypesSql(const store::Transaction& txn, std::string_view param);
// The bucket's limit, at most the server's.
std::uint64_t SizeLimit(const Bucket& bucket, const StorageContext& context);
// Whether `mime` ("image/png; charset=…" → "image/png") is allowed: exact or "type/*".
bool MimeAllowed(const Bucket& bucket, std::string_view mime);
void WriteBucket(JsonWriter& w, const Bucket& bucket);

// The policies' predicate over storage_objects for the caller and command; nullopt when
// nothing restricts the role (service_role).
std::optional<std::string> ObjectsUsing(const StorageContext& context, const policy::Identity& who,
                                        policy::Command command);
std::optional<std::string> ObjectsCheck(const StorageContext& context, const policy::Identity& who,
                                        policy::Command command);

// A storage_objects row as written, for WITH CHECK: every column by name.
struct ObjectRow {
  std::string id, bucket_id, name, owner, version, metadata = "{}";
};
// True when `row` passes `check` (no check = true).
Result<bool> Passes(store::Transaction& txn, const std::optional<std::string>& check, const ObjectRow& row);

// HMAC-signed URL tokens (HS256 JWTs under the storage's own secret): {url, exp[, upsert, owner]}.
std::string SignUrlToken(const StorageContext& context, std::string_view url, std::int64_t expires_in,
                         std::string_view extra_claims_json);
// The claims when the token is valid for `url` now; a 400 InvalidJWT response otherwise.
Result<std::string> VerifyUrlToken(const StorageContext& context, std::string_view token, std::string_view url);

}  // namespace tb::api::storage
