// store/sqlite/sqlite_store.h
//
// The embedded backend: one SQLite file in WAL mode with one writer connection (writers
// are serialised, as SQLite requires) and a pool of reader connections that read
// snapshots concurrently with the writer. A write is acknowledged only once its commit is
// on disk, so it survives a crash or power loss: the writer runs synchronous=NORMAL and
// each committing thread, after handing the writer on, waits for a sync of the WAL file
// that began after its COMMIT — one sync serves every writer that committed meanwhile
// (group commit, group_sync.h). Readers may see a commit up to one sync before its
// writer's answer.
//
// Thread-safety: thread-safe; see store/store.h.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite/group_sync.h"
#include "store/shared_facts.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/store.h"

namespace tb::store::sqlite {

struct SqliteStoreOptions {
  std::string path;            // the database file
  int max_readers = 8;         // reader connections, opened on demand
  std::chrono::milliseconds busy_timeout{5000};  // wait for the writer slot / a reader
  std::vector<ScalarFunction> functions;         // registered on every connection
};

class SqliteStore final : public Store {
 public:
  // Opens the file (creating it) and the writer connection. Fails with kIo/kUnavailable
  // when the file cannot be opened or is not a database.
  static Result<std::unique_ptr<SqliteStore>> Open(SqliteStoreOptions options);
  ~SqliteStore() override;

  using Store::Begin;
  Result<std::unique_ptr<Transaction>> Begin(Access access, const RequestContext& request) override;
  std::string_view dialect() const override { return "sqlite"; }
  bool SharesFacts() const override { return true; }
  Status RefreshSchema() override;
  void Close() override;

 private:
  class Txn;
  explicit SqliteStore(SqliteStoreOptions options)
      : options_(std::move(options)),
        functions_(std::make_shared<const std::vector<ScalarFunction>>(options_.functions)) {}

  Result<SqliteConnection*> AcquireReader();
  void Release(SqliteConnection* conn, Access access);
  std::shared_ptr<const SchemaInfo> schema() const;

  const SqliteStoreOptions options_;
  std::shared_ptr<const std::vector<ScalarFunction>> functions_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unique_ptr<SqliteConnection> writer_;     // guarded by writer_busy_
  std::unique_ptr<GroupSync> group_sync_;        // set by Open
  bool writer_busy_ = false;                     // guarded by mu_
  std::vector<std::unique_ptr<SqliteConnection>> readers_;  // all readers; guarded by mu_
  std::vector<SqliteConnection*> idle_readers_;  // guarded by mu_
  int open_transactions_ = 0;                    // guarded by mu_
  bool closed_ = false;                          // guarded by mu_
  std::shared_ptr<const SchemaInfo> schema_;     // guarded by mu_
  uint64_t schema_generation_ = 0;               // guarded by mu_
  SharedFacts facts_;                            // lent to read transactions
};

}  // namespace tb::store::sqlite
