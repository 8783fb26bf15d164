#include "store/postgres/read_routing.h"

#include <gtest/gtest.h>

#include <map>

namespace tb::store::postgres {
namespace {

using Clock = ReadRouting::Clock;

TEST(ReadRouting, LsnsParseAsPostgreSQLWritesThemAndOrderLikeThem) {
  EXPECT_EQ(ParseLsn("0/0"), 0u);
  EXPECT_EQ(ParseLsn("0/7000060"), 0x7000060u);
  EXPECT_EQ(ParseLsn("16/B374D848"), (Lsn{0x16} << 32) | 0xB374D848u);
  EXPECT_LT(*ParseLsn("0/FFFFFFFF"), *ParseLsn("1/0"));
  for (const char* bad : {"", "/", "0/", "/1", "0/1/2", "x/1", "0/1z", "123"}) {
    EXPECT_EQ(ParseLsn(bad), std::nullopt) << bad;
  }
}

TEST(ReadRouting, CallersAreUsersOrTheKeysRoleAndTheServerIsNoCaller) {
  EXPECT_EQ(ReadRouting::CallerOf({"authenticated", "u1", "{}"}), "user:u1");
  EXPECT_EQ(ReadRouting::CallerOf({"anon", "", ""}), "role:anon");
  EXPECT_EQ(ReadRouting::CallerOf({"service_role", "", ""}), "role:service_role");
  EXPECT_EQ(ReadRouting::CallerOf({}), "");
}

TEST(ReadRouting, ACallerThatWroteWaitsForAReplicaThatReplayedTheWrite) {
  ReadRouting routing(1);
  const auto now = Clock::now();
  auto fresh = routing.Choose("user:a", now);
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(fresh->known_fresh);
  EXPECT_EQ(fresh->needed, 0u);

  routing.Wrote("user:a", 500, now);
  auto behind = routing.Choose("user:a", now);
  ASSERT_TRUE(behind);
  EXPECT_FALSE(behind->known_fresh) << "the replica has told no position past 500 yet";
  EXPECT_EQ(behind->needed, 500u);
  EXPECT_TRUE(routing.Choose("user:b", now)->known_fresh) << "another caller's write binds only them";

  routing.Replayed(0, 499);
  EXPECT_FALSE(routing.Choose("user:a", now)->known_fresh);
  routing.Replayed(0, 500);
  EXPECT_TRUE(routing.Choose("user:a", now)->known_fresh);
  routing.Replayed(0, 10);  // an older answer never moves the position back
  EXPECT_TRUE(routing.Choose("user:a", now)->known_fresh);
}

TEST(ReadRouting, AWriteIsRememberedForAMinuteAtMost) {
  ReadRouting routing(1);
  const auto now = Clock::now();
  routing.Wrote("user:a", 900, now);
  EXPECT_EQ(routing.Choose("user:a", now + std::chrono::seconds(59))->needed, 900u);
  EXPECT_EQ(routing.Choose("user:a", now + ReadRouting::kKeep)->needed, 0u);
}

TEST(ReadRouting, ReplicasTakeTurnsAndAFreshOneIsPreferred) {
  ReadRouting routing(2);
  const auto now = Clock::now();
  EXPECT_EQ(routing.Choose("role:anon", now)->replica, 0u);
  EXPECT_EQ(routing.Choose("role:anon", now)->replica, 1u);
  EXPECT_EQ(routing.Choose("role:anon", now)->replica, 0u);
  routing.Wrote("user:a", 70, now);
  routing.Replayed(1, 80);
  for (int i = 0; i < 3; ++i) {
    auto choice = routing.Choose("user:a", now);
    EXPECT_EQ(choice->replica, 1u) << "only replica 1 has replayed 70";
    EXPECT_TRUE(choice->known_fresh);
  }
}

TEST(ReadRouting, AReplicaThatFailedRestsThenIsTriedAgain) {
  ReadRouting routing(2);
  const auto now = Clock::now();
  routing.Failed(0, now);
  EXPECT_EQ(routing.Choose("role:anon", now)->replica, 1u);
  EXPECT_EQ(routing.Choose("role:anon", now)->replica, 1u);
  routing.Failed(1, now);
  EXPECT_EQ(routing.Choose("role:anon", now), std::nullopt) << "every replica rests: the primary reads";
  EXPECT_TRUE(routing.Choose("role:anon", now + ReadRouting::kRest));
}

TEST(ReadRouting, CountersNameWhereReadsRanAndWhyTheyStayedOnThePrimary) {
  ReadRouting routing(1);
  routing.Count(ReadRouting::Outcome::kReplica);
  routing.Count(ReadRouting::Outcome::kReplica);
  routing.Count(ReadRouting::Outcome::kPrimary);
  routing.Count(ReadRouting::Outcome::kPrimaryReadYourWrites);
  routing.Count(ReadRouting::Outcome::kPrimaryReplicaUnavailable);
  std::map<std::string, int64_t> seen;
  for (const Counter& c : routing.Counters()) seen[c.name + "{" + c.labels + "}"] = c.value;
  EXPECT_EQ(seen["tenantbase_db_reads_total{target=\"replica\"}"], 2);
  EXPECT_EQ(seen["tenantbase_db_reads_total{target=\"primary\"}"], 3);
  EXPECT_EQ(seen["tenantbase_db_reads_kept_on_primary_total{reason=\"read_your_writes\"}"], 1);
  EXPECT_EQ(seen["tenantbase_db_reads_kept_on_primary_total{reason=\"replica_unavailable\"}"], 1);
}

}  // namespace
}  // namespace tb::store::postgres
