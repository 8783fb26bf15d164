#include "store/postgres/read_routing.h"

#include <algorithm>
#include <charconv>

namespace tb::store::postgres {

std::optional<Lsn> ParseLsn(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) return std::nullopt;
  uint32_t high = 0;
  uint32_t low = 0;
  const char* end = text.data() + slash;
  auto [p1, e1] = std::from_chars(text.data(), end, high, 16);
  if (e1 != std::errc() || p1 != end) return std::nullopt;
  auto [p2, e2] = std::from_chars(end + 1, text.data() + text.size(), low, 16);
  if (e2 != std::errc() || p2 != text.data() + text.size()) return std::nullopt;
  return (static_cast<Lsn>(high) << 32) | low;
}

std::string ReadRouting::CallerOf(const RequestContext& request) {
  if (request.is_server()) return "";
  return request.user_id.empty() ? "role:" + request.role : "user:" + request.user_id;
}

void ReadRouting::Wrote(const std::string& caller, Lsn lsn, Clock::time_point now) {
  if (caller.empty()) return;
  std::lock_guard lock(mu_);
  Written& w = written_[caller];
  w.lsn = std::max(w.lsn, lsn);
  w.at = now;
  Prune(now);
}

std::optional<ReadRouting::Choice> ReadRouting::Choose(const std::string& caller, Clock::time_point now) {
  std::lock_guard lock(mu_);
  Choice choice;
  if (auto it = written_.find(caller); it != written_.end() && now - it->second.at < kKeep) {
    choice.needed = it->second.lsn;
  }
  std::optional<size_t> first_awake;
  for (size_t i = 0; i < replicas_; ++i) {
    const size_t r = (next_ + i) % replicas_;
    if (resting_until_[r] > now) continue;
    if (!first_awake) first_awake = r;
    if (replayed_[r] >= choice.needed) {
      choice.replica = r;
      choice.known_fresh = true;
      next_ = (r + 1) % replicas_;
      return choice;
    }
  }
  if (!first_awake) return std::nullopt;
  choice.replica = *first_awake;
  next_ = (*first_awake + 1) % replicas_;
  return choice;
}

void ReadRouting::Replayed(size_t replica, Lsn lsn) {
  std::lock_guard lock(mu_);
  replayed_[replica] = std::max(replayed_[replica], lsn);
}

void ReadRouting::Failed(size_t replica, Clock::time_point now) {
  std::lock_guard lock(mu_);
  resting_until_[replica] = now + kRest;
}

void ReadRouting::Prune(Clock::time_point now) {
  if (now - last_prune_ < std::chrono::seconds(1) && written_.size() < 100000) return;
  last_prune_ = now;
  const Lsn everywhere = replayed_.empty() ? 0 : *std::min_element(replayed_.begin(), replayed_.end());
  std::erase_if(written_, [&](const auto& entry) {
    return entry.second.lsn <= everywhere || now - entry.second.at >= kKeep;
  });
}

void ReadRouting::Count(Outcome outcome) {
  switch (outcome) {
    case Outcome::kReplica: ++replica_reads_; return;
    case Outcome::kPrimary: ++primary_reads_; return;
    case Outcome::kPrimaryReadYourWrites: ++primary_reads_; ++kept_for_writes_; return;
    case Outcome::kPrimaryReplicaUnavailable: ++primary_reads_; ++kept_for_unavailable_; return;
  }
}

std::vector<Counter> ReadRouting::Counters() const {
  const std::string reads_help = "Read-only transactions, by the database that ran them";
  const std::string kept_help = "Reads a replica could have served that ran on the primary, and why";
  return {
      {"tenantbase_db_reads_total", "target=\"primary\"", reads_help, primary_reads_.load()},
      {"tenantbase_db_reads_total", "target=\"replica\"", reads_help, replica_reads_.load()},
      {"tenantbase_db_reads_kept_on_primary_total", "reason=\"read_your_writes\"", kept_help, kept_for_writes_.load()},
      {"tenantbase_db_reads_kept_on_primary_total", "reason=\"replica_unavailable\"", kept_help,
       kept_for_unavailable_.load()},
  };
}

}  // namespace tb::store::postgres
