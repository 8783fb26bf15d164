#include "store/sqlite/sqlite_functions.h"

#include <sqlite3.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "base/clock.h"
#include "crypto/random.h"
#include "store/store.h"

namespace tb::store::sqlite {

namespace {

void GenRandomUuid(sqlite3_context* ctx, int, sqlite3_value**) {
  const std::string uuid = crypto::RandomUuid();
  sqlite3_result_text(ctx, uuid.data(), static_cast<int>(uuid.size()), SQLITE_TRANSIENT);
}

void Now(sqlite3_context* ctx, int, sqlite3_value**) {
  const std::string now = FormatTimestamp(SystemClock::Instance().Now());
  sqlite3_result_text(ctx, now.data(), static_cast<int>(now.size()), SQLITE_TRANSIENT);
}

void ResultText(sqlite3_context* ctx, std::string_view text) {
  sqlite3_result_text64(ctx, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

std::string_view TextArg(sqlite3_value* v) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(v));
  return text ? std::string_view(text, sqlite3_value_bytes(v)) : std::string_view();
}

const RequestContext& RequestOf(sqlite3_context* ctx) {
  return static_cast<CallContext*>(sqlite3_user_data(ctx))->request();
}

void AuthUid(sqlite3_context* ctx, int, sqlite3_value**) {
  const RequestContext& request = RequestOf(ctx);
  if (request.user_id.empty()) return sqlite3_result_null(ctx);
  ResultText(ctx, request.user_id);
}

void AuthRole(sqlite3_context* ctx, int, sqlite3_value**) {
  const RequestContext& request = RequestOf(ctx);
  if (request.role.empty()) return sqlite3_result_null(ctx);
  ResultText(ctx, request.role);
}

void AuthJwt(sqlite3_context* ctx, int, sqlite3_value**) {
  const RequestContext& request = RequestOf(ctx);
  ResultText(ctx, request.claims_json.empty() ? std::string_view("{}") : request.claims_json);
}

// PostgreSQL LIKE over bytes: '%' any run, '_' one character (UTF-8 aware), '\' escapes.
bool Like(std::string_view s, std::string_view p) {
  size_t si = 0, pi = 0;
  size_t star_p = std::string_view::npos, star_s = 0;
  auto char_len = [](std::string_view text, size_t at) {
    const auto c = static_cast<unsigned char>(text[at]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    return std::min(n, text.size() - at);
  };
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '%') {
      star_p = ++pi;
      star_s = si;
      continue;
    }
    if (pi < p.size() && p[pi] == '_') {
      si += char_len(s, si);
      ++pi;
      continue;
    }
    if (pi < p.size()) {
      size_t lit = pi;
      if (p[pi] == '\\' && pi + 1 < p.size()) lit = pi + 1;
      if (p[lit] == s[si]) {
        pi = lit + 1;
        ++si;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    star_s += char_len(s, star_s);
    si = star_s;
    pi = star_p;
  }
  while (pi < p.size() && p[pi] == '%') ++pi;
  return pi == p.size();
}

void PgLike(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    return sqlite3_result_null(ctx);
  }
  sqlite3_result_int(ctx, Like(TextArg(argv[0]), TextArg(argv[1])) ? 1 : 0);
}

// json_extract(array, '$[i-1]') for a JSON array and a positive index, else NULL.
void PgArrayGet(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) != SQLITE_INTEGER) {
    return sqlite3_result_null(ctx);
  }
  const sqlite3_int64 index = sqlite3_value_int64(argv[1]);
  if (index < 1) return sqlite3_result_null(ctx);
  sqlite3* db = sqlite3_context_db_handle(ctx);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT CASE WHEN json_valid(?1) AND json_type(?1) = 'array' "
                             "THEN json_extract(?1, '$[' || (?2 - 1) || ']') END",
                         -1, &stmt, nullptr) != SQLITE_OK) {
    return sqlite3_result_error(ctx, "XX000: pg_array_get failed", -1);
  }
  sqlite3_bind_value(stmt, 1, argv[0]);
  sqlite3_bind_int64(stmt, 2, index);
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    sqlite3_result_value(ctx, sqlite3_column_value(stmt, 0));
  } else {
    sqlite3_result_null(ctx);
  }
  sqlite3_finalize(stmt);
}

// PostgreSQL's jsonb containment (a @> b): equal scalars; every key of an object with a
// contained value; every element of an array contained in some element. At the top level
// an array also contains a scalar it holds, as PostgreSQL allows.
bool Contains(const rapidjson::Value& a, const rapidjson::Value& b, bool top) {
  if (a.IsObject()) {
    if (!b.IsObject()) return false;
    for (const auto& member : b.GetObject()) {
      auto found = a.FindMember(member.name);
      if (found == a.MemberEnd() || !Contains(found->value, member.value, false)) return false;
    }
    return true;
  }
  if (a.IsArray()) {
    if (!b.IsArray()) {
      if (!top || b.IsObject()) return false;
      return std::any_of(a.Begin(), a.End(), [&](const rapidjson::Value& e) { return !e.IsArray() && !e.IsObject() && e == b; });
    }
    for (const auto& wanted : b.GetArray()) {
      // Inside arrays, a nested array is matched only by an array (PostgreSQL's rule).
      const bool found = std::any_of(a.Begin(), a.End(), [&](const rapidjson::Value& e) {
        return wanted.IsArray() ? e.IsArray() && Contains(e, wanted, false) : Contains(e, wanted, false);
      });
      if (!found) return false;
    }
    return true;
  }
  if (a.IsNumber() && b.IsNumber()) return a.GetDouble() == b.GetDouble();
  return a == b;
}

void JsonbContains(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    return sqlite3_result_null(ctx);
  }
  rapidjson::Document a, b;
  const std::string_view at = TextArg(argv[0]), bt = TextArg(argv[1]);
  if (a.Parse(at.data(), at.size()).HasParseError() || b.Parse(bt.data(), bt.size()).HasParseError()) {
    return sqlite3_result_error(ctx, "22P02: invalid input syntax for type json", -1);
  }
  sqlite3_result_int(ctx, Contains(a, b, true) ? 1 : 0);
}


// ---- Supabase Storage's path helpers (storage.foldername, filename, extension) ----------
//
// Supabase defines them over string_to_array(name, '/'): foldername is every segment but
// the last, filename the last, extension what follows the filename's last '.' (the whole
// filename when it has none: reverse(split_part(reverse(filename), '.', 1))). An empty
// name splits into no segments at all, so PostgreSQL answers NULL for each; so do these.

// The segments of a non-empty `name` split on '/', empty ones kept ("a//b" → a, "", b).
std::vector<std::string_view> PathSegments(std::string_view name) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = name.find('/', start);
    if (slash == std::string_view::npos) {
      parts.push_back(name.substr(start));
      return parts;
    }
    parts.push_back(name.substr(start, slash - start));
    start = slash + 1;
  }
}

// The name argument, or nullopt when it is NULL or empty (the functions then answer NULL).
std::optional<std::string_view> PathArg(sqlite3_value* v) {
  if (sqlite3_value_type(v) == SQLITE_NULL) return std::nullopt;
  const std::string_view name = TextArg(v);
  if (name.empty()) return std::nullopt;
  return name;
}

std::string_view Filename(std::string_view name) {
  const std::size_t slash = name.rfind('/');
  return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

std::string_view Extension(std::string_view filename) {
  const std::size_t dot = filename.rfind('.');
  return dot == std::string_view::npos ? filename : filename.substr(dot + 1);
}

// storage.foldername(name) → text[]: a JSON array of the folder segments.
void StorageFoldername(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto name = PathArg(argv[0]);
  if (!name) return sqlite3_result_null(ctx);
  std::vector<std::string_view> parts = PathSegments(*name);
  parts.pop_back();
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartArray();
  for (std::string_view part : parts) w.String(part.data(), static_cast<rapidjson::SizeType>(part.size()));
  w.EndArray();
  ResultText(ctx, std::string_view(buffer.GetString(), buffer.GetSize()));
}

void StorageFilename(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto name = PathArg(argv[0]);
  if (!name) return sqlite3_result_null(ctx);
  ResultText(ctx, Filename(*name));
}

void StorageExtension(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto name = PathArg(argv[0]);
  if (!name) return sqlite3_result_null(ctx);
  ResultText(ctx, Extension(Filename(*name)));
}

// PostgreSQL's uuid_in: 32 hex digits in either case, a '-' allowed after any group of
// four, the whole optionally in braces; nothing else (no blanks). Canonical lower-case
// text, or nullopt when PostgreSQL would refuse it.
std::optional<std::string> ParsePgUuid(std::string_view text) {
  std::size_t i = 0;
  const bool braces = !text.empty() && text[0] == '{';
  if (braces) ++i;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (int byte = 0; byte < 16; ++byte) {
    if (i + 2 > text.size()) return std::nullopt;
    const int high = hex(text[i]), low = hex(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    if (byte == 4 || byte == 6 || byte == 8 || byte == 10) out += '-';
    out += kDigits[high];
    out += kDigits[low];
    i += 2;
    if (i < text.size() && text[i] == '-' && byte % 2 == 1 && byte < 15) ++i;
  }
  if (braces) {
    if (i >= text.size() || text[i] != '}') return std::nullopt;
    ++i;
  }
  if (i != text.size()) return std::nullopt;
  return out;
}

// Makerkit's kit.get_storage_filename_as_uuid(name):
//   replace(storage.filename(name), concat('.', storage.extension(name)), '')::uuid
// NULL for a NULL or empty name; a text that is not a uuid fails as PostgreSQL's cast
// does (22P02).
void KitGetStorageFilenameAsUuid(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto name = PathArg(argv[0]);
  if (!name) return sqlite3_result_null(ctx);
  const std::string_view filename = Filename(*name);
  const std::string suffix = "." + std::string(Extension(filename));
  std::string stripped;  // every occurrence of suffix removed, as replace() does
  for (std::size_t at = 0;;) {
    const std::size_t found = filename.find(suffix, at);
    if (found == std::string_view::npos) {
      stripped.append(filename.substr(at));
      break;
    }
    stripped.append(filename.substr(at, found - at));
    at = found + suffix.size();
  }
  const auto uuid = ParsePgUuid(stripped);
  if (!uuid) {
    std::string message = "22P02: invalid input syntax for type uuid: \"";
    for (char c : stripped) message += c == '\0' ? '?' : c;
    message += "\"";
    return sqlite3_result_error(ctx, message.c_str(), static_cast<int>(message.size()));
  }
  ResultText(ctx, *uuid);
}

}  // namespace

int RegisterBuiltinFunctions(sqlite3* db, CallContext* context) {
  // INNOCUOUS: safe to appear in schema text (defaults, triggers), which SQLite requires
  // of application functions used there when the schema is untrusted.
  constexpr int kFlags = SQLITE_UTF8 | SQLITE_INNOCUOUS;
  int rc = sqlite3_create_function_v2(db, "gen_random_uuid", 0, kFlags, nullptr, GenRandomUuid,
                                      nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_create_function_v2(db, "now", 0, kFlags, nullptr, Now, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return rc;
  constexpr int kPure = kFlags | SQLITE_DETERMINISTIC;
  rc = sqlite3_create_function_v2(db, "pg_like", 2, kPure, nullptr, PgLike, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_create_function_v2(db, "pg_array_get", 2, kPure, nullptr, PgArrayGet, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_create_function_v2(db, "jsonb_contains", 2, kPure, nullptr, JsonbContains, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return rc;
  struct Named {
    const char* name;
    void (*fn)(sqlite3_context*, int, sqlite3_value**);
  };
  for (const Named& f : {Named{"storage_foldername", StorageFoldername}, Named{"storage_filename", StorageFilename},
                         Named{"storage_extension", StorageExtension},
                         Named{"kit_get_storage_filename_as_uuid", KitGetStorageFilenameAsUuid}}) {
    rc = sqlite3_create_function_v2(db, f.name, 1, kPure, nullptr, f.fn, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return rc;
  }
  // The request's identity: constant within a transaction, so not DETERMINISTIC.
  for (const Named& f : {Named{"auth_uid", AuthUid}, Named{"auth_role", AuthRole}, Named{"auth_jwt", AuthJwt}}) {
    rc = sqlite3_create_function_v2(db, f.name, 0, kFlags, context, f.fn, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

}  // namespace tb::store::sqlite
