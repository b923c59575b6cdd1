-- Issue 13: any number of hub processes serve the APIs on this one database, and a request may reach any of them.
-- What one process learns from a message and another needs to answer the next one lives here, not in memory.

-- Business message ids (BizMsgIdr) banks sent, per sender: a resend to any hub process is a duplicate (DU01).
-- Kept for a retention period (switch/edge/message-ids.ts), purged by whichever process inserts after it.
CREATE TABLE message_seen (
  sender   text NOT NULL,
  id       text NOT NULL,
  seen_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sender, id)
);
CREATE INDEX message_seen_at ON message_seen (seen_at);

-- acmt.023 Vrfctn/Id the hub sent a bank in place of a party path too long for Max35Text, and the path it stands
-- for: the bank's acmt.024 (Rpt/OrgnlId) may reach another hub process (switch/notify/verification-ids.ts).
CREATE TABLE verification_id (
  id          text PRIMARY KEY,
  party_type  text NOT NULL,
  party_id    text NOT NULL,
  sub_id      text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX verification_id_at ON verification_id (created_at);
