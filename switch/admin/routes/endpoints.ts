/**
 * Callback endpoints of a participant (admin.md §1.3).
 *
 *   GET  /participants/{name}/endpoints[?type=]   POST /participants/{name}/endpoints {type, value}
 *
 * URL endpoints must be absolute http(s) URLs (`{{...}}` placeholders allowed); with mTLS on, the
 * FSPIOP callback URLs must be https.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FspiopError } from '../../../schemas/errors.js';
import { READ_OWN, type AdminRoute } from '../auth/roles.js';
import type { AdminDeps } from '../deps.js';
import { bodyFields, checkUrlTemplate, param, query, send } from '../request.js';

export function endpointRoutes(deps: Pick<AdminDeps, 'registry' | 'participants' | 'requireHttpsCallbacks'>): AdminRoute[] {
  const { registry, participants } = deps;
  return [
    {
      method: 'GET',
      path: '/participants/:name/endpoints',
      access: READ_OWN({ param: 'name', by: 'name' }),
      handler: async (request, reply) => {
        const participant = registry.requireParticipant(param(request, 'name'));
        const endpoints = participants.endpointsOf(participant.name);
        const type = query(request, 'type');
        if (type !== undefined) {
          const value = endpoints.get(type);
          return send(reply, 200, value === undefined ? {} : { type, value });
        }
        return send(
          reply,
          200,
          [...endpoints].map(([t, value]) => ({ type: t, value })),
        );
      },
    },
    { method: 'POST', path: '/participants/:name/endpoints', access: { roles: ['operator'] }, handler: (request, reply) => setEndpoint(deps, request, reply) },
  ];
}

async function setEndpoint(deps: Pick<AdminDeps, 'participants' | 'requireHttpsCallbacks'>, request: FastifyRequest, reply: FastifyReply) {
  const fields = bodyFields(request, 'type', 'value');
  const type = fields.string('type', { pattern: /^[A-Z][A-Z0-9_]{1,99}$/ });
  const value = fields.string('value', { min: 1, max: 2048 });
  if (type.startsWith('FSPIOP_CALLBACK_URL') || type.endsWith('_URL')) {
    checkUrlTemplate(value);
    if (deps.requireHttpsCallbacks && type.startsWith('FSPIOP_CALLBACK_URL') && !value.startsWith('https://')) {
      throw new FspiopError('3101', '/requestBody/value must be an https URL: the hub calls back over mutual TLS');
    }
  }
  await deps.participants.setEndpoint(param(request, 'name'), type, value);
  return send(reply, 201);
}
