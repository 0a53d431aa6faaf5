-- Up Migration
CREATE TABLE workspaces (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The auth-service user who owns it; users live in another service's schema, so no foreign key.
  owner_id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Serves the owner's list, newest first, and its keyset pagination.
CREATE INDEX workspaces_owner_created ON workspaces (owner_id, created_at DESC, id DESC);

-- Down Migration
DROP TABLE workspaces;
