/**
 * Several hub nodes on one Kafka bus and one PostgreSQL database (issue 13): any node serves any request, one node
 * holds the ledger (switch/core/workers/ownership.ts), and `kill -9` of that node under load hands the ledger to a
 * standby with no manual step and nothing accepted lost or applied twice.
 *
 * 1. Node A starts and takes the ledger; node B starts as a standby (its health says so) and the scheme is set up
 *    through B's Admin API (participants, accounts, limits, funds in: A's workers learn them by notice). Payments flow through both,
 *    spread round-robin as a load balancer would, DFSPs fulfilling every prepare at once (their fulfils go through
 *    the balancer too).
 * 2. Node A is killed (SIGKILL) under load. Node B takes the ledger over; the time without a 202 is reported. Node A
 *    is started again (a standby now), and the load goes on through both.
 * 3. Then node B, the owner now, is killed: A takes the ledger back.
 * 4. The Kafka broker is killed and, 3 s later, started again on its data: payments pause and resume.
 * 5. The PostgreSQL primary (test/support/pg-pair.ts: a synchronous standby beside it) is stopped and the standby
 *    promoted: both nodes follow it by themselves (the host list in MIZANI_DATABASE_URL) and one takes the ledger.
 * 6. Load stopped, every transfer ends (commit or expiry). Every prepare that was answered 202 is in the database and
 *    final; no transfer is RESERVED; no transfer has more journal entries than its state implies; the books reconcile
 *    (test/support/settlement-reconcile.ts): positions equal the journal and the window flows.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { randomName } from '../conformance/lib/util.js';
import { newQuoteRequest } from '../conformance/lib/flows.js';
import { buildIlpPacket, generateFulfilment, transactionObject } from '../conformance/lib/ilp.js';
import { randomUUID } from 'node:crypto';
import { HubNode, provisionScheme, until } from './support/cluster.js';
import { startKafka, type KafkaBroker } from './support/kafka.js';
import { Dfsp, Load, prepares } from './support/payment-load.js';
import { startPgPair, type PgPair } from './support/pg-pair.js';
import { reconcileSettlement } from './support/settlement-reconcile.js';

const CURRENCY = 'USD';
const HUB_NAME = 'Hub';
const EXPIRES_IN_MS = 30_000;
const SESSION_TIMEOUT_MS = 6000;

let broker: KafkaBroker;
let pair: PgPair;
const DATABASE = 'mizani_cluster';
let db: pg.Client;
const nodes: HubNode[] = [];
const dfsps: Dfsp[] = [];

async function scalar(sql: string, params: unknown[] = []): Promise<number> {
  const r = await db.query<{ v: string }>(sql, params);
  return Number(r.rows[0]?.v ?? 0);
}

before(async () => {
  [broker, pair] = await Promise.all([startKafka(), startPgPair()]);
  await pair.createDatabase(DATABASE);
  db = new pg.Client({ connectionString: pair.nodeUrl(pair.primary, DATABASE) });
  await db.connect();
});

after(async () => {
  for (const node of nodes) await node.process?.stop('SIGKILL').catch(() => undefined);
  await Promise.allSettled(dfsps.map((d) => d.stop()));
  await db?.end().catch(() => undefined);
  await pair?.stop();
  await broker?.stop();
});

/** The largest gap between two consecutive 202s from `from` on: the time the cluster accepted nothing. */
function longestGap(load: Load, from: number): number {
  const times = [...load.answers.values()]
    .filter((a) => a.answer === 'accepted' && a.at >= from)
    .map((a) => a.at)
    .sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return times.length > 0 ? Math.max(gap, times[0]! - from) : Number.POSITIVE_INFINITY;
}

test(
  'kill -9 the node holding the ledger (twice), restart the Kafka broker, fail PostgreSQL over, under load: nothing accepted is lost or applied twice',
  { timeout: 600_000 },
  async (t) => {
    const env = {
      MIZANI_DATABASE_URL: pair.url(DATABASE),
      MIZANI_BUS: 'kafka',
      MIZANI_KAFKA_BROKERS: broker.bootstrap,
      MIZANI_KAFKA_TOPIC_PREFIX: 'cluster',
      MIZANI_KAFKA_PARTITIONS: '4',
      MIZANI_KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      MIZANI_KAFKA_REQUEST_TIMEOUT_MS: '30000',
      MIZANI_EXPIRY_SWEEP_MS: '200',
    };
    const a = await new HubNode('a').start(env);
    nodes.push(a);
    await until(() => a.owns(), 'node a takes the ledger');

    const names = Array.from({ length: 3 }, () => randomName('cluster'));
    let turn = 0;
    const pick = () => {
      const up = nodes.filter((n) => n.up);
      return up.length === 0 ? undefined : up[turn++ % up.length]!.fspiop;
    };
    const load = new Load(names, { workers: 6, expiresInMs: EXPIRES_IN_MS, currency: CURRENCY, pick });
    for (const name of names)
      dfsps.push(
        await new Dfsp(
          name,
          prepares((body) => load.fulfil(body)),
        ).start(),
      );
    // The scheme is set up through the standby's Admin API: what it creates reaches the owner's memory by notice, and
    // the funds in that follow at once go through the owner's workers.
    const b = await new HubNode('b').start(env);
    nodes.push(b);
    await provisionScheme(b.admin!, dfsps, { hubName: HUB_NAME, currency: CURRENCY, ndc: '1000000', fundsIn: '10000000' });
    assert.equal((await b.health()).ledger, 'STANDBY', 'the second node is a standby');
    assert.equal((await a.health()).ledger, 'OK', 'the first node holds the ledger');
    assert.deepEqual(
      [await a.metric('mizani_ledger_owner'), await b.metric('mizani_ledger_owner'), await b.metric('mizani_bus_partitions_served')],
      [1, 0, 0],
      'the metrics say which node holds the ledger',
    );
    assert.ok((await a.metric('mizani_bus_partitions_served')) >= 4, 'the owner serves the partitions');

    // A quote through the standby is recorded there (a node without the ledger records quotes with its own group commit)
    // and its answer through the owner finds it.
    const quoteId = randomUUID();
    const quote = newQuoteRequest({ quoteId, payer: names[0]!, payee: names[1]!, payeeParty: { type: 'MSISDN', id: '27710000001' } });
    const asked = await b.fspiop!.send({
      method: 'POST',
      path: '/quotes',
      version: '1.1',
      source: names[0],
      destination: names[1],
      body: JSON.stringify(quote),
    });
    assert.equal(asked.status, 202, `POST /quotes through the standby: ${asked.status}`);
    const quoteExpiration = new Date(Date.now() + 60_000).toISOString();
    const { condition } = generateFulfilment();
    const transaction = transactionObject({
      quoteId,
      transactionId: quote.transactionId as string,
      payerFsp: names[0]!,
      payeeFsp: names[1]!,
      amount: '10',
      currency: CURRENCY,
      expiration: quoteExpiration,
    });
    const ilpPacket = buildIlpPacket({ amount: '10', currency: CURRENCY, condition, expiresAt: quoteExpiration, transaction });
    const quoted = { transferAmount: { amount: '10', currency: CURRENCY }, expiration: quoteExpiration, ilpPacket, condition };
    const answered = await a.fspiop!.send({
      method: 'PUT',
      path: `/quotes/${quoteId}`,
      version: '1.1',
      resource: 'quotes',
      source: names[1],
      destination: names[0],
      body: JSON.stringify(quoted),
      headers: { 'fspiop-uri': `/quotes/${quoteId}`, 'fspiop-http-method': 'PUT' },
    });
    assert.equal(answered.status, 200, `PUT /quotes through the owner: ${answered.status}`);
    await until(
      async () => (await scalar(`SELECT count(*) AS v FROM quote WHERE id = $1 AND response_hash IS NOT NULL`, [quoteId])) === 1,
      'the quote and its answer are recorded',
    );

    load.start();
    await until(() => load.counts.fulfilled >= 100, 'payments complete through both nodes');

    const takeovers: string[] = [];
    let [owner, standby] = [a, b];
    for (let round = 1; round <= 2; round++) {
      const committedBefore = await scalar(`SELECT count(*) AS v FROM transfer WHERE state = 'COMMITTED'`);
      const killedAt = Date.now();
      await owner.kill();
      const tookOver = await until(() => standby.owns(), `node ${standby.name} takes the ledger over`);
      await until(async () => (await scalar(`SELECT count(*) AS v FROM transfer WHERE state = 'COMMITTED'`)) >= committedBefore + 100, 'payments commit again');
      takeovers.push(
        `node ${owner.name} killed: node ${standby.name} held the ledger ${tookOver} ms later; longest time without a 202: ${longestGap(load, killedAt - 1000)} ms`,
      );
      t.diagnostic(takeovers.at(-1)!);
      assert.equal((await standby.health()).ledger, 'OK', `node ${standby.name} holds the ledger`);
      // The killed node comes back, as a standby; the balancer sends it requests again.
      const back = await new HubNode(owner.name).start(env);
      nodes.splice(nodes.indexOf(owner), 1, back);
      assert.equal((await back.health()).ledger, 'STANDBY', `node ${owner.name}, restarted, is a standby`);
      const fulfilled = load.counts.fulfilled;
      await until(() => load.counts.fulfilled >= fulfilled + 50, 'payments complete through both nodes again');
      [owner, standby] = [standby, back];
    }

    // The broker goes down (SIGKILL) for a few seconds and comes back on the same data: the nodes reconnect by themselves.
    const committedBefore = await scalar(`SELECT count(*) AS v FROM transfer WHERE state = 'COMMITTED'`);
    const bouncedAt = Date.now();
    const down = await broker.bounce({ downMs: 3000 });
    const resumed = await until(
      async () => (await scalar(`SELECT count(*) AS v FROM transfer WHERE state = 'COMMITTED'`)) >= committedBefore + 100,
      'payments commit again after the broker restart',
      120_000,
    );
    const backAt = bouncedAt + down;
    const firstAfter = Math.min(...[...load.answers.values()].filter((x) => x.answer === 'accepted' && x.at >= backAt).map((x) => x.at));
    takeovers.push(
      `Kafka broker killed and restarted (${down} ms without a broker): first 202 ${firstAfter - backAt} ms after it answered again, ` +
        `100 more commits ${resumed} ms after; longest time without a 202: ${longestGap(load, bouncedAt - 1000)} ms`,
    );
    t.diagnostic(takeovers.at(-1)!);
    assert.equal(owner.process!.child.exitCode, null, 'the nodes outlive the broker restart');
    assert.equal(standby.process!.child.exitCode, null);

    // The PostgreSQL primary stops (immediate) and its synchronous standby is promoted: both nodes follow it, and one of
    // them takes the ledger on it (the lock of the old primary is gone with it).
    const committedBeforeStop = await scalar(`SELECT count(*) AS v FROM transfer WHERE state = 'COMMITTED'`);
    await db.end();
    const stoppedAt = Date.now();
    await pair.stopPrimary();
    await pair.promoteStandby();
    db = new pg.Client({ connectionString: pair.nodeUrl(pair.standby, DATABASE) });
    await db.connect();
    const followed = await until(
      async () => (await scalar(`SELECT count(*) AS v FROM transfer WHERE state = 'COMMITTED'`)) >= committedBeforeStop + 100,
      'payments commit again on the promoted standby',
      120_000,
    );
    takeovers.push(
      `PostgreSQL primary stopped, standby promoted: 100 more commits ${followed} ms later; longest time without a 202: ${longestGap(load, stoppedAt - 1000)} ms`,
    );
    t.diagnostic(takeovers.at(-1)!);
    const owners = await Promise.all([owner, standby].map(async (n) => (await n.health()).ledger));
    assert.deepEqual([...owners].sort(), ['OK', 'STANDBY'], 'one node holds the ledger on the new primary, the other waits');

    await load.stop();
    await until(async () => (await scalar(`SELECT count(*) AS v FROM transfer WHERE state = 'RESERVED'`)) === 0, 'every transfer ends', EXPIRES_IN_MS + 60_000);

    // Every 202 is in the database, final.
    const accepted = [...load.answers].filter(([, a]) => a.answer === 'accepted').map(([id]) => id);
    const states = await db.query<{ id: string; state: string }>('SELECT id, state FROM transfer WHERE id = ANY($1)', [accepted]);
    const stateOf = new Map(states.rows.map((r) => [r.id, r.state]));
    const missing = accepted.filter((id) => !stateOf.has(id));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} of ${accepted.length} accepted transfers are not in the ledger`);
    const unfinished = [...stateOf].filter(([, state]) => !['COMMITTED', 'ABORTED_REJECTED', 'ABORTED_ERROR', 'EXPIRED_RESERVED'].includes(state));
    assert.deepEqual(unfinished.slice(0, 5), [], 'every accepted transfer is final');
    // Nothing applied twice: a transfer's journal holds its prepare pair and at most one commit or abort pair.
    const doubled = await db.query<{ transfer_id: string; n: string }>(
      `SELECT transfer_id, count(*) AS n FROM journal_entry j JOIN transfer t ON t.id = j.transfer_id
     WHERE t.kind = 'TRANSFER' GROUP BY transfer_id HAVING count(*) > 4 LIMIT 5`,
    );
    assert.deepEqual(doubled.rows, [], 'no transfer has more than its prepare and one commit or abort in the journal');
    // Where each partition resumes is recorded in the ledger's transactions (migration 010), for every partition of the
    // one commands topic that carried work (the DFSPs' keys spread over several).
    const positions = await db.query<{ topic: string; n: string }>(
      `SELECT topic, count(*) AS n FROM consumer_position WHERE consumer_group = 'cluster.workers' GROUP BY topic`,
    );
    assert.deepEqual(
      positions.rows.map((r) => r.topic),
      ['cluster.commands'],
      'positions are those of the commands topic',
    );
    assert.ok(Number(positions.rows[0]!.n) >= 2, `positions recorded for the partitions used (${positions.rows[0]!.n})`);
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const findings = await reconcileSettlement(db, { steps: 'recorded' }).finally(() => db.query('COMMIT'));
    assert.deepEqual(findings.slice(0, 20), [], `${findings.length} reconciliation finding(s)`);

    const committed = [...stateOf.values()].filter((s) => s === 'COMMITTED').length;
    const told = (answer: string) => [...load.answers.values()].filter((a) => a.answer === answer).length;
    console.log(
      `# ${load.counts.prepares + load.counts.failed} prepares: ${accepted.length} accepted (${committed} committed, the rest expired or aborted), ` +
        `${told('refused')} refused, ${told('no-answer')} without an answer (in flight at a kill); ${takeovers.join('; ')}`,
    );
  },
);
