// api/auth/verified_tokens.h
//
// Users' access tokens already verified, so that a token's signature (HMAC-SHA256), base64
// and JSON are worked through once per token rather than once per request: what
// PostgREST's JWT cache does. An entry holds the identity the token gave and the token's
// exp; it answers only for the very same token text (compared in constant time) and only
// before exp. The session behind a token is still checked on every request
// (BeginChecked), so signing out or a ban takes effect at once, as before.
//
// Tokens without an exp, or with an nbf, are not kept (verified every time). Bounded: 16
// shards of at most 1,024 tokens each, the oldest out first.
//
// Thread-safety: thread-safe (a mutex per shard).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "policy/identity.h"

namespace tb::api::auth {

class VerifiedTokens {
 public:
  static constexpr size_t kShards = 16;
  static constexpr size_t kPerShard = 1024;

  // The identity `token` gave when it was verified, if it is kept and `now_unix` is before
  // its exp.
  std::optional<policy::Identity> Find(std::string_view token, int64_t now_unix) const;
  // Keeps `identity` for `token` until `exp_unix`.
  void Remember(std::string_view token, const policy::Identity& identity, int64_t exp_unix);
  size_t size() const;

 private:
  struct Entry {
    std::string token;
    policy::Identity identity;
    int64_t exp_unix = 0;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<size_t, Entry> by_hash;  // a colliding token replaces the other
    std::deque<size_t> order;                   // the map's hashes, oldest first
  };
  std::array<Shard, kShards> shards_;
};

}  // namespace tb::api::auth
