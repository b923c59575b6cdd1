/**
 * The embedded default: with no MIZANI_DATABASE_URL the hub runs on PGlite in a data folder, and
 * what it records survives a restart.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { request } from 'undici';
import { startHubProcess } from './support/hub-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'mizani-pglite-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

async function json(method: 'GET' | 'POST', url: string, body?: unknown) {
  const res = await request(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

test('embedded PGlite hub starts, keeps its ledger across a restart', { timeout: 120_000 }, async () => {
  const env = { MIZANI_DATA_DIR: dataDir };
  let hub = await startHubProcess(env, 60_000);
  try {
    assert.ok(
      hub.logs.some((l) => l.includes('embedded PGlite')),
      'start-up says it runs on the embedded database',
    );
    const health = await json('GET', `${hub.fspiopUrl}/health`);
    assert.equal(health.status, 200);
    assert.equal(health.body.database, 'OK');
    for (const type of ['HUB_RECONCILIATION', 'HUB_MULTILATERAL_SETTLEMENT']) {
      assert.equal((await json('POST', `${hub.adminUrl}/participants/Hub/accounts`, { currency: 'USD', type })).status, 201);
    }
    const model = {
      name: 'DEFAULTDEFERREDNET',
      settlementGranularity: 'NET',
      settlementInterchange: 'MULTILATERAL',
      settlementDelay: 'DEFERRED',
      requireLiquidityCheck: true,
      ledgerAccountType: 'POSITION',
      autoPositionReset: true,
      settlementAccountType: 'SETTLEMENT',
    };
    assert.equal((await json('POST', `${hub.adminUrl}/settlementModels`, model)).status, 201);
    // The one-active-model-per-scope index (migration 012) and the settlement changes' advisory lock work here too.
    const overlapping = await json('POST', `${hub.adminUrl}/settlementModels`, { ...model, name: 'ANOTHERNET' });
    assert.equal(overlapping.status, 400);
    assert.match(overlapping.body.errorInformation.errorDescription, /Settlement model DEFAULTDEFERREDNET already covers POSITION for all currencies/);
    const empty = await json('POST', `${hub.adminUrl}/v2/settlementWindows/1`, { state: 'CLOSED', reason: 'smoke' });
    assert.equal(empty.status, 400);
    assert.match(empty.body.errorInformation.errorDescription, /empty/);
    assert.equal((await json('POST', `${hub.adminUrl}/participants`, { name: 'smokefsp', currency: 'USD' })).status, 201);
    const limits = { currency: 'USD', limit: { type: 'NET_DEBIT_CAP', value: 1000 }, initialPosition: 0 };
    assert.equal((await json('POST', `${hub.adminUrl}/participants/smokefsp/initialPositionAndLimits`, limits)).status, 201);
    const accounts = await json('GET', `${hub.adminUrl}/participants/smokefsp/accounts`);
    const settlement = accounts.body.find((a: { ledgerAccountType: string }) => a.ledgerAccountType === 'SETTLEMENT');
    const fundsIn = {
      transferId: '01JBFH0S3PQTFEZ7E0R0ES7X9R',
      externalReference: 'smoke',
      action: 'recordFundsIn',
      reason: 'smoke test',
      amount: { amount: '250.75', currency: 'USD' },
    };
    assert.equal((await json('POST', `${hub.adminUrl}/participants/smokefsp/accounts/${settlement.id}`, fundsIn)).status, 202);
    assert.equal(await hub.stop(), 0, 'clean shutdown on SIGTERM');

    hub = await startHubProcess(env, 60_000);
    const again = await json('GET', `${hub.adminUrl}/participants/smokefsp/accounts`);
    const after = again.body.find((a: { ledgerAccountType: string }) => a.ledgerAccountType === 'SETTLEMENT');
    assert.equal(after.value, -250.75);
    assert.equal((await json('GET', `${hub.adminUrl}/participants/smokefsp/limits`)).body[0].limit.value, 1000);
  } finally {
    await hub.stop();
  }
});
