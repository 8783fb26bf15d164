#include "api/rest/select_sql.h"

#include <rapidjson/document.h>

#include <algorithm>

#include "api/json.h"
#include "api/rest/rest_error.h"
#include "api/rest/values.h"
#include "base/strings.h"
#include "policy/policy_set.h"

namespace tb::api::rest {

namespace q = tb::rest;
using store::ColumnType;
using store::Value;

std::string Quote(std::string_view name) { return "\"" + std::string(name) + "\""; }

Error UnknownColumn(const Relation& relation, std::string_view column) {
  Error e = Error::Make(ErrorCode::kInvalidArgument,
                        "column " + relation.name + "." + std::string(column) + " does not exist");
  e.sqlstate = "42703";
  return e;
}

namespace {

Error Unsupported(std::string what) {
  return RestError("PGRST100", std::move(what) + " is not supported yet");
}

Result<const CatalogColumn*> ColumnOf(const Relation& relation, std::string_view name) {
  const CatalogColumn* column = relation.Column(name);
  if (column == nullptr) return UnknownColumn(relation, name);
  return column;
}

// `col`, `col->a->>b`: the SQL expression and the type its value has.
Result<OutputColumn> FieldExpression(const Relation& relation, const q::Field& field, Sql& sql) {
  auto column = ColumnOf(relation, field.name);
  if (!column) return std::move(column).error();
  OutputColumn out{field.name, Quote(field.name), (*column)->type};
  for (const q::JsonStep& step : field.json_path) {
    if (!step.is_index && step.key.starts_with("$")) return RestError("PGRST100", "unsupported JSON key \"" + step.key + "\"");
    const std::string key = step.is_index ? std::to_string(step.index) : sql.Bind(Value::Text(step.key));
    out.expression = "(" + out.expression + (step.as_text ? " ->> " : " -> ") + key + ")";
    out.type = step.as_text ? ColumnType::kText : ColumnType::kJson;
  }
  return out;
}

std::string FromSql(const Level& level) {
  return Quote(level.relation->name) + (level.alias == level.relation->name ? "" : " AS " + Quote(level.alias));
}

// A value as a JSON-typed SQLite expression, for json_object(). PostgreSQL's
// json_build_object types its arguments itself.
std::string JsonValueSql(const OutputColumn& c, const Sql& sql) {
  if (sql.postgres()) return c.expression;
  switch (c.type) {
    case ColumnType::kBool:
      return "CASE WHEN (" + c.expression + ") IS NULL THEN NULL WHEN (" + c.expression +
             ") THEN json('true') ELSE json('false') END";
    case ColumnType::kJson: return "json(" + c.expression + ")";
    default: return c.expression;
  }
}

std::string ObjectSql(const std::vector<OutputColumn>& columns, Sql& sql) {
  std::string out = sql.postgres() ? "json_build_object(" : "json_object(";
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string key = sql.Bind(Value::Text(columns[i].key));
    out += (i ? ", " : "") + (sql.postgres() ? "CAST(" + key + " AS text)" : key) + ", " + JsonValueSql(columns[i], sql);
  }
  return out + ")";
}

Error NoRelationship(std::string_view from, std::string_view to) {
  Error e = RestError("PGRST200", "Could not find a relationship between '" + std::string(from) + "' and '" +
                                      std::string(to) + "' in the schema cache");
  return e;
}

// `rel(…)`, `alias:rel!hint!inner(…)`: a correlated subquery giving the embedded rows as
// JSON (an array to many, an object or null to one). An !inner embed also adds, through
// `inner_conditions`, an EXISTS the parent's rows must satisfy.
Result<OutputColumn> EmbedSql(Scope& scope, const Level& parent, const q::SelectItem& item, Sql& sql,
                              std::vector<std::string>* inner_conditions) {
  const Relation* child = scope.context.catalog->Find(item.relation);
  if (child == nullptr) return NoRelationship(parent.relation->name, item.relation);
  std::vector<const ForeignKey*> keys = scope.context.catalog->KeysBetween(parent.relation->name, child->name);
  if (!item.hint.empty()) {
    std::erase_if(keys, [&](const ForeignKey* fk) {
      return fk->name != item.hint && !(fk->columns.size() == 1 && fk->columns[0] == item.hint);
    });
  }
  if (keys.empty()) return NoRelationship(parent.relation->name, item.relation);
  if (keys.size() > 1) {
    Error e = RestError("PGRST201", "Could not embed because more than one relationship was found for '" +
                                        parent.relation->name + "' and '" + child->name + "'",
                        "", "Try changing '" + child->name + "' to one of the foreign keys, e.g. '" + child->name + "!" +
                                keys[0]->name + "'");
    return e;
  }
  const ForeignKey& fk = *keys[0];
  // To one when the parent holds the key (notes.account_id → accounts), else to many.
  const bool to_one = fk.table == parent.relation->name;

  Level level{child, child->name, parent.path};
  level.path.push_back(item.alias.empty() ? item.relation : item.alias);
  if (std::find(scope.aliases.begin(), scope.aliases.end(), level.alias) != scope.aliases.end()) {
    level.alias = child->name + "_" + std::to_string(scope.aliases.size());
  }
  scope.aliases.push_back(level.alias);
  scope.embeds.push_back(level.path);

  std::string correlation;
  for (size_t i = 0; i < fk.columns.size(); ++i) {
    const std::string& mine = to_one ? fk.target_columns[i] : fk.columns[i];
    const std::string& theirs = to_one ? fk.columns[i] : fk.target_columns[i];
    correlation += (i ? " AND " : "") + Quote(level.alias) + "." + Quote(mine) + " = " + Quote(parent.alias) + "." + Quote(theirs);
  }
  std::vector<std::string> child_inner;
  auto columns = SelectList(scope, level, item.children, sql, &child_inner);
  if (!columns) return std::move(columns).error();
  const auto policy = scope.context.policies->Using(child->name, scope.role, policy::Command::kSelect, level.alias);
  auto where = WhereSql(*child, scope.query, level.path, policy, sql);
  if (!where) return std::move(where).error();
  std::string conditions = correlation + " AND " + *where;
  for (const std::string& c : child_inner) conditions += " AND " + c;

  OutputColumn out{item.alias.empty() ? child->name : item.alias, "", ColumnType::kJson};
  if (to_one) {
    out.expression = "(SELECT " + ObjectSql(*columns, sql) + " FROM " + FromSql(level) + " WHERE " + conditions + " LIMIT 1)";
  } else {
    auto order = OrderSql(*child, scope.query, level.path, sql);
    if (!order) return std::move(order).error();
    const q::Page* p = scope.query.PageFor(level.path);
    const std::string page = p ? PageSql(p->limit, p->offset, sql) : "";
    const std::string aggregate = sql.postgres() ? "coalesce(json_agg(tb_row), '[]')" : "json_group_array(json(tb_row))";
    out.expression = "(SELECT " + aggregate + " FROM (SELECT " + ObjectSql(*columns, sql) + " AS tb_row FROM " +
                     FromSql(level) + " WHERE " + conditions + *order + page + ") AS tb_rows)";
  }
  if (item.join == q::JoinType::kInner && inner_conditions != nullptr) {
    inner_conditions->push_back("EXISTS (SELECT 1 FROM " + FromSql(level) + " WHERE " + conditions + ")");
  }
  return out;
}

}  // namespace

Result<std::vector<OutputColumn>> SelectList(Scope& scope, const Level& level, const std::vector<q::SelectItem>& items,
                                             Sql& sql, std::vector<std::string>* inner_conditions) {
  const Relation& relation = *level.relation;
  std::vector<OutputColumn> out;
  for (const q::SelectItem& item : items) {
    switch (item.kind) {
      case q::SelectItem::Kind::kStar:
        for (const CatalogColumn& c : relation.columns) out.push_back({c.name, Quote(level.alias) + "." + Quote(c.name), c.type});
        break;
      case q::SelectItem::Kind::kEmbed: {
        auto embedded = EmbedSql(scope, level, item, sql, inner_conditions);
        if (!embedded) return std::move(embedded).error();
        out.push_back(std::move(*embedded));
        break;
      }
      case q::SelectItem::Kind::kColumn: {
        auto column = FieldExpression(relation, item.field, sql);
        if (!column) return std::move(column).error();
        column->key = item.output_name;
        if (!item.cast.empty()) {
          const std::string cast = item.cast;
          if (cast == "text" || cast == "varchar") {
            column->expression = "CAST(" + column->expression + " AS TEXT)";
            column->type = ColumnType::kText;
          } else if (cast == "int" || cast == "integer" || cast == "bigint" || cast == "int4" || cast == "int8") {
            column->expression = "CAST(" + column->expression + " AS INTEGER)";
            column->type = ColumnType::kInteger;
          } else if (cast == "numeric" || cast == "float" || cast == "double precision" || cast == "real") {
            column->expression = "CAST(" + column->expression + " AS DOUBLE PRECISION)";
            column->type = ColumnType::kNumeric;
          } else if (cast == "json" || cast == "jsonb") {
            if (sql.postgres()) column->expression = "CAST(" + column->expression + " AS jsonb)";
            column->type = ColumnType::kJson;
          } else {
            return RestError("PGRST100", "unsupported cast to " + cast);
          }
        }
        out.push_back(std::move(*column));
        break;
      }
    }
  }
  return out;
}

// Every filter, order and limit must name a level the select list embeds.
Status CheckPaths(const Scope& scope) {
  auto known = [&](const q::EmbedPath& path) {
    return path.empty() || std::find(scope.embeds.begin(), scope.embeds.end(), path) != scope.embeds.end();
  };
  auto fail = [](const q::EmbedPath& path) {
    return RestError("PGRST108", "'" + path.back() + "' is not an embedded resource in this request");
  };
  for (const q::Filter& f : scope.query.filters) {
    if (!known(f.path)) return fail(f.path);
  }
  for (const q::Logic& l : scope.query.logics) {
    if (!known(l.path)) return fail(l.path);
  }
  for (const q::Order& o : scope.query.orders) {
    if (!known(o.path)) return fail(o.path);
  }
  for (const q::Page& p : scope.query.pages) {
    if (!known(p.path)) return fail(p.path);
  }
  return Ok();
}

namespace {

// A PostgreSQL array literal `{a,b,"c d"}` or a JSON array → the elements as text.
Result<std::vector<std::string>> ArrayElements(std::string_view text) {
  std::vector<std::string> out;
  const std::string_view t = Trim(text);
  if (t.starts_with("[")) {
    rapidjson::Document doc;
    if (doc.Parse(t.data(), t.size()).HasParseError() || !doc.IsArray()) return RestError("PGRST100", "invalid array value");
    for (const auto& v : doc.GetArray()) {
      out.push_back(v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : ToJson(v));
    }
    return out;
  }
  if (!t.starts_with("{") || !t.ends_with("}")) return RestError("PGRST100", "invalid array value \"" + std::string(text) + "\"");
  std::string current;
  bool quoted = false, was_quoted = false;
  const std::string_view body = t.substr(1, t.size() - 2);
  if (Trim(body).empty()) return out;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (quoted) {
      if (c == '\\' && i + 1 < body.size()) {
        current += body[++i];
      } else if (c == '"') {
        quoted = false;
      } else {
        current += c;
      }
    } else if (c == '"') {
      quoted = was_quoted = true;
    } else if (c == ',') {
      out.push_back(was_quoted ? current : std::string(Trim(current)));
      current.clear();
      was_quoted = false;
    } else {
      current += c;
    }
  }
  out.push_back(was_quoted ? current : std::string(Trim(current)));
  return out;
}

Result<std::string> FilterSql(const Relation& relation, const q::Filter& f, Sql& sql);

Result<std::string> Comparison(const OutputColumn& target, const CatalogColumn& column, q::FilterOp op,
                               std::string_view value, Sql& sql) {
  const bool on_column = target.type == column.type;
  auto typed = [&]() -> Result<Value> {
    if (on_column) return ValueFromText(column, value);
    return Value::Text(std::string(value));
  };
  switch (op) {
    case q::FilterOp::kEq:
    case q::FilterOp::kNeq:
    case q::FilterOp::kGt:
    case q::FilterOp::kGte:
    case q::FilterOp::kLt:
    case q::FilterOp::kLte: {
      auto v = typed();
      if (!v) return std::move(v).error();
      const char* symbol = op == q::FilterOp::kEq    ? " = "
                           : op == q::FilterOp::kNeq ? " <> "
                           : op == q::FilterOp::kGt  ? " > "
                           : op == q::FilterOp::kGte ? " >= "
                           : op == q::FilterOp::kLt  ? " < "
                                                     : " <= ";
      return target.expression + symbol + sql.Bind(std::move(*v));
    }
    case q::FilterOp::kLike:
      if (sql.postgres()) return "CAST(" + target.expression + " AS text) LIKE " + sql.Bind(Value::Text(std::string(value)));
      return "pg_like(" + target.expression + ", " + sql.Bind(Value::Text(std::string(value))) + ")";
    case q::FilterOp::kIlike:
      if (sql.postgres()) return "CAST(" + target.expression + " AS text) ILIKE " + sql.Bind(Value::Text(std::string(value)));
      return "pg_like(lower(" + target.expression + "), lower(" + sql.Bind(Value::Text(std::string(value))) + "))";
    default:
      return Unsupported(std::string("the ") + q::FilterOpName(op) + " operator");
  }
}

Result<std::string> FilterSql(const Relation& relation, const q::Filter& f, Sql& sql) {
  auto column = ColumnOf(relation, f.field.name);
  if (!column) return std::move(column).error();
  auto target = FieldExpression(relation, f.field, sql);
  if (!target) return std::move(target).error();
  std::string condition;
  switch (f.op) {
    case q::FilterOp::kIs:
      switch (f.is_value) {
        case q::IsValue::kNull:
        case q::IsValue::kUnknown: condition = target->expression + " IS NULL"; break;
        case q::IsValue::kNotNull: condition = target->expression + " IS NOT NULL"; break;
        case q::IsValue::kTrue: condition = target->expression + " IS TRUE"; break;
        case q::IsValue::kFalse: condition = target->expression + " IS FALSE"; break;
      }
      break;
    case q::FilterOp::kIsDistinct: {
      auto v = target->type == (*column)->type ? ValueFromText(**column, f.value) : Result<Value>(Value::Text(f.value));
      if (!v) return std::move(v).error();
      condition = target->expression + " IS DISTINCT FROM " + sql.Bind(std::move(*v));
      break;
    }
    case q::FilterOp::kIn: {
      if (f.values.empty()) {
        condition = "false";
        break;
      }
      condition = target->expression + " IN (";
      for (size_t i = 0; i < f.values.size(); ++i) {
        auto v = target->type == (*column)->type ? ValueFromText(**column, f.values[i])
                                                 : Result<Value>(Value::Text(f.values[i]));
        if (!v) return std::move(v).error();
        condition += (i ? ", " : "") + sql.Bind(std::move(*v));
      }
      condition += ")";
      break;
    }
    case q::FilterOp::kCs:
    case q::FilterOp::kCd: {
      // A JSON document against a json/jsonb target: PostgreSQL's jsonb containment.
      if (target->type == store::ColumnType::kJson) {
        const std::string_view given_text = Trim(f.value);
        rapidjson::Document given_doc;
        if ((given_text.starts_with("{\"") || given_text.starts_with("{}") || given_text.starts_with("[")) &&
            !given_doc.Parse(given_text.data(), given_text.size()).HasParseError()) {
          const std::string given = sql.Bind(Value::Text(std::string(given_text)));
          const std::string& col = target->expression;
          if (sql.postgres()) {
            condition = "CAST(" + col + " AS jsonb) " + (f.op == q::FilterOp::kCs ? "@>" : "<@") + " CAST(" + given + " AS jsonb)";
          } else {
            condition = f.op == q::FilterOp::kCs ? "jsonb_contains(" + col + ", " + given + ")"
                                                 : "jsonb_contains(" + given + ", " + col + ")";
          }
          break;
        }
      }
      // Arrays (kept as JSON arrays): every given element is in the column (cs), or every
      // element of the column is in the given set (cd).
      auto elements = ArrayElements(f.value);
      if (!elements) return std::move(elements).error();
      if (sql.postgres() && target->type == store::ColumnType::kJson) {
        // A JSON array against the given elements, as strings.
        rapidjson::StringBuffer buffer;
        JsonWriter w(buffer);
        w.StartArray();
        for (const std::string& e : *elements) WriteString(w, e);
        w.EndArray();
        condition = "CAST(" + target->expression + " AS jsonb) " + (f.op == q::FilterOp::kCs ? "@>" : "<@") + " CAST(" +
                    sql.Bind(Value::Text(buffer.GetString())) + " AS jsonb)";
        break;
      }
      if (sql.postgres()) {
        // A native array column against an array literal of its own element type.
        std::string literal = "{";
        for (size_t i = 0; i < elements->size(); ++i) {
          literal += i ? ",\"" : "\"";
          for (char c : (*elements)[i]) {
            if (c == '"' || c == '\\') literal += '\\';
            literal += c;
          }
          literal += "\"";
        }
        literal += "}";
        condition = target->expression + (f.op == q::FilterOp::kCs ? " @> " : " <@ ") + sql.Bind(Value::Text(literal));
        break;
      }
      std::string json = "[";
      for (size_t i = 0; i < elements->size(); ++i) {
        rapidjson::Value s((*elements)[i].c_str(), static_cast<rapidjson::SizeType>((*elements)[i].size()));
        json += (i ? "," : "") + ToJson(s);
      }
      json += "]";
      const std::string given = sql.Bind(Value::Text(json));
      const std::string& col = target->expression;
      const std::string array = "CASE WHEN json_valid(" + col + ") AND json_type(" + col + ") = 'array' THEN " + col + " ELSE '[]' END";
      condition = f.op == q::FilterOp::kCs
                      ? col + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM json_each(" + given +
                            ") g WHERE CAST(g.value AS TEXT) NOT IN (SELECT CAST(c.value AS TEXT) FROM json_each(" + array + ") c))"
                      : col + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM json_each(" + array +
                            ") c WHERE CAST(c.value AS TEXT) NOT IN (SELECT CAST(g.value AS TEXT) FROM json_each(" + given + ") g))";
      break;
    }
    default: {
      if (f.quantifier != q::Quantifier::kNone) {
        auto elements = ArrayElements(f.value);
        if (!elements) return std::move(elements).error();
        std::vector<std::string> parts;
        for (const std::string& e : *elements) {
          std::string value = e;
          if (f.op == q::FilterOp::kLike || f.op == q::FilterOp::kIlike) std::replace(value.begin(), value.end(), '*', '%');
          auto part = Comparison(*target, **column, f.op, value, sql);
          if (!part) return std::move(part).error();
          parts.push_back("(" + *part + ")");
        }
        if (parts.empty()) {
          condition = f.quantifier == q::Quantifier::kAny ? "false" : "true";
        } else {
          for (size_t i = 0; i < parts.size(); ++i) {
            condition += (i ? (f.quantifier == q::Quantifier::kAny ? " OR " : " AND ") : "") + parts[i];
          }
        }
        break;
      }
      auto part = Comparison(*target, **column, f.op, f.value, sql);
      if (!part) return std::move(part).error();
      condition = *part;
    }
  }
  return f.negated ? "NOT (" + condition + ")" : "(" + condition + ")";
}

Result<std::string> LogicSql(const Relation& relation, const q::Logic& logic, Sql& sql) {
  std::vector<std::string> parts;
  for (const q::Filter& f : logic.filters) {
    auto part = FilterSql(relation, f, sql);
    if (!part) return std::move(part).error();
    parts.push_back(std::move(*part));
  }
  for (const q::Logic& child : logic.children) {
    auto part = LogicSql(relation, child, sql);
    if (!part) return std::move(part).error();
    parts.push_back(std::move(*part));
  }
  std::string joined;
  for (size_t i = 0; i < parts.size(); ++i) {
    joined += (i ? (logic.op == q::LogicOp::kOr ? " OR " : " AND ") : "") + parts[i];
  }
  if (joined.empty()) joined = logic.op == q::LogicOp::kOr ? "false" : "true";
  return (logic.negated ? "NOT (" : "(") + joined + ")";
}

}  // namespace

// The WHERE clause of one level (`path`): its filters, and/or trees and `policy`.
Result<std::string> WhereSql(const Relation& relation, const q::ReadQuery& query, const q::EmbedPath& path,
                             const std::optional<std::string>& policy, Sql& sql) {
  std::vector<std::string> parts;
  for (const q::Filter& f : query.filters) {
    if (f.path != path) continue;
    auto part = FilterSql(relation, f, sql);
    if (!part) return std::move(part).error();
    parts.push_back(std::move(*part));
  }
  for (const q::Logic& l : query.logics) {
    if (l.path != path) continue;
    auto part = LogicSql(relation, l, sql);
    if (!part) return std::move(part).error();
    parts.push_back(std::move(*part));
  }
  if (policy) parts.push_back("(" + *policy + ")");
  std::string where;
  for (size_t i = 0; i < parts.size(); ++i) where += (i ? " AND " : "") + parts[i];
  return where.empty() ? std::string("true") : where;
}

std::string PageSql(std::optional<int64_t> limit, int64_t offset, Sql& sql) {
  if (limit) return " LIMIT " + sql.Bind(Value::Int(*limit)) + " OFFSET " + sql.Bind(Value::Int(offset));
  if (offset <= 0) return "";
  // SQLite has no OFFSET without LIMIT; -1 is its "no limit".
  return (sql.postgres() ? " OFFSET " : " LIMIT -1 OFFSET ") + sql.Bind(Value::Int(offset));
}

Result<std::string> OrderSql(const Relation& relation, const q::ReadQuery& query, const q::EmbedPath& path, Sql& sql) {
  const q::Order* order = query.OrderFor(path);
  if (order == nullptr || order->terms.empty()) return std::string();
  std::string out = " ORDER BY ";
  for (size_t i = 0; i < order->terms.size(); ++i) {
    const q::OrderTerm& term = order->terms[i];
    if (!term.relation.empty()) return Unsupported("ordering by an embedded relation");
    auto field = FieldExpression(relation, term.field, sql);
    if (!field) return std::move(field).error();
    const bool desc = term.direction == q::OrderDirection::kDesc;
    // PostgreSQL's defaults: NULLS LAST ascending, NULLS FIRST descending.
    const bool nulls_first = term.nulls == q::NullsOrder::kDefault ? desc : term.nulls == q::NullsOrder::kFirst;
    out += (i ? ", " : "") + field->expression + (desc ? " DESC" : " ASC") + (nulls_first ? " NULLS FIRST" : " NULLS LAST");
  }
  return out;
}

}  // namespace tb::api::rest
