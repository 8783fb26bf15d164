// main.cpp
//
// The command line: parses flags and environment (CLI11), builds the App, runs one
// command. Every failure ends in one line on stderr and a non-zero exit status.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "app/app.h"
#include "app/copy_data.h"
#include "base/log.h"
#include "crypto/random.h"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(const std::string& message) {
  std::fprintf(stderr, "tenantbase: %s\n", message.c_str());
  return kExitFailure;
}

int RunServe(const tb::app::Config& config) {
  auto app = tb::app::App::Open(config);
  if (!app) return Fail(app.error().message);
  if (tb::Status s = (*app)->Serve(); !s) return Fail(s.error().message);
  return 0;
}

int RunMigrate(const tb::app::Config& config, bool status_only) {
  auto app = tb::app::App::Open(config);
  if (!app) return Fail(app.error().message);
  if (!status_only) {
    auto applied = (*app)->Migrate();
    if (!applied) return Fail(applied.error().message);
    std::printf("applied %d migration(s)\n", *applied);
  }
  auto status = (*app)->MigrationStatus();
  if (!status) return Fail(status.error().message);
  for (const auto& m : *status) {
    std::printf("%04d  %-20s  %s\n", m.version, m.name.c_str(),
                m.applied ? ("applied " + m.applied_at).c_str() : "pending");
  }
  auto app_status = (*app)->AppMigrationStatus();
  if (!app_status) return Fail(app_status.error().message);
  for (const auto& m : *app_status) {
    std::printf("app/%04d  %-20s  %s\n", m.version, m.name.c_str(),
                m.applied ? ("applied " + m.applied_at).c_str() : "pending");
  }
  return 0;
}

int RunKeys(const tb::app::Config& config) {
  auto app = tb::app::App::Open(config);
  if (!app) return Fail(app.error().message);
  const tb::app::Keys keys = (*app)->keys();
  std::printf("anon_key=%s\nservice_role_key=%s\n", keys.anon.c_str(), keys.service_role.c_str());
  return 0;
}

int RunCreateUser(const tb::app::Config& config, const std::string& email, const std::string& password,
                  bool confirmed) {
  auto app = tb::app::App::Open(config);
  if (!app) return Fail(app.error().message);
  auto id = (*app)->CreateUser(email, password, confirmed);
  if (!id) return Fail(id.error().message);
  std::printf("%s\n", id->c_str());
  return 0;
}

int RunSuperAdmin(const tb::app::Config& config, const std::string& email, bool grant) {
  auto app = tb::app::App::Open(config);
  if (!app) return Fail(app.error().message);
  auto changed = (*app)->SetSuperAdmin(email, grant);
  if (!changed) return Fail(changed.error().message);
  std::printf("%s %s a super admin\n", email.c_str(),
              grant ? (*changed ? "is now" : "already was") : (*changed ? "is no longer" : "was not"));
  return 0;
}

int RunPurge(const tb::app::Config& config) {
  auto app = tb::app::App::Open(config);
  if (!app) return Fail(app.error().message);
  auto purged = (*app)->Purge();
  if (!purged) return Fail(purged.error().message);
  std::printf("purged %lld one-time token(s), %lld invitation(s), %lld notification(s), %lld MFA challenge(s)\n",
              static_cast<long long>(purged->one_time_tokens), static_cast<long long>(purged->invitations),
              static_cast<long long>(purged->notifications), static_cast<long long>(purged->mfa_challenges));
  return 0;
}

// The applied migrations, core then app, as "version name" lines; fails, naming how many
// are pending and the first, unless all are applied.
tb::Result<std::vector<std::string>> AppliedMigrations(tb::app::App& app, const std::string& side) {
  std::vector<std::string> applied;
  std::string first_pending;
  int pending = 0;
  auto core = app.MigrationStatus();
  if (!core) return std::move(core).error();
  auto own = app.AppMigrationStatus();
  if (!own) return std::move(own).error();
  for (const auto* list : {&*core, &*own}) {
    for (const auto& m : *list) {
      const std::string line = std::to_string(m.version) + " " + m.name;
      if (m.applied) {
        applied.push_back(line);
      } else if (pending++ == 0) {
        first_pending = line;
      }
    }
  }
  if (pending > 0) {
    return tb::Error::Make(tb::ErrorCode::kFailedPrecondition,
                           side + " has " + std::to_string(pending) + " pending migration(s), from " + first_pending +
                               ": run `tenantbase migrate` on it first");
  }
  return applied;
}

// `copy-data --from A --to B`: one of them a data directory (its SQLite file), the other a
// postgres:// URL. Both sides use that data directory (its JWT secret, its migrations
// folder unless --migrations says otherwise). The source must be migrated; the target is
// migrated here; then both must have applied the same migrations.
int RunCopyData(const tb::app::Config& config, const std::string& from, const std::string& to, bool overwrite) {
  const bool from_url = tb::app::IsPostgresUrl(from);
  if (from_url == tb::app::IsPostgresUrl(to)) {
    std::fprintf(stderr, "tenantbase: copy-data needs a data directory on one side and a postgres:// URL on the other\n");
    return kExitUsage;
  }
  tb::app::Config source = config;
  tb::app::Config target = config;
  source.data_dir = target.data_dir = from_url ? to : from;
  source.database_url = from_url ? from : "";
  target.database_url = from_url ? "" : to;
  auto source_app = tb::app::App::Open(source);
  if (!source_app) return Fail(source_app.error().message);
  auto target_app = tb::app::App::Open(target);
  if (!target_app) return Fail(target_app.error().message);
  auto source_applied = AppliedMigrations(**source_app, "the source");
  if (!source_applied) return Fail(source_applied.error().message);
  if (auto migrated = (*target_app)->Migrate(); !migrated) return Fail("migrating the target: " + migrated.error().message);
  auto target_applied = AppliedMigrations(**target_app, "the target");
  if (!target_applied) return Fail(target_applied.error().message);
  if (*source_applied != *target_applied) {
    return Fail("the source and the target have applied different migrations (a newer tenantbase or other app "
                "migrations on one side); bring them to the same versions first");
  }
  auto copied = tb::app::CopyData((*source_app)->store(), (*target_app)->store(), {.overwrite = overwrite});
  if (!copied) return Fail(copied.error().message);
  int64_t rows = 0;
  for (const auto& table : *copied) {
    std::printf("%-36s %10lld  %s\n", table.name.c_str(), static_cast<long long>(table.rows), table.checksum.c_str());
    rows += table.rows;
  }
  std::printf("copied %lld row(s) in %zu table(s); every table's count and checksum match\n",
              static_cast<long long>(rows), copied->size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  tb::app::Config config;
  std::string log_level = "info";
  int64_t read_timeout_ms = config.read_timeout.count();
  int64_t idle_timeout_ms = config.idle_timeout.count();

  CLI::App cli{"Tenantbase: the backend of a multi-tenant SaaS app, spoken to with supabase-js."};
  cli.name("tenantbase");
  cli.set_version_flag("--version", std::string(tb::app::kVersion));
  cli.require_subcommand(1);
  cli.fallthrough();  // global flags may follow the command: `tenantbase serve --data x`

  cli.add_option("--data", config.data_dir, "Data directory (SQLite file, JWT secret)")
      ->envname("TENANTBASE_DATA")
      ->capture_default_str();
  cli.add_option("--database", config.database_url,
                 "Database URL: postgres://… or sqlite://PATH (default: SQLite in the data directory)")
      ->envname("TENANTBASE_DATABASE_URL");
  cli.add_option("--migrations", config.migrations_dir,
                 "The app's own migrations (NNNN_name.sql in PostgreSQL's SQL; default: DATA/migrations)")
      ->envname("TENANTBASE_MIGRATIONS");
  cli.add_option("--log-level", log_level, "debug, info, warn, error or off")
      ->envname("TENANTBASE_LOG_LEVEL")
      ->capture_default_str();

  CLI::App* serve = cli.add_subcommand("serve", "Run the HTTP server");
  serve->add_option("--http", config.http, "Listen address HOST:PORT")
      ->envname("TENANTBASE_HTTP")
      ->capture_default_str();
  serve->add_option("--database-replica", config.database_replicas,
                    "A PostgreSQL read replica (postgres://…) for read-only requests; repeatable")
      ->envname("TENANTBASE_DATABASE_REPLICAS")
      ->delimiter(',');
  serve->add_option("--threads", config.threads, "Worker threads (0: two per core on SQLite, four on PostgreSQL)")
      ->envname("TENANTBASE_THREADS")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  serve->add_option("--max-body-bytes", config.max_body_bytes, "Largest request body accepted (413 beyond)")
      ->envname("TENANTBASE_MAX_BODY_BYTES")
      ->check(CLI::Range(static_cast<std::size_t>(1024), static_cast<std::size_t>(1) << 34))
      ->capture_default_str();
  serve->add_option("--read-timeout-ms", read_timeout_ms, "Time allowed to send one request")
      ->envname("TENANTBASE_READ_TIMEOUT_MS")
      ->check(CLI::Range(static_cast<int64_t>(1), static_cast<int64_t>(3'600'000)))
      ->capture_default_str();
  serve->add_option("--idle-timeout-ms", idle_timeout_ms, "Idle keep-alive connections close after this")
      ->envname("TENANTBASE_IDLE_TIMEOUT_MS")
      ->check(CLI::Range(static_cast<int64_t>(1), static_cast<int64_t>(3'600'000)))
      ->capture_default_str();

  serve->add_option("--public-url", config.public_url, "URL clients reach the server at (JWT issuer, email links)")
      ->envname("TENANTBASE_PUBLIC_URL");
  serve->add_option("--site-url", config.site_url, "The app's URL, where email links redirect")
      ->envname("TENANTBASE_SITE_URL")
      ->capture_default_str();
  serve->add_option("--smtp-url", config.smtp_url, "smtp://host:port for outgoing mail (default: DATA/outbox/)")
      ->envname("TENANTBASE_SMTP_URL");
  serve->add_option("--mail-from", config.mail_from, "Sender of outgoing mail")
      ->envname("TENANTBASE_MAIL_FROM")
      ->capture_default_str();
  serve->add_option("--auth-confirm-email", config.auth_confirm_email,
                    "Require email confirmation before password sign-in (true/false)")
      ->envname("TENANTBASE_AUTH_CONFIRM_EMAIL")
      ->capture_default_str();
  serve->add_option("--auth-jwt-expiry", config.auth_jwt_expiry_seconds, "Access token lifetime, seconds")
      ->envname("TENANTBASE_AUTH_JWT_EXPIRY")
      ->check(CLI::Range(static_cast<int64_t>(30), static_cast<int64_t>(7 * 24 * 3600)))
      ->capture_default_str();
  serve->add_option("--auth-min-password-length", config.auth_min_password_length, "Shortest password accepted")
      ->envname("TENANTBASE_AUTH_MIN_PASSWORD_LENGTH")
      ->check(CLI::Range(6, 128))
      ->capture_default_str();
  serve->add_option("--auth-rate-limit-per-ip", config.auth_rate_limit_per_ip,
                    "Auth requests per IP and window on sign-up/sign-in/recover/OTP/MFA (0: off)")
      ->envname("TENANTBASE_AUTH_RATE_LIMIT_PER_IP")
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();
  serve->add_option("--auth-rate-limit-per-email", config.auth_rate_limit_per_email,
                    "Auth requests per email address and window (0: off)")
      ->envname("TENANTBASE_AUTH_RATE_LIMIT_PER_EMAIL")
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();
  serve->add_option("--auth-rate-limit-window", config.auth_rate_limit_window_seconds, "Rate limit window, seconds")
      ->envname("TENANTBASE_AUTH_RATE_LIMIT_WINDOW")
      ->check(CLI::Range(static_cast<int64_t>(1), static_cast<int64_t>(86400)))
      ->capture_default_str();

  serve->add_option("--auth-refresh-reuse-interval", config.auth_refresh_reuse_interval_seconds,
                    "Seconds a just-rotated refresh token may still be used (concurrent tabs)")
      ->envname("TENANTBASE_AUTH_REFRESH_REUSE_INTERVAL")
      ->check(CLI::Range(static_cast<int64_t>(0), static_cast<int64_t>(3600)))
      ->capture_default_str();
  serve->add_option("--auth-mfa-challenge-expiry", config.auth_mfa_challenge_expiry_seconds,
                    "Seconds an MFA challenge can be verified")
      ->envname("TENANTBASE_AUTH_MFA_CHALLENGE_EXPIRY")
      ->check(CLI::Range(static_cast<int64_t>(1), static_cast<int64_t>(3600)))
      ->capture_default_str();

  serve->add_option("--invitation-expiry", config.invitation_expiry_seconds,
                    "Seconds an invitation to a team can be accepted")
      ->envname("TENANTBASE_INVITATION_EXPIRY")
      ->check(CLI::Range(static_cast<int64_t>(1), static_cast<int64_t>(365 * 24 * 3600)))
      ->capture_default_str();
  serve->add_option("--invitation-require-email-match", config.invitation_require_email_match,
                    "Only the invited email address may accept an invitation (true/false)")
      ->envname("TENANTBASE_INVITATION_REQUIRE_EMAIL_MATCH")
      ->capture_default_str();
  serve->add_option("--storage-max-file-size", config.storage_max_file_size,
                    "Largest object (bytes) any storage bucket accepts; buckets may set less")
      ->envname("TENANTBASE_STORAGE_MAX_FILE_SIZE")
      ->check(CLI::Range(static_cast<int64_t>(1), static_cast<int64_t>(1) << 40))
      ->capture_default_str();
  serve->add_option("--billing-config", config.billing_config,
                    "JSON file of the app's billing plans: prices sold at checkout and the features they enable")
      ->envname("TENANTBASE_BILLING_CONFIG")
      ->check(CLI::ExistingFile);
  serve->add_option("--paddle-webhook-tolerance", config.paddle_webhook_tolerance_seconds,
                    "Seconds a Paddle webhook signature's timestamp may be off")
      ->envname("TENANTBASE_PADDLE_WEBHOOK_TOLERANCE")
      ->check(CLI::Range(static_cast<int64_t>(5), static_cast<int64_t>(3600)))
      ->capture_default_str();
  serve->add_option("--purge-interval", config.purge_interval_seconds,
                    "Seconds between purges of expired tokens, invitations and notifications (0: never)")
      ->envname("TENANTBASE_PURGE_INTERVAL")
      ->check(CLI::Range(static_cast<int64_t>(0), static_cast<int64_t>(7 * 24 * 3600)))
      ->capture_default_str();

  serve->add_option("--realtime-max-connections-per-user", config.realtime_max_connections_per_user,
                    "Realtime WebSocket connections one signed-in user may hold channels on at once")
      ->envname("TENANTBASE_REALTIME_MAX_CONNECTIONS_PER_USER")
      ->check(CLI::Range(static_cast<int64_t>(1), static_cast<int64_t>(100000)))
      ->capture_default_str();
  serve->add_option("--realtime-max-channels-per-user", config.realtime_max_channels_per_user,
                    "Realtime channels one signed-in user may have joined at once, over all connections")
      ->envname("TENANTBASE_REALTIME_MAX_CHANNELS_PER_USER")
      ->check(CLI::Range(static_cast<int64_t>(1), static_cast<int64_t>(1000000)))
      ->capture_default_str();
  serve->add_option("--realtime-max-messages-per-second", config.realtime_max_messages_per_second,
                    "Realtime broadcast and presence messages one connection may send per second")
      ->envname("TENANTBASE_REALTIME_MAX_MESSAGES_PER_SECOND")
      ->check(CLI::Range(static_cast<int64_t>(1), static_cast<int64_t>(1000000)))
      ->capture_default_str();

  bool status_only = false;
  CLI::App* migrate = cli.add_subcommand("migrate", "Apply pending migrations and list them");
  migrate->add_flag("--status", status_only, "Only list migrations, apply nothing");

  CLI::App* keys = cli.add_subcommand("keys", "Print the anon and service_role keys");

  std::string new_email;
  std::string new_password;
  bool new_confirmed = false;
  CLI::App* admin = cli.add_subcommand("admin", "Administer the project from the command line");
  admin->require_subcommand(1);
  CLI::App* create_user = admin->add_subcommand("create-user", "Create a user; prints the new user's id");
  create_user->add_option("EMAIL", new_email, "The user's email address")->required();
  create_user->add_option("--password", new_password, "The user's password")
      ->envname("TENANTBASE_ADMIN_PASSWORD")
      ->required();
  create_user->add_flag("--confirmed", new_confirmed, "Mark the email address as confirmed");
  create_user->add_option("--auth-min-password-length", config.auth_min_password_length, "Shortest password accepted")
      ->envname("TENANTBASE_AUTH_MIN_PASSWORD_LENGTH")
      ->check(CLI::Range(6, 128))
      ->capture_default_str();

  std::string admin_email;
  CLI::App* grant_super_admin =
      admin->add_subcommand("grant-super-admin", "Make a user a super admin (their powers also need an aal2 session)");
  grant_super_admin->add_option("EMAIL", admin_email, "The user's email address")->required();
  CLI::App* revoke_super_admin = admin->add_subcommand("revoke-super-admin", "Take super admin away from a user");
  revoke_super_admin->add_option("EMAIL", admin_email, "The user's email address")->required();

  CLI::App* purge = admin->add_subcommand(
      "purge", "Delete expired one-time tokens, invitations, notifications and MFA challenges now");

  std::string copy_from;
  std::string copy_to;
  bool copy_overwrite = false;
  CLI::App* copy_data = cli.add_subcommand(
      "copy-data", "Copy every row between a data directory's SQLite file and PostgreSQL (either way)");
  copy_data->add_option("--from", copy_from, "The source: a data directory or a postgres:// URL")->required();
  copy_data->add_option("--to", copy_to, "The target: a postgres:// URL or a data directory")->required();
  copy_data->add_flag("--overwrite", copy_overwrite, "Replace a target that already has users");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "tenantbase: %s (see tenantbase --help)\n", e.what());
    return kExitUsage;
  }

  tb::log::Level level;
  if (!tb::log::ParseLevel(log_level, level)) {
    std::fprintf(stderr, "tenantbase: --log-level must be debug, info, warn, error or off\n");
    return kExitUsage;
  }
  tb::log::Init(level);
  if (!tb::crypto::Init()) return Fail("cannot initialise libsodium");

  if (const char* secret = std::getenv("TENANTBASE_JWT_SECRET")) config.jwt_secret = secret;
  // Secrets come from the environment only (a flag would show in `ps`).
  if (const char* s = std::getenv("TENANTBASE_STRIPE_WEBHOOK_SECRET")) config.stripe_webhook_secret = s;
  if (const char* s = std::getenv("TENANTBASE_LEMON_SQUEEZY_WEBHOOK_SECRET")) config.lemon_squeezy_webhook_secret = s;
  if (const char* s = std::getenv("TENANTBASE_PADDLE_WEBHOOK_SECRET")) config.paddle_webhook_secret = s;
  for (const auto& [name, target] : {std::pair{"TENANTBASE_STRIPE_SECRET_KEY", &config.stripe_api_key},
                                     std::pair{"TENANTBASE_STRIPE_API_URL", &config.stripe_api_url},
                                     std::pair{"TENANTBASE_LEMON_SQUEEZY_API_KEY", &config.lemon_squeezy_api_key},
                                     std::pair{"TENANTBASE_LEMON_SQUEEZY_API_URL", &config.lemon_squeezy_api_url},
                                     std::pair{"TENANTBASE_PADDLE_API_KEY", &config.paddle_api_key},
                                     std::pair{"TENANTBASE_PADDLE_API_URL", &config.paddle_api_url}}) {
    if (const char* value = std::getenv(name)) *target = value;
  }
  config.read_timeout = std::chrono::milliseconds(read_timeout_ms);
  config.idle_timeout = std::chrono::milliseconds(idle_timeout_ms);

  if (*serve) return RunServe(config);
  if (*migrate) return RunMigrate(config, status_only);
  if (*keys) return RunKeys(config);
  if (*create_user) return RunCreateUser(config, new_email, new_password, new_confirmed);
  if (*grant_super_admin) return RunSuperAdmin(config, admin_email, true);
  if (*revoke_super_admin) return RunSuperAdmin(config, admin_email, false);
  if (*purge) return RunPurge(config);
  if (*copy_data) return RunCopyData(config, copy_from, copy_to, copy_overwrite);
  return kExitUsage;
}
