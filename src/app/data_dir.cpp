#include "app/data_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/strings.h"
#include "crypto/random.h"

namespace tb::app {

namespace {

constexpr size_t kMinSecretBytes = 32;

Error IoError(const std::string& what, const std::string& path, int err) {
  return Error::Make(ErrorCode::kIo, what + " " + path + ": " + std::strerror(err));
}

}  // namespace

Status PrepareDataDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return IoError("cannot create data directory", dir, ec.value());
    ::chmod(dir.c_str(), 0700);
  }
  if (!fs::is_directory(dir, ec)) {
    return Error::Make(ErrorCode::kIo, "data directory " + dir + " is not a directory");
  }
  if (::access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    return IoError("cannot use data directory", dir, errno);
  }
  return Ok();
}

Result<std::string> LoadOrCreateJwtSecret(const std::string& dir, const std::string& configured) {
  if (!configured.empty()) {
    if (configured.size() < kMinSecretBytes) {
      return Error::Make(ErrorCode::kInvalidArgument,
                         "TENANTBASE_JWT_SECRET must be at least 32 characters");
    }
    return configured;
  }
  const std::string path = (std::filesystem::path(dir) / "jwt-secret").string();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if ((st.st_mode & 077) != 0) {
      return Error::Make(ErrorCode::kFailedPrecondition,
                         path + " is readable by other users; run: chmod 600 " + path);
    }
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) return IoError("cannot read", path, errno);
    const std::string secret(Trim(text.str()));
    if (secret.size() < kMinSecretBytes) {
      return Error::Make(ErrorCode::kFailedPrecondition, path + " holds a secret shorter than 32 characters");
    }
    return secret;
  }
  const std::string secret = crypto::RandomHex(32);
  // O_EXCL: two servers starting at once cannot both write (and disagree on) the secret.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) return LoadOrCreateJwtSecret(dir, configured);  // lost a race
  if (fd < 0) return IoError("cannot create", path, errno);
  const std::string line = secret + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                       ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!written) return IoError("cannot write", path, err);
  return secret;
}

}  // namespace tb::app
