// store/sqlite/group_sync.h
//
// Group commit for SQLite. The writer connection runs with synchronous=NORMAL, so COMMIT
// writes the transaction's frames to the WAL file without waiting for the disk; then the
// committing thread, no longer holding the writer, calls WaitDurable: it returns once a
// sync of the WAL file (fdatasync) that began after that commit has finished. Writers that
// commit while a sync is running share the next one, so N concurrent commits cost about two
// syncs instead of N, and every write is still on disk before it is acknowledged — what
// synchronous=FULL promises, at a fraction of the syncs.
//
//   const uint64_t commit = sync.Committed();   // right after COMMIT, under the writer
//   …release the writer…
//   Status durable = sync.WaitDurable(commit);  // then answer the client
//
// The sync itself is a function (the store's opens the -wal file and fdatasyncs it), so
// the coordination is tested without a disk.
//
// Thread-safety: thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

#include "base/result.h"

namespace tb::store::sqlite {

class GroupSync {
 public:
  explicit GroupSync(std::function<Status()> sync) : sync_(std::move(sync)) {}

  // Records a commit; returns its number. Call it while still holding the writer, so
  // numbers follow the order of the commits in the WAL.
  uint64_t Committed();

  // Blocks until a sync that started after commit `commit` has finished. Once a sync has
  // failed, every wait fails with its error until the process restarts: the kernel may
  // have dropped the pages it could not write, and a later sync that succeeds would not
  // bring them back (PostgreSQL stops for the same reason).
  Status WaitDurable(uint64_t commit);

  uint64_t syncs() const;  // how many syncs ran, for tests and metrics

 private:
  const std::function<Status()> sync_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t committed_ = 0;  // the last commit's number; mu_
  uint64_t durable_ = 0;    // every commit up to this one is on disk; mu_
  bool syncing_ = false;    // a thread is running sync_; mu_
  bool failed_ = false;     // a sync failed; mu_
  Error failure_;           // its error; mu_
  uint64_t syncs_ = 0;      // mu_
};

}  // namespace tb::store::sqlite
