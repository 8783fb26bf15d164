// policy/sql/check_trigger.h
//
// A CHECK constraint whose expression has a subquery cannot be a SQLite CHECK (nor a
// PostgreSQL one); ddl_sqlite.h turns it into BEFORE INSERT/UPDATE triggers instead. This
// renders the expression as the trigger's condition over NEW, under the name rules
// ddl_sqlite.h documents: outside subqueries every column is the new row's; inside one, a
// new-row column that is a foreign key to the table the subquery reads is the new row's
// value, and other names resolve innermost FROM first, then the new row.
//
// Thread-safety: pure functions if the callbacks are.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "policy/sql/ast.h"
#include "policy/sql/ddl_sqlite.h"

namespace tb::policy::sql {

// The table a check is declared on, as the CREATE TABLE being translated defines it.
struct CheckedTable {
  std::string name;                                          // SQLite name
  std::vector<std::string> columns;
  std::vector<std::pair<std::string, std::string>> foreign_keys;  // column → referenced SQLite table
};

// True when `expr` has a subquery anywhere (IN (SELECT …), EXISTS, a scalar subquery, ANY).
bool HasSubquery(const Expr& expr);

// Renders `expr` as a SQLite condition on the trigger's NEW row; rewrites `expr`'s column
// references on the way. Fails as RenderSqlite does, and for relations options.relation
// refuses.
Result<std::string> RenderCheckOverNew(Expr& expr, const CheckedTable& table, const DdlOptions& options);

}  // namespace tb::policy::sql
