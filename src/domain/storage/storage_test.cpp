#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "domain/storage/byte_store.h"
#include "domain/storage/multipart.h"
#include "domain/storage/object_names.h"

namespace tb::storage {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("tb-storage-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void Write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

TEST(ObjectNames, RefusesWhatCouldPoseAsAnotherPath) {
  EXPECT_TRUE(ValidateObjectName("acc-1/avatar.png").ok());
  EXPECT_TRUE(ValidateObjectName("acc-1/folder/ünïcode 名前.txt").ok());
  for (const char* bad : {"", "/abs", "a//b", "a/../b", "..", "./x", "a/.", "a/b/"}) {
    EXPECT_FALSE(ValidateObjectName(bad).ok()) << bad;
  }
  EXPECT_FALSE(ValidateObjectName(std::string("a\0b", 3)).ok()) << "NUL";
  EXPECT_FALSE(ValidateObjectName("a\nb").ok());
  EXPECT_FALSE(ValidateObjectName("\xC0\xAF").ok()) << "overlong '/'";
  EXPECT_FALSE(ValidateObjectName("\xED\xA0\x80").ok()) << "a surrogate";
  EXPECT_FALSE(ValidateObjectName("abc\xE2\x82").ok()) << "truncated";
  EXPECT_FALSE(ValidateObjectName(std::string(1025, 'a')).ok());
  EXPECT_TRUE(ValidateBucketId("account_image").ok());
  for (const char* bad : {"", ".", "..", "a/b", "a b", "ä"}) EXPECT_FALSE(ValidateBucketId(bad).ok()) << bad;
}

TEST(Multipart, CopiesTheFilePartAndKeepsTheFields) {
  TempDir dir;
  const std::string file_bytes = std::string("line one\r\n--not-the-boundary\r\n") + std::string(200000, 'x') + "\r\nend";
  const std::string body = "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"cacheControl\"\r\n\r\n3600\r\n"
                           "--XyZ\r\nContent-Disposition: form-data; name=\"\"; filename=\"blob\"\r\nContent-Type: image/png\r\n\r\n" +
                           file_bytes + "\r\n--XyZ--\r\n";
  Write(dir.File("body"), body);
  EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=XyZ"), "XyZ");
  EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=\"XyZ\""), "XyZ");
  EXPECT_EQ(MultipartBoundary("image/png"), "");
  auto part = ExtractMultipartFile(dir.File("body"), "XyZ", dir.File("out"));
  ASSERT_TRUE(part.ok()) << part.error().message;
  EXPECT_EQ(part->content_type, "image/png");
  EXPECT_EQ(part->size, file_bytes.size());
  EXPECT_EQ(Read(dir.File("out")), file_bytes);
  EXPECT_EQ(part->fields["cacheControl"], "3600");
}

TEST(Multipart, RefusesBrokenBodies) {
  TempDir dir;
  const char* bodies[] = {
      "no boundary at all",
      "--XyZ\r\nContent-Disposition: form-data; name=\"\"; filename=\"b\"\r\n\r\nunterminated",
      "--XyZ\r\nContent-Disposition: form-data; name=\"cacheControl\"\r\n\r\n3600\r\n--XyZ--\r\n",
      "--XyZ\r\nno-colon-header\r\n\r\nx\r\n--XyZ--",
  };
  int i = 0;
  for (const char* body : bodies) {
    Write(dir.File("body"), body);
    auto part = ExtractMultipartFile(dir.File("body"), "XyZ", dir.File("out" + std::to_string(i++)));
    EXPECT_FALSE(part.ok()) << body;
  }
}

TEST(LocalByteStore, CommitsOpensCopiesAndSweeps) {
  TempDir dir;
  auto store = LocalByteStore::Create(dir.File("storage"));
  ASSERT_TRUE(store.ok());
  const std::string upload = (*store)->NewUploadPath();
  Write(upload, "hello");
  const std::string key = "0a1b2c3d-0000-4000-8000-000000000001";
  ASSERT_TRUE((*store)->Commit(upload, key).ok());
  EXPECT_FALSE(fs::exists(upload)) << "the upload was moved into place";
  auto fd = (*store)->Open(key);
  ASSERT_TRUE(fd.ok());
  char buffer[8] = {};
  EXPECT_EQ(::read(*fd, buffer, sizeof buffer), 5);
  ::close(*fd);
  EXPECT_EQ(std::string(buffer, 5), "hello");
  const std::string copy = "0a1b2c3d-0000-4000-8000-000000000002";
  ASSERT_TRUE((*store)->Copy(key, copy).ok());
  EXPECT_EQ((*store)->Open("../../etc/passwd").error().code, ErrorCode::kInvalidArgument) << "keys are never paths";
  auto young = (*store)->SweepOrphans([&](std::string_view k) { return k == key; }, std::chrono::hours(1));
  ASSERT_TRUE(young.ok());
  EXPECT_EQ(*young, 0) << "a blob committed just now may be waiting for its row";
  auto swept = (*store)->SweepOrphans([&](std::string_view k) { return k == key; }, std::chrono::seconds(0));
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 1);
  EXPECT_EQ((*store)->Open(copy).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE((*store)->Open(key).ok());
  ASSERT_TRUE((*store)->Remove(key).ok());
  EXPECT_TRUE((*store)->Remove(key).ok()) << "removing twice is fine";
}

}  // namespace
}  // namespace tb::storage
