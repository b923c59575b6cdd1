/**
 * Participants (admin.md §1.1): list, create (or add a currency), read, and change whether one is
 * active, the dialect it speaks and, for banks, the ISO 20022 XML profile it reads.
 *
 *   GET  /participants[?isProxy=]   POST /participants {name, currency, isProxy?, dialect?}
 *   GET  /participants/{name}       PUT  /participants/{name} {isActive?, dialect?, xmlProfile?}
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FspiopError } from '../../../schemas/errors.js';
import { DIALECTS, type Dialect, type Registry } from '../../../ledger/registry.js';
import type { Route } from '../../http/route.js';
import type { AdminDeps } from '../deps.js';
import { bodyFields, currencyField, NAME, param, query, send } from '../request.js';
import { participantView } from '../views.js';

export function participantRoutes(deps: Pick<AdminDeps, 'registry'>): Route[] {
  const { registry } = deps;
  return [
    { method: 'GET', path: '/participants', handler: (request, reply) => list(registry, request, reply) },
    { method: 'POST', path: '/participants', handler: (request, reply) => create(registry, request, reply) },
    {
      method: 'GET',
      path: '/participants/:name',
      handler: async (request, reply) => send(reply, 200, participantView(registry, request, registry.requireParticipant(param(request, 'name')))),
    },
    { method: 'PUT', path: '/participants/:name', handler: (request, reply) => update(registry, request, reply) },
  ];
}

async function list(registry: Registry, request: FastifyRequest, reply: FastifyReply) {
  const proxyFilter = query(request, 'isProxy');
  const participants = registry
    .participants()
    .filter((p) => proxyFilter === undefined || p.isProxy === (proxyFilter === 'true' || proxyFilter === '1'))
    .sort((a, b) => a.id - b.id)
    .map((p) => participantView(registry, request, p));
  return send(reply, 200, participants);
}

async function create(registry: Registry, request: FastifyRequest, reply: FastifyReply) {
  const fields = bodyFields(request, 'name', 'currency', 'isProxy', 'dialect');
  const name = fields.string('name', { pattern: NAME });
  const currency = currencyField(fields);
  const isProxy = fields.optionalBoolean('isProxy', { lenient: true }) ?? false;
  const dialect = fields.optionalString('dialect', { oneOf: DIALECTS }) as Dialect | undefined;
  if (registry.isHubName(name)) throw new FspiopError('3000', undefined, { description: 'The hub participant cannot be created' });
  const participant = await registry.createParticipant(name, currency, isProxy, dialect);
  return send(reply, 201, participantView(registry, request, participant));
}

async function update(registry: Registry, request: FastifyRequest, reply: FastifyReply) {
  const fields = bodyFields(request, 'isActive', 'dialect', 'xmlProfile');
  const name = param(request, 'name');
  if (!fields.has('isActive') && !fields.has('dialect') && !fields.has('xmlProfile')) {
    throw new FspiopError('3102', "/requestBody must have required property 'isActive'");
  }
  let participant = registry.requireParticipant(name);
  if (fields.has('dialect')) participant = await registry.setParticipantDialect(name, fields.string('dialect', { oneOf: DIALECTS }) as Dialect);
  if (fields.has('xmlProfile')) {
    participant = await registry.setParticipantXmlProfile(name, fields.string('xmlProfile', { oneOf: ['iso-2019', 'iso-2026'] }) as 'iso-2019' | 'iso-2026');
  }
  if (fields.has('isActive')) participant = await registry.setParticipantActive(name, fields.boolean('isActive', { lenient: true }));
  return send(reply, 200, participantView(registry, request, participant));
}
