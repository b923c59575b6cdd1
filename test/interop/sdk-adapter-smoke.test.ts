/**
 * Smoke test for running the real Mojaloop SDK scheme adapter (@mojaloop/sdk-scheme-adapter@18.0.2,
 * npm, unmodified) as two DFSPs, and a record of what it sends on the wire: the requests, headers,
 * versions, ids and ILP v1 packets that the hub has to accept (docs/interop.md).
 *
 * (a) installs the adapter (cached outside the repo; the first install on a machine compiles grpc),
 * (b) makes sure Redis answers, starts the core-banking simulator and two adapters (payerfsp-like
 *     and payeefsp-like) whose PEER_ENDPOINT is a recording stub standing in for the hub,
 * (c) checks both are up and that their inbound APIs answer FSPIOP requests as documented,
 * (d) sends POST /transfers to the payer's outbound API and checks every message the adapters send:
 *     the stub relays each one unchanged to the FSPIOP-Destination, so the whole
 *     lookup → quote → transfer sequence runs.
 * Set MIZANI_SKIP_INTEROP=1 to skip; MIZANI_INTEROP_DUMP=<file> writes the recorded traffic as JSON.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { ensureRedis, installSdkAdapter, startSdkAdapter, type InstallResult, type SdkAdapter } from '../support/sdk-adapter.js';
import { startCoreBankingSim, type CoreBankingSim } from '../support/sdk-adapter-core-banking-sim.js';
import { startPeerStub, type PeerStub, type RecordedFspiopRequest } from './fspiop-peer-stub.js';
import { conditionOf, decodeIlpV1Payment, sdkFulfilment } from './ilp-v1.js';

const PAYER = 'payerfsp';
const PAYEE = 'payeefsp';
const PAYER_MSISDN = '255700000001';
const PAYEE_MSISDN = '255700000002';
const UNKNOWN_MSISDN = '255799999999';
const PROBE_MSISDN = '255788888888';
const PAYEE_ILP_SECRET = 'mizani-smoke-payee-secret';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const IMF_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const B64URL = /^[A-Za-z0-9_-]+$/;
const ct = (resource: string, v = '1.0') => `application/vnd.interoperability.${resource}+json;version=${v}`;

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP request carrying exactly the given headers (undefined ones left out). */
function rawRequest(method: string, url: string, headers: Record<string, string | undefined>, body?: string): Promise<RawResponse> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) clean[k] = v;
  if (body !== undefined) clean['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: clean }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const skip = process.env.MIZANI_SKIP_INTEROP === '1' ? 'MIZANI_SKIP_INTEROP=1' : false;

describe('Mojaloop SDK scheme adapter 18.0.2 (smoke)', { skip, timeout: 50 * 60_000 }, () => {
  let install: InstallResult;
  let sim: CoreBankingSim;
  let stub: PeerStub;
  let payer: SdkAdapter;
  let payee: SdkAdapter;
  const timings: Record<string, number> = {};

  before(
    async () => {
      let t = Date.now();
      install = await installSdkAdapter();
      timings.install = Date.now() - t;
      t = Date.now();
      const redis = await ensureRedis();
      sim = await startCoreBankingSim({ parties: { [PAYEE_MSISDN]: 'Amina Juma', [PAYER_MSISDN]: 'Baraka Mushi' } });
      stub = await startPeerStub({ oracle: (_type, id) => (id === PAYER_MSISDN ? PAYER : PAYEE) });
      const common = {
        peerEndpoint: stub.url,
        backendEndpoint: sim.url,
        entry: install.entry,
        requestTimeoutSeconds: 5,
      };
      const started = await Promise.allSettled([
        startSdkAdapter({ ...common, dfspId: PAYER, redis: { host: redis.host, port: redis.port, db: 1 } }),
        startSdkAdapter({ ...common, dfspId: PAYEE, redis: { host: redis.host, port: redis.port, db: 2 }, ilpSecret: PAYEE_ILP_SECRET }),
      ]);
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        // stop the one that did start, then report
        await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
        throw failed.reason;
      }
      [payer, payee] = started.map((r) => (r as PromiseFulfilledResult<SdkAdapter>).value) as [SdkAdapter, SdkAdapter];
      stub.routes[PAYER] = payer.inboundUrl;
      stub.routes[PAYEE] = payee.inboundUrl;
      timings.start = Date.now() - t;
    },
    { timeout: 50 * 60_000 },
  );

  after(async () => {
    if (process.env.MIZANI_INTEROP_DUMP && stub) {
      writeFileSync(
        process.env.MIZANI_INTEROP_DUMP,
        JSON.stringify({ hub: stub.requests, backend: sim?.requests, env: { payer: payer?.env, payee: payee?.env } }, null, 2),
      );
    }
    await Promise.all([payer?.stop(), payee?.stop()]);
    await Promise.all([stub?.stop(), sim?.stop()]);
  });

  /** fails with the adapters' last log lines attached */
  const explain = () => `\n--- ${PAYER} log tail ---\n${payer?.tail(15)}\n--- ${PAYEE} log tail ---\n${payee?.tail(15)}`;

  test('the install is cached and both adapters are up', async (t) => {
    t.diagnostic(`install ${install.cached ? 'cached' : 'fresh'}: ${timings.install} ms; redis + sim + two adapters started in ${timings.start} ms`);
    const again = await installSdkAdapter();
    assert.equal(again.cached, true);
    assert.equal(again.dir, install.dir);
    for (const a of [payer, payee]) {
      const health = await fetch(`${a.outboundUrl}/`);
      assert.equal(health.status, 200, `${a.dfspId} outbound health`);
      const metrics = await fetch(`${a.metricsUrl}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /mojaloop_connector/);
    }
  });

  test('the inbound API answers FSPIOP requests and enforces 1.x headers', async () => {
    // node:http sends only these headers (fetch() would add Accept: */* and others)
    const base = () => ({ date: new Date().toUTCString(), 'fspiop-source': 'mizani', 'content-type': ct('parties') });
    const get = (over: Record<string, string | undefined>) =>
      rawRequest('GET', `${payee.inboundUrl}/parties/MSISDN/${PROBE_MSISDN}`, {
        ...base(),
        accept: 'application/vnd.interoperability.parties+json;version=1',
        ...over,
      });
    const partyBody = JSON.stringify({ party: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: PROBE_MSISDN, fspId: PAYEE } } });
    const put = (over: Record<string, string | undefined>) =>
      rawRequest('PUT', `${payer.inboundUrl}/parties/MSISDN/${PROBE_MSISDN}`, { ...base(), ...over }, partyBody);
    const cases: Array<[string, Promise<RawResponse>, number, string | undefined]> = [
      // [what, request, HTTP status, errorCode]
      ['GET, Accept version=1', get({}), 202, undefined],
      ['GET, Accept version=1.1 (minor accepted too)', get({ accept: 'application/vnd.interoperability.parties+json;version=1.1' }), 202, undefined],
      ['GET, Accept version=2.0 only', get({ accept: 'application/vnd.interoperability.parties+json;version=2.0' }), 406, '3001'],
      ['GET, Accept application/json', get({ accept: 'application/json' }), 400, '3101'],
      ['GET, no Accept', get({ accept: undefined }), 400, '3102'],
      ['GET, no Content-Type', get({ 'content-type': undefined }), 400, '3102'],
      ['GET, no Date', get({ date: undefined }), 400, '3102'],
      ['GET, no FSPIOP-Source', get({ 'fspiop-source': undefined }), 400, '3102'],
      ['PUT, content type version=1.1', put({ 'content-type': ct('parties', '1.1') }), 200, undefined],
      ['PUT, content type version=2.0', put({ 'content-type': ct('parties', '2.0') }), 406, '3001'],
      ['PUT, Accept: */*', put({ accept: '*/*' }), 400, '3101'],
      ['PUT, Accept parties version=1', put({ accept: 'application/vnd.interoperability.parties+json;version=1' }), 200, undefined],
    ];
    for (const [what, pending, status, code] of cases) {
      const res = await pending;
      assert.equal(res.status, status, `${what}: ${res.status} ${res.body}`);
      if (code) {
        assert.match(res.headers['content-type'] ?? '', /^application\/json/, `${what}: error body content type`);
        assert.equal((JSON.parse(res.body) as { errorInformation: { errorCode: string } }).errorInformation.errorCode, code, what);
      } else {
        assert.equal(res.body, '', `${what}: an accepted request has an empty body`);
      }
    }
    // the accepted GET made the payee ask its backend, then call back through the hub with 3204
    const err = await stub.waitFor(
      (r) => r.method === 'PUT' && r.path === `/parties/MSISDN/${PROBE_MSISDN}/error` && r.headers['fspiop-destination'] === 'mizani',
    );
    assert.equal((err.body as any).errorInformation.errorCode, '3204');
  });

  test('POST /transfers on the payer: lookup, quote and transfer as sent to the hub', async () => {
    const started = Date.now();
    const since = stub.requests.length;
    const res = await fetch(`${payer.outboundUrl}/transfers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        homeTransactionId: 'smoke-home-1',
        from: { idType: 'MSISDN', idValue: PAYER_MSISDN, displayName: 'Baraka Mushi' },
        to: { idType: 'MSISDN', idValue: PAYEE_MSISDN },
        amountType: 'SEND',
        currency: 'USD',
        amount: '25.5',
        transactionType: 'TRANSFER',
        note: 'smoke test',
      }),
    });
    const out = (await res.json()) as Record<string, any>;
    assert.equal(res.status, 200, `outbound POST /transfers: ${JSON.stringify(out)}${explain()}`);
    assert.equal(out.currentState, 'COMPLETED');
    assert.match(out.transferId, UUID);
    const transferId = out.transferId as string;
    const elapsed = Date.now() - started;

    // wait for the last relay to come back, then pick each message of this transfer
    await stub.waitFor((r) => r.method === 'PUT' && r.path === `/transfers/${transferId}` && (r.relayStatus !== undefined || r.relayError !== undefined));
    const mine = stub.requests.slice(since);
    const from = (src: string, method: string, path: RegExp) =>
      mine.find((r) => r.headers['fspiop-source'] === src && r.method === method && path.test(r.path));
    const seq = [
      from(PAYER, 'GET', new RegExp(`^/parties/MSISDN/${PAYEE_MSISDN}$`)),
      from(PAYEE, 'PUT', new RegExp(`^/parties/MSISDN/${PAYEE_MSISDN}$`)),
      from(PAYER, 'POST', /^\/quotes$/),
      from(PAYEE, 'PUT', /^\/quotes\/[0-9a-f-]{36}$/),
      from(PAYER, 'POST', /^\/transfers$/),
      from(PAYEE, 'PUT', new RegExp(`^/transfers/${transferId}$`)),
    ];
    assert.ok(seq.every(Boolean), `missing messages; hub saw ${stub.requests.map((r) => `${r.headers['fspiop-source']} ${r.method} ${r.path}`).join(', ')}`);
    const [getParties, putParties, postQuotes, putQuotes, postTransfers, putTransfers] = seq as RecordedFspiopRequest[];

    // every message was accepted by the other adapter when relayed
    for (const r of seq as RecordedFspiopRequest[]) {
      assert.equal(r.relayError, undefined, `${r.method} ${r.path}: ${r.relayError}`);
      assert.equal(r.relayStatus, r.method === 'PUT' ? 200 : 202, `${r.method} ${r.path} relayed: ${r.relayStatus} ${r.relayResponseBody}`);
    }

    // --- common headers
    for (const r of seq as RecordedFspiopRequest[]) {
      assert.match(r.headers.date as string, IMF_DATE);
      assert.equal(r.headers['fspiop-signature'], undefined, 'JWS is off');
      assert.equal(r.headers['fspiop-uri'], undefined);
      assert.equal(r.headers['fspiop-http-method'], undefined);
      assert.equal(r.headers.authorization, undefined);
      const resource = r.path.split('/')[1]!;
      assert.equal(r.headers['content-type'], ct(resource), `${r.method} ${r.path} content-type`);
      if (r.method === 'PUT') assert.equal(r.headers.accept, undefined, 'no Accept on PUT');
      else assert.equal(r.headers.accept, `application/vnd.interoperability.${resource}+json;version=1`);
    }

    // --- GET /parties: no destination, no body (but a content-type)
    assert.equal(getParties.headers['fspiop-source'], PAYER);
    assert.equal(getParties.headers['fspiop-destination'], undefined);
    assert.equal(getParties.rawBody, '');

    // --- PUT /parties from the payee, addressed to the payer
    assert.equal(putParties.headers['fspiop-destination'], PAYER);
    assert.deepEqual(putParties.body, {
      party: {
        partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: PAYEE_MSISDN, fspId: PAYEE },
        personalInfo: { complexName: { firstName: 'Amina', lastName: 'Juma' } },
        name: 'Amina Juma',
      },
    });

    // --- POST /quotes
    const quote = postQuotes.body as Record<string, any>;
    assert.equal(postQuotes.headers['fspiop-destination'], PAYEE);
    assert.match(quote.quoteId, UUID);
    assert.equal(quote.transactionId, transferId, 'the adapter uses transactionId = transferId');
    assert.match(quote.expiration, ISO_MS);
    assert.deepEqual(quote.amount, { currency: 'USD', amount: '25.5' });
    assert.equal(quote.amountType, 'SEND');
    assert.deepEqual(quote.payer.partyIdInfo, { partyIdType: 'MSISDN', partyIdentifier: PAYER_MSISDN, fspId: PAYER });
    assert.deepEqual(quote.payee.partyIdInfo, { partyIdType: 'MSISDN', partyIdentifier: PAYEE_MSISDN, fspId: PAYEE });
    assert.deepEqual(quote.transactionType, { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' });

    // --- PUT /quotes/{id}: ILP v1 packet and condition
    const terms = putQuotes.body as Record<string, any>;
    assert.equal(putQuotes.path, `/quotes/${quote.quoteId}`);
    assert.equal(putQuotes.headers['fspiop-destination'], PAYER);
    assert.deepEqual(terms.transferAmount, { amount: '25.5', currency: 'USD' });
    assert.deepEqual(terms.payeeReceiveAmount, { amount: '25.5', currency: 'USD' });
    assert.match(terms.expiration, ISO_MS);
    assert.match(terms.ilpPacket, B64URL, 'base64url without padding');
    assert.match(terms.condition, /^[A-Za-z0-9_-]{43}$/);
    const packet = decodeIlpV1Payment(terms.ilpPacket);
    assert.equal(packet.type, 1, 'ILP v1 payment packet');
    assert.equal(packet.amount, 2550n, 'amount in minor units');
    assert.equal(packet.account, `g.${PAYEE}.msisdn.${PAYEE_MSISDN}`);
    assert.deepEqual(
      packet.transactionObjectKeys,
      ['transactionId', 'quoteId', 'payee', 'payer', 'amount', 'transactionType'],
      'sender order, not sorted; note dropped',
    );
    assert.equal(packet.transactionObject.quoteId, quote.quoteId);
    assert.equal(packet.transactionObject.transactionId, transferId);
    assert.deepEqual(packet.transactionObject.amount, { amount: '25.5', currency: 'USD' });
    const fulfilment = sdkFulfilment(PAYEE_ILP_SECRET, terms.ilpPacket);
    assert.equal(conditionOf(fulfilment), terms.condition, 'condition = sha256(HMAC(secret, packet))');

    // --- POST /transfers: the quote's packet and condition, unchanged
    const prepare = postTransfers.body as Record<string, any>;
    assert.equal(postTransfers.headers['fspiop-destination'], PAYEE);
    assert.equal(prepare.transferId, transferId);
    assert.equal(prepare.payerFsp, PAYER);
    assert.equal(prepare.payeeFsp, PAYEE);
    assert.deepEqual(prepare.amount, { amount: '25.5', currency: 'USD' });
    assert.equal(prepare.ilpPacket, terms.ilpPacket);
    assert.equal(prepare.condition, terms.condition);
    assert.match(prepare.expiration, ISO_MS);
    assert.deepEqual(Object.keys(prepare), ['transferId', 'payeeFsp', 'payerFsp', 'amount', 'ilpPacket', 'condition', 'expiration']);

    // --- PUT /transfers/{id}: the fulfilment
    const fulfil = putTransfers.body as Record<string, any>;
    assert.equal(putTransfers.headers['fspiop-destination'], PAYER);
    assert.equal(fulfil.transferState, 'COMMITTED');
    assert.equal(fulfil.fulfilment, fulfilment);
    assert.match(fulfil.completedTimestamp, ISO_MS);

    // --- what the payee's core banking saw
    const backendPaths = sim.requests.map((r) => `${r.method} ${r.path}`);
    for (const p of [`GET /parties/MSISDN/${PAYEE_MSISDN}`, 'POST /quoterequests', 'POST /transfers'])
      assert.ok(backendPaths.includes(p), `backend saw ${backendPaths.join(', ')}`);
    const backendTransfer = sim.requests.find((r) => r.method === 'POST' && r.path === '/transfers' && (r.body as any)?.transferId === transferId);
    assert.ok(backendTransfer);
    assert.equal(backendTransfer.headers['content-type'], 'application/json');
    assert.equal(backendTransfer.headers.accept, 'application/json');
    assert.ok(elapsed < 10_000, `the whole flow took ${elapsed} ms`);
  });

  test('an unknown MSISDN: the payee backend 404 becomes PUT /parties/…/error 3204', async () => {
    const since = stub.requests.length;
    const res = await fetch(`${payer.outboundUrl}/transfers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        homeTransactionId: 'smoke-home-2',
        from: { idType: 'MSISDN', idValue: PAYER_MSISDN },
        to: { idType: 'MSISDN', idValue: UNKNOWN_MSISDN },
        amountType: 'SEND',
        currency: 'USD',
        amount: '1',
        transactionType: 'TRANSFER',
      }),
    });
    const out = (await res.json()) as Record<string, any>;
    const err = stub.requests.slice(since).find((r) => r.method === 'PUT' && r.path === `/parties/MSISDN/${UNKNOWN_MSISDN}/error`);
    assert.ok(err, `no error callback; hub saw ${stub.requests.map((r) => `${r.method} ${r.path}`).join(', ')}${explain()}`);
    assert.equal(err.headers['fspiop-source'], PAYEE);
    assert.equal(err.headers['fspiop-destination'], PAYER);
    assert.equal(err.headers['content-type'], ct('parties'));
    assert.equal((err.body as any).errorInformation.errorCode, '3204');
    assert.equal(err.relayStatus, 200);
    assert.equal(res.status, 500, JSON.stringify(out));
    assert.equal(out.transferState?.currentState ?? out.currentState, 'ERROR_OCCURRED');
    assert.match(JSON.stringify(out), /3204/);
  });

  test('POST /accounts on the payee: the batch POST /participants it sends, and the callback it needs', async () => {
    const since = stub.requests.length;
    const pending = fetch(`${payee.outboundUrl}/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ idType: 'MSISDN', idValue: PAYEE_MSISDN, currency: 'USD' }]),
    });
    const post = await stub.waitFor((r) => r.method === 'POST' && r.path === '/participants' && stub.requests.indexOf(r) >= since);
    assert.equal(post.headers['fspiop-source'], PAYEE);
    assert.equal(post.headers['fspiop-destination'], undefined);
    assert.equal(post.headers['content-type'], ct('participants'));
    assert.equal(post.headers.accept, 'application/vnd.interoperability.participants+json;version=1');
    const request = post.body as { requestId: string; partyList: unknown[]; currency: string };
    assert.match(request.requestId, UUID);
    assert.deepEqual(request, {
      requestId: request.requestId,
      partyList: [{ partyIdType: 'MSISDN', partyIdentifier: PAYEE_MSISDN, fspId: PAYEE }],
      currency: 'USD',
    });
    // the hub's answer (contract §11): PUT /participants/{requestId}, with currency (without it the
    // adapter reports every account as failed: "Provided currency not supported")
    const callback = await rawRequest(
      'PUT',
      `${payee.inboundUrl}/participants/${request.requestId}`,
      { 'content-type': ct('participants'), date: new Date().toUTCString(), 'fspiop-source': 'Hub', 'fspiop-destination': PAYEE },
      JSON.stringify({ partyList: [{ partyId: { partyIdType: 'MSISDN', partyIdentifier: PAYEE_MSISDN, fspId: PAYEE } }], currency: 'USD' }),
    );
    assert.equal(callback.status, 200, callback.body);
    const res = await pending;
    const out = (await res.json()) as { currentState: string; response: unknown[] };
    assert.equal(res.status, 200, JSON.stringify(out));
    assert.equal(out.currentState, 'COMPLETED');
    assert.deepEqual(out.response, [{ idType: 'MSISDN', idValue: PAYEE_MSISDN }]);
  });

  test('the inbound API refuses a non-UUID quoteId (a ULID) with 400 / 3100', async () => {
    const quote = stub.requests.find((r) => r.method === 'POST' && r.path === '/quotes');
    assert.ok(quote, 'run after the transfer test');
    const body = { ...(quote.body as Record<string, unknown>), quoteId: '01JAX6ZB9R5M7QW4K2N8P3T6VY' };
    const res = await fetch(`${payee.inboundUrl}/quotes`, {
      method: 'POST',
      headers: {
        'content-type': ct('quotes'),
        accept: 'application/vnd.interoperability.quotes+json;version=1',
        date: new Date().toUTCString(),
        'fspiop-source': PAYER,
        'fspiop-destination': PAYEE,
      },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as { errorInformation: { errorCode: string } };
    assert.equal(res.status, 400);
    assert.equal(answer.errorInformation.errorCode, '3100');
  });
});
