#include "store/migrate/migrator.h"

#include <map>

#include <spdlog/spdlog.h>

namespace tb::migrate {

Result<std::vector<Migrator::Applied>> Migrator::ReadApplied() {
  auto txn = store_.Begin(store::Access::kSchema);
  if (!txn) return std::move(txn).error();
  const std::string& table = options_.history_table;
  auto created = (*txn)->Execute("CREATE TABLE IF NOT EXISTS " + table +
                                 " (version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
                                 " applied_at timestamptz NOT NULL DEFAULT (now()))");
  if (!created) return std::move(created).error();
  auto rows = (*txn)->Query("SELECT version, name, checksum, applied_at FROM " + table + " ORDER BY version");
  if (!rows) return std::move(rows).error();
  if (tb::Status s = (*txn)->Commit(); !s) return std::move(s).error();
  std::vector<Applied> applied;
  for (const auto& row : rows->rows) {
    applied.push_back(Applied{static_cast<int>(row[0].as_int()), row[1].as_text(),
                              row[2].as_text(), row[3].as_text()});
  }
  return applied;
}

tb::Status Migrator::CheckApplied(const std::vector<Applied>& applied) const {
  std::map<int, const Migration*> known;
  for (const auto& m : migrations_) known[m.version] = &m;
  for (const auto& a : applied) {
    const auto it = known.find(a.version);
    if (it == known.end()) {
      return Error::Make(ErrorCode::kFailedPrecondition,
                         "the database has " + options_.label + " " + std::to_string(a.version) + " (" +
                             a.name + ") which this build does not know; " + options_.missing_hint);
    }
    if (it->second->checksum != a.checksum) {
      return Error::Make(ErrorCode::kFailedPrecondition,
                         options_.label + " " + it->second->file_name +
                             " was changed after it was applied; restore the original file "
                             "(applied checksum " + a.checksum.substr(0, 12) + ", file checksum " +
                             it->second->checksum.substr(0, 12) + ")");
    }
  }
  return Ok();
}

Result<int> Migrator::Apply() {
  auto applied = ReadApplied();
  if (!applied) return std::move(applied).error();
  if (tb::Status s = CheckApplied(*applied); !s) return std::move(s).error();
  const int current = applied->empty() ? 0 : applied->back().version;
  std::map<int, bool> is_applied;
  for (const auto& a : *applied) is_applied[a.version] = true;
  int count = 0;
  for (const auto& m : migrations_) {
    if (is_applied.count(m.version)) continue;
    if (m.version < current) {
      // Applying it now would run it after newer steps it may not expect.
      return Error::Make(ErrorCode::kFailedPrecondition,
                         options_.label + " " + m.file_name + " is older than the applied version " +
                             std::to_string(current) + " but was never applied; renumber it");
    }
    auto txn = store_.Begin(store::Access::kSchema);
    if (!txn) return std::move(txn).error();
    store::Transaction& step = **txn;
    const StatementHook& hook = options_.hook;
    tb::Status s = options_.run ? options_.run(step, m)
                   : hook       ? step.ExecuteScript(m.sql, [&](std::string_view statement) { return hook(step, statement); })
                                : step.ExecuteScript(m.sql);
    if (!s) {
      Error e = std::move(s).error();
      e.message = options_.label + " " + m.file_name + " failed: " + e.message;
      return e;
    }
    const store::Value params[] = {store::Value::Int(m.version), store::Value::Text(m.name),
                                   store::Value::Text(m.checksum)};
    auto recorded = (*txn)->Execute(
        "INSERT INTO " + options_.history_table + " (version, name, checksum) VALUES ($1, $2, $3)", params);
    if (!recorded) return std::move(recorded).error();
    if (tb::Status s = (*txn)->Commit(); !s) return std::move(s).error();
    spdlog::info("applied {} {}", options_.label, m.file_name);
    ++count;
  }
  if (count > 0) {
    if (tb::Status s = store_.RefreshSchema(); !s) return std::move(s).error();
  }
  return count;
}

Result<std::vector<MigrationStatus>> Migrator::Status() {
  auto applied = ReadApplied();
  if (!applied) return std::move(applied).error();
  if (tb::Status s = CheckApplied(*applied); !s) return std::move(s).error();
  std::map<int, const Applied*> by_version;
  for (const auto& a : *applied) by_version[a.version] = &a;
  std::vector<MigrationStatus> out;
  for (const auto& m : migrations_) {
    MigrationStatus st{m.version, m.name, false, ""};
    if (const auto it = by_version.find(m.version); it != by_version.end()) {
      st.applied = true;
      st.applied_at = it->second->applied_at;
    }
    out.push_back(std::move(st));
  }
  return out;
}

Result<int> Migrator::CurrentVersion() {
  auto applied = ReadApplied();
  if (!applied) return std::move(applied).error();
  return applied->empty() ? 0 : applied->back().version;
}

}  // namespace tb::migrate
