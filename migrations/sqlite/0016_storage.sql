-- Supabase Storage's tables (storage.buckets → storage_buckets, storage.objects →
-- storage_objects) with storage-api's column names, so the storage HTTP API can rely on
-- them; the files themselves live outside the database. Like auth_* and kit_*, they are
-- not part of the public schema and /rest/v1 never exposes them. Who may list, upload,
-- replace and delete objects is row-level security on storage.objects, in the seed's SQL
-- (its "Storage Security" section); the path helpers the policies call
-- (storage.foldername, storage.filename, storage.extension,
-- kit.get_storage_filename_as_uuid) are registered by the server
-- (store/sqlite/sqlite_functions.h).

-- Buckets. allowed_mime_types is text[] on PostgreSQL: a JSON array of strings here
-- (["image/*", "application/pdf"]); NULL allows any type. file_size_limit is in bytes;
-- NULL means the server's default.
CREATE TABLE storage_buckets (
  id text PRIMARY KEY NOT NULL,
  name text NOT NULL,
  owner uuid REFERENCES auth_users (id) ON DELETE SET NULL,
  owner_id text,
  public boolean NOT NULL DEFAULT 0,
  file_size_limit bigint,
  allowed_mime_types jsonb,
  created_at timestamptz NOT NULL DEFAULT (now()),
  updated_at timestamptz NOT NULL DEFAULT (now()),
  -- Bucket ids appear in object URLs (/storage/v1/object/{bucket}/{name}): no '/'.
  CONSTRAINT buckets_id_valid CHECK (length(id) > 0 AND instr(id, '/') = 0),
  CONSTRAINT buckets_name_length_check CHECK (length(name) > 0 AND length(name) < 64),
  CONSTRAINT buckets_public_bool CHECK (public IN (0, 1)),
  CONSTRAINT buckets_file_size_limit_bytes CHECK (
    file_size_limit IS NULL OR (typeof(file_size_limit) = 'integer' AND file_size_limit >= 0)),
  CONSTRAINT buckets_allowed_mime_types_array CHECK (
    allowed_mime_types IS NULL OR (json_valid(allowed_mime_types) AND json_type(allowed_mime_types) = 'array'))
);
CREATE UNIQUE INDEX bname ON storage_buckets (name);
CREATE INDEX ix_storage_buckets_owner ON storage_buckets (owner);

CREATE TRIGGER update_storage_buckets_updated_at AFTER UPDATE ON storage_buckets FOR EACH ROW
BEGIN UPDATE storage_buckets SET updated_at = now() WHERE rowid = NEW.rowid; END;

-- Every element of allowed_mime_types is a string (a CHECK cannot look inside the array).
CREATE TRIGGER storage_buckets_mime_types_insert BEFORE INSERT ON storage_buckets
WHEN json_valid(NEW.allowed_mime_types) AND json_type(NEW.allowed_mime_types) = 'array'
  AND EXISTS (SELECT 1 FROM json_each(NEW.allowed_mime_types) WHERE type <> 'text')
BEGIN SELECT RAISE(ABORT, '23514: allowed_mime_types must be an array of strings'); END;
CREATE TRIGGER storage_buckets_mime_types_update BEFORE UPDATE OF allowed_mime_types ON storage_buckets
WHEN json_valid(NEW.allowed_mime_types) AND json_type(NEW.allowed_mime_types) = 'array'
  AND EXISTS (SELECT 1 FROM json_each(NEW.allowed_mime_types) WHERE type <> 'text')
BEGIN SELECT RAISE(ABORT, '23514: allowed_mime_types must be an array of strings'); END;

-- Objects: one row per stored file, named by its path inside the bucket ('<account id>/
-- avatar.png'). The bucket reference does not cascade: a bucket that still holds objects
-- cannot be deleted (23503), as in Supabase (empty it first). metadata is what storage-api
-- keeps (size, mimetype, eTag, cacheControl, lastModified, contentLength, httpStatusCode);
-- user_metadata is the client's own (storage-api's custom metadata). owner_id is the
-- caller's JWT sub as text, owner the same as a uuid.
CREATE TABLE storage_objects (
  id uuid PRIMARY KEY NOT NULL DEFAULT (gen_random_uuid()),
  bucket_id text NOT NULL,
  name text NOT NULL,
  owner uuid REFERENCES auth_users (id) ON DELETE SET NULL,
  owner_id text,
  metadata jsonb,
  user_metadata jsonb,
  version text,
  created_at timestamptz NOT NULL DEFAULT (now()),
  updated_at timestamptz NOT NULL DEFAULT (now()),
  last_accessed_at timestamptz DEFAULT (now()),
  CONSTRAINT "objects_bucketId_fkey" FOREIGN KEY (bucket_id) REFERENCES storage_buckets (id),
  -- A path of non-empty segments (no leading, trailing or double '/'), none of them '.'
  -- or '..': a name never climbs out of its folder, whatever keeps the bytes
  -- ('<other id>/../<own id>/x' is refused here, not only by the policies).
  CONSTRAINT objects_name_valid CHECK (
    instr('/' || name || '/', '//') = 0
    AND instr('/' || name || '/', '/../') = 0
    AND instr('/' || name || '/', '/./') = 0),
  CONSTRAINT objects_metadata_object CHECK (
    metadata IS NULL OR (json_valid(metadata) AND json_type(metadata) = 'object')),
  CONSTRAINT objects_user_metadata_object CHECK (
    user_metadata IS NULL OR (json_valid(user_metadata) AND json_type(user_metadata) = 'object'))
);
-- One object per name in a bucket; also the index for listing a bucket by name prefix
-- (bucket_id = ? AND name >= prefix AND name < the next prefix: text compares bytewise,
-- PostgreSQL's COLLATE "C").
CREATE UNIQUE INDEX bucketid_objname ON storage_objects (bucket_id, name);
CREATE INDEX ix_storage_objects_owner ON storage_objects (owner);

CREATE TRIGGER update_storage_objects_updated_at AFTER UPDATE ON storage_objects FOR EACH ROW
BEGIN UPDATE storage_objects SET updated_at = now() WHERE rowid = NEW.rowid; END;

-- An object a client uploads belongs to the caller, as storage-api sets owner from the
-- JWT: for anon and authenticated writes, owner and owner_id are auth.uid() whatever the
-- row said, and a client may not give an object to someone else. (ON DELETE SET NULL of
-- the owner's user still goes through.)
CREATE TRIGGER storage_objects_owner_insert AFTER INSERT ON storage_objects FOR EACH ROW
WHEN auth_role() IN ('anon', 'authenticated')
BEGIN
  UPDATE storage_objects SET owner = (SELECT id FROM auth_users WHERE id = auth_uid()), owner_id = auth_uid()
  WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER storage_objects_owner_update BEFORE UPDATE OF owner, owner_id ON storage_objects
WHEN auth_role() IN ('anon', 'authenticated')
  AND ((NEW.owner IS NOT NULL AND NEW.owner IS NOT OLD.owner AND NEW.owner IS NOT auth_uid())
    OR (NEW.owner_id IS NOT NULL AND NEW.owner_id IS NOT OLD.owner_id AND NEW.owner_id IS NOT auth_uid()))
BEGIN
  SELECT RAISE(ABORT, '42501: You do not have permission to update this field');
END;

-- The issue's default bucket: account pictures, served publicly by the storage API
-- (/storage/v1/object/public/account_image/…); every object sits under the folder of the
-- account it belongs to.
INSERT INTO storage_buckets (id, name, public) VALUES ('account_image', 'account_image', 1);

-- Row-level security. Buckets: signed-in users may read them; only service_role (and the
-- server) creates, changes or deletes them.
ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
CREATE POLICY buckets_read ON storage.buckets FOR SELECT TO authenticated USING (true);

-- Objects of account_image: signed-in users list and read them (the bucket is public; its
-- public downloads do not go through these policies). Uploads, replacements and deletes
-- only under the folder of the caller's personal account or of a team where they hold
-- settings.manage; the first folder of the name is what counts. (The ::uuid casts leave
-- the text as it is on SQLite, so a first folder that is no uuid simply matches nothing;
-- PostgreSQL refuses the cast with 22P02 instead.)
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_image_read ON storage.objects FOR SELECT TO authenticated
  USING (bucket_id = 'account_image');
CREATE POLICY account_image_insert ON storage.objects FOR INSERT TO authenticated
  WITH CHECK (
    bucket_id = 'account_image'
    AND (
      (storage.foldername(name))[1]::uuid = (SELECT auth.uid())
      OR public.has_permission(auth.uid(), (storage.foldername(name))[1]::uuid, 'settings.manage'::public.app_permissions)
    )
  );
CREATE POLICY account_image_update ON storage.objects FOR UPDATE TO authenticated
  USING (
    bucket_id = 'account_image'
    AND (
      (storage.foldername(name))[1]::uuid = (SELECT auth.uid())
      OR public.has_permission(auth.uid(), (storage.foldername(name))[1]::uuid, 'settings.manage'::public.app_permissions)
    )
  )
  WITH CHECK (
    bucket_id = 'account_image'
    AND (
      (storage.foldername(name))[1]::uuid = (SELECT auth.uid())
      OR public.has_permission(auth.uid(), (storage.foldername(name))[1]::uuid, 'settings.manage'::public.app_permissions)
    )
  );
CREATE POLICY account_image_delete ON storage.objects FOR DELETE TO authenticated
  USING (
    bucket_id = 'account_image'
    AND (
      (storage.foldername(name))[1]::uuid = (SELECT auth.uid())
      OR public.has_permission(auth.uid(), (storage.foldername(name))[1]::uuid, 'settings.manage'::public.app_permissions)
    )
  );

-- Deleting an account removes the objects in its folder, in every bucket (the seed's
-- convention: an object's first folder is the account that owns it). Their bytes are then
-- unreferenced and the server's orphan sweep removes them (docs/storage.md).
CREATE TRIGGER accounts_delete_storage_objects AFTER DELETE ON accounts FOR EACH ROW
BEGIN
  DELETE FROM storage_objects WHERE substr(name, 1, length(OLD.id) + 1) = OLD.id || '/';
END;
