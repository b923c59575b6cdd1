-- Participants' JWS public keys (FSPIOP-Signature verification, contract security.md §1), managed
-- through the Admin API. A participant holds at most two active keys: rotation adds the new key,
-- then revokes the old one. Revoked keys are kept (audit); a kid is never reused by a participant.

CREATE TABLE participant_jws_key (
  id           serial PRIMARY KEY,
  participant  text NOT NULL,
  kid          text NOT NULL,
  -- Derived from the key: RS256 for RSA >= 2048 bits (the key also verifies RS384/RS512), ES256 for EC P-256.
  alg          text NOT NULL CHECK (alg IN ('RS256', 'ES256')),
  -- The public key as SPKI PEM (extracted from the certificate when one was registered).
  public_key   text NOT NULL,
  -- The X.509 certificate PEM as registered, if the key came in one.
  certificate  text,
  -- base64url SHA-256 of the SPKI DER: the same key cannot be active twice.
  fingerprint  text NOT NULL,
  -- 1 or 2: which of the two active places the key takes (the partial unique index below makes
  -- "at most two active keys" hold even under concurrent additions).
  slot         smallint NOT NULL CHECK (slot IN (1, 2)),
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  CONSTRAINT participant_jws_key_kid_unique UNIQUE (participant, kid)
);

CREATE UNIQUE INDEX participant_jws_key_active_slot ON participant_jws_key (participant, slot) WHERE revoked_at IS NULL;
CREATE UNIQUE INDEX participant_jws_key_active_key ON participant_jws_key (participant, fingerprint) WHERE revoked_at IS NULL;
