-- Issue 14: the hub answers a bank's acmt.023 with an acmt.024 whose Rpt/OrgnlId is the bank's own Vrfctn/Id (and whose
-- OrgnlAssgnmt is the request's Assgnmt/MsgId and CreDtTm). The answer is a wallet's PUT /parties, or the hub's own
-- error, about the party path: it may reach another hub process than the one that took the acmt.023, so what each
-- bank asked, under which ids, is kept here (switch/notify/verification-ids.ts). The verification_id table of
-- migration 011 is the other direction (an id the hub made up for a bank it asks) and holds no asker.
CREATE TABLE verification_request (
  bank         text NOT NULL,
  vrfctn_id    text NOT NULL,
  party_type   text NOT NULL,
  party_id     text NOT NULL,
  sub_id       text,
  msg_id       text NOT NULL,
  cre_dt_tm    text NOT NULL,
  answered_at  timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (bank, vrfctn_id)
);
CREATE INDEX verification_request_party ON verification_request (bank, party_type, party_id);
CREATE INDEX verification_request_at ON verification_request (created_at);
