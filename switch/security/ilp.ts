/**
 * ILP packets in FSPIOP transfers (contract security.md §2): decoding and checking the `ilpPacket` of a
 * prepare against the transfer that carries it.
 *
 * Two packet generations are in use and are told apart by the first (type) byte:
 *
 *  - **ILP v4 Prepare**, type 12 (`ilp-packet@3.x` `IlpPacketType.Prepare`), sent by FSPIOP 2.0 clients
 *    (sdk-standard-components 19.x `IlpV4`, the testing toolkit, the conformance suite):
 *      uint8 12 | OER length | uint64 amount | 17 ASCII digits expiresAt (YYYYMMDDHHmmssSSS, UTC)
 *      | 32 bytes executionCondition | var-octet destination (ILP address) | var-octet data
 *  - **ILP v1 "ILP Payment"**, type 1 (`ilp-packet@2.2.0` `TYPE_ILP_PAYMENT`, `serializeIlpPayment`), still sent
 *    by FSPIOP 1.x clients such as the npm SDK scheme adapter 18.0.2 (sdk-standard-components 17.4.0):
 *      uint8 1 | OER length | uint64 amount | var-octet account (ILP address) | var-octet data | uint8 0
 *    A v1 packet carries neither a condition nor an expiry.
 *
 * In both, `data` is the ASCII of BASE64URL(JSON transaction object) when a Mojaloop SDK built the packet
 * (v4 per the contract: keys sorted; v1 17.x: `JSON.stringify`, sender's key order). It is decoded when it is that, and left
 * alone otherwise (ILP data is opaque to the network; the hub never fails a packet because of its data format).
 *
 * Acceptance rules of `checkPrepareAgainstPacket` (see the docs on each rule below and the helper report):
 *  - v4 amount  = transfer amount × 10^decimals exactly (the SDK refuses to build a packet otherwise);
 *  - v1 amount  = what an SDK computes from the transfer amount, reproduced bit for bit (17.x multiplies a float
 *                 and parses the printed result with `Long.fromString`, hence 1.1 USD → 1100000000001);
 *  - v4 condition = the transfer's condition; v1 has none (the fulfilment check at commit still protects it);
 *  - v4 expiresAt = the transaction object's expiration when the data carries one (both come from the quote);
 *                 it is deliberately NOT compared with the transfer's own expiration (SDKs set that later);
 *  - transaction object (both versions, when present): amount, currency, payer and payee fspId agree with the
 *                 transfer — the fields the payee SDK checks (`validateIlpAgainstTransferRequest`).
 */
import { createHash } from 'node:crypto';
import { DomainError, type Outcome } from '../../schemas/outcomes.js';
import { formatUnits, isoUnits, parseUnits, AMOUNT_SCALE, type IsoUnits } from '../../schemas/amount.js';
import { currencyDecimals } from '../../schemas/currency.js';
import type { TransactionFacts } from '../../ledger/interchange-fees.js';

// ----------------------------------------------------------------------------------------- types

export interface IlpV4Prepare {
  version: 4;
  /** uint64 amount, minor units of the transfer currency */
  amount: bigint;
  expiresAt: Date;
  /** executionCondition, base64url without padding (43 chars) */
  condition: string;
  /** ILP address (`g.mojaloop` from the SDK) */
  destination: string;
  data: Buffer;
  /** JSON.parse of base64url-decoded `data`, when `data` is base64url text of UTF-8 JSON */
  transaction?: unknown;
}

export interface IlpV1Payment {
  version: 1;
  amount: bigint;
  /** ILP address, `g.<payeeFsp>.<idtype>.<idvalue>[.<subid>]` lower-cased by the SDK (except the fspId) */
  account: string;
  data: Buffer;
  transaction?: unknown;
}

export type DecodedIlp = IlpV4Prepare | IlpV1Payment;

export interface PrepareForIlpCheck {
  /** transfer amount in units of 10^-5 (schemas/amount.ts) */
  amountUnits: IsoUnits;
  currency: string;
  /** the transfer's own expiration (not compared with the packet's expiresAt: see checkPrepareAgainstPacket) */
  expiration: string;
  /** the transfer's condition (base64url, 43 chars) */
  condition: string;
  payerFsp: string;
  payeeFsp: string;
}

// ----------------------------------------------------------------------------------------- limits

export const ILP_TYPE_V1_PAYMENT = 1;
export const ILP_TYPE_V4_PREPARE = 12;
/** FSPIOP `IlpPacket` maxLength (fspiop.md §5: `^[A-Za-z0-9-_]+[=]{0,2}$`, 1..32768 chars). */
export const ILP_PACKET_MAX_CHARS = 32768;
/** ILP address length limit (ILP RFC 15; ilp-packet `isValidIlpAddress`). */
export const ILP_ADDRESS_MAX_BYTES = 1023;
/** ILP data field limit (ILP RFC 27 / ASN.1 `OCTET STRING (SIZE(0..32767))`). */
export const ILP_DATA_MAX_BYTES = 32767;

const UINT64_LIMIT = 1n << 64n;
const INTERLEDGER_TIME_LENGTH = 17;
/** ILP RFC 15 address, exactly ilp-packet 3.1.3 `ILP_ADDRESS_REGEX` (which its own Prepare decoder enforces). */
const ILP_ADDRESS = /^(g|private|example|peer|self|test[1-3]?|local)([.][a-zA-Z0-9_~-]+)+$/;
/**
 * v1 accounts are checked for form only: printable ASCII (0x20-0x7e), no leading/trailing space, 1..1023 bytes.
 * Not the RFC 15 grammar, because real v1 senders do not follow it: the SDK writes
 * `g.<fspId>.<idType>.<partyIdentifier>` without validating it (an EMAIL identifier gives
 * `g.payeefsp.email.a@b.example`, `@` is outside RFC 15), and the long-lived Mojaloop test packet
 * (`AYIBgQAAAAAAAASwNGxldmVsb25l…`) uses the pre-RFC-15 address `levelone.dfsp1.mer.…` with no scheme.
 * Non-ASCII identifiers (which the SDK would mangle through Buffer 'ascii') are refused.
 */
const ILP_V1_ACCOUNT = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
const BASE64URL_TEXT = /^[A-Za-z0-9_-]+={0,2}$/;
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const utf8 = new TextDecoder('utf-8', { fatal: true });

const TYPE_NAMES: Record<number, string> = {
  // ILP v4 (ilp-packet 3.x) and ILP v1 (ilp-packet 2.x) type bytes, for precise refusals
  2: 'v1 ILQP liquidity request',
  3: 'v1 ILQP liquidity response',
  4: 'v1 ILQP by-source request',
  5: 'v1 ILQP by-source response',
  6: 'v1 ILQP by-destination request',
  7: 'v1 ILQP by-destination response',
  8: 'v1 ILP error',
  9: 'v1 ILP fulfillment',
  10: 'v1 ILP forwarded payment',
  11: 'v1 ILP rejection',
  13: 'v4 Fulfill',
  14: 'v4 Reject',
};

/**
 * The errors of this module: a DomainError — ILP_PACKET_MALFORMED from the decoder, an ILP_*_MISMATCH (or
 * ILP_AMOUNT_UNREPRESENTABLE) from the prepare check — whose detail is the precise reason. Every dialect words them
 * as a validation error (FSPIOP 3100 "Generic validation error - <detail>").
 */
export type IlpError = DomainError & { readonly detail: string };

type IlpOutcome = Extract<Outcome, `ILP_${string}`>;

function ilpError(outcome: IlpOutcome, detail: string): IlpError {
  return new DomainError(outcome, detail) as IlpError;
}

function malformed(detail: string): IlpError {
  return ilpError('ILP_PACKET_MALFORMED', `ILP packet ${detail}`);
}

/** A short, printable-ASCII rendering of untrusted text for an error description. */
function shown(text: string, max = 40): string {
  return JSON.stringify(text.slice(0, max)).replace(/[^\x20-\x7e]/g, '?');
}

// ----------------------------------------------------------------------------------------- decoding

class OerReader {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly end: number,
    private readonly where: string,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.remaining) {
      throw malformed(`truncated: ${what} needs ${n} bytes at offset ${this.pos}, ${this.remaining} left in the ${this.where}`);
    }
  }

  uint8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uint64(what: string): bigint {
    this.need(8, what);
    const value = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return value;
  }

  /** Canonical OER length prefix: < 128 in one byte, else 0x80|n and n big-endian bytes, minimal. */
  length(what: string): number {
    const at = this.pos;
    const first = this.uint8(`length of ${what}`);
    if (first < 0x80) return first;
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw malformed(`has an invalid OER length-of-length ${n} for ${what} at offset ${at}`);
    this.need(n, `length of ${what}`);
    let value = 0;
    for (let i = 0; i < n; i++) value = value * 256 + this.buf[this.pos++]!;
    if (value < Math.max(128, 2 ** ((n - 1) * 8))) {
      throw malformed(`has a non-canonical OER length (${value} in ${n} bytes) for ${what} at offset ${at}`);
    }
    return value;
  }

  varOctets(what: string, max: number): Buffer {
    const at = this.pos;
    const n = this.length(what);
    if (n > max) throw malformed(`${what} is ${n} bytes at offset ${at}, more than ${max}`);
    return this.bytes(n, what);
  }
}

/** base64url (padding tolerated, as the FSPIOP pattern allows) → bytes, strictly. */
function decodeBase64Url(text: string): Buffer {
  if (typeof text !== 'string') throw malformed('is not a string');
  if (text.length === 0) throw malformed('is empty');
  if (text.length > ILP_PACKET_MAX_CHARS) throw malformed(`is ${text.length} characters, more than ${ILP_PACKET_MAX_CHARS}`);
  if (!BASE64URL_TEXT.test(text)) {
    if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) throw malformed('is standard base64 (+ or /): base64url is required');
    throw malformed('is not base64url text');
  }
  const body = text.replace(/=+$/, '');
  const padding = text.length - body.length;
  const rest = body.length % 4;
  if (rest === 1) throw malformed(`base64url length ${body.length} is impossible (a multiple of 4 plus 1)`);
  if (padding > 0 && (text.length % 4 !== 0 || rest === 0)) throw malformed('base64url padding is wrong');
  // canonical form: the unused low bits of the last character must be zero
  if (rest !== 0) {
    const last = BASE64URL_ALPHABET.indexOf(body[body.length - 1]!);
    const unusedBits = rest === 2 ? 0x0f : 0x03;
    if ((last & unusedBits) !== 0) throw malformed('base64url is not canonical (non-zero padding bits)');
  }
  return Buffer.from(body, 'base64url');
}

function parseInterledgerTime(raw: Buffer, offset: number): Date {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c < 0x30 || c > 0x39) throw malformed(`expiresAt at offset ${offset} is not 17 ASCII digits`);
  }
  const s = raw.toString('latin1');
  const year = +s.slice(0, 4);
  const month = +s.slice(4, 6);
  const day = +s.slice(6, 8);
  const hour = +s.slice(8, 10);
  const minute = +s.slice(10, 12);
  const second = +s.slice(12, 14);
  const ms = +s.slice(14, 17);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  if (
    year < 1000 ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  ) {
    throw malformed(`expiresAt ${s} is not a valid UTC timestamp (YYYYMMDDHHmmssSSS)`);
  }
  return date;
}

/** `data` → JSON value when it is base64url text of UTF-8 JSON (as the SDKs build it), else undefined. */
function decodeTransaction(data: Buffer): unknown {
  if (data.length === 0) return undefined;
  const text = data.toString('latin1');
  if (!BASE64URL_TEXT.test(text) || text.replace(/=+$/, '').length % 4 === 1) return undefined;
  let json: string;
  try {
    json = utf8.decode(Buffer.from(text, 'base64url'));
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Decodes an FSPIOP `ilpPacket` (base64url, padding tolerated; standard base64 refused as the API pattern does).
 * The generation is chosen by the type byte: 12 → ILP v4 Prepare, 1 → ILP v1 Payment. Every length is
 * checked (canonical OER, within the enclosing structure, no bytes left over), the address must be ASCII of the
 * allowed form, expiresAt a real UTC time. Throws ILP_PACKET_MALFORMED ('ILP packet …') with the precise reason.
 */
export function decodeIlpPacket(base64url: string): DecodedIlp {
  const buf = decodeBase64Url(base64url);
  const outer = new OerReader(buf, buf.length, 'packet');
  const type = outer.uint8('type');
  if (type !== ILP_TYPE_V4_PREPARE && type !== ILP_TYPE_V1_PAYMENT) {
    const name = TYPE_NAMES[type];
    throw malformed(`type ${type}${name ? ` (${name})` : ''} is neither a v4 Prepare (12) nor a v1 Payment (1)`);
  }
  const contentLength = outer.length('envelope');
  const start = outer.pos;
  if (contentLength > outer.remaining) {
    throw malformed(`truncated: the envelope announces ${contentLength} bytes, ${outer.remaining} follow`);
  }
  if (contentLength < outer.remaining) {
    throw malformed(`has ${outer.remaining - contentLength} trailing bytes after the ${contentLength}-byte envelope`);
  }
  const r = new OerReader(buf, start + contentLength, 'envelope');
  r.pos = start;

  if (type === ILP_TYPE_V4_PREPARE) {
    const amount = r.uint64('amount');
    const timeAt = r.pos;
    const expiresAt = parseInterledgerTime(r.bytes(INTERLEDGER_TIME_LENGTH, 'expiresAt'), timeAt);
    const condition = r.bytes(32, 'executionCondition').toString('base64url');
    const destAt = r.pos;
    const dest = r.varOctets('destination', ILP_ADDRESS_MAX_BYTES);
    const destination = dest.toString('latin1');
    if (!ILP_ADDRESS.test(destination)) {
      throw malformed(`destination at offset ${destAt} is not a valid ILP address: ${shown(destination)}`);
    }
    const data = Buffer.from(r.varOctets('data', ILP_DATA_MAX_BYTES));
    if (r.remaining !== 0) throw malformed(`has ${r.remaining} unexpected bytes after data inside the Prepare`);
    const packet: IlpV4Prepare = { version: 4, amount, expiresAt, condition, destination, data };
    const transaction = decodeTransaction(data);
    if (transaction !== undefined) packet.transaction = transaction;
    return packet;
  }

  const amount = r.uint64('amount');
  const accountAt = r.pos;
  const account = r.varOctets('account', ILP_ADDRESS_MAX_BYTES).toString('latin1');
  if (!ILP_V1_ACCOUNT.test(account)) {
    throw malformed(`account at offset ${accountAt} is not a printable-ASCII address: ${shown(account)}`);
  }
  const data = Buffer.from(r.varOctets('data', ILP_DATA_MAX_BYTES));
  const extAt = r.pos;
  const extensibility = r.uint8('extensibility marker');
  if (extensibility !== 0) throw malformed(`v1 extensibility marker at offset ${extAt} is ${extensibility}, expected 0`);
  if (r.remaining !== 0) throw malformed(`has ${r.remaining} unexpected bytes after the v1 Payment fields`);
  const packet: IlpV1Payment = { version: 1, amount, account, data };
  const transaction = decodeTransaction(data);
  if (transaction !== undefined) packet.transaction = transaction;
  return packet;
}

// ----------------------------------------------------------------------------------------- amounts

/**
 * Where the decimals table of sdk-standard-components (`src/lib/ilp/currency.json`, 17.4.0 and 19.x) differs from
 * schemas/currency.ts for a code of the FSPIOP currency enum. Everywhere else they agree (checked by a test
 * against the installed 17.4.0 table):
 *  - XTS, XXX: the SDK says 0, ISO 4217 has no minor unit and schemas/currency.ts gives the ledger scale 4;
 *  - GGP IMP JEP MRO SPL STD TVD VEF XDR ZWD: not in the SDK table (the SDK fails the quote:
 *    "No decimal place data available for currency …"), so no SDK packet exists for them.
 * The SDK table also has codes outside the FSPIOP enum (BOV CLF COU MRU MXV STN SSP CHE CHW USN UYI UYW VES ZWL),
 * which the hub refuses anyway.
 */
const SDK_DECIMALS_DIFFERENT: Readonly<Record<string, number>> = { XTS: 0, XXX: 0 };
const SDK_DECIMALS_MISSING = new Set(['GGP', 'IMP', 'JEP', 'MRO', 'SPL', 'STD', 'TVD', 'VEF', 'XDR', 'ZWD']);

/** The decimals sdk-standard-components uses for an FSPIOP currency; undefined when its table lacks it. */
export function sdkIlpDecimals(currency: string): number | undefined {
  if (SDK_DECIMALS_MISSING.has(currency)) return undefined;
  return SDK_DECIMALS_DIFFERENT[currency] ?? currencyDecimals(currency);
}

/**
 * `Long.fromString(text, true).toString()` of long@3/4 (ilp-packet 2.2.0's and 3.1.3's uint64 parser), reproduced
 * exactly: the text is cut in chunks of 8 characters, each chunk goes through `parseInt(chunk, 10)` (which stops at
 * the first non-digit, so "110.0000" counts as 110 but still shifts by 10^8; NaN counts as 0) and the result is
 * accumulated modulo 2^64. Undefined when Long would throw (empty text, hyphen inside).
 */
export function longFromString(text: string): bigint | undefined {
  if (text.length === 0) return undefined;
  if (text === 'NaN' || text === 'Infinity' || text === '+Infinity' || text === '-Infinity') return 0n;
  const hyphen = text.indexOf('-');
  if (hyphen > 0) return undefined;
  if (hyphen === 0) {
    const positive = longFromString(text.slice(1));
    return positive === undefined ? undefined : (UINT64_LIMIT - positive) % UINT64_LIMIT;
  }
  let result = 0n;
  for (let i = 0; i < text.length; i += 8) {
    const size = Math.min(8, text.length - i);
    const value = parseInt(text.substring(i, i + size), 10);
    result = (result * 10n ** BigInt(size) + (Number.isNaN(value) ? 0n : BigInt(value))) % UINT64_LIMIT;
  }
  return result;
}

/**
 * The v1 amount sdk-standard-components 17.x (SDK scheme adapter 18.0.2) writes for `amount` in a currency with
 * `decimals` places: `${Number(amount) * Math.pow(10, decimals)}` (src/lib/ilp/index.js, _getIlpCurrencyAmount,
 * line 97) fed to ilp-packet 2.2.0 `serializeIlpPayment` → `Long.fromString(amount, true)` (dist/index.js line 52).
 * Number() of a decimal string is correctly rounded, so the canonical text of the units gives the same double as
 * whatever equivalent text the SDK saw ("1.10" and "1.1" are the same double).
 */
export function sdkV1LegacyIlpAmount(amountUnits: IsoUnits, decimals: number): bigint | undefined {
  const product = Number(formatUnits(amountUnits)) * Math.pow(10, decimals);
  return longFromString(`${product}`);
}

/**
 * The v1 amount sdk-standard-components 19.x `IlpV1` writes: `new MLNumber(amount).shiftedBy(decimals).toString()`
 * (exact decimal arithmetic, IlpBase.js `_getIlpCurrencyAmount`) through `Long.fromString`. Equal to the exact minor
 * units when the amount fits the currency; otherwise Long.fromString mangles the "….5" text like the 17.x case.
 */
export function sdkV1ExactIlpAmount(amountUnits: IsoUnits, decimals: number): bigint | undefined {
  // The amount shifted by `decimals` places, written as a decimal (10^-5 units of amount × 10^decimals).
  return longFromString(formatUnits(isoUnits(amountUnits * 10n ** BigInt(decimals))));
}

/** amount × 10^decimals when that is an integer below 2^64, else undefined. */
function exactMinorUnits(amountUnits: bigint, decimals: number): bigint | undefined {
  let value: bigint;
  if (decimals >= AMOUNT_SCALE) value = amountUnits * 10n ** BigInt(decimals - AMOUNT_SCALE);
  else {
    const divisor = 10n ** BigInt(AMOUNT_SCALE - decimals);
    if (amountUnits % divisor !== 0n) return undefined;
    value = amountUnits / divisor;
  }
  return value >= 0n && value < UINT64_LIMIT ? value : undefined;
}

function addUnique(list: bigint[], value: bigint | undefined): void {
  if (value !== undefined && !list.includes(value)) list.push(value);
}

/**
 * Every packet amount accepted for a transfer of `amountUnits` (10^-5) in `currency`:
 *  - v4: amount × 10^d, exact, for d = the hub's decimals and (XTS/XXX only) the SDK's; never a rounded value
 *    (the v4 SDK throws rather than build a packet with a fractional amount: IlpV4.js #adjustAmount);
 *  - v1: the exact value as above, plus the two SDK computations reproduced (17.x float, 19.x decimal) with the
 *    SDK's decimals. Each is a deterministic function of the transfer amount: nothing "close enough" is accepted.
 */
export function acceptedIlpAmounts(version: 1 | 4, amountUnits: IsoUnits, currency: string): bigint[] {
  const accepted: bigint[] = [];
  if (amountUnits < 0n) return accepted;
  const ours = currencyDecimals(currency);
  const sdk = sdkIlpDecimals(currency);
  for (const d of [ours, sdk]) if (d !== undefined) addUnique(accepted, exactMinorUnits(amountUnits, d));
  if (version === 1 && sdk !== undefined) {
    addUnique(accepted, sdkV1ExactIlpAmount(amountUnits, sdk));
    addUnique(accepted, sdkV1LegacyIlpAmount(amountUnits, sdk));
  }
  return accepted;
}

// ----------------------------------------------------------------------------------------- checks

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fspIdOf(party: unknown): unknown {
  return isObject(party) && isObject(party.partyIdInfo) ? party.partyIdInfo.fspId : undefined;
}

const ZONED_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Checks a decoded prepare packet against the transfer carrying it; returns the first disagreement (an IlpError
 * naming it), or undefined when they agree.
 *
 * v4, in this order:
 *  1. condition: the packet's executionCondition (base64url) must equal the transfer's `condition` string;
 *  2. amount: one of `acceptedIlpAmounts(4, …)` — the exact minor units;
 *  3. expiry: when the transaction object in `data` has an `expiration` with an explicit zone
 *     (FX: `conversionTerms.expiration`), the packet's expiresAt must be that instant to the millisecond: the SDK
 *     builds expiresAt from exactly that value (IlpV4.js makeQuotePacketInput), so a difference means the packet
 *     was altered. The packet's expiresAt is the QUOTE's expiry; the transfer's `expiration` is chosen later by
 *     the payer (SDK: now + EXPIRY_SECONDS at prepare time, OutboundTransfersModel `_buildTransferPrepare`, vs.
 *     the payee's now + EXPIRY_SECONDS at quote time), so it is usually LATER than expiresAt and no ordering or
 *     equality between the two is required. Quote expiry itself is the payee's business (contract fspiop.md §9.9).
 * v1: no condition and no expiry in the packet; amount: one of `acceptedIlpAmounts(1, …)`.
 * Both, when `data` decoded to a JSON object (the transaction object): `amount.currency` = transfer currency,
 * `amount.amount` = transfer amount (compared as values, so "100.50" = "100.5"), `payer.partyIdInfo.fspId` =
 * payerFsp, `payee.partyIdInfo.fspId` = payeeFsp — each only when present as a string (anything else is left to
 * the payee, whose SDK compares the same four fields).
 */
export function checkPrepareAgainstPacket(packet: DecodedIlp, transfer: PrepareForIlpCheck): IlpError | undefined {
  const amountText = `${formatUnits(transfer.amountUnits)} ${transfer.currency}`;

  if (packet.version === 4 && packet.condition !== transfer.condition) {
    return ilpError('ILP_CONDITION_MISMATCH', `ILP packet condition ${packet.condition} is not the transfer's condition`);
  }

  const accepted = acceptedIlpAmounts(packet.version, transfer.amountUnits, transfer.currency);
  if (accepted.length === 0) {
    const decimals = currencyDecimals(transfer.currency) ?? sdkIlpDecimals(transfer.currency);
    const unrepresentable = (detail: string) => ilpError('ILP_AMOUNT_UNREPRESENTABLE', detail);
    if (decimals === undefined) return unrepresentable(`ILP amount: currency ${transfer.currency} has no known minor unit`);
    if (transfer.amountUnits < 0n) return unrepresentable(`transfer amount ${amountText} is negative: no ILP amount`);
    if (decimals < AMOUNT_SCALE && transfer.amountUnits % 10n ** BigInt(AMOUNT_SCALE - decimals) !== 0n) {
      return unrepresentable(`transfer amount ${amountText} has more than ${decimals} decimals: no exact ILP amount`);
    }
    return unrepresentable(`transfer amount ${amountText} is beyond the ILP uint64 amount range`);
  }
  if (!accepted.includes(packet.amount)) {
    return ilpError(
      'ILP_AMOUNT_MISMATCH',
      `ILP packet amount ${packet.amount} does not match the transfer amount ${amountText} (expected ${accepted.join(' or ')})`,
    );
  }

  const tx = packet.transaction;
  if (!isObject(tx)) return undefined;

  if (packet.version === 4) {
    const terms = tx.conversionTerms;
    const expiration = isObject(terms) ? terms.expiration : tx.expiration;
    if (typeof expiration === 'string' && ZONED_ISO.test(expiration)) {
      const ms = Date.parse(expiration);
      if (Number.isFinite(ms) && ms !== packet.expiresAt.getTime()) {
        return ilpError('ILP_EXPIRY_MISMATCH', `ILP packet expiresAt ${packet.expiresAt.toISOString()} is not the quote expiration ${expiration}`);
      }
    }
  }

  if (isObject(tx.amount)) {
    const { amount, currency } = tx.amount;
    if (typeof currency === 'string' && currency !== transfer.currency) {
      return ilpError('ILP_CURRENCY_MISMATCH', `ILP transaction currency ${shown(currency, 8)} does not match the transfer currency ${transfer.currency}`);
    }
    if (typeof amount === 'string') {
      let units: bigint | undefined;
      try {
        units = parseUnits(amount);
      } catch {
        units = undefined;
      }
      if (units === undefined) return ilpError('ILP_PACKET_MALFORMED', `ILP transaction amount ${shown(amount, 30)} is not a decimal amount`);
      if (units !== transfer.amountUnits) {
        return ilpError('ILP_AMOUNT_MISMATCH', `ILP transaction amount ${amount} does not match the transfer amount ${amountText}`);
      }
    }
  }
  const payer = fspIdOf(tx.payer);
  if (typeof payer === 'string' && payer !== transfer.payerFsp) {
    return ilpError('ILP_PAYER_MISMATCH', `ILP transaction payer fspId ${shown(payer, 32)} does not match payerFsp ${transfer.payerFsp}`);
  }
  const payee = fspIdOf(tx.payee);
  if (typeof payee === 'string' && payee !== transfer.payeeFsp) {
    return ilpError('ILP_PAYEE_MISMATCH', `ILP transaction payee fspId ${shown(payee, 32)} does not match payeeFsp ${transfer.payeeFsp}`);
  }
  return undefined;
}

/**
 * What an interchange fee rule can match on (docs/interchange-fees.md), read from the transaction object the payer
 * agreed (the packet's `data`, as Mojaloop's fee script reads it): `transactionType.scenario`, `.initiator`,
 * `.initiatorType`, and each party's `partyIdInfo.extensionList.extension[]` value of key `accountType`. A member that
 * is absent or not a string is left out (it then matches only rules that do not constrain it).
 */
export function transactionFacts(transaction: unknown): TransactionFacts {
  if (!isObject(transaction)) return {};
  const type = isObject(transaction.transactionType) ? transaction.transactionType : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    scenario: text(type.scenario),
    initiator: text(type.initiator),
    initiatorType: text(type.initiatorType),
    payerAccountType: accountTypeOf(transaction.payer),
    payeeAccountType: accountTypeOf(transaction.payee),
  };
}

function accountTypeOf(party: unknown): string | undefined {
  const info = isObject(party) ? party.partyIdInfo : undefined;
  const list = isObject(info) ? info.extensionList : undefined;
  const extensions = isObject(list) ? list.extension : undefined;
  if (!Array.isArray(extensions)) return undefined;
  for (const e of extensions) if (isObject(e) && e.key === 'accountType' && typeof e.value === 'string') return e.value;
  return undefined;
}

/**
 * The fulfil-side rule (security.md §2.4), next to the prepare rules for tests and callers: the condition of a
 * fulfilment is BASE64URL(SHA-256(its 32 decoded bytes)); undefined when the fulfilment is not 43 base64url
 * characters decoding to 32 bytes. A fulfilment is valid iff this equals the stored condition string.
 */
export function conditionFromFulfilment(fulfilment: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{43}$/.test(fulfilment)) return undefined;
  const preimage = Buffer.from(fulfilment, 'base64url');
  if (preimage.length !== 32) return undefined;
  return createHash('sha256').update(preimage).digest('base64url');
}
