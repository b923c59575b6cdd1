/**
 * Interoperability test: the REAL Mizani hub (a child process on a fresh PostgreSQL database)
 * driven by the Mojaloop SDK scheme adapter (@mojaloop/sdk-scheme-adapter@18.0.2 from npm,
 * unmodified) acting as both the payer and the payee DFSP (docs/interop.md, "Against Mizani").
 *
 * (a) installs the adapter (cached outside the repo), makes sure Redis answers (the payer uses the
 *     machine's Redis, DB 3; the payee a private redis-server of this test, DB 4: Redis pub/sub
 *     channels are server-wide, and with one server the payee's copy of the hub's commit
 *     confirmation would also complete the payer's transfer, hiding a missing forward);
 * (b) starts the hub, two core-banking simulators and two adapters (PEER_ENDPOINT = ALS_ENDPOINT =
 *     the hub's FSPIOP URL), provisions both DFSPs through the Admin API (hub accounts, settlement
 *     model, participants in USD, NDC, funds in, every callback endpoint → the adapter's inbound API);
 * (c) the payee registers its MSISDN through its own outbound POST /accounts (FSPIOP POST /participants);
 * (d) P2P transfers through the payer's outbound POST /transfers (lookup, quote, transfer): final
 *     state on both adapters, the payee's core banking, the hub's positions and transfer records;
 * (e) failure paths: unknown MSISDN (3204 from the hub), the payee rejecting the quote, the payee's
 *     core banking rejecting the transfer, the payer's net debit cap exceeded (4200 from the hub).
 * Set MIZANI_SKIP_INTEROP=1 to skip; MIZANI_INTEROP_DUMP=<file> writes every outbound call and answer,
 * the backends' requests and the hub's log lines as JSON.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import {
  ensureRedis,
  flushRedisDb,
  installSdkAdapter,
  redisGet,
  startPrivateRedis,
  startSdkAdapter,
  type InstallResult,
  type PrivateRedis,
  type RedisInfo,
  type SdkAdapter,
  callOutbound,
  type OutboundResult,
} from '../support/sdk-adapter.js';
import { startCoreBankingSim, type CoreBankingSim, type InternalQuoteRequest } from '../support/sdk-adapter-core-banking-sim.js';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { AdminClient, endpointsFor, provision } from '../../conformance/lib/admin.js';
import { addDecimal, negateDecimal, normalizeDecimal } from '../../conformance/lib/decimal.js';
import { conditionOf, decodeIlpV1Payment } from './ilp-v1.js';

const suffix = randomBytes(3).toString('hex');
const PAYER = `payerfsp${suffix}`;
const PAYEE = `payeefsp${suffix}`;
const HUB_NAME = 'Hub';
const CURRENCY = 'USD';
/** random numbers, so that a test running alongside (same Redis, server-wide channels) never shares one */
const msisdn = () => `2557${String(randomBytes(4).readUInt32BE() % 100_000_000).padStart(8, '0')}`;
const PAYER_MSISDN = msisdn();
const PAYEE_MSISDN = msisdn();
const UNKNOWN_MSISDN = msisdn();
const PAYER_NDC = '1000';
/** Redis DB indexes: the smoke test uses 1 and 2 */
const PAYER_REDIS_DB = 3;
const PAYEE_REDIS_DB = 4;
/** amounts the payee's simulated core banking refuses */
const QUOTE_REJECTED_AMOUNT = '13.13';
const TRANSFER_REJECTED_AMOUNT = '14.14';
/** above PAYER_NDC */
const NDC_EXCEEDING_AMOUNT = '5000';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ct = (resource: string, v = '1.0') => `application/vnd.interoperability.${resource}+json;version=${v}`;

const skip = process.env.MIZANI_SKIP_INTEROP === '1' ? 'MIZANI_SKIP_INTEROP=1' : false;

describe('Mizani hub with the Mojaloop SDK scheme adapter 18.0.2 as payer and payee', { skip, timeout: 50 * 60_000 }, () => {
  let install: InstallResult;
  let sharedRedis: RedisInfo;
  let payeeRedis: PrivateRedis | undefined;
  let payeeRedisServer: { host: string; port: number };
  let database: TestDatabase;
  let hub: HubProcess;
  let admin: AdminClient;
  let db: pg.Client;
  let payerSim: CoreBankingSim;
  let payeeSim: CoreBankingSim;
  let payer: SdkAdapter;
  let payee: SdkAdapter;
  const timings: Record<string, number> = {};
  /** transfers completed by the P2P test, for the checks after it */
  const completed: Array<{ transferId: string; quoteId: string; amount: string }> = [];
  /** every outbound call and its answer (MIZANI_INTEROP_DUMP) */
  const outboundLog: unknown[] = [];

  before(
    async () => {
      let t = Date.now();
      install = await installSdkAdapter();
      timings.install = Date.now() - t;

      t = Date.now();
      sharedRedis = await ensureRedis();
      await flushRedisDb(sharedRedis, PAYER_REDIS_DB);
      payeeRedis = await startPrivateRedis();
      payeeRedisServer = { host: payeeRedis.host, port: payeeRedis.port };
      await flushRedisDb(payeeRedisServer, PAYEE_REDIS_DB);
      database = await createTestDatabase('mizani_interop');
      hub = await startHubProcess({ MIZANI_DATABASE_URL: database.url, MIZANI_EXPIRY_SWEEP_MS: '500' });
      db = new pg.Client({ connectionString: database.url });
      await db.connect();
      admin = new AdminClient(hub.adminUrl);
      timings.hub = Date.now() - t;

      t = Date.now();
      payerSim = await startCoreBankingSim({ parties: { [PAYER_MSISDN]: 'Baraka Mushi' } });
      payeeSim = await startCoreBankingSim({
        parties: { [PAYEE_MSISDN]: 'Amina Juma' },
        quote: (q: InternalQuoteRequest) =>
          q.amount === QUOTE_REJECTED_AMOUNT
            ? { httpStatus: 400, statusCode: '5101', message: 'Payee rejected quote' }
            : {
                quoteId: q.quoteId,
                transactionId: q.transactionId,
                transferAmount: q.amount,
                transferAmountCurrency: q.currency,
                payeeReceiveAmount: q.amount,
                payeeReceiveAmountCurrency: q.currency,
              },
        transfer: (tr) =>
          tr.amount === TRANSFER_REJECTED_AMOUNT
            ? { httpStatus: 400, statusCode: '5104', message: 'Payee rejected transaction' }
            : { homeTransactionId: `home-${randomUUID()}` },
      });
      const common = { peerEndpoint: hub.fspiopUrl, alsEndpoint: hub.fspiopUrl, entry: install.entry, requestTimeoutSeconds: 20, startTimeoutMs: 60_000 };
      const started = await Promise.allSettled([
        startSdkAdapter({
          ...common,
          dfspId: PAYER,
          backendEndpoint: payerSim.url,
          redis: { host: sharedRedis.host, port: sharedRedis.port, db: PAYER_REDIS_DB },
        }),
        startSdkAdapter({ ...common, dfspId: PAYEE, backendEndpoint: payeeSim.url, redis: { ...payeeRedisServer, db: PAYEE_REDIS_DB } }),
      ]);
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
        throw failed.reason;
      }
      [payer, payee] = started.map((r) => (r as PromiseFulfilledResult<SdkAdapter>).value) as [SdkAdapter, SdkAdapter];
      timings.adapters = Date.now() - t;

      // admin.md §1.9: hub accounts + settlement model, then each DFSP: participant in USD, NDC,
      // funds in, and every FSPIOP callback endpoint pointing at the adapter's inbound API
      t = Date.now();
      await provision(
        admin,
        [
          { name: PAYER, currency: CURRENCY, ndc: PAYER_NDC, fundsIn: '100000', callbackBase: payer.inboundUrl },
          { name: PAYEE, currency: CURRENCY, ndc: '100000', fundsIn: '100000', callbackBase: payee.inboundUrl },
        ],
        { hubName: HUB_NAME, timeoutMs: 20_000 },
      );
      timings.provision = Date.now() - t;
    },
    { timeout: 50 * 60_000 },
  );

  after(async () => {
    if (process.env.MIZANI_INTEROP_DUMP) {
      writeFileSync(
        process.env.MIZANI_INTEROP_DUMP,
        JSON.stringify(
          {
            outbound: outboundLog,
            backend: { payer: payerSim?.requests, payee: payeeSim?.requests },
            hub: hub?.logs,
            env: { payer: payer?.env, payee: payee?.env },
          },
          null,
          2,
        ),
      );
    }
    await Promise.allSettled([payer?.stop(), payee?.stop()]);
    await Promise.allSettled([payerSim?.stop(), payeeSim?.stop(), hub?.stop()]);
    await db?.end().catch(() => undefined);
    await database?.drop();
    if (sharedRedis) await flushRedisDb(sharedRedis, PAYER_REDIS_DB).catch(() => undefined);
    await payeeRedis?.stop();
  });

  /** the adapters' and the hub's last log lines, for failure messages */
  const explain = () =>
    `\n--- ${PAYER} log tail ---\n${payer?.tail(12)}\n--- ${PAYEE} log tail ---\n${payee?.tail(12)}\n--- hub log tail ---\n${hub?.logs.slice(-12).join('\n')}`;

  async function outbound(adapter: SdkAdapter, method: 'GET' | 'POST', path: string, body?: unknown): Promise<OutboundResult> {
    const result = await callOutbound(adapter, method, path, body);
    outboundLog.push({ adapter: adapter.dfspId, method, path, request: body, ...result });
    return result;
  }

  const sendMoney = (toMsisdn: string, amount: string, note?: string) =>
    outbound(payer, 'POST', '/transfers', {
      homeTransactionId: `payer-home-${randomUUID()}`,
      from: { idType: 'MSISDN', idValue: PAYER_MSISDN, displayName: 'Baraka Mushi', firstName: 'Baraka', lastName: 'Mushi' },
      to: { idType: 'MSISDN', idValue: toMsisdn },
      amountType: 'SEND',
      currency: CURRENCY,
      amount,
      transactionType: 'TRANSFER',
      ...(note ? { note } : {}),
    });

  /** The hub's position, from the raw JSON text (an exact decimal, never through a float). */
  async function position(name: string): Promise<string> {
    const r = await admin.call('GET', `/participants/${encodeURIComponent(name)}/positions?currency=${CURRENCY}`);
    assert.equal(r.status, 200, `GET /participants/${name}/positions: ${r.status} ${r.rawBody}`);
    const m = /"value"\s*:\s*("?)(-?\d+(?:\.\d+)?)\1\s*[,}]/.exec(r.rawBody);
    assert.ok(m, `no decimal value in ${r.rawBody}`);
    return normalizeDecimal(m[2]!);
  }

  const positions = async () => ({ payer: await position(PAYER), payee: await position(PAYEE) });

  async function transferRows(
    ids: string[],
  ): Promise<
    Map<string, { state: string; amount: string | null; payer: string; payee: string; currency: string; fulfilment: string | null; cause: string | null }>
  > {
    const res = await db.query('SELECT id, state, amount::text AS amount, payer, payee, currency, fulfilment, cause FROM transfer WHERE id = ANY($1::text[])', [
      ids,
    ]);
    return new Map(res.rows.map((r: any) => [r.id as string, r]));
  }

  /** An adapter's JSON record in its Redis, waiting up to 5 s until `done` holds. */
  async function storedRecord(
    server: { host: string; port: number },
    dbIndex: number,
    key: string,
    done: (r: Record<string, any>) => boolean,
  ): Promise<Record<string, any>> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const text = await redisGet(server, dbIndex, key);
      const record = text === null ? undefined : (JSON.parse(text) as Record<string, any>);
      if (record && done(record)) return record;
      if (Date.now() > deadline)
        assert.fail(`${key} in redis ${server.port}/${dbIndex}: ${text === null ? 'absent' : `currentState ${record?.currentState}`}${explain()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Asserts the outbound call failed with `code` (FSPIOP errorCode as the adapter reports it). */
  function assertOutboundError(result: OutboundResult, code: string, what: string) {
    const text = JSON.stringify(result.body);
    assert.equal(result.status, 500, `${what}: outbound answered ${result.status} ${text}${explain()}`);
    assert.equal(result.body.statusCode, code, `${what}: statusCode ${text}`);
    const state = result.body.transferState as Record<string, any> | undefined;
    assert.equal(state?.currentState, 'ERROR_OCCURRED', `${what}: ${text}`);
    assert.equal(state?.lastError?.mojaloopError?.errorInformation?.errorCode, code, `${what}: ${text}`);
  }

  test('both adapters are up and provisioned on the hub with every callback endpoint', async (t) => {
    t.diagnostic(
      `install ${install.cached ? 'cached' : 'fresh'} ${timings.install} ms; redis + database + hub ${timings.hub} ms; ` +
        `sims + two adapters ${timings.adapters} ms; provisioning ${timings.provision} ms`,
    );
    for (const [adapter, name] of [
      [payer, PAYER],
      [payee, PAYEE],
    ] as const) {
      const health = await fetch(`${adapter.outboundUrl}/`);
      assert.equal(health.status, 200);
      const registered = await admin.call('GET', `/participants/${name}/endpoints`);
      assert.equal(registered.status, 200, registered.rawBody);
      const expected = endpointsFor(adapter.inboundUrl);
      for (const e of expected) {
        assert.ok(
          (registered.body as Array<{ type: string; value: string }>).some((x) => x.type === e.type && x.value === e.value),
          `${name} endpoint ${e.type} missing: ${registered.rawBody}`,
        );
      }
      assert.equal(await position(name), '0');
    }
  });

  test('the payee registers its MSISDN through its own outbound POST /accounts (FSPIOP POST /participants)', async () => {
    const result = await outbound(payee, 'POST', '/accounts', [{ idType: 'MSISDN', idValue: PAYEE_MSISDN, currency: CURRENCY }]);
    assert.equal(result.status, 200, `POST /accounts: ${JSON.stringify(result.body)}${explain()}`);
    assert.equal(result.body.currentState, 'COMPLETED', JSON.stringify(result.body));
    assert.deepEqual(result.body.response, [{ idType: 'MSISDN', idValue: PAYEE_MSISDN }], 'no error for the account');
    const rows = await db.query(
      'SELECT party_id_type, party_identifier, party_sub_id_or_type, currency, fsp_id FROM oracle_party WHERE party_identifier = $1',
      [PAYEE_MSISDN],
    );
    assert.deepEqual(rows.rows, [{ party_id_type: 'MSISDN', party_identifier: PAYEE_MSISDN, party_sub_id_or_type: '', currency: CURRENCY, fsp_id: PAYEE }]);
  });

  test('another DFSP registering the same MSISDN through its adapter gets 3003 back for that account', async () => {
    const result = await outbound(payer, 'POST', '/accounts', [{ idType: 'MSISDN', idValue: PAYEE_MSISDN, currency: CURRENCY }]);
    assert.equal(result.status, 200, `POST /accounts: ${JSON.stringify(result.body)}${explain()}`);
    assert.equal(result.body.currentState, 'COMPLETED', JSON.stringify(result.body));
    const [account] = result.body.response as Array<{ idType: string; idValue: string; error?: { statusCode: string; message: string } }>;
    assert.equal(account?.idValue, PAYEE_MSISDN);
    assert.equal(account?.error?.statusCode, '3003', JSON.stringify(result.body));
    const rows = await db.query('SELECT fsp_id FROM oracle_party WHERE party_identifier = $1', [PAYEE_MSISDN]);
    assert.deepEqual(rows.rows, [{ fsp_id: PAYEE }], 'the registration is unchanged');
  });

  test('P2P transfers through the payer adapter complete: both adapters, core banking, hub positions and records', async (t) => {
    const before = await positions();
    const amounts = ['12.34', '100', '0.29', '7.5'];
    let sum = '0';
    for (const amount of amounts) {
      const result = await sendMoney(PAYEE_MSISDN, amount, `interop ${amount}`);
      const out = result.body;
      assert.equal(result.status, 200, `POST /transfers ${amount}: ${JSON.stringify(out)}${explain()}`);
      assert.equal(out.currentState, 'COMPLETED', JSON.stringify(out));
      assert.match(out.transferId, UUID);
      const transferId = out.transferId as string;

      // lookup: the payee answered through the hub (the hub found it in its oracle)
      const lookup = out.getPartiesResponse;
      assert.equal(lookup?.body?.party?.partyIdInfo?.fspId, PAYEE, JSON.stringify(lookup));
      assert.equal(lookup?.headers?.['fspiop-source'], PAYEE, 'the PUT /parties was forwarded, not re-authored');
      assert.equal(lookup?.headers?.['fspiop-destination'], PAYER);
      // quote: from the payee, through the hub, for the amount asked
      const quote = out.quoteResponse;
      assert.equal(quote?.headers?.['fspiop-source'], PAYEE, `quote answer source: ${JSON.stringify(quote?.headers)}`);
      assert.equal(quote?.headers?.['fspiop-destination'], PAYER);
      assert.deepEqual(quote?.body?.transferAmount, { amount, currency: CURRENCY });
      // the hub treats the ILP v1 packet as opaque: its amount is wrong for 0.29 (float), the ledger's is not
      const packetAmount = decodeIlpV1Payment(quote.body.ilpPacket).amount;
      t.diagnostic(`${amount} ${CURRENCY}: outbound POST /transfers answered ${result.status} in ${result.ms} ms (ILP v1 packet amount ${packetAmount})`);
      // fulfil: the payee's PUT /transfers, forwarded by the hub to the payer unchanged
      const fulfil = out.fulfil;
      assert.equal(fulfil?.body?.transferState, 'COMMITTED', JSON.stringify(fulfil));
      assert.equal(conditionOf(fulfil.body.fulfilment), quote.body.condition, 'the fulfilment matches the quote condition');
      assert.equal(fulfil.headers?.['fspiop-source'], PAYEE, `fulfil source: ${JSON.stringify(fulfil.headers)}`);
      assert.equal(fulfil.headers?.['fspiop-destination'], PAYER);
      assert.equal(fulfil.headers?.['content-type'], ct('transfers'));

      // the payee's core banking was told of the transfer, for that amount
      const notice = await payeeSim.waitFor((r) => r.method === 'POST' && r.path === '/transfers' && (r.body as any)?.transferId === transferId, 10_000);
      assert.equal(notice.status, 200);
      assert.equal((notice.body as any).amount, amount);
      assert.equal((notice.body as any).currency, CURRENCY);
      assert.equal((notice.body as any).to?.idValue, PAYEE_MSISDN);

      // each adapter's own record of the transfer, in its Redis (the payee saves its record just
      // after the hub acknowledged its fulfil, so it may land a moment after the payer is told)
      const outRecord = await storedRecord(sharedRedis, PAYER_REDIS_DB, `transferModel_out_${transferId}`, (r) => r.currentState === 'succeeded');
      assert.equal(outRecord.fulfil?.body?.transferState, 'COMMITTED', JSON.stringify(outRecord.fulfil));
      const inRecord = await storedRecord(payeeRedisServer, PAYEE_REDIS_DB, `transferModel_in_${transferId}`, (r) => r.currentState === 'COMPLETED');
      // what the payee sent the hub (18.0.2 keeps the request body as the JSON text it sent)
      const sent = typeof inRecord.fulfil?.body === 'string' ? JSON.parse(inRecord.fulfil.body) : inRecord.fulfil?.body;
      assert.equal(sent?.transferState, 'COMMITTED', JSON.stringify(inRecord.fulfil));
      assert.equal(sent?.fulfilment, fulfil.body.fulfilment);
      assert.equal(inRecord.homeTransactionId, payeeSim.transfers.get(transferId)?.homeTransactionId, 'the payee kept its core banking reference');

      completed.push({ transferId, quoteId: out.quoteId as string, amount });
      sum = addDecimal(sum, amount);
    }
    assert.equal(sum, '120.13');

    // the hub's records
    const rows = await transferRows(completed.map((c) => c.transferId));
    for (const c of completed) {
      const row = rows.get(c.transferId);
      assert.ok(row, `the hub has no transfer ${c.transferId}`);
      assert.equal(row.state, 'COMMITTED', JSON.stringify(row));
      assert.equal(normalizeDecimal(row.amount!), c.amount);
      assert.deepEqual([row.payer, row.payee, row.currency], [PAYER, PAYEE, CURRENCY]);
      assert.ok(row.fulfilment, 'fulfilment stored');
    }

    const quotes = await db.query('SELECT id, state, payer, payee, amount::text AS amount FROM quote WHERE id = ANY($1::text[])', [
      completed.map((c) => c.quoteId),
    ]);
    for (const c of completed) {
      const q = quotes.rows.find((r: any) => r.id === c.quoteId);
      assert.equal(q?.state, 'ANSWERED', `the hub's quote ${c.quoteId}: ${JSON.stringify(q)}`);
      assert.deepEqual([q.payer, q.payee, normalizeDecimal(q.amount)], [PAYER, PAYEE, c.amount]);
    }

    // the hub's positions: payer +Σ, payee −Σ, exactly
    const now = await positions();
    assert.equal(now.payer, addDecimal(before.payer, sum), `payer position ${JSON.stringify({ before, now })}`);
    assert.equal(now.payee, addDecimal(before.payee, negateDecimal(sum)), `payee position ${JSON.stringify({ before, now })}`);
  });

  test("the payer adapter's outbound GET /transfers/{ID} gets the hub's COMMITTED record", async () => {
    assert.ok(completed.length > 0, 'run after the P2P test');
    const { transferId } = completed[0]!;
    const result = await outbound(payer, 'GET', `/transfers/${transferId}`);
    assert.equal(result.status, 200, `GET /transfers: ${JSON.stringify(result.body)}${explain()}`);
    const fulfil = result.body.fulfil as Record<string, any>;
    assert.equal(fulfil?.body?.transferState, 'COMMITTED', JSON.stringify(result.body));
    assert.equal(fulfil.headers?.['fspiop-source'], HUB_NAME, 'the hub answers itself');
    const [row] = (await transferRows([transferId])).values();
    assert.equal(fulfil.body.fulfilment, row?.fulfilment);
  });

  test('an MSISDN nobody registered: the hub answers 3204 and nothing moves', async () => {
    const before = await positions();
    const asked = payeeSim.requests.length;
    const result = await sendMoney(UNKNOWN_MSISDN, '1');
    assertOutboundError(result, '3204', 'unknown MSISDN');
    assert.ok(!payeeSim.requests.slice(asked).some((r) => r.path.includes(UNKNOWN_MSISDN)), 'the hub answered from its oracle: the payee was not asked');
    assert.deepEqual(await positions(), before);
  });

  test('the payee rejects the quote: its error reaches the payer through the hub, nothing moves', async () => {
    const before = await positions();
    const result = await sendMoney(PAYEE_MSISDN, QUOTE_REJECTED_AMOUNT);
    assertOutboundError(result, '5101', 'quote rejected');
    const transferId = result.body.transferState?.transferId as string;
    const quoteId = result.body.transferState?.quoteId as string;
    const q = await db.query('SELECT state, error_code FROM quote WHERE id = $1', [quoteId]);
    assert.deepEqual(q.rows, [{ state: 'ERROR', error_code: '5101' }], `the hub's record of quote ${quoteId}`);
    assert.equal((await transferRows([transferId])).size, 0, 'no transfer reached the hub');
    assert.deepEqual(await positions(), before);
  });

  test("the payee's core banking rejects the transfer: the hub aborts it and releases the reservation", async () => {
    const before = await positions();
    const result = await sendMoney(PAYEE_MSISDN, TRANSFER_REJECTED_AMOUNT);
    assertOutboundError(result, '5104', 'transfer rejected');
    const transferId = result.body.transferState?.transferId as string;
    const row = (await transferRows([transferId])).get(transferId);
    assert.ok(row, 'the hub recorded the prepare');
    assert.equal(row.state, 'ABORTED_ERROR', JSON.stringify(row));
    assert.deepEqual(await positions(), before);
  });

  test("the payer's net debit cap is exceeded: 4200 from the hub reaches the payer, nothing moves", async () => {
    const before = await positions();
    const result = await sendMoney(PAYEE_MSISDN, NDC_EXCEEDING_AMOUNT);
    assertOutboundError(result, '4200', 'NDC exceeded');
    const transferId = result.body.transferState?.transferId as string;
    const row = (await transferRows([transferId])).get(transferId);
    assert.ok(row, 'the hub recorded the prepare');
    assert.equal(row.state, 'ABORTED_REJECTED', JSON.stringify(row));
    assert.ok(
      !payeeSim.requests.some((r) => r.method === 'POST' && r.path === '/transfers' && (r.body as any)?.transferId === transferId),
      'the payee never saw the transfer',
    );
    assert.deepEqual(await positions(), before);
  });

  test('the hub is still running', () => {
    assert.equal(hub.child.exitCode, null);
    assert.equal(payer.child.exitCode, null);
    assert.equal(payee.child.exitCode, null);
  });
});
