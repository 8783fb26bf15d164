// store/shared_facts.h
//
// What transactions learnt from the access tables (sessions, users, account owners,
// memberships, roles, role permissions, app_permissions), kept for later transactions
// that read the same version of those tables. On SQLite every change to one of them adds
// one to kit_access_version.n in its own transaction (migrations/sqlite/0022), so two
// snapshots that read the same n agree on every row of them: a fact learnt at version n
// is exactly true for any snapshot at n, and for no other. Nothing here ever answers for
// another version; there is no expiry to tune and no invalidation to forget.
//
// Only read transactions share facts (Transaction::shared_facts): a writer's own changes
// are not committed, and may never be.
//
// Keys are namespaced by their first word ("session …", "member …"); the value's type is
// the namespace's, which its user knows. Each of kShards shards keeps the facts of one
// version, the newest it was told about: a fact of an older version is dropped, a newer
// one empties the shard first. A shard holding kShardCapacity facts is emptied before it
// takes another, so memory stays bounded (at most kShards × kShardCapacity facts).
//
// Thread-safety: thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.h"
#include "base/strings.h"
#include "store/store.h"

namespace tb::store {

class SharedFacts {
 public:
  static constexpr size_t kShards = 16;
  static constexpr size_t kShardCapacity = 4096;

  // The fact stored under `key` at `version`, or null.
  template <typename T>
  std::shared_ptr<const T> Find(int64_t version, std::string_view key) const {
    return std::static_pointer_cast<const T>(FindAny(version, key));
  }
  // Keeps `fact` under `key` for transactions at `version`.
  template <typename T>
  void Remember(int64_t version, std::string key, std::shared_ptr<const T> fact) {
    RememberAny(version, std::move(key), std::move(fact));
  }

  // How many facts are kept (for tests).
  size_t size() const;

 private:
  struct Shard {
    mutable std::mutex mu;
    int64_t version = 0;  // guarded by mu
    std::unordered_map<std::string, std::shared_ptr<const void>, TextHash, std::equal_to<>> facts;  // guarded by mu
  };
  std::shared_ptr<const void> FindAny(int64_t version, std::string_view key) const;
  void RememberAny(int64_t version, std::string key, std::shared_ptr<const void> fact);
  Shard& ShardOf(std::string_view key) const;

  mutable std::array<Shard, kShards> shards_;
};

// What `load` (returning Result<T>) reads from the access tables, once per version of them:
// from `view`'s shared facts when a read at the same version loaded it already, else loaded
// now and kept there under `key`. With an empty view (a write, PostgreSQL), just `load()`.
template <typename T, typename Load>
Result<std::shared_ptr<const T>> SharedFact(Result<SharedFactsView> view, std::string key, Load load) {
  if (!view) return std::move(view).error();
  if (*view) {
    if (auto found = view->facts->Find<T>(view->version, key)) return found;
  }
  Result<T> loaded = load();
  if (!loaded) return std::move(loaded).error();
  auto kept = std::make_shared<const T>(std::move(*loaded));
  if (*view) view->facts->Remember(view->version, std::move(key), kept);
  return kept;
}

}  // namespace tb::store
