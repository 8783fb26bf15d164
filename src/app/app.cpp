#include "app/app.h"

#include <sys/resource.h>

#include <unordered_set>

#include <spdlog/spdlog.h>

#include <filesystem>
#include <optional>
#include <thread>

#include "api/auth/rate_limiter.h"
#include "api/realtime/realtime.h"
#include "api/rest/catalog.h"
#include "api/routes.h"
#include "domain/auth/admin_users.h"
#include "domain/auth/email_tokens.h"
#include "domain/auth/session_service.h"
#include "domain/auth/user.h"
#include "domain/billing/plans.h"
#include "domain/billing/provider_jobs.h"
#include "domain/storage/byte_store.h"
#include "mail/mailer.h"
#include "app/data_dir.h"
#include "crypto/hash.h"
#include "crypto/jwt.h"
#include "crypto/password.h"
#include "http/server.h"
#include "policy/app_migrations.h"
#include "policy/helpers.h"
#include "policy/policy_set.h"
#include "store/postgres/pg_store.h"
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

// Handlers block on the database. PostgreSQL answers over a socket, and while a handler
// waits for its round trips the core is free for another: four per core there (issue #8
// measured 8 threads on 2 cores at 1.3-1.4x the throughput of 2; 16 did worse). SQLite
// answers in the same process, but a write waits for the writer and then for its group's
// fsync (group_sync.h): two per core (4 on 2 cores: writes 2,274 -> 2,605 req/s, medians
// of 3 alternating runs, reads unchanged; 8 slowed reads by a quarter).
int ThreadCount(const Config& config) {
  if (config.threads > 0) return config.threads;
  const unsigned cores = std::thread::hardware_concurrency();
  const int per_core = IsPostgresUrl(config.database_url) ? 4 : 2;
  return (cores == 0 ? 2 : static_cast<int>(cores)) * per_core;
}

// Auth settings from the command line / environment.
auth::AuthConfig MakeAuthConfig(const Config& config, const std::string& secret,
                                const std::string& public_url) {
  auth::AuthConfig a;
  a.jwt_secret = secret;
  a.issuer = public_url + "/auth/v1";
  a.site_url = config.site_url;
  a.access_token_ttl = std::chrono::seconds(config.auth_jwt_expiry_seconds);
  a.confirm_email = config.auth_confirm_email;
  a.min_password_length = static_cast<std::size_t>(config.auth_min_password_length);
  a.rate_limits.per_ip = config.auth_rate_limit_per_ip;
  a.rate_limits.per_email = config.auth_rate_limit_per_email;
  a.rate_limits.window = std::chrono::seconds(config.auth_rate_limit_window_seconds);
  a.refresh_reuse_interval = std::chrono::seconds(config.auth_refresh_reuse_interval_seconds);
  a.mfa_challenge_ttl = std::chrono::seconds(config.auth_mfa_challenge_expiry_seconds);
  return a;
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
  for (const std::string& replica : config.database_replicas) {
    if (!IsPostgresUrl(config.database_url) || !IsPostgresUrl(replica)) {
      return Error::Make(ErrorCode::kInvalidArgument,
                         "--database-replica takes postgres://… URLs of replicas of a PostgreSQL --database");
    }
  }
  if (IsPostgresUrl(config.database_url)) {
    store::postgres::PgStoreOptions options;
    options.url = config.database_url;
    options.replica_urls = config.database_replicas;
    options.max_connections = ThreadCount(config) * 2;
    auto store = store::postgres::PgStore::Open(options);
    if (!store) return std::move(store).error();
    return std::unique_ptr<App>(new App(config, std::move(*secret), std::move(*store)));
  }
  store::sqlite::SqliteStoreOptions options;
  options.path = *path;
  options.max_readers = ThreadCount(config) * 2;
  options.functions = policy::HelperFunctions();
  auto store = store::sqlite::SqliteStore::Open(options);
  if (!store) return std::move(store).error();
  return std::unique_ptr<App>(new App(config, std::move(*secret), std::move(*store)));
}

Result<migrate::Migrator> App::MakeMigrator() {
  auto migrations = migrate::CoreMigrations(store_->dialect());
  if (!migrations) return std::move(migrations).error();
  // On SQLite the policy layer keeps the migrations' row-level security statements.
  migrate::StatementHook hook;
  if (store_->dialect() == "sqlite") hook = policy::HandleMigrationStatement;
  return migrate::Migrator(*store_, std::move(*migrations), std::move(hook));
}

Result<migrate::Migrator> App::MakeAppMigrator() {
  const std::string dir = AppMigrationsDir(config_);
  std::error_code ec;
  if (!config_.migrations_dir.empty() && !std::filesystem::is_directory(dir, ec)) {
    return Error::Make(ErrorCode::kInvalidArgument, "--migrations " + dir + " is not a directory");
  }
  auto migrations = migrate::MigrationsFromDirectory(dir);
  if (!migrations) return std::move(migrations).error();
  migrate::MigratorOptions options;
  // In the kit schema on PostgreSQL: granted to service_role only, never to clients (public's
  // default privileges would hand a table there to anon and authenticated).
  options.history_table = store_->dialect() == "sqlite" ? "kit_app_migrations" : "kit.app_migrations";
  options.label = "app migration";
  options.missing_hint = "restore its file in " + dir;
  // On SQLite the app's PostgreSQL SQL is translated statement by statement.
  options.run = [sqlite = store_->dialect() == "sqlite"](store::Transaction& txn, const migrate::Migration& m) {
    return sqlite ? policy::RunPostgresMigration(txn, m.sql, m.file_name)
                  : policy::RunNativeMigration(txn, m.sql, m.file_name);
  };
  return migrate::Migrator(*store_, std::move(*migrations), std::move(options));
}

Result<int> App::Migrate() {
  auto migrator = MakeMigrator();
  if (!migrator) return std::move(migrator).error();
  auto core = migrator->Apply();
  if (!core) return std::move(core).error();
  auto app_migrator = MakeAppMigrator();
  if (!app_migrator) return std::move(app_migrator).error();
  auto app = app_migrator->Apply();
  if (!app) return std::move(app).error();
  return *core + *app;
}

Result<std::vector<migrate::MigrationStatus>> App::MigrationStatus() {
  auto migrator = MakeMigrator();
  if (!migrator) return std::move(migrator).error();
  return migrator->Status();
}

Result<std::vector<migrate::MigrationStatus>> App::AppMigrationStatus() {
  auto migrator = MakeAppMigrator();
  if (!migrator) return std::move(migrator).error();
  return migrator->Status();
}

Result<std::string> App::CreateUser(const std::string& email, const std::string& password,
                                    bool confirmed) {
  auth::UserAttributes attributes;
  attributes.email = auth::NormalizeEmail(email);
  if (attributes.email->empty()) {
    return Error::Make(ErrorCode::kInvalidArgument, "not a valid email address: " + email);
  }
  const auto min_length = static_cast<std::size_t>(config_.auth_min_password_length);
  if (!auth::PasswordStrongEnough(password, min_length)) {
    return Error::Make(ErrorCode::kInvalidArgument,
                       "password should be at least " + std::to_string(min_length) + " characters");
  }
  // Bad input is refused before the data directory is touched.
  if (auto applied = Migrate(); !applied) return std::move(applied).error();
  auto hash = crypto::HashPassword(password);  // before taking the writer
  if (!hash) return std::move(hash).error();
  attributes.encrypted_password = std::move(*hash);
  attributes.confirm_email = confirmed;
  auto txn = store_->Begin(store::Access::kWrite);
  if (!txn) return std::move(txn).error();
  auto user = auth::AdminUsers(SystemClock::Instance()).Create(**txn, attributes);
  if (!user) return std::move(user).error();
  if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
  return user->id;
}

Result<bool> App::SetSuperAdmin(const std::string& email, bool grant) {
  const std::string normalized = auth::NormalizeEmail(email);
  if (normalized.empty()) return Error::Make(ErrorCode::kInvalidArgument, "not a valid email address: " + email);
  if (auto applied = Migrate(); !applied) return std::move(applied).error();
  auto txn = store_->Begin(store::Access::kWrite);
  if (!txn) return std::move(txn).error();
  auto user = auth::users::FindByEmail(**txn, normalized);
  if (!user) return std::move(user).error();
  if (!*user) return Error::Make(ErrorCode::kNotFound, "no user with the email " + normalized);
  const store::Value params[] = {store::Value::Text((*user)->id)};
  auto changed = (*txn)->Execute(grant ? "INSERT INTO super_admins (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING"
                                       : "DELETE FROM super_admins WHERE user_id = $1",
                                 params);
  if (!changed) return std::move(changed).error();
  if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
  return *changed > 0;
}

Result<maintenance::Purged> App::Purge() {
  if (auto applied = Migrate(); !applied) return std::move(applied).error();
  auto txn = store_->Begin(store::Access::kWrite);
  if (!txn) return std::move(txn).error();
  auto purged = maintenance::Purge(**txn, SystemClock::Instance());
  if (!purged) return std::move(purged).error();
  if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
  return purged;
}

Status App::Serve() {
  // Core migrations, then the app's; the catalog and policies below see both.
  if (auto applied = Migrate(); !applied) return std::move(applied).error();
  auto migrator = MakeMigrator();
  if (!migrator) return std::move(migrator).error();
  auto version = migrator->CurrentVersion();
  if (!version) return std::move(version).error();

  auto endpoint = ParseHostPort(config_.http);
  if (!endpoint) return std::move(endpoint).error();

  // The issuer names the bound port, so it is fixed up after Listen() (port 0 = any).
  auth::AuthConfig auth_config = MakeAuthConfig(config_, jwt_secret_, config_.public_url);
  const Clock& clock = SystemClock::Instance();
  auto mailer = mail::MakeMailer(config_.smtp_url,
                                 (std::filesystem::path(config_.data_dir) / "outbox").string(),
                                 config_.mail_from);
  if (!mailer) return std::move(mailer).error();
  auth::SessionService sessions(auth_config, clock);
  auth::EmailTokens email_tokens(auth_config, clock);
  auth::RateLimiter rate_limiter(clock);
  api::auth::VerifiedTokens verified_tokens;

  api::ApiContext context;
  context.store = store_.get();
  context.health = api::HealthInfo{*version, kVersion, store_->dialect()};
  context.auth = api::auth::AuthContext{&auth_config, store_.get(), &clock, &sessions,
                                        &email_tokens, mailer->get(), &rate_limiter, {}};
  context.auth.verified_tokens = &verified_tokens;
  const Keys keys = MakeKeys(jwt_secret_);
  for (const auto& [token, role] : {std::pair{keys.anon, "anon"}, std::pair{keys.service_role, "service_role"}}) {
    auto claims = crypto::VerifyJwtHs256(token, jwt_secret_, UnixSeconds(clock.Now()));
    if (!claims) return std::move(claims).error();
    context.auth.keys.push_back({token, role, std::move(*claims)});
  }
  {
    // What /rest/v1 exposes and the policies that guard it, read once after migrating.
    auto txn = store_->Begin(store::Access::kRead);
    if (!txn) return std::move(txn).error();
    auto catalog = api::rest::Catalog::Load(**txn, store_->dialect());
    if (!catalog) return std::move(catalog).error();
    // PostgreSQL enforces its policies natively; SQLite's are compiled into the API's SQL.
    auto policies = store_->dialect() == "postgres" ? policy::PolicySet::Native(**txn) : policy::PolicySet::Load(**txn);
    if (!policies) return std::move(policies).error();
    context.rest.store = store_.get();
    context.rest.auth = &context.auth;
    context.rest.catalog = std::move(*catalog);
    context.rest.policies = std::move(*policies);
  }
  context.rest.invitations.ttl = std::chrono::seconds(config_.invitation_expiry_seconds);
  context.rest.invitations.site_url = config_.site_url;
  context.rest.invitations.require_email_match = config_.invitation_require_email_match;
  auto plans = std::make_shared<billing::Plans>();
  if (!config_.billing_config.empty()) {
    auto loaded = billing::Plans::Load(config_.billing_config);
    if (!loaded) return std::move(loaded).error();
    *plans = std::move(*loaded);
    spdlog::info("billing: {} plans from {}", plans->all().size(), config_.billing_config);
  }
  context.rest.plans = plans;
  context.billing.store = store_.get();
  context.billing.clock = &clock;
  context.billing.stripe_secret = config_.stripe_webhook_secret;
  context.billing.lemon_squeezy_secret = config_.lemon_squeezy_webhook_secret;
  context.billing.paddle_secret = config_.paddle_webhook_secret;
  context.billing.paddle_tolerance = std::chrono::seconds(config_.paddle_webhook_tolerance_seconds);
  context.billing.plans = plans;
  context.billing.stripe_api = {config_.stripe_api_url, config_.stripe_api_key};
  context.billing.site_url = config_.site_url;
  context.billing.rest = &context.rest;

  auto byte_store = storage::LocalByteStore::Create((std::filesystem::path(config_.data_dir) / "storage").string());
  if (!byte_store) return std::move(byte_store).error();
  // Blobs no row names (a crash between a blob's rename and its row's commit, objects
  // removed with their account) go at every purge (or once at start when purging is off);
  // those younger than an hour stay, so a blob whose row is still to commit is safe.
  auto sweep_storage = [this, bytes = byte_store->get()] {
    auto txn = store_->Begin(store::Access::kRead);
    if (!txn) return spdlog::warn("storage sweep: {}", txn.error().message);
    auto versions = (*txn)->Query("SELECT version FROM storage.objects WHERE version IS NOT NULL", {});
    if (!versions) return spdlog::warn("storage sweep: {}", versions.error().message);
    std::unordered_set<std::string> referenced;
    for (const auto& row : versions->rows) referenced.insert(row[0].as_text());
    txn->reset();
    auto swept = bytes->SweepOrphans([&](std::string_view key) { return referenced.contains(std::string(key)); },
                                     std::chrono::hours(1));
    if (!swept) spdlog::warn("storage sweep: {}", swept.error().message);
    if (swept && *swept > 0) spdlog::info("storage: removed {} orphaned blobs and stale uploads", *swept);
  };
  if (config_.purge_interval_seconds == 0) sweep_storage();
  context.storage.rest = &context.rest;
  context.storage.bytes = byte_store->get();
  context.storage.max_file_size = static_cast<std::uint64_t>(config_.storage_max_file_size);
  context.storage.url_secret = crypto::HmacSha256(jwt_secret_, "tenantbase storage signed URLs");

  // WebSockets hold a descriptor each: lift the soft limit to the hard one (1024 is a
  // common default) so a thousand subscribers do not starve the accept loop.
  if (rlimit files{}; ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &files) != 0) spdlog::warn("could not raise the open-file limit");
  }

  http::ServerOptions options;
  options.address = endpoint->host;
  options.port = endpoint->port;
  options.threads = ThreadCount(config_);
  options.body_limit = config_.max_body_bytes;
  options.read_timeout = config_.read_timeout;
  options.idle_timeout = config_.idle_timeout;
  // Realtime: its worker delivers committed changes to WebSocket subscribers.
  api::realtime::RealtimeOptions realtime_options;
  realtime_options.max_connections_per_user = static_cast<std::size_t>(config_.realtime_max_connections_per_user);
  realtime_options.max_channels_per_user = static_cast<std::size_t>(config_.realtime_max_channels_per_user);
  realtime_options.max_messages_per_second = static_cast<double>(config_.realtime_max_messages_per_second);
  api::realtime::RealtimeService realtime(context.rest, realtime_options);
  http::Router router = api::BuildRoutes(context);
  realtime.AddRoutes(router);
  http::Server server(options, std::move(router));
  if (Status s = server.Listen(); !s) return s;
  if (config_.public_url.empty()) {
    auth_config.issuer = "http://" + endpoint->host + ":" + std::to_string(server.port()) + "/auth/v1";
  }
  spdlog::info("tenantbase {} listening on http://{}:{} ({} threads, {} database, schema version {}, data in {})",
               kVersion, endpoint->host, server.port(), options.threads, store_->dialect(), *version,
               config_.data_dir);
  // Per-seat quantities and other changes the providers must hear about.
  billing::ProviderApis apis;
  apis.stripe = {config_.stripe_api_url, config_.stripe_api_key};
  apis.lemon_squeezy = {config_.lemon_squeezy_api_url, config_.lemon_squeezy_api_key};
  apis.paddle = {config_.paddle_api_url, config_.paddle_api_key};
  std::optional<billing::ProviderJobWorker> provider_jobs;
  if (!apis.stripe.api_key.empty() || !apis.lemon_squeezy.api_key.empty() || !apis.paddle.api_key.empty()) {
    provider_jobs.emplace(*store_, std::move(apis), clock);
  }
  std::optional<maintenance::Purger> purger;
  if (config_.purge_interval_seconds > 0) {
    purger.emplace(*store_, clock, std::chrono::seconds(config_.purge_interval_seconds), sweep_storage);
  }
  server.Run();
  purger.reset();
  provider_jobs.reset();
  spdlog::info("shutting down: closing the database");
  store_->Close();
  spdlog::info("stopped");
  return Ok();
}

}  // namespace tb::app
