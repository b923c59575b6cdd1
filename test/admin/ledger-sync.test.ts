/**
 * An Admin change the ledger's workers decide with is answered only once they have it (switch/admin/ledger-sync.ts).
 * Here the workers' reference data are another node's stores on the same database, with no change feed: what they
 * know of an Admin change they know from the sync alone, as the ledger holder of a cluster does for a change taken
 * by another node in the milliseconds before its notice arrives.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InterchangeFees, INTERCHANGE_FEE } from '../../ledger/interchange-fees.js';
import { Registry } from '../../ledger/registry.js';
import { parseLedger } from '../../ledger/units.js';
import { accountRoutes } from '../../switch/admin/routes/accounts.js';
import { interchangeFeeRoutes } from '../../switch/admin/routes/interchange-fees.js';
import { participantRoutes } from '../../switch/admin/routes/participants.js';
import { settlementModelRoutes } from '../../switch/admin/routes/settlement-models.js';
import { serveReference } from '../../switch/core/workers/serve.js';
import { ReferenceWorker } from '../../switch/core/workers/reference.js';
import { seedCurrency, startAdminApi, type AdminApi } from '../support/admin-api.js';

let api: AdminApi;
let ledgerRegistry: Registry;
let ledgerFees: InterchangeFees;

before(async () => {
  api = await startAdminApi(
    'ledger_sync',
    (deps) => [...participantRoutes(deps), ...accountRoutes(deps), ...settlementModelRoutes(deps), ...interchangeFeeRoutes(deps)],
    { ownReference: false },
  );
  await seedCurrency(api, 'INR');
  ledgerRegistry = await Registry.load(api.db, 'Hub');
  ledgerFees = await InterchangeFees.load(api.db, ledgerRegistry);
  serveReference(api.bus, new ReferenceWorker(ledgerRegistry, ledgerFees));
});

after(async () => {
  await api?.close();
});

const ok = (answer: { status: number; json: unknown }, status: number) => assert.equal(answer.status, status, JSON.stringify(answer.json));

test('limits, active flags, settlement models and fee rules are known to the ledger workers when the Admin API answers', async () => {
  ok(await api.call('POST', '/participants', { name: 'dfsp1', currency: 'INR' }), 201);
  ok(await api.call('POST', '/participants/dfsp1/initialPositionAndLimits', { currency: 'INR', limit: { type: 'NET_DEBIT_CAP', value: 1000 } }), 201);
  const position = () => ledgerRegistry.accountOf('dfsp1', 'INR', 'POSITION')!;
  assert.equal(ledgerRegistry.limit(position().id)?.value, parseLedger('1000'), 'the initial net debit cap');

  ok(await api.call('PUT', '/participants/dfsp1/limits', { currency: 'INR', limit: { type: 'NET_DEBIT_CAP', value: 250 } }), 200);
  assert.equal(ledgerRegistry.limit(position().id)?.value, parseLedger('250'), 'the changed net debit cap');

  ok(await api.call('PUT', `/participants/dfsp1/accounts/${position().id}`, { isActive: false }), 200);
  assert.equal(position().isActive, false, 'the deactivated position account');

  ok(await api.call('PUT', '/participants/dfsp1', { isActive: false }), 200);
  assert.equal(ledgerRegistry.participant('dfsp1')?.isActive, false, 'the deactivated participant');

  const model = {
    name: 'INRFEES',
    settlementGranularity: 'NET',
    settlementInterchange: 'MULTILATERAL',
    settlementDelay: 'DEFERRED',
    currency: 'INR',
    requireLiquidityCheck: false,
    ledgerAccountType: INTERCHANGE_FEE,
    autoPositionReset: true,
    settlementAccountType: 'INTERCHANGE_FEE_SETTLEMENT',
  };
  ok(await api.call('POST', '/settlementModels', model), 201);
  assert.equal(ledgerRegistry.settlementModel('INRFEES')?.isActive, true, 'the new settlement model');
  ok(await api.call('PUT', '/settlementModels/INRFEES', { isActive: false }), 200);
  assert.equal(ledgerRegistry.settlementModel('INRFEES')?.isActive, false, 'the deactivated settlement model');
  ok(await api.call('PUT', '/settlementModels/INRFEES', { isActive: true }), 200);

  const rule = { name: 'p2p-inr', currency: 'INR', match: { scenario: 'TRANSFER' }, fee: { fixedAmount: 1 }, paidBy: 'PAYER_FSP' };
  const created = await api.call('POST', '/interchangeFeeRules', rule);
  ok(created, 201);
  assert.deepEqual(
    ledgerFees.rules({ isActive: true }).map((r) => r.name),
    ['p2p-inr'],
    'the new fee rule',
  );
  assert.ok(ledgerRegistry.accountOf('dfsp1', 'INR', INTERCHANGE_FEE), 'with the INTERCHANGE_FEE account made for it');
  ok(await api.call('PUT', `/interchangeFeeRules/${(created.json as { interchangeFeeRuleId: number }).interchangeFeeRuleId}`, { isActive: false }), 200);
  assert.deepEqual(ledgerFees.rules({ isActive: true }), [], 'the deactivated fee rule');
});
