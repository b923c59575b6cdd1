-- A bank's pacs.008 with many transactions (docs/bulk.md, "Banks"): every transaction is a bank payment of its own
-- (a bridge_payment row, then a transfer, as a single pacs.008 is); these rows say which payments make the bank's
-- message, how the bank named them, and each one's final status once it is known, so that the bank gets one pacs.002
-- for the whole message when the last one is final. A line's money is in its transfer; nothing here moves a balance.
CREATE TABLE bank_group (
  -- The bank and its GrpHdr/MsgId: a bank's message id names one message of that bank.
  payer         text NOT NULL,
  msg_id        text NOT NULL,
  -- documentHash of the message's Document: the same message again is a duplicate, another under its MsgId a modified one.
  request_hash  text NOT NULL,
  -- OrgnlGrpInf of every answer: OrgnlMsgId, OrgnlMsgNmId (the pacs.008 version the bank sent), OrgnlCreDtTm.
  original      jsonb NOT NULL,
  line_count    integer NOT NULL,
  -- Lines whose final status is not recorded yet: the group is final when none is left.
  open_lines    integer NOT NULL,
  -- OPEN, then COMPLETED (the bank was sent the group's pacs.002).
  state         text NOT NULL,
  -- ACCP (every line accepted), PART, RJCT (none), once COMPLETED.
  group_status  text,
  expires_at    timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  completed_at  timestamptz,
  PRIMARY KEY (payer, msg_id)
);

CREATE TABLE bank_group_line (
  payer       text NOT NULL,
  msg_id      text NOT NULL,
  line_no     integer NOT NULL,
  -- The bank's id of the transaction (its TxId, else UETR, else EndToEndId): the bridge_payment id when `own`.
  payment_id  text NOT NULL,
  -- The line is the bridge_payment `payment_id`; false when that id was another payment's (the line is refused).
  own         boolean NOT NULL,
  -- How the bank named the transaction (OrgnlInstrId, OrgnlEndToEndId, OrgnlTxId, OrgnlUETR).
  original    jsonb NOT NULL,
  -- ACSC or RJCT once final; `reason` is the stored cause of RJCT (as transfer.cause).
  status      text,
  reason      text,
  PRIMARY KEY (payer, msg_id, line_no),
  FOREIGN KEY (payer, msg_id) REFERENCES bank_group (payer, msg_id)
);

-- The group of a bank payment (the bridge's and the transfer lifecycle's notices name the payment).
CREATE UNIQUE INDEX bank_group_line_payment ON bank_group_line (payment_id) WHERE own;
-- Groups not final past their expiry, for the sweep that finishes what a restart left open.
CREATE INDEX bank_group_open ON bank_group (expires_at) WHERE state = 'OPEN';
