/**
 * The ALS oracle registry (admin.md §2). Requests must carry FSPIOP-style Content-Type, Date and
 * Accept headers, as Mojaloop's ALS admin API requires.
 *
 *   GET /oracles[?type=&currency=]   POST /oracles {oracleIdType, endpoint: {value, endpointType: URL}, currency?, isDefault?}
 *   PUT /oracles/{id} (same body) → 204   DELETE /oracles/{id} → 204
 *
 * Every change clears the party directory's cache.
 */
import type { FastifyRequest } from 'fastify';
import { isCurrency } from '../../../schemas/currency.js';
import { FspiopError } from '../../../schemas/errors.js';
import { isPartyIdType, PARTY_ID_TYPES } from '../../../schemas/iso/parties.js';
import type { OracleRecord } from '../../core/discovery/directory.js';
import { READ, type AdminRoute } from '../auth/roles.js';
import type { AdminDeps } from '../deps.js';
import { bodyFields, checkUrlTemplate, param, query, send } from '../request.js';

export function oracleRoutes(deps: Pick<AdminDeps, 'directory'>): AdminRoute[] {
  const { directory } = deps;
  return [
    {
      method: 'GET',
      path: '/oracles',
      access: READ,
      handler: async (request, reply) => {
        alsHeaders(request);
        return send(reply, 200, directory.oracles.list({ type: query(request, 'type'), currency: query(request, 'currency') }));
      },
    },
    {
      method: 'POST',
      path: '/oracles',
      access: { roles: ['operator'] },
      handler: async (request, reply) => {
        alsHeaders(request);
        await directory.oracles.create(oracleBody(request));
        directory.clear();
        return send(reply, 201);
      },
    },
    {
      method: 'PUT',
      path: '/oracles/:id',
      access: { roles: ['operator'] },
      handler: async (request, reply) => {
        alsHeaders(request);
        await directory.oracles.update(oracleId(request), oracleBody(request));
        directory.clear();
        return send(reply, 204);
      },
    },
    {
      method: 'DELETE',
      path: '/oracles/:id',
      access: { roles: ['operator'] },
      handler: async (request, reply) => {
        alsHeaders(request);
        await directory.oracles.remove(oracleId(request));
        directory.clear();
        return send(reply, 204);
      },
    },
  ];
}

function alsHeaders(request: FastifyRequest): void {
  for (const name of ['content-type', 'date', 'accept']) {
    if (!request.headers[name]) throw new FspiopError('3102', `${name} header is required`);
  }
}

function oracleBody(request: FastifyRequest): Omit<OracleRecord, 'oracleId'> {
  const fields = bodyFields(request, 'oracleIdType', 'endpoint', 'currency', 'isDefault');
  const oracleIdType = fields.string('oracleIdType');
  if (!isPartyIdType(oracleIdType)) {
    throw new FspiopError('3101', `/requestBody/oracleIdType must be one of ${PARTY_ID_TYPES.join(', ')}`);
  }
  const endpoint = fields.object('endpoint').only('value', 'endpointType');
  const value = endpoint.string('value', { min: 1, max: 2048 });
  endpoint.string('endpointType', { oneOf: ['URL'] });
  checkUrlTemplate(value);
  let currency: string | null = null;
  if (fields.has('currency')) {
    currency = fields.string('currency');
    if (!isCurrency(currency)) throw new FspiopError('3100', `/requestBody/currency ${currency} is not a supported currency`);
  }
  return { oracleIdType, endpoint: { value, endpointType: 'URL' }, currency, isDefault: fields.optionalBoolean('isDefault') ?? false };
}

function oracleId(request: FastifyRequest): number {
  const text = param(request, 'id');
  if (!/^\d{1,9}$/.test(text)) throw new FspiopError('3101', '/path/ID must be a numeric oracle id');
  return Number(text);
}
