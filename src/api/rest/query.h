// api/rest/query.h
//
// What one /rest/v1 request asks for, once its PostgREST grammar is parsed: the select
// tree (columns, JSON paths, casts, embedded relations), the filters and and/or trees,
// the order, limit and offset of every level, the `columns` and `on_conflict` lists, and
// the Prefer header's preferences. Names here are still the client's words: nothing has
// been checked against the catalog yet, and no value has been converted or quoted.
//
// A "path" is the chain of embedded relations (as named in `select`, alias or name) from
// the top table down to the level a filter, order or limit applies to; it is empty for
// the top table. `items.name=eq.x` has path {"items"}.
//
// Thread-safety: plain values; copy and share freely. (The few functions declared here are
// defined in query_parser.cpp.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tb::rest {

using EmbedPath = std::vector<std::string>;

// One step of a JSON path: `->key`, `->>key`, `->2`, `->>-1`.
struct JsonStep {
  bool as_text = false;   // `->>` (the value as text) rather than `->` (as json)
  bool is_index = false;  // an array index; `index` holds it and `key` its digits
  int64_t index = 0;
  std::string key;
};

// A column, possibly followed by a JSON path: `name`, `data->a->>b`.
struct Field {
  std::string name;
  std::vector<JsonStep> json_path;
};

enum class JoinType { kDefault, kInner, kLeft };  // `rel!inner(...)`, `rel!left(...)`

// One item of `select`. Spread embeds (`...rel(...)`) and aggregates (`count()`,
// `col.sum()`) are refused by the parser, so they never appear here.
struct SelectItem {
  enum class Kind { kColumn, kStar, kEmbed };
  Kind kind = Kind::kColumn;

  Field field;        // kColumn
  std::string cast;   // kColumn: the type after `::`, "" when none
  std::string alias;  // kColumn, kEmbed: the name before `:`, "" when none
  // kColumn, kEmbed: the key the response uses for this item: the alias; else, for a
  // JSON path, its last key (or the column when the path has only indexes), as PostgREST
  // does; else the column or relation name. "" for kStar.
  std::string output_name;

  std::string relation;  // kEmbed: the relation as named in the request
  std::string hint;      // kEmbed: the foreign key, constraint or column after `!`, or ""
  JoinType join = JoinType::kDefault;
  std::vector<SelectItem> children;  // kEmbed: its own select list (may be empty)
};

// Every PostgREST filter operator, spelled as in the URL.
enum class FilterOp {
  kEq, kNeq, kGt, kGte, kLt, kLte,
  kLike, kIlike, kMatch, kImatch,
  kIs, kIsDistinct, kIn,
  kCs, kCd, kOv,                    // contains, contained in, overlaps
  kSl, kSr, kNxl, kNxr, kAdj,       // range operators
  kFts, kPlfts, kPhfts, kWfts,      // full-text search
};

// Returns the operator as the URL spells it, e.g. "isdistinct"; never null.
const char* FilterOpName(FilterOp op);

// `eq(any).{1,2}`, `like(all).{a*,b*}`: the value is an array literal compared element-wise.
enum class Quantifier { kNone, kAny, kAll };

enum class IsValue { kNull, kNotNull, kTrue, kFalse, kUnknown };

// `col=op.value`, `rel.col=not.op.value`, or one `col.op.value` inside an and/or tree.
struct Filter {
  EmbedPath path;  // inside a Logic, the Logic's path
  Field field;
  FilterOp op = FilterOp::kEq;
  bool negated = false;  // `not.op`
  Quantifier quantifier = Quantifier::kNone;  // eq gt gte lt lte like ilike match imatch only
  // Every op but kIn and kIs: the value as sent (a top-level value is never unquoted; one
  // inside an and/or tree loses its surrounding double quotes). For kLike and kIlike each
  // `*` is already `%`.
  std::string value;
  std::vector<std::string> values;   // kIn: the list, unquoted; `in.()` gives none
  IsValue is_value = IsValue::kNull;  // kIs
  std::string language;              // fts ops: the config in `fts(english)`, or ""
};

enum class LogicOp { kAnd, kOr };

// `or=(a.eq.1,and(b.gt.2,c.lt.3))`, `not.and=(...)`, `items.or=(...)`. Its filters and
// nested trees are both operands of `op`; their relative order does not matter.
struct Logic {
  EmbedPath path;
  LogicOp op = LogicOp::kAnd;
  bool negated = false;
  std::vector<Filter> filters;
  std::vector<Logic> children;
};

enum class OrderDirection { kDefault, kAsc, kDesc };  // kDefault sorts ascending
enum class NullsOrder { kDefault, kFirst, kLast };    // kDefault: PostgreSQL's default

struct OrderTerm {
  // A to-one embedded relation to order by (`order=client(name).desc`), or "".
  std::string relation;
  Field field;
  OrderDirection direction = OrderDirection::kDefault;
  NullsOrder nulls = NullsOrder::kDefault;
};

// The `order` of one level (`order=` or `items.order=`). Repeated order parameters for
// the same path are concatenated.
struct Order {
  EmbedPath path;
  std::vector<OrderTerm> terms;
};

// The limit and offset of one level. The top level's merges `limit`/`offset` with the
// Range header (their intersection).
struct Page {
  EmbedPath path;
  std::optional<int64_t> limit;  // none: no limit asked for
  int64_t offset = 0;
};

// Everything the query string (and Range header) of a request asks for.
struct ReadQuery {
  std::vector<SelectItem> select;  // a single kStar when the request has no `select`
  std::vector<Filter> filters;     // every level's, in request order
  std::vector<Logic> logics;       // every level's, in request order
  std::vector<Order> orders;       // at most one per path
  std::vector<Page> pages;         // at most one per path; only levels that set one
  std::optional<std::vector<std::string>> columns;      // `columns=`
  std::optional<std::vector<std::string>> on_conflict;  // `on_conflict=`

  // The order or page of `path`, or null when the request set none for it.
  const Order* OrderFor(const EmbedPath& path) const;
  const Page* PageFor(const EmbedPath& path) const;
};

enum class ReturnPreference { kMinimal, kHeadersOnly, kRepresentation };
enum class CountPreference { kExact, kPlanned, kEstimated };
enum class ResolutionPreference { kMergeDuplicates, kIgnoreDuplicates };
enum class MissingPreference { kDefault, kNull };
enum class HandlingPreference { kLenient, kStrict };
enum class TxPreference { kCommit, kRollback };

// The Prefer header(s). Each preference is empty when not asked for; when one is given
// more than once the first wins, as in PostgREST.
struct Preferences {
  std::optional<ReturnPreference> representation;  // `return=`
  std::optional<CountPreference> count;
  std::optional<ResolutionPreference> resolution;
  std::optional<MissingPreference> missing;
  HandlingPreference handling = HandlingPreference::kLenient;
  std::optional<TxPreference> tx;
  // Not validated here: the caller checks it against the zones it knows (PostgREST treats
  // an unknown zone as an invalid preference).
  std::optional<std::string> timezone;
  std::optional<int64_t> max_affected;
  // Preferences that were not recognised (kept for logs); only an error when strict.
  std::vector<std::string> invalid;
};

}  // namespace tb::rest
