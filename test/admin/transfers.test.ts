/**
 * The portal's read routes through the real HTTP edge of a hub process on a fresh PostgreSQL database: the demo's
 * scheme (two FSPIOP wallets, two ISO 20022 XML banks, conformance simulators) pays across every dialect pair and one
 * payment is rejected by its payee; then GET /transfers searches them (filters, cursor, errors), GET /transfers/{id}
 * shows the record, its journal and its messages rendered in each dialect it crossed, and GET /stats/series counts
 * them with their latency and the refusals.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { SuiteContext } from '../../conformance/lib/context.js';
import { payAcrossDialects, provisionDemo, type DemoPayment, type DemoScheme } from '../../conformance/lib/demo-flows.js';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

let database: TestDatabase;
let hub: HubProcess;
let ctx: SuiteContext;
let scheme: DemoScheme;
let payments: DemoPayment[];
let rejectedId: string;
let startedAt: string;

interface Message {
  dialect: string;
  direction: string;
  name: string;
  contentType: string;
  body: string | null;
  note?: string;
}

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${hub.adminUrl}${path}`);
  return { status: res.status, body: await res.json() };
}

async function expect3101(path: string, mention: string): Promise<void> {
  const r = await get(path);
  assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.errorInformation?.errorCode, '3101', `${path}: ${JSON.stringify(r.body)}`);
  assert.match(r.body.errorInformation.errorDescription, new RegExp(mention), path);
}

const idOf = (pair: string) => payments.find((p) => p.pair.startsWith(pair))!.transferId;
const ids = (body: any) => (body.transfers as Array<{ transferId: string }>).map((t) => t.transferId);

before(async () => {
  database = await createTestDatabase('mizani_admin_transfers');
  hub = await startHubProcess({ MIZANI_DATABASE_URL: database.url });
  ctx = new SuiteContext({ hubUrl: hub.fspiopUrl, adminUrl: hub.adminUrl, currency: 'USD' });
  startedAt = new Date().toISOString();
  scheme = await provisionDemo(ctx);
  payments = await payAcrossDialects(ctx, scheme);
  const t = ctx.newTransfer({ payer: scheme.walletB, payee: scheme.walletA, amount: '3', idKind: 'ulid' });
  scheme.walletA.setBehaviour(t.transferId, { kind: 'reject', errorCode: '5104', errorDescription: 'Account blocked' });
  assert.equal((await ctx.sendPrepare(t)).status, 202);
  await ctx.waitTransferCallback(scheme.walletB, t.transferId, { type: 'error', label: 'the rejection' });
  rejectedId = t.transferId;
  // One request the FSPIOP API refuses (no FSPIOP-Source): a refusal in the series.
  const refused = await fetch(`${hub.fspiopUrl}/transfers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.ok(refused.status >= 400);
});

after(async () => {
  await ctx?.close();
  await hub?.stop();
  await database?.drop();
});

test('GET /transfers: newest first, with the filters by kind, party, state and time', async () => {
  const all = await get('/transfers?kind=TRANSFER');
  assert.equal(all.status, 200);
  assert.deepEqual(ids(all.body), [rejectedId, ...payments.map((p) => p.transferId).reverse()]);
  assert.equal(all.body.next, undefined, 'one page holds them');
  const first = all.body.transfers.find((t: any) => t.transferId === idOf('wallet → bank'));
  assert.deepEqual(
    { ...first, createdAt: undefined, completedAt: undefined },
    {
      transferId: idOf('wallet → bank'),
      kind: 'TRANSFER',
      payer: 'walleta',
      payee: 'banka',
      amount: '25.5',
      currency: 'USD',
      state: 'COMMITTED',
      internalState: 'COMMITTED',
      createdAt: undefined,
      completedAt: undefined,
    },
  );
  assert.ok(Date.parse(first.completedAt) >= Date.parse(first.createdAt));
  // walleta paid walletb and banka; it was the payee of the rejected one.
  assert.deepEqual(ids((await get('/transfers?kind=TRANSFER&party=walleta')).body), [rejectedId, idOf('wallet → bank'), idOf('wallet → wallet')]);
  assert.deepEqual(
    ids((await get('/transfers?party=bankb')).body).filter((id) => payments.some((p) => p.transferId === id)),
    [idOf('bank → bank')],
  );
  assert.deepEqual(ids((await get('/transfers?state=ABORTED')).body), [rejectedId]);
  assert.equal((await get('/transfers?state=ABORTED')).body.transfers[0].internalState, 'ABORTED_ERROR', 'a payee error');
  assert.deepEqual(ids((await get(`/transfers?id=${idOf('bank → wallet')}`)).body), [idOf('bank → wallet')]);
  assert.deepEqual(ids((await get(`/transfers?to=${startedAt}`)).body), [], 'nothing before the payments');
  const later = new Date(Date.now() + 60_000).toISOString();
  assert.equal(ids((await get(`/transfers?kind=TRANSFER&from=${startedAt}&to=${later}`)).body).length, 5);
  // Funds in of the four participants are transfers too (kind FUNDS_IN).
  assert.ok(ids((await get('/transfers?kind=FUNDS_IN')).body).length >= 4);
});

test('GET /transfers: a cursor pages through every transfer once, newest first', async () => {
  const whole = ids((await get('/transfers?limit=200')).body);
  const paged: string[] = [];
  let next: string | undefined;
  let pages = 0;
  do {
    const r = await get(`/transfers?limit=2${next ? `&before=${next}` : ''}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.transfers.length <= 2);
    paged.push(...ids(r.body));
    next = r.body.next;
    pages += 1;
  } while (next !== undefined && pages < 50);
  assert.deepEqual(paged, whole);
  assert.equal(pages, Math.ceil(whole.length / 2));
});

test('GET /transfers: bad parameters are 400/3101 naming them', async () => {
  await expect3101('/transfers?limit=0', 'limit');
  await expect3101('/transfers?limit=201', 'limit');
  await expect3101('/transfers?limit=ten', 'limit');
  await expect3101('/transfers?state=DONE', 'state must be one of RECEIVED, RESERVED, COMMITTED, ABORTED');
  await expect3101('/transfers?kind=GIFT', 'kind');
  await expect3101('/transfers?from=yesterday', 'from must be an ISO 8601');
  await expect3101(`/transfers?from=${new Date().toISOString()}&to=${startedAt}`, 'from must be before');
  await expect3101('/transfers?before=not-a-cursor', 'before');
  await expect3101('/transfers?party=x', 'party');
  await expect3101('/transfers?payer=walleta', 'payer is not a search parameter');
});

async function detail(id: string): Promise<{ transfer: any; journal: any[]; messages: Message[]; messagesRenderedFrom: string }> {
  const r = await get(`/transfers/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

const fulfilmentMatches = (fulfilment: string, condition: string) =>
  createHash('sha256').update(Buffer.from(fulfilment, 'base64url')).digest('base64url') === condition;

test('GET /transfers/{id}: wallet → wallet, the FSPIOP prepare and fulfil, the journal balanced', async () => {
  const d = await detail(idOf('wallet → wallet'));
  assert.equal(d.transfer.state, 'COMMITTED');
  assert.equal(d.messagesRenderedFrom, 'record');
  assert.deepEqual(
    d.messages.map((m) => [m.direction, m.dialect, m.name]),
    [
      ['payer → hub', 'fspiop/1.1', 'POST /transfers'],
      ['hub → payee', 'fspiop/1.1', 'POST /transfers'],
      ['payee → hub', 'fspiop/1.1', 'PUT /transfers/{ID}'],
      ['hub → payer', 'fspiop/1.1', 'PUT /transfers/{ID}'],
    ],
  );
  const prepare = JSON.parse(d.messages[0]!.body!);
  assert.deepEqual(prepare, {
    transferId: d.transfer.transferId,
    payeeFsp: 'walletb',
    payerFsp: 'walleta',
    amount: { currency: 'USD', amount: '100' },
    condition: d.transfer.condition,
    expiration: d.transfer.expiration,
  });
  assert.equal(d.messages[0]!.note, 'ilpPacket is not stored');
  const fulfil = JSON.parse(d.messages[3]!.body!);
  assert.equal(fulfil.transferState, 'COMMITTED');
  assert.ok(fulfilmentMatches(fulfil.fulfilment, d.transfer.condition), 'the fulfilment is the condition preimage');
  assert.equal(fulfil.completedTimestamp, d.transfer.completedAt);
  assert.ok(d.journal.length >= 2);
  const sum = d.journal.reduce((s, j) => s + Math.round(Number(j.amount) * 10_000), 0);
  assert.equal(sum, 0, `journal balances: ${JSON.stringify(d.journal)}`);
  assert.ok(d.journal.some((j) => j.participant === 'walleta' && j.ledgerAccountType === 'POSITION'));
});

test('GET /transfers/{id}: wallet → bank, the FSPIOP side and the pacs.008 / pacs.002 the bank side', async () => {
  const d = await detail(idOf('wallet → bank'));
  assert.deepEqual(
    d.messages.map((m) => [m.direction, m.dialect, m.name, m.contentType]),
    [
      ['payer → hub', 'fspiop/1.1', 'POST /transfers', 'application/vnd.interoperability.transfers+json;version=1.1'],
      ['hub → payee', 'iso20022-xml', 'pacs.008', 'application/xml'],
      ['payee → hub', 'iso20022-xml', 'pacs.002', 'application/xml'],
      ['hub → payer', 'fspiop/1.1', 'PUT /transfers/{ID}', 'application/vnd.interoperability.transfers+json;version=1.1'],
    ],
  );
  const [, p008, p002, put] = d.messages as [Message, Message, Message, Message];
  assert.match(p008.body!, /<MsgDefIdr>pacs\.008\.001\.08<\/MsgDefIdr>/);
  assert.match(p008.body!, new RegExp(`<TxId>${d.transfer.transferId}</TxId>`));
  assert.match(p008.body!, /<IntrBkSttlmAmt Ccy="USD">25.5<\/IntrBkSttlmAmt>/);
  assert.match(p008.body!, /<Fr><FIId><FinInstnId><Othr><Id>Hub<\/Id>/);
  assert.match(p002.body!, /<Fr><FIId><FinInstnId><Othr><Id>banka<\/Id>/);
  assert.match(p002.body!, /<TxSts>ACSC<\/TxSts>/);
  assert.doesNotMatch(p002.body!, /ExctnConf|fulfilment/i, 'the bank confirms without a fulfilment: the hub holds it');
  const fulfil = JSON.parse(put.body!);
  assert.ok(fulfilmentMatches(fulfil.fulfilment, d.transfer.condition), 'the hub gives the wallet the fulfilment it held');
});

test("GET /transfers/{id}: bank → wallet, the bank's pacs.008 from its kept instruction (its parties)", async () => {
  const d = await detail(idOf('bank → wallet'));
  assert.equal(d.transfer.bankPaymentId, idOf('bank → wallet'));
  assert.deepEqual(
    d.messages.map((m) => [m.direction, m.dialect, m.name]),
    [
      ['payer → hub', 'iso20022-xml', 'pacs.008'],
      ['hub → payee', 'fspiop/1.1', 'POST /transfers'],
      ['payee → hub', 'fspiop/1.1', 'PUT /transfers/{ID}'],
      ['hub → payer', 'iso20022-xml', 'pacs.002'],
    ],
  );
  assert.match(d.messages[0]!.body!, /Grace Hopper/);
  assert.match(d.messages[3]!.body!, /<TxSts>ACSC<\/TxSts>/);
});

test('GET /transfers/{id}: a rejected payment shows the payee error in each dialect', async () => {
  const d = await detail(rejectedId);
  assert.equal(d.transfer.state, 'ABORTED');
  assert.match(d.transfer.cause, /^5104/);
  const error = d.messages.find((m) => m.direction === 'hub → payer')!;
  assert.equal(error.name, 'PUT /transfers/{ID}/error');
  assert.equal(JSON.parse(error.body!).errorInformation.errorCode, '5104');
});

test('GET /transfers/{id}: unknown id 404/3208, malformed id 400/3101; funds in have no messages', async () => {
  const unknown = await get('/transfers/01ARZ3NDEKTSV4RRFFQ69G5FAV');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errorInformation.errorCode, '3208');
  const bad = await get(`/transfers/${encodeURIComponent('a b')}`);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errorInformation.errorCode, '3101');
  const fundsIn = (await get('/transfers?kind=FUNDS_IN&limit=1')).body.transfers[0];
  const d = await detail(fundsIn.transferId);
  assert.deepEqual(d.messages, []);
});

test('GET /stats/series: committed, aborted and latency from the database, refusals from this node', async () => {
  const r = await get('/stats/series?minutes=10&bucket=60');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.buckets.length, 10);
  assert.equal(r.body.bucketSeconds, 60);
  const total = (key: string) => r.body.buckets.reduce((s: number, b: any) => s + (b[key] ?? 0), 0);
  assert.equal(total('committed'), 4, JSON.stringify(r.body.buckets));
  assert.equal(total('aborted'), 1);
  assert.ok(total('refused') >= 1, 'the refused request is counted');
  const busy = r.body.buckets.filter((b: any) => b.committed > 0);
  for (const b of busy) assert.ok(b.p50Ms !== null && b.p95Ms !== null && b.p50Ms >= 0 && b.p95Ms >= b.p50Ms, JSON.stringify(b));
  const last = r.body.buckets[9];
  assert.ok(Date.parse(last.at) <= Date.now() && Date.now() < Date.parse(last.at) + 60_000, 'the last bucket is the current one');
  assert.ok(
    r.body.buckets.slice(0, 5).every((b: any) => b.refused === null),
    'before the hub started counting: null, not 0',
  );
  assert.ok(typeof r.body.sources.refused === 'string');
});

test('GET /stats/series: bad parameters are 400/3101', async () => {
  await expect3101('/stats/series?bucket=15', 'multiple of 10');
  await expect3101('/stats/series?minutes=0', 'minutes');
  await expect3101('/stats/series?minutes=1440&bucket=10', 'at most 1440');
  await expect3101('/stats/series?window=1', 'window is not a parameter');
});
