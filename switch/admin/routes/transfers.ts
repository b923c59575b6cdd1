/**
 * Transfers as the portal shows them (docs/portal-api.md), read from PostgreSQL (the same on every node):
 *
 *   GET /transfers?id=&party=&state=&kind=&from=&to=&limit=&before=
 *       → 200 {transfers: [{transferId, kind, payer, payee, debtor?, creditor?, amount, currency, state, internalState,
 *              createdAt, completedAt}], next?}   newest first; `next` is the `before` of the following page
 *   GET /transfers/{id}
 *       → 200 {transfer: {...}, journal: [...], messages: [{dialect, direction, name, contentType, body, note?}],
 *              messagesRenderedFrom: 'record', messagesNote}
 *
 * Bad parameters are 400/3101 naming the parameter; an unknown id is 404/3208.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FspiopError } from '../../../schemas/errors.js';
import { apiState } from '../../../ledger/reader.js';
import {
  bankInstructionOf,
  findTransferDetail,
  journalOf,
  searchTransfers,
  SEARCH_STATES,
  type SearchCursor,
  type SearchState,
  type TransferSummary,
} from '../../../ledger/transfer-search.js';
import { ledgerDisplay, parseLedger } from '../../../ledger/units.js';
import { READ, type AdminRoute } from '../auth/roles.js';
import type { AdminDeps } from '../deps.js';
import { NAME, param, query, send } from '../request.js';
import { renderTransferMessages, RENDERING_NOTE } from '../transfer-messages.js';

type Deps = Pick<AdminDeps, 'db' | 'participants' | 'registry'>;

export const MAX_SEARCH_LIMIT = 200;
const DEFAULT_LIMIT = 50;
/** Transfer ids the hub takes: FSPIOP UUIDs and ULIDs, and a bank's own ids (Max35Text). */
const TRANSFER_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const KINDS = ['TRANSFER', 'FUNDS_IN', 'FUNDS_OUT', 'SETTLEMENT', 'FX_TRANSFER'];

export function transferRoutes(deps: Deps): AdminRoute[] {
  return [
    { method: 'GET', path: '/transfers', access: READ, handler: (q, r) => search(deps, q, r) },
    { method: 'GET', path: '/transfers/:id', access: READ, handler: (q, r) => detail(deps, q, r) },
  ];
}

const display = (amount: string | null) => (amount === null ? null : ledgerDisplay(parseLedger(amount)));

function timeParam(request: FastifyRequest, name: string): string | undefined {
  const value = query(request, name);
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) throw new FspiopError('3101', `/query/${name} must be an ISO 8601 date-time`);
  return new Date(ms).toISOString();
}

function limitParam(request: FastifyRequest): number {
  const value = query(request, 'limit');
  if (value === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_SEARCH_LIMIT) {
    throw new FspiopError('3101', `/query/limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}`);
  }
  return Number(value);
}

export function encodeCursor(row: Pick<TransferSummary, 'cursorAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([row.cursorAt, row.id])).toString('base64url');
}

function cursorParam(request: FastifyRequest): SearchCursor | undefined {
  const value = query(request, 'before');
  if (value === undefined) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && !Number.isNaN(Date.parse(createdAt)) && typeof id === 'string') return { createdAt, id };
  } catch {
    // answered below
  }
  throw new FspiopError('3101', '/query/before must be the `next` value of a previous page');
}

function enumParam<T extends string>(request: FastifyRequest, name: string, allowed: readonly T[]): T | undefined {
  const value = query(request, name);
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new FspiopError('3101', `/query/${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function patternParam(request: FastifyRequest, name: string, pattern: RegExp, what: string): string | undefined {
  const value = query(request, name);
  if (value !== undefined && !pattern.test(value)) throw new FspiopError('3101', `/query/${name} must be ${what}`);
  return value;
}

const UNKNOWN_QUERY = (request: FastifyRequest) =>
  Object.keys(request.query as object).find((k) => !['id', 'party', 'state', 'kind', 'from', 'to', 'limit', 'before'].includes(k));

function summary(t: TransferSummary) {
  return {
    transferId: t.id,
    kind: t.kind,
    payer: t.payer,
    payee: t.payee,
    ...(t.debtor !== null ? { debtor: t.debtor } : {}),
    ...(t.creditor !== null ? { creditor: t.creditor } : {}),
    amount: display(t.amount),
    currency: t.currency,
    state: apiState(t.state),
    internalState: t.state,
    createdAt: t.createdAt,
    completedAt: t.completedAt,
  };
}

async function search(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const unknown = UNKNOWN_QUERY(request);
  if (unknown !== undefined) throw new FspiopError('3101', `/query/${unknown} is not a search parameter (id, party, state, kind, from, to, limit, before)`);
  const from = timeParam(request, 'from');
  const to = timeParam(request, 'to');
  if (from !== undefined && to !== undefined && from >= to) throw new FspiopError('3101', '/query/from must be before /query/to');
  const limit = limitParam(request);
  const rows = await searchTransfers(deps.db, {
    id: patternParam(request, 'id', TRANSFER_ID, 'a transfer id'),
    party: patternParam(request, 'party', NAME, 'a participant name'),
    state: enumParam<SearchState>(request, 'state', SEARCH_STATES),
    kind: enumParam(request, 'kind', KINDS),
    from,
    to,
    limit,
    before: cursorParam(request),
  });
  const page = rows.slice(0, limit);
  return send(reply, 200, { transfers: page.map(summary), ...(rows.length > limit ? { next: encodeCursor(page[page.length - 1]!) } : {}) });
}

async function detail(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const id = param(request, 'id');
  if (!TRANSFER_ID.test(id)) throw new FspiopError('3101', '/path/id must be a transfer id');
  const t = await findTransferDetail(deps.db, id);
  if (!t) throw new FspiopError('3208', `${id} is not a transfer the hub knows`, { httpStatus: 404 });
  const [journal, bank] = await Promise.all([journalOf(deps.db, id), bankInstructionOf(deps.db, id)]);
  const payment = t.kind === 'TRANSFER';
  return send(reply, 200, {
    transfer: {
      ...summary(t),
      condition: t.condition,
      expiration: t.expiration,
      fulfilment: t.fulfilment,
      cause: t.cause,
      settlementWindowId: t.windowId,
      ...(t.determiningTransferId ? { determiningTransferId: t.determiningTransferId } : {}),
      ...(t.targetCurrency ? { targetAmount: { amount: display(t.targetAmount), currency: t.targetCurrency } } : {}),
      ...(t.feeAmount ? { interchangeFee: display(t.feeAmount) } : {}),
      ...(bank ? { bankPaymentId: bank.bankPaymentId } : {}),
    },
    journal: journal.map((j) => ({ ...j, amount: display(j.amount) })),
    messages: payment ? renderTransferMessages(t, { directory: deps.participants, hubName: deps.registry.hubName, instruction: bank?.instruction }) : [],
    messagesRenderedFrom: 'record',
    messagesNote: payment ? RENDERING_NOTE : 'Liquidity and settlement movements are no messages between participants.',
  });
}
