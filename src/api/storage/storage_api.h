// api/storage/storage_api.h
//
// Supabase Storage's HTTP API (/storage/v1), the subset supabase-js v2 uses: objects
// (upload, update, download — authenticated, public and signed —, info, list, move, copy,
// remove, signed download and upload URLs) and buckets (list, get, create, update, empty,
// delete). Rows live in storage_buckets / storage_objects (migration 0016) under the
// policies written on storage.objects in migrations, evaluated for the caller exactly as
// /rest/v1 does; bytes live in a ByteStore (domain/storage/byte_store.h). Uploads and
// downloads stream (the HTTP layer's preflight and file bodies): a large file is never in
// memory. Errors have storage-api's shape {"statusCode": "404", "error": "not_found",
// "message": "Object not found"} with the same HTTP status. See docs/storage.md.
//
// Thread-safety: handlers only read the immutable StorageContext.
#pragma once

#include <cstdint>
#include <string>

#include "api/rest/rest_context.h"
#include "domain/storage/byte_store.h"
#include "http/router.h"

namespace tb::api::storage {

struct StorageContext {
  const rest::RestContext* rest = nullptr;  // store, authentication, policies
  tb::storage::ByteStore* bytes = nullptr;
  std::uint64_t max_file_size = 50ull * 1024 * 1024;  // --storage-max-file-size; buckets may set less
  std::string url_secret;  // signs signed-URL tokens (derived from the JWT secret, never a user token)
};

// Adds every /storage/v1 route. REQUIRES: context outlives the router.
void AddStorageRoutes(http::Router& router, const StorageContext& context);

}  // namespace tb::api::storage
