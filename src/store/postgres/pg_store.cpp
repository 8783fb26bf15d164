#include "store/postgres/pg_store.h"

#include <array>

namespace tb::store::postgres {

namespace {

// The database role a request runs as: the server's own work runs as service_role.
std::string_view RoleOf(const RequestContext& request) {
  return request.is_server() ? std::string_view("service_role") : std::string_view(request.role);
}

constexpr std::string_view kSetCaller =
    "SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true), "
    "set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true)";

}  // namespace

// A transaction on a borrowed connection; rolls back in its destructor unless committed.
class PgStore::Txn final : public Transaction {
 public:
  Txn(PgStore* store, std::unique_ptr<PgConnection> conn, Access access, RequestContext request,
      std::shared_ptr<const TypeNames> types)
      : store_(store), conn_(std::move(conn)), access_(access), request_(std::move(request)),
        types_(std::move(types)) {}

  ~Txn() override {
    if (!finished_ && conn_->healthy()) (void)conn_->Control("ROLLBACK");
    store_->Release(std::move(conn_));
  }

  // BEGIN and the caller's role and claims; the first statement of every transaction.
  // A schema transaction keeps the connecting role: it owns what migrations create.
  Status Start() {
    if (Status s = conn_->Control(access_ == Access::kRead ? "BEGIN READ ONLY" : "BEGIN"); !s) {
      return s;
    }
    return access_ == Access::kSchema ? Ok() : SetCaller();
  }

  Result<Rows> Query(std::string_view sql, std::span<const Value> params) override {
    if (finished_) return Finished();
    return conn_->Query(sql, params, *types_);
  }

  Result<int64_t> Execute(std::string_view sql, std::span<const Value> params) override {
    if (finished_) return Finished();
    return conn_->Execute(sql, params);
  }

  Status ExecuteScript(std::string_view sql) override {
    if (finished_) return Finished();
    return conn_->ExecuteScript(sql);
  }

  // Statement hooks exist for SQLite, which lacks CREATE POLICY and friends; PostgreSQL
  // runs every statement natively, so a hook here is a caller's mistake, not a no-op.
  Status ExecuteScript(std::string_view sql,
                       const std::function<Result<bool>(std::string_view statement)>& hook) override {
    if (hook) {
      return Error::Make(ErrorCode::kFailedPrecondition,
                         "statement hooks are not used on PostgreSQL: scripts run natively");
    }
    return ExecuteScript(sql);
  }

  Status Commit() override {
    if (finished_) return Finished();
    Status s = conn_->Control("COMMIT");
    finished_ = true;  // COMMIT ends the transaction whether it succeeded or not
    return s;
  }

  Access access() const override { return access_; }
  std::string_view dialect() const override { return "postgres"; }
  const RequestContext& request() const override { return request_; }

  void set_request(RequestContext request) override {
    request_ = std::move(request);
    if (!finished_ && access_ != Access::kSchema) (void)SetCaller();  // a failure here fails the next statement too
  }

 private:
  Status SetCaller() {
    const std::array<Value, 2> params = {Value::Text(std::string(RoleOf(request_))),
                                         Value::Text(request_.claims_json)};
    auto done = conn_->Query(kSetCaller, params, *types_);
    if (done) return Ok();
    Error e = std::move(done).error();
    if (e.sqlstate == "22023" || e.sqlstate == "42501" || e.sqlstate == "42704") {
      // The role is missing or the connecting role may not SET ROLE to it: a set-up
      // mistake, not the client's.
      e.code = ErrorCode::kUnavailable;
      e.hint = "the roles anon, authenticated and service_role must exist and be granted to "
               "the connecting role (docs/postgres.md)";
    }
    return e;
  }

  static Error Finished() {
    return Error::Make(ErrorCode::kFailedPrecondition, "transaction already finished");
  }

  PgStore* store_;
  std::unique_ptr<PgConnection> conn_;
  const Access access_;
  RequestContext request_;
  std::shared_ptr<const TypeNames> types_;
  bool finished_ = false;
};

Result<std::unique_ptr<PgStore>> PgStore::Open(PgStoreOptions options) {
  std::unique_ptr<PgStore> store(new PgStore(std::move(options)));
  store->types_ = std::make_shared<const TypeNames>();
  auto first = PgConnection::Open(store->options_.url);
  if (!first) return std::move(first).error();
  store->open_ = 1;  // counted out, as Acquire does, so Release can put it back
  store->Release(std::move(*first));
  if (Status s = store->RefreshSchema(); !s) return std::move(s).error();
  return store;
}

PgStore::~PgStore() { Close(); }

std::shared_ptr<const TypeNames> PgStore::types() const {
  std::lock_guard lock(mu_);
  return types_;
}

Result<std::unique_ptr<Transaction>> PgStore::Begin(Access access, const RequestContext& request) {
  // A pooled connection may have died with a server restart; the first statement tells.
  // Then the idle ones are dropped and one fresh connection is tried before giving up.
  for (int attempt = 0;; ++attempt) {
    auto conn = Acquire();
    if (!conn) return std::move(conn).error();
    auto txn = std::make_unique<Txn>(this, std::move(*conn), access, request, types());
    Status started = txn->Start();
    if (started) return std::unique_ptr<Transaction>(std::move(txn));
    if (attempt > 0 || started.error().code != ErrorCode::kUnavailable) {
      return std::move(started).error();
    }
    // A restart killed every idle connection alike: drop them all, not one per request.
    std::lock_guard lock(mu_);
    idle_.clear();
  }
}

Result<std::unique_ptr<PgConnection>> PgStore::Acquire() {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  while (true) {
    if (closed_) return Error::Make(ErrorCode::kUnavailable, "the database is closed");
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      ++open_;
      return conn;
    }
    if (open_ < options_.max_connections) {
      ++open_;
      lock.unlock();
      auto conn = PgConnection::Open(options_.url);
      if (!conn) {
        lock.lock();
        --open_;
        cv_.notify_all();
      }
      return conn;
    }
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.max_connections) {
      return Error::Make(ErrorCode::kBusy, "the database is busy; try again",
                         "timed out waiting for a PostgreSQL connection");
    }
  }
}

void PgStore::Release(std::unique_ptr<PgConnection> conn) {
  {
    std::lock_guard lock(mu_);
    --open_;
    if (conn && conn->healthy() && !closed_) idle_.push_back(std::move(conn));
  }
  cv_.notify_all();
}

Status PgStore::RefreshSchema() {
  auto info = std::make_shared<TypeNames>();
  {
    auto txn = Begin(Access::kRead);
    if (!txn) return std::move(txn).error();
    auto rows = (*txn)->Query("SELECT oid::bigint, typname::text FROM pg_catalog.pg_type WHERE typtype = 'e'");
    if (!rows) return std::move(rows).error();
    for (const auto& row : rows->rows) {
      info->enums.emplace(static_cast<unsigned>(row[0].as_int()), row[1].as_text());
    }
  }
  std::lock_guard lock(mu_);
  types_ = std::move(info);
  return Ok();
}

void PgStore::Close() {
  std::unique_lock lock(mu_);
  if (closed_) return;
  closed_ = true;
  cv_.notify_all();
  cv_.wait(lock, [&] { return open_ == 0; });
  idle_.clear();
}

}  // namespace tb::store::postgres
