#include "api/auth/verified_tokens.h"

#include <gtest/gtest.h>

#include "api/auth/authenticate.h"
#include "crypto/jwt.h"
#include "support/fake_clock.h"

namespace tb::api::auth {
namespace {

using namespace std::chrono_literals;

policy::Identity User(const std::string& id) {
  policy::Identity identity;
  identity.role = policy::Role::kAuthenticated;
  identity.user_id = id;
  identity.session_id = "s-" + id;
  identity.claims_json = R"({"sub":")" + id + R"("})";
  return identity;
}

TEST(VerifiedTokens, AnswersOnlyTheSameTokenAndOnlyBeforeItsExp) {
  VerifiedTokens tokens;
  tokens.Remember("header.payload.signature", User("u1"), 1000);
  auto hit = tokens.Find("header.payload.signature", 999);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->user_id, "u1");
  EXPECT_EQ(hit->session_id, "s-u1");
  EXPECT_FALSE(tokens.Find("header.payload.signaturE", 999).has_value());
  EXPECT_FALSE(tokens.Find("header.payload.signature.", 999).has_value());
  EXPECT_FALSE(tokens.Find("header.payload.signature", 1000).has_value()) << "exp is the first second it is not valid";
}

TEST(VerifiedTokens, StaysWithinItsBound) {
  VerifiedTokens tokens;
  const size_t bound = VerifiedTokens::kShards * VerifiedTokens::kPerShard;
  for (size_t i = 0; i < bound + 5000; ++i) tokens.Remember("token-" + std::to_string(i), User("u"), 1000);
  EXPECT_LE(tokens.size(), bound);
  EXPECT_GT(tokens.size(), bound / 2);
  EXPECT_TRUE(tokens.Find("token-" + std::to_string(bound + 4999), 1).has_value()) << "the newest stays";
  EXPECT_FALSE(tokens.Find("token-0", 1).has_value()) << "the oldest went";
}

class VerifyWithCache : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.jwt_secret = "a-secret-of-at-least-thirty-two-characters";
    context_.config = &config_;
    context_.clock = &clock_;
    context_.verified_tokens = &tokens_;
    anon_key_ = crypto::SignJwtHs256(R"({"role":"anon","iss":"supabase","exp":4102444800})", config_.jwt_secret);
  }
  int64_t Now() const { return UnixSeconds(clock_.Now()); }
  std::string UserToken(int64_t exp, std::string_view extra = "") {
    return crypto::SignJwtHs256(R"({"sub":"u1","session_id":"s1","role":"authenticated","exp":)" + std::to_string(exp) +
                                    std::string(extra) + "}",
                                config_.jwt_secret);
  }
  Result<policy::Identity> Verify(const std::string& bearer) {
    http::Request request;
    request.headers = {{"apikey", anon_key_}, {"Authorization", "Bearer " + bearer}};
    return VerifyCredentials(request, context_);
  }

  tb::auth::AuthConfig config_;
  testing::FakeClock clock_;
  VerifiedTokens tokens_;
  AuthContext context_;
  std::string anon_key_;
};

TEST_F(VerifyWithCache, KeepsAVerifiedTokenUntilItExpiresThenRefusesIt) {
  const std::string token = UserToken(Now() + 60);
  auto first = Verify(token);
  ASSERT_TRUE(first) << Describe(first.error());
  EXPECT_EQ(tokens_.size(), 1u);
  auto again = Verify(token);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->user_id, "u1");
  EXPECT_EQ(again->session_id, "s1");
  EXPECT_EQ(again->claims_json, first->claims_json);
  clock_.Advance(61s);
  auto expired = Verify(token);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos) << expired.error().message;
}

TEST_F(VerifyWithCache, AKeptTokenVouchesForNoOtherText) {
  const std::string token = UserToken(Now() + 60);
  ASSERT_TRUE(Verify(token));
  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(Verify(forged));
  EXPECT_FALSE(Verify(token + "x"));
  // The same claims signed with another secret are refused even while the real one is kept.
  const std::string other = crypto::SignJwtHs256(
      R"({"sub":"u1","session_id":"s1","role":"authenticated","exp":)" + std::to_string(Now() + 60) + "}",
      "another-secret-of-at-least-thirty-two-chars");
  EXPECT_FALSE(Verify(other));
}

TEST_F(VerifyWithCache, TokensWithNbfOrWithoutExpAreVerifiedEveryTime) {
  ASSERT_TRUE(Verify(UserToken(Now() + 60, R"(,"nbf":)" + std::to_string(Now() - 1))));
  ASSERT_TRUE(Verify(crypto::SignJwtHs256(R"({"sub":"u1","session_id":"s1","role":"authenticated"})", config_.jwt_secret)));
  EXPECT_EQ(tokens_.size(), 0u);
}

}  // namespace
}  // namespace tb::api::auth
