#include "policy/sql/check_trigger.h"

#include <algorithm>
#include <functional>
#include <type_traits>

#include "policy/sql/render_sqlite.h"

namespace tb::policy::sql {

namespace {

// The qualifier the rewritten references carry; RenderOptions maps it to NEW.
constexpr std::string_view kNewRow = "new";

bool Contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Calls on_expr for every direct sub-expression of `e` and on_select for every subquery.
template <typename OnExpr, typename OnSelect>
void ForEachChild(Expr& e, OnExpr&& on_expr, OnSelect&& on_select) {
  auto x = [&](ExprPtr& p) {
    if (p) on_expr(*p);
  };
  auto s = [&](SelectPtr& p) {
    if (p) on_select(*p);
  };
  std::visit(
      [&](auto& n) {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, FunctionCall>) {
          for (ExprPtr& a : n.args) x(a);
        } else if constexpr (std::is_same_v<T, Unary>) {
          x(n.operand);
        } else if constexpr (std::is_same_v<T, Binary> || std::is_same_v<T, IsDistinctFrom>) {
          x(n.left), x(n.right);
        } else if constexpr (std::is_same_v<T, IsTest> || std::is_same_v<T, Cast>) {
          x(n.operand);
        } else if constexpr (std::is_same_v<T, InList>) {
          x(n.operand);
          for (ExprPtr& v : n.values) x(v);
        } else if constexpr (std::is_same_v<T, InSubquery>) {
          x(n.operand), s(n.subquery);
        } else if constexpr (std::is_same_v<T, Exists> || std::is_same_v<T, ScalarSubquery>) {
          s(n.subquery);
        } else if constexpr (std::is_same_v<T, Quantified>) {
          x(n.left), x(n.array), s(n.subquery);
        } else if constexpr (std::is_same_v<T, ArrayConstructor>) {
          for (ExprPtr& v : n.elements) x(v);
        } else if constexpr (std::is_same_v<T, Subscript>) {
          x(n.array), x(n.index);
        } else if constexpr (std::is_same_v<T, Case>) {
          x(n.operand);
          for (CaseWhen& w : n.whens) x(w.condition), x(w.result);
          x(n.else_result);
        } else if constexpr (std::is_same_v<T, Between>) {
          x(n.operand), x(n.low), x(n.high);
        }
      },
      e.node);
}

// Calls on_expr for every expression a SELECT holds directly (not its FROM tables).
template <typename OnExpr>
void ForEachSelectExpr(Select& select, OnExpr&& on_expr) {
  auto x = [&](ExprPtr& p) {
    if (p) on_expr(*p);
  };
  for (SelectItem& item : select.items) x(item.expr);
  for (FromItem& item : select.from) x(item.on);
  x(select.where);
  for (ExprPtr& key : select.group_by) x(key);
  x(select.having);
  for (OrderItem& item : select.order_by) x(item.expr);
  x(select.limit);
  x(select.offset);
}

// Rewrites column references that mean the new row to carry the kNewRow qualifier.
class NewRowQualifier {
 public:
  NewRowQualifier(const CheckedTable& table, const DdlOptions& options) : table_(table), options_(options) {}

  Status Walk(Expr& e) {
    if (auto* ref = std::get_if<ColumnRef>(&e.node)) {
      Qualify(*ref);
      return Ok();
    }
    Status status = Ok();
    ForEachChild(
        e, [&](Expr& child) { if (status) status = Walk(child); },
        [&](Select& select) { if (status) status = WalkSelect(select); });
    return status;
  }

 private:
  struct Relation {
    std::string table;    // SQLite name
    std::string visible;  // alias, or the name as written
    std::vector<std::string> columns;
  };

  Status WalkSelect(Select& select) {
    std::vector<Relation> scope;
    for (const FromItem& item : select.from) {
      auto table = options_.relation(item.table.schema, item.table.name);
      if (!table) return std::move(table).error();
      Relation relation{*table, item.alias.empty() ? item.table.name : item.alias, {}};
      relation.columns = *table == table_.name ? table_.columns : options_.columns(*table);
      scope.push_back(std::move(relation));
    }
    scopes_.push_back(std::move(scope));
    Status status = Ok();
    ForEachSelectExpr(select, [&](Expr& child) { if (status) status = Walk(child); });
    scopes_.pop_back();
    return status;
  }

  bool Declared(const ColumnRef& ref) const {
    const std::string& name = ref.qualifier.back();
    for (const auto& scope : scopes_) {
      for (const Relation& relation : scope) {
        if (relation.visible == name) return true;
      }
    }
    return false;
  }

  bool HasColumn(std::string_view column) const {
    for (const auto& scope : scopes_) {
      for (const Relation& relation : scope) {
        if (Contains(relation.columns, column)) return true;
      }
    }
    return false;
  }

  // A new-row column that is a foreign key to a table the innermost subquery reads.
  bool LinksToInnermost(std::string_view column) const {
    for (const auto& [fk_column, target] : table_.foreign_keys) {
      if (fk_column != column) continue;
      for (const Relation& relation : scopes_.back()) {
        if (relation.table == target) return true;
      }
    }
    return false;
  }

  void Qualify(ColumnRef& ref) {
    bool new_row = false;
    if (!ref.qualifier.empty()) {
      if (ref.qualifier.size() > 2 || Declared(ref)) return;
      const std::string schema = ref.qualifier.size() == 2 ? ref.qualifier[0] : "";
      auto table = options_.relation(schema, ref.qualifier.back());
      new_row = table && *table == table_.name;
    } else if (scopes_.empty()) {
      new_row = true;
    } else {
      new_row = LinksToInnermost(ref.column) || (!HasColumn(ref.column) && Contains(table_.columns, ref.column));
    }
    if (new_row) ref.qualifier = {std::string(kNewRow)};
  }

  const CheckedTable& table_;
  const DdlOptions& options_;
  std::vector<std::vector<Relation>> scopes_;
};

}  // namespace

bool HasSubquery(const Expr& expr) {
  bool found = false;
  // ForEachChild only reads through its arguments here; the cast keeps one walker.
  std::function<void(Expr&)> walk = [&](Expr& e) {
    ForEachChild(e, [&](Expr& child) { if (!found) walk(child); }, [&](Select&) { found = true; });
  };
  walk(const_cast<Expr&>(expr));
  return found;
}

Result<std::string> RenderCheckOverNew(Expr& expr, const CheckedTable& table, const DdlOptions& options) {
  NewRowQualifier qualifier(table, options);
  if (Status s = qualifier.Walk(expr); !s) return std::move(s).error();
  RenderOptions render;
  render.table = options.relation;
  render.function = options.function;
  render.is_enum_type = options.is_enum;
  render.policy_table = std::string(kNewRow);
  render.row_alias = "NEW";
  return RenderSqlite(expr, render);
}

}  // namespace tb::policy::sql
