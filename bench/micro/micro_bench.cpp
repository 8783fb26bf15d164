// Micro-benchmarks of the request path's hot pieces (issue #8), with Google Benchmark:
//   JWT verify · a member's policy check (has_role_on_account on SQLite, one read
//   transaction each, as a request has) · PostgREST query-string parse · 10 rows to JSON.
// Run: bench/micro.sh (Release), or build/release/bench/micro_bench directly.
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "api/rest/query_parser.h"
#include "api/rest/values.h"
#include "crypto/jwt.h"
#include "crypto/random.h"
#include "policy/helpers.h"
#include "policy/policy_set.h"
#include "store/migrate/migrator.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using tb::store::Value;

constexpr char kSecret[] = "a-benchmark-secret-of-at-least-32-bytes!";
constexpr int64_t kNow = 1800000000;

void BM_JwtVerify(benchmark::State& state) {
  const std::string token = tb::crypto::SignJwtHs256(
      R"({"sub":"0d0e3a52-6a53-4b0a-9f6b-1b9f3c7a1e11","role":"authenticated","aal":"aal1","exp":1900000000,)"
      R"("iat":1799990000,"session_id":"6c1b3b0e-2a7e-4a51-8d7e-0f6f2b9d4c21","email":"ann@example.com"})",
      kSecret);
  for (auto _ : state) {
    auto claims = tb::crypto::VerifyJwtHs256(token, kSecret, kNow);
    if (!claims) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(claims);
  }
}
BENCHMARK(BM_JwtVerify);

void BM_QueryParse(benchmark::State& state) {
  const std::vector<std::pair<std::string, std::string>> params = {
      {"select", "id,title,created_at,account:accounts(id,name,slug)"},
      {"account_id", "eq.0d0e3a52-6a53-4b0a-9f6b-1b9f3c7a1e11"},
      {"or", "(title.ilike.*plan*,body.is.null)"},
      {"order", "created_at.desc.nullslast,id"},
      {"limit", "10"}};
  for (auto _ : state) {
    auto query = tb::rest::ParseQuery(params, "");
    if (!query) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(query);
  }
}
BENCHMARK(BM_QueryParse);

void BM_SerializeTenRows(benchmark::State& state) {
  using tb::store::ColumnType;
  const ColumnType types[] = {ColumnType::kUuid, ColumnType::kText, ColumnType::kTimestamptz, ColumnType::kBool,
                              ColumnType::kJson, ColumnType::kInteger};
  const char* names[] = {"id", "title", "created_at", "dismissed", "metadata", "position"};
  std::vector<std::vector<Value>> rows;
  for (int i = 0; i < 10; ++i) {
    rows.push_back({Value::Text("0d0e3a52-6a53-4b0a-9f6b-1b9f3c7a1e1" + std::to_string(i)),
                    Value::Text("A note with \"quotes\" and ünïcode, number " + std::to_string(i)),
                    Value::Text("2026-11-29T09:00:00.123456+00:00"), Value::Bool(i % 2 == 0),
                    Value::Text(R"({"tags":["a","b"],"n":42})"), Value::Int(i)});
  }
  for (auto _ : state) {
    rapidjson::StringBuffer out;
    tb::api::JsonWriter w(out);
    w.StartArray();
    for (const auto& row : rows) {
      w.StartObject();
      for (size_t c = 0; c < row.size(); ++c) {
        w.Key(names[c]);
        tb::api::rest::WriteValue(w, types[c], row[c]);
      }
      w.EndObject();
    }
    w.EndArray();
    benchmark::DoNotOptimize(out.GetString());
  }
}
BENCHMARK(BM_SerializeTenRows);

// A migrated SQLite store with one team: an owner, a member and an outsider.
struct PolicyFixture {
  std::filesystem::path dir;
  std::unique_ptr<tb::store::sqlite::SqliteStore> store;
  std::string team, member, outsider;

  PolicyFixture() {
    dir = std::filesystem::temp_directory_path() / ("tb-micro-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    tb::store::sqlite::SqliteStoreOptions options;
    options.path = (dir / "tenantbase.db").string();
    options.functions = tb::policy::HelperFunctions();
    auto opened = tb::store::sqlite::SqliteStore::Open(options);
    if (!opened) std::abort();
    store = std::move(*opened);
    auto migrations = tb::migrate::CoreMigrations("sqlite");
    if (!migrations || !tb::migrate::Migrator(*store, std::move(*migrations), tb::policy::HandleMigrationStatement).Apply()) {
      std::abort();
    }
    const std::string owner = User("owner@bench.test");
    member = User("member@bench.test");
    outsider = User("outsider@bench.test");
    team = Scalar("INSERT INTO accounts (name, slug, is_personal_account, primary_owner_user_id) "
                  "VALUES ('Bench', 'bench', false, $1) RETURNING id",
                  {Value::Text(owner)});
    Scalar("INSERT INTO accounts_memberships (account_id, user_id, account_role) VALUES ($1, $2, 'owner') RETURNING 1",
           {Value::Text(team), Value::Text(owner)});
    Scalar("INSERT INTO accounts_memberships (account_id, user_id, account_role) VALUES ($1, $2, 'member') RETURNING 1",
           {Value::Text(team), Value::Text(member)});
  }
  ~PolicyFixture() {
    store.reset();
    std::filesystem::remove_all(dir);
  }

  std::string User(const std::string& email) {
    return Scalar("INSERT INTO auth.users (email) VALUES ($1) RETURNING id", {Value::Text(email)});
  }

  std::string Scalar(const std::string& sql, std::vector<Value> params) {
    auto txn = store->Begin(tb::store::Access::kWrite);
    if (!txn) std::abort();
    auto rows = (*txn)->Query(sql, params);
    if (!rows || rows->rows.empty() || !(*txn)->Commit()) std::abort();
    const Value& v = rows->rows[0][0];
    return v.kind() == Value::Kind::kText ? v.as_text() : std::to_string(v.as_int());
  }
};

// One read transaction per iteration, as one request has: the caller's identity, then the
// policy helper over the account (its memberships read once per transaction).
void PolicyCheck(benchmark::State& state, bool as_member) {
  static PolicyFixture fixture;
  const std::string& user = as_member ? fixture.member : fixture.outsider;
  const tb::store::RequestContext who{"authenticated", user,
                                      R"({"role":"authenticated","aal":"aal1","sub":")" + user + "\"}"};
  const Value params[] = {Value::Text(fixture.team)};
  for (auto _ : state) {
    auto txn = fixture.store->Begin(tb::store::Access::kRead, who);
    if (!txn) state.SkipWithError("begin failed");
    auto rows = (*txn)->Query("SELECT public.has_role_on_account($1)", params);
    if (!rows || rows->rows[0][0].as_bool() != as_member) state.SkipWithError("wrong answer");
    benchmark::DoNotOptimize(rows);
  }
}
void BM_PolicyCheckMember(benchmark::State& state) { PolicyCheck(state, true); }
void BM_PolicyCheckOutsider(benchmark::State& state) { PolicyCheck(state, false); }
BENCHMARK(BM_PolicyCheckMember);
BENCHMARK(BM_PolicyCheckOutsider);

}  // namespace

int main(int argc, char** argv) {
  if (!tb::crypto::Init()) return 1;
  spdlog::set_level(spdlog::level::warn);  // the fixture's migrations are not news
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
