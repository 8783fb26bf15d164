// The /storage/v1/object endpoints. See storage_api.h.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <map>
#include <variant>

#include "api/storage/storage_support.h"
#include "base/clock.h"
#include "base/strings.h"
#include "crypto/base64.h"
#include "crypto/random.h"
#include "domain/storage/multipart.h"
#include "domain/storage/object_names.h"

namespace tb::api::storage {

namespace {

using store::Value;
using tb::storage::ValidateBucketId;
using tb::storage::ValidateObjectName;
using policy::Command;

constexpr std::uint64_t kMultipartOverhead = 64 * 1024;

http::Response NotFound() { return StorageError(404, "not_found", "Object not found"); }
http::Response BucketNotFound() { return StorageError(404, "not_found", "Bucket not found"); }
http::Response Unauthorized() {
  return StorageError(403, "Unauthorized", "new row violates row-level security policy");
}

http::Response JsonOk(const std::string& json) { return http::Response::Json(200, json); }

std::string Quoted(std::string_view key, std::string_view value) {
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartObject();
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  WriteString(w, value);
  w.EndObject();
  return b.GetString();
}

// The bucket and object name of a request's path, validated.
struct Target {
  std::string bucket, name;
};
std::variant<Target, http::Response> TargetOf(const http::Request& request) {
  Target t{std::string(request.PathParam("bucket")), std::string(request.PathParam("path"))};
  if (Status s = ValidateBucketId(t.bucket); !s) return StorageError(400, "InvalidRequest", s.error().message);
  if (Status s = ValidateObjectName(t.name); !s) return StorageError(400, "InvalidKey", s.error().message);
  return t;
}

// A stored object as the download and info endpoints need it.
struct Stored {
  std::string id, version, metadata, created_at, updated_at;
};

Stored StoredOf(const std::vector<Value>& r) {
  return Stored{r[0].as_text(), r[1].is_null() ? "" : r[1].as_text(), r[2].is_null() ? "{}" : r[2].as_text(),
                r[3].as_text(), r[4].as_text()};
}

// The object if the caller's SELECT policies let them see it (`as_server` reads past them).
Result<std::optional<Stored>> Visible(const StorageContext& context, store::Transaction& txn,
                                      const policy::Identity& who, const Target& t, bool as_server) {
  const auto using_select = as_server ? std::nullopt : ObjectsUsing(context, who, Command::kSelect);
  const Value key[] = {Value::Text(t.bucket), Value::Text(t.name)};
  auto rows = txn.Query(
      "SELECT id, version, metadata, created_at, updated_at FROM storage.objects "
      "WHERE bucket_id = $1 AND name = $2" + (using_select ? " AND coalesce((" + *using_select + "), false)" : std::string()),
      key);
  if (!rows) return std::move(rows).error();
  if (rows->rows.empty()) return std::optional<Stored>();
  return std::optional<Stored>(StoredOf(rows->rows[0]));
}

std::string MetaString(const rapidjson::Document& meta, const char* key) {
  if (!meta.IsObject() || !meta.HasMember(key) || !meta[key].IsString()) return "";
  return std::string(meta[key].GetString(), meta[key].GetStringLength());
}

// Parses "bytes=a-b", "bytes=a-", "bytes=-n" against `size`: {offset, length}; nullopt
// for no (or an unsupported multi-) range; length 0 with offset == size means unsatisfiable.
std::optional<std::pair<std::uint64_t, std::uint64_t>> ParseRange(std::string_view header, std::uint64_t size,
                                                                  bool& unsatisfiable) {
  unsatisfiable = false;
  header = Trim(header);
  if (!header.starts_with("bytes=") || header.find(',') != std::string_view::npos) return std::nullopt;
  const std::string_view spec = Trim(header.substr(6));
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto number = [](std::string_view text) -> std::optional<std::uint64_t> {
    if (text.empty() || text.size() > 19) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : text) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
  };
  const std::string_view first = Trim(spec.substr(0, dash)), last = Trim(spec.substr(dash + 1));
  if (first.empty()) {
    auto n = number(last);
    if (!n) return std::nullopt;
    if (*n == 0 || size == 0) {
      unsatisfiable = true;
      return std::nullopt;
    }
    const std::uint64_t take = std::min(*n, size);
    return std::make_pair(size - take, take);
  }
  auto from = number(first);
  if (!from) return std::nullopt;
  if (*from >= size) {
    unsatisfiable = true;
    return std::nullopt;
  }
  std::uint64_t to = size - 1;
  if (!last.empty()) {
    auto end = number(last);
    if (!end || *end < *from) return std::nullopt;
    to = std::min(*end, size - 1);
  }
  return std::make_pair(*from, to - *from + 1);
}

// Serves a stored object's bytes: ETag / If-None-Match, Range, Content-Disposition.
http::Response Serve(const StorageContext& context, const http::Request& request, const Target& t, const Stored& s) {
  auto fd = context.bytes->Open(s.version);
  if (!fd) {
    spdlog::error("storage: object {}/{} has no bytes ({})", t.bucket, t.name, fd.error().message);
    return NotFound();
  }
  struct stat st {};
  if (::fstat(*fd, &st) != 0) {
    ::close(*fd);
    return StorageError(500, "InternalError", "The object could not be read");
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  rapidjson::Document meta;
  meta.Parse(s.metadata.c_str());
  const std::string etag = "\"" + s.version + "\"";
  http::Response response;
  response.SetHeader("ETag", etag);
  response.SetHeader("Accept-Ranges", "bytes");
  const std::string mime = MetaString(meta, "mimetype");
  response.SetHeader("Content-Type", mime.empty() ? "application/octet-stream" : mime);
  const std::string cache = MetaString(meta, "cacheControl");
  response.SetHeader("Cache-Control", cache.empty() ? "no-cache" : cache);
  if (request.HasHeader("download") || request.query.find("download") != std::string::npos) {
    std::string filename = request.QueryParam("download");
    if (filename.empty()) filename = t.name.substr(t.name.rfind('/') + 1);
    std::string safe;
    for (char c : filename) safe += (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) ? '_' : c;
    response.SetHeader("Content-Disposition", "attachment; filename=\"" + safe + "\"");
  }
  const std::string_view if_none_match = request.HeaderValue("If-None-Match");
  if (!if_none_match.empty()) {
    for (std::string_view tag : Split(if_none_match, ',')) {
      tag = Trim(tag);
      if (tag.starts_with("W/")) tag.remove_prefix(2);
      if (tag == etag || tag == "*") {
        ::close(*fd);
        response.status = 304;
        return response;
      }
    }
  }
  std::uint64_t offset = 0, length = size;
  const std::string_view range = request.HeaderValue("Range");
  if (!range.empty()) {
    bool unsatisfiable = false;
    auto parsed = ParseRange(range, size, unsatisfiable);
    if (unsatisfiable) {
      ::close(*fd);
      http::Response refused = StorageError(416, "InvalidRange", "The requested range is not satisfiable");
      refused.SetHeader("Content-Range", "bytes */" + std::to_string(size));
      return refused;
    }
    if (parsed) {
      offset = parsed->first;
      length = parsed->second;
      response.status = 206;
      response.SetHeader("Content-Range", "bytes " + std::to_string(offset) + "-" + std::to_string(offset + length - 1) +
                                              "/" + std::to_string(size));
    }
  }
  response.file = std::make_shared<http::BodyFile>(*fd, offset, length);
  return response;
}

// The object as the server sees it (public buckets, signed URLs: the check came before).
http::Response ServeAsServer(const StorageContext& context, const http::Request& request, store::Transaction& txn,
                             const Target& t) {
  policy::Identity server;
  auto stored = Visible(context, txn, server, t, true);
  if (!stored) return FromError(stored.error());
  if (!*stored) return NotFound();
  return Serve(context, request, t, **stored);
}

// GET /object/{bucket}/{path*} and /object/authenticated/…: as the caller, under SELECT.
http::Response Download(const StorageContext& context, http::Request& request) {
  auto target = TargetOf(request);
  if (auto* refused = std::get_if<http::Response>(&target)) return std::move(*refused);
  const Target& t = std::get<Target>(target);
  auto who = Caller(request, context);
  if (!who) return FromError(who.error());
  auto txn = Begin(context, *who, store::Access::kRead);
  if (!txn) return FromError(txn.error());
  auto stored = Visible(context, **txn, *who, t, false);
  if (!stored) return FromError(stored.error());
  if (!*stored) return NotFound();
  return Serve(context, request, t, **stored);
}

// GET /object/public/{bucket}/{path*}: no credentials; the bucket must be public.
http::Response DownloadPublic(const StorageContext& context, http::Request& request) {
  auto target = TargetOf(request);
  if (auto* refused = std::get_if<http::Response>(&target)) return std::move(*refused);
  const Target& t = std::get<Target>(target);
  auto txn = context.rest->store->Begin(store::Access::kRead);
  if (!txn) return FromError(txn.error());
  auto bucket = FindBucket(**txn, t.bucket);
  if (!bucket) return FromError(bucket.error());
  if (!*bucket || !(*bucket)->is_public) return BucketNotFound();
  return ServeAsServer(context, request, **txn, t);
}

// GET /object/sign/{bucket}/{path*}?token=: the token stands in for the caller.
http::Response DownloadSigned(const StorageContext& context, http::Request& request) {
  auto target = TargetOf(request);
  if (auto* refused = std::get_if<http::Response>(&target)) return std::move(*refused);
  const Target& t = std::get<Target>(target);
  auto claims = VerifyUrlToken(context, request.QueryParam("token"), t.bucket + "/" + t.name);
  if (!claims) return StorageError(400, "InvalidJWT", claims.error().message);
  auto txn = context.rest->store->Begin(store::Access::kRead);
  if (!txn) return FromError(txn.error());
  return ServeAsServer(context, request, **txn, t);
}

// GET /object/info/{bucket}/{path*}
http::Response Info(const StorageContext& context, http::Request& request) {
  auto target = TargetOf(request);
  if (auto* refused = std::get_if<http::Response>(&target)) return std::move(*refused);
  const Target& t = std::get<Target>(target);
  auto who = Caller(request, context);
  if (!who) return FromError(who.error());
  auto txn = Begin(context, *who, store::Access::kRead);
  if (!txn) return FromError(txn.error());
  auto stored = Visible(context, **txn, *who, t, false);
  if (!stored) return FromError(stored.error());
  if (!*stored) return NotFound();
  const Stored& s = **stored;
  rapidjson::Document meta;
  meta.Parse(s.metadata.c_str());
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartObject();
  w.Key("id");
  WriteString(w, s.id);
  w.Key("name");
  WriteString(w, t.name);
  w.Key("bucket_id");
  WriteString(w, t.bucket);
  w.Key("version");
  WriteString(w, s.version);
  w.Key("size");
  if (meta.IsObject() && meta.HasMember("size") && meta["size"].IsInt64()) {
    w.Int64(meta["size"].GetInt64());
  } else {
    w.Null();
  }
  w.Key("content_type");
  WriteString(w, MetaString(meta, "mimetype"));
  w.Key("cache_control");
  WriteString(w, MetaString(meta, "cacheControl"));
  w.Key("etag");
  WriteString(w, MetaString(meta, "eTag"));
  w.Key("last_modified");
  WriteString(w, MetaString(meta, "lastModified"));
  w.Key("created_at");
  WriteString(w, s.created_at);
  w.Key("metadata");
  w.RawValue(s.metadata.c_str(), s.metadata.size(), rapidjson::kObjectType);
  w.EndObject();
  return JsonOk(b.GetString());
}

// ---- uploads ---------------------------------------------------------------------------

// What an upload writes, once its bytes are in a file of their own.
struct Upload {
  Target target;
  std::string file;  // the bytes (to be committed)
  std::uint64_t size = 0;
  std::string mime;
  std::string cache_control;
  bool upsert = false;
  std::string owner;  // the user the row is owned by ("" = none)
};

std::string MetadataJson(const Upload& u, const std::string& etag) {
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartObject();
  w.Key("eTag");
  WriteString(w, etag);
  w.Key("size");
  w.Uint64(u.size);
  w.Key("mimetype");
  WriteString(w, u.mime);
  w.Key("cacheControl");
  WriteString(w, u.cache_control);
  w.Key("lastModified");
  WriteString(w, FormatTimestamp(SystemClock::Instance().Now()));
  w.Key("contentLength");
  w.Uint64(u.size);
  w.Key("httpStatusCode");
  w.Int(200);
  w.EndObject();
  return b.GetString();
}

// Commits the bytes, then writes the row in one transaction as the caller: INSERT's check
// first (403), then an existing object is a 409 — or, with upsert, replaced under UPDATE's
// policies. The replaced bytes go after the commit; the new ones if anything failed.
http::Response Store(const StorageContext& context, policy::Identity& who, const Upload& u, bool as_server) {
  const std::string version = crypto::RandomUuid();
  ObjectRow row{crypto::RandomUuid(), u.target.bucket, u.target.name, u.owner, version,
                MetadataJson(u, "\"" + version + "\"")};
  if (Status s = context.bytes->Commit(u.file, version); !s) {
    spdlog::error("storage: {}", s.error().message);
    return StorageError(500, "InternalError", "The object could not be stored");
  }
  std::string replaced;
  auto write = [&]() -> Result<std::optional<http::Response>> {
    auto txn = as_server ? context.rest->store->Begin(store::Access::kWrite) : Begin(context, who, store::Access::kWrite);
    if (!txn) return std::move(txn).error();
    auto passes = Passes(**txn, as_server ? std::nullopt : ObjectsCheck(context, who, Command::kInsert), row);
    if (!passes) return std::move(passes).error();
    if (!*passes) return std::optional<http::Response>(Unauthorized());
    const Value key[] = {Value::Text(row.bucket_id), Value::Text(row.name)};
    std::optional<std::string> existing_id;
    {
      store::AsServer server(**txn);
      auto existing = (*txn)->Query("SELECT id, version FROM storage.objects WHERE bucket_id = $1 AND name = $2", key);
      if (!existing) return std::move(existing).error();
      if (!existing->rows.empty()) {
        existing_id = existing->rows[0][0].as_text();
        replaced = existing->rows[0][1].is_null() ? "" : existing->rows[0][1].as_text();
      }
    }
    if (existing_id) {
      if (!u.upsert) return std::optional<http::Response>(StorageError(409, "Duplicate", "The resource already exists"));
      if (!as_server) {
        const auto using_update = ObjectsUsing(context, who, Command::kUpdate);
        if (using_update) {
          const Value id[] = {Value::Text(*existing_id)};
          auto may = (*txn)->Query("SELECT count(*) FROM storage.objects WHERE id = $1 AND coalesce((" + *using_update + "), false)", id);
          // As in Passes: a name the policy cannot cast (PostgreSQL's 22P02) is not admitted.
          if (!may && may.error().sqlstate == "22P02") return std::optional<http::Response>(Unauthorized());
          if (!may) return std::move(may).error();
          if (may->rows[0][0].as_int() == 0) return std::optional<http::Response>(Unauthorized());
        }
        row.id = *existing_id;
        auto update_ok = Passes(**txn, ObjectsCheck(context, who, Command::kUpdate), row);
        if (!update_ok) return std::move(update_ok).error();
        if (!*update_ok) return std::optional<http::Response>(Unauthorized());
      }
      row.id = *existing_id;
      store::AsServer server(**txn);
      // owner (uuid) and owner_id (text) are bound apart: PostgreSQL types each parameter once.
      const Value owner = row.owner.empty() ? Value::Null() : Value::Text(row.owner);
      const Value update[] = {Value::Text(row.id), Value::Text(row.version), Value::Text(row.metadata), owner, owner};
      auto done = (*txn)->Execute(
          "UPDATE storage.objects SET version = $2, metadata = $3, owner = $4, owner_id = $5, updated_at = now(), "
          "last_accessed_at = now() WHERE id = $1",
          update);
      if (!done) return std::move(done).error();
    } else {
      store::AsServer server(**txn);
      const Value insert[] = {Value::Text(row.id), Value::Text(row.bucket_id), Value::Text(row.name),
                              row.owner.empty() ? Value::Null() : Value::Text(row.owner), Value::Text(row.version),
                              Value::Text(row.metadata), row.owner.empty() ? Value::Null() : Value::Text(row.owner)};
      auto done = (*txn)->Execute(
          "INSERT INTO storage.objects (id, bucket_id, name, owner, owner_id, version, metadata) "
          "VALUES ($1, $2, $3, $4, $7, $5, $6)",
          insert);
      if (!done) return std::move(done).error();
    }
    if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
    return std::optional<http::Response>();
  };
  auto written = write();
  // Two uploads of one new path at once: on PostgreSQL both may find no row and one
  // INSERT then meets the other's key (23505 on both backends). With upsert the loser tries
  // again, now finds the row, and replaces it.
  for (int retry = 0; retry < 3 && u.upsert && !written && written.error().sqlstate == "23505"; ++retry) {
    written = write();
  }
  if (!written || *written) {
    if (Status s = context.bytes->Remove(version); !s) spdlog::warn("storage: {}", s.error().message);
    return written ? std::move(**written) : FromError(written.error());
  }
  if (!replaced.empty()) {
    if (Status s = context.bytes->Remove(replaced); !s) spdlog::warn("storage: {}", s.error().message);
  }
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartObject();
  w.Key("Id");
  WriteString(w, row.id);
  w.Key("Key");
  WriteString(w, u.target.bucket + "/" + u.target.name);
  w.EndObject();
  return JsonOk(b.GetString());
}

// Before the body: who, where, and how large it may be — refusing early what can be.
std::variant<http::Response, http::StreamedBody> PreflightUpload(const StorageContext& context, http::Request& head,
                                                                 bool signed_url) {
  auto target = TargetOf(head);
  if (auto* refused = std::get_if<http::Response>(&target)) return std::move(*refused);
  const Target& t = std::get<Target>(target);
  if (signed_url) {
    auto claims = VerifyUrlToken(context, head.QueryParam("token"), t.bucket + "/" + t.name);
    if (!claims) return StorageError(400, "InvalidJWT", claims.error().message);
  } else {
    auto who = Caller(head, context);
    if (!who) return FromError(who.error());
  }
  auto txn = context.rest->store->Begin(store::Access::kRead);
  if (!txn) return FromError(txn.error());
  auto bucket = FindBucket(**txn, t.bucket);
  if (!bucket) return FromError(bucket.error());
  if (!*bucket) return BucketNotFound();
  const std::uint64_t limit = SizeLimit(**bucket, context);
  const bool multipart = !tb::storage::MultipartBoundary(head.HeaderValue("Content-Type")).empty();
  const std::string_view length = head.HeaderValue("Content-Length");
  http::Response too_large =
      StorageError(413, "Payload too large", "The object exceeded the maximum allowed size of " + std::to_string(limit) + " bytes");
  if (!length.empty()) {
    std::uint64_t n = 0;
    bool digits = true;
    for (char c : length) digits = digits && c >= '0' && c <= '9';
    if (digits && length.size() < 20) n = std::stoull(std::string(length));
    if (digits && n > limit + (multipart ? kMultipartOverhead : 0)) return too_large;
  }
  if (!multipart) {
    const std::string_view mime = head.HeaderValue("Content-Type");
    if (!MimeAllowed(**bucket, mime.empty() ? "application/octet-stream" : mime)) {
      return StorageError(415, "invalid_mime_type", "mime type " + std::string(mime) + " is not supported");
    }
  }
  return http::StreamedBody{context.bytes->NewUploadPath(), limit + (multipart ? kMultipartOverhead : 0),
                            std::move(too_large)};
}

// The upload's bytes and their description, from a raw or a multipart body.
std::variant<Upload, http::Response> UploadOf(const StorageContext& context, http::Request& request, const Target& t,
                                              const Bucket& bucket, std::string& extracted) {
  Upload u;
  u.target = t;
  u.upsert = EqualsIgnoreCase(request.HeaderValue("x-upsert"), "true");
  const std::string boundary = tb::storage::MultipartBoundary(request.HeaderValue("Content-Type"));
  if (!boundary.empty()) {
    extracted = context.bytes->NewUploadPath();
    auto part = tb::storage::ExtractMultipartFile(request.body_file, boundary, extracted);
    if (!part) return StorageError(400, "InvalidRequest", part.error().message);
    u.file = extracted;
    u.size = part->size;
    u.mime = part->content_type.empty() ? "application/octet-stream" : part->content_type;
    auto cache = part->fields.find("cacheControl");
    u.cache_control = cache == part->fields.end() ? "no-cache" : "max-age=" + cache->second;
  } else {
    u.file = request.body_file;
    u.size = request.body_size;
    const std::string_view mime = request.HeaderValue("Content-Type");
    u.mime = mime.empty() ? "application/octet-stream" : std::string(mime);
    const std::string_view cache = request.HeaderValue("Cache-Control");
    u.cache_control = cache.empty() ? "no-cache" : std::string(cache);
  }
  if (u.size > SizeLimit(bucket, context)) {
    return StorageError(413, "Payload too large",
                        "The object exceeded the maximum allowed size of " + std::to_string(SizeLimit(bucket, context)) + " bytes");
  }
  if (!MimeAllowed(bucket, u.mime)) return StorageError(415, "invalid_mime_type", "mime type " + u.mime + " is not supported");
  return u;
}

// The rest of an upload once its head is accepted: the bucket's limits, the bytes (raw or
// multipart), `shape` saying whose and whether it may replace, then Store.
http::Response ReceiveUpload(const StorageContext& context, http::Request& request, const Target& t,
                             policy::Identity& who, bool as_server, const std::function<void(Upload&)>& shape) {
  auto txn = context.rest->store->Begin(store::Access::kRead);
  if (!txn) return FromError(txn.error());
  auto bucket = FindBucket(**txn, t.bucket);
  txn->reset();
  if (!bucket) return FromError(bucket.error());
  if (!*bucket) return BucketNotFound();
  std::string extracted;
  auto upload = UploadOf(context, request, t, **bucket, extracted);
  http::Response response;
  if (auto* refused = std::get_if<http::Response>(&upload)) {
    response = std::move(*refused);
  } else {
    Upload& u = std::get<Upload>(upload);
    shape(u);
    response = Store(context, who, u, as_server);
  }
  if (!extracted.empty()) ::unlink(extracted.c_str());
  return response;
}

// POST (insert, x-upsert: true to replace) and PUT (replace) /object/{bucket}/{path*}.
http::Response UploadObject(const StorageContext& context, http::Request& request, bool put) {
  auto target = TargetOf(request);
  if (auto* refused = std::get_if<http::Response>(&target)) return std::move(*refused);
  auto who = Caller(request, context);
  if (!who) return FromError(who.error());
  return ReceiveUpload(context, request, std::get<Target>(target), *who, false, [&](Upload& u) {
    if (put) u.upsert = true;
    u.owner = who->user_id;
  });
}

// PUT /object/upload/sign/{bucket}/{path*}?token=: as the server, for the token's owner.
http::Response UploadSigned(const StorageContext& context, http::Request& request) {
  auto target = TargetOf(request);
  if (auto* refused = std::get_if<http::Response>(&target)) return std::move(*refused);
  const Target& t = std::get<Target>(target);
  auto claims = VerifyUrlToken(context, request.QueryParam("token"), t.bucket + "/" + t.name);
  if (!claims) return StorageError(400, "InvalidJWT", claims.error().message);
  rapidjson::Document doc;
  doc.Parse(claims->c_str());
  policy::Identity server;
  return ReceiveUpload(context, request, t, server, true, [&](Upload& u) {
    u.upsert = doc.HasMember("upsert") && doc["upsert"].IsBool() && doc["upsert"].GetBool();
    u.owner = doc.HasMember("owner") && doc["owner"].IsString() ? doc["owner"].GetString() : "";
  });
}

// ---- signed URLs -----------------------------------------------------------------------

Result<std::optional<std::int64_t>> ExpiresIn(const rapidjson::Document& body) {
  if (!body.HasMember("expiresIn")) return std::optional<std::int64_t>();
  const auto& v = body["expiresIn"];
  if (!v.IsNumber() || v.GetDouble() < 1 || v.GetDouble() > 60.0 * 60 * 24 * 365) {
    return Error::Make(ErrorCode::kInvalidArgument, "expiresIn must be a number of seconds between 1 and a year");
  }
  return std::optional<std::int64_t>(static_cast<std::int64_t>(v.GetDouble()));
}

std::string SignedPath(const StorageContext& context, const Target& t, std::int64_t expires_in) {
  return "/object/sign/" + t.bucket + "/" + t.name + "?token=" + SignUrlToken(context, t.bucket + "/" + t.name, expires_in, "");
}

// POST /object/sign/{bucket}/{path*} {expiresIn}: for an object the caller may read.
http::Response Sign(const StorageContext& context, http::Request& request) {
  auto target = TargetOf(request);
  if (auto* refused = std::get_if<http::Response>(&target)) return std::move(*refused);
  const Target& t = std::get<Target>(target);
  auto body = ParseObject(request.body);
  if (!body) return StorageError(400, "InvalidRequest", body.error().message);
  auto expires = ExpiresIn(*body);
  if (!expires) return StorageError(400, "InvalidRequest", expires.error().message);
  if (!*expires) return StorageError(400, "InvalidRequest", "expiresIn is required");
  auto who = Caller(request, context);
  if (!who) return FromError(who.error());
  auto txn = Begin(context, *who, store::Access::kRead);
  if (!txn) return FromError(txn.error());
  auto stored = Visible(context, **txn, *who, t, false);
  if (!stored) return FromError(stored.error());
  if (!*stored) return NotFound();
  return JsonOk(Quoted("signedURL", SignedPath(context, t, **expires)));
}

// POST /object/sign/{bucket} {expiresIn, paths}: one entry per path, an error for those
// the caller may not read.
http::Response SignMany(const StorageContext& context, http::Request& request) {
  const std::string bucket(request.PathParam("bucket"));
  if (Status s = ValidateBucketId(bucket); !s) return StorageError(400, "InvalidRequest", s.error().message);
  auto body = ParseObject(request.body);
  if (!body) return StorageError(400, "InvalidRequest", body.error().message);
  auto expires = ExpiresIn(*body);
  if (!expires) return StorageError(400, "InvalidRequest", expires.error().message);
  if (!*expires || !body->HasMember("paths") || !(*body)["paths"].IsArray()) {
    return StorageError(400, "InvalidRequest", "expiresIn and paths are required");
  }
  auto who = Caller(request, context);
  if (!who) return FromError(who.error());
  auto txn = Begin(context, *who, store::Access::kRead);
  if (!txn) return FromError(txn.error());
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartArray();
  for (const auto& p : (*body)["paths"].GetArray()) {
    if (!p.IsString()) return StorageError(400, "InvalidRequest", "paths must be strings");
    const Target t{bucket, std::string(p.GetString(), p.GetStringLength())};
    std::optional<std::string> error;
    if (Status s = ValidateObjectName(t.name); !s) {
      error = s.error().message;
    } else {
      auto stored = Visible(context, **txn, *who, t, false);
      if (!stored) return FromError(stored.error());
      if (!*stored) error = "Either the object does not exist or you do not have access to it";
    }
    w.StartObject();
    w.Key("error");
    if (error) {
      WriteString(w, *error);
    } else {
      w.Null();
    }
    w.Key("path");
    WriteString(w, t.name);
    w.Key("signedURL");
    if (error) {
      w.Null();
    } else {
      WriteString(w, SignedPath(context, t, **expires));
    }
    w.EndObject();
  }
  w.EndArray();
  return JsonOk(b.GetString());
}

// POST /object/upload/sign/{bucket}/{path*}: for a path the caller may write (x-upsert:
// true also needs UPDATE); valid two hours.
http::Response SignUpload(const StorageContext& context, http::Request& request) {
  auto target = TargetOf(request);
  if (auto* refused = std::get_if<http::Response>(&target)) return std::move(*refused);
  const Target& t = std::get<Target>(target);
  auto who = Caller(request, context);
  if (!who) return FromError(who.error());
  auto txn = Begin(context, *who, store::Access::kRead);
  if (!txn) return FromError(txn.error());
  auto bucket = FindBucket(**txn, t.bucket);
  if (!bucket) return FromError(bucket.error());
  if (!*bucket) return BucketNotFound();
  const bool upsert = EqualsIgnoreCase(request.HeaderValue("x-upsert"), "true");
  ObjectRow row{crypto::RandomUuid(), t.bucket, t.name, who->user_id, "", "{}"};
  auto insert = Passes(**txn, ObjectsCheck(context, *who, Command::kInsert), row);
  if (!insert) return FromError(insert.error());
  if (!*insert) return Unauthorized();
  if (upsert) {
    auto update = Passes(**txn, ObjectsCheck(context, *who, Command::kUpdate), row);
    if (!update) return FromError(update.error());
    if (!*update) return Unauthorized();
  }
  std::string extra = "\"upsert\":" + std::string(upsert ? "true" : "false");
  if (!who->user_id.empty()) extra += ",\"owner\":\"" + who->user_id + "\"";
  const std::string token = SignUrlToken(context, t.bucket + "/" + t.name, 2 * 3600, extra);
  return JsonOk(Quoted("url", "/object/upload/sign/" + t.bucket + "/" + t.name + "?token=" + token));
}

}  // namespace

// Declared in storage_objects_more.cpp.
http::Response ListObjects(const StorageContext& context, http::Request& request);
http::Response RemoveObjects(const StorageContext& context, http::Request& request);
http::Response MoveObject(const StorageContext& context, http::Request& request);
http::Response CopyObject(const StorageContext& context, http::Request& request);
void AddBucketRoutes(http::Router& router, const StorageContext& context);

void AddStorageRoutes(http::Router& router, const StorageContext& context) {
  const StorageContext* c = &context;
  auto on = [&](std::string_view method, std::string_view pattern, http::Response (*fn)(const StorageContext&, http::Request&)) {
    router.Add(method, pattern, [c, fn](http::Request& r) { return fn(*c, r); });
  };
  // Literal routes before the catch-all {bucket}/{path*} ones (registration order breaks ties).
  on("POST", "/storage/v1/object/list/{bucket}", ListObjects);
  on("POST", "/storage/v1/object/move", MoveObject);
  on("POST", "/storage/v1/object/copy", CopyObject);
  on("POST", "/storage/v1/object/sign/{bucket}", SignMany);
  on("POST", "/storage/v1/object/sign/{bucket}/{path*}", Sign);
  on("GET", "/storage/v1/object/sign/{bucket}/{path*}", DownloadSigned);
  on("POST", "/storage/v1/object/upload/sign/{bucket}/{path*}", SignUpload);
  router.Add(
      "PUT", "/storage/v1/object/upload/sign/{bucket}/{path*}", [c](http::Request& r) { return UploadSigned(*c, r); },
      [c](http::Request& head) { return PreflightUpload(*c, head, true); });
  on("GET", "/storage/v1/object/public/{bucket}/{path*}", DownloadPublic);
  on("GET", "/storage/v1/object/authenticated/{bucket}/{path*}", Download);
  on("GET", "/storage/v1/object/info/{bucket}/{path*}", Info);
  on("GET", "/storage/v1/object/info/authenticated/{bucket}/{path*}", Info);
  on("DELETE", "/storage/v1/object/{bucket}", RemoveObjects);
  on("GET", "/storage/v1/object/{bucket}/{path*}", Download);
  router.Add(
      "POST", "/storage/v1/object/{bucket}/{path*}", [c](http::Request& r) { return UploadObject(*c, r, false); },
      [c](http::Request& head) { return PreflightUpload(*c, head, false); });
  router.Add(
      "PUT", "/storage/v1/object/{bucket}/{path*}", [c](http::Request& r) { return UploadObject(*c, r, true); },
      [c](http::Request& head) { return PreflightUpload(*c, head, false); });
  AddBucketRoutes(router, context);
}

}  // namespace tb::api::storage
