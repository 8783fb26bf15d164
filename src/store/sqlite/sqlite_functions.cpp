#include "store/sqlite/sqlite_functions.h"

#include <sqlite3.h>

#include <string>

#include "base/clock.h"
#include "crypto/random.h"

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

}  // namespace

int RegisterBuiltinFunctions(sqlite3* db) {
  // INNOCUOUS: safe to appear in schema text (defaults, triggers), which SQLite requires
  // of application functions used there when the schema is untrusted.
  constexpr int kFlags = SQLITE_UTF8 | SQLITE_INNOCUOUS;
  int rc = sqlite3_create_function_v2(db, "gen_random_uuid", 0, kFlags, nullptr, GenRandomUuid,
                                      nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return rc;
  return sqlite3_create_function_v2(db, "now", 0, kFlags, nullptr, Now, nullptr, nullptr, nullptr);
}

}  // namespace tb::store::sqlite
