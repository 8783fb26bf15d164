#include "store/sqlite/sqlite_dialect.h"

#include <gtest/gtest.h>

namespace tb::store::sqlite {
namespace {

TEST(SqliteDialect, SchemaQualifiedNamesBecomeSqlitesNames) {
  EXPECT_EQ(TranslateSchemaNames("SELECT id FROM auth.users WHERE id = auth.uid()"),
            "SELECT id FROM auth_users WHERE id = auth_uid()");
  EXPECT_EQ(TranslateSchemaNames("INSERT INTO kit.billing_jobs (a) SELECT a FROM public.accounts"),
            "INSERT INTO kit_billing_jobs (a) SELECT a FROM accounts");
  EXPECT_EQ(TranslateSchemaNames("SELECT storage.foldername(o.name) FROM storage.objects o"),
            "SELECT storage_foldername(o.name) FROM storage_objects o");
  EXPECT_EQ(TranslateSchemaNames("UPDATE Auth.Users SET x = 1"), "UPDATE auth_Users SET x = 1");
  EXPECT_EQ(TranslateSchemaNames("SELECT * FROM public.\"Odd Name\""), "SELECT * FROM \"Odd Name\"");
}

TEST(SqliteDialect, LiteralsCommentsAndOtherNamesAreLeftAlone) {
  const char* unchanged[] = {
      "SELECT 'auth.users', \"kit.x\" FROM accounts",
      "SELECT 'it''s auth.users' -- auth.users\nFROM accounts /* kit.jobs */",
      "SELECT a.auth, x.auth.users, oauth.users, myauth.users FROM accounts a",
      "SELECT 1.5, $1, json_extract(metadata, '$.auth.users') FROM auth_users",
      "SELECT auth FROM kit",
      "SELECT auth.\"Users\" FROM t",
  };
  for (const char* sql : unchanged) EXPECT_EQ(TranslateSchemaNames(sql), sql);
  EXPECT_EQ(TranslateSchemaNames(""), "");
  EXPECT_EQ(TranslateSchemaNames("SELECT 'unterminated auth.users"), "SELECT 'unterminated auth.users");
}

}  // namespace
}  // namespace tb::store::sqlite
