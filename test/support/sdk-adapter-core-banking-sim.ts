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
import { randomUUID } from 'node:crypto';

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
  host?: string;
  port?: number;
}

export interface CoreBankingSim {
  /** http://host:port */
  url: string;
  requests: RecordedBackendRequest[];
  /** incoming transfers accepted, by transferId */
  transfers: Map<string, Record<string, unknown>>;
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

export async function startCoreBankingSim(options: CoreBankingSimOptions = {}): Promise<CoreBankingSim> {
  const parties = new Map<string, SimParty>(Object.entries(options.parties ?? {}).map(([k, v]) => [k, toParty(v)]));
  const requests: RecordedBackendRequest[] = [];
  const transfers = new Map<string, Record<string, unknown>>();
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
