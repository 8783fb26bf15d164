#include "domain/notifications/notifications.h"

#include <chrono>

#include "base/clock.h"

namespace tb::notifications {

using store::Value;

namespace {

// now() + interval '1 month', as PostgreSQL counts it (the seed's default): the same day
// next month, or that month's last day when it is shorter (31 Jan → 28/29 Feb).
std::string InAMonth(SystemTime now) {
  using namespace std::chrono;
  const auto day = floor<days>(now);
  const year_month_day today{day};
  year_month_day next = today + months{1};
  if (!next.ok()) next = year_month_day_last{next.year(), month_day_last{next.month()}};
  return FormatTimestamp(sys_days{next} + (now - day));
}

}  // namespace

Result<Created> Create(store::Transaction& txn, const NewNotification& n) {
  const Value params[] = {Value::Text(n.account_id),
                          Value::Text(n.body),
                          Value::Text(n.type),
                          Value::Text(n.channel),
                          n.link.empty() ? Value::Null() : Value::Text(n.link),
                          Value::Text(n.metadata_json),
                          Value::Text(n.expires_at.empty() ? InAMonth(SystemClock::Instance().Now()) : n.expires_at)};
  auto id = txn.Query(
      "INSERT INTO notifications (account_id, body, type, channel, link, metadata, expires_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      params);
  if (!id) return std::move(id).error();
  Created created;
  const Value by_id[] = {id->rows.at(0).at(0)};
  auto row = txn.Query("SELECT * FROM notifications WHERE id = $1", by_id);
  if (!row) return std::move(row).error();
  created.row = std::move(*row);
  if (n.channel != "email") return created;

  // The personal account's owner, or every member of a team.
  const Value account[] = {Value::Text(n.account_id)};
  auto recipients = txn.Query(
      "SELECT u.email FROM accounts a JOIN auth.users u ON u.id = a.primary_owner_user_id "
      "WHERE a.id = $1 AND a.is_personal_account AND u.email IS NOT NULL "
      "UNION SELECT u.email FROM accounts_memberships m JOIN auth.users u ON u.id = m.user_id "
      "WHERE m.account_id = $1 AND u.email IS NOT NULL ORDER BY 1",
      account);
  if (!recipients) return std::move(recipients).error();
  for (const auto& r : recipients->rows) {
    mail::Message message;
    message.to = r[0].as_text();
    message.subject = "Notification: " + n.type;
    message.text = n.body + (n.link.empty() ? "" : "\n\n" + n.link) + "\n";
    created.emails.push_back(std::move(message));
  }
  return created;
}

}  // namespace tb::notifications
