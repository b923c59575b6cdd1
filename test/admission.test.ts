/**
 * Admission control through the real HTTP edge (switch/edge/admission.ts): past capacity the hub refuses new
 * work at once with 2005 Server busy, still takes what finishes accepted work, and takes new work again once the
 * pressure is gone. Capacity is made small and deterministic: MIZANI_BUSY_OPEN_REQUESTS=1 and two requests whose
 * bodies never finish keep the hub "at capacity" (the other two signals are switched off).
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { SuiteContext } from '../conformance/lib/context.js';
import type { DfspSimulator } from '../conformance/lib/dfsp.js';
import { ulid } from 'ulidx';
import { startHubProcess, type HubProcess } from './support/hub-process.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

let database: TestDatabase;
let hub: HubProcess;
let ctx: SuiteContext;
let db: pg.Client;
let payer: DfspSimulator;
let payee: DfspSimulator;

before(async () => {
  database = await createTestDatabase('mizani_admission');
  hub = await startHubProcess({
    MIZANI_DATABASE_URL: database.url,
    MIZANI_BUSY_OPEN_REQUESTS: '1',
    MIZANI_BUSY_LOOP_UTILISATION: '0',
    MIZANI_BUSY_LOOP_LAG_MS: '0',
    MIZANI_BUSY_LEDGER_WAIT_MS: '0',
  });
  ctx = new SuiteContext({ hubUrl: hub.fspiopUrl, adminUrl: hub.adminUrl, sign: false, timeoutMs: 10_000 });
  ({ payer, payee } = await ctx.newPair());
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
});

after(async () => {
  await db?.end().catch(() => undefined);
  await ctx?.close();
  await hub?.stop();
  await database?.drop();
});

/** Requests whose headers arrived and whose bodies never finish: each is open at the hub until its socket closes. */
async function stalledRequests(n: number): Promise<Socket[]> {
  const url = new URL(hub.fspiopUrl);
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.on('error', () => undefined);
    socket.write(
      `POST /transfers HTTP/1.1\r\nhost: x\r\ncontent-type: application/vnd.interoperability.transfers+json;version=1.1\r\ncontent-length: 1000\r\n\r\n{"transferId":`,
    );
    sockets.push(socket);
  }
  await new Promise((r) => setTimeout(r, 200)); // the hub has read their headers
  return sockets;
}

/** The fulfil the hub passes on to the payer (PUT /transfers/{ID}). */
function committedAt(sim: DfspSimulator, transferId: string, since: number) {
  return sim.waitFor((r) => r.method === 'PUT' && r.path === `/transfers/${transferId}`, 10_000, { since, label: `PUT /transfers/${transferId}` });
}

async function rows(table: 'transfer' | 'quote', id: string): Promise<number> {
  return (await db.query(`SELECT 1 FROM ${table} WHERE id = $1`, [id])).rowCount ?? 0;
}

function assertBusy(res: { status: number; body: any; rawBody: string }, what: string, elapsedMs: number): void {
  assert.equal(res.status, 500, `${what}: ${res.status} ${res.rawBody}`);
  assert.equal(res.body?.errorInformation?.errorCode, '2005', `${what}: ${res.rawBody}`);
  assert.ok(elapsedMs < 1000, `${what}: refused in ${elapsedMs} ms (must be quick)`);
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const value = await f();
  return [value, Date.now() - started];
}

test('at capacity: new discovery, quote and transfer are refused with 2005 at once; the fulfil of a transfer in flight is taken and it commits', async () => {
  const inFlight = ctx.newTransfer({ payer, payee, amount: '5' });
  payee.setBehaviour(inFlight.transferId, { kind: 'silent' });
  const prepared = await ctx.sendPrepare(inFlight);
  assert.equal(prepared.status, 202, prepared.rawBody);
  await payee.waitFor((r) => r.method === 'POST' && r.bodyText.includes(inFlight.transferId), 10_000);

  const stalled = await stalledRequests(2);
  try {
    const [lookup, lookupMs] = await timed(() => ctx.send({ method: 'GET', path: `/parties/MSISDN/${ctx.newPartyId()}`, source: payer.name }));
    assertBusy(lookup, 'GET /parties', lookupMs);
    const quoteId = crypto.randomUUID();
    const [quote, quoteMs] = await timed(() => ctx.send({ method: 'POST', path: '/quotes', source: payer.name, destination: payee.name, body: { quoteId } }));
    assertBusy(quote, 'POST /quotes', quoteMs);
    const refused = ctx.newTransfer({ payer, payee, amount: '7' });
    const payeeSince = payee.mark();
    const [prepare, prepareMs] = await timed(() => ctx.sendPrepare(refused));
    assertBusy(prepare, 'POST /transfers', prepareMs);

    // Work already accepted is finished: the payee's fulfil is taken and the payer hears COMMITTED.
    const payerSince = payer.mark();
    const fulfil = await ctx.sendTransferPut(inFlight, {
      from: payee.name,
      to: payer.name,
      body: { fulfilment: inFlight.fulfilment, completedTimestamp: new Date().toISOString(), transferState: 'COMMITTED' },
    });
    assert.equal(fulfil.status, 200, `the fulfil of a transfer in flight is not refused: ${fulfil.rawBody}`);
    const committed = await committedAt(payer, inFlight.transferId, payerSince);
    assert.equal(committed.body?.transferState, 'COMMITTED');

    // Nothing of the refused work was kept or passed on.
    assert.equal(await rows('transfer', refused.transferId), 0, 'the refused prepare was not persisted');
    assert.equal(await rows('quote', quoteId), 0, 'the refused quote was not persisted');
    ctx.assertNone(payee, (r) => r.bodyText.includes(refused.transferId), 'the refused prepare reached the payee', payeeSince);
  } finally {
    for (const s of stalled) s.destroy();
  }

  // The pressure is gone: new work is taken again and clears.
  await new Promise((r) => setTimeout(r, 200));
  const after = ctx.newTransfer({ payer, payee, amount: '3' });
  const since = payer.mark();
  const res = await ctx.sendPrepare(after);
  assert.equal(res.status, 202, res.rawBody);
  const done = await committedAt(payer, after.transferId, since);
  assert.equal(done.body?.transferState, 'COMMITTED');

  const metrics = await (await fetch(`${hub.adminUrl}/metrics`)).text();
  for (const stage of ['discovery', 'agreement', 'transfer']) {
    assert.match(metrics, new RegExp(`mizani_refused_busy_total\\{stage="${stage}"\\} 1\\b`), `refusals of ${stage} counted in /metrics`);
  }
  assert.ok(
    hub.logs.some((l) => l.includes('at capacity: new work refused with 2005')),
    'the refusal is logged (warn, at most once a second)',
  );
});

test('one request open besides the asker: pressure 1 refuses new discoveries but still takes new quotes and prepares', async () => {
  const stalled = await stalledRequests(1);
  try {
    const lookup = await ctx.send({ method: 'GET', path: `/parties/MSISDN/${ctx.newPartyId()}`, source: payer.name });
    assert.equal(lookup.body?.errorInformation?.errorCode, '2005', lookup.rawBody);
    const quote = await ctx.send({ method: 'POST', path: '/quotes', source: payer.name, destination: payee.name, body: { quoteId: crypto.randomUUID() } });
    assert.notEqual(quote.body?.errorInformation?.errorCode, '2005', `a quote goes on at pressure 1 (here refused by the schema): ${quote.rawBody}`);
    const t = ctx.newTransfer({ payer, payee, amount: '2' });
    const since = payer.mark();
    const res = await ctx.sendPrepare(t);
    assert.equal(res.status, 202, `a prepare goes on at pressure 1: ${res.rawBody}`);
    const done = await committedAt(payer, t.transferId, since);
    assert.equal(done.body?.transferState, 'COMMITTED');
  } finally {
    for (const s of stalled) s.destroy();
  }
});

test("at capacity a bank's pacs.008 gets an admi.002 with HTTP 503; the same message is taken once capacity returns", async () => {
  const bank = await ctx.newBank();
  const txId = ulid();
  const stalled = await stalledRequests(2);
  let refused;
  try {
    refused = await bank.pay({
      txId,
      amount: '4',
      debtor: { type: 'MSISDN', id: ctx.newPartyId(), name: 'Alan Turing' },
      creditorAgent: null,
      creditor: { type: 'MSISDN', id: ctx.newPartyId() },
    });
  } finally {
    for (const s of stalled) s.destroy();
  }
  assert.equal(refused.status, 503, refused.body);
  assert.ok(refused.reject, `an admi.002: ${refused.body}`);
  assert.match(refused.reject.description ?? '', /2005/, refused.body);
  assert.equal(await rows('transfer', txId), 0, 'nothing recorded for the refused payment');

  await new Promise((r) => setTimeout(r, 200));
  const since = bank.mark();
  const again = await bank.send('', { raw: refused.sent });
  assert.equal(again.status, 202, `the same message (same BizMsgIdr) is not a duplicate: ${again.body}`);
  const status = await bank.waitFor((m) => m.kind === 'pacs.002', 10_000, { since, label: `pacs.002 for ${txId}` });
  assert.equal(status.message?.text('TxInfAndSts/OrgnlTxId'), txId);
});
