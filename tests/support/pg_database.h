// tests/support/pg_database.h
//
// A fresh, empty PostgreSQL database for one test, in the cluster the CTest fixture
// `pg` started (tests/support/pg_cluster; its env file is named by TB_PG_ENV). Owned by
// the server's role `tenantbase`; dropped when the object goes out of scope.
//
// There is no skipping: without the fixture's cluster the constructor fails the test.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <string>

#include "store/postgres/pg_connection.h"

namespace tb::testing {

class PgDatabase {
 public:
  PgDatabase() {
    const char* env_file = std::getenv("TB_PG_ENV");
    if (env_file == nullptr) {
      ADD_FAILURE() << "TB_PG_ENV is not set: run through CTest, whose fixture `pg` starts "
                       "the cluster (tests/support/pg_cluster)";
      return;
    }
    std::ifstream in(env_file);
    std::map<std::string, std::string> env;
    for (std::string line; std::getline(in, line);) {
      if (const size_t eq = line.find('='); eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    if (env["TB_PG_URL"].empty() || env["TB_PG_ADMIN_URL"].empty()) {
      ADD_FAILURE() << "no cluster described in " << env_file;
      return;
    }
    std::random_device rd;
    name_ = "tb_test_" + std::to_string(rd()) + std::to_string(rd());
    admin_url_ = WithDatabase(env["TB_PG_ADMIN_URL"], "postgres");
    url_ = WithDatabase(env["TB_PG_URL"], name_);
    auto admin = store::postgres::PgConnection::Open(admin_url_);
    if (!admin) {
      ADD_FAILURE() << Describe(admin.error());
      return;
    }
    if (Status s = (*admin)->ExecuteScript("CREATE DATABASE " + name_ + " OWNER tenantbase"); !s) {
      ADD_FAILURE() << Describe(s.error());
      return;
    }
    ok_ = true;
  }

  ~PgDatabase() {
    if (!ok_) return;
    if (auto admin = store::postgres::PgConnection::Open(admin_url_)) {
      (void)(*admin)->ExecuteScript("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    }
  }
  PgDatabase(const PgDatabase&) = delete;
  PgDatabase& operator=(const PgDatabase&) = delete;

  bool ok() const { return ok_; }
  // Connects as the server's own role, `tenantbase`.
  const std::string& url() const { return url_; }
  // Connects as the superuser, to this database.
  std::string admin_url() const { return WithDatabase(admin_url_, name_); }

 private:
  // postgresql://user@host:port/db → the same URL naming `database`.
  static std::string WithDatabase(const std::string& url, const std::string& database) {
    const size_t slash = url.rfind('/');
    return url.substr(0, slash + 1) + database;
  }

  bool ok_ = false;
  std::string name_;
  std::string url_;
  std::string admin_url_;
};

}  // namespace tb::testing
