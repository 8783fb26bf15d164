// api/rest/select_sql.h
//
// The SQL of a read, built from the parsed request (query.h) and the catalog: the select
// list with its embedded relations (correlated subqueries giving JSON, each embedded table
// under its own SELECT policies), the filters and and/or trees of each level, and ORDER BY.
// Every name is checked against the catalog first; every client value is bound (`Sql`).
// tables.cpp puts these pieces together into the statements of each endpoint.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/rest/catalog.h"
#include "api/rest/query.h"
#include "api/rest/rest_context.h"
#include "base/result.h"
#include "store/value.h"

namespace tb::api::rest {

// "name" — only for names the catalog knows.
std::string Quote(std::string_view name);

// 42703 "column t.x does not exist".
Error UnknownColumn(const Relation& relation, std::string_view column);

// SQL text with its bound parameters, numbered $1, $2, … as it grows.
class Sql {
 public:
  // `postgres`: the text is PostgreSQL's rather than SQLite's, for the few spellings that
  // differ (JSON building, array containment, LIKE, OFFSET without LIMIT).
  explicit Sql(bool postgres = false) : postgres_(postgres) {}
  bool postgres() const { return postgres_; }

  std::string Bind(store::Value v) {
    params_.push_back(std::move(v));
    return "$" + std::to_string(params_.size());
  }
  std::string text;
  const std::vector<store::Value>& params() const { return params_; }

 private:
  bool postgres_;
  std::vector<store::Value> params_;
};

// One output column of a select list.
struct OutputColumn {
  std::string key;         // the JSON key
  std::string expression;  // SQL over the relation's columns
  store::ColumnType type = store::ColumnType::kText;
};

// What every level of a request shares: who asks and what the query string says.
struct Scope {
  const RestContext& context;
  std::string role;
  const tb::rest::ReadQuery& query;
  std::vector<std::string> aliases;         // the SQL names given to levels so far
  std::vector<tb::rest::EmbedPath> embeds;  // the paths the select list embeds
};

// A level of the request: the top relation, or one embedded in it.
struct Level {
  const Relation* relation;
  std::string alias;  // the SQL name of its rows
  tb::rest::EmbedPath path;
};

// The output columns of `items` at `level` (a `*`, columns, casts, JSON paths, embeds).
// An !inner embed adds to `inner_conditions` an EXISTS its parent rows must satisfy.
Result<std::vector<OutputColumn>> SelectList(Scope& scope, const Level& level,
                                             const std::vector<tb::rest::SelectItem>& items, Sql& sql,
                                             std::vector<std::string>* inner_conditions);

// PGRST108 when a filter, order or limit names a level the select list does not embed.
Status CheckPaths(const Scope& scope);

// The WHERE clause of one level (`path`): its filters, and/or trees and `policy`.
Result<std::string> WhereSql(const Relation& relation, const tb::rest::ReadQuery& query,
                             const tb::rest::EmbedPath& path, const std::optional<std::string>& policy, Sql& sql);

// " LIMIT … OFFSET …" of a page (either may be absent); "" for none.
std::string PageSql(std::optional<int64_t> limit, int64_t offset, Sql& sql);

// " ORDER BY …" of one level, with PostgreSQL's NULL placement made explicit; "" when none.
Result<std::string> OrderSql(const Relation& relation, const tb::rest::ReadQuery& query,
                             const tb::rest::EmbedPath& path, Sql& sql);

}  // namespace tb::api::rest
