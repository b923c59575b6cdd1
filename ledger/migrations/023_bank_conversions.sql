-- A bank's cross-currency payment (docs/fx.md "Banks"): the hub, acting for the paying bank, asks an FXP for the
-- conversion (an fx_quote of its own), agrees the target amount with the payee (a quote), then prepares the conversion
-- (an fxTransfer on the bank's source position) and, once the FXP fulfilled it, the dependent transfer. One row per
-- bank payment (bridge_payment.id) that converts; what the bank fixed, what the FXP answered, where the payment is.

CREATE TABLE bridge_conversion (
  payment_id            text PRIMARY KEY REFERENCES bridge_payment (id),
  bank                  text NOT NULL,
  fxp                   text NOT NULL,
  -- The fx_quote id (conversionRequestId) and, once prepared, the fxTransfer's commitRequestId.
  conversion_request_id text NOT NULL UNIQUE,
  commit_request_id     text UNIQUE,
  amount_type           text NOT NULL CHECK (amount_type IN ('SEND', 'RECEIVE')),
  source_currency       char(3) NOT NULL,
  target_currency       char(3) NOT NULL,
  -- What the bank stated (IntrBkSttlmAmt: source, InstdAmt: target; NULL = left open with "0"), and its XchgRate.
  bank_source_amount    numeric(38, 4),
  bank_target_amount    numeric(38, 4),
  bank_rate             text,
  -- The FXP's terms once answered.
  source_amount         numeric(38, 4),
  target_amount         numeric(38, 4),
  fx_condition          text,
  fx_expiration         timestamptz,
  -- The payee's terms (ILP packet and condition) kept until the conversion is fulfilled, and their expiry.
  ilp_packet            text,
  condition             text,
  transfer_expiration   timestamptz,
  -- FX_QUOTING, PAYEE_QUOTING, CONVERTING, TRANSFERRING, REJECTED.
  state                 text NOT NULL,
  changed_at            timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX bridge_conversion_commit ON bridge_conversion (commit_request_id) WHERE commit_request_id IS NOT NULL;
