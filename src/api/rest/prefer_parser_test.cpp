#include "api/rest/query_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace tb::rest {
namespace {

Result<Preferences> Prefer(std::vector<std::string_view> headers) {
  return ParsePrefer(headers);
}

TEST(QueryParserPrefer, WhatSupabaseJsSends) {
  // `.upsert(rows, { count: 'exact', defaultToNull: false }).select()`.
  auto prefs =
      Prefer({"resolution=merge-duplicates,count=exact,missing=default,return=representation"});
  ASSERT_TRUE(prefs.ok());
  EXPECT_EQ(prefs->resolution, ResolutionPreference::kMergeDuplicates);
  EXPECT_EQ(prefs->count, CountPreference::kExact);
  EXPECT_EQ(prefs->missing, MissingPreference::kDefault);
  EXPECT_EQ(prefs->representation, ReturnPreference::kRepresentation);
  EXPECT_EQ(prefs->handling, HandlingPreference::kLenient);
  EXPECT_TRUE(prefs->invalid.empty());
  auto ignore = Prefer({"resolution=ignore-duplicates"});
  EXPECT_EQ(ignore->resolution, ResolutionPreference::kIgnoreDuplicates);
  EXPECT_EQ(Prefer({"tx=rollback"})->tx, TxPreference::kRollback);
  EXPECT_EQ(Prefer({"count=planned"})->count, CountPreference::kPlanned);
  EXPECT_EQ(Prefer({"count=estimated"})->count, CountPreference::kEstimated);
  EXPECT_EQ(Prefer({"return=minimal"})->representation, ReturnPreference::kMinimal);
  EXPECT_EQ(Prefer({"return=headers-only"})->representation, ReturnPreference::kHeadersOnly);
  EXPECT_EQ(Prefer({"missing=null"})->missing, MissingPreference::kNull);
  // `.delete()` / `.update()` without options send an empty Prefer header.
  auto empty = Prefer({""});
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->representation.has_value());
  EXPECT_FALSE(empty->count.has_value());
}

TEST(QueryParserPrefer, SeveralHeadersSpacesAndFirstWins) {
  auto prefs = Prefer({"count=exact,    tx=commit   ,return=representation , tx=rollback",
                       "return=minimal", "timezone=America/Los_Angeles, max-affected=100"});
  ASSERT_TRUE(prefs.ok());
  EXPECT_EQ(prefs->count, CountPreference::kExact);
  EXPECT_EQ(prefs->tx, TxPreference::kCommit);
  EXPECT_EQ(prefs->representation, ReturnPreference::kRepresentation);
  EXPECT_EQ(prefs->timezone, "America/Los_Angeles");
  EXPECT_EQ(prefs->max_affected, 100);
  EXPECT_TRUE(prefs->invalid.empty());
}

TEST(QueryParserPrefer, UnknownPreferencesAreIgnoredUnlessStrict) {
  auto lenient = Prefer({"handling=lenient, foo, return=bogus, COUNT=EXACT"});
  ASSERT_TRUE(lenient.ok());
  EXPECT_EQ(lenient->invalid, (std::vector<std::string>{"foo", "return=bogus", "COUNT=EXACT"}));
  EXPECT_FALSE(lenient->count.has_value());  // values are case-sensitive, as in PostgREST
  auto strict = Prefer({"handling=strict, foo, bar"});
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(strict.error().reason, "PGRST122");
  EXPECT_EQ(strict.error().message, "Invalid preferences given with handling=strict");
  EXPECT_EQ(strict.error().detail, "Invalid preferences: foo, bar");
  auto across = Prefer({"foo", "handling=strict"});
  ASSERT_FALSE(across.ok());
  auto valid = Prefer({"handling=strict, count=exact, max-affected=abc, params=single-object"});
  ASSERT_TRUE(valid.ok());
  EXPECT_EQ(valid->handling, HandlingPreference::kStrict);
  EXPECT_FALSE(valid->max_affected.has_value());
}

}  // namespace
}  // namespace tb::rest
