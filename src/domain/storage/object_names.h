// domain/storage/object_names.h
//
// Object names and bucket ids are data, never file system paths (the bytes live under
// keys the server chooses, byte_store.h). Still, a name must be one a user could mean:
// valid UTF-8, no NUL or other control characters, no leading '/', no empty, "." or ".."
// segment (supabase-js strips empty folders itself), at most 1024 bytes — so that
// "team-id/../other-id/x" cannot pose as a path into another account's folder.
// Bucket ids: 1–100 characters of letters, digits, '-', '_', '.', not "." or "..".
#pragma once

#include <string_view>

#include "base/result.h"

namespace tb::storage {

// kInvalidArgument naming what is wrong.
Status ValidateObjectName(std::string_view name);
Status ValidateBucketId(std::string_view id);

}  // namespace tb::storage
