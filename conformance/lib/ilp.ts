// ILP v4 as Mojaloop uses it (contract security.md §2): fulfilment/condition and the Prepare packet.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { deserializeIlpPrepare, serializeIlpPrepare } from 'ilp-packet';
import { shiftToInteger } from './decimal.js';
import { b64url, fromB64url, sortedStringify } from './util.js';

/** ISO 4217 minor units for currencies the suite may use (SDK table subset); unknown → 2. */
export const CURRENCY_DECIMALS: Readonly<Record<string, number>> = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  KES: 2,
  TZS: 2,
  ZMW: 2,
  MWK: 2,
  GHS: 2,
  NGN: 2,
  ZAR: 2,
  INR: 2,
  PHP: 2,
  MAD: 2,
  XTS: 2,
  BHD: 3,
  KWD: 3,
  OMR: 3,
  JOD: 3,
  TND: 3,
  LYD: 3,
  IQD: 3,
  JPY: 0,
  KRW: 0,
  XOF: 0,
  XAF: 0,
  CLP: 0,
  BIF: 0,
  RWF: 0,
  UGX: 0,
  DJF: 0,
  GNF: 0,
  KMF: 0,
  PYG: 0,
  VND: 0,
  VUV: 0,
  XPF: 0,
};

export function currencyDecimals(currency: string): number {
  return CURRENCY_DECIMALS[currency] ?? 2;
}

/** Transfer amount → integer minor units (throws if the amount has more decimals than the currency allows). */
export function toMinorUnits(amount: string, currency: string): string {
  return shiftToInteger(amount, currencyDecimals(currency));
}

/**
 * Like toMinorUnits but truncating extra decimals (for negative tests whose amount the currency cannot express;
 * the packet amount is irrelevant there). Falls back to '0' for anything that is not a plain decimal.
 */
export function toMinorUnitsTruncated(amount: string, currency: string): string {
  const m = /^(\d+)(?:\.(\d*))?$/.exec(amount);
  if (!m) return '0';
  const d = currencyDecimals(currency);
  return BigInt(m[1]! + (m[2] ?? '').padEnd(d, '0').slice(0, d)).toString();
}

/** condition = BASE64URL(SHA-256(fulfilment bytes)) */
export function conditionFromFulfilment(fulfilment: string): string {
  return b64url(createHash('sha256').update(fromB64url(fulfilment)).digest());
}

/** 32 random bytes as base64url (43 chars) and its condition. */
export function generateFulfilment(): { fulfilment: string; condition: string } {
  const fulfilment = b64url(randomBytes(32));
  return { fulfilment, condition: conditionFromFulfilment(fulfilment) };
}

export interface PartyIdInfo {
  partyIdType: string;
  partyIdentifier: string;
  fspId?: string;
  partySubIdOrType?: string;
  /** e.g. `{ extension: [{ key: 'accountType', value: 'Wallet' }] }`, what Mojaloop's interchange fee script reads. */
  extensionList?: { extension: Array<{ key: string; value: string }> };
}

/** The transaction object carried (sorted-key JSON, base64url) in the packet's data (security.md §2.2). */
export interface TransactionObject {
  quoteId: string;
  transactionId: string;
  transactionType: { scenario: string; initiator: string; initiatorType: string; subScenario?: string };
  payee: { partyIdInfo: PartyIdInfo };
  payer: { partyIdInfo: PartyIdInfo };
  expiration?: string;
  amount: { amount: string; currency: string };
  note?: string;
  [k: string]: unknown;
}

export function transactionObject(o: {
  quoteId: string;
  transactionId: string;
  payerFsp: string;
  payeeFsp: string;
  amount: string;
  currency: string;
  expiration: string;
  payerMsisdn?: string;
  payeeMsisdn?: string;
}): TransactionObject {
  return {
    quoteId: o.quoteId,
    transactionId: o.transactionId,
    transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
    payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: o.payeeMsisdn ?? '27713803912', fspId: o.payeeFsp } },
    payer: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: o.payerMsisdn ?? '44123456789', fspId: o.payerFsp } },
    expiration: o.expiration,
    amount: { amount: o.amount, currency: o.currency },
  };
}

export interface IlpPrepareInput {
  /** Transfer amount (major units, decimal string) and currency: converted to minor units. */
  amount: string;
  currency: string;
  /** Override the packet amount (integer minor units), e.g. for amounts with too many decimals. */
  amountMinorUnits?: string;
  condition: string;
  /** Packet expiresAt (ISO string or Date). */
  expiresAt: string | Date;
  transaction: object;
  destination?: string;
}

/** ILP v4 Prepare packet, base64url without padding. */
export function buildIlpPacket(input: IlpPrepareInput): string {
  const amount = input.amountMinorUnits ?? toMinorUnits(input.amount, input.currency);
  const data = Buffer.from(b64url(Buffer.from(sortedStringify(input.transaction), 'utf8')), 'ascii');
  const packet = serializeIlpPrepare({
    amount,
    executionCondition: fromB64url(input.condition),
    expiresAt: input.expiresAt instanceof Date ? input.expiresAt : new Date(input.expiresAt),
    destination: input.destination ?? 'g.mojaloop',
    data,
  });
  return b64url(packet);
}

export interface DecodedIlpPrepare {
  amount: string;
  expiresAt: Date;
  condition: string;
  destination: string;
  transaction: unknown;
}

export function decodeIlpPacket(packet: string): DecodedIlpPrepare {
  const p = deserializeIlpPrepare(fromB64url(packet));
  const dataText = p.data.toString('ascii');
  let transaction: unknown;
  try {
    transaction = JSON.parse(fromB64url(dataText).toString('utf8'));
  } catch {
    transaction = undefined;
  }
  return {
    amount: String(p.amount),
    expiresAt: p.expiresAt,
    condition: b64url(p.executionCondition),
    destination: p.destination,
    transaction,
  };
}

// ---- payee side: the quote's ILP packet and the fulfilment derived from it (security.md §2.2, §2.3) -------------

/**
 * SDK ILP v4 fulfilment: BASE64URL(HMAC-SHA256(key = ASCII(BASE64(secret)), data = ASCII(BASE64(canonical tx JSON)))).
 * `transaction` is the transaction object, or the exact canonical JSON bytes/text already serialised.
 */
export function deriveFulfilment(secret: string, transaction: object | string | Buffer): string {
  const json =
    typeof transaction === 'string'
      ? Buffer.from(transaction, 'utf8')
      : Buffer.isBuffer(transaction)
        ? transaction
        : Buffer.from(sortedStringify(transaction), 'utf8');
  const key = Buffer.from(Buffer.from(secret, 'utf8').toString('base64'), 'ascii');
  const data = Buffer.from(json.toString('base64'), 'ascii');
  return b64url(createHmac('sha256', key).update(data).digest());
}

/** The parts of a quote request the transaction object is built from (fspiop.md §7). */
export interface QuoteRequestLike {
  quoteId: string;
  transactionId: string;
  transactionType: object;
  payee: object;
  payer: object;
  note?: string;
  [k: string]: unknown;
}

/**
 * Transaction object per security.md §2.2 (SDK `transactionObjectDto`): quoteId, transactionId, transactionType,
 * payee, payer (as in the quote request), expiration (the quote's), amount (= transferAmount), note when present.
 */
export function transactionFromQuote(
  request: QuoteRequestLike,
  response: { transferAmount: { amount: string; currency: string }; expiration: string },
): TransactionObject {
  const tx: TransactionObject = {
    quoteId: request.quoteId,
    transactionId: request.transactionId,
    transactionType: request.transactionType as TransactionObject['transactionType'],
    payee: request.payee as TransactionObject['payee'],
    payer: request.payer as TransactionObject['payer'],
    expiration: response.expiration,
    amount: { amount: response.transferAmount.amount, currency: response.transferAmount.currency },
  };
  if (request.note !== undefined) tx.note = request.note;
  return tx;
}

export interface QuoteIlp {
  ilpPacket: string;
  condition: string;
  fulfilment: string;
  transaction: TransactionObject;
}

/** What a payee puts in its quote response: packet + condition (and the fulfilment it can always re-derive). */
export function quoteIlp(
  secret: string,
  request: QuoteRequestLike,
  response: { transferAmount: { amount: string; currency: string }; expiration: string },
): QuoteIlp {
  const transaction = transactionFromQuote(request, response);
  const fulfilment = deriveFulfilment(secret, transaction);
  const condition = conditionFromFulfilment(fulfilment);
  const ilpPacket = buildIlpPacket({
    amount: response.transferAmount.amount,
    currency: response.transferAmount.currency,
    amountMinorUnits: toMinorUnitsTruncated(response.transferAmount.amount, response.transferAmount.currency),
    condition,
    expiresAt: response.expiration,
    transaction,
  });
  return { ilpPacket, condition, fulfilment, transaction };
}

export interface PacketFulfilment {
  fulfilment: string;
  condition: string;
  /** Condition carried in the packet (must equal `condition` for a packet this secret produced). */
  packetCondition: string;
  transaction: any;
  amount: string;
}

/**
 * Payee side of a prepare (security.md §2.3): re-derive the fulfilment from the packet's data with the payee's secret.
 * No state is needed: a packet built by `quoteIlp` with the same secret yields the same fulfilment.
 * Throws when the packet cannot be decoded.
 */
export function fulfilmentFromPacket(secret: string, ilpPacket: string): PacketFulfilment {
  const p = deserializeIlpPrepare(fromB64url(ilpPacket));
  const json = fromB64url(p.data.toString('ascii'));
  const fulfilment = deriveFulfilment(secret, json);
  let transaction: unknown;
  try {
    transaction = JSON.parse(json.toString('utf8'));
  } catch {
    transaction = undefined;
  }
  return {
    fulfilment,
    condition: conditionFromFulfilment(fulfilment),
    packetCondition: b64url(p.executionCondition),
    transaction,
    amount: String(p.amount),
  };
}

// ---- ILP v1 (for refusals: the packet FSPIOP 1.x SDKs still send, which the ISO 20022 JSON dialect cannot carry) ----

function oerLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const varOctets = (b: Buffer) => Buffer.concat([oerLength(b.length), b]);

/**
 * ILP v1 "ILP Payment" packet (ilp-packet@2.2.0 serializeIlpPayment, as sdk-standard-components 17.x builds it):
 * type 1 | var-octet( uint64 amount | var-octet account | var-octet data | 0 ), base64url.
 */
export function buildIlpV1Packet(o: { amountMinorUnits: string; account: string; transaction: object }): string {
  const amount = Buffer.alloc(8);
  amount.writeBigUInt64BE(BigInt(o.amountMinorUnits));
  const data = Buffer.from(b64url(Buffer.from(JSON.stringify(o.transaction), 'utf8')), 'ascii');
  const contents = Buffer.concat([amount, varOctets(Buffer.from(o.account, 'ascii')), varOctets(data), Buffer.from([0])]);
  return b64url(Buffer.concat([Buffer.from([1]), varOctets(contents)]));
}
