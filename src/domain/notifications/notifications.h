// domain/notifications/notifications.h
//
// The seed's notifications ("in-app, email, real-time"): the server creates them for an
// account; members read and dismiss them under the policies of 0010_policies.sql. A
// notification on the email channel is also mailed to the account — the personal account's
// owner, or every member of a team.
//
// Thread-safety: plain functions over the caller's transaction.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "mail/mailer.h"
#include "store/store.h"

namespace tb::notifications {

struct NewNotification {
  std::string account_id;
  std::string body;
  std::string type = "info";  // info, warning, error, or an app's own (the seed's billing_issue)
  std::string channel = "in_app";  // in_app or email
  std::string link;                // "" for none
  std::string metadata_json = "{}";
  std::string expires_at;          // "" for the default (a month)
};

struct Created {
  store::Rows row;                    // the notifications row
  std::vector<mail::Message> emails;  // to send once the transaction commits
};

// Fails with the schema's own errors (23503 unknown account, 23514 bad type or expiry,
// 22P02 unknown channel).
Result<Created> Create(store::Transaction& txn, const NewNotification& n);

}  // namespace tb::notifications
