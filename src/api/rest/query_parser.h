// api/rest/query_parser.h
//
// Parses the PostgREST request grammar that @supabase/postgrest-js sends to /rest/v1 into
// the typed description of query.h. Pure functions: no catalog, no database, no HTTP
// types; the HTTP layer splits and percent-decodes the query string and hands over the
// relevant headers.
//
// Every failure is ErrorCode::kInvalidArgument with PostgREST's code in `reason`:
//   PGRST100  the query string does not parse (message in PostgREST's words, e.g.
//             "\"failed to parse filter (eqq.1)\" (line 1, column 1)");
//   PGRST103  "Requested range not satisfiable" (a negative limit or offset, or a Range
//             header whose lower bound exceeds its upper); PostgREST answers 416;
//   PGRST122  "Invalid preferences given with handling=strict";
//   PGRST123  "Use of aggregate functions is not allowed" (`count()`, `col.sum()`);
//   PGRST127  "Feature not implemented" (spread embeds `...rel(...)`).
// `detail` says what was wrong in the client's own terms and echoes only request text,
// so the HTTP layer may return it as PostgREST's `details`.
//
// Thread-safety: pure functions; safe from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "api/rest/query.h"
#include "base/result.h"

namespace tb::rest {

// Parses the query parameters of a table request, in order and already percent-decoded
// (repeated keys allowed: `id=gte.1&id=lte.9` is two filters), and the Range header
// (`0-9`, `10-`; "" when absent; the caller passes "" for methods where PostgREST ignores
// it). `select`, `columns` and `on_conflict` are read from their first occurrence; `order`,
// `limit`, `offset`, `and` and `or` (also as `rel.order`, `not.or`, ...) are reserved;
// every other parameter is a filter. The caller removes parameters that are not part of
// the grammar (e.g. an `apikey` sent in the URL) beforehand.
Result<ReadQuery> ParseQuery(std::span<const std::pair<std::string, std::string>> params,
                             std::string_view range_header);

// Parses every Prefer header's comma-separated preferences. Unrecognised preferences are
// ignored (kept in `invalid`) unless one of them asks `handling=strict`, which makes them
// a PGRST122 error.
Result<Preferences> ParsePrefer(std::span<const std::string_view> prefer_headers);

}  // namespace tb::rest
