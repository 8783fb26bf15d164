// app/config.h
//
// Everything the server can be told, with its defaults. main.cpp fills it from flags and
// environment variables (flag wins); nothing else reads the environment.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/result.h"

namespace tb::app {

inline constexpr std::string_view kVersion = "0.1.0";

struct Config {
  std::string http = "127.0.0.1:54321";  // --http / TENANTBASE_HTTP
  std::string data_dir = "./tenantbase-data";  // --data / TENANTBASE_DATA
  std::string database_url;              // --database / TENANTBASE_DATABASE_URL; "" = SQLite in data dir
  // --database-replica (repeatable) / TENANTBASE_DATABASE_REPLICAS (comma-separated):
  // PostgreSQL read replicas of database_url, for read-only requests (docs/postgres.md).
  std::vector<std::string> database_replicas;
  std::string migrations_dir;            // --migrations / TENANTBASE_MIGRATIONS; "" = DATA/migrations
  int threads = 0;                       // --threads / TENANTBASE_THREADS; 0 = one per core
  std::string jwt_secret;                // TENANTBASE_JWT_SECRET; "" = generated, kept in data dir
  std::size_t max_body_bytes = 1024 * 1024;  // --max-body-bytes / TENANTBASE_MAX_BODY_BYTES
  std::chrono::milliseconds read_timeout{30'000};  // TENANTBASE_READ_TIMEOUT_MS
  std::chrono::milliseconds idle_timeout{75'000};  // TENANTBASE_IDLE_TIMEOUT_MS
  log::Level log_level = log::Level::kInfo;  // --log-level / TENANTBASE_LOG_LEVEL

  // Auth (GoTrue-compatible).
  std::string public_url;                // TENANTBASE_PUBLIC_URL; "" = http://<--http>
  std::string site_url = "http://localhost:3000";  // TENANTBASE_SITE_URL: where email links lead
  std::string smtp_url;                  // TENANTBASE_SMTP_URL; "" = .eml files in DATA/outbox/
  std::string mail_from = "Tenantbase <noreply@localhost>";  // TENANTBASE_MAIL_FROM
  bool auth_confirm_email = false;       // TENANTBASE_AUTH_CONFIRM_EMAIL
  int64_t auth_jwt_expiry_seconds = 3600;  // TENANTBASE_AUTH_JWT_EXPIRY
  int auth_min_password_length = 8;      // TENANTBASE_AUTH_MIN_PASSWORD_LENGTH
  int auth_rate_limit_per_ip = 30;       // TENANTBASE_AUTH_RATE_LIMIT_PER_IP (0 = off)
  int auth_rate_limit_per_email = 10;    // TENANTBASE_AUTH_RATE_LIMIT_PER_EMAIL (0 = off)
  int64_t auth_rate_limit_window_seconds = 300;  // TENANTBASE_AUTH_RATE_LIMIT_WINDOW
  int64_t auth_refresh_reuse_interval_seconds = 10;  // TENANTBASE_AUTH_REFRESH_REUSE_INTERVAL
  int64_t auth_mfa_challenge_expiry_seconds = 300;  // TENANTBASE_AUTH_MFA_CHALLENGE_EXPIRY

  // Team workflows.
  int64_t invitation_expiry_seconds = 7 * 24 * 3600;  // TENANTBASE_INVITATION_EXPIRY
  bool invitation_require_email_match = true;        // TENANTBASE_INVITATION_REQUIRE_EMAIL_MATCH

  // Expired tokens, invitations, notifications and MFA challenges are deleted this often
  // (0 = never; `tenantbase admin purge` runs it once).
  int64_t purge_interval_seconds = 3600;  // --purge-interval / TENANTBASE_PURGE_INTERVAL

  // Realtime: how many WebSocket connections (holding channels as that user) and channels
  // one signed-in user may have at once, across connections.
  int64_t realtime_max_connections_per_user = 20;  // --realtime-max-connections-per-user
  int64_t realtime_max_channels_per_user = 200;    // --realtime-max-channels-per-user
  int64_t realtime_max_messages_per_second = 100;  // --realtime-max-messages-per-second

  // Storage: the largest object any bucket accepts (buckets may set less).
  int64_t storage_max_file_size = 50LL * 1024 * 1024;  // --storage-max-file-size / TENANTBASE_STORAGE_MAX_FILE_SIZE
  // The app's billing plans (domain/billing/plans.h); "" = none.
  std::string billing_config;  // --billing-config / TENANTBASE_BILLING_CONFIG
  // Billing webhooks: a provider without a secret has no endpoint (404).
  std::string stripe_webhook_secret;          // TENANTBASE_STRIPE_WEBHOOK_SECRET
  std::string lemon_squeezy_webhook_secret;   // TENANTBASE_LEMON_SQUEEZY_WEBHOOK_SECRET
  std::string paddle_webhook_secret;          // TENANTBASE_PADDLE_WEBHOOK_SECRET
  int64_t paddle_webhook_tolerance_seconds = 300;  // TENANTBASE_PADDLE_WEBHOOK_TOLERANCE
  // The providers' APIs (per-seat quantities): keys from the environment only; the URLs can
  // point elsewhere for tests.
  std::string stripe_api_key;        // TENANTBASE_STRIPE_SECRET_KEY
  std::string stripe_api_url = "https://api.stripe.com";  // TENANTBASE_STRIPE_API_URL
  std::string lemon_squeezy_api_key;  // TENANTBASE_LEMON_SQUEEZY_API_KEY
  std::string lemon_squeezy_api_url = "https://api.lemonsqueezy.com";  // TENANTBASE_LEMON_SQUEEZY_API_URL
  std::string paddle_api_key;        // TENANTBASE_PADDLE_API_KEY
  std::string paddle_api_url = "https://api.paddle.com";  // TENANTBASE_PADDLE_API_URL
};

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// Parses "HOST:PORT", "[v6]:PORT" or ":PORT" (host 127.0.0.1). Fails with kInvalidArgument.
Result<HostPort> ParseHostPort(std::string_view text);

// The directory of the app's own migrations: --migrations, else DATA/migrations.
std::string AppMigrationsDir(const Config& config);

// postgres://… or postgresql://…: the PostgreSQL backend.
bool IsPostgresUrl(std::string_view url);

// Where the SQLite database lives for `config`: "" when the URL selects PostgreSQL.
// Fails (kInvalidArgument) for a URL no backend understands.
Result<std::string> SqlitePath(const Config& config);

}  // namespace tb::app
