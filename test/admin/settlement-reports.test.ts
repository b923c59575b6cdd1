/**
 * Settlement reports and reconciliation (switch/admin/routes/settlement-reports.ts, ledger/settlement-reports.ts,
 * ledger/reconciliation.ts) through the real HTTP edge on PostgreSQL: traffic committed by the ledger engine in two
 * windows and two currencies, windows closed and a settlement taken to SETTLED through /v2; then every figure against
 * hand-computed numbers, the CSV downloads, the pages of the transfer lists, and reconciliation: ok, then exactly the
 * discrepancies that corrupting one figure in SQL makes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { LedgerEngine } from '../../ledger/engine.js';
import { parseLedger } from '../../ledger/units.js';
import { settlementReportRoutes } from '../../switch/admin/routes/settlement-reports.js';
import { settlementRoutes } from '../../switch/admin/routes/settlements.js';
import { errorOf, seedCurrency, seedParticipant, startAdminApi, type AdminApi } from '../support/admin-api.js';

let api: AdminApi;
const committed = new Map<number, string[]>();
let settlementId = 0;

const A = 'dfsp-a';
const B = 'dfsp-b';
const C = 'dfsp-c';

async function transfer(engine: LedgerEngine, windowId: number, payer: string, payee: string, currency: string, amount: string): Promise<void> {
  const id = randomUUID();
  const expiresAt = Date.now() + 3_600_000;
  const out = await engine.prepare({
    id,
    payer,
    payee,
    currency,
    amount: parseLedger(amount),
    condition: 'GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM',
    expiration: new Date(expiresAt).toISOString(),
    expiresAt,
    prepareHash: `hash-${id}`,
    receivedAt: new Date().toISOString(),
  });
  assert.equal(out.kind, 'reserved', `prepare ${payer} → ${payee} ${amount} ${currency}`);
  if (out.kind !== 'reserved') return;
  await engine.commit(out.transfer, { fulfilment: 'fulfilment', fulfilHash: `fulfil-${id}`, completedAt: new Date().toISOString() });
  committed.set(windowId, [...(committed.get(windowId) ?? []), id]);
}

const accountId = (name: string, currency: string) => api.registry.accountOf(name, currency, 'POSITION')!.id;
const participantId = (name: string) => api.registry.participant(name)!.id;
const get = (path: string, headers?: Record<string, string>) => api.call('GET', path, undefined, headers);

async function closeWindow(id: number): Promise<void> {
  const r = await api.call('POST', `/v2/settlementWindows/${id}`, { state: 'CLOSED', reason: `close ${id}` });
  assert.equal(r.status, 200, r.text);
}

/** Every account of the settlement one step on, through the settlement API. */
async function step(id: number, state: string): Promise<void> {
  const st = (await get(`/v2/settlements/${id}`)).json;
  const participants = st.participants.map((p: { id: number; accounts: Array<{ id: number }> }) => ({
    id: p.id,
    accounts: p.accounts.map((a) => ({ id: a.id, state, reason: `to ${state}` })),
  }));
  const r = await api.call('PUT', `/v2/settlements/${id}`, { participants });
  assert.equal(r.status, 200, r.text);
  for (const p of r.json.participants) for (const a of p.accounts) assert.equal(a.errorInformation, undefined, JSON.stringify(a));
}

before(async () => {
  api = await startAdminApi('stlreports', (deps) => [...settlementRoutes(deps), ...settlementReportRoutes(deps)]);
  for (const currency of ['USD', 'EUR']) await seedCurrency(api, currency);
  for (const name of [A, B, C]) {
    await seedParticipant(api, name, 'USD', '10000');
    await api.engine.fundsIn(name, 'USD', parseLedger('10000'), randomUUID(), 'seed');
  }
  for (const name of [A, B]) {
    await seedParticipant(api, name, 'EUR', '10000');
    await api.engine.fundsIn(name, 'EUR', parseLedger('10000'), randomUUID(), 'seed');
  }
  const e = api.engine;
  // Window 1. USD: a→b 100 and 50.25, b→c 30, c→a 10.5, a→c 7; EUR: a→b 20, b→a 5.
  await transfer(e, 1, A, B, 'USD', '100');
  await transfer(e, 1, A, B, 'USD', '50.25');
  await transfer(e, 1, B, C, 'USD', '30');
  await transfer(e, 1, C, A, 'USD', '10.5');
  await transfer(e, 1, A, C, 'USD', '7');
  await transfer(e, 1, A, B, 'EUR', '20');
  await transfer(e, 1, B, A, 'EUR', '5');
  await closeWindow(1);
  // Window 2 (USD): b→a 40, a→b 0.0001, c→b 1.5 five times.
  await transfer(e, 2, B, A, 'USD', '40');
  await transfer(e, 2, A, B, 'USD', '0.0001');
  for (let i = 0; i < 5; i++) await transfer(e, 2, C, B, 'USD', '1.5');
  await closeWindow(2);
  const created = await api.call('POST', '/v2/settlements', {
    settlementModel: 'DEFAULTDEFERREDNET',
    reason: 'reports',
    settlementWindows: [{ id: 1 }, { id: 2 }],
  });
  assert.equal(created.status, 200, created.text);
  settlementId = created.json.id;
  for (const state of ['PS_TRANSFERS_RECORDED', 'PS_TRANSFERS_RESERVED', 'PS_TRANSFERS_COMMITTED', 'SETTLED']) await step(settlementId, state);
  // Window 3 stays OPEN with one transfer: reports work on an open window too.
  await transfer(e, 3, A, C, 'USD', '2');
});

after(async () => {
  await api?.close();
});

/** [participant, currency, net, gross sent, gross received, transfers sent, transfers received] of each account figure. */
function figures(accounts: Array<Record<string, unknown>>): unknown[][] {
  return accounts.map((a) => [a.participant, a.currency, a.netAmount, a.grossSent, a.grossReceived, a.transfersSent, a.transfersReceived]);
}

test('a window report: each account net, gross and counts, the bilateral pairs and totals, exact numbers', async () => {
  const r = await get('/v2/reports/settlementWindows/1');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.settlementWindowId, 1);
  assert.equal(r.json.state, 'SETTLED');
  assert.deepEqual(figures(r.json.accounts), [
    [A, 'EUR', 15, 20, 5, 1, 1],
    [A, 'USD', 146.75, 157.25, 10.5, 3, 1],
    [B, 'EUR', -15, 5, 20, 1, 1],
    [B, 'USD', -120.25, 30, 150.25, 1, 2],
    [C, 'USD', -26.5, 10.5, 37, 1, 2],
  ]);
  assert.equal(r.json.accounts[1].accountId, accountId(A, 'USD'));
  assert.equal(r.json.accounts[1].participantId, participantId(A));
  assert.equal(r.json.accounts[1].ledgerAccountType, 'POSITION');
  assert.deepEqual(
    r.json.pairs.map((p: Record<string, unknown>) => [p.payer, p.payee, p.currency, p.amount, p.transfers]),
    [
      [A, B, 'EUR', 20, 1],
      [B, A, 'EUR', 5, 1],
      [A, B, 'USD', 150.25, 2],
      [A, C, 'USD', 7, 1],
      [B, C, 'USD', 30, 1],
      [C, A, 'USD', 10.5, 1],
    ],
  );
  assert.deepEqual(r.json.totals, [
    { currency: 'EUR', ledgerAccountType: 'POSITION', amount: 25, transfers: 2 },
    { currency: 'USD', ledgerAccountType: 'POSITION', amount: 197.75, transfers: 5 },
  ]);
  assert.deepEqual(r.json.content.map((c: Record<string, unknown>) => [c.currencyId, c.state, c.settlementId]).sort(), [
    ['EUR', 'SETTLED', settlementId],
    ['USD', 'SETTLED', settlementId],
  ]);
  // Exact text on the wire: 0.0001 stays 0.0001 (window 2), never a float's rounding.
  const two = await get('/v2/reports/settlementWindows/2');
  assert.match(two.text, /"netAmount":-39\.9999,/);
  assert.deepEqual(figures(two.json.accounts), [
    [A, 'USD', -39.9999, 0.0001, 40, 1, 1],
    [B, 'USD', 32.4999, 40, 7.5001, 1, 6],
    [C, 'USD', 7.5, 7.5, 0, 5, 0],
  ]);
  const open = await get('/v2/reports/settlementWindows/3');
  assert.equal(open.json.state, 'OPEN');
  assert.deepEqual(figures(open.json.accounts), [
    [A, 'USD', 2, 2, 0, 1, 0],
    [C, 'USD', -2, 0, 2, 0, 1],
  ]);
});

test('?participant narrows a report to its accounts and the pairs it is part of', async () => {
  const r = await get(`/v2/reports/settlementWindows/1?participant=${C}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.participant, C);
  assert.deepEqual(figures(r.json.accounts), [[C, 'USD', -26.5, 10.5, 37, 1, 2]]);
  assert.deepEqual(
    r.json.pairs.map((p: Record<string, unknown>) => [p.payer, p.payee, p.amount]),
    [
      [A, C, 7],
      [B, C, 30],
      [C, A, 10.5],
    ],
  );
  assert.deepEqual(r.json.totals, [{ currency: 'USD', ledgerAccountType: 'POSITION', amount: 47.5, transfers: 3 }]);
  const s = await get(`/v2/reports/settlements/${settlementId}?participant=${B}`);
  assert.deepEqual(
    s.json.accounts.map((a: Record<string, unknown>) => [a.participant, a.currency, a.netAmount]),
    [
      [B, 'EUR', -15],
      [B, 'USD', -87.7501],
    ],
  );
});

test('a settlement report: the settled figures, their split per window, states and settlement transfers', async () => {
  const r = await get(`/v2/reports/settlements/${settlementId}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'SETTLED');
  assert.equal(r.json.settlementModel, 'DEFAULTDEFERREDNET');
  assert.deepEqual(
    r.json.settlementWindows.map((w: Record<string, unknown>) => [w.settlementWindowId, w.state]),
    [
      [1, 'SETTLED'],
      [2, 'SETTLED'],
    ],
  );
  assert.deepEqual(figures(r.json.accounts), [
    [A, 'EUR', 15, 20, 5, 1, 1],
    [A, 'USD', 106.7501, 157.2501, 50.5, 4, 2],
    [B, 'EUR', -15, 5, 20, 1, 1],
    [B, 'USD', -87.7501, 70, 157.7501, 2, 8],
    [C, 'USD', -19, 18, 37, 6, 2],
  ]);
  for (const a of r.json.accounts) {
    assert.equal(a.state, 'SETTLED');
    assert.match(a.settlementTransferId, /^[0-9a-f-]{36}$/);
  }
  const [one, two] = r.json.windows;
  assert.equal(one.settlementWindowId, 1);
  assert.deepEqual(figures(one.accounts), figures((await get('/v2/reports/settlementWindows/1')).json.accounts));
  assert.deepEqual(figures(two.accounts), figures((await get('/v2/reports/settlementWindows/2')).json.accounts));
  assert.deepEqual(r.json.totals, [
    { currency: 'EUR', ledgerAccountType: 'POSITION', amount: 25, transfers: 2 },
    { currency: 'USD', ledgerAccountType: 'POSITION', amount: 245.2501, transfers: 12 },
  ]);
});

test('CSV: ?format=csv or Accept: text/csv, a header row, plain decimal text, a download', async () => {
  const r = await get(`/v2/reports/settlements/${settlementId}?format=csv`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers['content-type'], 'text/csv; charset=utf-8; header=present');
  assert.equal(r.headers['content-disposition'], `attachment; filename="settlement-${settlementId}-accounts.csv"`);
  const lines = r.text.split('\r\n');
  assert.equal(
    lines[0],
    'settlement_id,participant,participant_id,account_id,currency,ledger_account_type,state,net_amount,gross_sent,gross_received,transfers_sent,transfers_received,settlement_transfer_id,external_reference',
  );
  const transferId = (await get(`/v2/reports/settlements/${settlementId}`)).json.accounts[1].settlementTransferId;
  assert.equal(lines[2], `${settlementId},${A},${participantId(A)},${accountId(A, 'USD')},USD,POSITION,SETTLED,106.7501,157.2501,50.5,4,2,${transferId},`);
  assert.equal(lines.length, 7, 'a header, five accounts, and the last line end');
  assert.equal(lines[6], '');

  const byAccept = await get('/v2/reports/settlementWindows/2', { accept: 'text/csv' });
  assert.equal(byAccept.headers['content-disposition'], 'attachment; filename="settlement-window-2-accounts.csv"');
  assert.deepEqual(byAccept.text.split('\r\n'), [
    'settlement_window_id,participant,participant_id,account_id,currency,ledger_account_type,net_amount,gross_sent,gross_received,transfers_sent,transfers_received',
    `2,${A},${participantId(A)},${accountId(A, 'USD')},USD,POSITION,-39.9999,0.0001,40,1,1`,
    `2,${B},${participantId(B)},${accountId(B, 'USD')},USD,POSITION,32.4999,40,7.5001,1,6`,
    `2,${C},${participantId(C)},${accountId(C, 'USD')},USD,POSITION,7.5,7.5,0,5,0`,
    '',
  ]);
  const pairs = await get(`/v2/reports/settlementWindows/1?format=csv&view=pairs&participant=${A}`);
  assert.equal(pairs.headers['content-disposition'], `attachment; filename="settlement-window-1-pairs-${A}.csv"`);
  assert.deepEqual(pairs.text.split('\r\n').slice(0, 3), [
    'settlement_window_id,payer,payer_account_id,payee,payee_account_id,currency,ledger_account_type,amount,transfers',
    `1,${A},${accountId(A, 'EUR')},${B},${accountId(B, 'EUR')},EUR,POSITION,20,1`,
    `1,${B},${accountId(B, 'EUR')},${A},${accountId(A, 'EUR')},EUR,POSITION,5,1`,
  ]);
  const split = await get(`/v2/reports/settlements/${settlementId}?format=csv&view=windows&participant=${C}`);
  assert.deepEqual(split.text.split('\r\n'), [
    'settlement_id,settlement_window_id,participant,participant_id,account_id,currency,ledger_account_type,net_amount,gross_sent,gross_received,transfers_sent,transfers_received',
    `${settlementId},1,${C},${participantId(C)},${accountId(C, 'USD')},USD,POSITION,-26.5,10.5,37,1,2`,
    `${settlementId},2,${C},${participantId(C)},${accountId(C, 'USD')},USD,POSITION,7.5,7.5,0,5,0`,
    '',
  ]);
  const json = await get('/v2/reports/settlementWindows/2', { accept: 'text/csv, application/json' });
  assert.equal(json.json.settlementWindowId, 2, 'JSON when JSON is acceptable too');
});

test('the transfers behind the figures: pages in id order with a cursor, by participant, JSON and CSV', async () => {
  const all = [...committed.get(2)!].sort();
  const seen: string[] = [];
  let path = '/v2/reports/settlementWindows/2/transfers?limit=3';
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 5, 'the pages end');
    const r = await get(path);
    assert.equal(r.status, 200, r.text);
    seen.push(...r.json.transfers.map((t: { transferId: string }) => t.transferId));
    if (r.json.next === null) {
      assert.equal(r.headers.link, undefined);
      break;
    }
    assert.equal(r.json.next, seen[seen.length - 1]);
    assert.equal(r.headers.link, `</v2/reports/settlementWindows/2/transfers?limit=3&after=${r.json.next}>; rel="next"`);
    path = `/v2/reports/settlementWindows/2/transfers?limit=3&after=${r.json.next}`;
  }
  assert.deepEqual(seen, all);
  const mine = await get(`/v2/reports/settlementWindows/2/transfers?participant=${C}`);
  assert.equal(mine.json.transfers.length, 5);
  for (const t of mine.json.transfers) assert.deepEqual([t.payer, t.payee, t.currency, t.amount, t.settlementWindowId], [C, B, 'USD', 1.5, 2]);

  const settled = await get(`/v2/reports/settlements/${settlementId}/transfers?limit=1000`);
  assert.deepEqual(
    settled.json.transfers.map((t: { transferId: string }) => t.transferId),
    [...committed.get(1)!, ...committed.get(2)!].sort(),
  );
  assert.equal(settled.json.next, null);

  const csv = await get(`/v2/reports/settlementWindows/1/transfers?participant=${B}&format=csv&limit=2`);
  assert.equal(csv.headers['content-disposition'], 'attachment; filename="settlement-window-1-transfers.csv"');
  const lines = csv.text.split('\r\n');
  assert.equal(lines[0], 'transfer_id,settlement_window_id,payer,payee,currency,amount,completed_date');
  assert.equal(lines.length, 4);
  assert.match(lines[1]!, /^[0-9a-f-]{36},1,dfsp-[ab],dfsp-[abc],(USD|EUR),[\d.]+,\d{4}-\d\d-\d\dT[\d:.]+Z$/);
  assert.match(
    csv.headers.link as string,
    /^<\/v2\/reports\/settlementWindows\/1\/transfers\?participant=dfsp-b&format=csv&limit=2&after=[0-9a-f-]{36}>; rel="next"$/,
  );
});

test('refusals: unknown ids 3100, malformed values 3101', async () => {
  const cases: Array<[string, string, string]> = [
    ['/v2/reports/settlementWindows/99', '3100', 'Generic validation error - Window 99 does not exist'],
    ['/v2/reports/settlementWindows/99/transfers', '3100', 'Generic validation error - Window 99 does not exist'],
    ['/v2/reports/settlements/99', '3100', "Generic validation error - Settlement with ID '99' not found"],
    ['/v2/reports/settlements/99/transfers', '3100', "Generic validation error - Settlement with ID '99' not found"],
    ['/v2/reports/settlementWindows/1?participant=nobody', '3100', 'Generic validation error - participant nobody does not exist'],
    ['/v2/reports/settlementWindows/x1', '3101', 'Malformed syntax - id must be a positive integer id'],
    ['/v2/reports/settlementWindows/1?participant=a', '3101', 'Malformed syntax - participant must be a participant name'],
    ['/v2/reports/settlementWindows/1?format=xml', '3101', 'Malformed syntax - format must be json or csv'],
    ['/v2/reports/settlementWindows/1?view=windows', '3101', 'Malformed syntax - view must be one of accounts, pairs'],
    ['/v2/reports/settlementWindows/1?participnt=dfsp-a', '3101', 'Malformed syntax - unknown query parameter participnt (known: participant, format, view)'],
    ['/v2/reports/settlementWindows/1/transfers?limit=0', '3101', 'Malformed syntax - limit must be a whole number from 1 to 10000'],
    ['/v2/reports/settlementWindows/1/transfers?limit=10001', '3101', 'Malformed syntax - limit must be a whole number from 1 to 10000'],
    ['/v2/reports/settlementWindows/1/transfers?after=a%20b', '3101', 'Malformed syntax - after must be a transfer id'],
    ['/v2/reports/settlementWindows/1?participant=dfsp-a&participant=dfsp-b', '3101', 'Malformed syntax - query parameter participant given twice'],
  ];
  for (const [path, errorCode, errorDescription] of cases) {
    const r = await get(path);
    assert.equal(r.status, 400, `${path}: ${r.text}`);
    assert.deepEqual(errorOf(r), { errorCode, errorDescription }, path);
  }
});

test('an aborted settlement keeps its figures; its successor over the same window settles them', async () => {
  await closeWindow(3);
  const created = await api.call('POST', '/v2/settlements', { settlementModel: 'DEFAULTDEFERREDNET', reason: 'first try', settlementWindows: [{ id: 3 }] });
  const first = created.json.id;
  await step(first, 'PS_TRANSFERS_RECORDED');
  await step(first, 'PS_TRANSFERS_RESERVED'); // dfsp-c, the recipient, is reset here
  const aborted = await api.call('PUT', `/v2/settlements/${first}`, { state: 'ABORTED', reason: 'bank holiday' });
  assert.equal(aborted.status, 200, aborted.text);
  const second = (await api.call('POST', '/v2/settlements', { settlementModel: 'DEFAULTDEFERREDNET', reason: 'again', settlementWindows: [{ id: 3 }] })).json
    .id;
  for (const state of ['PS_TRANSFERS_RECORDED', 'PS_TRANSFERS_RESERVED', 'PS_TRANSFERS_COMMITTED', 'SETTLED']) await step(second, state);
  const old = await get(`/v2/reports/settlements/${first}`);
  assert.equal(old.json.state, 'ABORTED');
  assert.deepEqual(
    old.json.accounts.map((a: Record<string, unknown>) => [a.participant, a.netAmount, a.state]),
    [
      [A, 2, 'ABORTED'],
      [C, -2, 'ABORTED'],
    ],
  );
  assert.deepEqual(figures(old.json.windows[0].accounts), figures((await get(`/v2/reports/settlements/${second}`)).json.accounts));
  const window = await get('/v2/reports/settlementWindows/3');
  assert.deepEqual(
    window.json.content.map((c: Record<string, unknown>) => [c.currencyId, c.state, c.settlementId]),
    [['USD', 'SETTLED', second]],
  );
});

test('reconciliation: positions, journal, window flows and settlement figures agree', async () => {
  const r = await get('/v2/reconciliation');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ok, true, JSON.stringify(r.json.discrepancies, null, 2));
  assert.deepEqual(r.json.discrepancies, []);
  const checked = Object.fromEntries(
    r.json.checks.map((c: { name: string; checked: number; discrepancies: number }) => [c.name, [c.checked, c.discrepancies]]),
  );
  // 3 windows carry 6 + 3 + 1 account pairs; 5 + 2 + 2 settled accounts in 3 settlements (2 + 1 + 1 currencies), the
  // settlement transfers of all of them due (SETTLED) or reversed (ABORTED).
  assert.deepEqual(checked['window-flows'], [10, 0]);
  assert.deepEqual(checked['settlement-accounts'], [9, 0]);
  assert.deepEqual(checked['settlement-nets'], [4, 0]);
  assert.deepEqual(checked['settlement-transfers'], [9, 0]);
  assert.deepEqual(checked['journal-currencies'], [2, 0]);
  assert.equal(checked['account-balances'][1], 0);
  const csv = await get('/v2/reconciliation?format=csv');
  assert.equal(csv.text.split('\r\n').length, 2, 'the header alone');
  const cli = await mizaniReconcile('--json');
  assert.equal(cli.code, 0, cli.stdout + cli.stderr);
  assert.deepEqual(JSON.parse(cli.stdout).checks, r.json.checks);
});

/** `mizani reconcile` on the test database, as an operator runs it. */
function mizaniReconcile(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = fileURLToPath(new URL('../../switch/cli.js', import.meta.url));
  const env = { ...process.env, MIZANI_DATABASE_URL: api.database.url };
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, 'reconcile', ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr });
    });
  });
}

async function discrepancies(): Promise<Array<Record<string, unknown>>> {
  const r = await get('/v2/reconciliation');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ok, r.json.discrepancies.length === 0);
  return r.json.discrepancies.map(({ detail: _detail, ...d }: Record<string, unknown>) => d);
}

test('reconciliation names exactly what a corrupted figure disagrees with', async () => {
  const db = api.db;
  const aUsd = accountId(A, 'USD');
  const [bUsd, cUsd] = [accountId(B, 'USD'), accountId(C, 'USD')];

  // A cached balance that is not the sum of its journal entries.
  // (a's USD position: 0 after the settlements reset it.)
  await db.query('UPDATE account SET value = value + 1.5 WHERE id = $1', [aUsd]);
  assert.deepEqual(await discrepancies(), [
    {
      check: 'account-balances',
      kind: 'ACCOUNT_BALANCE',
      accountId: aUsd,
      participant: A,
      currency: 'USD',
      ledgerAccountType: 'POSITION',
      expected: '0',
      actual: '1.5',
    },
  ]);
  const cli = await mizaniReconcile();
  assert.equal(cli.code, 1, cli.stdout + cli.stderr);
  assert.match(cli.stdout, /^account-balances +\d+ checked  1 discrepancies$/m);
  assert.match(cli.stdout, /^window-flows +10 checked  ok$/m);
  assert.ok(
    cli.stdout.includes(`ACCOUNT_BALANCE: account ${aUsd} (${A} USD POSITION) holds 1.5; its journal entries sum to 0 (expected 0, actual 1.5)\n`),
    cli.stdout,
  );
  assert.match(cli.stdout, /reconciliation: 1 discrepancies\n$/);
  await db.query('UPDATE account SET value = value - 1.5 WHERE id = $1', [aUsd]);

  // A window flow one ten-thousandth off: the window and the settlement over it both say so.
  await db.query('UPDATE window_flow SET amount = amount + 0.0001 WHERE window_id = 1 AND payer_account_id = $1 AND payee_account_id = $2', [aUsd, bUsd]);
  const where = { settlementId, currency: 'USD', ledgerAccountType: 'POSITION' };
  assert.deepEqual(await discrepancies(), [
    {
      check: 'window-flows',
      kind: 'WINDOW_FLOW_AMOUNT',
      windowId: 1,
      payerAccountId: aUsd,
      payer: A,
      payeeAccountId: bUsd,
      payee: B,
      currency: 'USD',
      expected: '150.25',
      actual: '150.2501',
    },
    { check: 'settlement-accounts', kind: 'SETTLEMENT_NET', ...where, accountId: aUsd, participant: A, expected: '106.7502', actual: '106.7501' },
    { check: 'settlement-accounts', kind: 'SETTLEMENT_GROSS_SENT', ...where, accountId: aUsd, participant: A, expected: '157.2502', actual: '157.2501' },
    { check: 'settlement-accounts', kind: 'SETTLEMENT_NET', ...where, accountId: bUsd, participant: B, expected: '-87.7502', actual: '-87.7501' },
    { check: 'settlement-accounts', kind: 'SETTLEMENT_GROSS_RECEIVED', ...where, accountId: bUsd, participant: B, expected: '157.7502', actual: '157.7501' },
  ]);
  await db.query('UPDATE window_flow SET amount = amount - 0.0001 WHERE window_id = 1 AND payer_account_id = $1 AND payee_account_id = $2', [aUsd, bUsd]);

  // A settled net changed after the fact: it no longer matches the flows, the nets, nor the settlement transfer.
  const stlAccount = 'settlement_id = $1 AND account_id = $2';
  const transferId = (await db.query<{ transfer_id: string }>(`SELECT transfer_id FROM settlement_account WHERE ${stlAccount}`, [settlementId, cUsd])).rows[0]!
    .transfer_id;
  await db.query(`UPDATE settlement_account SET net_amount = -18 WHERE ${stlAccount}`, [settlementId, cUsd]);
  const c = { ...where, accountId: cUsd, participant: C };
  assert.deepEqual(await discrepancies(), [
    { check: 'settlement-accounts', kind: 'SETTLEMENT_NET', ...c, expected: '-19', actual: '-18' },
    { check: 'settlement-nets', kind: 'SETTLEMENT_NETS_NOT_ZERO', settlementId, currency: 'USD', expected: '0', actual: '1' },
    { check: 'settlement-transfers', kind: 'SETTLEMENT_TRANSFER', ...c, transferId, expected: '18', actual: '19' },
    { check: 'settlement-transfers', kind: 'SETTLEMENT_JOURNAL', ...c, transferId, expected: '18', actual: '19' },
  ]);
  await db.query(`UPDATE settlement_account SET net_amount = -19 WHERE ${stlAccount}`, [settlementId, cUsd]);

  // A committed transfer whose window was forgotten: the flow counts one more than the window holds.
  const lost = committed.get(2)![0]!;
  await db.query('UPDATE transfer SET window_id = NULL WHERE id = $1', [lost]);
  const found = await discrepancies();
  assert.deepEqual(
    found.map((d) => [d.kind, d.windowId, d.expected, d.actual]),
    [
      ['WINDOW_FLOW_AMOUNT', 2, '0', '40'],
      ['WINDOW_FLOW_TRANSFERS', 2, '0', '1'],
    ],
  );
  await db.query('UPDATE transfer SET window_id = 2 WHERE id = $1', [lost]);
  assert.deepEqual(await discrepancies(), []);
});
