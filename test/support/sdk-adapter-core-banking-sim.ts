/**
 * A tiny simulated core-banking backend for the Mojaloop SDK scheme adapter 18.0.2 (the adapter's
 * BACKEND_ENDPOINT). The payee adapter calls it when the hub asks it something:
 *
 *   GET  /parties/{idType}/{idValue}[/{idSubValue}]  party lookup          → 200 party | 404
 *   POST /quoterequests                              quote terms           → 200 quote response
 *   POST /transfers                                  incoming transfer     → 200 { homeTransactionId }
 *   PUT  /transfers/{transferId}                     final-state notice    → 200 (only when the
 *        adapter is told to send it: RESERVE_NOTIFICATION / SEND_FINAL_NOTIFICATION_IF_REQUESTED)
 *   GET  /transfers/{transferId}                     transfer query        → 200 | 404
 *
 * and for request to pay and bulk (18.0.2's InboundTransfersModel, the payer and payee sides):
 *
 *   POST /transactionrequests                        a payee's request to pay (payer side)
 *                                                    → 200 { transactionId, transactionRequestState }
 *   GET  /otp/{transactionRequestId}                 the OTP the payer must enter (payee side)
 *                                                    → 200 { otpValue }
 *   POST /bulkQuotes                                 bulk quote terms      → 200 { individualQuoteResults }
 *   POST /bulkTransfers                              incoming bulk         → 200 { homeTransactionId,
 *                                                    individualTransferResults: [{ transferId }] }
 *
 * The adapter sends `Content-Type: application/json`, `Accept: application/json` and `Date`, and
 * requires `Content-Type: application/json` on any answer that has a body. A non-2xx answer with a
 * JSON body `{ statusCode: "<FSPIOP error code>", message }` becomes the FSPIOP error the adapter
 * sends back to the hub (for a party: PUT /parties/…/error with that errorCode, e.g. 3204).
 * Every request is recorded in `requests`.
 *
 * (In the brief this is "test/support/core-banking-sim.ts"; it is named sdk-adapter-… because only
 * test/support/sdk-adapter*.ts files may be created by this piece of work.)
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomInt, randomUUID } from 'node:crypto';

/** The adapter's "internal" party form (what GET /parties must return). */
export interface SimParty {
  displayName?: string;
  firstName?: string;
  middleName?: string;
  lastName?: string;
  /** YYYY-MM-DD */
  dateOfBirth?: string;
  merchantClassificationCode?: string;
}

export interface RecordedBackendRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: unknown;
  at: number;
  /** the status this simulator answered */
  status?: number;
}

/** The adapter's internal quote request (mojaloopQuoteRequestToInternal in 18.0.2). */
export interface InternalQuoteRequest {
  quoteId: string;
  transactionId: string;
  to: { idType?: string; idValue?: string; idSubValue?: string; fspId?: string; [k: string]: unknown };
  from: { idType?: string; idValue?: string; fspId?: string; [k: string]: unknown };
  amountType: 'SEND' | 'RECEIVE';
  amount: string;
  currency: string;
  transactionType: string;
  initiator: string;
  initiatorType: string;
  feesAmount?: string;
  feesCurrency?: string;
  note?: string;
  expiration?: string;
  [k: string]: unknown;
}

/** The adapter's internal transaction request (mojaloopTransactionRequestToInternal in 18.0.2). */
export interface InternalTransactionRequest {
  transactionRequestId: string;
  /** the FSPIOP body's `payee` (a Party), in the adapter's internal party form */
  to: { idType?: string; idValue?: string; idSubValue?: string; fspId?: string; [k: string]: unknown };
  /** the FSPIOP body's `payer` (a PartyIdInfo) */
  from: { idType?: string; idValue?: string; idSubValue?: string; fspId?: string };
  amount: string;
  currency: string;
  transactionType: unknown;
  initiator: string;
  initiatorType: string;
}

/** The adapter's internal bulk quote request (mojaloopBulkQuotesRequestToInternal in 18.0.2). */
export interface InternalBulkQuoteRequest {
  bulkQuoteId: string;
  from: Record<string, unknown>;
  expiration?: string;
  individualQuotes: Array<{
    quoteId: string;
    transactionId: string;
    to: { idType?: string; idValue?: string; fspId?: string; [k: string]: unknown };
    amountType: string;
    amount: string;
    currency: string;
    transactionType: string;
    initiator: string;
    initiatorType: string;
  }>;
}

/** The adapter's internal bulk transfer (mojaloopBulkPrepareToInternalBulkTransfer in 18.0.2). */
export interface InternalBulkTransfer {
  bulkTransferId: string;
  bulkQuotes?: unknown;
  from?: Record<string, unknown>;
  individualTransfers: Array<{ transferId: string; amount: string; currency: string; to?: Record<string, unknown>; [k: string]: unknown }>;
}

/** An answer that makes the adapter send an FSPIOP error: HTTP status and `{ statusCode, message }`. */
export interface SimError {
  httpStatus: number;
  statusCode: string;
  message: string;
}

export interface CoreBankingSimOptions {
  /**
   * Known parties by identifier value (any idType): `'+255700000001': 'Amina Juma'` or a full
   * SimParty. Anything else is "party not found" (404, statusCode 3204).
   */
  parties?: Record<string, string | SimParty>;
  /**
   * Quote terms for POST /quoterequests. Default: no fees, transferAmount = payeeReceiveAmount =
   * the requested amount, no expiration (the adapter then adds now + EXPIRY_SECONDS).
   * Return a number to answer with that HTTP status and `{ statusCode, message }`.
   */
  quote?: (request: InternalQuoteRequest) => Record<string, unknown> | { httpStatus: number; statusCode: string; message: string };
  /** Answer for POST /transfers (default `{ homeTransactionId: <uuid> }`, i.e. accept). */
  transfer?: (request: Record<string, unknown>) => Record<string, unknown> | { httpStatus: number; statusCode: string; message: string };
  /**
   * Answer for POST /transactionrequests (default `{ transactionId: <uuid>, transactionRequestState:
   * 'RECEIVED' }`: the payer's back office will act on it). The adapter only relays this answer as
   * PUT /transactionRequests/{ID}; continuing with the payment is the back office's own call to
   * its adapter's outbound POST /requestToPayTransfer.
   */
  transactionRequest?: (request: InternalTransactionRequest) => Record<string, unknown> | SimError;
  /** Answer for GET /otp/{transactionRequestId} (default: a fresh six-digit `{ otpValue }`, kept in `otps`). */
  otp?: (transactionRequestId: string) => { otpValue: string } | SimError;
  /** Answer for POST /bulkQuotes (default: every line at its amount, no fees). */
  bulkQuote?: (request: InternalBulkQuoteRequest) => Record<string, unknown> | SimError;
  /** Answer for POST /bulkTransfers (default: accept, every line listed in individualTransferResults). */
  bulkTransfer?: (request: InternalBulkTransfer) => Record<string, unknown> | SimError;
  host?: string;
  port?: number;
}

export interface CoreBankingSim {
  /** http://host:port */
  url: string;
  requests: RecordedBackendRequest[];
  /** incoming transfers accepted, by transferId */
  transfers: Map<string, Record<string, unknown>>;
  /** transaction requests received (and what was answered), by transactionRequestId */
  transactionRequests: Map<string, { request: InternalTransactionRequest; answer: Record<string, unknown> }>;
  /** OTPs handed out, by transactionRequestId */
  otps: Map<string, string>;
  /** incoming bulk transfers accepted, by bulkTransferId */
  bulkTransfers: Map<string, { request: InternalBulkTransfer; answer: Record<string, unknown> }>;
  setParty(idValue: string, party: string | SimParty | undefined): void;
  /** resolves with the first recorded request matching, waiting up to timeoutMs */
  waitFor(match: (r: RecordedBackendRequest) => boolean, timeoutMs?: number): Promise<RecordedBackendRequest>;
  stop(): Promise<void>;
}

function toParty(value: string | SimParty): SimParty {
  if (typeof value !== 'string') return value;
  const [firstName, ...rest] = value.trim().split(/\s+/);
  return { displayName: value, firstName, lastName: rest.join(' ') || undefined };
}

function send(res: ServerResponse, status: number, body?: unknown) {
  if (body === undefined) {
    res.writeHead(status, { 'content-length': '0' });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function isError(x: unknown): x is { httpStatus: number; statusCode: string; message: string } {
  return typeof x === 'object' && x !== null && 'httpStatus' in x;
}

interface R2pBulkState {
  options: CoreBankingSimOptions;
  transactionRequests: CoreBankingSim['transactionRequests'];
  otps: Map<string, string>;
  bulkTransfers: CoreBankingSim['bulkTransfers'];
}

const sixDigits = () => String(randomInt(0, 1_000_000)).padStart(6, '0');

function defaultBulkQuote(q: InternalBulkQuoteRequest): Record<string, unknown> {
  return {
    individualQuoteResults: q.individualQuotes.map((line) => ({
      quoteId: line.quoteId,
      transferAmount: line.amount,
      transferAmountCurrency: line.currency,
      payeeReceiveAmount: line.amount,
      payeeReceiveAmountCurrency: line.currency,
    })),
  };
}

/**
 * The request-to-pay and bulk routes; undefined when the request is none of them. Answers
 * [status, body].
 */
function r2pBulkRoute(state: R2pBulkState, method: string, parts: string[], body: unknown): [number, unknown] | undefined {
  const answered = (answer: Record<string, unknown> | SimError): [number, unknown] =>
    isError(answer) ? [answer.httpStatus, { statusCode: answer.statusCode, message: answer.message }] : [200, answer];
  const path = parts.join('/');
  if (method === 'POST' && path === 'transactionrequests') {
    const t = body as InternalTransactionRequest;
    if (!t || typeof t !== 'object' || !t.transactionRequestId) return [400, { statusCode: '3100', message: 'transaction request body expected' }];
    const answer = state.options.transactionRequest?.(t) ?? { transactionId: randomUUID(), transactionRequestState: 'RECEIVED' };
    if (!isError(answer)) state.transactionRequests.set(t.transactionRequestId, { request: t, answer });
    return answered(answer);
  }
  if (method === 'GET' && parts[0] === 'otp' && parts.length === 2) {
    const answer = state.options.otp?.(parts[1]!) ?? { otpValue: sixDigits() };
    if (!isError(answer)) state.otps.set(parts[1]!, answer.otpValue);
    return answered(answer);
  }
  if (method === 'POST' && path === 'bulkQuotes') {
    const q = body as InternalBulkQuoteRequest;
    if (!q || typeof q !== 'object' || !Array.isArray(q.individualQuotes)) return [400, { statusCode: '3100', message: 'bulk quote body expected' }];
    return answered(state.options.bulkQuote?.(q) ?? defaultBulkQuote(q));
  }
  if (method === 'POST' && path === 'bulkTransfers') {
    const b = body as InternalBulkTransfer;
    if (!b || typeof b !== 'object' || !Array.isArray(b.individualTransfers)) return [400, { statusCode: '3100', message: 'bulk transfer body expected' }];
    const answer = state.options.bulkTransfer?.(b) ?? {
      homeTransactionId: randomUUID(),
      individualTransferResults: b.individualTransfers.map((line) => ({ transferId: line.transferId })),
    };
    if (!isError(answer)) state.bulkTransfers.set(b.bulkTransferId, { request: b, answer });
    return answered(answer);
  }
  return undefined;
}

export async function startCoreBankingSim(options: CoreBankingSimOptions = {}): Promise<CoreBankingSim> {
  const parties = new Map<string, SimParty>(Object.entries(options.parties ?? {}).map(([k, v]) => [k, toParty(v)]));
  const requests: RecordedBackendRequest[] = [];
  const transfers = new Map<string, Record<string, unknown>>();
  const r2pBulk: R2pBulkState = { options, transactionRequests: new Map(), otps: new Map(), bulkTransfers: new Map() };
  const waiters = new Set<() => void>();

  const handle = (req: IncomingMessage, rawBody: string, res: ServerResponse) => {
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;
    const record: RecordedBackendRequest = { method: req.method ?? '', path, headers: req.headers, rawBody, body, at: Date.now() };
    requests.push(record);
    const reply = (status: number, payload?: unknown) => {
      record.status = status;
      send(res, status, payload);
      for (const w of [...waiters]) w();
    };
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);

    if (req.method === 'GET' && parts[0] === 'parties' && (parts.length === 3 || parts.length === 4)) {
      const [, idType, idValue, idSubValue] = parts as [string, string, string, string | undefined];
      const party = parties.get(idValue);
      if (!party) return reply(404, { statusCode: '3204', message: 'Party not found' });
      return reply(200, { idType, idValue, ...(idSubValue ? { idSubValue } : {}), ...party });
    }

    if (req.method === 'POST' && path === '/quoterequests') {
      const q = body as InternalQuoteRequest;
      if (!q || typeof q !== 'object' || !q.quoteId) return reply(400, { statusCode: '3100', message: 'quote request body expected' });
      const payeeId = q.to?.idValue;
      if (payeeId !== undefined && !parties.has(payeeId)) return reply(404, { statusCode: '3204', message: 'Party not found' });
      const answer = options.quote?.(q) ?? {
        quoteId: q.quoteId,
        transactionId: q.transactionId,
        transferAmount: q.amount,
        transferAmountCurrency: q.currency,
        payeeReceiveAmount: q.amount,
        payeeReceiveAmountCurrency: q.currency,
      };
      if (isError(answer)) return reply(answer.httpStatus, { statusCode: answer.statusCode, message: answer.message });
      return reply(200, answer);
    }

    if (req.method === 'POST' && path === '/transfers') {
      const t = body as Record<string, unknown>;
      if (!t || typeof t !== 'object' || typeof t.transferId !== 'string') return reply(400, { statusCode: '3100', message: 'transfer body expected' });
      const answer = options.transfer?.(t) ?? { homeTransactionId: randomUUID() };
      if (isError(answer)) return reply(answer.httpStatus, { statusCode: answer.statusCode, message: answer.message });
      transfers.set(t.transferId, { ...t, homeTransactionId: answer.homeTransactionId });
      return reply(200, answer);
    }

    if (req.method === 'PUT' && parts[0] === 'transfers' && parts.length === 2) {
      const known = transfers.get(parts[1]!);
      if (known) transfers.set(parts[1]!, { ...known, notification: body });
      return reply(200);
    }

    if (req.method === 'GET' && parts[0] === 'transfers' && parts.length === 2) {
      const known = transfers.get(parts[1]!);
      if (!known) return reply(404, { statusCode: '3208', message: 'Transfer ID not found' });
      return reply(200, { transferId: parts[1], homeTransactionId: known.homeTransactionId, transferState: 'COMMITTED' });
    }

    const routed = r2pBulkRoute(r2pBulk, req.method ?? '', parts, body);
    if (routed) return reply(...routed);

    return reply(404, { statusCode: '3002', message: `unknown backend route ${req.method} ${path}` });
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://${host}:${port}`,
    requests,
    transfers,
    transactionRequests: r2pBulk.transactionRequests,
    otps: r2pBulk.otps,
    bulkTransfers: r2pBulk.bulkTransfers,
    setParty(idValue, party) {
      if (party === undefined) parties.delete(idValue);
      else parties.set(idValue, toParty(party));
    },
    waitFor(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = requests.find((r) => r.status !== undefined && match(r));
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`core-banking sim: no matching request within ${timeoutMs} ms; got ${requests.map((r) => `${r.method} ${r.path}`).join(', ') || 'none'}`),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    stop() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
