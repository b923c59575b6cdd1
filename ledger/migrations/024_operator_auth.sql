-- The operators of the hub (issue 16, docs/operations.md): who may call the Admin and settlement APIs, and with which
-- roles. Passwords are stored as scrypt hashes (switch/admin/auth/passwords.ts); there is no default user: the first
-- administrator is created with `mizani user add`. A scheme with its own identity provider (OIDC) needs no rows here.
CREATE TABLE operator_user (
  name           text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$'),
  password_hash  text NOT NULL,
  roles          text[] NOT NULL CHECK (cardinality(roles) > 0),
  -- The participant whose data a user with the participant role reads.
  participant    text,
  is_active      boolean NOT NULL DEFAULT true,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (NOT ('participant' = ANY (roles)) OR participant IS NOT NULL)
);

-- The key of the hub's built-in token issuer, shared by every hub node of a database: the first node to start makes
-- it. A token it signed is valid on every node until it expires.
CREATE TABLE auth_signing_key (
  kid          text PRIMARY KEY,
  private_jwk  jsonb NOT NULL,
  public_jwk   jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
