/**
 * The settlement API (admin.md §4; Mojaloop central-settlement v2 shapes) under `/v2` on the Admin port, so a Mojaloop
 * environment's HOST_CENTRAL_SETTLEMENT is the Admin URL + `/v2`:
 *
 *   GET  /v2/settlementWindows?participantId&state&fromDateTime&toDateTime&currency     GET /v2/settlementWindows/{id}
 *   POST /v2/settlementWindows/{id} {state: CLOSED, reason}   → the newly opened window
 *   POST /v2/settlements {settlementModel, reason, settlementWindows: [{id}]}
 *   GET  /v2/settlements?currency&participantId&settlementWindowId&accountId&state&fromDateTime&toDateTime&
 *                        fromSettlementWindowDateTime&toSettlementWindowDateTime
 *   GET|PUT /v2/settlements/{id}   GET|PUT /v2/settlements/{id}/participants/{pid}
 *   GET|PUT /v2/settlements/{id}/participants/{pid}/accounts/{aid}
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isLosslessNumber } from 'lossless-json';
import { FspiopError } from '../../../schemas/errors.js';
import {
  SETTLEMENT_STATES,
  WINDOW_STATES,
  type SettlementFilter,
  type SettlementRecord,
  type WindowFilter,
  type WindowRecord,
} from '../../../ledger/settlement.js';
import { ledgerDisplay } from '../../../ledger/units.js';
import type { AccountRequest, AccountResult, SettlementService } from '../../core/settlement/service.js';
import { READ_OWN, READ, type AdminRoute } from '../auth/roles.js';
import { Fields, jsonNumber, parseAdminBody, type Body } from '../body.js';
import { param, query, send } from '../request.js';

export interface SettlementRouteDeps {
  settlement: SettlementService;
}

const WINDOW_FILTERS = ['participantId', 'state', 'fromDateTime', 'toDateTime', 'currency'];
const SETTLEMENT_FILTERS = [
  'state',
  'fromDateTime',
  'toDateTime',
  'currency',
  'settlementWindowId',
  'fromSettlementWindowDateTime',
  'toSettlementWindowDateTime',
  'participantId',
  'accountId',
];
const REASON_MAX = 512;

const SETTLE = { roles: ['finance'], action: 'settlement' } as const;

export function settlementRoutes(deps: SettlementRouteDeps): AdminRoute[] {
  const { settlement } = deps;
  const one = async (request: FastifyRequest) => settlement.settlement(idParam(request, 'id'));
  return [
    { method: 'GET', path: '/v2/settlementWindows', access: READ_OWN('self'), handler: (q, r) => listWindows(settlement, q, r) },
    {
      method: 'GET',
      path: '/v2/settlementWindows/:id',
      access: READ_OWN('self'),
      handler: async (q, r) => send(r, 200, windowView(await findWindow(settlement, idParam(q, 'id')))),
    },
    { method: 'POST', path: '/v2/settlementWindows/:id', access: SETTLE, handler: (q, r) => closeWindow(settlement, q, r) },
    { method: 'POST', path: '/v2/settlements', access: SETTLE, handler: (q, r) => createSettlement(settlement, q, r) },
    { method: 'GET', path: '/v2/settlements', access: READ, handler: (q, r) => listSettlements(settlement, q, r) },
    { method: 'GET', path: '/v2/settlements/:id', access: READ, handler: async (q, r) => send(r, 200, settlementView(await one(q))) },
    { method: 'PUT', path: '/v2/settlements/:id', access: SETTLE, handler: (q, r) => putSettlement(settlement, q, r) },
    {
      method: 'GET',
      path: '/v2/settlements/:id/participants/:pid',
      access: READ_OWN({ param: 'pid', by: 'id' }),
      handler: async (q, r) => send(r, 200, settlementView(await one(q), { participantId: idParam(q, 'pid') })),
    },
    { method: 'PUT', path: '/v2/settlements/:id/participants/:pid', access: SETTLE, handler: (q, r) => putParticipant(settlement, q, r) },
    {
      method: 'GET',
      path: '/v2/settlements/:id/participants/:pid/accounts/:aid',
      access: READ_OWN({ param: 'pid', by: 'id' }),
      handler: async (q, r) => send(r, 200, settlementView(await one(q), { participantId: idParam(q, 'pid'), accountId: idParam(q, 'aid') })),
    },
    { method: 'PUT', path: '/v2/settlements/:id/participants/:pid/accounts/:aid', access: SETTLE, handler: (q, r) => putAccount(settlement, q, r) },
  ];
}

// ---- windows ----

async function findWindow(settlement: SettlementService, id: number): Promise<WindowRecord> {
  const window = await settlement.window(id);
  if (!window) throw new FspiopError('2001', `Window ${id} does not exist`);
  return window;
}

async function listWindows(settlement: SettlementService, request: FastifyRequest, reply: FastifyReply) {
  const filter: WindowFilter = {};
  const given = presentFilters(request, WINDOW_FILTERS);
  if (given.length === 0) throw new FspiopError('3100', `Use at least one parameter: ${WINDOW_FILTERS.join(', ')}`);
  const participantId = query(request, 'participantId');
  if (participantId !== undefined) filter.participantId = idText(participantId, 'participantId');
  const state = query(request, 'state');
  if (state !== undefined) filter.state = oneOf(state, WINDOW_STATES, 'state');
  filter.from = dateQuery(request, 'fromDateTime');
  filter.to = dateQuery(request, 'toDateTime');
  filter.currency = currencyQuery(request);
  const windows = await settlement.windows(filter);
  if (windows.length === 0) throw new FspiopError('3100', `settlementWindow by filters: ${filtersText(request, given)} not found`);
  return send(reply, 200, windows.map(windowView));
}

async function closeWindow(settlement: SettlementService, request: FastifyRequest, reply: FastifyReply) {
  const fields = body(request).only('state', 'reason');
  fields.string('state', { oneOf: ['CLOSED'] });
  const reason = fields.string('reason', { min: 1, max: REASON_MAX });
  const opened = await settlement.closeWindow(idParam(request, 'id'), reason);
  return send(reply, 200, windowView(opened));
}

function windowView(w: WindowRecord) {
  return {
    settlementWindowId: w.id,
    state: w.state,
    reason: w.reason,
    createdDate: w.createdAt.toISOString(),
    changedDate: w.changedAt.toISOString(),
    content: w.content.map((c) => ({
      id: c.id,
      state: c.state,
      ledgerAccountType: c.ledgerAccountType,
      currencyId: c.currency,
      createdDate: c.createdAt.toISOString(),
      changedDate: c.changedAt.toISOString(),
      settlementId: c.settlementId,
    })),
  };
}

// ---- settlements ----

async function createSettlement(settlement: SettlementService, request: FastifyRequest, reply: FastifyReply) {
  const fields = body(request).only('settlementModel', 'reason', 'settlementWindows');
  const model = fields.string('settlementModel', { min: 1, max: 30 });
  const reason = fields.string('reason', { min: 1, max: REASON_MAX });
  const windows = fields.array('settlementWindows');
  if (windows.length === 0 || windows.length > 1000) throw new FspiopError('3100', '/requestBody/settlementWindows must hold 1 to 1000 windows');
  const ids = windows.map((w, i) => idText(objectAt(w, `settlementWindows.${i}`).only('id').decimal('id', { maxDecimals: 0 }), `settlementWindows/${i}/id`));
  const created = await settlement.create(model, reason, ids);
  return send(reply, 200, { ...settlementView(created), settlementModel: created.model });
}

async function listSettlements(settlement: SettlementService, request: FastifyRequest, reply: FastifyReply) {
  const given = presentFilters(request, SETTLEMENT_FILTERS);
  if (given.length === 0) throw new FspiopError('3100', `Use at least one parameter: ${SETTLEMENT_FILTERS.join(', ')}`);
  const filter: SettlementFilter = {
    currency: currencyQuery(request),
    from: dateQuery(request, 'fromDateTime'),
    to: dateQuery(request, 'toDateTime'),
    windowFrom: dateQuery(request, 'fromSettlementWindowDateTime'),
    windowTo: dateQuery(request, 'toSettlementWindowDateTime'),
  };
  const state = query(request, 'state');
  if (state !== undefined) filter.state = oneOf(state, SETTLEMENT_STATES, 'state');
  for (const [name, key] of [
    ['participantId', 'participantId'],
    ['accountId', 'accountId'],
    ['settlementWindowId', 'windowId'],
  ] as const) {
    const text = query(request, name);
    if (text !== undefined) filter[key] = idText(text, name);
  }
  const found = await settlement.settlements(filter);
  if (found.length === 0) throw new FspiopError('3100', 'Settlements not found');
  return send(
    reply,
    200,
    found.map((s) => settlementView(s)),
  );
}

/** `{participants: [...]}` moves accounts; `{state: ABORTED, reason, externalReference?}` aborts (admin.md §4.2). */
async function putSettlement(settlement: SettlementService, request: FastifyRequest, reply: FastifyReply) {
  const raw = parseAdminBody(request.body as Buffer);
  const id = idParam(request, 'id');
  const hasOthers = ['state', 'reason', 'externalReference'].some((k) => raw[k] !== undefined);
  if (raw['participants'] !== undefined) {
    if (hasOthers) throw new FspiopError('3100', 'No other properties are allowed when participants is provided');
    const fields = new Fields(raw).only('participants');
    const requests = fields.array('participants').flatMap((p, i) => {
      const participant = objectAt(p, `participants.${i}`).only('id', 'accounts');
      const participantId = idText(participant.decimal('id', { maxDecimals: 0 }), `participants/${i}/id`);
      return participant.array('accounts').map((a, j) => accountRequest(objectAt(a, `participants.${i}.accounts.${j}`), participantId));
    });
    return sendAccountResults(reply, await settlement.updateAccounts(id, requests));
  }
  if (raw['state'] === undefined && raw['reason'] === undefined) throw new FspiopError('3100', 'Invalid request payload input');
  if (raw['state'] === undefined || raw['reason'] === undefined) throw new FspiopError('3102', 'State and reason are mandatory');
  const fields = new Fields(raw).only('state', 'reason', 'externalReference');
  const state = fields.string('state');
  if (state !== 'ABORTED') throw new FspiopError('3100', 'Invalid request payload input');
  const reason = fields.string('reason', { min: 1, max: REASON_MAX });
  const aborted = await settlement.abort(id, reason, fields.optionalString('externalReference', { max: REASON_MAX }));
  return send(reply, 200, settlementView(aborted));
}

async function putParticipant(settlement: SettlementService, request: FastifyRequest, reply: FastifyReply) {
  const participantId = idParam(request, 'pid');
  const fields = body(request).only('accounts');
  const requests = fields.array('accounts').map((a, j) => accountRequest(objectAt(a, `accounts.${j}`), participantId));
  return sendAccountResults(reply, await settlement.updateAccounts(idParam(request, 'id'), requests));
}

async function putAccount(settlement: SettlementService, request: FastifyRequest, reply: FastifyReply) {
  const fields = body(request).only('state', 'reason', 'externalReference');
  const one = { ...accountRequest(fields, idParam(request, 'pid'), false), accountId: idParam(request, 'aid') };
  return sendAccountResults(reply, await settlement.updateAccounts(idParam(request, 'id'), [one]));
}

function accountRequest(fields: Fields, participantId: number, withId = true): AccountRequest {
  fields.only(...(withId ? ['id'] : []), 'state', 'reason', 'externalReference');
  return {
    participantId,
    accountId: withId ? idText(fields.decimal('id', { maxDecimals: 0 }), 'accounts/id') : 0,
    state: fields.string('state', { min: 1, max: 40 }),
    reason: fields.string('reason', { min: 1, max: REASON_MAX }),
    externalReference: fields.optionalString('externalReference', { max: REASON_MAX }),
  };
}

/** The settlement with the accounts of the request: moved ones as they are now, refused ones with errorInformation. */
function sendAccountResults(reply: FastifyReply, done: { settlement: SettlementRecord; results: AccountResult[] }) {
  const participants = new Map<number, unknown[]>();
  for (const r of done.results) {
    const list = participants.get(r.request.participantId) ?? [];
    const view = r.account ? accountView(r.account) : { id: r.request.accountId, state: r.request.state, reason: r.request.reason };
    list.push(r.refusal ? { ...view, errorInformation: { errorCode: '3000', errorDescription: r.refusal.detail } } : view);
    participants.set(r.request.participantId, list);
  }
  const { participants: _all, ...rest } = settlementView(done.settlement);
  return send(reply, 200, { ...rest, participants: [...participants].map(([id, accounts]) => ({ id, accounts })) });
}

function settlementView(s: SettlementRecord, only: { participantId?: number; accountId?: number } = {}) {
  const windowState = s.state === 'SETTLED' ? 'SETTLED' : s.state === 'ABORTED' ? 'ABORTED' : 'PENDING_SETTLEMENT';
  const participants = new Map<number, unknown[]>();
  for (const a of s.accounts) {
    if (only.participantId !== undefined && a.participantId !== only.participantId) continue;
    if (only.accountId !== undefined && a.accountId !== only.accountId) continue;
    participants.set(a.participantId, [...(participants.get(a.participantId) ?? []), accountView(a)]);
  }
  return {
    id: s.id,
    state: s.state,
    reason: s.reason,
    createdDate: s.createdAt.toISOString(),
    changedDate: s.changedAt.toISOString(),
    settlementWindows: s.windows.map((w) => {
      const { settlementWindowId, ...view } = windowView(w);
      return { id: settlementWindowId, ...view, state: windowState };
    }),
    participants: [...participants].map(([id, accounts]) => ({ id, accounts })),
  };
}

function accountView(a: SettlementRecord['accounts'][number]) {
  return {
    id: a.accountId,
    state: a.state,
    reason: a.reason,
    ...(a.externalReference ? { externalReference: a.externalReference } : {}),
    createdDate: a.createdAt.toISOString(),
    changedDate: a.changedAt.toISOString(),
    netSettlementAmount: { amount: jsonNumber(ledgerDisplay(a.net)), currency: a.currency },
  };
}

// ---- request helpers ----

function body(request: FastifyRequest): Fields {
  return new Fields(parseAdminBody(request.body as Buffer));
}

function objectAt(value: unknown, at: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isLosslessNumber(value))
    throw new FspiopError('3101', `/requestBody/${at.replace(/\./g, '/')} must be an object`);
  return new Fields(value as Body, at);
}

function idParam(request: FastifyRequest, name: string): number {
  return idText(param(request, name), name);
}

function idText(text: string, name: string): number {
  if (!/^[1-9]\d{0,9}$/.test(text) || Number(text) > 2_147_483_647) throw new FspiopError('3101', `${name} must be a positive integer id`);
  return Number(text);
}

function oneOf(value: string, allowed: readonly string[], name: string): string {
  if (!allowed.includes(value)) throw new FspiopError('3101', `${name} must be one of ${allowed.join(', ')}`);
  return value;
}

function dateQuery(request: FastifyRequest, name: string): Date | undefined {
  const text = query(request, name);
  if (text === undefined) return undefined;
  const at = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(text) ? new Date(text) : undefined;
  if (!at || Number.isNaN(at.getTime())) throw new FspiopError('3101', `${name} must be an ISO 8601 date-time`);
  return at;
}

function currencyQuery(request: FastifyRequest): string | undefined {
  const text = query(request, 'currency');
  if (text !== undefined && !/^[A-Z]{3}$/.test(text)) throw new FspiopError('3101', 'currency must be an ISO 4217 code');
  return text;
}

function presentFilters(request: FastifyRequest, names: string[]): string[] {
  return names.filter((n) => query(request, n) !== undefined);
}

function filtersText(request: FastifyRequest, given: string[]): string {
  return `{${given.map((n) => `${n}:${query(request, n)}`).join(',')}}`;
}
