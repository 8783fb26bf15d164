// store/postgres/read_routing.h
//
// Where a read-only transaction runs when the server has read replicas
// (`--database-replica URL`, repeatable): on a replica, unless its caller has written
// something the replica has not replayed yet. That is read-your-writes per caller, the
// promise a client makes to itself when it writes then reads:
//
//   - after a write transaction commits, PgStore records the primary's WAL insert position
//     (pg_current_wal_insert_lsn(), sent with the COMMIT) for each caller it wrote for: the
//     request's user, or for a key without a user the key's role, and whoever
//     Transaction::AlsoWroteFor named (a sign-in's new session);
//   - a caller's read goes to the next replica (round robin) whose replayed position
//     (pg_last_wal_replay_lsn(), asked only when the position it last told is not enough)
//     has reached the caller's last write; else to the primary;
//   - a replica that cannot be reached is left alone for a few seconds; its reads go to the
//     primary meanwhile.
//
// The server's own reads (RequestContext{}: realtime's change log, purges, billing jobs)
// always run on the primary. A position is kept until every replica has passed it, or
// for a minute at most.
//
// This class holds the bookkeeping only (no connections), so it is tested without a
// database; PgStore asks it and tells it what it saw.
//
// Thread-safety: thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/store.h"

namespace tb::store::postgres {

// A WAL position ("16/B374D848"), as a number that orders like the position.
using Lsn = uint64_t;
std::optional<Lsn> ParseLsn(std::string_view text);

class ReadRouting {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ReadRouting(size_t replicas) : replicas_(replicas) {}

  // The caller a read-your-writes position is kept for: the user, else the key's role;
  // "" for the server itself, whose reads stay on the primary.
  static std::string CallerOf(const RequestContext& request);

  // A write for `caller` committed at `lsn`.
  void Wrote(const std::string& caller, Lsn lsn, Clock::time_point now = Clock::now());

  // The replica to try for `caller`'s read, and the position it must have replayed
  // (0: any); nullopt when every replica is resting after a failure.
  struct Choice {
    size_t replica = 0;
    Lsn needed = 0;
    bool known_fresh = false;  // the replica told a position at least `needed` already
  };
  std::optional<Choice> Choose(const std::string& caller, Clock::time_point now = Clock::now());

  // What the replica said its replayed position is.
  void Replayed(size_t replica, Lsn lsn);
  // The replica could not be reached: no reads for it until `now` + the rest time.
  void Failed(size_t replica, Clock::time_point now = Clock::now());

  // Where a read ran, and why not on a replica when it could have.
  enum class Outcome { kReplica, kPrimary, kPrimaryReadYourWrites, kPrimaryReplicaUnavailable };
  void Count(Outcome outcome);
  std::vector<Counter> Counters() const;

  static constexpr std::chrono::seconds kRest{5};
  static constexpr std::chrono::seconds kKeep{60};

 private:
  struct Written {
    Lsn lsn = 0;
    Clock::time_point at;
  };
  void Prune(Clock::time_point now);  // REQUIRES: mu_ held

  const size_t replicas_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Written> written_;  // by caller; mu_
  std::vector<Lsn> replayed_ = std::vector<Lsn>(replicas_, 0);                   // mu_
  std::vector<Clock::time_point> resting_until_ = std::vector<Clock::time_point>(replicas_);  // mu_
  size_t next_ = 0;                                    // round robin; mu_
  Clock::time_point last_prune_;                       // mu_
  std::atomic<int64_t> replica_reads_{0};
  std::atomic<int64_t> primary_reads_{0};
  std::atomic<int64_t> kept_for_writes_{0};
  std::atomic<int64_t> kept_for_unavailable_{0};
};

}  // namespace tb::store::postgres
