// api/rest/rest_error.h
//
// Errors in PostgREST's shape and statuses: {"code","details","hint","message"}, the code
// being a PostgreSQL SQLSTATE (42501, 23505, …) or PostgREST's own PGRSTnnn. Statuses as
// PostgREST maps them: 23503/23505 → 409, 42P01/42883/PGRST202/PGRST205 → 404,
// 42501 → 401 for anon and 403 for a signed-in caller, PGRST116 → 406, 5xx only for
// failures of the server itself (with a generic message; the detail goes to the log).
#pragma once

#include <string_view>

#include "base/error.h"
#include "http/response.h"

namespace tb::api::rest {

// An error raised by the data API itself.
Error RestError(std::string_view code, std::string message, std::string details = {}, std::string hint = {});

// The response for `error`; `signed_in` picks 401 or 403 for an insufficient privilege.
http::Response ErrorResponse(const Error& error, bool signed_in);

}  // namespace tb::api::rest
