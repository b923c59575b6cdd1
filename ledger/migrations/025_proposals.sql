-- Maker-checker (issue 16, docs/operations.md "Maker-checker"): an Admin API request that moves money or risk is kept
-- here, exactly as it was sent, until a second user approves it (then it is executed and its answer kept) or rejects
-- it, or it expires.
CREATE TABLE proposal (
  id            text PRIMARY KEY,
  -- funds, limits, participant-status, settlement, keys, users (switch/admin/auth/roles.ts).
  action        text NOT NULL,
  method        text NOT NULL,
  path          text NOT NULL,
  body          text,
  -- What it changes when it replaces a value (PUT / DELETE: its path); one proposal at a time may be pending on it.
  target        text,
  proposer      text NOT NULL,
  -- The roles that may approve it: the route's (admin always may); never the proposer.
  approver_roles text[] NOT NULL,
  proposed_at   timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  -- PENDING, then APPROVED (being executed), EXECUTED or FAILED; or REJECTED, EXPIRED.
  state         text NOT NULL DEFAULT 'PENDING',
  approver      text,
  decided_at    timestamptz,
  reason        text,
  result_status integer,
  result_body   text
);

CREATE UNIQUE INDEX proposal_pending_target ON proposal (target) WHERE state = 'PENDING' AND target IS NOT NULL;
CREATE INDEX proposal_state ON proposal (state, proposed_at);
