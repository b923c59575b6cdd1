-- Inter-scheme proxies (docs/interscheme.md). A DFSP of another scheme is reached through a proxy participant
-- (created with isProxy): the hub learns "DFSP <dfsp> is reachable via <proxy>" from every message a proxy relays
-- (FSPIOP-Source = the remote DFSP, FSPIOP-Proxy = the proxy), and routes messages for that DFSP to the proxy's
-- endpoints. A newer message via another proxy replaces the row; a proxy that answers that it does not know the DFSP
-- removes it. No local participant has a row (the hub refuses a proxy claiming one).
CREATE TABLE proxy_route (
  dfsp        text PRIMARY KEY,
  proxy_id    integer NOT NULL REFERENCES participant (id),
  learned_at  timestamptz NOT NULL DEFAULT now()
);

-- A GET /parties the oracle could not answer, broadcast to every active proxy but the one it came from. The first
-- PUT /parties from a proxy finishes it (forwarded to the requester), later ones are dropped; when every proxy asked
-- answered with an error, or none answered before expires_at, the requester gets 3204. Any hub node may receive the
-- answers: the row is the shared state, and the first update that finishes it wins.
CREATE TABLE proxy_discovery (
  requester   text NOT NULL,
  -- Type/ID[/SubId] of the party looked up.
  party       text NOT NULL,
  asked       text[] NOT NULL,
  failed      text[] NOT NULL DEFAULT '{}',
  started_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  -- Set once: by the first answer, the last error or the timeout; an identical GET after it broadcasts again.
  finished_at timestamptz,
  -- ANSWERED (by answered_by), FAILED (every proxy answered an error), TIMED_OUT.
  outcome     text,
  answered_by text,
  PRIMARY KEY (requester, party)
);
