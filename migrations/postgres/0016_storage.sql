-- Supabase Storage's tables, storage.buckets and storage.objects, with storage-api's
-- column names, so the storage HTTP API can rely on them; the files themselves live
-- outside the database. Who may list, upload, replace and delete objects is row-level
-- security on storage.objects, in the seed's SQL (its "Storage Security" section).
-- PostgreSQL counterpart of migrations/sqlite/0016_storage.sql, which names them
-- storage_buckets / storage_objects; the path helpers the policies call, registered by
-- the server on SQLite (store/sqlite/sqlite_functions.cpp), are SQL functions here.

-- ---- path helpers (Supabase's definitions; NULL for a NULL or empty name) -------------
-- Pure functions of their argument: IMMUTABLE, the caller's rights, callable by every role.

-- The folder segments: 'a/b/c.png' → {a,b}; 'c.png' → {}.
CREATE FUNCTION storage.foldername(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN name IS NULL OR name = '' THEN NULL
              ELSE (pg_catalog.string_to_array(name, '/'))[1:pg_catalog.cardinality(pg_catalog.string_to_array(name, '/')) - 1] END
$$;

-- The last segment.
CREATE FUNCTION storage.filename(name text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN name IS NULL OR name = '' THEN NULL
              ELSE (pg_catalog.string_to_array(name, '/'))[pg_catalog.cardinality(pg_catalog.string_to_array(name, '/'))] END
$$;

-- What follows the filename's last '.'; the whole filename when it has none.
CREATE FUNCTION storage.extension(name text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT pg_catalog.reverse(pg_catalog.split_part(pg_catalog.reverse(storage.filename(name)), '.', 1))
$$;

-- Makerkit's: the filename without '.extension', as a uuid (22P02 when it is not one).
CREATE FUNCTION kit.get_storage_filename_as_uuid(name text) RETURNS uuid
LANGUAGE sql IMMUTABLE AS $$
  SELECT pg_catalog.replace(storage.filename(name), '.' || storage.extension(name), '')::uuid
$$;

REVOKE ALL ON FUNCTION storage.foldername(text), storage.filename(text), storage.extension(text),
  kit.get_storage_filename_as_uuid(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION storage.foldername(text), storage.filename(text), storage.extension(text),
  kit.get_storage_filename_as_uuid(text) TO anon, authenticated, service_role;

-- ---- tables ---------------------------------------------------------------------------

-- Buckets. allowed_mime_types is text[] (storage-api's type; a JSON array on SQLite); NULL
-- allows any type, and no element may be NULL (SQLite: "must be an array of strings").
-- file_size_limit is in bytes; NULL means the server's default.
CREATE TABLE storage.buckets (
  id text PRIMARY KEY NOT NULL,
  name text NOT NULL,
  owner uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  owner_id text,
  public boolean NOT NULL DEFAULT false,
  file_size_limit bigint,
  allowed_mime_types text[],
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Bucket ids appear in object URLs (/storage/v1/object/{bucket}/{name}): no '/'.
  CONSTRAINT buckets_id_valid CHECK (length(id) > 0 AND strpos(id, '/') = 0),
  CONSTRAINT buckets_name_length_check CHECK (length(name) > 0 AND length(name) < 64),
  CONSTRAINT buckets_file_size_limit_bytes CHECK (file_size_limit IS NULL OR file_size_limit >= 0),
  CONSTRAINT buckets_allowed_mime_types_array CHECK (
    allowed_mime_types IS NULL OR array_position(allowed_mime_types, NULL) IS NULL)
);
CREATE UNIQUE INDEX bname ON storage.buckets (name);
CREATE INDEX ix_storage_buckets_owner ON storage.buckets (owner);

CREATE TRIGGER update_storage_buckets_updated_at BEFORE UPDATE ON storage.buckets
  FOR EACH ROW EXECUTE FUNCTION kit.update_updated_at();

-- Objects: one row per stored file, named by its path inside the bucket ('<account id>/
-- avatar.png'). The bucket reference does not cascade: a bucket that still holds objects
-- cannot be deleted (23503), as in Supabase (empty it first). metadata is what storage-api
-- keeps (size, mimetype, eTag, cacheControl, lastModified, contentLength, httpStatusCode);
-- user_metadata is the client's own (storage-api's custom metadata). owner_id is the
-- caller's JWT sub as text, owner the same as a uuid. name is COLLATE "C" (storage-api's):
-- names compare bytewise, so a prefix listing is an index range.
CREATE TABLE storage.objects (
  id uuid PRIMARY KEY NOT NULL DEFAULT gen_random_uuid(),
  bucket_id text NOT NULL,
  name text COLLATE "C" NOT NULL,
  owner uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  owner_id text,
  metadata jsonb,
  user_metadata jsonb,
  version text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_accessed_at timestamptz DEFAULT now(),
  CONSTRAINT "objects_bucketId_fkey" FOREIGN KEY (bucket_id) REFERENCES storage.buckets (id),
  -- A path of non-empty segments (no leading, trailing or double '/'), none of them '.'
  -- or '..': a name never climbs out of its folder, whatever keeps the bytes
  -- ('<other id>/../<own id>/x' is refused here, not only by the policies).
  CONSTRAINT objects_name_valid CHECK (
    strpos('/' || name || '/', '//') = 0
    AND strpos('/' || name || '/', '/../') = 0
    AND strpos('/' || name || '/', '/./') = 0),
  CONSTRAINT objects_metadata_object CHECK (metadata IS NULL OR jsonb_typeof(metadata) = 'object'),
  CONSTRAINT objects_user_metadata_object CHECK (user_metadata IS NULL OR jsonb_typeof(user_metadata) = 'object')
);
-- One object per name in a bucket; also the index for listing a bucket by name prefix.
CREATE UNIQUE INDEX bucketid_objname ON storage.objects (bucket_id, name);
CREATE INDEX ix_storage_objects_owner ON storage.objects (owner);

CREATE TRIGGER update_storage_objects_updated_at BEFORE UPDATE ON storage.objects
  FOR EACH ROW EXECUTE FUNCTION kit.update_updated_at();

-- An object a client uploads belongs to the caller, as storage-api sets owner from the
-- JWT: for anon and authenticated writes (current_user, as SQLite's auth_role()), owner
-- and owner_id are auth.uid() whatever the row said, and a client may not give an object
-- to someone else. (ON DELETE SET NULL of the owner's user still goes through: it runs as
-- the tables' owner.) The insert trigger looks the user up in auth.users: SECURITY
-- DEFINER, owned by service_role; the WHEN clause is evaluated as the caller.
CREATE FUNCTION kit.storage_objects_owner_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  NEW.owner := (SELECT u.id FROM auth.users u WHERE u.id = auth.uid());
  NEW.owner_id := auth.uid()::text;
  RETURN NEW;
END
$$;
CREATE TRIGGER storage_objects_owner_insert BEFORE INSERT ON storage.objects
  FOR EACH ROW WHEN (current_user IN ('anon', 'authenticated')) EXECUTE FUNCTION kit.storage_objects_owner_insert();

CREATE FUNCTION kit.storage_objects_owner_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF (NEW.owner IS NOT NULL AND NEW.owner IS DISTINCT FROM OLD.owner AND NEW.owner IS DISTINCT FROM auth.uid())
     OR (NEW.owner_id IS NOT NULL AND NEW.owner_id IS DISTINCT FROM OLD.owner_id AND NEW.owner_id IS DISTINCT FROM auth.uid()::text) THEN
    RAISE EXCEPTION 'You do not have permission to update this field' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION kit.storage_objects_owner_update() FROM PUBLIC;
CREATE TRIGGER storage_objects_owner_update BEFORE UPDATE OF owner, owner_id ON storage.objects
  FOR EACH ROW WHEN (current_user IN ('anon', 'authenticated')) EXECUTE FUNCTION kit.storage_objects_owner_update();

-- The issue's default bucket: account pictures, served publicly by the storage API
-- (/storage/v1/object/public/account_image/…); every object sits under the folder of the
-- account it belongs to.
INSERT INTO storage.buckets (id, name, public) VALUES ('account_image', 'account_image', true);

-- Deleting an account removes the objects in its folder, in every bucket (the seed's
-- convention: an object's first folder is the account that owns it). Their bytes are then
-- unreferenced and the server's orphan sweep removes them (docs/storage.md).
CREATE FUNCTION kit.delete_account_storage_objects() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  DELETE FROM storage.objects o WHERE pg_catalog.starts_with(o.name, OLD.id::text || '/');
  RETURN NULL;
END
$$;
CREATE TRIGGER accounts_delete_storage_objects AFTER DELETE ON public.accounts
  FOR EACH ROW EXECUTE FUNCTION kit.delete_account_storage_objects();

REVOKE ALL ON FUNCTION kit.storage_objects_owner_insert(), kit.delete_account_storage_objects() FROM PUBLIC;
GRANT CREATE ON SCHEMA kit TO service_role;
ALTER FUNCTION kit.storage_objects_owner_insert() OWNER TO service_role;
ALTER FUNCTION kit.delete_account_storage_objects() OWNER TO service_role;
REVOKE CREATE ON SCHEMA kit FROM service_role;

-- ---- row-level security: migrations/sqlite/0016_storage.sql's text, unchanged ---------
-- Forced too, and granted to every request role: the policies decide, as for public.
ALTER TABLE storage.buckets FORCE ROW LEVEL SECURITY;
ALTER TABLE storage.objects FORCE ROW LEVEL SECURITY;
REVOKE ALL ON storage.buckets, storage.objects FROM anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON storage.buckets, storage.objects TO anon, authenticated, service_role;

-- Buckets: signed-in users may read them; only service_role (and the server) creates,
-- changes or deletes them.
ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
CREATE POLICY buckets_read ON storage.buckets FOR SELECT TO authenticated USING (true);

-- Objects of account_image: signed-in users list and read them (the bucket is public; its
-- public downloads do not go through these policies). Uploads, replacements and deletes
-- only under the folder of the caller's personal account or of a team where they hold
-- settings.manage; the first folder of the name is what counts. (A first folder that is
-- no uuid makes the ::uuid cast fail with 22P02 here, where SQLite matches nothing.)
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
