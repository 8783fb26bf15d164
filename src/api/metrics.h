// api/metrics.h
//
// GET /metrics: the server's counters in Prometheus' text exposition format, for the
// service_role key only (as Supabase keeps its metrics endpoint behind the service key).
// Today the counters are the database's: reads served by the primary and by replicas, and
// why a read stayed on the primary (store/postgres/read_routing.h).
#pragma once

#include "api/auth/auth_context.h"
#include "http/request.h"
#include "http/response.h"
#include "store/store.h"

namespace tb::api {

// 200 text/plain with every counter; 401 without a valid key, 403 for any other caller.
http::Response Metrics(const http::Request& request, const auth::AuthContext& auth, const store::Store& store);

}  // namespace tb::api
