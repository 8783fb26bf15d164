// Proves the storage tables of the core schema (migrations/sqlite/0016_storage.sql) and the
// storage path functions the server registers (store/sqlite/sqlite_functions.h): each
// constraint by a write that must fail with its SQLSTATE next to the nearest write that
// succeeds, and each function against what Supabase's PostgreSQL definition answers.
#include <string>
#include <vector>

#include "store/schema_test.h"

namespace tb::store {
namespace {

class StorageSchemaTest : public SchemaTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Accepted("INSERT INTO storage_buckets (id, name) VALUES ('files', 'files')"));
  }

  Row ObjectRow(const std::string& name, const std::string& bucket = "files") {
    return Row{"storage_objects", {{"bucket_id", Text(bucket)}, {"name", Text(name)}}};
  }
  Row BucketRow() {
    const std::string id = Unique("bucket-");
    return Row{"storage_buckets", {{"id", Text(id)}, {"name", Text(id)}}};
  }
};

// ---- Functions --------------------------------------------------------------------------

struct PathCase {
  const char* name;  // nullptr: NULL
  const char* foldername;
  const char* filename;
  const char* extension;
};

// What storage.foldername / filename / extension answer on PostgreSQL (storage-api's
// definitions over string_to_array(name, '/')); "NULL" for NULL.
const PathCase kPathCases[] = {
    {"a/b/c.png", R"(["a","b"])", "c.png", "png"},
    {"c.png", "[]", "c.png", "png"},
    {"00000000-0000-4000-8000-000000000001/avatar.jpeg", R"(["00000000-0000-4000-8000-000000000001"])", "avatar.jpeg",
     "jpeg"},
    {"a/archive.tar.gz", R"(["a"])", "archive.tar.gz", "gz"},
    {"docs/README", R"(["docs"])", "README", "README"},  // no '.': the whole filename
    {"a/.env", R"(["a"])", ".env", "env"},
    {"a/name.", R"(["a"])", "name.", ""},
    {"a/b/", R"(["a","b"])", "", ""},
    {"/x.png", R"([""])", "x.png", "png"},
    {"a//b.txt", R"(["a",""])", "b.txt", "txt"},
    {"dir.v2/file", R"(["dir.v2"])", "file", "file"},  // only the filename's dots count
    {"we\"ird/ünï.cödé", R"(["we\"ird"])", "ünï.cödé", "cödé"},
    {"", "NULL", "NULL", "NULL"},  // string_to_array('', '/') is empty
    {nullptr, "NULL", "NULL", "NULL"},
};

TEST_F(StorageSchemaTest, PathFunctionsAnswerAsSupabaseDefinesThem) {
  for (const PathCase& c : kPathCases) {
    SCOPED_TRACE(c.name ? c.name : "NULL");
    const Value name = c.name ? Text(c.name) : Value::Null();
    EXPECT_EQ(TextOf("SELECT storage_foldername($1)", {name}), c.foldername);
    EXPECT_EQ(TextOf("SELECT storage_filename($1)", {name}), c.filename);
    EXPECT_EQ(TextOf("SELECT storage_extension($1)", {name}), c.extension);
  }
  // foldername is an array the policies index with pg_array_get ((…)[1] in policy text).
  EXPECT_EQ(TextOf("SELECT pg_array_get(storage_foldername('a/b/c.png'), 1)"), "a");
  EXPECT_EQ(TextOf("SELECT pg_array_get(storage_foldername('a/b/c.png'), 2)"), "b");
  EXPECT_EQ(TextOf("SELECT pg_array_get(storage_foldername('a/b/c.png'), 3)"), "NULL");
  EXPECT_EQ(TextOf("SELECT pg_array_get(storage_foldername('c.png'), 1)"), "NULL");
  EXPECT_EQ(Count("SELECT json_array_length(storage_foldername('a/b/c/d/e.png'))"), 4);
}

TEST_F(StorageSchemaTest, FilenameAsUuidCastsLikePostgres) {
  const std::string id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
  const std::vector<std::pair<std::string, std::string>> accepted = {
      {"account_image/" + id + ".png", id},
      {id + ".png", id},
      {"a/b/" + id, id},  // no extension: the filename as it is
      {"x/0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D.jpg", id},  // PostgreSQL reads either case
      {"x/{" + id + "}.jpg", id},
      {"x/0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d.jpg", id},  // hyphens are optional
      {"x/0a1b-2c3d-4e5f-4a6b-8c7d-9e0f-1a2b-3c4d.webp", id},  // after any group of four
      {"x/" + id + ".png.png", id},  // replace() drops every ".png"
  };
  for (const auto& [name, uuid] : accepted) {
    EXPECT_EQ(TextOf("SELECT kit_get_storage_filename_as_uuid($1)", {Text(name)}), uuid) << name;
  }
  EXPECT_EQ(TextOf("SELECT kit_get_storage_filename_as_uuid(NULL)"), "NULL");
  // Anything else fails as PostgreSQL's ::uuid does.
  for (const std::string& name :
       {std::string("x/avatar.png"), "x/" + id + "-1.png", "x/ " + id + ".png", "x/{" + id + ".png",
        "x/" + id.substr(0, 35) + ".png", std::string("x/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4g.png"), "x/-" + id + ".png",
        std::string("x/"), std::string("x/.png")}) {
    SCOPED_TRACE(name);
    auto rows = db_.Query("SELECT kit_get_storage_filename_as_uuid($1)", {Text(name)});
    ASSERT_FALSE(rows.ok());
    EXPECT_EQ(rows.error().sqlstate, "22P02");
    EXPECT_NE(rows.error().message.find("invalid input syntax for type uuid"), std::string::npos)
        << rows.error().message;
  }
}

// ---- Buckets ----------------------------------------------------------------------------

TEST_F(StorageSchemaTest, TheAccountImageBucketIsPublic) {
  EXPECT_EQ(Count("SELECT count(*) FROM storage_buckets WHERE id = 'account_image' AND name = 'account_image' "
                  "AND public = 1 AND file_size_limit IS NULL AND allowed_mime_types IS NULL AND owner IS NULL"),
            1);
  EXPECT_EQ(Count("SELECT public FROM storage_buckets WHERE id = 'files'"), 0) << "private by default";
}

TEST_F(StorageSchemaTest, BucketColumnsAreChecked) {
  const std::string owner = CreateUser("owner@example.com");
  ExpectColumnRules([&] { return BucketRow(); },
                    {{"id", Text(""), "23514", Text("photos")},
                     {"id", Text("a/b"), "23514", Text("a-b")},
                     {"id", Text("files"), "23505", Text("files-2")},
                     {"id", Value::Null(), "23502", Text("files-3")},
                     {"name", Text(""), "23514", Text("n1")},
                     {"name", Text(std::string(64, 'n')), "23514", Text(std::string(63, 'n'))},
                     {"name", Text("files"), "23505", Text("files-4")},
                     {"public", Int(2), "23514", Value::Bool(true)},
                     {"file_size_limit", Int(-1), "23514", Int(0)},
                     {"file_size_limit", Text("big"), "23514", Int(50 * 1024 * 1024)},
                     {"allowed_mime_types", Text("image/*"), "23514", Text(R"(["image/*"])")},
                     {"allowed_mime_types", Text(R"({"a": "b"})"), "23514", Text(R"(["image/*","application/pdf"])")},
                     {"allowed_mime_types", Text(R"(["image/png", 3])"), "23514", Text("[]")},
                     {"owner", Text(kNoSuchId), "23503", Text(owner)}});
  const std::string update = "UPDATE storage_buckets SET allowed_mime_types = $1 WHERE id = 'files'";
  EXPECT_TRUE(Refused("23514", update, {Text("[null]")}));
  EXPECT_TRUE(Accepted(update, {Text(R"(["text/plain"])")}));
  EXPECT_TRUE(Accepted(update, {Value::Null()}));
}

TEST_F(StorageSchemaTest, ABucketWithObjectsCannotBeDeleted) {
  ASSERT_TRUE(Accepted(ObjectRow("a/one.txt")));
  EXPECT_TRUE(Refused("23503", "DELETE FROM storage_buckets WHERE id = 'files'"));
  EXPECT_TRUE(Refused("23503", "UPDATE storage_buckets SET id = 'renamed' WHERE id = 'files'"));
  EXPECT_TRUE(Accepted("DELETE FROM storage_objects WHERE bucket_id = 'files'"));
  EXPECT_TRUE(Accepted("DELETE FROM storage_buckets WHERE id = 'files'"));
}

// ---- Objects ----------------------------------------------------------------------------

TEST_F(StorageSchemaTest, ObjectColumnsAreChecked) {
  ExpectColumnRules([&] { return ObjectRow(Unique("folder/file-") + ".png"); },
                    {{"bucket_id", Text("nowhere"), "23503", Text("account_image")},
                     {"bucket_id", Value::Null(), "23502", Text("files")},
                     {"name", Value::Null(), "23502", Text("a/b.png")},
                     {"name", Text(""), "23514", Text("c.png")},
                     {"name", Text("a/../b.png"), "23514", Text("a/..b.png")},
                     {"name", Text("../b.png"), "23514", Text("a/.../b.png")},
                     {"name", Text("a/.."), "23514", Text("a/..x")},
                     {"name", Text("./b.png"), "23514", Text(".b.png")},
                     {"name", Text("a/./b.png"), "23514", Text("a/.b/b.png")},
                     {"name", Text("/a/b.png"), "23514", Text("a/b.c/d.png")},
                     {"name", Text("a//b.png"), "23514", Text("a/ /b.png")},
                     {"name", Text("a/b/"), "23514", Text("a/b/c")},
                     {"name", Text("/"), "23514", Text("slash")},
                     {"metadata", Text("[]"), "23514", Text(R"({"size": 10, "mimetype": "image/png"})")},
                     {"metadata", Text("not json"), "23514", Value::Null()},
                     {"metadata", Text("42"), "23514", Text("{}")},
                     {"user_metadata", Text(R"(["a"])"), "23514", Text(R"({"alt": "me"})")},
                     {"owner", Text(kNoSuchId), "23503", Value::Null()}});
  // Ids default to uuids; an id is taken once.
  EXPECT_EQ(Count("SELECT count(*) FROM storage_objects WHERE NOT (length(id) = 36 AND id = lower(id))"), 0);
  EXPECT_TRUE(Accepted(ObjectRow("ids/a.png").With("id", Text(kNoSuchId))));
  EXPECT_TRUE(Refused("23505", ObjectRow("ids/b.png").With("id", Text(kNoSuchId))));
  // One object per name in a bucket; the same name elsewhere is another object.
  ASSERT_TRUE(Accepted(ObjectRow("same/name.txt")));
  EXPECT_TRUE(Refused("23505", ObjectRow("same/name.txt")));
  EXPECT_TRUE(Accepted(ObjectRow("same/name.txt", "account_image")));
  EXPECT_TRUE(Accepted(ObjectRow("same/Name.txt")));
  // metadata stays an object on update too.
  const std::string update = "UPDATE storage_objects SET metadata = $1 WHERE name = 'same/name.txt' AND bucket_id = 'files'";
  EXPECT_TRUE(Refused("23514", update, {Text(R"(["size"])")}));
  EXPECT_TRUE(Accepted(update, {Text(R"({"size": 3, "eTag": "\"abc\"", "cacheControl": "max-age=3600"})")}));
}

TEST_F(StorageSchemaTest, ObjectsTimestampsDefaultAndUpdatedAtFollowsChanges) {
  ASSERT_TRUE(Accepted(ObjectRow("t/a.txt").With("updated_at", Text(kLongAgo))));
  EXPECT_EQ(Count("SELECT count(*) FROM storage_objects WHERE created_at IS NOT NULL AND last_accessed_at IS NOT NULL"),
            1);
  EXPECT_TRUE(Accepted("UPDATE storage_objects SET version = 'v2' WHERE name = 't/a.txt'"));
  EXPECT_EQ(Count("SELECT updated_at > $1 FROM storage_objects WHERE name = 't/a.txt'", {Text(kLongAgo)}), 1);
}

TEST_F(StorageSchemaTest, ClientsUploadAsThemselves) {
  const std::string alice = CreateUser("alice@example.com");
  const std::string bob = CreateUser("bob@example.com");
  as_ = RequestContext{"authenticated", alice, "{}"};
  // Whatever owner the row names, an upload by a user is theirs.
  ASSERT_TRUE(Accepted(ObjectRow(alice + "/a.png").With("owner", Text(bob)).With("owner_id", Text(bob))));
  EXPECT_EQ(TextOf("SELECT owner || ' ' || owner_id FROM storage_objects WHERE name = $1", {Text(alice + "/a.png")}),
            alice + " " + alice);
  // A user may not give an object away; taking it over (an overwrite) or leaving it is fine.
  const std::string give = "UPDATE storage_objects SET owner = $1 WHERE name = $2";
  EXPECT_TRUE(Refused("42501", give, {Text(bob), Text(alice + "/a.png")}));
  EXPECT_TRUE(Refused("42501", "UPDATE storage_objects SET owner_id = $1 WHERE name = $2",
                      {Text(bob), Text(alice + "/a.png")}));
  EXPECT_TRUE(Accepted(give, {Text(alice), Text(alice + "/a.png")}));
  EXPECT_TRUE(Accepted(give, {Value::Null(), Text(alice + "/a.png")}));
  // anon uploads belong to nobody.
  as_ = RequestContext{"anon", "", ""};
  ASSERT_TRUE(Accepted(ObjectRow("anon/b.png").With("owner", Text(bob))));
  EXPECT_EQ(TextOf("SELECT coalesce(owner, 'NULL') || coalesce(owner_id, 'NULL') FROM storage_objects WHERE name = 'anon/b.png'"),
            "NULLNULL");
  // The server and service_role set owners as they like.
  as_ = RequestContext{"service_role", "", ""};
  EXPECT_TRUE(Accepted(give, {Text(bob), Text(alice + "/a.png")}));
  as_ = {};
  ASSERT_TRUE(Accepted(ObjectRow("server/c.png").With("owner", Text(bob))));
  EXPECT_EQ(TextOf("SELECT owner FROM storage_objects WHERE name = 'server/c.png'"), bob);
}

TEST_F(StorageSchemaTest, DeletingTheOwnerKeepsTheirObjectsAndBuckets) {
  const std::string alice = CreateUser("alice@example.com");
  ASSERT_TRUE(Accepted(BucketRow().With("owner", Text(alice))));
  as_ = RequestContext{"authenticated", alice, "{}"};
  ASSERT_TRUE(Accepted(ObjectRow("shared/a.png")));
  ASSERT_TRUE(Accepted(ObjectRow(alice + "/b.png")));
  as_ = {};
  ASSERT_TRUE(Accepted("DELETE FROM auth_users WHERE id = $1", {Text(alice)}));
  EXPECT_EQ(Count("SELECT count(*) FROM storage_objects WHERE owner IS NULL AND owner_id = $1", {Text(alice)}), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM storage_objects WHERE name = $1", {Text(alice + "/b.png")}), 0)
      << "her personal account's folder went with the account";
  EXPECT_EQ(Count("SELECT count(*) FROM storage_buckets WHERE owner IS NULL AND id LIKE 'bucket-%'"), 1);
}

}  // namespace
}  // namespace tb::store
