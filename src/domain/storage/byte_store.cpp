#include "domain/storage/byte_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "crypto/random.h"

namespace tb::storage {

namespace fs = std::filesystem;

namespace {

Error SystemError(const std::string& what) {
  return Error::Make(ErrorCode::kInternal, "storage: " + what + ": " + std::strerror(errno));
}

// Keys are the storage layer's own (uuids), never client text; anything else is refused.
bool ValidKey(std::string_view key) {
  if (key.size() < 3 || key.size() > 64) return false;
  for (char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-')) return false;
  }
  return true;
}

Status SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return SystemError("open " + path);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return SystemError("fsync " + path);
  return Ok();
}

}  // namespace

Result<std::unique_ptr<LocalByteStore>> LocalByteStore::Create(std::string root) {
  std::error_code ec;
  fs::create_directories(root + "/tmp", ec);
  if (!ec) fs::create_directories(root + "/objects", ec);
  if (ec) return Error::Make(ErrorCode::kInternal, "storage: cannot create " + root + ": " + ec.message());
  return std::unique_ptr<LocalByteStore>(new LocalByteStore(std::move(root)));
}

std::string LocalByteStore::NewUploadPath() { return root_ + "/tmp/" + crypto::RandomHex(16) + ".part"; }

Result<std::string> LocalByteStore::PathOf(std::string_view key) const {
  if (!ValidKey(key)) return Error::Make(ErrorCode::kInvalidArgument, "storage: invalid blob key");
  return root_ + "/objects/" + std::string(key.substr(0, 2)) + "/" + std::string(key);
}

Status LocalByteStore::Commit(const std::string& upload_path, std::string_view key) {
  auto path = PathOf(key);
  if (!path) return std::move(path).error();
  const std::string dir = fs::path(*path).parent_path();
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return SystemError("mkdir " + dir);
  if (Status s = SyncPath(upload_path, O_RDONLY); !s) return s;
  if (::rename(upload_path.c_str(), path->c_str()) != 0) return SystemError("rename into " + *path);
  return SyncPath(dir, O_RDONLY | O_DIRECTORY);
}

Status LocalByteStore::Copy(std::string_view from, std::string_view to) {
  auto source = Open(from);
  if (!source) return std::move(source).error();
  const int in = *source;
  const std::string upload = NewUploadPath();
  const int out = ::open(upload.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    ::close(in);
    return SystemError("create " + upload);
  }
  std::vector<char> buffer(64 * 1024);
  Status copied = Ok();
  for (;;) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0 || ::write(out, buffer.data(), static_cast<size_t>(n)) != n) {
      copied = SystemError("copy into " + upload);
      break;
    }
  }
  ::close(in);
  ::close(out);
  if (copied) copied = Commit(upload, to);
  if (!copied) ::unlink(upload.c_str());
  return copied;
}

Result<int> LocalByteStore::Open(std::string_view key) {
  auto path = PathOf(key);
  if (!path) return std::move(path).error();
  const int fd = ::open(path->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Error::Make(ErrorCode::kNotFound, "storage: blob is missing");
    return SystemError("open blob");
  }
  return fd;
}

Status LocalByteStore::Remove(std::string_view key) {
  auto path = PathOf(key);
  if (!path) return std::move(path).error();
  if (::unlink(path->c_str()) != 0 && errno != ENOENT) return SystemError("remove blob");
  return Ok();
}

Result<int64_t> LocalByteStore::SweepOrphans(const std::function<bool(std::string_view key)>& referenced,
                                             std::chrono::seconds min_age) {
  int64_t removed = 0;
  std::error_code ec;
  const auto old = fs::file_time_type::clock::now() - min_age;
  for (const auto& entry : fs::directory_iterator(root_ + "/tmp", ec)) {
    if (entry.last_write_time(ec) <= old && fs::remove(entry.path(), ec)) ++removed;
  }
  for (const auto& dir : fs::directory_iterator(root_ + "/objects", ec)) {
    for (const auto& blob : fs::directory_iterator(dir.path(), ec)) {
      const std::string key = blob.path().filename();
      if (blob.last_write_time(ec) <= old && !referenced(key) && fs::remove(blob.path(), ec)) ++removed;
    }
  }
  if (ec) return Error::Make(ErrorCode::kInternal, "storage: sweeping orphans: " + ec.message());
  return removed;
}

}  // namespace tb::storage
