#include "base/clock.h"

#include <gtest/gtest.h>

namespace tb {
namespace {

TEST(Clock, FormatsIso8601UtcWithMicroseconds) {
  const auto t = ParseTimestamp("2026-11-28T04:34:55.123456Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(FormatTimestamp(*t), "2026-11-28T04:34:55.123456+00:00");
}

TEST(Clock, ParsesPostgresAndIsoForms) {
  const std::string expected = "2026-01-02T03:04:05.000000+00:00";
  for (const char* text : {"2026-01-02T03:04:05Z", "2026-01-02 03:04:05", "2026-01-02T03:04:05+00:00",
                           "2026-01-02T05:04:05+02", "2026-01-02T01:34:05-0130"}) {
    const auto t = ParseTimestamp(text);
    ASSERT_TRUE(t.has_value()) << text;
    EXPECT_EQ(FormatTimestamp(*t), expected) << text;
  }
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("2026-01-02")), "2026-01-02T00:00:00.000000+00:00");
}

TEST(Clock, RefusesImpossibleOrMalformedTimes) {
  for (const char* text : {"", "2026", "2026-02-30", "2026-13-01", "2026-01-02T25:00:00",
                           "2026-01-02T03:04:05.", "2026-01-02T03:04:05 garbage", "yesterday"}) {
    EXPECT_FALSE(ParseTimestamp(text).has_value()) << text;
  }
}

TEST(Clock, TextOrderIsTimeOrder) {
  const auto a = FormatTimestamp(*ParseTimestamp("2026-01-02T03:04:05.9Z"));
  const auto b = FormatTimestamp(*ParseTimestamp("2026-01-02T03:04:06Z"));
  EXPECT_LT(a, b);
}

TEST(Clock, UnixSecondsCountsFromTheEpoch) {
  EXPECT_EQ(UnixSeconds(*ParseTimestamp("1970-01-01T00:01:00Z")), 60);
}

}  // namespace
}  // namespace tb
