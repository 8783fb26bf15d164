// api/rest/values.h
//
// Client values → typed store values for one column, as PostgreSQL's input functions
// would read them: "true"/"f" for booleans, digits for integers, canonical lower-case
// UUIDs, timestamps in any ISO 8601 form normalised to the stored form (base/clock.h),
// JSON kept as JSON text. A value the column's type cannot read is 22P02 (22007 for
// dates and times), as PostgreSQL answers; never SQL text.
//
// And the way back: typed store values → the JSON PostgREST writes (booleans as
// true/false, json columns as JSON, numbers as numbers).
#pragma once

#include <rapidjson/document.h>

#include <string_view>

#include "api/json.h"
#include "api/rest/catalog.h"
#include "base/result.h"
#include "store/value.h"

namespace tb::api::rest {

// A filter or query-string value for `column`.
Result<store::Value> ValueFromText(const CatalogColumn& column, std::string_view text);
// A JSON body value for `column` (objects and arrays only for json columns).
Result<store::Value> ValueFromJson(const CatalogColumn& column, const rapidjson::Value& json);

// Writes `value` of a column of `type` as PostgREST would.
void WriteValue(JsonWriter& w, store::ColumnType type, const store::Value& value);

}  // namespace tb::api::rest
