#include "domain/maintenance/purge.h"

#include <spdlog/spdlog.h>

namespace tb::maintenance {

namespace {

using store::Value;

Result<int64_t> Delete(store::Transaction& txn, std::string_view sql, std::span<const Value> params) {
  auto n = txn.Execute(sql, params);
  if (!n) return std::move(n).error();
  return static_cast<int64_t>(*n);
}

}  // namespace

Result<Purged> Purge(store::Transaction& txn, const Clock& clock) {
  const SystemTime now = clock.Now();
  const Value at[] = {Value::Text(FormatTimestamp(now))};
  const Value tokens[] = {Value::Text(FormatTimestamp(now)), Value::Text(FormatTimestamp(now - kUsedTokenRetention))};
  store::AsServer server(txn);
  Purged purged;
  auto n = Delete(txn,
                  "DELETE FROM one_time_tokens WHERE expires_at <= $1 OR used_at <= $2 OR (revoked AND revoked_at <= $2)",
                  tokens);
  if (!n) return std::move(n).error();
  purged.one_time_tokens = *n;
  n = Delete(txn, "DELETE FROM invitations WHERE expires_at <= $1", at);
  if (!n) return std::move(n).error();
  purged.invitations = *n;
  n = Delete(txn, "DELETE FROM notifications WHERE expires_at IS NOT NULL AND expires_at <= $1", at);
  if (!n) return std::move(n).error();
  purged.notifications = *n;
  n = Delete(txn, "DELETE FROM auth.mfa_challenges WHERE expires_at <= $1", at);
  if (!n) return std::move(n).error();
  purged.mfa_challenges = *n;
  return purged;
}

Result<int64_t> PurgeRealtimeChanges(store::Store& store, SystemTime before, int64_t batch,
                                     const std::function<bool()>& keep_going) {
  const Value params[] = {Value::Text(FormatTimestamp(before)), Value::Int(batch)};
  int64_t total = 0;
  for (;;) {
    if (keep_going && !keep_going()) return total;
    auto txn = store.Begin(store::Access::kWrite);
    if (!txn) return std::move(txn).error();
    // Oldest first, by the index on created_at (migration 0021).
    auto n = Delete(**txn,
                    "DELETE FROM kit.realtime_changes WHERE id IN "
                    "(SELECT id FROM kit.realtime_changes WHERE created_at < $1 ORDER BY created_at LIMIT $2)",
                    params);
    if (!n) return std::move(n).error();
    if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
    total += *n;
    if (*n < batch) return total;
  }
}

Purger::Purger(store::Store& store, const Clock& clock, std::chrono::seconds interval, std::function<void()> also)
    : store_(store), clock_(clock), interval_(interval), also_(std::move(also)), thread_([this] { Run(); }) {}

Purger::~Purger() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Purger::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    Result<Purged> purged = [&]() -> Result<Purged> {
      auto txn = store_.Begin(store::Access::kWrite);
      if (!txn) return std::move(txn).error();
      auto done = Purge(**txn, clock_);
      if (!done) return std::move(done).error();
      if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
      return done;
    }();
    if (!purged) {
      spdlog::warn("purge failed (retrying in {} s): {}", interval_.count(), Describe(purged.error()));
    } else if (purged->total() > 0) {
      spdlog::info("purged {} expired one-time token(s), {} invitation(s), {} notification(s), {} MFA challenge(s)",
                   purged->one_time_tokens, purged->invitations, purged->notifications, purged->mfa_challenges);
    }
    if (also_) also_();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace tb::maintenance
