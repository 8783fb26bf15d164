#include "domain/auth/mfa_service.h"

#include <gtest/gtest.h>

#include "support/fake_clock.h"

#include "crypto/totp.h"
#include "domain/auth/session_service.h"
#include "support/migrated_store.h"

namespace tb::auth {
namespace {

using testing::FakeClock;

using store::Value;

// Ten seconds into a time step, so "now" and "now + 19 s" share a step.
const SystemTime kStart = *ParseTimestamp("2030-01-01T00:00:10Z");

class MfaServiceTest : public ::testing::Test {
 protected:
  MfaServiceTest() { config_.jwt_secret = "a server secret for the tests, long enough"; }

  // Runs `f` in a write transaction and commits whatever it returns, as the handlers do
  // after a refusal.
  template <typename F>
  auto Write(F f) {
    auto txn = db_.store().Begin(store::Access::kWrite);
    EXPECT_TRUE(txn.ok());
    auto result = f(**txn);
    EXPECT_TRUE((*txn)->Commit().ok());
    return result;
  }

  User NewUser(const std::string& email) {
    return Write([&](store::Transaction& txn) {
      tb::auth::NewUser fields;
      fields.email = email;
      return *users::Create(txn, fields);
    });
  }

  // A signed-in caller for `user` in a new session at aal1, from 127.0.0.1.
  MfaCaller SignIn(const User& user) {
    auto issued = Write([&](store::Transaction& txn) {
      return *sessions_.Create(txn, user, "password", ClientInfo{});
    });
    return MfaCaller{user.id, issued.session_id, "aal1", "127.0.0.1"};
  }

  EnrolledTotp Enroll(const User& user, const MfaCaller& caller, std::string name = "") {
    auto enrolled = Write([&](store::Transaction& txn) {
      return mfa_.EnrollTotp(txn, user, caller, name, "");
    });
    EXPECT_TRUE(enrolled.ok()) << Describe(enrolled.error());
    return *enrolled;
  }

  std::string ChallengeId(const MfaCaller& caller, const std::string& factor_id) {
    auto challenge = Write([&](store::Transaction& txn) { return mfa_.Challenge(txn, caller, factor_id); });
    EXPECT_TRUE(challenge.ok()) << Describe(challenge.error());
    return challenge.ok() ? challenge->id : "";
  }

  Result<Factor> Verify(const MfaCaller& caller, const std::string& factor_id,
                        const std::string& challenge_id, const std::string& code) {
    return Write([&](store::Transaction& txn) {
      return mfa_.Verify(txn, caller, factor_id, challenge_id, code);
    });
  }

  // The code the authenticator app shows now for `enrolled`.
  std::string CodeNow(const EnrolledTotp& enrolled) const {
    return crypto::Totp(*crypto::Base32Decode(enrolled.secret), UnixSeconds(clock_.Now()));
  }

  // Enrolls and verifies a factor; returns it and the caller raised to aal2.
  std::pair<EnrolledTotp, MfaCaller> VerifiedFactor(const User& user) {
    MfaCaller caller = SignIn(user);
    EnrolledTotp enrolled = Enroll(user, caller);
    auto verified = Verify(caller, enrolled.factor.id, ChallengeId(caller, enrolled.factor.id),
                           CodeNow(enrolled));
    EXPECT_TRUE(verified.ok()) << Describe(verified.error());
    Write([&](store::Transaction& txn) {
      return sessions_.Elevate(txn, user, caller.session_id, "totp", enrolled.factor.id).ok();
    });
    caller.aal = "aal2";
    return {enrolled, caller};
  }

  int64_t Count(std::string_view sql, std::vector<Value> params) {
    return db_.Scalar(sql, std::move(params)).as_int();
  }

  static ::testing::AssertionResult Refused(const Error& error, ErrorCode code,
                                            std::string_view reason) {
    if (error.code == code && error.reason == reason) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "got " << ErrorCodeName(error.code) << " / "
                                         << error.reason << ": " << error.message;
  }

  testing::MigratedStore db_;
  FakeClock clock_{kStart};
  AuthConfig config_;
  SessionService sessions_{config_, clock_};
  MfaService mfa_{config_, clock_};
};

TEST_F(MfaServiceTest, EnrollReturnsSecretAndUriAndStoresOnlyTheSealedSecret) {
  const User user = NewUser("ada@example.com");
  const EnrolledTotp enrolled = Enroll(user, SignIn(user), "phone");
  EXPECT_EQ(enrolled.factor.status, "unverified");
  EXPECT_EQ(enrolled.factor.factor_type, "totp");
  EXPECT_EQ(enrolled.factor.friendly_name, "phone");
  const auto secret = crypto::Base32Decode(enrolled.secret);
  ASSERT_TRUE(secret.has_value());
  EXPECT_EQ(secret->size(), crypto::kTotpSecretBytes);
  // The default issuer is the site URL's host, without the port ("localhost:3000").
  EXPECT_EQ(enrolled.uri, "otpauth://totp/localhost:ada@example.com?secret=" + enrolled.secret +
                              "&issuer=localhost&algorithm=SHA1&digits=6&period=30");

  const std::string stored =
      db_.Scalar("SELECT secret FROM auth_mfa_factors WHERE id = $1", {Value::Text(enrolled.factor.id)})
          .as_text();
  EXPECT_EQ(stored.find(enrolled.secret), std::string::npos);
  EXPECT_EQ(crypto::OpenTotpSecret(stored, config_.jwt_secret), *secret);
  EXPECT_EQ(crypto::OpenTotpSecret(stored, "another server secret"), std::nullopt);
}

TEST_F(MfaServiceTest, EnrollEncodesAGivenIssuerAndRefusesOneWithAColon) {
  const User user = NewUser("bo@example.com");
  const MfaCaller caller = SignIn(user);
  auto named = Write([&](store::Transaction& txn) { return mfa_.EnrollTotp(txn, user, caller, "", "Acme Corp"); });
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->uri.rfind("otpauth://totp/Acme%20Corp:bo@example.com?secret=", 0), 0u) << named->uri;
  EXPECT_NE(named->uri.find("&issuer=Acme%20Corp&"), std::string::npos);

  auto colon = Write([&](store::Transaction& txn) { return mfa_.EnrollTotp(txn, user, caller, "", "a:b"); });
  ASSERT_FALSE(colon.ok());
  EXPECT_TRUE(Refused(colon.error(), ErrorCode::kInvalidArgument, "validation_failed"));
  auto long_name = Write([&](store::Transaction& txn) {
    return mfa_.EnrollTotp(txn, user, caller, std::string(256, 'n'), "");
  });
  ASSERT_FALSE(long_name.ok());
  EXPECT_TRUE(Refused(long_name.error(), ErrorCode::kInvalidArgument, "validation_failed"));
}

TEST_F(MfaServiceTest, FriendlyNamesAreUniquePerUserButEmptyNamesDoNotClash) {
  const User ada = NewUser("ada@example.com");
  const User bo = NewUser("bo@example.com");
  const MfaCaller caller = SignIn(ada);
  Enroll(ada, caller, "laptop");
  auto again = Write([&](store::Transaction& txn) { return mfa_.EnrollTotp(txn, ada, caller, "laptop", ""); });
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(Refused(again.error(), ErrorCode::kFailedPrecondition, "mfa_factor_name_conflict"));
  Enroll(ada, caller, "");
  Enroll(ada, caller, "");
  Enroll(bo, SignIn(bo), "laptop");
  EXPECT_EQ(Count("SELECT count(*) FROM auth_mfa_factors WHERE user_id = $1", {Value::Text(ada.id)}), 3);
}

TEST_F(MfaServiceTest, AUserHoldsAtMostTenFactors) {
  const User user = NewUser("ada@example.com");
  const MfaCaller caller = SignIn(user);
  for (int i = 0; i < MfaService::kMaxFactors; ++i) Enroll(user, caller, "f" + std::to_string(i));
  auto eleventh = Write([&](store::Transaction& txn) { return mfa_.EnrollTotp(txn, user, caller, "x", ""); });
  ASSERT_FALSE(eleventh.ok());
  EXPECT_TRUE(Refused(eleventh.error(), ErrorCode::kFailedPrecondition, "too_many_enrolled_mfa_factors"));
  // Abandoned enrollments age out: an hour later there is room again.
  clock_.Advance(MfaService::kUnverifiedFactorLifetime + std::chrono::seconds(1));
  Enroll(user, caller, "x");
  EXPECT_EQ(Count("SELECT count(*) FROM auth_mfa_factors WHERE user_id = $1", {Value::Text(user.id)}), 1);
}

TEST_F(MfaServiceTest, EnrollingAnotherFactorNeedsAal2OnceOneIsVerified) {
  const User user = NewUser("ada@example.com");
  auto [enrolled, aal2] = VerifiedFactor(user);
  const MfaCaller aal1 = SignIn(user);
  auto refused = Write([&](store::Transaction& txn) { return mfa_.EnrollTotp(txn, user, aal1, "", ""); });
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(Refused(refused.error(), ErrorCode::kPermissionDenied, "insufficient_aal"));
  Enroll(user, aal2, "second");
}

TEST_F(MfaServiceTest, TheRightCodeVerifiesTheFactorAndSpendsTheChallenge) {
  const User user = NewUser("ada@example.com");
  const MfaCaller caller = SignIn(user);
  const EnrolledTotp enrolled = Enroll(user, caller);
  const std::string challenge = ChallengeId(caller, enrolled.factor.id);
  auto verified = Verify(caller, enrolled.factor.id, challenge, CodeNow(enrolled));
  ASSERT_TRUE(verified.ok()) << Describe(verified.error());
  EXPECT_EQ(verified->status, "verified");
  EXPECT_EQ(db_.Scalar("SELECT last_used_step FROM auth_mfa_factors WHERE id = $1",
                       {Value::Text(enrolled.factor.id)}).as_int(),
            crypto::TotpStep(UnixSeconds(clock_.Now())));
  EXPECT_FALSE(db_.Scalar("SELECT verified_at FROM auth_mfa_challenges WHERE id = $1",
                          {Value::Text(challenge)}).is_null());
  // A spent challenge cannot be verified again, even with the next step's code.
  clock_.Advance(std::chrono::seconds(30));
  auto again = Verify(caller, enrolled.factor.id, challenge, CodeNow(enrolled));
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(Refused(again.error(), ErrorCode::kFailedPrecondition, "mfa_challenge_expired"));
}

TEST_F(MfaServiceTest, AnAcceptedCodeCannotBeReplayedWithAFreshChallenge) {
  const User user = NewUser("ada@example.com");
  auto [enrolled, caller] = VerifiedFactor(user);
  const std::string used = CodeNow(enrolled);
  clock_.Advance(std::chrono::seconds(15));  // same step: the code is still current
  auto replay = Verify(caller, enrolled.factor.id, ChallengeId(caller, enrolled.factor.id), used);
  ASSERT_FALSE(replay.ok());
  EXPECT_TRUE(Refused(replay.error(), ErrorCode::kFailedPrecondition, "mfa_verification_failed"));
  clock_.Advance(std::chrono::seconds(30));
  auto next = Verify(caller, enrolled.factor.id, ChallengeId(caller, enrolled.factor.id), CodeNow(enrolled));
  EXPECT_TRUE(next.ok());
}

TEST_F(MfaServiceTest, WrongCodesAreCountedAndTheChallengeClosesAtTheCap) {
  const User user = NewUser("ada@example.com");
  const MfaCaller caller = SignIn(user);
  const EnrolledTotp enrolled = Enroll(user, caller);
  const std::string challenge = ChallengeId(caller, enrolled.factor.id);
  const std::string right = CodeNow(enrolled);
  const std::string wrong = right == "000000" ? "111111" : "000000";
  for (int i = 0; i < config_.max_verification_attempts; ++i) {
    auto refused = Verify(caller, enrolled.factor.id, challenge, wrong);
    ASSERT_FALSE(refused.ok());
    EXPECT_TRUE(Refused(refused.error(), ErrorCode::kFailedPrecondition, "mfa_verification_failed"));
  }
  EXPECT_EQ(Count("SELECT verification_attempts FROM auth_mfa_challenges WHERE id = $1",
                  {Value::Text(challenge)}),
            config_.max_verification_attempts);
  auto closed = Verify(caller, enrolled.factor.id, challenge, right);
  ASSERT_FALSE(closed.ok());
  EXPECT_TRUE(Refused(closed.error(), ErrorCode::kFailedPrecondition, "mfa_challenge_expired"));
  // A new challenge takes the right code.
  EXPECT_TRUE(Verify(caller, enrolled.factor.id, ChallengeId(caller, enrolled.factor.id), right).ok());
}

TEST_F(MfaServiceTest, AnExpiredChallengeIsRefusedAndRemoved) {
  const User user = NewUser("ada@example.com");
  const MfaCaller caller = SignIn(user);
  const EnrolledTotp enrolled = Enroll(user, caller);
  const std::string challenge = ChallengeId(caller, enrolled.factor.id);
  clock_.Advance(config_.mfa_challenge_ttl);
  auto expired = Verify(caller, enrolled.factor.id, challenge, CodeNow(enrolled));
  ASSERT_FALSE(expired.ok());
  EXPECT_TRUE(Refused(expired.error(), ErrorCode::kFailedPrecondition, "mfa_challenge_expired"));
  EXPECT_EQ(Count("SELECT count(*) FROM auth_mfa_challenges WHERE id = $1", {Value::Text(challenge)}), 0);
  // One second before expiry it would have been accepted.
  const std::string fresh = ChallengeId(caller, enrolled.factor.id);
  clock_.Advance(config_.mfa_challenge_ttl - std::chrono::seconds(1));
  EXPECT_TRUE(Verify(caller, enrolled.factor.id, fresh, CodeNow(enrolled)).ok());
}

TEST_F(MfaServiceTest, ChallengesAreBoundToTheirFactorAndTheirIp) {
  const User user = NewUser("ada@example.com");
  const MfaCaller caller = SignIn(user);
  const EnrolledTotp first = Enroll(user, caller, "first");
  const EnrolledTotp second = Enroll(user, caller, "second");
  const std::string challenge = ChallengeId(caller, first.factor.id);
  auto crossed = Verify(caller, second.factor.id, challenge, CodeNow(second));
  ASSERT_FALSE(crossed.ok());
  EXPECT_TRUE(Refused(crossed.error(), ErrorCode::kFailedPrecondition, "mfa_factor_not_found"));
  MfaCaller elsewhere = caller;
  elsewhere.ip = "10.0.0.9";
  auto moved = Verify(elsewhere, first.factor.id, challenge, CodeNow(first));
  ASSERT_FALSE(moved.ok());
  EXPECT_TRUE(Refused(moved.error(), ErrorCode::kFailedPrecondition, "mfa_ip_address_mismatch"));
  EXPECT_TRUE(Verify(caller, first.factor.id, challenge, CodeNow(first)).ok());
}

TEST_F(MfaServiceTest, AnotherUsersFactorIsNotFound) {
  const User ada = NewUser("ada@example.com");
  const User eve = NewUser("eve@example.com");
  const MfaCaller ada_caller = SignIn(ada);
  const MfaCaller eve_caller = SignIn(eve);
  const EnrolledTotp enrolled = Enroll(ada, ada_caller);
  auto challenge = Write([&](store::Transaction& txn) { return mfa_.Challenge(txn, eve_caller, enrolled.factor.id); });
  ASSERT_FALSE(challenge.ok());
  EXPECT_TRUE(Refused(challenge.error(), ErrorCode::kNotFound, "mfa_factor_not_found"));
  const std::string ada_challenge = ChallengeId(ada_caller, enrolled.factor.id);
  auto verify = Verify(eve_caller, enrolled.factor.id, ada_challenge, CodeNow(enrolled));
  ASSERT_FALSE(verify.ok());
  EXPECT_TRUE(Refused(verify.error(), ErrorCode::kNotFound, "mfa_factor_not_found"));
  Status unenroll = Write([&](store::Transaction& txn) { return mfa_.Unenroll(txn, eve_caller, enrolled.factor.id); });
  ASSERT_FALSE(unenroll.ok());
  EXPECT_TRUE(Refused(unenroll.error(), ErrorCode::kNotFound, "mfa_factor_not_found"));
  EXPECT_EQ(Count("SELECT count(*) FROM auth_mfa_factors WHERE id = $1", {Value::Text(enrolled.factor.id)}), 1);
}

TEST_F(MfaServiceTest, VerifyingRemovesAbandonedEnrollmentsAndOtherAal1Sessions) {
  const User user = NewUser("ada@example.com");
  const MfaCaller other = SignIn(user);
  const MfaCaller caller = SignIn(user);
  const EnrolledTotp abandoned = Enroll(user, caller, "abandoned");
  const EnrolledTotp kept = Enroll(user, caller, "kept");
  ASSERT_TRUE(Verify(caller, kept.factor.id, ChallengeId(caller, kept.factor.id), CodeNow(kept)).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM auth_mfa_factors WHERE id = $1", {Value::Text(abandoned.factor.id)}), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM auth_sessions WHERE id = $1", {Value::Text(other.session_id)}), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM auth_sessions WHERE id = $1", {Value::Text(caller.session_id)}), 1);
}

TEST_F(MfaServiceTest, UnenrollingAVerifiedFactorNeedsAal2AndLowersItsSessions) {
  const User user = NewUser("ada@example.com");
  auto [enrolled, aal2] = VerifiedFactor(user);
  const MfaCaller aal1 = SignIn(user);
  const EnrolledTotp pending = Enroll(user, aal2, "pending");
  // An unverified factor goes at aal1 …
  EXPECT_TRUE(Write([&](store::Transaction& txn) { return mfa_.Unenroll(txn, aal1, pending.factor.id); }).ok());
  // … a verified one does not.
  Status refused = Write([&](store::Transaction& txn) { return mfa_.Unenroll(txn, aal1, enrolled.factor.id); });
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(Refused(refused.error(), ErrorCode::kFailedPrecondition, "insufficient_aal"));
  EXPECT_EQ(db_.Scalar("SELECT aal FROM auth_sessions WHERE id = $1", {Value::Text(aal2.session_id)}).as_text(), "aal2");

  ASSERT_TRUE(Write([&](store::Transaction& txn) { return mfa_.Unenroll(txn, aal2, enrolled.factor.id); }).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM auth_mfa_factors WHERE user_id = $1", {Value::Text(user.id)}), 0);
  EXPECT_EQ(db_.Scalar("SELECT aal FROM auth_sessions WHERE id = $1", {Value::Text(aal2.session_id)}).as_text(), "aal1");
  EXPECT_TRUE(db_.Scalar("SELECT factor_id FROM auth_sessions WHERE id = $1", {Value::Text(aal2.session_id)}).is_null());
}

TEST_F(MfaServiceTest, ASecretSealedUnderAnotherServerSecretFailsLoudly) {
  const User user = NewUser("ada@example.com");
  const MfaCaller caller = SignIn(user);
  const EnrolledTotp enrolled = Enroll(user, caller);
  const std::string challenge = ChallengeId(caller, enrolled.factor.id);
  AuthConfig rotated = config_;
  rotated.jwt_secret = "a different server secret entirely";
  MfaService other(rotated, clock_);
  auto verified = Write([&](store::Transaction& txn) {
    return other.Verify(txn, caller, enrolled.factor.id, challenge, CodeNow(enrolled));
  });
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(verified.error().reason.empty());
}

}  // namespace
}  // namespace tb::auth
