#include "app/app.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "api/routes.h"
#include "app/data_dir.h"
#include "crypto/jwt.h"
#include "http/server.h"
#include "store/sqlite/sqlite_store.h"

namespace tb::app {

namespace {

// Keys never expire on their own: rotate them by changing the secret.
constexpr int64_t kKeyIssuedAt = 1764547200;   // 2025-12-01
constexpr int64_t kKeyExpires = 4102444800;    // 2100-01-01

std::string KeyFor(const char* role, const std::string& secret) {
  const std::string claims = std::string(R"({"iss":"tenantbase","role":")") + role +
                             R"(","iat":)" + std::to_string(kKeyIssuedAt) + R"(,"exp":)" +
                             std::to_string(kKeyExpires) + "}";
  return crypto::SignJwtHs256(claims, secret);
}

int ThreadCount(int configured) {
  if (configured > 0) return configured;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 2 : static_cast<int>(cores);
}

}  // namespace

Keys MakeKeys(const std::string& secret) {
  return Keys{KeyFor("anon", secret), KeyFor("service_role", secret)};
}

App::App(Config config, std::string jwt_secret, std::unique_ptr<store::Store> store)
    : config_(std::move(config)), jwt_secret_(std::move(jwt_secret)), store_(std::move(store)) {}

App::~App() {
  if (store_) store_->Close();
}

Result<std::unique_ptr<App>> App::Open(const Config& config) {
  auto path = SqlitePath(config);
  if (!path) return std::move(path).error();
  if (Status s = PrepareDataDir(config.data_dir); !s) return std::move(s).error();
  auto secret = LoadOrCreateJwtSecret(config.data_dir, config.jwt_secret);
  if (!secret) return std::move(secret).error();
  store::sqlite::SqliteStoreOptions options;
  options.path = *path;
  options.max_readers = ThreadCount(config.threads) * 2;
  auto store = store::sqlite::SqliteStore::Open(options);
  if (!store) return std::move(store).error();
  return std::unique_ptr<App>(new App(config, std::move(*secret), std::move(*store)));
}

Result<migrate::Migrator> App::MakeMigrator() {
  auto migrations = migrate::CoreMigrations(store_->dialect());
  if (!migrations) return std::move(migrations).error();
  return migrate::Migrator(*store_, std::move(*migrations));
}

Result<int> App::Migrate() {
  auto migrator = MakeMigrator();
  if (!migrator) return std::move(migrator).error();
  return migrator->Apply();
}

Result<std::vector<migrate::MigrationStatus>> App::MigrationStatus() {
  auto migrator = MakeMigrator();
  if (!migrator) return std::move(migrator).error();
  return migrator->Status();
}

Status App::Serve() {
  auto migrator = MakeMigrator();
  if (!migrator) return std::move(migrator).error();
  if (auto applied = migrator->Apply(); !applied) return std::move(applied).error();
  auto version = migrator->CurrentVersion();
  if (!version) return std::move(version).error();

  auto endpoint = ParseHostPort(config_.http);
  if (!endpoint) return std::move(endpoint).error();

  api::ApiContext context;
  context.store = store_.get();
  context.health = api::HealthInfo{*version, kVersion, store_->dialect()};

  http::ServerOptions options;
  options.address = endpoint->host;
  options.port = endpoint->port;
  options.threads = ThreadCount(config_.threads);
  options.body_limit = config_.max_body_bytes;
  options.read_timeout = config_.read_timeout;
  options.idle_timeout = config_.idle_timeout;
  http::Server server(options, api::BuildRoutes(context));
  if (Status s = server.Listen(); !s) return s;
  spdlog::info("tenantbase {} listening on http://{}:{} ({} threads, {} database, schema version {}, data in {})",
               kVersion, endpoint->host, server.port(), options.threads, store_->dialect(), *version,
               config_.data_dir);
  server.Run();
  spdlog::info("shutting down: closing the database");
  store_->Close();
  spdlog::info("stopped");
  return Ok();
}

}  // namespace tb::app
