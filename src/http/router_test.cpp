#include "http/router.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tb::http {
namespace {

// A handler that answers with `tag`, so a test can tell which route ran.
Handler Answer(std::string tag) {
  return [tag](Request&) {
    Response response;
    response.body = tag;
    return response;
  };
}

Request Make(std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  return request;
}

// Runs the matched handler and returns its tag, or "" when nothing matched.
std::string TagOf(const Router::Match& match, Request& request) {
  return match.handler == nullptr ? "" : (*match.handler)(request).body;
}

TEST(Router, MatchesLiteralPath) {
  Router router;
  router.Add("GET", "/healthz", Answer("health"));
  Request request = Make("GET", "/healthz");
  const Router::Match match = router.Find(request);
  EXPECT_EQ(TagOf(match, request), "health");
  EXPECT_TRUE(match.path_exists);
}

TEST(Router, CapturesNamedSegments) {
  Router router;
  router.Add("POST", "/auth/v1/factors/{id}/verify", Answer("verify"));
  Request request = Make("POST", "/auth/v1/factors/f-42/verify");
  const Router::Match match = router.Find(request);
  EXPECT_EQ(TagOf(match, request), "verify");
  EXPECT_EQ(request.PathParam("id"), "f-42");
  EXPECT_EQ(request.PathParam("missing"), "");
}

TEST(Router, CaptureTakesExactlyOneNonEmptySegment) {
  Router router;
  router.Add("GET", "/rest/v1/{table}", Answer("table"));
  Request nested = Make("GET", "/rest/v1/a/b");
  EXPECT_EQ(router.Find(nested).handler, nullptr);
  Request empty = Make("GET", "/rest/v1/");
  EXPECT_EQ(router.Find(empty).handler, nullptr);
}

TEST(Router, RestCaptureTakesTheRestOfThePath) {
  Router router;
  router.Add("POST", "/object/list/{bucket}", Answer("list"));
  router.Add("POST", "/object/{bucket}/{path*}", Answer("object"));
  Request deep = Make("POST", "/object/avatars/team/a b/c.png");
  EXPECT_EQ(TagOf(router.Find(deep), deep), "object");
  EXPECT_EQ(deep.PathParam("bucket"), "avatars");
  EXPECT_EQ(deep.PathParam("path"), "team/a b/c.png");
  Request one = Make("POST", "/object/avatars/x");
  EXPECT_EQ(TagOf(router.Find(one), one), "object");
  EXPECT_EQ(one.PathParam("path"), "x");
  Request none = Make("POST", "/object/avatars");
  EXPECT_EQ(router.Find(none).handler, nullptr) << "the rest is at least one segment";
  Request empty = Make("POST", "/object/avatars/");
  EXPECT_EQ(router.Find(empty).handler, nullptr);
  Request list = Make("POST", "/object/list/avatars");
  EXPECT_EQ(TagOf(router.Find(list), list), "list") << "registration order breaks ties";
}

TEST(Router, APreflightedRouteSaysSo) {
  Router router;
  router.Add("POST", "/upload/{name}", Answer("upload"),
             [](Request&) -> std::variant<Response, StreamedBody> { return StreamedBody{"/tmp/x", 10, {}}; });
  router.Add("GET", "/upload/{name}", Answer("read"));
  Request post = Make("POST", "/upload/a");
  const Router::Match match = router.Find(post);
  ASSERT_NE(match.preflight, nullptr);
  EXPECT_EQ(std::get<StreamedBody>((*match.preflight)(post)).limit, 10u);
  Request get = Make("GET", "/upload/a");
  EXPECT_EQ(router.Find(get).preflight, nullptr);
}

TEST(Router, AWebSocketRouteIsAGetThatAsksForTheUpgrade) {
  Router router;
  router.AddWebSocket("/realtime/v1/websocket",
                      [](Request&, const std::shared_ptr<WebSocket>&) -> std::variant<Response, WebSocketEvents> {
                        return WebSocketEvents{};
                      });
  Request get = Make("GET", "/realtime/v1/websocket");
  const Router::Match match = router.Find(get);
  ASSERT_NE(match.websocket, nullptr);
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ((*match.handler)(get).status, 426) << "without the upgrade";
  Request post = Make("POST", "/realtime/v1/websocket");
  EXPECT_EQ(router.Find(post).handler, nullptr);
}

TEST(Router, TrailingSlashIsStrict) {
  Router router;
  router.Add("GET", "/healthz", Answer("health"));
  Request request = Make("GET", "/healthz/");
  const Router::Match match = router.Find(request);
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_FALSE(match.path_exists);
}

TEST(Router, ReportsKnownPathUnderOtherMethod) {
  Router router;
  router.Add("GET", "/rest/v1/{table}", Answer("select"));
  router.Add("POST", "/rest/v1/{table}", Answer("insert"));
  Request request = Make("DELETE", "/rest/v1/notes");
  const Router::Match match = router.Find(request);
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_TRUE(match.path_exists);
  EXPECT_EQ(match.allowed, (std::vector<std::string>{"GET", "HEAD", "POST", "OPTIONS"}));
}

TEST(Router, UnknownPathMatchesNothing) {
  Router router;
  router.Add("GET", "/healthz", Answer("health"));
  Request request = Make("GET", "/nope");
  const Router::Match match = router.Find(request);
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_FALSE(match.path_exists);
  EXPECT_TRUE(match.allowed.empty());
}

TEST(Router, HeadUsesGetRoute) {
  Router router;
  router.Add("GET", "/healthz", Answer("health"));
  Request request = Make("HEAD", "/healthz");
  EXPECT_EQ(TagOf(router.Find(request), request), "health");
}

TEST(Router, ExplicitHeadRouteBeatsGet) {
  Router router;
  router.Add("GET", "/x", Answer("get"));
  router.Add("HEAD", "/x", Answer("head"));
  Request request = Make("HEAD", "/x");
  EXPECT_EQ(TagOf(router.Find(request), request), "head");
}

TEST(Router, WildcardMethodMatchesAny) {
  Router router;
  router.Add("*", "/billing/v1/webhooks/{provider}", Answer("hook"));
  Request request = Make("PATCH", "/billing/v1/webhooks/stripe");
  const Router::Match match = router.Find(request);
  EXPECT_EQ(TagOf(match, request), "hook");
  EXPECT_EQ(request.PathParam("provider"), "stripe");
}

TEST(Router, AllowListsOnlyTheMethodsOfThatPathStandardOnesFirst) {
  Router router;
  router.Add("*", "/x/{id}", Answer("any"));
  router.Add("GET", "/x/{id}/{part}", Answer("part"));
  router.Add("BREW", "/x/{id}/{part}", Answer("brew"));
  Request request = Make("POST", "/x/1/2");
  const Router::Match match = router.Find(request);
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(match.allowed, (std::vector<std::string>{"GET", "HEAD", "OPTIONS", "BREW"}));
}

TEST(Router, AllowIsLeftEmptyWhenARouteTakesTheRequest) {
  Router router;
  router.Add("GET", "/x", Answer("get"));
  router.Add("POST", "/x", Answer("post"));
  Request request = Make("GET", "/x");
  const Router::Match match = router.Find(request);
  EXPECT_EQ(TagOf(match, request), "get");
  EXPECT_TRUE(match.allowed.empty());
}

TEST(Router, ExactMethodBeatsWildcard) {
  Router router;
  router.Add("*", "/x", Answer("any"));
  router.Add("POST", "/x", Answer("post"));
  Request request = Make("POST", "/x");
  EXPECT_EQ(TagOf(router.Find(request), request), "post");
}

TEST(Router, EarlierRouteWinsAmongEqualFits) {
  Router router;
  router.Add("GET", "/things/new", Answer("new"));
  router.Add("GET", "/things/{id}", Answer("one"));
  Request literal = Make("GET", "/things/new");
  EXPECT_EQ(TagOf(router.Find(literal), literal), "new");
  EXPECT_TRUE(literal.path_params.empty());
  Request captured = Make("GET", "/things/7");
  EXPECT_EQ(TagOf(router.Find(captured), captured), "one");
  EXPECT_EQ(captured.PathParam("id"), "7");
}

TEST(Router, RootPathIsItsOwnRoute) {
  Router router;
  router.Add("GET", "/", Answer("root"));
  Request root = Make("GET", "/");
  EXPECT_EQ(TagOf(router.Find(root), root), "root");
  Request empty = Make("GET", "");
  EXPECT_FALSE(router.Find(empty).path_exists);
}

TEST(Router, FindClearsStalePathParams) {
  Router router;
  router.Add("GET", "/a/{id}", Answer("a"));
  Request request = Make("GET", "/b");
  request.path_params.emplace_back("id", "stale");
  router.Find(request);
  EXPECT_TRUE(request.path_params.empty());
}

}  // namespace
}  // namespace tb::http
