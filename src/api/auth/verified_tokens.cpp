#include "api/auth/verified_tokens.h"

#include <functional>

#include "crypto/hash.h"

namespace tb::api::auth {

std::optional<policy::Identity> VerifiedTokens::Find(std::string_view token, int64_t now_unix) const {
  const size_t hash = std::hash<std::string_view>{}(token);
  const Shard& shard = shards_[hash % kShards];
  std::lock_guard lock(shard.mu);
  const auto it = shard.by_hash.find(hash);
  if (it == shard.by_hash.end() || now_unix >= it->second.exp_unix) return std::nullopt;
  if (!crypto::ConstantTimeEquals(it->second.token, token)) return std::nullopt;
  return it->second.identity;
}

void VerifiedTokens::Remember(std::string_view token, const policy::Identity& identity, int64_t exp_unix) {
  const size_t hash = std::hash<std::string_view>{}(token);
  Shard& shard = shards_[hash % kShards];
  std::lock_guard lock(shard.mu);
  // `order` holds exactly the map's hashes: a token replacing another keeps its place.
  const bool added = shard.by_hash.insert_or_assign(hash, Entry{std::string(token), identity, exp_unix}).second;
  if (added) shard.order.push_back(hash);
  while (shard.by_hash.size() > kPerShard) {
    shard.by_hash.erase(shard.order.front());
    shard.order.pop_front();
  }
}

size_t VerifiedTokens::size() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.by_hash.size();
  }
  return n;
}

}  // namespace tb::api::auth
