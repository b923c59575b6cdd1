/**
 * Participants (admin.md §1.1): list, create (or add a currency), read, and change whether one is
 * active, the dialect it speaks and, for banks, the ISO 20022 XML profile it reads.
 *
 *   GET  /participants[?isProxy=]   POST /participants {name, currency, isProxy?, dialect?}
 *   GET  /participants/{name}       PUT  /participants/{name} {isActive?, dialect?, xmlProfile?}
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FspiopError } from '../../../schemas/errors.js';
import { DIALECTS, type Dialect, type ParticipantDirectory } from '../../directory/participants.js';
import { READ_OWN, READ, type AdminRoute } from '../auth/roles.js';
import type { Bus } from '../../bus/bus.js';
import type { AdminDeps } from '../deps.js';
import { everyOwnerHas } from '../ledger-sync.js';
import { bodyFields, currencyField, NAME, param, query, send } from '../request.js';
import { participantView } from '../views.js';

export function participantRoutes(deps: Pick<AdminDeps, 'participants' | 'bus'>): AdminRoute[] {
  const { participants } = deps;
  const { registry } = participants;
  return [
    { method: 'GET', path: '/participants', access: READ, handler: (request, reply) => list(participants, request, reply) },
    { method: 'POST', path: '/participants', access: { roles: ['operator'] }, handler: (request, reply) => create(participants, request, reply) },
    {
      method: 'GET',
      path: '/participants/:name',
      access: READ_OWN({ param: 'name', by: 'name' }),
      handler: async (request, reply) => send(reply, 200, participantView(participants, request, registry.requireParticipant(param(request, 'name')))),
    },
    {
      method: 'PUT',
      path: '/participants/:name',
      access: { roles: ['operator'], action: 'participant-status' },
      handler: (request, reply) => update(participants, deps.bus, request, reply),
    },
  ];
}

async function list(directory: ParticipantDirectory, request: FastifyRequest, reply: FastifyReply) {
  const proxyFilter = query(request, 'isProxy');
  const participants = directory.registry
    .participants()
    .filter((p) => proxyFilter === undefined || p.isProxy === (proxyFilter === 'true' || proxyFilter === '1'))
    .sort((a, b) => a.id - b.id)
    .map((p) => participantView(directory, request, p));
  return send(reply, 200, participants);
}

async function create(directory: ParticipantDirectory, request: FastifyRequest, reply: FastifyReply) {
  const fields = bodyFields(request, 'name', 'currency', 'isProxy', 'dialect');
  const name = fields.string('name', { pattern: NAME });
  const currency = currencyField(fields);
  const isProxy = fields.optionalBoolean('isProxy', { lenient: true }) ?? false;
  const dialect = fields.optionalString('dialect', { oneOf: DIALECTS }) as Dialect | undefined;
  if (directory.registry.isHubName(name)) throw new FspiopError('3000', undefined, { description: 'The hub participant cannot be created' });
  const participant = await directory.createParticipant(name, currency, isProxy, dialect);
  return send(reply, 201, participantView(directory, request, participant));
}

async function update(directory: ParticipantDirectory, bus: Bus, request: FastifyRequest, reply: FastifyReply) {
  const fields = bodyFields(request, 'isActive', 'dialect', 'xmlProfile');
  const name = param(request, 'name');
  if (!fields.has('isActive') && !fields.has('dialect') && !fields.has('xmlProfile')) {
    throw new FspiopError('3102', "/requestBody must have required property 'isActive'");
  }
  const { registry } = directory;
  let participant = registry.requireParticipant(name);
  if (fields.has('dialect')) participant = await directory.setDialect(name, fields.string('dialect', { oneOf: DIALECTS }) as Dialect);
  if (fields.has('xmlProfile')) {
    participant = await directory.setXmlProfile(name, fields.string('xmlProfile', { oneOf: ['iso-2019', 'iso-2026'] }) as 'iso-2019' | 'iso-2026');
  }
  if (fields.has('isActive')) {
    participant = await registry.setParticipantActive(name, fields.boolean('isActive', { lenient: true }));
    // Every owner: a payer's owner decides whether the payee takes transfers.
    await everyOwnerHas(bus, registry.hubName, 'registry');
  }
  return send(reply, 200, participantView(directory, request, participant));
}
