#include "app/config.h"

#include <gtest/gtest.h>

namespace tb::app {
namespace {

TEST(Config, ParsesListenAddresses) {
  auto v4 = ParseHostPort("127.0.0.1:54321");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 54321);
  auto v6 = ParseHostPort("[::1]:8000");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  auto port_only = ParseHostPort(":0");
  ASSERT_TRUE(port_only.ok());
  EXPECT_EQ(port_only->host, "127.0.0.1");
  EXPECT_EQ(port_only->port, 0);
}

TEST(Config, RefusesBadListenAddresses) {
  for (const char* bad : {"", "localhost", "host:", "host:65536", "host:12ab", "host:-1"}) {
    EXPECT_FALSE(ParseHostPort(bad).ok()) << bad;
  }
}

TEST(Config, DefaultDatabaseIsSqliteInTheDataDir) {
  Config config;
  config.data_dir = "/srv/tb";
  auto path = SqlitePath(config);
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, "/srv/tb/tenantbase.db");
  config.database_url = "sqlite:///tmp/x.db";
  EXPECT_EQ(*SqlitePath(config), "/tmp/x.db");
}

TEST(Config, UnknownDatabaseUrlsAreRefusedWithAReason) {
  Config config;
  config.database_url = "mysql://x";
  auto path = SqlitePath(config);
  ASSERT_FALSE(path.ok());
  EXPECT_NE(path.error().message.find("postgres://"), std::string::npos);
  config.database_url = "postgres://localhost/db";
  auto none = SqlitePath(config);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, "");
  EXPECT_TRUE(IsPostgresUrl("postgresql://u@h/d"));
  EXPECT_FALSE(IsPostgresUrl("sqlite:///tmp/x.db"));
}

}  // namespace
}  // namespace tb::app
