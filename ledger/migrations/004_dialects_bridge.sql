-- ISO 20022 at the edge: the dialect each participant speaks, banks' XML-signature certificates,
-- payments the hub carries on a bank's behalf, and the hub's own secrets.

ALTER TABLE participant ADD COLUMN dialect text NOT NULL DEFAULT 'fspiop/1.1'
  CHECK (dialect IN ('fspiop/1.1', 'fspiop/2.0', 'iso20022-json/2.0', 'iso20022-xml'));
-- For banks: which generation of messages the hub sends them (translators/isoxml/catalog.ts).
ALTER TABLE participant ADD COLUMN xml_profile text NOT NULL DEFAULT 'iso-2019'
  CHECK (xml_profile IN ('iso-2019', 'iso-2026'));

-- Certificates whose keys verify the XMLDSig in a bank's head.001 (same rules as JWS keys:
-- at most two active, revoked ones kept for audit).
CREATE TABLE participant_xml_certificate (
  id           serial PRIMARY KEY,
  participant  text NOT NULL,
  kid          text NOT NULL,
  alg          text NOT NULL CHECK (alg IN ('RS256', 'ES256')),
  public_key   text NOT NULL,
  certificate  text,
  fingerprint  text NOT NULL,
  slot         smallint NOT NULL CHECK (slot IN (1, 2)),
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  CONSTRAINT participant_xml_certificate_kid_unique UNIQUE (participant, kid)
);
CREATE UNIQUE INDEX participant_xml_certificate_active_slot ON participant_xml_certificate (participant, slot) WHERE revoked_at IS NULL;
CREATE UNIQUE INDEX participant_xml_certificate_active_key ON participant_xml_certificate (participant, fingerprint) WHERE revoked_at IS NULL;

-- A bank's one-shot pacs.008 while the hub agrees terms for it and runs the transfer. The
-- instruction (canonical pacs.008) is kept because the hub must carry it through the phases.
CREATE TABLE bridge_payment (
  id            text PRIMARY KEY,
  payer         text NOT NULL,
  payee         text,
  state         text NOT NULL,
  request_hash  text NOT NULL,
  quote_id      text,
  instruction   jsonb NOT NULL,
  reason        text,
  expires_at    timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  changed_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bridge_payment_open ON bridge_payment (expires_at) WHERE state IN ('RECEIVED', 'QUOTING');
CREATE INDEX bridge_payment_quote ON bridge_payment (quote_id);

-- Fulfilments the hub holds for banks, which confirm with a signed pacs.002 instead of an ILP
-- fulfilment: the condition the hub published in the terms, and its preimage.
CREATE TABLE held_fulfilment (
  condition   text PRIMARY KEY,
  fulfilment  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hub_secret (
  name        text PRIMARY KEY,
  value       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
