// /storage/v1/object list, remove, move and copy. See storage_api.h.
#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>

#include "api/storage/storage_support.h"
#include "base/strings.h"
#include "crypto/random.h"
#include "domain/storage/object_names.h"

namespace tb::api::storage {

namespace {

using store::Value;
using policy::Command;

std::string StringField(const rapidjson::Value& body, const char* key) {
  if (!body.HasMember(key) || !body[key].IsString()) return "";
  return std::string(body[key].GetString(), body[key].GetStringLength());
}

std::string AndPolicy(const std::optional<std::string>& predicate) {
  return predicate ? " AND coalesce((" + *predicate + "), false)" : std::string();
}

// An SQL LIKE pattern matching names that start with `prefix` literally.
std::string PrefixPattern(std::string_view prefix) {
  std::string out;
  for (char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

void WriteObjectRow(JsonWriter& w, const store::Rows& rows, size_t i) {
  const auto& r = rows.rows[i];
  w.StartObject();
  for (size_t c = 0; c < rows.columns.size(); ++c) {
    const std::string& name = rows.columns[c].name;
    w.Key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
    if (r[c].is_null()) {
      w.Null();
    } else if (name == "metadata") {
      const std::string text = r[c].as_text();
      w.RawValue(text.c_str(), text.size(), rapidjson::kObjectType);
    } else {
      WriteString(w, r[c].as_text());
    }
  }
  w.EndObject();
}

}  // namespace

// POST /object/list/{bucket} {prefix, limit, offset, sortBy: {column, order}, search}: the
// folders and objects directly under `prefix` that the caller may see, folders as entries
// with a null id (as storage.search does).
http::Response ListObjects(const StorageContext& context, http::Request& request) {
  const std::string bucket(request.PathParam("bucket"));
  if (Status s = tb::storage::ValidateBucketId(bucket); !s) return StorageError(400, "InvalidRequest", s.error().message);
  auto body = ParseObject(request.body);
  if (!body) return StorageError(400, "InvalidRequest", body.error().message);
  std::string prefix = StringField(*body, "prefix");
  while (!prefix.empty() && prefix.front() == '/') prefix.erase(0, 1);
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  const std::string search = StringField(*body, "search");
  int64_t limit = 100, offset = 0;
  if (body->HasMember("limit")) {
    if (!(*body)["limit"].IsInt64() || (*body)["limit"].GetInt64() < 0) return StorageError(400, "InvalidRequest", "limit must be a non-negative integer");
    limit = std::min<int64_t>((*body)["limit"].GetInt64(), 10000);
  }
  if (body->HasMember("offset")) {
    if (!(*body)["offset"].IsInt64() || (*body)["offset"].GetInt64() < 0) return StorageError(400, "InvalidRequest", "offset must be a non-negative integer");
    offset = (*body)["offset"].GetInt64();
  }
  std::string column = "name", order = "asc";
  if (body->HasMember("sortBy") && (*body)["sortBy"].IsObject()) {
    const std::string c = StringField((*body)["sortBy"], "column"), o = StringField((*body)["sortBy"], "order");
    if (!c.empty()) column = c;
    if (!o.empty()) order = o;
  }
  for (char& ch : order) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (column != "name" && column != "created_at" && column != "updated_at" && column != "last_accessed_at") {
    return StorageError(400, "InvalidRequest", "sortBy.column must be name, created_at, updated_at or last_accessed_at");
  }
  if (order != "asc" && order != "desc") return StorageError(400, "InvalidRequest", "sortBy.order must be asc or desc");

  auto who = Caller(request, context);
  if (!who) return FromError(who.error());
  auto txn = Begin(context, *who, store::Access::kRead);
  if (!txn) return FromError(txn.error());
  const Value params[] = {Value::Text(bucket), Value::Text(PrefixPattern(prefix))};
  auto rows = (*txn)->Query(
      "SELECT name, id, updated_at, created_at, last_accessed_at, metadata FROM storage.objects "
      "WHERE bucket_id = $1 AND " + std::string((*txn)->dialect() == "postgres" ? "name LIKE $2" : "pg_like(name, $2)") +
          AndPolicy(ObjectsUsing(context, *who, Command::kSelect)),
      params);
  if (!rows) return FromError(rows.error());

  struct Entry {
    std::string name;
    const std::vector<Value>* row = nullptr;  // null for a folder
  };
  std::vector<Entry> entries;
  std::set<std::string> folders;
  for (const auto& r : rows->rows) {
    const std::string rest = r[0].as_text().substr(prefix.size());
    const size_t slash = rest.find('/');
    const std::string name = slash == std::string::npos ? rest : rest.substr(0, slash);
    if (!search.empty()) {
      if (name.size() < search.size() || !EqualsIgnoreCase(std::string_view(name).substr(0, search.size()), search)) continue;
    }
    if (slash != std::string::npos) {
      if (folders.insert(name).second) entries.push_back({name, nullptr});
    } else {
      entries.push_back({name, &r});
    }
  }
  const int index = column == "name" ? 0 : column == "updated_at" ? 2 : column == "created_at" ? 3 : 4;
  std::stable_sort(entries.begin(), entries.end(), [&](const Entry& a, const Entry& b) {
    // Folders have no times: they sort by name, before objects.
    std::string ka = index == 0 || !a.row ? a.name : (*a.row)[index].as_text();
    std::string kb = index == 0 || !b.row ? b.name : (*b.row)[index].as_text();
    if (index != 0 && (!a.row) != (!b.row)) return !a.row;
    return order == "asc" ? ka < kb : kb < ka;
  });
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartArray();
  for (int64_t i = offset; i < static_cast<int64_t>(entries.size()) && i < offset + limit; ++i) {
    const Entry& e = entries[static_cast<size_t>(i)];
    w.StartObject();
    w.Key("name");
    WriteString(w, e.name);
    const char* keys[] = {"id", "updated_at", "created_at", "last_accessed_at"};
    for (int k = 0; k < 4; ++k) {
      w.Key(keys[k]);
      if (e.row && !(*e.row)[k + 1].is_null()) {
        WriteString(w, (*e.row)[k + 1].as_text());
      } else {
        w.Null();
      }
    }
    w.Key("metadata");
    if (e.row && !(*e.row)[5].is_null()) {
      const std::string meta = (*e.row)[5].as_text();
      w.RawValue(meta.c_str(), meta.size(), rapidjson::kObjectType);
    } else {
      w.Null();
    }
    w.EndObject();
  }
  w.EndArray();
  return http::Response::Json(200, out.GetString());
}

// DELETE /object/{bucket} {prefixes: [names]}: the objects the caller may delete go (rows
// in one transaction, then their bytes); answers the deleted rows.
http::Response RemoveObjects(const StorageContext& context, http::Request& request) {
  const std::string bucket(request.PathParam("bucket"));
  if (Status s = tb::storage::ValidateBucketId(bucket); !s) return StorageError(400, "InvalidRequest", s.error().message);
  auto body = ParseObject(request.body);
  if (!body) return StorageError(400, "InvalidRequest", body.error().message);
  if (!body->HasMember("prefixes") || !(*body)["prefixes"].IsArray() || (*body)["prefixes"].Size() > 1000) {
    return StorageError(400, "InvalidRequest", "prefixes must be an array of at most 1000 object names");
  }
  std::vector<Value> params = {Value::Text(bucket)};
  for (const auto& p : (*body)["prefixes"].GetArray()) {
    if (!p.IsString()) return StorageError(400, "InvalidRequest", "prefixes must be strings");
    params.push_back(Value::Text(std::string(p.GetString(), p.GetStringLength())));
  }
  auto who = Caller(request, context);
  if (!who) return FromError(who.error());
  auto txn = Begin(context, *who, store::Access::kWrite);
  if (!txn) return FromError(txn.error());
  const std::string where = "bucket_id = $1 AND name IN " + store::InList(2, params.size() - 1) +
                            AndPolicy(ObjectsUsing(context, *who, Command::kDelete)) +
                            AndPolicy(ObjectsUsing(context, *who, Command::kSelect));
  auto rows = (*txn)->Query(
      "SELECT name, id, bucket_id, owner, version, created_at, updated_at, last_accessed_at, metadata "
      "FROM storage.objects WHERE " + where, params);
  if (!rows) return FromError(rows.error());
  {
    store::AsServer server(**txn);
    std::vector<Value> by_id;
    for (const auto& r : rows->rows) by_id.push_back(r[1]);
    auto deleted = (*txn)->Execute("DELETE FROM storage.objects WHERE id IN " + store::InList(1, by_id.size()), by_id);
    if (!deleted) return FromError(deleted.error());
  }
  if (Status s = (*txn)->Commit(); !s) return FromError(s.error());
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartArray();
  for (size_t i = 0; i < rows->rows.size(); ++i) {
    const auto& version = rows->rows[i][4];
    if (!version.is_null()) {
      if (Status s = context.bytes->Remove(version.as_text()); !s) spdlog::warn("storage: {}", s.error().message);
    }
    WriteObjectRow(w, *rows, i);
  }
  w.EndArray();
  return http::Response::Json(200, out.GetString());
}

namespace {

struct Transfer {
  std::string bucket, source, destination_bucket, destination;
};

std::variant<Transfer, http::Response> TransferOf(const http::Request& request) {
  auto body = ParseObject(request.body);
  if (!body) return StorageError(400, "InvalidRequest", body.error().message);
  Transfer t{StringField(*body, "bucketId"), StringField(*body, "sourceKey"), StringField(*body, "destinationBucket"),
             StringField(*body, "destinationKey")};
  if (t.destination_bucket.empty()) t.destination_bucket = t.bucket;
  for (const std::string* id : {&t.bucket, &t.destination_bucket}) {
    if (Status s = tb::storage::ValidateBucketId(*id); !s) return StorageError(400, "InvalidRequest", s.error().message);
  }
  for (const std::string* name : {&t.source, &t.destination}) {
    if (Status s = tb::storage::ValidateObjectName(*name); !s) return StorageError(400, "InvalidKey", s.error().message);
  }
  return t;
}

// The source row if the caller may read it (and, for a move, update it).
Result<std::optional<std::vector<Value>>> Source(const StorageContext& context, store::Transaction& txn,
                                                 const policy::Identity& who, const Transfer& t, bool move) {
  const Value key[] = {Value::Text(t.bucket), Value::Text(t.source)};
  auto rows = txn.Query("SELECT id, version, metadata FROM storage.objects WHERE bucket_id = $1 AND name = $2" +
                            AndPolicy(ObjectsUsing(context, who, Command::kSelect)) +
                            (move ? AndPolicy(ObjectsUsing(context, who, Command::kUpdate)) : std::string()),
                        key);
  if (!rows) return std::move(rows).error();
  if (rows->rows.empty()) return std::optional<std::vector<Value>>();
  return std::optional<std::vector<Value>>(rows->rows[0]);
}

Result<bool> DestinationTaken(store::Transaction& txn, const Transfer& t) {
  store::AsServer server(txn);
  const Value key[] = {Value::Text(t.destination_bucket), Value::Text(t.destination)};
  auto rows = txn.Query("SELECT 1 FROM storage.objects WHERE bucket_id = $1 AND name = $2", key);
  if (!rows) return std::move(rows).error();
  return !rows->rows.empty();
}

}  // namespace

// POST /object/move {bucketId, sourceKey, destinationKey, destinationBucket?}: the row
// takes its new name if the caller may read and update it and the moved row passes
// UPDATE's check; the bytes stay.
http::Response MoveObject(const StorageContext& context, http::Request& request) {
  auto parsed = TransferOf(request);
  if (auto* refused = std::get_if<http::Response>(&parsed)) return std::move(*refused);
  const Transfer& t = std::get<Transfer>(parsed);
  auto who = Caller(request, context);
  if (!who) return FromError(who.error());
  auto txn = Begin(context, *who, store::Access::kWrite);
  if (!txn) return FromError(txn.error());
  auto source = Source(context, **txn, *who, t, true);
  if (!source) return FromError(source.error());
  if (!*source) return StorageError(404, "not_found", "Object not found");
  ObjectRow moved{(**source)[0].as_text(), t.destination_bucket, t.destination, who->user_id,
                  (**source)[1].is_null() ? "" : (**source)[1].as_text(),
                  (**source)[2].is_null() ? "{}" : (**source)[2].as_text()};
  auto passes = Passes(**txn, ObjectsCheck(context, *who, Command::kUpdate), moved);
  if (!passes) return FromError(passes.error());
  if (!*passes) return StorageError(403, "Unauthorized", "new row violates row-level security policy");
  auto taken = DestinationTaken(**txn, t);
  if (!taken) return FromError(taken.error());
  if (*taken) return StorageError(409, "Duplicate", "The resource already exists");
  {
    store::AsServer server(**txn);
    const Value update[] = {Value::Text(moved.id), Value::Text(moved.bucket_id), Value::Text(moved.name)};
    auto done = (*txn)->Execute("UPDATE storage.objects SET bucket_id = $2, name = $3, updated_at = now() WHERE id = $1", update);
    if (!done) return FromError(done.error());
  }
  if (Status s = (*txn)->Commit(); !s) return FromError(s.error());
  return http::Response::Json(200, R"({"message":"Successfully moved"})");
}

// POST /object/copy {bucketId, sourceKey, destinationKey, destinationBucket?}: new bytes and
// a new row that must pass INSERT's check (x-upsert: true replaces an existing one under
// UPDATE's).
http::Response CopyObject(const StorageContext& context, http::Request& request) {
  auto parsed = TransferOf(request);
  if (auto* refused = std::get_if<http::Response>(&parsed)) return std::move(*refused);
  const Transfer& t = std::get<Transfer>(parsed);
  auto who = Caller(request, context);
  if (!who) return FromError(who.error());
  const std::string version = crypto::RandomUuid();
  std::string source_version;
  std::string replaced;
  ObjectRow copy;
  auto write = [&]() -> Result<std::optional<http::Response>> {
    auto txn = Begin(context, *who, store::Access::kWrite);
    if (!txn) return std::move(txn).error();
    auto source = Source(context, **txn, *who, t, false);
    if (!source) return std::move(source).error();
    if (!*source) return std::optional<http::Response>(StorageError(404, "not_found", "Object not found"));
    source_version = (**source)[1].is_null() ? "" : (**source)[1].as_text();
    std::string metadata = (**source)[2].is_null() ? "{}" : (**source)[2].as_text();
    {
      rapidjson::Document meta;
      if (!meta.Parse(metadata.c_str()).HasParseError() && meta.IsObject()) {
        const std::string etag = "\"" + version + "\"";
        if (meta.HasMember("eTag")) meta["eTag"].SetString(etag.c_str(), static_cast<rapidjson::SizeType>(etag.size()), meta.GetAllocator());
        metadata = ToJson(meta);
      }
    }
    copy = ObjectRow{crypto::RandomUuid(), t.destination_bucket, t.destination, who->user_id, version, metadata};
    auto passes = Passes(**txn, ObjectsCheck(context, *who, Command::kInsert), copy);
    if (!passes) return std::move(passes).error();
    if (!*passes) return std::optional<http::Response>(StorageError(403, "Unauthorized", "new row violates row-level security policy"));
    auto taken = DestinationTaken(**txn, t);
    if (!taken) return std::move(taken).error();
    if (*taken) return std::optional<http::Response>(StorageError(409, "Duplicate", "The resource already exists"));
    if (Status s = context.bytes->Copy(source_version, version); !s) return std::move(s).error();
    store::AsServer server(**txn);
    const Value insert[] = {Value::Text(copy.id), Value::Text(copy.bucket_id), Value::Text(copy.name),
                            copy.owner.empty() ? Value::Null() : Value::Text(copy.owner), Value::Text(copy.version),
                            Value::Text(copy.metadata), copy.owner.empty() ? Value::Null() : Value::Text(copy.owner)};
    auto done = (*txn)->Execute(
        "INSERT INTO storage.objects (id, bucket_id, name, owner, owner_id, version, metadata) VALUES ($1, $2, $3, $4, $7, $5, $6)",
        insert);
    if (!done) return std::move(done).error();
    if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
    return std::optional<http::Response>();
  };
  auto written = write();
  if (!written || *written) {
    // No row names this copy: a failed removal leaves an orphan the start-up sweep takes.
    (void)context.bytes->Remove(version);
    return written ? std::move(**written) : FromError(written.error());
  }
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartObject();
  w.Key("Id");
  WriteString(w, copy.id);
  w.Key("Key");
  WriteString(w, t.destination_bucket + "/" + t.destination);
  w.EndObject();
  return http::Response::Json(200, out.GetString());
}

}  // namespace tb::api::storage
