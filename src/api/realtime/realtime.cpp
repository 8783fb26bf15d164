#include "api/realtime/realtime.h"

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <set>

#include "api/json.h"
#include "api/realtime/realtime_internal.h"
#include "api/rest/rest_handlers.h"
#include "api/rest/values.h"
#include "base/clock.h"
#include "base/strings.h"
#include "crypto/random.h"
#include "domain/maintenance/purge.h"

namespace tb::api::realtime {

using namespace internal;

namespace {

using store::Value;

std::atomic<int64_t> next_binding_id{1};

std::string PgType(store::ColumnType type) {
  switch (type) {
    case store::ColumnType::kUuid: return "uuid";
    case store::ColumnType::kBool: return "bool";
    case store::ColumnType::kInteger: return "int8";
    case store::ColumnType::kNumeric: return "numeric";
    case store::ColumnType::kTimestamptz: return "timestamptz";
    case store::ColumnType::kDate: return "date";
    case store::ColumnType::kJson: return "jsonb";
    case store::ColumnType::kBytea: return "bytea";
    default: return "text";
  }
}

// "col=op.value" (op: eq, neq, lt, lte, gt, gte, in with "(a,b)"); false when malformed.
bool ParseFilter(Binding& b) {
  const size_t eq = b.filter.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  b.column = b.filter.substr(0, eq);
  const std::string rest = b.filter.substr(eq + 1);
  const size_t dot = rest.find('.');
  if (dot == std::string::npos) return false;
  b.op = rest.substr(0, dot);
  const std::string value = rest.substr(dot + 1);
  if (b.op == "in") {
    if (value.size() < 2 || value.front() != '(' || value.back() != ')') return false;
    for (std::string_view v : Split(std::string_view(value).substr(1, value.size() - 2), ',')) {
      std::string_view t = Trim(v);
      if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
      b.values.emplace_back(t);
    }
    return true;
  }
  static const std::set<std::string> kOps = {"eq", "neq", "lt", "lte", "gt", "gte"};
  if (!kOps.contains(b.op)) return false;
  b.values.push_back(value);
  return true;
}

// The record's value of `column` as text, for comparing with a filter's value.
std::optional<std::string> FieldText(const rapidjson::Value& record, const std::string& column) {
  auto it = record.FindMember(column.c_str());
  if (it == record.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (it->value.IsString()) return std::string(it->value.GetString(), it->value.GetStringLength());
  if (it->value.IsBool()) return std::string(it->value.GetBool() ? "true" : "false");
  return ToJson(it->value);
}

bool Matches(const Binding& b, const rapidjson::Value& record) {
  if (!b.has_filter) return true;
  const auto field = FieldText(record, b.column);
  if (!field) return false;
  if (b.op == "in") return std::find(b.values.begin(), b.values.end(), *field) != b.values.end();
  const std::string& v = b.values[0];
  // Numbers compare as numbers when both are; everything else as text.
  char* end_a = nullptr;
  char* end_b = nullptr;
  const double a = std::strtod(field->c_str(), &end_a), c = std::strtod(v.c_str(), &end_b);
  const bool numeric = !field->empty() && !v.empty() && *end_a == '\0' && *end_b == '\0';
  const int cmp = numeric ? (a < c ? -1 : a > c ? 1 : 0) : field->compare(v) < 0 ? -1 : field->compare(v) > 0 ? 1 : 0;
  if (b.op == "eq") return cmp == 0;
  if (b.op == "neq") return cmp != 0;
  if (b.op == "lt") return cmp < 0;
  if (b.op == "lte") return cmp <= 0;
  if (b.op == "gt") return cmp > 0;
  return cmp >= 0;  // gte
}

std::string SystemMessage(std::string_view status, std::string_view message, const std::string& channel) {
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartObject();
  w.Key("extension");
  w.String("postgres_changes");
  w.Key("status");
  WriteString(w, status);
  w.Key("message");
  WriteString(w, message);
  w.Key("channel");
  WriteString(w, channel);
  w.EndObject();
  return b.GetString();
}

// The record's primary-key columns only: what Supabase sends as the old record under RLS.
void WriteKey(JsonWriter& w, const rest::Relation& relation, const rapidjson::Value& record) {
  w.StartObject();
  for (const std::string& key : relation.primary_key) {
    w.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
    const auto it = record.FindMember(key.c_str());
    if (it == record.MemberEnd()) {
      w.Null();
    } else {
      it->value.Accept(w);
    }
  }
  w.EndObject();
}

// The identity a token (or the apikey alone) stands for, verified as /rest/v1 would; its exp.
Result<std::pair<policy::Identity, int64_t>> IdentityOf(const rest::RestContext& rest, const std::string& apikey,
                                                        const std::string& token) {
  http::Request fake;
  fake.headers.push_back({"apikey", apikey});
  if (!token.empty()) fake.headers.push_back({"Authorization", "Bearer " + token});
  auto who = rest::AuthenticateRest(fake, rest);
  if (!who) return std::move(who).error();
  int64_t exp = 0;
  rapidjson::Document claims;
  if (!claims.Parse(who->claims_json.c_str()).HasParseError() && claims.IsObject() && claims.HasMember("exp") &&
      claims["exp"].IsInt64()) {
    exp = claims["exp"].GetInt64();
  }
  return std::make_pair(std::move(*who), exp);
}

}  // namespace

namespace internal {

std::string Frame(const std::string& join_ref, std::optional<std::string> ref, const std::string& topic,
                  std::string_view event, const std::string& payload_json) {
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartArray();
  if (join_ref.empty()) {
    w.Null();
  } else {
    WriteString(w, join_ref);
  }
  if (ref) {
    WriteString(w, *ref);
  } else {
    w.Null();
  }
  WriteString(w, topic);
  WriteString(w, event);
  w.RawValue(payload_json.c_str(), payload_json.size(), rapidjson::kObjectType);
  w.EndArray();
  return b.GetString();
}

std::string Reply(std::string_view status, const std::string& response_json) {
  return std::string(R"({"status":")") + std::string(status) + R"(","response":)" + response_json + "}";
}

std::string Reason(std::string_view reason) {
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartObject();
  w.Key("reason");
  WriteString(w, reason);
  w.EndObject();
  return b.GetString();
}

std::string StringAt(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject() || !v.HasMember(key) || !v[key].IsString()) return "";
  return std::string(v[key].GetString(), v[key].GetStringLength());
}

bool BoolAt(const rapidjson::Value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsBool() && v[key].GetBool();
}

const rapidjson::Value* ObjectAt(const rapidjson::Value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsObject() ? &v[key] : nullptr;
}

std::string Channel::CallerKey() const {
  return who ? std::string(policy::RoleName(who->role)) + "/" + who->user_id + "/" + who->session_id : "";
}

int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(SystemClock::Instance().Now().time_since_epoch()).count();
}

}  // namespace internal

RealtimeService::RealtimeService(const rest::RestContext& rest, RealtimeOptions options)
    : rest_(rest), options_(options), worker_([this] { Run(); }) {}

RealtimeService::~RealtimeService() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

std::shared_ptr<RealtimeService::Client> RealtimeService::Touch(Client* key) {
  std::lock_guard lock(mu_);
  auto it = clients_.find(key);
  if (it == clients_.end()) return nullptr;
  it->second->last_seen = SteadyClock::now();
  return it->second;
}

void RealtimeService::AddRoutes(http::Router& router) {
  router.Add("POST", "/realtime/v1/api/broadcast", [this](http::Request& request) { return BroadcastOverHttp(request); });
  router.Add("POST", "/realtime/v1/api/broadcast/{topic}/events/{event}",
             [this](http::Request& request) { return BroadcastOverHttp(request); });
  router.AddWebSocket("/realtime/v1/websocket", [this](http::Request& head, const std::shared_ptr<http::WebSocket>& socket)
                                                    -> std::variant<http::Response, http::WebSocketEvents> {
    std::string apikey = head.QueryParam("apikey");
    if (apikey.empty()) apikey = std::string(head.HeaderValue("apikey"));
    auto who = IdentityOf(rest_, apikey, "");
    if (!who) return http::Response::Error(401, "unauthorized", who.error().message);
    auto client = std::make_shared<Client>();
    client->socket = socket;
    client->apikey = apikey;
    Client* key = client.get();
    {
      std::lock_guard lock(mu_);
      clients_[key] = client;
    }
    http::WebSocketEvents events;
    events.on_text = [this, key](std::string_view text) {
      std::shared_ptr<Client> c = Touch(key);
      if (!c) return;
      rapidjson::Document msg;
      if (msg.Parse(text.data(), text.size()).HasParseError() || !msg.IsArray() || msg.Size() != 5 || !msg[2].IsString() ||
          !msg[3].IsString()) {
        return;  // not a Phoenix message: ignored, as Phoenix does
      }
      const std::string join_ref = msg[0].IsString() ? msg[0].GetString() : "";
      const std::string ref = msg[1].IsString() ? msg[1].GetString() : "";
      const std::string topic = msg[2].GetString();
      const std::string event = msg[3].GetString();
      const rapidjson::Value& payload = msg[4];
      auto reply = [&](std::string_view status, const std::string& response) {
        c->socket->SendText(Frame(join_ref, ref, topic, "phx_reply", Reply(status, response)));
      };
      if (topic == "phoenix" && event == "heartbeat") return reply("ok", "{}");
      if (event == "phx_join") {
        std::lock_guard lock(mu_);
        if (!c->channels.contains(topic) && c->channels.size() >= options_.max_channels) {
          return reply("error", Reason("too many channels on this connection"));
        }
        Channel channel;
        channel.topic = topic;
        channel.join_ref = join_ref;
        auto who = IdentityOf(rest_, c->apikey, StringAt(payload, "access_token"));
        if (!who) return reply("error", Reason(who.error().message));
        if (std::string why = OverUserLimits(c.get(), topic, who->first.user_id); !why.empty()) {
          return reply("error", Reason(why));
        }
        channel.who = who->first;
        channel.expires_at = who->second;
        const rapidjson::Value* config = ObjectAt(payload, "config");
        // Private channels are authorised by policies on realtime.messages in Supabase;
        // there is no such table here yet, so they are refused rather than left open.
        if (config && BoolAt(*config, "private")) return reply("error", Reason("private channels are not supported yet"));
        if (const rapidjson::Value* presence = config ? ObjectAt(*config, "presence") : nullptr) {
          channel.presence_enabled = BoolAt(*presence, "enabled");
          channel.presence_key = StringAt(*presence, "key");
        }
        if (channel.presence_key.empty()) channel.presence_key = crypto::RandomUuid();
        if (const rapidjson::Value* broadcast = config ? ObjectAt(*config, "broadcast") : nullptr) {
          channel.broadcast_self = BoolAt(*broadcast, "self");
        }
        rapidjson::StringBuffer out;
        JsonWriter w(out);
        w.StartObject();
        w.Key("postgres_changes");
        w.StartArray();
        if (config && config->HasMember("postgres_changes") && (*config)["postgres_changes"].IsArray()) {
          for (const auto& p : (*config)["postgres_changes"].GetArray()) {
            Binding b;
            b.event = StringAt(p, "event");
            b.schema = StringAt(p, "schema");
            b.table = StringAt(p, "table");
            b.has_filter = p.IsObject() && p.HasMember("filter") && p["filter"].IsString() && p["filter"].GetStringLength() > 0;
            if (b.has_filter) b.filter = p["filter"].GetString();
            if (b.event != "*" && b.event != "INSERT" && b.event != "UPDATE" && b.event != "DELETE") {
              return reply("error", Reason("postgres_changes event must be *, INSERT, UPDATE or DELETE"));
            }
            if (b.schema != "public") return reply("error", Reason("only the public schema publishes changes"));
            const rest::Relation* relation = rest_.catalog->Find(b.table);
            if (relation == nullptr || relation->primary_key.empty() || !Publishes(b.table)) {
              return reply("error", Reason("table public." + b.table + " does not publish changes"));
            }
            if (b.has_filter && (!ParseFilter(b) || relation->Column(b.column) == nullptr)) {
              return reply("error", Reason("invalid filter " + b.filter));
            }
            b.id = next_binding_id++;
            w.StartObject();
            w.Key("id");
            w.Int64(b.id);
            w.Key("event");
            WriteString(w, b.event);
            w.Key("schema");
            WriteString(w, b.schema);
            w.Key("table");
            WriteString(w, b.table);
            if (b.has_filter) {
              w.Key("filter");
              WriteString(w, b.filter);
            }
            w.EndObject();
            channel.bindings.push_back(std::move(b));
          }
        }
        w.EndArray();
        w.EndObject();
        const bool has_bindings = !channel.bindings.empty();
        const bool presence = channel.presence_enabled;
        DropPresence(c.get(), topic);  // a re-join starts untracked
        c->channels[topic] = std::move(channel);
        reply("ok", out.GetString());
        if (has_bindings) {
          c->socket->SendText(Frame(join_ref, std::nullopt, topic, "system",
                                    SystemMessage("ok", "Subscribed to PostgreSQL", topic)));
        }
        if (presence) c->socket->SendText(Frame(join_ref, std::nullopt, topic, "presence_state", PresenceState(topic)));
        return;
      }
      if (event == "access_token") {
        auto who = IdentityOf(rest_, c->apikey, StringAt(payload, "access_token"));
        std::lock_guard lock(mu_);
        auto it = c->channels.find(topic);
        if (it == c->channels.end()) return;
        if (!who) {
          it->second.who.reset();
          c->socket->SendText(Frame(it->second.join_ref, std::nullopt, topic, "system",
                                    SystemMessage("error", "invalid access token: " + who.error().message, topic)));
          return;
        }
        it->second.who = who->first;
        it->second.expires_at = who->second;
        it->second.told_expired = false;
        return;
      }
      if (event == "phx_leave") {
        {
          std::lock_guard lock(mu_);
          DropPresence(c.get(), topic);
          c->channels.erase(topic);
        }
        reply("ok", "{}");
        c->socket->SendText(Frame(join_ref, ref, topic, "phx_close", "{}"));
        return;
      }
      if (event == "broadcast") {
        // The JSON form of a broadcast push ({type, event, payload}); realtime-js sends the
        // binary form below for JSON payloads.
        if (!payload.IsObject() || !payload.HasMember("event") || !payload["event"].IsString()) {
          return reply("error", Reason("a broadcast needs an event"));
        }
        if (!c->Spend(options_.max_messages_per_second)) return reply("error", Reason(RateLimited()));
        const std::string body = payload.HasMember("payload") ? ToJson(payload["payload"]) : "{}";
        const bool sent = Broadcast(key, topic, payload["event"].GetString(), body);
        if (!ref.empty()) reply(sent ? "ok" : "error", sent ? "{}" : Reason("join the channel before broadcasting"));
        return;
      }
      if (event == "presence") {
        if (!c->Spend(options_.max_messages_per_second)) return reply("error", Reason(RateLimited()));
        std::lock_guard lock(mu_);
        const std::string refused = Presence(c.get(), topic, payload);
        return refused.empty() ? reply("ok", "{}") : reply("error", Reason(refused));
      }
      if (!ref.empty()) reply("ok", "{}");
    };
    events.on_binary = [this, key](std::string_view bytes) {
      if (std::shared_ptr<Client> c = Touch(key)) BinaryPush(*c, bytes);
    };
    events.on_close = [this, key] {
      std::lock_guard lock(mu_);
      auto it = clients_.find(key);
      if (it == clients_.end()) return;
      std::vector<std::string> topics;
      for (const auto& [topic, channel] : it->second->channels) topics.push_back(topic);
      for (const auto& topic : topics) DropPresence(key, topic);
      clients_.erase(it);
    };
    return events;
  });
}

bool RealtimeService::Publishes(const std::string& table) {
  auto txn = rest_.store->Begin(store::Access::kRead);
  if (!txn) return false;
  const Value name[] = {Value::Text(table)};
  auto rows = (*txn)->Query("SELECT 1 FROM kit.realtime_tables WHERE name = $1", name);
  return rows && !rows->rows.empty();
}

// Changes older than an hour go, a batch per transaction (maintenance::PurgeRealtimeChanges).
void RealtimeService::PurgeOldChanges() {
  auto purged = maintenance::PurgeRealtimeChanges(
      *rest_.store, SystemClock::Instance().Now() - std::chrono::hours(1), 2000, [this] {
        std::lock_guard lock(mu_);
        return !stopping_;
      });
  if (!purged) spdlog::warn("realtime: purging old changes: {}", purged.error().message);
}

void RealtimeService::Run() {
  auto last_purge = SteadyClock::now();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.poll_interval, [this] { return stopping_; });
    if (stopping_) break;
    // Idle connections go.
    const auto now = SteadyClock::now();
    for (auto& [key, client] : clients_) {
      if (now - client->last_seen > options_.idle_timeout) client->socket->Close(1000, "idle timeout");
    }
    lock.unlock();
    DeliverNewChanges();
    if (SteadyClock::now() - last_purge > std::chrono::minutes(1)) {
      last_purge = SteadyClock::now();
      PurgeOldChanges();
    }
    lock.lock();
  }
}

// PostgreSQL: the transactions below the snapshot's xmin have all ended, so their changes
// are all visible and no more will come; those from settled_xid_ up to it are new. The
// first poll only sets the watermark.
Result<store::Rows> RealtimeService::ChangesOfEndedTransactions(store::Transaction& txn) {
  if (settled_xid_.empty()) {
    auto xmin = txn.Query("SELECT CAST(pg_snapshot_xmin(pg_current_snapshot()) AS text)", {});
    if (!xmin) return std::move(xmin).error();
    settled_xid_ = xmin->rows[0][0].as_text();
    return store::Rows{};
  }
  const Value from[] = {Value::Text(settled_xid_)};
  auto rows = txn.Query(
      "WITH settled AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin) "
      "SELECT id, table_name, op, CAST(image AS text), created_at, pk, CAST(settled.xmin AS text) "
      "FROM settled LEFT JOIN kit.realtime_changes c ON c.xid >= CAST($1 AS xid8) AND c.xid < settled.xmin "
      "ORDER BY id",
      from);
  if (rows && !rows->rows.empty()) {
    settled_xid_ = rows->rows[0][6].as_text();
    if (rows->rows[0][0].is_null()) rows->rows.clear();  // the LEFT JOIN's empty row
  }
  return rows;
}

// SQLite: one writer at a time, so change ids are commit order. The first poll only sets
// the watermark.
Result<store::Rows> RealtimeService::ChangesAfterLastId(store::Transaction& txn) {
  if (last_change_ < 0) {
    auto max = txn.Query("SELECT coalesce(max(id), 0) FROM kit.realtime_changes", {});
    if (!max) return std::move(max).error();
    last_change_ = max->rows[0][0].as_int();
    return store::Rows{};
  }
  const Value after[] = {Value::Int(last_change_)};
  return txn.Query(
      "SELECT id, table_name, op, image, created_at, pk FROM kit.realtime_changes WHERE id > $1 ORDER BY id LIMIT 1000",
      after);
}

void RealtimeService::DeliverNewChanges() {
  struct Change {
    int64_t id;
    std::string table, op, image, at, pk;
  };
  std::vector<Change> changes;
  {
    auto txn = rest_.store->Begin(store::Access::kRead);
    if (!txn) return;
    Result<store::Rows> rows = rest_.postgres() ? ChangesOfEndedTransactions(**txn) : ChangesAfterLastId(**txn);
    if (!rows) {
      spdlog::warn("realtime: {}", rows.error().message);
      return;
    }
    for (const auto& r : rows->rows) {
      Change c{r[0].as_int(), r[1].as_text(), r[2].as_text(), r[3].as_text(), r[4].as_text(),
               r[5].is_null() ? "" : r[5].as_text()};
      last_change_ = c.id;
      // An UPDATE's own follow-up (the updated_at trigger) is one change: the later image wins.
      if (!changes.empty() && changes.back().table == c.table && changes.back().pk == c.pk && changes.back().op == "UPDATE" &&
          c.op == "UPDATE") {
        changes.back() = std::move(c);
        continue;
      }
      changes.push_back(std::move(c));
    }
  }
  if (changes.empty()) return;

  // Who listens: a snapshot of the channels with bindings, taken under the lock.
  struct Listener {
    std::shared_ptr<Client> client;
    Channel channel;
  };
  std::vector<Listener> listeners;
  const int64_t now = NowUnix();
  {
    std::lock_guard lock(mu_);
    for (auto& [key, client] : clients_) {
      for (auto& [topic, channel] : client->channels) {
        if (channel.bindings.empty() || !channel.who) continue;
        if (!channel.Hears(now)) {
          if (!channel.told_expired) {
            channel.told_expired = true;
            client->socket->SendText(Frame(channel.join_ref, std::nullopt, topic, "system",
                                           SystemMessage("error", "token has expired: send a fresh access_token", topic)));
          }
          continue;
        }
        listeners.push_back({client, channel});
      }
    }
  }
  if (listeners.empty()) return;

  // Each change's row image as a one-row SELECT of its table's columns, built once per batch;
  // each caller adds their SELECT policies to it.
  std::vector<const rest::Relation*> relations(changes.size());
  std::vector<std::string> images(changes.size());
  for (size_t i = 0; i < changes.size(); ++i) {
    relations[i] = rest_.catalog->Find(changes[i].table);
    if (relations[i] == nullptr) continue;
    std::string select, image;
    for (const auto& column : relations[i]->columns) {
      select += (select.empty() ? "\"" : ", \"") + column.name + "\"";
      if (!image.empty()) image += ", ";
      image += "json_extract($1, '$.\"" + column.name + "\"') AS \"" + column.name + "\"";
    }
    const std::string name = "\"" + relations[i]->name + "\"";
    images[i] = rest_.postgres() ? "SELECT " + select + " FROM jsonb_populate_record(CAST(NULL AS public." + name +
                                       "), CAST($1 AS jsonb)) AS " + name
                                 : "SELECT " + select + " FROM (SELECT " + image + ") AS " + name;
  }

  // Each distinct caller reads each change once, in one transaction as themselves: the record
  // as JSON text and parsed (for the row filters), or nothing when the policies hide it.
  struct Seen {
    std::optional<std::string> json;
    rapidjson::Document record;
  };
  std::map<std::string, std::vector<Seen>> seen;  // caller → one per change
  for (const Listener& l : listeners) {
    const std::string key = l.channel.CallerKey();
    if (seen.contains(key)) continue;
    std::vector<Seen>& records = seen[key];
    records.resize(changes.size());
    policy::Identity caller = *l.channel.who;
    auto txn = rest::BeginFor(rest_, caller, store::Access::kRead);
    if (!txn) continue;  // a session that ended sees nothing
    const char* role = policy::RoleName(caller.role);
    for (size_t i = 0; i < changes.size(); ++i) {
      const rest::Relation* relation = relations[i];
      if (relation == nullptr) continue;
      // The policies over the row's image, with the subscriber's identity now.
      const auto using_select = rest_.policies->PredicateUsing(relation->name, role, policy::Command::kSelect);
      const std::string sql = using_select ? images[i] + " WHERE coalesce((" + *using_select + "), false)" : images[i];
      const Value params[] = {Value::Text(changes[i].image)};
      auto rows = (*txn)->Query(sql, params);
      if (!rows || rows->rows.empty()) continue;
      rapidjson::StringBuffer b;
      JsonWriter w(b);
      w.StartObject();
      for (size_t k = 0; k < relation->columns.size(); ++k) {
        w.Key(relation->columns[k].name.c_str(), static_cast<rapidjson::SizeType>(relation->columns[k].name.size()));
        rest::WriteValue(w, relation->columns[k].type, rows->rows[0][k]);
      }
      w.EndObject();
      records[i].json = b.GetString();
      records[i].record.Parse(records[i].json->c_str());
    }
  }

  for (const Listener& l : listeners) {
    const auto& records = seen[l.channel.CallerKey()];
    for (size_t i = 0; i < changes.size(); ++i) {
      if (!records[i].json) continue;
      const Change& c = changes[i];
      const rapidjson::Document& record = records[i].record;
      std::vector<int64_t> ids;
      for (const Binding& b : l.channel.bindings) {
        if (b.table != c.table || (b.event != "*" && b.event != c.op)) continue;
        if (!Matches(b, record)) continue;
        ids.push_back(b.id);
      }
      if (ids.empty()) continue;
      const rest::Relation* relation = relations[i];
      rapidjson::StringBuffer out;
      JsonWriter w(out);
      w.StartObject();
      w.Key("ids");
      w.StartArray();
      for (int64_t id : ids) w.Int64(id);
      w.EndArray();
      w.Key("data");
      w.StartObject();
      w.Key("schema");
      w.String("public");
      w.Key("table");
      WriteString(w, c.table);
      w.Key("commit_timestamp");
      WriteString(w, c.at);
      w.Key("type");
      WriteString(w, c.op);
      w.Key("columns");
      w.StartArray();
      for (const auto& column : relation->columns) {
        w.StartObject();
        w.Key("name");
        WriteString(w, column.name);
        w.Key("type");
        WriteString(w, PgType(column.type));
        w.EndObject();
      }
      w.EndArray();
      if (c.op == "DELETE") {
        // Only the primary key, as Supabase sends for tables under row-level security.
        w.Key("old_record");
        WriteKey(w, *relation, record);
      } else {
        w.Key("record");
        w.RawValue(records[i].json->c_str(), records[i].json->size(), rapidjson::kObjectType);
        if (c.op == "UPDATE") {
          w.Key("old_record");
          WriteKey(w, *relation, record);
        }
      }
      w.Key("errors");
      w.Null();
      w.EndObject();
      w.EndObject();
      l.client->socket->SendText(Frame(l.channel.join_ref, std::nullopt, l.channel.topic, "postgres_changes", out.GetString()));
    }
  }
}

}  // namespace tb::api::realtime
