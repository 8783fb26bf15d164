// domain/storage/byte_store.h
//
// Where object bytes live, behind an interface so an S3-compatible store can be added
// without touching the API. Objects are immutable blobs named by a key the storage layer
// chooses (a fresh uuid per upload, kept in storage_objects.version): an overwrite writes
// a new blob and points the row at it, so a reader never sees a torn file and a crash
// never leaves a row without its bytes.
//
// The local store keeps blobs under DATA/storage/:
//   tmp/<random>.part      an upload being received (the HTTP layer writes it)
//   objects/<k0k1>/<key>   committed blobs, fanned out by the key's first two characters
// Commit fsyncs the upload, renames it into place and fsyncs the directory, all before the
// row that names it commits. Blobs whose row never committed (a crash between the two, a
// failed transaction) are orphans that SweepOrphans removes.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tb::storage {

class ByteStore {
 public:
  virtual ~ByteStore() = default;
  // A fresh path for an upload to be written to (the file does not exist yet).
  virtual std::string NewUploadPath() = 0;
  // Makes the finished upload at `upload_path` durable as blob `key` (the upload is moved).
  virtual Status Commit(const std::string& upload_path, std::string_view key) = 0;
  // A copy of blob `from` as blob `to`.
  virtual Status Copy(std::string_view from, std::string_view to) = 0;
  // An open read-only descriptor of blob `key` (the caller closes it); kNotFound if absent.
  virtual Result<int> Open(std::string_view key) = 0;
  virtual Status Remove(std::string_view key) = 0;
  // Removes blobs and uploads older than `min_age` for which `referenced(key)` is false
  // (uploads never are); returns how many went. The age keeps a blob committed just now,
  // whose row is still to commit, from being taken for an orphan.
  virtual Result<int64_t> SweepOrphans(const std::function<bool(std::string_view key)>& referenced,
                                       std::chrono::seconds min_age) = 0;
};

class LocalByteStore : public ByteStore {
 public:
  // Creates `root`/tmp and `root`/objects when missing.
  static Result<std::unique_ptr<LocalByteStore>> Create(std::string root);

  std::string NewUploadPath() override;
  Status Commit(const std::string& upload_path, std::string_view key) override;
  Status Copy(std::string_view from, std::string_view to) override;
  Result<int> Open(std::string_view key) override;
  Status Remove(std::string_view key) override;
  Result<int64_t> SweepOrphans(const std::function<bool(std::string_view key)>& referenced,
                               std::chrono::seconds min_age) override;

 private:
  explicit LocalByteStore(std::string root) : root_(std::move(root)) {}
  Result<std::string> PathOf(std::string_view key) const;

  const std::string root_;
};

}  // namespace tb::storage
