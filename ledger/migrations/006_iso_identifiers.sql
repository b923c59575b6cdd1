-- Banks are named in ISO 20022 by a BIC or a clearing-system member id (e.g. USABA + an ABA routing number), not by
-- the scheme's FSP id. Each participant may register them (Admin API PUT /participants/{name}/isoIdentifiers); each
-- names exactly one participant. The XML edge maps agents to participants by them and addresses a bank the way it
-- registered (docs/iso20022.md, "Identifying banks").
CREATE TABLE participant_iso_identifier (
  participant_id   integer NOT NULL REFERENCES participant (id),
  kind             text NOT NULL CHECK (kind IN ('BICFI', 'CLRSYS')),
  -- ExternalClearingSystemIdentification1Code of a CLRSYS identifier; '' for a BIC.
  clearing_system  text NOT NULL DEFAULT '' CHECK ((kind = 'BICFI') = (clearing_system = '')),
  -- As registered (written back to the bank exactly).
  value            text NOT NULL,
  -- As matched: a BIC11 with branch XXX is its BIC8; a member id as is.
  lookup_key       text NOT NULL,
  -- Registration order: the first clearing id is the one the hub writes for a participant without a BIC.
  position         smallint NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (participant_id, position)
);
CREATE UNIQUE INDEX participant_iso_identifier_unique ON participant_iso_identifier (kind, clearing_system, lookup_key);
CREATE UNIQUE INDEX participant_iso_identifier_one_bic ON participant_iso_identifier (participant_id) WHERE kind = 'BICFI';

-- What a bank's pacs.008 named its payment by (OrgnlGrpInf, OrgnlEndToEndId, OrgnlTxId only when it sent one,
-- OrgnlUETR): every pacs.002 about the payment refers to it the same way. NULL for rows written before.
ALTER TABLE bridge_payment ADD COLUMN original jsonb;

-- The hub's transfer id for a bank's payment, when it is not the bank's own id: Mojaloop participants carry only
-- UUIDs and ULIDs (ISO JSON: ULIDs), so a bank's TxId / EndToEndId of another form travels as a ULID the hub assigns.
-- NULL until the payee is known (then it is the payment's id in the ledger and towards the payee).
ALTER TABLE bridge_payment ADD COLUMN transfer_id text;
CREATE INDEX bridge_payment_transfer ON bridge_payment (transfer_id) WHERE transfer_id IS NOT NULL;
