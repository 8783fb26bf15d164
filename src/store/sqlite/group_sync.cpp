#include "store/sqlite/group_sync.h"

namespace tb::store::sqlite {

uint64_t GroupSync::Committed() {
  std::lock_guard lock(mu_);
  return ++committed_;
}

Status GroupSync::WaitDurable(uint64_t commit) {
  std::unique_lock lock(mu_);
  while (true) {
    if (failed_) return failure_;
    if (durable_ >= commit) return Ok();
    if (syncing_) {
      cv_.wait(lock);  // that sync may have started before this commit: look again after it
      continue;
    }
    // Lead the next sync: it covers every commit recorded so far.
    syncing_ = true;
    const uint64_t covers = committed_;
    lock.unlock();
    Status synced = sync_();
    lock.lock();
    syncing_ = false;
    ++syncs_;
    if (synced) {
      durable_ = covers;
    } else {
      failed_ = true;
      failure_ = std::move(synced).error();
    }
    cv_.notify_all();
  }
}

uint64_t GroupSync::syncs() const {
  std::lock_guard lock(mu_);
  return syncs_;
}

}  // namespace tb::store::sqlite
