#include "store/postgres/connection_pool.h"

namespace tb::store::postgres {

Result<std::unique_ptr<PgConnection>> ConnectionPool::Acquire() {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + acquire_timeout_;
  while (true) {
    if (closed_) return Error::Make(ErrorCode::kUnavailable, "the database is closed");
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      ++open_;
      return conn;
    }
    if (open_ < max_connections_) {
      ++open_;
      lock.unlock();
      auto conn = PgConnection::Open(url_);
      if (!conn) {
        lock.lock();
        --open_;
        cv_.notify_all();
      }
      return conn;
    }
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= max_connections_) {
      return Error::Make(ErrorCode::kBusy, "the database is busy; try again",
                         "timed out waiting for a PostgreSQL connection");
    }
  }
}

void ConnectionPool::Release(std::unique_ptr<PgConnection> conn) {
  {
    std::lock_guard lock(mu_);
    --open_;
    if (conn && conn->healthy() && !closed_) idle_.push_back(std::move(conn));
  }
  cv_.notify_all();
}

void ConnectionPool::DropIdle() {
  std::lock_guard lock(mu_);
  idle_.clear();
}

void ConnectionPool::Close() {
  std::unique_lock lock(mu_);
  if (closed_) return;
  closed_ = true;
  cv_.notify_all();
  cv_.wait(lock, [&] { return open_ == 0; });
  idle_.clear();
}

}  // namespace tb::store::postgres
