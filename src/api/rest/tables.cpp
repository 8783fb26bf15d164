// GET/HEAD, POST, PATCH, DELETE /rest/v1/{relation}: PostgREST's table endpoints on the
// store. The request's grammar (query_parser.h) is checked against the catalog, turned
// into one SQL statement per step with every client value bound as a parameter, and run
// in one transaction for the caller with the relation's policies in the WHERE clause
// (reads, updates, deletes) and checked against every written row (inserts, updates).

#include <rapidjson/document.h>

#include <algorithm>

#include "api/json.h"
#include "api/rest/query_parser.h"
#include "api/rest/rest_error.h"
#include "api/rest/rest_handlers.h"
#include "api/rest/select_sql.h"
#include "api/rest/values.h"
#include "base/strings.h"

namespace tb::api::rest {

namespace {

namespace q = tb::rest;
using store::ColumnType;
using store::Value;

constexpr std::string_view kObjectMediaType = "application/vnd.pgrst.object+json";

Error NotFoundRelation(std::string_view name) {
  Error e = RestError("PGRST205", "Could not find the table 'public." + std::string(name) + "' in the schema cache");
  e.code = ErrorCode::kNotFound;
  return e;
}

Error RlsViolation(const Relation& relation) {
  Error e = Error::Make(ErrorCode::kPermissionDenied,
                        "new row violates row-level security policy for table \"" + relation.name + "\"");
  e.sqlstate = "42501";
  return e;
}

std::vector<std::string_view> PreferHeaders(const http::Request& request) {
  std::vector<std::string_view> out;
  for (const http::Header& h : request.headers) {
    if (EqualsIgnoreCase(h.name, "Prefer")) out.push_back(h.value);
  }
  return out;
}

// Everything a table request starts with: who asks, which relation, what the query says.
struct Prepared {
  policy::Identity identity;
  const Relation* relation = nullptr;
  q::ReadQuery query;
  q::Preferences prefer;
  bool signed_in = false;
};

Result<Prepared> Prepare(http::Request& request, const RestContext& context, bool with_range) {
  Prepared p;
  auto identity = AuthenticateRest(request, context);
  if (!identity) return std::move(identity).error();
  p.identity = std::move(*identity);
  p.signed_in = p.identity.is_user();
  const std::string_view profile = request.HeaderValue(request.method == "GET" || request.method == "HEAD" ? "Accept-Profile" : "Content-Profile");
  if (!profile.empty() && profile != "public") {
    Error e = RestError("PGRST106", "The schema must be one of the following: public");
    e.code = ErrorCode::kInvalidArgument;
    return e;
  }
  p.relation = context.catalog->Find(request.PathParam("relation"));
  if (p.relation == nullptr) return NotFoundRelation(request.PathParam("relation"));
  auto pairs = QueryPairs(request);
  if (!pairs) return std::move(pairs).error();
  auto query = q::ParseQuery(*pairs, with_range ? request.HeaderValue("Range") : std::string_view());
  if (!query) return std::move(query).error();
  p.query = std::move(*query);
  auto prefer = q::ParsePrefer(PreferHeaders(request));
  if (!prefer) return std::move(prefer).error();
  p.prefer = std::move(*prefer);
  return p;
}

http::Response Fail(const Error& e, bool signed_in) { return ErrorResponse(e, signed_in); }

// The size of the JSON for `rows`, near enough that the buffer is allocated once: growing
// it step by step was a tenth of a read's allocations, and each step past 1 KiB makes glibc
// sort its free lists (malloc_consolidate).
size_t JsonSizeHint(const store::Rows& rows, const std::vector<OutputColumn>& columns, size_t first_column) {
  size_t keys = 0;
  for (const OutputColumn& column : columns) keys += column.key.size() + 4;  // "key":,
  size_t size = 2 + rows.rows.size() * (keys + 2);
  for (const auto& row : rows.rows) {
    for (size_t i = first_column; i < first_column + columns.size() && i < row.size(); ++i) {
      size += row[i].kind() == Value::Kind::kText || row[i].kind() == Value::Kind::kBlob ? row[i].as_text().size() + 2 : 20;
    }
  }
  return size + size / 8;
}

// Rows as PostgREST's JSON array (or the single object for vnd.pgrst.object+json).
std::string RowsJson(const store::Rows& rows, const std::vector<OutputColumn>& columns, size_t first_column, bool single) {
  rapidjson::StringBuffer buffer(nullptr, JsonSizeHint(rows, columns, first_column));
  JsonWriter w(buffer);
  if (!single) w.StartArray();
  for (const auto& row : rows.rows) {
    w.StartObject();
    for (size_t i = 0; i < columns.size(); ++i) {
      WriteString(w, columns[i].key);
      WriteValue(w, columns[i].type, row[first_column + i]);
    }
    w.EndObject();
  }
  if (!single) w.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

bool WantsCsv(const http::Request& request) {
  return request.HeaderValue("Accept").find("text/csv") != std::string_view::npos;
}

// RFC 4180 CSV with a header row, as PostgREST answers Accept: text/csv. NULL is an empty
// field; booleans true/false; a field with a comma, quote or line break is quoted.
std::string RowsCsv(const store::Rows& rows, const std::vector<OutputColumn>& columns) {
  auto field = [](std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
    std::string quoted = "\"";
    for (char c : text) {
      if (c == '"') quoted += '"';
      quoted += c;
    }
    return quoted + "\"";
  };
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + field(columns[i].key);
  for (const auto& row : rows.rows) {
    out += "\n";
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i) out += ",";
      const Value& v = row[i];
      switch (v.kind()) {
        case Value::Kind::kNull: break;
        case Value::Kind::kBool: out += v.as_bool() ? "true" : "false"; break;
        case Value::Kind::kInt:
          out += columns[i].type == ColumnType::kBool ? (v.as_int() ? "true" : "false") : std::to_string(v.as_int());
          break;
        case Value::Kind::kReal: {
          rapidjson::StringBuffer buffer;
          JsonWriter w(buffer);
          w.Double(v.as_real());
          out += buffer.GetString();
          break;
        }
        default: out += field(v.as_text());
      }
    }
  }
  return out;
}

bool WantsObject(const http::Request& request) {
  return request.HeaderValue("Accept").find(kObjectMediaType) != std::string_view::npos;
}

Error NotOneRow(size_t n) {
  Error e = RestError("PGRST116", "JSON object requested, multiple (or no) rows returned",
                      "The result contains " + std::to_string(n) + " rows");
  return e;
}

// The select-list SQL: "expr1, expr2, …".
std::string Columns(const std::vector<OutputColumn>& columns) {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) out += (i ? ", " : "") + columns[i].expression;
  return out.empty() ? "NULL" : out;
}

// The top level of a read: its output columns (embeds included), its WHERE (filters,
// policy, !inner embeds) and ORDER BY.
struct TopSelect {
  std::vector<OutputColumn> columns;
  std::string where;
  std::string order;
};

// `with_filters` false: only the policy and !inner embeds restrict the rows (the rows a
// write returns were chosen by its own filters, which they may no longer match).
Result<TopSelect> PlanTop(const RestContext& context, const Prepared& p, Sql& sql, bool with_filters = true) {
  const Relation& relation = *p.relation;
  Scope scope{context, policy::RoleName(p.identity.role), p.query, {relation.name}, {}};
  const Level top{&relation, relation.name, {}};
  std::vector<std::string> inner;
  TopSelect plan;
  auto columns = SelectList(scope, top, p.query.select, sql, &inner);
  if (!columns) return std::move(columns).error();
  plan.columns = std::move(*columns);
  if (Status s = CheckPaths(scope); !s) return std::move(s).error();
  // A view has no policies of its own: ViewPrefix makes it read its tables under theirs.
  const auto policy = relation.is_view ? std::nullopt
                                       : context.policies->Using(relation.name, scope.role, policy::Command::kSelect);
  if (with_filters) {
    auto where = WhereSql(relation, p.query, {}, policy, sql);
    if (!where) return std::move(where).error();
    plan.where = std::move(*where);
  } else {
    plan.where = policy ? "(" + *policy + ")" : "true";
  }
  for (const std::string& condition : inner) plan.where += " AND " + condition;
  auto order = OrderSql(relation, p.query, {}, sql);
  if (!order) return std::move(order).error();
  plan.order = std::move(*order);
  return plan;
}

// The answer to a write with Prefer: return=representation: the written rows (`rowids`,
// as a JSON array) as the caller's SELECT policy shows them. PostgreSQL refuses to return
// a row the caller cannot read, so does this.
Result<store::Rows> Representation(store::Transaction& txn, const RestContext& context, const Prepared& p,
                                   const std::string& rowids, size_t expected, std::vector<OutputColumn>& columns) {
  Sql sql(context.postgres());
  auto plan = PlanTop(context, p, sql, /*with_filters=*/false);
  if (!plan) return std::move(plan).error();
  columns = std::move(plan->columns);
  sql.text = "SELECT " + Columns(columns) + " FROM " + Quote(p.relation->name) +
             " WHERE rowid IN (SELECT value FROM json_each(" + sql.Bind(Value::Text(rowids)) + ")) AND " + plan->where +
             plan->order;
  auto rows = txn.Query(sql.text, sql.params());
  if (!rows) return std::move(rows).error();
  if (rows->rows.size() != expected) return RlsViolation(*p.relation);
  return rows;
}

// Writes filter only their own table (PostgREST embeds in a write's select list, never in
// its filters).
Status CheckWriteFilters(const Prepared& p) {
  for (const q::Filter& f : p.query.filters) {
    if (!f.path.empty()) return RestError("PGRST108", "'" + f.path.back() + "' is not an embedded resource in this request");
  }
  for (const q::Logic& l : p.query.logics) {
    if (!l.path.empty()) return RestError("PGRST108", "'" + l.path.back() + "' is not an embedded resource in this request");
  }
  return Ok();
}

// Fails with 42501 when any of `rowids` breaks `check` (the WITH CHECK of the write).
Status CheckRows(store::Transaction& txn, const Relation& relation, const std::optional<std::string>& check,
                 const std::string& rowids) {
  if (!check) return Ok();
  Sql sql;
  sql.text = "SELECT count(*) FROM " + Quote(relation.name) + " WHERE rowid IN (SELECT value FROM json_each(" +
             sql.Bind(Value::Text(rowids)) + ")) AND NOT coalesce((" + *check + "), 0)";
  auto rows = txn.Query(sql.text, sql.params());
  if (!rows) return std::move(rows).error();
  if (rows->rows[0][0].as_int() > 0) return RlsViolation(relation);
  return Ok();
}

// PostgreSQL checks a write's WITH CHECK before the table's constraints: a caller the
// policies refuse gets 42501 and learns nothing from a unique or foreign key. `rows` is a
// SELECT giving the proposed rows with every column of the table under its own name;
// true when every one passes `check`. CheckRows still checks the rows as written.
Result<bool> PassesCheck(store::Transaction& txn, const Relation& relation, const std::optional<std::string>& check,
                         Sql& rows) {
  if (!check) return true;
  rows.text = "SELECT count(*) FROM (" + rows.text + ") AS " + Quote(relation.name) + " WHERE NOT coalesce((" + *check +
              "), 0)";
  auto refused = txn.Query(rows.text, rows.params());
  if (!refused) return std::move(refused).error();
  return refused->rows[0][0].as_int() == 0;
}

// `write` is refused by the policies. PostgreSQL would still have run its BEFORE
// triggers first, and their errors win ("You do not have permission to update this
// field"); so the write runs once inside a savepoint, always undone, to see whether a
// trigger refuses it. A constraint's error never shows: the policy refusal comes first.
Error Refused(store::Transaction& txn, const Relation& relation, const Sql& write) {
  if (!txn.ExecuteScript("SAVEPOINT tb_refused")) return RlsViolation(relation);
  auto tried = txn.Query(write.text, write.params());
  (void)txn.ExecuteScript("ROLLBACK TO tb_refused; RELEASE tb_refused");
  if (!tried && tried.error().raised_by_trigger) return tried.error();
  return RlsViolation(relation);
}

std::string RowidsJson(const store::Rows& rows) {
  std::string out = "[";
  for (size_t i = 0; i < rows.rows.size(); ++i) out += (i ? "," : "") + std::to_string(rows.rows[i][0].as_int());
  return out + "]";
}

// The rows an update or delete may touch: both its own policies and the SELECT ones must
// let a row through, as in PostgreSQL.
std::optional<std::string> WritePolicy(const RestContext& context, const std::string& table, const std::string& role,
                                       policy::Command command) {
  const auto own = context.policies->Using(table, role, command);
  const auto select = context.policies->Using(table, role, policy::Command::kSelect);
  if (!own && !select) return std::nullopt;
  return "(" + own.value_or("true") + ") AND (" + select.value_or("true") + ")";
}

// The written rows for Prefer: return=representation (see Representation); nullopt
// when the request did not ask for them.
Result<std::optional<store::Rows>> Returned(store::Transaction& txn, const RestContext& context, const Prepared& p,
                                            const std::string& rowids, size_t expected, std::vector<OutputColumn>& columns) {
  if (p.prefer.representation != q::ReturnPreference::kRepresentation) return std::optional<store::Rows>();
  auto shown = Representation(txn, context, p, rowids, expected, columns);
  if (!shown) return std::move(shown).error();
  return std::optional<store::Rows>(std::move(*shown));
}

// The response to a write, per Prefer: return=…
http::Response WriteResponse(int status_with_body, const Prepared& p, const store::Rows* rows,
                             const std::vector<OutputColumn>& columns, bool single) {
  const auto ret = p.prefer.representation.value_or(q::ReturnPreference::kMinimal);
  if (ret != q::ReturnPreference::kRepresentation || rows == nullptr) {
    http::Response r;
    r.status = status_with_body == 201 ? 201 : 204;
    r.SetHeader("Content-Range", "*/*");
    return r;
  }
  if (single && rows->rows.size() != 1) return Fail(NotOneRow(rows->rows.size()), p.signed_in);
  http::Response r = http::Response::Json(status_with_body, RowsJson(*rows, columns, 0, single));
  if (single) r.SetHeader("Content-Type", std::string(kObjectMediaType) + "; charset=utf-8");
  r.SetHeader("Content-Range", "*/*");
  return r;
}

// Commits (unless Prefer: tx=rollback) and answers a write.
http::Response Conclude(store::Transaction& txn, const Prepared& p, const std::optional<store::Rows>& rows,
                        const std::vector<OutputColumn>& columns, int status, bool single) {
  if (p.prefer.tx != q::TxPreference::kRollback) {
    if (Status s = txn.Commit(); !s) return Fail(s.error(), p.signed_in);
  }
  return WriteResponse(status, p, rows ? &*rows : nullptr, columns, single);
}

Error ReadOnlyRelation(const Relation& relation) {
  Error e = RestError("PGRST105", "cannot write to view \"" + relation.name + "\"");
  e.code = ErrorCode::kInvalidArgument;
  return e;
}

Result<rapidjson::Document> ParseBody(const http::Request& request) {
  rapidjson::Document doc;
  const std::string_view body = request.body;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos ||
      doc.Parse(body.data(), body.size()).HasParseError() || !(doc.IsObject() || doc.IsArray())) {
    return RestError("PGRST102", "Empty or invalid json");
  }
  return doc;
}

Error UnknownBodyColumn(const Relation& relation, std::string_view column) {
  return RestError("PGRST204", "Could not find the '" + std::string(column) + "' column of '" + relation.name +
                                   "' in the schema cache");
}

// On PostgreSQL a write is one statement under the caller's role, as PostgREST runs it:
// the database applies the policies (USING, WITH CHECK, and the SELECT ones to the rows a
// RETURNING gives back) and the triggers in its own order. `write` is the INSERT, UPDATE
// or DELETE without RETURNING (or a SELECT, `is_write` false); Prefer:
// return=representation reads the written rows back through the request's select list,
// embeds included.
http::Response WriteNatively(const http::Request& request, const RestContext& context, Prepared& p, Sql& write,
                             int status, bool is_write = true) {
  std::vector<OutputColumn> columns;
  std::optional<store::Rows> shown;
  auto txn = BeginFor(context, p.identity, store::Access::kWrite);
  if (!txn) return Fail(txn.error(), p.signed_in);
  if (p.prefer.representation == q::ReturnPreference::kRepresentation) {
    auto plan = PlanTop(context, p, write, /*with_filters=*/false);
    if (!plan) return Fail(plan.error(), p.signed_in);
    columns = std::move(plan->columns);
    write.text = "WITH tb_written AS (" + write.text + (is_write ? " RETURNING *" : "") + ") SELECT " + Columns(columns) +
                 " FROM tb_written AS " + Quote(p.relation->name) + " WHERE " + plan->where + plan->order;
    auto rows = (*txn)->Query(write.text, write.params());
    if (!rows) return Fail(rows.error(), p.signed_in);
    shown = std::move(*rows);
  } else if (auto done = (*txn)->Execute(write.text, write.params()); !done) {
    return Fail(done.error(), p.signed_in);
  }
  return Conclude(**txn, p, shown, columns, status, WantsObject(request));
}

// INSERT … VALUES (…), (…) [ON CONFLICT (key) DO UPDATE SET … | DO NOTHING]: one row per
// object, DEFAULT for a key an object leaves out under Prefer: missing=default.
http::Response InsertNatively(const http::Request& request, const RestContext& context, Prepared& p,
                              const std::vector<const CatalogColumn*>& targets,
                              const std::vector<std::vector<std::pair<const CatalogColumn*, Value>>>& rows,
                              const std::vector<const CatalogColumn*>& conflict) {
  const Relation& relation = *p.relation;
  Sql sql(true);
  // Objects without keys still give one row each: every column its default.
  std::vector<const CatalogColumn*> columns = targets;
  if (columns.empty()) columns.push_back(&relation.columns.front());
  std::string names;
  for (const CatalogColumn* c : columns) names += (names.empty() ? "" : ", ") + Quote(c->name);
  sql.text = "INSERT INTO " + Quote(relation.name) + " (" + names + ") VALUES ";
  for (size_t r = 0; r < rows.size(); ++r) {
    sql.text += r ? ", (" : "(";
    for (size_t i = 0; i < columns.size(); ++i) {
      auto it = std::find_if(rows[r].begin(), rows[r].end(), [&](const auto& v) { return v.first == columns[i]; });
      sql.text += (i ? ", " : "") + (it != rows[r].end() ? sql.Bind(it->second) : std::string("DEFAULT"));
    }
    sql.text += ")";
  }
  if (!conflict.empty()) {
    std::string key;
    for (const CatalogColumn* c : conflict) key += (key.empty() ? "" : ", ") + Quote(c->name);
    std::string sets;
    if (p.prefer.resolution == q::ResolutionPreference::kMergeDuplicates) {
      for (const CatalogColumn* c : targets) sets += (sets.empty() ? "" : ", ") + Quote(c->name) + " = EXCLUDED." + Quote(c->name);
    }
    sql.text += " ON CONFLICT (" + key + ") " + (sets.empty() ? "DO NOTHING" : "DO UPDATE SET " + sets);
  }
  return WriteNatively(request, context, p, sql, 201);
}

}  // namespace

http::Response ReadRows(http::Request& request, const RestContext& context) {
  auto p = Prepare(request, context, true);
  if (!p) return Fail(p.error(), false);
  const Relation& relation = *p->relation;
  Sql sql(context.postgres());
  auto plan = PlanTop(context, *p, sql);
  if (!plan) return Fail(plan.error(), p->signed_in);
  std::string prefix;
  if (relation.is_view) {
    auto with = context.policies->ViewSql(relation.name, policy::RoleName(p->identity.role));
    if (!with) return Fail(with.error(), p->signed_in);
    prefix = with->value_or("");
  }
  const std::vector<OutputColumn>* columns = &plan->columns;
  const q::Page* page = p->query.PageFor({});
  const int64_t offset = page ? page->offset : 0;
  const std::string count_sql = prefix + "SELECT count(*) FROM " + Quote(relation.name) + " WHERE " + plan->where;
  // The count takes the same parameters but the page's, bound last.
  const size_t count_params = sql.params().size();
  sql.text = prefix + "SELECT " + Columns(*columns) + " FROM " + Quote(relation.name) + " WHERE " + plan->where + plan->order +
             PageSql(page ? page->limit : std::nullopt, offset, sql);

  const store::Statement statements[] = {{sql.text, sql.params()},
                                         {count_sql, std::span(sql.params()).first(count_params)}};
  auto results = ReadFor(context, p->identity, std::span(statements, p->prefer.count ? 2 : 1));
  if (!results) return Fail(results.error(), p->signed_in);
  if (!results->back()) return Fail(results->back().error(), p->signed_in);
  const store::Rows* rows = &*results->front();
  std::optional<int64_t> total;
  if (p->prefer.count) total = (*results)[1]->rows[0][0].as_int();

  const bool single = WantsObject(request);
  if (single && rows->rows.size() != 1) return Fail(NotOneRow(rows->rows.size()), p->signed_in);
  http::Response response = http::Response::Json(200, "");
  if (WantsCsv(request) && !single) {
    response.body = RowsCsv(*rows, *columns);
    response.SetHeader("Content-Type", "text/csv; charset=utf-8");
  } else {
    response.body = RowsJson(*rows, *columns, 0, single);
    if (single) response.SetHeader("Content-Type", std::string(kObjectMediaType) + "; charset=utf-8");
  }
  const std::string total_text = total ? std::to_string(*total) : "*";
  const size_t n = rows->rows.size();
  response.SetHeader("Content-Range", n == 0 ? "*/" + total_text
                                             : std::to_string(offset) + "-" + std::to_string(offset + static_cast<int64_t>(n) - 1) +
                                                   "/" + total_text);
  if (total && n > 0 && static_cast<int64_t>(n) < *total && !single) response.status = 206;
  return response;
}

http::Response InsertRows(http::Request& request, const RestContext& context) {
  auto p = Prepare(request, context, false);
  if (!p) return Fail(p.error(), false);
  const Relation& relation = *p->relation;
  if (relation.is_view) return Fail(ReadOnlyRelation(relation), p->signed_in);
  auto body = ParseBody(request);
  if (!body) return Fail(body.error(), p->signed_in);
  std::vector<const rapidjson::Value*> objects;
  if (body->IsArray()) {
    for (const auto& v : body->GetArray()) {
      if (!v.IsObject()) return Fail(RestError("PGRST102", "All object keys must match"), p->signed_in);
      objects.push_back(&v);
    }
  } else {
    objects.push_back(&*body);
  }
  // The columns written: `columns=` if given, else every key the objects use.
  std::vector<std::string> names;
  if (p->query.columns) {
    names = *p->query.columns;
  } else {
    for (const auto* o : objects) {
      for (const auto& m : o->GetObject()) {
        std::string key(m.name.GetString(), m.name.GetStringLength());
        if (std::find(names.begin(), names.end(), key) == names.end()) names.push_back(std::move(key));
      }
    }
  }
  std::vector<const CatalogColumn*> targets;
  for (const std::string& name : names) {
    const CatalogColumn* c = relation.Column(name);
    if (c == nullptr) return Fail(UnknownBodyColumn(relation, name), p->signed_in);
    targets.push_back(c);
  }
  const bool missing_default = p->prefer.missing == q::MissingPreference::kDefault;
  const std::string role = policy::RoleName(p->identity.role);
  // Upsert (Prefer: resolution=…): rows whose conflict key (on_conflict, else the primary
  // key) already exists are merged into the existing row or skipped.
  std::vector<const CatalogColumn*> conflict;
  if (p->prefer.resolution) {
    const std::vector<std::string> key = p->query.on_conflict.value_or(relation.primary_key);
    for (const std::string& name : key) {
      const CatalogColumn* c = relation.Column(name);
      if (c == nullptr) return Fail(UnknownColumn(relation, name), p->signed_in);
      conflict.push_back(c);
    }
    if (conflict.empty()) return Fail(RestError("PGRST100", "upsert needs on_conflict for a table without a primary key"), p->signed_in);
  }
  const bool merge = p->prefer.resolution == q::ResolutionPreference::kMergeDuplicates;
  auto using_update = context.policies->Using(relation.name, role, policy::Command::kUpdate);
  auto using_select = context.policies->Using(relation.name, role, policy::Command::kSelect);

  // Every row's values, column by column (absent: the default, or NULL unless missing=default).
  std::vector<std::vector<std::pair<const CatalogColumn*, Value>>> all_values;
  for (const auto* o : objects) {
    std::vector<std::pair<const CatalogColumn*, Value>> values;
    for (const CatalogColumn* c : targets) {
      auto member = o->FindMember(c->name.c_str());
      if (member == o->MemberEnd() && missing_default) continue;
      Value v = Value::Null();
      if (member != o->MemberEnd()) {
        auto typed = ValueFromJson(*c, member->value);
        if (!typed) return Fail(typed.error(), p->signed_in);
        v = std::move(*typed);
      }
      values.emplace_back(c, std::move(v));
    }
    all_values.push_back(std::move(values));
  }

  if (context.postgres()) return InsertNatively(request, context, *p, targets, all_values, conflict);

  auto txn = BeginFor(context, p->identity, store::Access::kWrite);
  if (!txn) return Fail(txn.error(), p->signed_in);
  // Each proposed row as a one-row SELECT of every column (defaults where absent), for
  // the INSERT check that PostgreSQL runs before the table's constraints.
  const auto insert_check = context.policies->Check(relation.name, role, policy::Command::kInsert);
  auto proposed_row = [&relation](const std::vector<std::pair<const CatalogColumn*, Value>>& values) {
    Sql proposed;
    proposed.text = "SELECT ";
    for (size_t i = 0; i < relation.columns.size(); ++i) {
      const CatalogColumn& c = relation.columns[i];
      auto it = std::find_if(values.begin(), values.end(), [&](const auto& v) { return v.first == &c; });
      const std::string value = it != values.end() ? proposed.Bind(it->second)
                                : c.has_default     ? "(" + c.default_sql + ")"
                                                    : "NULL";
      proposed.text += (i ? ", " : "") + value + " AS " + Quote(c.name);
    }
    return proposed;
  };
  store::Rows inserted, merged;
  for (auto& values : all_values) {
    Sql proposed = proposed_row(values);
    auto passes = PassesCheck(**txn, relation, insert_check, proposed);
    if (!passes) return Fail(passes.error(), p->signed_in);
    const bool refused = !*passes;
    std::optional<int64_t> existing;
    if (!conflict.empty()) {
      Sql find;
      find.text = "SELECT rowid FROM " + Quote(relation.name) + " WHERE ";
      bool complete = true;
      for (size_t i = 0; i < conflict.size(); ++i) {
        auto it = std::find_if(values.begin(), values.end(), [&](const auto& v) { return v.first == conflict[i]; });
        if (it == values.end() || it->second.is_null()) {
          complete = false;
          break;
        }
        find.text += (i ? " AND " : "") + Quote(conflict[i]->name) + " = " + find.Bind(it->second);
      }
      if (complete) {
        auto found = (*txn)->Query(find.text, find.params());
        if (!found) return Fail(found.error(), p->signed_in);
        if (!found->rows.empty()) existing = found->rows[0][0].as_int();
      }
    }
    if (refused && existing && !merge) return Fail(RlsViolation(relation), p->signed_in);
    if (existing && !merge) continue;  // ignore-duplicates
    Sql sql;
    if (existing) {
      // PostgreSQL's ON CONFLICT DO UPDATE: the existing row must pass the UPDATE (and
      // SELECT) policies, else the whole request fails.
      if (using_update || using_select) {
        const Value id[] = {Value::Int(*existing)};
        auto visible = (*txn)->Query("SELECT count(*) FROM " + Quote(relation.name) + " WHERE rowid = $1 AND (" +
                                         using_update.value_or("1") + ") AND (" + using_select.value_or("1") + ")",
                                     id);
        if (!visible) return Fail(visible.error(), p->signed_in);
        if (visible->rows[0][0].as_int() == 0) {
          Error e = RlsViolation(relation);
          e.message = "new row violates row-level security policy (USING expression) for table \"" + relation.name + "\"";
          return Fail(e, p->signed_in);
        }
      }
      std::string sets;
      for (auto& [c, v] : values) sets += (sets.empty() ? "" : ", ") + Quote(c->name) + " = " + sql.Bind(v);
      if (sets.empty()) {
        merged.rows.push_back({Value::Int(*existing)});
        continue;
      }
      sql.text = "UPDATE " + Quote(relation.name) + " SET " + sets + " WHERE rowid = " + sql.Bind(Value::Int(*existing)) +
                 " RETURNING rowid";
    } else {
      std::string cols, binds;
      for (auto& [c, v] : values) {
        cols += (cols.empty() ? "" : ", ") + Quote(c->name);
        binds += (binds.empty() ? "" : ", ") + sql.Bind(v);
      }
      sql.text = cols.empty() ? "INSERT INTO " + Quote(relation.name) + " DEFAULT VALUES RETURNING rowid"
                              : "INSERT INTO " + Quote(relation.name) + " (" + cols + ") VALUES (" + binds + ") RETURNING rowid";
    }
    if (refused) return Fail(Refused(**txn, relation, sql), p->signed_in);
    auto row = (*txn)->Query(sql.text, sql.params());
    if (!row) return Fail(row.error(), p->signed_in);
    for (auto& r : row->rows) (existing ? merged : inserted).rows.push_back(std::move(r));
  }
  if (Status s = CheckRows(**txn, relation, context.policies->Check(relation.name, role, policy::Command::kInsert),
                           RowidsJson(inserted));
      !s) {
    return Fail(s.error(), p->signed_in);
  }
  if (Status s = CheckRows(**txn, relation, context.policies->Check(relation.name, role, policy::Command::kUpdate),
                           RowidsJson(merged));
      !s) {
    return Fail(s.error(), p->signed_in);
  }
  for (auto& r : merged.rows) inserted.rows.push_back(std::move(r));
  const std::string rowids = RowidsJson(inserted);
  std::vector<OutputColumn> columns;
  auto rows = Returned(**txn, context, *p, rowids, inserted.rows.size(), columns);
  if (!rows) return Fail(rows.error(), p->signed_in);
  return Conclude(**txn, *p, *rows, columns, 201, WantsObject(request));
}

http::Response UpdateRows(http::Request& request, const RestContext& context) {
  auto p = Prepare(request, context, false);
  if (!p) return Fail(p.error(), false);
  const Relation& relation = *p->relation;
  if (relation.is_view) return Fail(ReadOnlyRelation(relation), p->signed_in);
  auto body = ParseBody(request);
  if (!body) return Fail(body.error(), p->signed_in);
  if (!body->IsObject()) return Fail(RestError("PGRST102", "Empty or invalid json"), p->signed_in);
  const std::string role = policy::RoleName(p->identity.role);
  std::vector<std::pair<const CatalogColumn*, Value>> sets;
  for (const auto& m : body->GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    const CatalogColumn* c = relation.Column(name);
    if (c == nullptr) return Fail(UnknownBodyColumn(relation, name), p->signed_in);
    auto typed = ValueFromJson(*c, m.value);
    if (!typed) return Fail(typed.error(), p->signed_in);
    sets.emplace_back(c, std::move(*typed));
  }
  // An update sees only rows both its USING and the SELECT policies let through.
  const auto policy = WritePolicy(context, relation.name, role, policy::Command::kUpdate);
  if (Status s = CheckWriteFilters(*p); !s) return Fail(s.error(), p->signed_in);
  Sql sql(context.postgres());
  auto where = WhereSql(relation, p->query, {}, policy, sql);
  if (!where) return Fail(where.error(), p->signed_in);
  if (context.postgres()) {
    std::string assignments;
    for (auto& [c, v] : sets) assignments += (assignments.empty() ? "" : ", ") + Quote(c->name) + " = " + sql.Bind(v);
    // An empty body changes nothing: the matched rows are the answer.
    if (assignments.empty()) {
      sql.text = "SELECT * FROM " + Quote(relation.name) + " WHERE " + *where;
      return WriteNatively(request, context, *p, sql, 200, /*is_write=*/false);
    }
    sql.text = "UPDATE " + Quote(relation.name) + " SET " + assignments + " WHERE " + *where;
    return WriteNatively(request, context, *p, sql, 200);
  }
  auto txn = BeginFor(context, p->identity, store::Access::kWrite);
  if (!txn) return Fail(txn.error(), p->signed_in);
  sql.text = "SELECT rowid FROM " + Quote(relation.name) + " WHERE " + *where;
  auto targets = (*txn)->Query(sql.text, sql.params());
  if (!targets) return Fail(targets.error(), p->signed_in);
  const std::string target_ids = RowidsJson(*targets);
  // Each row as the update would leave it must pass the UPDATE check before it is written.
  const auto check = context.policies->Check(relation.name, role, policy::Command::kUpdate);
  if (check && !sets.empty() && !targets->rows.empty()) {
    Sql proposed;
    proposed.text = "SELECT ";
    for (size_t i = 0; i < relation.columns.size(); ++i) {
      const CatalogColumn& c = relation.columns[i];
      auto it = std::find_if(sets.begin(), sets.end(), [&](const auto& s) { return s.first == &c; });
      proposed.text += (i ? ", " : "") + (it != sets.end() ? proposed.Bind(it->second) : Quote(c.name)) + " AS " + Quote(c.name);
    }
    proposed.text += " FROM " + Quote(relation.name) + " WHERE rowid IN (SELECT value FROM json_each(" +
                     proposed.Bind(Value::Text(target_ids)) + "))";
    auto passes = PassesCheck(**txn, relation, check, proposed);
    if (!passes) return Fail(passes.error(), p->signed_in);
    if (!*passes) {
      Sql write;
      std::string assignments;
      for (auto& [c, v] : sets) assignments += (assignments.empty() ? "" : ", ") + Quote(c->name) + " = " + write.Bind(v);
      write.text = "UPDATE " + Quote(relation.name) + " SET " + assignments + " WHERE rowid IN (SELECT value FROM json_each(" +
                   write.Bind(Value::Text(target_ids)) + "))";
      return Fail(Refused(**txn, relation, write), p->signed_in);
    }
  }
  store::Rows empty;
  Result<store::Rows> updated = sets.empty() ? Result<store::Rows>(*targets) : Result<store::Rows>(empty);
  if (!sets.empty()) {
    Sql write;
    std::string assignments;
    for (auto& [c, v] : sets) assignments += (assignments.empty() ? "" : ", ") + Quote(c->name) + " = " + write.Bind(v);
    write.text = "UPDATE " + Quote(relation.name) + " SET " + assignments + " WHERE rowid IN (SELECT value FROM json_each(" +
                 write.Bind(Value::Text(target_ids)) + ")) RETURNING rowid";
    updated = (*txn)->Query(write.text, write.params());
  }
  if (!updated) return Fail(updated.error(), p->signed_in);
  const std::string rowids = RowidsJson(*updated);
  if (Status s = CheckRows(**txn, relation, context.policies->Check(relation.name, role, policy::Command::kUpdate), rowids); !s) {
    return Fail(s.error(), p->signed_in);
  }
  std::vector<OutputColumn> columns;
  auto rows = Returned(**txn, context, *p, rowids, updated->rows.size(), columns);
  if (!rows) return Fail(rows.error(), p->signed_in);
  return Conclude(**txn, *p, *rows, columns, 200, WantsObject(request));
}

http::Response DeleteRows(http::Request& request, const RestContext& context) {
  auto p = Prepare(request, context, false);
  if (!p) return Fail(p.error(), false);
  const Relation& relation = *p->relation;
  if (relation.is_view) return Fail(ReadOnlyRelation(relation), p->signed_in);
  const std::string role = policy::RoleName(p->identity.role);
  const auto policy = WritePolicy(context, relation.name, role, policy::Command::kDelete);
  Sql sql(context.postgres());
  if (Status s = CheckWriteFilters(*p); !s) return Fail(s.error(), p->signed_in);
  auto where = WhereSql(relation, p->query, {}, policy, sql);
  if (!where) return Fail(where.error(), p->signed_in);
  if (context.postgres()) {
    sql.text = "DELETE FROM " + Quote(relation.name) + " WHERE " + *where;
    return WriteNatively(request, context, *p, sql, 200);
  }
  sql.text = "SELECT rowid FROM " + Quote(relation.name) + " WHERE " + *where;
  auto txn = BeginFor(context, p->identity, store::Access::kWrite);
  if (!txn) return Fail(txn.error(), p->signed_in);
  auto doomed = (*txn)->Query(sql.text, sql.params());
  if (!doomed) return Fail(doomed.error(), p->signed_in);
  const std::string rowids = RowidsJson(*doomed);
  std::vector<OutputColumn> columns;
  auto rows = Returned(**txn, context, *p, rowids, doomed->rows.size(), columns);
  if (!rows) return Fail(rows.error(), p->signed_in);
  const Value params[] = {Value::Text(rowids)};
  auto deleted = (*txn)->Execute("DELETE FROM " + Quote(relation.name) + " WHERE rowid IN (SELECT value FROM json_each($1))", params);
  if (!deleted) return Fail(deleted.error(), p->signed_in);
  return Conclude(**txn, *p, *rows, columns, 200, WantsObject(request));
}

}  // namespace tb::api::rest
