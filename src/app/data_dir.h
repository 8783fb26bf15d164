// app/data_dir.h
//
// The data directory: created on first start (mode 0700), holding the SQLite database,
// the generated JWT secret (mode 0600) and, later, the mail outbox and stored files.
// Checked up front so a bad path fails with one clear line instead of deep in SQLite.
#pragma once

#include <string>

#include "base/result.h"

namespace tb::app {

// Creates `dir` (and parents) if missing and checks that it is a writable directory.
// Fails with kIo and a message naming the path and the OS error.
Status PrepareDataDir(const std::string& dir);

// Returns the HS256 secret: `configured` when non-empty (must be at least 32 bytes);
// else the one kept in DIR/jwt-secret; else a new random one written there with mode
// 0600. Refuses a secret file that other users can read.
Result<std::string> LoadOrCreateJwtSecret(const std::string& dir, const std::string& configured);

}  // namespace tb::app
