#include "store/postgres/pg_store.h"

#include <array>

#include <spdlog/spdlog.h>

namespace tb::store::postgres {

namespace {

// The database role a request runs as: the server's own work runs as service_role.
std::string_view RoleOf(const RequestContext& request) {
  return request.is_server() ? std::string_view("service_role") : std::string_view(request.role);
}

// The caller for the rest of the transaction. request.jwt.claim.sub is the sub claim on its
// own, as PostgREST used to set it: auth.uid() reads it rather than parsing the whole claims
// as jsonb on every call (migrations/postgres/0020).
constexpr std::string_view kSetCaller =
    "SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true), "
    "set_config('request.jwt.claim.sub', $3, true), "
    "set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true)";

}  // namespace

// A transaction on a borrowed connection; rolls back in its destructor unless committed.
class PgStore::Txn final : public Transaction {
 public:
  Txn(PgStore* store, ConnectionPool* pool, std::unique_ptr<PgConnection> conn, Access access,
      RequestContext request, std::shared_ptr<const TypeNames> types)
      : store_(store), pool_(pool), conn_(std::move(conn)), access_(access), request_(std::move(request)),
        types_(std::move(types)) {}

  ~Txn() override {
    if (!finished_ && conn_->healthy()) (void)conn_->Control("ROLLBACK");
    pool_->Release(std::move(conn_));
  }

  // BEGIN and the caller's role and claims, in one round trip; the first statements of
  // every transaction. A schema transaction keeps the connecting role: it owns what
  // migrations create.
  // REQUIRES: no `first` in a schema transaction (PgStore::BeginThen).
  Status Start(const First* first) {
    const std::string_view begin = access_ == Access::kRead ? "BEGIN READ ONLY" : "BEGIN";
    return access_ == Access::kSchema ? conn_->Control(begin) : SetCaller(begin, first);
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

  // With read replicas, a write's COMMIT goes out with a question for the primary's WAL
  // position, which the callers' next reads wait for (read_routing.h).
  Status Commit() override {
    if (finished_) return Finished();
    finished_ = true;  // COMMIT ends the transaction whether it succeeded or not
    if (!store_->has_replicas() || access_ == Access::kRead) return conn_->Control("COMMIT");
    auto position = conn_->ControlThen("COMMIT", "SELECT CAST(pg_current_wal_insert_lsn() AS text)", {}, *types_);
    if (!position) return std::move(position).error();
    if (auto lsn = ParseLsn(position->rows.at(0).at(0).as_text())) {
      store_->routing_.Wrote(ReadRouting::CallerOf(request_), *lsn);
      for (const std::string& user : also_wrote_for_) store_->routing_.Wrote("user:" + user, *lsn);
    }
    return Ok();
  }

  void AlsoWroteFor(std::string_view user_id) override { also_wrote_for_.emplace_back(user_id); }

  Access access() const override { return access_; }
  std::string_view dialect() const override { return "postgres"; }
  const RequestContext& request() const override { return request_; }

  void set_request(RequestContext request) override {
    request_ = std::move(request);
    if (!finished_ && access_ != Access::kSchema) (void)SetCaller();  // a failure here fails the next statement too
  }

 private:
  // Sets the caller (kSetCaller), after `begin` in the same round trip when one is given,
  // and then runs `first` in that round trip too.
  Status SetCaller(std::string_view begin = {}, const First* first = nullptr) {
    const std::array<Value, 3> params = {Value::Text(std::string(RoleOf(request_))),
                                         Value::Text(request_.claims_json), Value::Text(request_.user_id)};
    Status done = Ok();
    if (!begin.empty()) {
      std::vector<Statement> statements{Statement{kSetCaller, params}};
      if (first != nullptr) statements.insert(statements.end(), first->statements.begin(), first->statements.end());
      const bool end = first != nullptr && first->end;
      auto set = conn_->Flight(begin, statements, end ? "COMMIT" : "", *types_);
      if (!set) {
        done = std::move(set).error();
      } else if (!set->front()) {
        done = std::move(set->front()).error();
      } else if (first != nullptr) {
        first->results->assign(std::make_move_iterator(set->begin() + 1), std::make_move_iterator(set->end()));
        // COMMIT ran only if every statement succeeded (PgConnection::Flight).
        finished_ = end && set->size() == statements.size() && set->back();
      }
    } else if (auto set = conn_->Execute(kSetCaller, params); !set) {
      done = std::move(set).error();
    }
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
  ConnectionPool* pool_;  // where conn_ goes back to: the primary's or a replica's
  std::unique_ptr<PgConnection> conn_;
  const Access access_;
  RequestContext request_;
  std::shared_ptr<const TypeNames> types_;
  std::vector<std::string> also_wrote_for_;  // users besides the caller (AlsoWroteFor)
  bool finished_ = false;
};

PgStore::PgStore(PgStoreOptions options)
    : options_(std::move(options)),
      primary_(options_.url, options_.max_connections, options_.acquire_timeout),
      routing_(options_.replica_urls.size()) {
  for (const std::string& url : options_.replica_urls) {
    replicas_.push_back(std::make_unique<ConnectionPool>(url, options_.max_connections, options_.acquire_timeout));
  }
}

Result<std::unique_ptr<PgStore>> PgStore::Open(PgStoreOptions options) {
  std::unique_ptr<PgStore> store(new PgStore(std::move(options)));
  store->types_ = std::make_shared<const TypeNames>();
  auto first = store->primary_.Acquire();
  if (!first) return std::move(first).error();
  store->primary_.Release(std::move(*first));
  // A replica that is down now is tried again later (read_routing.h): say so, and serve.
  for (const auto& replica : store->replicas_) {
    auto conn = replica->Acquire();
    if (conn) {
      replica->Release(std::move(*conn));
    } else {
      spdlog::warn("read replica {}: {}", RedactConnectionString(replica->url()), conn.error().message);
    }
  }
  if (Status s = store->RefreshSchema(); !s) return std::move(s).error();
  return store;
}

PgStore::~PgStore() { Close(); }

std::shared_ptr<const TypeNames> PgStore::types() const {
  std::lock_guard lock(mu_);
  return types_;
}

Result<std::unique_ptr<Transaction>> PgStore::Begin(Access access, const RequestContext& request) {
  return BeginRouted(access, request, nullptr);
}

Result<std::unique_ptr<Transaction>> PgStore::BeginThen(Access access, const RequestContext& request,
                                                        std::string_view sql, std::span<const Value> params,
                                                        Rows* rows) {
  // A schema transaction sets no caller, so there is no flight to join.
  if (access == Access::kSchema) return Store::BeginThen(access, request, sql, params, rows);
  const Statement statement{sql, params};
  StatementResults results;
  const First first{std::span(&statement, 1), &results};
  auto txn = BeginRouted(access, request, &first);
  if (!txn) return txn;
  if (!results.front()) return std::move(results.front()).error();
  *rows = std::move(*results.front());
  return txn;
}

Result<StatementResults> PgStore::Read(const RequestContext& request, std::span<const Statement> statements) {
  StatementResults results;
  const First first{statements, &results, /*end=*/true};
  // The transaction is over when every statement succeeded; otherwise dropping it rolls
  // back the one left in error.
  auto txn = BeginRouted(Access::kRead, request, &first);
  if (!txn) return std::move(txn).error();
  return results;
}

Result<std::unique_ptr<Transaction>> PgStore::BeginRouted(Access access, const RequestContext& request,
                                                          const First* first) {
  if (access == Access::kRead) {
    const std::string caller = ReadRouting::CallerOf(request);
    if (!replicas_.empty() && !caller.empty()) return BeginRead(caller, request, first);
    routing_.Count(ReadRouting::Outcome::kPrimary);
  }
  return BeginOn(primary_, access, request, first);
}

Result<std::unique_ptr<Transaction>> PgStore::BeginOn(ConnectionPool& pool, Access access, const RequestContext& request,
                                                      const First* first) {
  // A pooled connection may have died with a server restart; the first statement tells.
  // Then the idle ones are dropped and one fresh connection is tried before giving up.
  for (int attempt = 0;; ++attempt) {
    auto conn = pool.Acquire();
    if (!conn) return std::move(conn).error();
    auto txn = std::make_unique<Txn>(this, &pool, std::move(*conn), access, request, types());
    Status started = txn->Start(first);
    if (started) return std::unique_ptr<Transaction>(std::move(txn));
    if (attempt > 0 || started.error().code != ErrorCode::kUnavailable) {
      return std::move(started).error();
    }
    // A restart killed every idle connection alike: drop them all, not one per request.
    pool.DropIdle();
  }
}

Result<std::unique_ptr<Transaction>> PgStore::BeginRead(const std::string& caller, const RequestContext& request,
                                                        const First* first) {
  auto choice = routing_.Choose(caller);
  if (!choice) {
    routing_.Count(ReadRouting::Outcome::kPrimaryReplicaUnavailable);
    return BeginOn(primary_, Access::kRead, request, first);
  }
  ConnectionPool& replica = *replicas_[choice->replica];
  if (!choice->known_fresh) {
    // Has it replayed the caller's last write by now? (On a server that is not a standby,
    // which has no replay position, everything committed is there.)
    auto conn = replica.Acquire();
    Result<Rows> replayed = conn ? (*conn)->Query("SELECT CAST(coalesce(pg_last_wal_replay_lsn(), "
                                                  "pg_current_wal_insert_lsn()) AS text)",
                                                  {}, *types())
                                 : Result<Rows>(conn.error());
    if (conn) replica.Release(std::move(*conn));
    const std::optional<Lsn> lsn = replayed ? ParseLsn(replayed->rows.at(0).at(0).as_text()) : std::nullopt;
    if (!lsn) {
      routing_.Failed(choice->replica);
      routing_.Count(ReadRouting::Outcome::kPrimaryReplicaUnavailable);
      return BeginOn(primary_, Access::kRead, request, first);
    }
    routing_.Replayed(choice->replica, *lsn);
    if (*lsn < choice->needed) {
      routing_.Count(ReadRouting::Outcome::kPrimaryReadYourWrites);
      return BeginOn(primary_, Access::kRead, request, first);
    }
  }
  auto txn = BeginOn(replica, Access::kRead, request, first);
  if (!txn && txn.error().code == ErrorCode::kUnavailable) {
    routing_.Failed(choice->replica);
    routing_.Count(ReadRouting::Outcome::kPrimaryReplicaUnavailable);
    return BeginOn(primary_, Access::kRead, request, first);
  }
  if (txn) routing_.Count(ReadRouting::Outcome::kReplica);
  return txn;
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
  for (const auto& replica : replicas_) replica->Close();
  primary_.Close();
}

}  // namespace tb::store::postgres
