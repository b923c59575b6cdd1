/**
 * FSPIOP bulk quote messages <-> the canonical bulk agreement (schemas/iso/bulk-quotes.ts). Each individual quote
 * goes through the single-quote translators (quotes.ts) as the POST /quotes it stands for (the bulk's payer and
 * expiration, the line's own members), each individual result as the PUT /quotes/{ID} (or error) it stands for: the
 * per-transaction mapping is written once. Pure and lossless.
 */
import { isDeepStrictEqual } from 'node:util';
import type { BulkQuoteRequest, BulkQuoteResponse, BulkQuoteResult } from '../../schemas/iso/bulk-quotes.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import {
  extensionListOf,
  extensionsOf,
  partyFromCanonical,
  partyToCanonical,
  type FspiopErrorInformation,
  type FspiopExtensionList,
  type FspiopMoney,
  type FspiopParty,
} from './common.js';
import {
  quoteRequestFromCanonical,
  quoteRequestToCanonical,
  quoteResponseFromCanonical,
  quoteResponseToCanonical,
  type AmountType,
  type FspiopGeoCode,
  type FspiopQuoteRequest,
  type FspiopQuoteResponse,
  type FspiopTransactionType,
} from './quotes.js';
import { errorFromCanonical, errorToCanonical } from './transfers.js';

/** One item of `individualQuotes`. */
export interface FspiopIndividualQuote {
  quoteId: string;
  transactionId: string;
  payee: FspiopParty;
  amountType: AmountType;
  amount: FspiopMoney;
  fees?: FspiopMoney;
  transactionType: FspiopTransactionType;
  note?: string;
  extensionList?: FspiopExtensionList;
}

/** POST /bulkQuotes body (v1.1 and v2.0). */
export interface FspiopBulkQuoteRequest {
  bulkQuoteId: string;
  payer: FspiopParty;
  geoCode?: FspiopGeoCode;
  expiration?: string;
  individualQuotes: FspiopIndividualQuote[];
  extensionList?: FspiopExtensionList;
}

/** One item of `individualQuoteResults`. */
export interface FspiopIndividualQuoteResult {
  quoteId: string;
  payee?: FspiopParty;
  transferAmount?: FspiopMoney;
  payeeReceiveAmount?: FspiopMoney;
  payeeFspFee?: FspiopMoney;
  payeeFspCommission?: FspiopMoney;
  ilpPacket?: string;
  condition?: string;
  errorInformation?: FspiopErrorInformation;
  extensionList?: FspiopExtensionList;
}

/** PUT /bulkQuotes/{ID} body. */
export interface FspiopBulkQuoteResponse {
  individualQuoteResults?: FspiopIndividualQuoteResult[];
  expiration: string;
  extensionList?: FspiopExtensionList;
}

/** Runs a single-quote translator for item `index` of `list`: its refusals name the item (`individualQuotes[3].amount`). */
function within<T>(list: string, index: number, translate: () => T): T {
  try {
    return translate();
  } catch (err) {
    if (err instanceof TranslationError) throw new TranslationError(`${list}[${index}].${err.field}`, err.reason, err.code);
    throw err;
  }
}

// ------------------------------------------------------------------------------------------------ POST /bulkQuotes

/**
 * POST /bulkQuotes body -> canonical. `payer`/`payee` are FSPIOP-Source / FSPIOP-Destination (the agents of parties
 * that name no fspId, as for a single quote); `receivedAt` becomes every CreDtTm.
 */
export function bulkQuoteRequestToCanonical(body: FspiopBulkQuoteRequest, payer: string, payee: string, receivedAt: string): BulkQuoteRequest {
  const quotes = body.individualQuotes.map((line, i) =>
    within('individualQuotes', i, () => quoteRequestToCanonical(singleQuoteOf(body, line), payer, payee, receivedAt)),
  );
  const message: BulkQuoteRequest = { GrpHdr: { MsgId: body.bulkQuoteId, CreDtTm: receivedAt, NbOfTxs: quotes.length }, Quotes: quotes };
  if (body.expiration !== undefined) message.GrpHdr.PmtInstrXpryDtTm = body.expiration;
  const s: NonNullable<BulkQuoteRequest['SplmtryData']> = {};
  if (body.geoCode !== undefined) s.geoCode = { latitude: body.geoCode.latitude, longitude: body.geoCode.longitude };
  const extensions = extensionsOf(body.extensionList);
  if (extensions) s.extensions = extensions;
  if (Object.keys(s).length > 0) message.SplmtryData = s;
  return message;
}

/** The POST /quotes an individual quote stands for: its own members, the bulk's payer and expiration. */
function singleQuoteOf(body: FspiopBulkQuoteRequest, line: FspiopIndividualQuote): FspiopQuoteRequest {
  const quote: FspiopQuoteRequest = {
    quoteId: line.quoteId,
    transactionId: line.transactionId,
    payee: line.payee,
    payer: body.payer,
    amountType: line.amountType,
    amount: line.amount,
    transactionType: line.transactionType,
  };
  if (line.fees !== undefined) quote.fees = line.fees;
  if (line.note !== undefined) quote.note = line.note;
  if (body.expiration !== undefined) quote.expiration = body.expiration;
  if (line.extensionList !== undefined) quote.extensionList = line.extensionList;
  return quote;
}

/** Members of a POST /quotes that an individual quote has no place for (the bulk holds payer and expiration). */
const SINGLE_QUOTE_ONLY = ['transactionRequestId', 'converter', 'currencyConversion', 'geoCode'] as const;

export function bulkQuoteRequestFromCanonical(message: BulkQuoteRequest): FspiopBulkQuoteRequest {
  if (message.Quotes.length === 0) throw new TranslationError('individualQuotes', 'a bulk quote holds at least one individual quote', '3102');
  if (message.GrpHdr.NbOfTxs !== message.Quotes.length) {
    throw new TranslationError('individualQuotes', `${message.Quotes.length} individual quotes where the bulk counts ${message.GrpHdr.NbOfTxs}`);
  }
  const singles = message.Quotes.map((q, i) => within('individualQuotes', i, () => quoteRequestFromCanonical(q)));
  const payer = singles[0]!.payer;
  const lines = singles.map((single, i) => {
    const where = `individualQuotes[${i}]`;
    if (!isDeepStrictEqual(single.payer, payer)) throw new TranslationError(`${where}.payer`, 'not the payer of the other individual quotes (a bulk has one)');
    if (single.expiration !== message.GrpHdr.PmtInstrXpryDtTm)
      throw new TranslationError(`${where}.expiration`, 'not the expiration of the bulk (a bulk has one)');
    for (const member of SINGLE_QUOTE_ONLY) {
      if (single[member] !== undefined) throw new TranslationError(`${where}.${member}`, 'an individual quote of a bulk has no such member');
    }
    return individualQuoteOf(single);
  });
  const s = message.SplmtryData ?? {};
  const body: FspiopBulkQuoteRequest = { bulkQuoteId: message.GrpHdr.MsgId, payer, individualQuotes: lines };
  if (s.geoCode !== undefined) body.geoCode = { latitude: s.geoCode.latitude, longitude: s.geoCode.longitude };
  if (message.GrpHdr.PmtInstrXpryDtTm !== undefined) body.expiration = message.GrpHdr.PmtInstrXpryDtTm;
  const extensionList = extensionListOf(s.extensions);
  if (extensionList) body.extensionList = extensionList;
  return reorder(body, BULK_REQUEST_KEYS);
}

function individualQuoteOf(single: FspiopQuoteRequest): FspiopIndividualQuote {
  const line: FspiopIndividualQuote = {
    quoteId: single.quoteId,
    transactionId: single.transactionId,
    payee: single.payee,
    amountType: single.amountType,
    amount: single.amount,
    transactionType: single.transactionType,
  };
  if (single.fees !== undefined) line.fees = single.fees;
  if (single.note !== undefined) line.note = single.note;
  if (single.extensionList !== undefined) line.extensionList = single.extensionList;
  return reorder(line, INDIVIDUAL_QUOTE_KEYS);
}

// ------------------------------------------------------------------------------------------------ PUT /bulkQuotes/{ID}

/** What the caller knows around a PUT /bulkQuotes/{ID}: FSPIOP-Destination (the payer FSP) and FSPIOP-Source (the payee FSP). */
export interface BulkQuoteResponseContext {
  payer?: string;
  payee?: string;
}

/** Members of an individual result that are the terms of a single quote response; the first three are required there. */
const TERMS_REQUIRED = ['transferAmount', 'ilpPacket', 'condition'] as const;
const TERMS_OPTIONAL = ['payeeReceiveAmount', 'payeeFspFee', 'payeeFspCommission'] as const;

/** PUT /bulkQuotes/{ID} body -> canonical. */
export function bulkQuoteResponseToCanonical(
  bulkQuoteId: string,
  body: FspiopBulkQuoteResponse,
  receivedAt: string,
  context: BulkQuoteResponseContext = {},
): BulkQuoteResponse {
  const message: BulkQuoteResponse = { GrpHdr: { MsgId: bulkQuoteId, CreDtTm: receivedAt, PmtInstrXpryDtTm: body.expiration } };
  if (body.individualQuoteResults !== undefined) {
    message.Results = body.individualQuoteResults.map((r, i) => resultToCanonical(r, i, body.expiration, receivedAt, context));
  }
  const extensions = extensionsOf(body.extensionList);
  if (extensions) message.SplmtryData = { extensions };
  return message;
}

function resultToCanonical(
  r: FspiopIndividualQuoteResult,
  i: number,
  expiration: string,
  receivedAt: string,
  context: BulkQuoteResponseContext,
): BulkQuoteResult {
  const where = `individualQuoteResults[${i}]`;
  const given = TERMS_REQUIRED.filter((m) => r[m] !== undefined);
  const extra = TERMS_OPTIONAL.filter((m) => r[m] !== undefined);
  if (given.length > 0 && given.length < TERMS_REQUIRED.length) {
    const missing = TERMS_REQUIRED.filter((m) => r[m] === undefined);
    throw new TranslationError(`${where}.${missing[0]}`, `terms need ${TERMS_REQUIRED.join(', ')}; ${missing.join(', ')} missing`, '3102');
  }
  if (given.length === 0 && extra.length > 0) {
    throw new TranslationError(`${where}.transferAmount`, `${extra.join(', ')} without the terms (${TERMS_REQUIRED.join(', ')})`, '3102');
  }
  if (given.length === 0 && r.errorInformation === undefined) {
    throw new TranslationError(where, 'neither terms (transferAmount, ilpPacket, condition) nor errorInformation', '3102');
  }
  const result: BulkQuoteResult = { QuoteId: r.quoteId };
  if (r.payee !== undefined) result.Cdtr = partyToCanonical(r.payee);
  if (given.length > 0) {
    const single: FspiopQuoteResponse = { transferAmount: r.transferAmount!, expiration, ilpPacket: r.ilpPacket!, condition: r.condition! };
    for (const m of TERMS_OPTIONAL) if (r[m] !== undefined) single[m] = r[m];
    if (r.extensionList !== undefined) single.extensionList = r.extensionList;
    result.Terms = within('individualQuoteResults', i, () => quoteResponseToCanonical(r.quoteId, single, receivedAt, context));
  } else {
    const extensions = extensionsOf(r.extensionList);
    if (extensions) result.extensions = extensions;
  }
  if (r.errorInformation !== undefined) result.Error = errorToCanonical(r.quoteId, { errorInformation: r.errorInformation }, receivedAt);
  return result;
}

export function bulkQuoteResponseFromCanonical(message: BulkQuoteResponse): FspiopBulkQuoteResponse {
  const body: FspiopBulkQuoteResponse = { expiration: message.GrpHdr.PmtInstrXpryDtTm };
  if (message.Results !== undefined) body.individualQuoteResults = message.Results.map((r, i) => resultFromCanonical(r, i, message.GrpHdr.PmtInstrXpryDtTm));
  const extensionList = extensionListOf(message.SplmtryData?.extensions);
  if (extensionList) body.extensionList = extensionList;
  return reorder(body, BULK_RESPONSE_KEYS);
}

function resultFromCanonical(r: BulkQuoteResult, i: number, expiration: string): FspiopIndividualQuoteResult {
  const where = `individualQuoteResults[${i}]`;
  const out: FspiopIndividualQuoteResult = { quoteId: r.QuoteId };
  if (r.Cdtr) out.payee = within('individualQuoteResults', i, () => partyFromCanonical(r.Cdtr!, 'payee'));
  if (r.Terms) {
    const single = within('individualQuoteResults', i, () => quoteResponseFromCanonical(r.Terms!));
    if (single.expiration !== expiration) throw new TranslationError(`${where}.expiration`, 'not the expiration of the bulk answer (it has one)');
    if (single.geoCode !== undefined) throw new TranslationError(`${where}.geoCode`, 'an individual quote result has no geoCode');
    for (const m of [...TERMS_REQUIRED, ...TERMS_OPTIONAL] as const) if (single[m] !== undefined) out[m] = single[m] as never;
    if (single.extensionList) out.extensionList = single.extensionList;
  } else if (r.extensions) {
    out.extensionList = { extension: r.extensions.map((e) => ({ ...e })) };
  }
  if (!r.Terms && !r.Error) throw new TranslationError(where, 'neither terms nor an error', '3102');
  if (r.Error) out.errorInformation = within('individualQuoteResults', i, () => errorFromCanonical(r.Error!).errorInformation);
  return reorder(out, RESULT_KEYS);
}

// Key order of the api-snippets schemas, so rendered bodies read like the specification's examples.
const BULK_REQUEST_KEYS = ['bulkQuoteId', 'payer', 'geoCode', 'expiration', 'individualQuotes', 'extensionList'];
const INDIVIDUAL_QUOTE_KEYS = ['quoteId', 'transactionId', 'payee', 'amountType', 'amount', 'fees', 'transactionType', 'note', 'extensionList'];
const BULK_RESPONSE_KEYS = ['individualQuoteResults', 'expiration', 'extensionList'];
const RESULT_KEYS = [
  'quoteId',
  'payee',
  'transferAmount',
  'payeeReceiveAmount',
  'payeeFspFee',
  'payeeFspCommission',
  'ilpPacket',
  'condition',
  'errorInformation',
  'extensionList',
];

function reorder<T extends object>(body: T, keys: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const k of keys) if ((body as Record<string, unknown>)[k] !== undefined) out[k] = (body as Record<string, unknown>)[k];
  return out as T;
}
