#include "store/sqlite/sqlite_store.h"

namespace tb::store::sqlite {

// A transaction on a borrowed connection; rolls back in its destructor unless committed.
class SqliteStore::Txn final : public Transaction {
 public:
  Txn(SqliteStore* store, SqliteConnection* conn, Access access,
      std::shared_ptr<const SchemaInfo> schema)
      : store_(store), conn_(conn), access_(access), schema_(std::move(schema)) {}

  ~Txn() override {
    if (!finished_) (void)conn_->ExecuteScript("ROLLBACK");
    conn_->EndScope();
    store_->Release(conn_, access_);
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

  Status Commit() override {
    if (finished_) return Finished();
    Status s = conn_->ExecuteScript("COMMIT");
    if (!s) return s;  // the destructor rolls back what is left
    finished_ = true;
    return Ok();
  }

  Access access() const override { return access_; }
  std::string_view dialect() const override { return "sqlite"; }

  const RequestContext& request() const override { return conn_->request(); }
  void set_request(RequestContext request) override { conn_->BeginScope(request, schema_); }

 private:
  static Error Finished() {
    return Error::Make(ErrorCode::kFailedPrecondition, "transaction already finished");
  }

  SqliteStore* store_;
  SqliteConnection* conn_;
  const Access access_;
  std::shared_ptr<const SchemaInfo> schema_;
  bool finished_ = false;
};

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(SqliteStoreOptions options) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(options)));
  ConnectionOptions writer_options;
  writer_options.busy_timeout_ms = static_cast<int>(store->options_.busy_timeout.count());
  writer_options.functions = store->functions_;
  auto writer = SqliteConnection::Open(store->options_.path, writer_options);
  if (!writer) return std::move(writer).error();
  store->writer_ = std::move(*writer);
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
  auto txn = std::make_unique<Txn>(this, conn, access, schema());
  conn->BeginScope(request, schema());
  // IMMEDIATE takes the write lock now, so a write transaction never fails half-way
  // because another process holds it; a reader's snapshot starts at its first read.
  if (Status s = conn->ExecuteScript(access == Access::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
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
