// api/realtime/realtime_internal.h
//
// What the realtime service's source files share and nothing else includes: a channel as
// one connection joined it, the connection itself, and the Phoenix frame helpers.
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/realtime/realtime.h"
#include "http/websocket.h"
#include "policy/identity.h"

namespace tb::api::realtime {
namespace internal {

using SteadyClock = std::chrono::steady_clock;

// A postgres_changes binding as the client asked for it, with its server id.
struct Binding {
  int64_t id = 0;
  std::string event, schema, table, filter;
  bool has_filter = false;
  // The parsed filter: column, operator (eq, neq, lt, lte, gt, gte, in) and values.
  std::string column, op;
  std::vector<std::string> values;
};

struct Channel {
  std::string topic, join_ref;
  std::vector<Binding> bindings;
  std::optional<policy::Identity> who;  // nullopt: no valid token, nothing is delivered
  int64_t expires_at = 0;               // the token's exp (0 = none)
  bool told_expired = false;
  bool broadcast_self = false;          // config.broadcast.self: the sender hears itself
  bool presence_enabled = false;        // config.presence.enabled: hears presence_state/diff
  std::string presence_key;             // config.presence.key, or a UUID of its own
  std::string presence_meta;            // what it tracks, as JSON with its phx_ref; "" = none

  // A valid, unexpired token at `now` (unix seconds): only then is anything delivered.
  bool Hears(int64_t now) const { return who && (expires_at == 0 || expires_at > now); }
  // Whose view of the rows this channel gets: one read per distinct caller.
  std::string CallerKey() const;
};

// [join_ref, ref, topic, event, payload] as realtime-js reads it; "" join_ref and nullopt ref
// are null.
std::string Frame(const std::string& join_ref, std::optional<std::string> ref, const std::string& topic,
                  std::string_view event, const std::string& payload_json);
// phx_reply's payload: {status, response}.
std::string Reply(std::string_view status, const std::string& response_json);
// {reason} for an error reply.
std::string Reason(std::string_view reason);
// The string member `key` of `v`, or "".
std::string StringAt(const rapidjson::Value& v, const char* key);
// The boolean member `key` of `v`, or false.
bool BoolAt(const rapidjson::Value& v, const char* key);
// The object member `key` of `v`, or null.
const rapidjson::Value* ObjectAt(const rapidjson::Value& v, const char* key);
int64_t NowUnix();

}  // namespace internal

struct RealtimeService::Client {
  std::shared_ptr<http::WebSocket> socket;
  std::string apikey;
  std::map<std::string, internal::Channel> channels;
  internal::SteadyClock::time_point last_seen = internal::SteadyClock::now();
  // The broadcast and presence budget (a token bucket of `per_second` tokens), touched only
  // by the connection's own message handlers, which run one at a time.
  double budget = -1;  // < 0: full, set on first use
  internal::SteadyClock::time_point budget_at = internal::SteadyClock::now();
  bool Spend(double per_second) {
    const auto now = internal::SteadyClock::now();
    const double refill = std::chrono::duration<double>(now - budget_at).count() * per_second;
    budget = budget < 0 ? per_second : std::min(per_second, budget + refill);
    budget_at = now;
    if (budget < 1) return false;
    budget -= 1;
    return true;
  }
};


}  // namespace tb::api::realtime
