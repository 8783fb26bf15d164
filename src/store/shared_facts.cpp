#include "store/shared_facts.h"

namespace tb::store {

SharedFacts::Shard& SharedFacts::ShardOf(std::string_view key) const {
  return shards_[TextHash{}(key) % kShards];
}

std::shared_ptr<const void> SharedFacts::FindAny(int64_t version, std::string_view key) const {
  Shard& shard = ShardOf(key);
  std::lock_guard lock(shard.mu);
  if (shard.version != version) return nullptr;
  auto it = shard.facts.find(key);
  return it == shard.facts.end() ? nullptr : it->second;
}

void SharedFacts::RememberAny(int64_t version, std::string key, std::shared_ptr<const void> fact) {
  Shard& shard = ShardOf(key);
  std::lock_guard lock(shard.mu);
  if (version < shard.version) return;  // learnt from an older snapshot: no longer true
  if (version > shard.version || shard.facts.size() >= kShardCapacity) {
    shard.facts.clear();
    shard.version = version;
  }
  shard.facts.insert_or_assign(std::move(key), std::move(fact));
}

size_t SharedFacts::size() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.facts.size();
  }
  return n;
}

}  // namespace tb::store
