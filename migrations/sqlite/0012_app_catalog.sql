-- What an app's own migrations (`--migrations DIR`, see docs/extending.md) leave behind on
-- SQLite besides their tables: PostgreSQL keeps these in its own catalogs.

-- COMMENT ON TABLE / VIEW / COLUMN.
CREATE TABLE kit_comments (
  object_type text NOT NULL,  -- table, view or column
  object_name text NOT NULL,  -- the SQLite name; table.column for columns
  comment text NOT NULL,
  PRIMARY KEY (object_type, object_name),
  CONSTRAINT kit_comments_object_type CHECK (object_type IN ('table', 'view', 'column'))
);

-- Rows being inserted while kit.track_user_changes() sets their created_by: the update that
-- does it must not be mistaken for a client's update (which keeps created_by as it was).
-- Empty outside a statement.
CREATE TABLE kit_tracked_inserts (
  table_name text NOT NULL,
  row_id integer NOT NULL,
  PRIMARY KEY (table_name, row_id)
);
