#include "app/data_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "crypto/random.h"
#include "support/temp_dir.h"

namespace tb::app {
namespace {

class DataDirTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::Init()); }
  testing::TempDir tmp_;
};

TEST_F(DataDirTest, CreatesMissingDirectoriesPrivately) {
  const std::string dir = tmp_.File("a/b/data");
  ASSERT_TRUE(PrepareDataDir(dir).ok());
  struct stat st {};
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(DataDirTest, RefusesAFile) {
  std::ofstream(tmp_.File("file")) << "x";
  auto s = PrepareDataDir(tmp_.File("file"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kIo);
}

TEST_F(DataDirTest, GeneratesASecretOnceWithMode0600) {
  auto first = LoadOrCreateJwtSecret(tmp_.path().string(), "");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->size(), 64u);
  struct stat st {};
  ASSERT_EQ(stat(tmp_.File("jwt-secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = LoadOrCreateJwtSecret(tmp_.path().string(), "");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);
}

TEST_F(DataDirTest, ConfiguredSecretWinsAndMustBeLongEnough) {
  auto configured = LoadOrCreateJwtSecret(tmp_.path().string(), std::string(40, 'k'));
  ASSERT_TRUE(configured.ok());
  EXPECT_EQ(*configured, std::string(40, 'k'));
  EXPECT_FALSE(LoadOrCreateJwtSecret(tmp_.path().string(), "short").ok());
}

TEST_F(DataDirTest, RefusesASecretFileOthersCanRead) {
  ASSERT_TRUE(LoadOrCreateJwtSecret(tmp_.path().string(), "").ok());
  chmod(tmp_.File("jwt-secret").c_str(), 0644);
  auto secret = LoadOrCreateJwtSecret(tmp_.path().string(), "");
  ASSERT_FALSE(secret.ok());
  EXPECT_NE(secret.error().message.find("chmod 600"), std::string::npos);
}

}  // namespace
}  // namespace tb::app
