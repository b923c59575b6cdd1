/**
 * A participant's accounts, positions and net debit caps (admin.md §1.4, §1.5).
 *
 *   POST /participants/{name}/initialPositionAndLimits {currency, limit: {type, value, alarmPercentage?}, initialPosition?}
 *   GET  /participants/limits[?currency=&type=]          every participant's limits
 *   GET  /participants/{name}/limits[?currency=&type=]   PUT /participants/{name}/limits {currency, limit}
 *   GET  /participants/{name}/positions[?currency=]
 *   GET  /participants/{name}/accounts                   PUT /participants/{name}/accounts/{id} {isActive}
 *
 * Balances shown are durable ones (what PostgreSQL holds), never the engine's not-yet-committed view.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../../ledger/db.js';
import { CLEARING, type Registry } from '../../../ledger/registry.js';
import { ledgerDisplay, parseLedger, type LedgerUnits } from '../../../ledger/units.js';
import { liquidityTopics } from '../../core/topics.js';
import { READ_OWN, READ, type AdminRoute } from '../auth/roles.js';
import { jsonNumber, type Fields } from '../body.js';
import type { AdminDeps } from '../deps.js';
import { everyOwnerHas, ledgerHas } from '../ledger-sync.js';
import { accountIdParam, bodyFields, currencyField, LEDGER_DECIMALS, param, query, send } from '../request.js';

type Deps = Pick<AdminDeps, 'registry' | 'bus' | 'db'>;

export function accountRoutes(deps: Deps): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: '/participants/:name/initialPositionAndLimits',
      access: { roles: ['finance'], action: 'limits' },
      handler: (q, r) => initialPositionAndLimits(deps, q, r),
    },
    { method: 'GET', path: '/participants/limits', access: READ, handler: (q, r) => allLimits(deps.registry, q, r) },
    { method: 'GET', path: '/participants/:name/limits', access: READ_OWN({ param: 'name', by: 'name' }), handler: (q, r) => limitsOf(deps.registry, q, r) },
    { method: 'PUT', path: '/participants/:name/limits', access: { roles: ['finance'], action: 'limits' }, handler: (q, r) => updateLimit(deps, q, r) },
    { method: 'GET', path: '/participants/:name/positions', access: READ_OWN({ param: 'name', by: 'name' }), handler: (q, r) => positions(deps, q, r) },
    { method: 'GET', path: '/participants/:name/accounts', access: READ_OWN({ param: 'name', by: 'name' }), handler: (q, r) => accounts(deps, q, r) },
    {
      method: 'PUT',
      path: '/participants/:name/accounts/:id',
      access: { roles: ['operator'], action: 'participant-status' },
      handler: async (request, reply) => {
        const fields = bodyFields(request, 'isActive');
        const id = accountIdParam(request);
        const name = param(request, 'name');
        await deps.registry.setAccountActive(name, id, fields.boolean('isActive', { lenient: true }));
        // Every owner: a payer's owner decides whether the payee's account takes transfers.
        await everyOwnerHas(deps.bus, deps.registry.hubName, 'registry');
        return send(reply, 200);
      },
    },
  ];
}

/** `limit: {type: NET_DEBIT_CAP, value, alarmPercentage?}` (alarm 10 % unless given). */
function limitField(fields: Fields): { value: LedgerUnits; alarm: string } {
  const limitFields = fields.object('limit').only('type', 'value', 'alarmPercentage');
  limitFields.string('type', { oneOf: ['NET_DEBIT_CAP'] });
  const value = parseLedger(limitFields.decimal('value', { maxDecimals: LEDGER_DECIMALS }));
  const alarm = limitFields.optionalDecimal('alarmPercentage', { maxDecimals: 2 }) ?? '10';
  return { value, alarm };
}

async function initialPositionAndLimits(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const fields = bodyFields(request, 'currency', 'limit', 'initialPosition');
  const currency = currencyField(fields);
  const limit = limitField(fields);
  const initial = parseLedger(fields.optionalDecimal('initialPosition', { maxDecimals: LEDGER_DECIMALS }) ?? '0');
  const name = param(request, 'name');
  await deps.registry.setInitialLimit(name, currency, limit.value, limit.alarm);
  await ledgerHas(deps.bus, name, 'registry');
  // The opening position is a position change: through the bus, to the worker that owns the participant's position.
  await deps.bus.request(liquidityTopics.openingPosition, name, { participant: name, currency, amount: initial });
  return send(reply, 201);
}

async function allLimits(registry: Registry, request: FastifyRequest, reply: FastifyReply) {
  const currency = query(request, 'currency');
  const type = query(request, 'type');
  const rows = [];
  for (const participant of registry.participants().sort((a, b) => a.id - b.id)) {
    for (const account of registry.accountsOf(participant.id)) {
      const limit = registry.limit(account.id);
      if (!limit || (currency && account.currency !== currency) || (type && limit.type !== type)) continue;
      rows.push({ name: participant.name, currency: account.currency, limit: limitView(limit) });
    }
  }
  return send(reply, 200, rows);
}

async function limitsOf(registry: Registry, request: FastifyRequest, reply: FastifyReply) {
  const participant = registry.requireParticipant(param(request, 'name'));
  const currency = query(request, 'currency');
  const type = query(request, 'type');
  const rows = registry
    .accountsOf(participant.id)
    .map((a) => ({ account: a, limit: registry.limit(a.id) }))
    .filter((x) => x.limit && (!currency || x.account.currency === currency) && (!type || x.limit.type === type))
    .map((x) => ({ currency: x.account.currency, limit: limitView(x.limit!) }));
  return send(reply, 200, rows);
}

async function updateLimit(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const fields = bodyFields(request, 'currency', 'limit');
  const currency = currencyField(fields);
  const { value, alarm } = limitField(fields);
  const name = param(request, 'name');
  const limit = await deps.registry.updateLimit(name, currency, value, alarm);
  await ledgerHas(deps.bus, name, 'registry');
  return send(reply, 200, { currency, limit: limitView(limit) });
}

async function positions(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const participant = deps.registry.requireParticipant(param(request, 'name'));
  const currency = query(request, 'currency');
  const durable = await durableAccounts(deps.db, participant.id);
  const list = deps.registry
    .accountsOf(participant.id)
    .filter((a) => a.type === 'POSITION' && (!currency || a.currency === currency))
    .map((a) => {
      const stored = durable.get(a.id)!;
      return { currency: a.currency, value: jsonNumber(ledgerDisplay(stored.value)), changedDate: stored.changedAt.toISOString() };
    });
  if (currency !== undefined) return send(reply, 200, list[0] ?? {});
  return send(reply, 200, list);
}

async function accounts(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const participant = deps.registry.requireParticipant(param(request, 'name'));
  const durable = await durableAccounts(deps.db, participant.id);
  const list = deps.registry
    .accountsOf(participant.id)
    .filter((a) => a.type !== CLEARING)
    .map((a) => {
      const stored = durable.get(a.id)!;
      return {
        id: a.id,
        ledgerAccountType: a.type,
        currency: a.currency,
        isActive: a.isActive ? 1 : 0,
        value: jsonNumber(ledgerDisplay(stored.value)),
        // Mojaloop semantics: a position's value already includes in-flight reservations.
        reservedValue: jsonNumber('0'),
        changedDate: stored.changedAt.toISOString(),
      };
    });
  return send(reply, 200, list);
}

async function durableAccounts(db: Db, participantId: number) {
  const rows = await db.query<{ id: number; value: string; changed_at: Date }>(
    'SELECT id, value::text AS value, changed_at FROM account WHERE participant_id = $1 ORDER BY id',
    [participantId],
  );
  return new Map(rows.rows.map((r) => [r.id, { value: parseLedger(r.value), changedAt: r.changed_at }]));
}

function limitView(limit: { type: string; value: LedgerUnits; alarmPercentage: string }) {
  return { type: limit.type, value: jsonNumber(ledgerDisplay(limit.value)), alarmPercentage: jsonNumber(trimDecimal(limit.alarmPercentage)) };
}

function trimDecimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}
