#include "crypto/jwt.h"

#include <gtest/gtest.h>

#include "crypto/base64.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace tb::crypto {
namespace {

constexpr std::string_view kSecret = "a-secret-of-at-least-thirty-two-bytes!!";
constexpr int64_t kNow = 1'800'000'000;

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(Init()); }
};

TEST_F(JwtTest, SignedTokenVerifiesAndReturnsItsClaims) {
  const std::string token = SignJwtHs256(R"({"role":"anon","exp":1900000000})", kSecret);
  auto claims = VerifyJwtHs256(token, kSecret, kNow);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(*claims, R"({"role":"anon","exp":1900000000})");
}

TEST_F(JwtTest, SignatureIsHmacSha256OverHeaderAndPayload) {
  // HS256 over header.payload must equal an independently computed HMAC.
  const std::string token = SignJwtHs256(R"({"sub":"1"})", kSecret);
  const size_t dot = token.rfind('.');
  EXPECT_EQ(*Base64UrlDecode(token.substr(dot + 1)), HmacSha256(kSecret, token.substr(0, dot)));
  EXPECT_EQ(*Base64UrlDecode(token.substr(0, token.find('.'))), R"({"alg":"HS256","typ":"JWT"})");
}

TEST_F(JwtTest, WrongSecretIsRefused) {
  const std::string token = SignJwtHs256(R"({"role":"anon"})", kSecret);
  auto claims = VerifyJwtHs256(token, "another-secret-of-thirty-two-bytes-long", kNow);
  ASSERT_FALSE(claims.ok());
  EXPECT_EQ(claims.error().code, ErrorCode::kUnauthenticated);
}

TEST_F(JwtTest, TamperedPayloadIsRefused) {
  std::string token = SignJwtHs256(R"({"role":"anon"})", kSecret);
  const size_t first = token.find('.');
  const size_t second = token.rfind('.');
  token.replace(first + 1, second - first - 1, Base64UrlEncode(R"({"role":"service_role"})"));
  EXPECT_FALSE(VerifyJwtHs256(token, kSecret, kNow).ok());
}

TEST_F(JwtTest, AlgNoneIsRefused) {
  const std::string token = Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
                            Base64UrlEncode(R"({"role":"service_role"})") + ".";
  auto claims = VerifyJwtHs256(token, kSecret, kNow);
  ASSERT_FALSE(claims.ok());
  EXPECT_NE(claims.error().message.find("HS256"), std::string::npos);
}

TEST_F(JwtTest, OtherAlgorithmsAreRefusedEvenWithAValidMac) {
  const std::string unsigned_part = Base64UrlEncode(R"({"alg":"HS512","typ":"JWT"})") + "." +
                                    Base64UrlEncode(R"({"role":"anon"})");
  const std::string token = unsigned_part + "." + Base64UrlEncode(HmacSha256(kSecret, unsigned_part));
  EXPECT_FALSE(VerifyJwtHs256(token, kSecret, kNow).ok());
}

TEST_F(JwtTest, ExpiredTokenIsRefused) {
  const std::string token = SignJwtHs256(R"({"exp":1800000000})", kSecret);
  auto claims = VerifyJwtHs256(token, kSecret, kNow);
  ASSERT_FALSE(claims.ok());
  EXPECT_NE(claims.error().message.find("expired"), std::string::npos);
  EXPECT_TRUE(VerifyJwtHs256(token, kSecret, kNow - 1).ok());
}

TEST_F(JwtTest, NotYetValidTokenIsRefused) {
  const std::string token = SignJwtHs256(R"({"nbf":1800000001})", kSecret);
  EXPECT_FALSE(VerifyJwtHs256(token, kSecret, kNow).ok());
}

TEST_F(JwtTest, MalformedTokensAreRefused) {
  for (const std::string_view bad : {"", "abc", "a.b", "a.b.c.d", "!!.??.**", "e30.e30"}) {
    EXPECT_FALSE(VerifyJwtHs256(bad, kSecret, kNow).ok()) << bad;
  }
  const std::string not_json = Base64UrlEncode(R"({"alg":"HS256"})") + "." + Base64UrlEncode("not json");
  EXPECT_FALSE(VerifyJwtHs256(not_json + "." + Base64UrlEncode(HmacSha256(kSecret, not_json)), kSecret, kNow).ok());
}

TEST_F(JwtTest, ConstantTimeEqualsComparesLengthAndBytes) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST_F(JwtTest, RandomUuidsAreVersion4AndDistinct) {
  const std::string a = RandomUuid();
  const std::string b = RandomUuid();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos);
}

}  // namespace
}  // namespace tb::crypto
