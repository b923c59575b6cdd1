-- FX quotes (FSPIOP v2.0 POST /fxQuotes, ISO 20022 JSON pacs.091/092; docs/fx.md "Agreement: fxQuotes and FXP
-- discovery"): the minimum the hub keeps of each conversion quote, written before the requester is answered 202.
-- Ids, the two FSPs, the currencies and amounts asked and agreed, expiries, hashes, state; no rate (the FXP's, never
-- the hub's: it is the ratio of the amounts) and no charges. `condition` is the FXP's, which the fxTransfer of
-- this conversion must carry.

CREATE TABLE fx_quote (
  -- conversionRequestId.
  id                   text PRIMARY KEY,
  conversion_id        text NOT NULL,
  determining_transfer_id text,
  initiating           text NOT NULL,
  fxp                  text NOT NULL,
  amount_type          text NOT NULL CHECK (amount_type IN ('SEND', 'RECEIVE')),
  source_currency      char(3) NOT NULL,
  target_currency      char(3) NOT NULL,
  -- What the request fixed (the other is NULL until answered); NULL too when the ledger cannot hold it exactly
  -- (the request is then refused).
  source_amount        numeric(38, 4),
  target_amount        numeric(38, 4),
  expiration           timestamptz,
  -- RECEIVED, then ANSWERED (the FXP's terms), ERROR (the FXP's error), REJECTED (the hub refused the request or the
  -- FXP's answer: error_code says why) or EXPIRED (the FXP's terms came expired).
  state                text NOT NULL,
  request_hash         text NOT NULL,
  response_hash        text,
  response_expiration  timestamptz,
  -- A domain outcome (the hub refused) or the FSPIOP code the FXP gave.
  error_code           text,
  condition            text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  changed_at           timestamptz NOT NULL DEFAULT now()
);

-- The fxTransfer of a conversion names its determining transfer; the Admin read lists a participant's FX quotes.
CREATE INDEX fx_quote_initiating ON fx_quote (initiating, created_at);
CREATE INDEX fx_quote_fxp ON fx_quote (fxp, created_at);
