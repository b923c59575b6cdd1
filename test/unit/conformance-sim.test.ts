// The DFSP simulator and FSPIOP client of the conformance suite, against a local fake hub (no real hub needed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DfspSimulator, type RecordedRequest } from '../../conformance/lib/dfsp.js';
import { FspiopClient, IMF_FIXDATE_RE } from '../../conformance/lib/http.js';
import { conditionFromFulfilment, generateFulfilment } from '../../conformance/lib/ilp.js';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A fake hub: records requests, answers PUT with 200, anything else with 202. */
class FakeHub {
  readonly seen: Seen[] = [];
  private server?: Server;
  private listeners: Array<() => void> = [];
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.seen.push({ method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.statusCode = req.method === 'PUT' ? 200 : 202;
        res.end();
        for (const l of this.listeners) l();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async waitFor(pred: (s: Seen) => boolean, ms = 2000): Promise<Seen> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.seen.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline)
        throw new Error(`fake hub: nothing matching within ${ms} ms; seen ${JSON.stringify(this.seen.map((s) => `${s.method} ${s.path}`))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.listeners.push(() => {
          clearTimeout(t);
          r();
        });
      });
      this.listeners = [];
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => {
      this.server?.close(() => r());
      this.server?.closeAllConnections();
    });
  }
}

const hub = new FakeHub();
let hubClient: FspiopClient;
let payee: DfspSimulator;
let toSim: FspiopClient;
const fulfilments = new Map<string, string>();

before(async () => {
  await hub.start();
  hubClient = new FspiopClient(hub.url);
  payee = await new DfspSimulator({ name: 'payeefsp', hub: hubClient, fulfilments }).start();
  toSim = new FspiopClient(payee.baseUrl);
});

after(async () => {
  await payee.stop();
  await toSim.close();
  await hubClient.close();
  await hub.stop();
});

function prepareBody(transferId: string, condition: string) {
  return {
    transferId,
    payerFsp: 'payerfsp',
    payeeFsp: 'payeefsp',
    amount: { amount: '10', currency: 'USD' },
    ilpPacket: 'AYIBgQAAAAAAAAAAAA',
    condition,
    expiration: new Date(Date.now() + 60_000).toISOString(),
  };
}

test('FspiopClient sends the FSPIOP headers, overrides and raw bytes exactly', async () => {
  const res = await toSim.send({
    method: 'POST',
    path: '/quotes',
    version: '1.1',
    source: 'a',
    destination: 'b',
    body: '{"raw": 1e3}',
    headers: { 'X-Extra': 'yes', 'FSPIOP-Destination': 'c' },
  });
  assert.equal(res.status, 202);
  assert.equal(res.request.headers['content-type'], 'application/vnd.interoperability.quotes+json;version=1.1');
  const rec = await payee.waitFor((r) => r.path === '/quotes', 1000);
  assert.equal(rec.method, 'POST');
  assert.equal(rec.bodyText, '{"raw": 1e3}');
  assert.equal(rec.headers['content-type'], 'application/vnd.interoperability.quotes+json;version=1.1');
  assert.equal(rec.headers['accept'], 'application/vnd.interoperability.quotes+json;version=1');
  assert.match(rec.headers['date']!, IMF_FIXDATE_RE);
  assert.equal(rec.headers['fspiop-source'], 'a');
  assert.equal(rec.headers['fspiop-destination'], 'c', 'override wins, case-insensitively');
  assert.equal(rec.headers['x-extra'], 'yes');

  const put = await toSim.send({ method: 'PUT', path: '/quotes/1', version: '2.0', source: 'a', body: { x: 1 }, headers: { date: null } });
  assert.equal(put.status, 200);
  const rp = await payee.waitFor((r) => r.path === '/quotes/1', 1000);
  assert.equal(rp.headers['accept'], undefined, 'no Accept on PUT');
  assert.equal(rp.headers['date'], undefined, 'null removes a default header');
  assert.equal(rp.headers['fspiop-destination'], undefined);
  assert.deepEqual(rp.body, { x: 1 });

  const patch = await toSim.send({ method: 'PATCH', path: '/transfers/9', source: 'Hub', body: {} });
  assert.equal(patch.status, 200);
  const get = await toSim.send({ method: 'GET', path: '/parties/MSISDN/1', source: 'a' });
  assert.equal(get.status, 202);
  assert.equal(get.rawBody, '');
});

test('waitFor: existing and future requests, since-filter, informative timeout', async () => {
  await toSim.send({ method: 'PUT', path: '/parties/MSISDN/123', source: 'x', body: { party: 1 } });
  const early = await payee.waitFor((r) => r.path === '/parties/MSISDN/123', 10);
  assert.equal(early.body.party, 1);

  const mark = payee.mark();
  const pending = payee.waitFor((r) => r.path === '/parties/MSISDN/123', 2000, { since: mark });
  await toSim.send({ method: 'PUT', path: '/parties/MSISDN/123', source: 'x', body: { party: 2 } });
  const later: RecordedRequest = await pending;
  assert.equal(later.body.party, 2);
  assert.ok(later.seq > mark);

  await assert.rejects(
    payee.waitFor((r) => r.path === '/never', 100, { label: 'the impossible', context: (r) => r.path.includes('MSISDN/123') }),
    (err: Error) => {
      assert.match(err.message, /payeefsp: no the impossible within 100 ms/);
      assert.match(err.message, /PUT \/parties\/MSISDN\/123/, 'lists what was received');
      assert.doesNotMatch(err.message, /\/quotes/, 'context filter applies');
      return true;
    },
  );
  assert.equal(payee.find((r) => r.path === '/parties/MSISDN/123', mark).length, 1);
});

test('payee behaviour fulfil: PUT COMMITTED to the hub with the registered fulfilment', async () => {
  const transferId = '3f1c1b9e-5d7a-4c1e-9a53-0d2b9f8e6a01';
  const { fulfilment, condition } = generateFulfilment();
  fulfilments.set(transferId, fulfilment);
  const res = await toSim.send({
    method: 'POST',
    path: '/transfers',
    version: '2.0',
    source: 'payerfsp',
    destination: 'payeefsp',
    body: prepareBody(transferId, condition),
  });
  assert.equal(res.status, 202);
  const cb = await hub.waitFor((s) => s.path === `/transfers/${transferId}`);
  assert.equal(cb.method, 'PUT');
  assert.equal(cb.headers['fspiop-source'], 'payeefsp');
  assert.equal(cb.headers['fspiop-destination'], 'payerfsp');
  assert.equal(cb.headers['content-type'], 'application/vnd.interoperability.transfers+json;version=2.0', 'mirrors the prepare version');
  assert.equal(cb.headers['accept'], undefined);
  assert.equal(cb.headers['fspiop-uri'], `/transfers/${transferId}`);
  assert.equal(cb.headers['fspiop-http-method'], 'PUT');
  const body = JSON.parse(cb.body);
  assert.equal(body.transferState, 'COMMITTED');
  assert.equal(body.fulfilment, fulfilment);
  assert.equal(conditionFromFulfilment(body.fulfilment), condition);
  assert.ok(!Number.isNaN(Date.parse(body.completedTimestamp)));
  const out = await payee.waitForOutbound((o) => o.transferId === transferId, 1000);
  assert.equal(out.response?.status, 200);
  assert.equal(out.behaviour, 'fulfil');
});

test('payee behaviours: reject, reserved, wrongFulfilment, committedWithoutFulfilment, silent', async () => {
  const ids = {
    reject: 'a0000000-0000-4000-8000-000000000001',
    reserved: 'a0000000-0000-4000-8000-000000000002',
    wrong: 'a0000000-0000-4000-8000-000000000003',
    nofulfil: 'a0000000-0000-4000-8000-000000000004',
    silent: 'a0000000-0000-4000-8000-000000000005',
  };
  const f = new Map(Object.values(ids).map((id) => [id, generateFulfilment()]));
  for (const [id, v] of f) fulfilments.set(id, v.fulfilment);
  payee.setBehaviour(ids.reject, { kind: 'reject', errorCode: '5100', errorDescription: 'Generic Payee rejection' });
  payee.setBehaviour(ids.reserved, { kind: 'reserved', version: '1.1' });
  payee.setBehaviour(ids.wrong, { kind: 'wrongFulfilment' });
  payee.setBehaviour(ids.nofulfil, { kind: 'committedWithoutFulfilment' });
  payee.setBehaviour(ids.silent, { kind: 'silent' });
  // silent first: the later transfers' callbacks prove it had its chance to answer
  for (const id of [ids.silent, ids.reject, ids.reserved, ids.wrong, ids.nofulfil]) {
    const res = await toSim.send({
      method: 'POST',
      path: '/transfers',
      version: '1.0',
      source: 'payerfsp',
      destination: 'payeefsp',
      body: prepareBody(id, f.get(id)!.condition),
    });
    assert.equal(res.status, 202);
  }
  const rej = await hub.waitFor((s) => s.path === `/transfers/${ids.reject}/error`);
  assert.deepEqual(JSON.parse(rej.body), { errorInformation: { errorCode: '5100', errorDescription: 'Generic Payee rejection' } });
  assert.equal(rej.headers['fspiop-uri'], `/transfers/${ids.reject}/error`);

  const res = await hub.waitFor((s) => s.path === `/transfers/${ids.reserved}`);
  assert.equal(res.headers['content-type'], 'application/vnd.interoperability.transfers+json;version=1.1');
  assert.equal(JSON.parse(res.body).transferState, 'RESERVED');
  assert.equal(JSON.parse(res.body).fulfilment, f.get(ids.reserved)!.fulfilment);

  const wrong = JSON.parse((await hub.waitFor((s) => s.path === `/transfers/${ids.wrong}`)).body);
  assert.equal(wrong.transferState, 'COMMITTED');
  assert.match(wrong.fulfilment, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(wrong.fulfilment, f.get(ids.wrong)!.fulfilment);

  const nof = JSON.parse((await hub.waitFor((s) => s.path === `/transfers/${ids.nofulfil}`)).body);
  assert.equal(nof.transferState, 'COMMITTED');
  assert.equal(nof.fulfilment, undefined);

  assert.equal(hub.seen.filter((s) => s.path.includes(ids.silent)).length, 0, 'silent sends nothing');
  assert.equal(payee.outbound.filter((o) => o.transferId === ids.silent).length, 0);
});

test('payee answers each prepare once, and delays to notBefore', async () => {
  const id = 'b0000000-0000-4000-8000-000000000001';
  const { fulfilment, condition } = generateFulfilment();
  fulfilments.set(id, fulfilment);
  const notBefore = Date.now() + 300;
  payee.setBehaviour(id, { kind: 'fulfil', notBefore });
  const body = prepareBody(id, condition);
  await toSim.send({ method: 'POST', path: '/transfers', source: 'payerfsp', destination: 'payeefsp', body });
  await toSim.send({ method: 'POST', path: '/transfers', source: 'payerfsp', destination: 'payeefsp', body });
  const out = await payee.waitForOutbound((o) => o.transferId === id, 2000);
  assert.ok(out.at >= notBefore, 'not sent before notBefore');
  assert.equal(payee.find((r) => r.method === 'POST' && r.body?.transferId === id).length, 2, 'both deliveries recorded');
  assert.equal(payee.outbound.filter((o) => o.transferId === id).length, 1, 'answered once');
});

test('a prepare without a registered fulfilment is reported as a simulator problem', async () => {
  const id = 'c0000000-0000-4000-8000-000000000001';
  await toSim.send({ method: 'POST', path: '/transfers', source: 'payerfsp', destination: 'payeefsp', body: prepareBody(id, generateFulfilment().condition) });
  const out = await payee.waitForOutbound((o) => o.transferId === id, 1000);
  assert.equal(out.error, 'no fulfilment registered');
  assert.ok(payee.problems.some((p) => p.includes(id)));
});
