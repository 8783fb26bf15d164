#include "http/request.h"

#include <gtest/gtest.h>

#include <string>

#include "http/response.h"

namespace tb::http {
namespace {

TEST(Request, HeaderValueIgnoresCase) {
  Request request;
  request.headers = {{"Content-Type", "application/json"}, {"apikey", "k1"}, {"APIKEY", "k2"}};
  EXPECT_EQ(request.HeaderValue("content-type"), "application/json");
  EXPECT_EQ(request.HeaderValue("ApiKey"), "k1");  // the first of repeated headers
  EXPECT_TRUE(request.HasHeader("CONTENT-TYPE"));
  EXPECT_FALSE(request.HasHeader("Authorization"));
  EXPECT_EQ(request.HeaderValue("Authorization"), "");
}

TEST(Request, QueryParamDecodesPlusAndPercent) {
  Request request;
  request.query = "select=id%2Cname&q=a+b%20c&redirect_to=https%3A%2F%2Fx.test%2F%3Fa%3D1";
  EXPECT_EQ(request.QueryParam("select"), "id,name");
  EXPECT_EQ(request.QueryParam("q"), "a b c");
  EXPECT_EQ(request.QueryParam("redirect_to"), "https://x.test/?a=1");
}

TEST(Request, QueryParamMissingOrEmpty) {
  Request request;
  request.query = "flag&empty=&x=1";
  EXPECT_EQ(request.QueryParam("flag"), "");
  EXPECT_EQ(request.QueryParam("empty"), "");
  EXPECT_EQ(request.QueryParam("absent"), "");
  EXPECT_EQ(request.QueryParam("x"), "1");
}

TEST(Request, QueryParamReturnsFirstOccurrence) {
  Request request;
  request.query = "id=eq.1&id=eq.2";
  EXPECT_EQ(request.QueryParam("id"), "eq.1");
}

TEST(Request, QueryParamDecodesNames) {
  Request request;
  request.query = "my%20key=v&a+b=w";
  EXPECT_EQ(request.QueryParam("my key"), "v");
  EXPECT_EQ(request.QueryParam("a b"), "w");
}

TEST(Request, QueryParamKeepsMalformedEscapesLiterally) {
  Request request;
  request.query = "a=100%&b=%zz&c=%4";
  EXPECT_EQ(request.QueryParam("a"), "100%");
  EXPECT_EQ(request.QueryParam("b"), "%zz");
  EXPECT_EQ(request.QueryParam("c"), "%4");
}

TEST(PercentDecode, DecodesEscapesAndKeepsPlus) {
  std::string out;
  ASSERT_TRUE(PercentDecode("/storage/v1/object/my%20file+1%2Ejpg", out));
  EXPECT_EQ(out, "/storage/v1/object/my file+1.jpg");
  ASSERT_TRUE(PercentDecode("%e2%9c%93", out));
  EXPECT_EQ(out, "\xe2\x9c\x93");
  ASSERT_TRUE(PercentDecode("", out));
  EXPECT_EQ(out, "");
}

TEST(PercentDecode, RejectsMalformedEscapes) {
  std::string out = "untouched";
  EXPECT_FALSE(PercentDecode("%", out));
  EXPECT_FALSE(PercentDecode("/a%2", out));
  EXPECT_FALSE(PercentDecode("/a%zz", out));
  EXPECT_FALSE(PercentDecode("/a%g1b", out));
  EXPECT_EQ(out, "untouched");
}

TEST(Response, ErrorIsEscapedJson) {
  const Response response = Response::Error(404, "not_found", "No route for GET /a\"b\\c\n");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.HeaderValue("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(response.body, R"({"error":"not_found","message":"No route for GET /a\"b\\c\n"})");
}

TEST(Response, ErrorReplacesInvalidUtf8) {
  const Response response = Response::Error(404, "not_found", "No route for GET /\xff");
  EXPECT_EQ(response.body, R"({"error":"not_found","message":"No route for GET /?"})");
}

TEST(Response, SetHeaderReplacesIgnoringCase) {
  Response response = Response::Json(200, "{}");
  response.SetHeader("content-type", "text/plain");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.HeaderValue("Content-Type"), "text/plain");
}

}  // namespace
}  // namespace tb::http
