// One policy text, two enforcers (DESIGN §2.3): every CREATE POLICY of the core migrations
// is the same on SQLite (kept by the policy layer) and on PostgreSQL (installed natively).
// The two migration sets are separate files, so this keeps them from drifting apart.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "policy/sql/script.h"
#include "store/migrate/migration.h"

namespace tb::policy {
namespace {

// "table/policy" → the statement's tokens after its name, one space apart.
std::map<std::string, std::string> PoliciesOf(std::string_view dialect) {
  std::map<std::string, std::string> out;
  auto migrations = migrate::CoreMigrations(dialect);
  EXPECT_TRUE(migrations) << Describe(migrations.error());
  if (!migrations) return out;
  for (const auto& m : *migrations) {
    auto statements = sql::SplitScript(m.sql);
    EXPECT_TRUE(statements) << m.file_name;
    if (!statements) continue;
    for (const auto& st : *statements) {
      sql::TokenCursor cursor(m.sql, st.tokens);
      if (!cursor.AcceptWords({"create", "policy"})) continue;
      auto name = cursor.Name();
      EXPECT_TRUE(name && cursor.AcceptWords({"on"})) << m.file_name << ":" << st.line;
      auto table = cursor.QualifiedName();
      EXPECT_TRUE(table) << m.file_name << ":" << st.line;
      if (!name || !table) continue;
      const std::string schema = table->first.empty() ? "public" : table->first;
      std::string text;
      while (!cursor.AtEnd()) {
        const sql::Token& t = cursor.Take();
        if (!text.empty()) text += ' ';
        text += t.kind == sql::TokenKind::kString ? "'" + t.text + "'" : t.text;
      }
      const std::string key = schema + "." + table->second + "/" + *name;
      EXPECT_FALSE(out.contains(key)) << key << " is created twice in " << dialect;
      out[key] = text;
    }
  }
  return out;
}

TEST(PolicyParity, EveryCorePolicyReadsTheSameOnSqliteAndPostgres) {
  const auto sqlite = PoliciesOf("sqlite");
  const auto postgres = PoliciesOf("postgres");
  EXPECT_GE(sqlite.size(), 20u);  // the core schema's policies were found at all
  for (const auto& [key, text] : sqlite) {
    auto it = postgres.find(key);
    if (it == postgres.end()) {
      ADD_FAILURE() << key << " exists on SQLite only";
      continue;
    }
    EXPECT_EQ(it->second, text) << key;
  }
  for (const auto& [key, text] : postgres) {
    EXPECT_TRUE(sqlite.contains(key)) << key << " exists on PostgreSQL only";
  }
}

}  // namespace
}  // namespace tb::policy
