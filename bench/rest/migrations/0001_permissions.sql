-- A permission for the notes example (PostgreSQL: a new enum value is usable only after
-- the transaction that adds it, hence its own migration).
ALTER TYPE public.app_permissions ADD VALUE 'notes.manage';
