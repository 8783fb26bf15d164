// domain/maintenance/purge.h
//
// The periodic clean-up the seed gives cleanup_expired_nonces, widened to every table
// that collects dead rows: one-time tokens past their expiry (and used or revoked ones a
// day after their use, kept that long for the audit trail), expired invitations, expired
// notifications (already invisible to readers; this reclaims the space) and expired MFA
// challenges. Rows that still mean something are never touched: a live token, a pending
// invitation, a notification without expiry, refresh tokens (reuse detection needs them).
//
// The server runs it every --purge-interval seconds on a thread of its own (Purger);
// `tenantbase admin purge` runs it once.
//
// Thread-safety: Purge is a plain function over the caller's transaction; a Purger owns
// one thread and is stopped by its destructor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "base/clock.h"
#include "base/result.h"
#include "store/store.h"

namespace tb::maintenance {

// How long a used or revoked one-time token is kept after its use.
inline constexpr std::chrono::hours kUsedTokenRetention{24};

struct Purged {
  int64_t one_time_tokens = 0;
  int64_t invitations = 0;
  int64_t notifications = 0;
  int64_t mfa_challenges = 0;

  int64_t total() const { return one_time_tokens + invitations + notifications + mfa_challenges; }
};

// Deletes what is dead at `clock.Now()`; returns how many rows of each kind.
Result<Purged> Purge(store::Transaction& txn, const Clock& clock);

// Deletes realtime changes (kit.realtime_changes) created before `before`, in write
// transactions of at most `batch` rows each, so that none holds the writer (SQLite's only
// one) for long however many an hour of writes left behind; asks `keep_going` between
// batches (false: stop). Returns how many went. The realtime worker runs it every minute
// for changes older than an hour.
Result<int64_t> PurgeRealtimeChanges(store::Store& store, SystemTime before, int64_t batch,
                                     const std::function<bool()>& keep_going = nullptr);

// Runs Purge in its own write transaction once at start and then every `interval`,
// logging what it removed and any failure (it retries at the next tick); then `also`, when
// given (the storage sweep of orphaned blobs), on the same schedule.
class Purger {
 public:
  // REQUIRES: store and clock outlive the Purger; interval > 0.
  Purger(store::Store& store, const Clock& clock, std::chrono::seconds interval,
         std::function<void()> also = nullptr);
  ~Purger();
  Purger(const Purger&) = delete;
  Purger& operator=(const Purger&) = delete;

 private:
  void Run();

  store::Store& store_;
  const Clock& clock_;
  const std::chrono::seconds interval_;
  const std::function<void()> also_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tb::maintenance
