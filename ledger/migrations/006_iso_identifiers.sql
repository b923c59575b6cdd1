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
