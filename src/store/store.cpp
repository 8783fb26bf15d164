#include "store/store.h"

namespace tb::store {

int Rows::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::string InList(int first, size_t count) {
  // `x IN (NULL)` holds for no x, and PostgreSQL types the NULL as x (never NOT IN it).
  if (count == 0) return "(NULL)";
  std::string out = "(";
  for (size_t i = 0; i < count; ++i) {
    if (i) out += ", ";
    out += "$" + std::to_string(first + static_cast<int>(i));
  }
  return out + ")";
}

Result<std::unique_ptr<Transaction>> Store::BeginThen(Access access, const RequestContext& request,
                                                     std::string_view sql, std::span<const Value> params, Rows* rows) {
  auto txn = Begin(access, request);
  if (!txn) return txn;
  auto first = (*txn)->Query(sql, params);
  if (!first) return std::move(first).error();
  *rows = std::move(*first);
  return txn;
}

StatementResults QueryEach(Transaction& txn, std::span<const Statement> statements) {
  StatementResults results;
  results.reserve(statements.size());
  for (const Statement& statement : statements) {
    results.push_back(txn.Query(statement.sql, statement.params));
    if (!results.back()) break;
  }
  return results;
}

Result<StatementResults> Store::Read(const RequestContext& request, std::span<const Statement> statements) {
  auto txn = Begin(Access::kRead, request);
  if (!txn) return std::move(txn).error();
  return QueryEach(**txn, statements);
}

}  // namespace tb::store
