#include "api/routes.h"

namespace tb::api {

http::Router BuildRoutes(const ApiContext& context) {
  http::Router router;
  // The response is the same for every request: build it once.
  const http::Response health = Healthz(context.health);
  router.Add("GET", "/healthz", [health](http::Request&) { return health; });
  return router;
}

}  // namespace tb::api
