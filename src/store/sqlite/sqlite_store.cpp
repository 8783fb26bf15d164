#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tb::store::sqlite {

// A transaction on a borrowed connection; rolls back in its destructor unless committed.
class SqliteStore::Txn final : public Transaction {
 public:
  // Scopes `conn` to `request`; a read shares the store's facts once the schema has
  // kit_access_version.
  Txn(SqliteStore* store, SqliteConnection* conn, Access access, const RequestContext& request,
      std::shared_ptr<const SchemaInfo> schema)
      : store_(store),
        conn_(conn),
        access_(access),
        schema_(std::move(schema)),
        facts_(access == Access::kRead && schema_->has_access_version ? &store->facts_ : nullptr) {
    conn_->BeginScope(request, schema_, facts_);
  }

  ~Txn() override {
    if (!finished_) (void)conn_->Control("ROLLBACK");
    ReleaseConnection();
  }

  Result<Rows> Query(std::string_view sql, std::span<const Value> params) override {
    if (finished_) return Finished();
    return conn_->Query(sql, params, *schema_);
  }

  Result<int64_t> Execute(std::string_view sql, std::span<const Value> params) override {
    if (finished_) return Finished();
    return conn_->Execute(sql, params);
  }

  Status ExecuteScript(std::string_view sql) override {
    if (finished_) return Finished();
    return conn_->ExecuteScript(sql);
  }

  Status ExecuteScript(std::string_view sql,
                       const std::function<Result<bool>(std::string_view statement)>& hook) override {
    if (finished_) return Finished();
    return conn_->ExecuteScript(sql, hook);
  }

  // A write is acknowledged once the WAL file is synced after its COMMIT; the writer is
  // released first, so the next writers commit while this one waits and share the sync
  // (group_sync.h).
  Status Commit() override {
    if (finished_) return Finished();
    Status s = conn_->Control("COMMIT");
    if (!s) return s;  // the destructor rolls back what is left
    finished_ = true;
    if (access_ != Access::kWrite) return Ok();
    const uint64_t commit = store_->group_sync_->Committed();
    ReleaseConnection();
    return store_->group_sync_->WaitDurable(commit);
  }

  Access access() const override { return access_; }
  std::string_view dialect() const override { return "sqlite"; }

  const RequestContext& request() const override { return conn_ ? conn_->request() : released_request_; }
  void set_request(RequestContext request) override {
    if (conn_ == nullptr) {  // committed (an AsServer scope may end after its Commit)
      released_request_ = std::move(request);
      return;
    }
    conn_->BeginScope(request, schema_, facts_);
  }

  Result<SharedFactsView> shared_facts() override {
    if (conn_ == nullptr) return SharedFactsView{};
    return conn_->shared_facts();
  }

 private:
  static Error Finished() {
    return Error::Make(ErrorCode::kFailedPrecondition, "transaction already finished");
  }

  // Gives the connection back (once), keeping who the transaction ran for.
  void ReleaseConnection() {
    if (conn_ == nullptr) return;
    released_request_ = conn_->request();
    conn_->EndScope();
    store_->Release(conn_, access_);
    conn_ = nullptr;
  }

  SqliteStore* store_;
  SqliteConnection* conn_;  // null once released (after a write's COMMIT)
  const Access access_;
  std::shared_ptr<const SchemaInfo> schema_;
  SharedFacts* const facts_;  // the store's, for a read; null for a write
  RequestContext released_request_;
  bool finished_ = false;
};

namespace {

// Syncs the WAL file's data to disk: the durability of every commit written to it so far.
// Opened each time, since SQLite may replace the file after a checkpoint.
Status SyncWal(const std::string& database_path) {
  const std::string wal = database_path + "-wal";
  const int fd = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::Make(ErrorCode::kIo, "cannot open the write-ahead log", wal + ": " + std::strerror(errno));
  const int synced = ::fdatasync(fd);
  const int saved = errno;
  ::close(fd);
  if (synced != 0) return Error::Make(ErrorCode::kIo, "cannot sync the write-ahead log", wal + ": " + std::strerror(saved));
  return Ok();
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(SqliteStoreOptions options) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(options)));
  ConnectionOptions writer_options;
  writer_options.busy_timeout_ms = static_cast<int>(store->options_.busy_timeout.count());
  writer_options.functions = store->functions_;
  writer_options.synchronous = "NORMAL";  // commits are synced by group_sync_ instead
  auto writer = SqliteConnection::Open(store->options_.path, writer_options);
  if (!writer) return std::move(writer).error();
  store->writer_ = std::move(*writer);
  store->group_sync_ = std::make_unique<GroupSync>([path = store->options_.path] { return SyncWal(path); });
  store->schema_ = std::make_shared<const SchemaInfo>();
  // Fail now, not at the first request, if the file is not a database.
  if (Status s = store->writer_->ExecuteScript("SELECT count(*) FROM sqlite_schema"); !s) {
    return std::move(s).error();
  }
  if (Status s = store->RefreshSchema(); !s) return std::move(s).error();
  return store;
}

SqliteStore::~SqliteStore() { Close(); }

std::shared_ptr<const SchemaInfo> SqliteStore::schema() const {
  std::lock_guard lock(mu_);
  return schema_;
}

Result<std::unique_ptr<Transaction>> SqliteStore::Begin(Access access, const RequestContext& request) {
  SqliteConnection* conn = nullptr;
  if (access == Access::kSchema) access = Access::kWrite;  // no roles to switch on SQLite
  if (access == Access::kWrite) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, options_.busy_timeout, [&] { return closed_ || !writer_busy_; })) {
      return Error::Make(ErrorCode::kBusy, "the database is busy; try again",
                         "timed out waiting for the writer connection");
    }
    if (closed_) return Error::Make(ErrorCode::kUnavailable, "the database is closed");
    writer_busy_ = true;
    ++open_transactions_;
    conn = writer_.get();
  } else {
    auto reader = AcquireReader();
    if (!reader) return std::move(reader).error();
    conn = *reader;
  }
  auto txn = std::make_unique<Txn>(this, conn, access, request, schema());
  // IMMEDIATE takes the write lock now, so a write transaction never fails half-way
  // because another process holds it; a reader's snapshot starts at its first read.
  if (Status s = conn->Control(access == Access::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
      !s) {
    return std::move(s).error();  // ~Txn releases the connection (its ROLLBACK is harmless)
  }
  return std::unique_ptr<Transaction>(std::move(txn));
}

Result<SqliteConnection*> SqliteStore::AcquireReader() {
  std::unique_lock lock(mu_);
  while (true) {
    if (closed_) return Error::Make(ErrorCode::kUnavailable, "the database is closed");
    if (!idle_readers_.empty()) {
      SqliteConnection* conn = idle_readers_.back();
      idle_readers_.pop_back();
      ++open_transactions_;
      return conn;
    }
    if (static_cast<int>(readers_.size()) < options_.max_readers) {
      ConnectionOptions reader_options;
      reader_options.read_only = true;
      reader_options.busy_timeout_ms = static_cast<int>(options_.busy_timeout.count());
      reader_options.functions = functions_;
      auto conn = SqliteConnection::Open(options_.path, reader_options);
      if (!conn) return std::move(conn).error();
      readers_.push_back(std::move(*conn));
      ++open_transactions_;
      return readers_.back().get();
    }
    if (cv_.wait_for(lock, options_.busy_timeout) == std::cv_status::timeout &&
        idle_readers_.empty()) {
      return Error::Make(ErrorCode::kBusy, "the database is busy; try again",
                         "timed out waiting for a reader connection");
    }
  }
}

void SqliteStore::Release(SqliteConnection* conn, Access access) {
  {
    std::lock_guard lock(mu_);
    if (access == Access::kWrite) {
      writer_busy_ = false;
    } else {
      idle_readers_.push_back(conn);
    }
    --open_transactions_;
  }
  cv_.notify_all();
}

Status SqliteStore::RefreshSchema() {
  auto info = std::make_shared<SchemaInfo>();
  {
    auto txn = Begin(Access::kWrite);
    if (!txn) return std::move(txn).error();
    auto exists = (*txn)->Query(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'kit_enum_values'");
    if (!exists) return std::move(exists).error();
    if (!exists->rows.empty()) {
      auto rows = (*txn)->Query("SELECT DISTINCT type_name FROM kit_enum_values");
      if (!rows) return std::move(rows).error();
      for (const auto& row : rows->rows) info->enum_types.insert(row[0].as_text());
    }
    auto versioned = (*txn)->Query(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'kit_access_version'");
    if (!versioned) return std::move(versioned).error();
    info->has_access_version = !versioned->rows.empty();
  }
  std::lock_guard lock(mu_);
  // Cached statements typed their columns against the old generation; SqliteConnection
  // re-types them on next use.
  info->generation = ++schema_generation_;
  schema_ = std::move(info);
  return Ok();
}

void SqliteStore::Close() {
  std::unique_lock lock(mu_);
  if (closed_) return;
  closed_ = true;
  cv_.notify_all();
  cv_.wait(lock, [&] { return open_transactions_ == 0; });
  idle_readers_.clear();
  readers_.clear();
  writer_.reset();  // closing the last connection checkpoints the WAL into the main file
}

}  // namespace tb::store::sqlite
