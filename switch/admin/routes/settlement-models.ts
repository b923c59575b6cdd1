/**
 * Settlement models and ledger account types (admin.md §1.5, §1.7).
 *
 *   GET /settlementModels   POST /settlementModels {name, settlementGranularity, settlementInterchange, settlementDelay,
 *                                                  currency?, requireLiquidityCheck, ledgerAccountType, autoPositionReset,
 *                                                  settlementAccountType}
 *   GET /settlementModels/{name}   PUT /settlementModels/{name} {isActive}
 *   GET /ledgerAccountTypes        POST /ledgerAccountTypes {name, description, isActive, isSettleable}
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FspiopError } from '../../../schemas/errors.js';
import type { Registry, SettlementModel } from '../../../ledger/registry.js';
import { READ, type AdminRoute } from '../auth/roles.js';
import type { Bus } from '../../bus/bus.js';
import type { AdminDeps } from '../deps.js';
import { everyOwnerHas } from '../ledger-sync.js';
import { bodyFields, currencyField, param, send } from '../request.js';

const VALID_COMBINATIONS = ['IMMEDIATE/GROSS/BILATERAL', 'DEFERRED/GROSS/BILATERAL', 'DEFERRED/NET/BILATERAL', 'DEFERRED/NET/MULTILATERAL'];

export function settlementModelRoutes(deps: Pick<AdminDeps, 'registry' | 'bus'>): AdminRoute[] {
  const { registry, bus } = deps;
  return [
    {
      method: 'GET',
      path: '/settlementModels',
      access: READ,
      handler: async (_request, reply) => send(reply, 200, registry.settlementModels().map(modelView)),
    },
    { method: 'POST', path: '/settlementModels', access: { roles: ['finance'] }, handler: (q, r) => createModel(registry, bus, q, r) },
    {
      method: 'GET',
      path: '/settlementModels/:name',
      access: READ,
      handler: async (request, reply) => {
        const model = registry.settlementModel(param(request, 'name'));
        if (!model) throw new FspiopError('3100', `Settlement model ${param(request, 'name')} not found`);
        return send(reply, 200, modelView(model));
      },
    },
    {
      method: 'PUT',
      path: '/settlementModels/:name',
      access: { roles: ['finance'] },
      handler: async (request, reply) => {
        const fields = bodyFields(request, 'isActive');
        const model = await registry.setSettlementModelActive(param(request, 'name'), fields.boolean('isActive', { lenient: true }));
        await everyOwnerHas(bus, registry.hubName, 'registry');
        return send(reply, 200, modelView(model));
      },
    },
    { method: 'GET', path: '/ledgerAccountTypes', access: READ, handler: async (_request, reply) => send(reply, 200, await registry.accountTypeRows()) },
    {
      method: 'POST',
      path: '/ledgerAccountTypes',
      access: { roles: ['operator'] },
      handler: async (request, reply) => {
        const fields = bodyFields(request, 'name', 'description', 'isActive', 'isSettleable');
        await registry.createAccountType(
          fields.string('name', { pattern: /^\w{2,30}$/ }),
          fields.string('description', { max: 512 }),
          fields.boolean('isActive'),
          fields.boolean('isSettleable'),
        );
        return send(reply, 201);
      },
    },
  ];
}

async function createModel(registry: Registry, bus: Bus, request: FastifyRequest, reply: FastifyReply) {
  const fields = bodyFields(
    request,
    'name',
    'settlementGranularity',
    'settlementInterchange',
    'settlementDelay',
    'currency',
    'requireLiquidityCheck',
    'ledgerAccountType',
    'autoPositionReset',
    'settlementAccountType',
  );
  const model = {
    name: fields.string('name', { pattern: /^[A-Za-z0-9]{2,30}$/ }),
    settlementGranularity: fields.string('settlementGranularity', { oneOf: ['GROSS', 'NET'] }),
    settlementInterchange: fields.string('settlementInterchange', { oneOf: ['BILATERAL', 'MULTILATERAL'] }),
    settlementDelay: fields.string('settlementDelay', { oneOf: ['IMMEDIATE', 'DEFERRED'] }),
    currency: fields.has('currency') ? currencyField(fields) : null,
    requireLiquidityCheck: fields.boolean('requireLiquidityCheck'),
    ledgerAccountType: fields.string('ledgerAccountType', { pattern: /^\w{2,30}$/ }),
    autoPositionReset: fields.boolean('autoPositionReset'),
    settlementAccountType: fields.string('settlementAccountType', { pattern: /^\w{2,30}$/ }),
  };
  const combination = `${model.settlementDelay}/${model.settlementGranularity}/${model.settlementInterchange}`;
  if (!VALID_COMBINATIONS.includes(combination)) {
    throw new FspiopError('3000', undefined, {
      description: `Invalid settlement model: ${combination} is not one of ${VALID_COMBINATIONS.join(', ')}`,
    });
  }
  await registry.createSettlementModel(model);
  await everyOwnerHas(bus, registry.hubName, 'registry');
  return send(reply, 201);
}

function modelView(model: SettlementModel) {
  return {
    settlementModelId: model.id,
    name: model.name,
    isActive: model.isActive,
    settlementGranularity: model.settlementGranularity,
    settlementInterchange: model.settlementInterchange,
    settlementDelay: model.settlementDelay,
    currency: model.currency,
    requireLiquidityCheck: model.requireLiquidityCheck,
    ledgerAccountTypeId: model.ledgerAccountType,
    settlementAccountTypeId: model.settlementAccountType,
    autoPositionReset: model.autoPositionReset,
  };
}
