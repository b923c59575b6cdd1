// Discovery/agreement parts of the conformance suite that work without a hub: the payee's quote ILP packet and the
// fulfilment it re-derives at prepare time (security.md §2.2–2.3, vector §4.4), the simulator's answers to
// GET /parties and POST /quotes (against a fake hub that records them), the external test oracle and the
// oracle admin client's headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DfspSimulator, parsePartiesPath, partyBody } from '../../conformance/lib/dfsp.js';
import { agreedQuote, newQuoteRequest, partyIdInfo, partyPath, transferFromQuote } from '../../conformance/lib/flows.js';
import { FspiopClient, IMF_FIXDATE_RE } from '../../conformance/lib/http.js';
import { conditionFromFulfilment, decodeIlpPacket, deriveFulfilment, fulfilmentFromPacket, quoteIlp, transactionFromQuote } from '../../conformance/lib/ilp.js';
import { OracleAdminClient, TestOracle } from '../../conformance/lib/oracle.js';
import { closedPortUrl, sortedStringify } from '../../conformance/lib/util.js';

// ---- ILP ---------------------------------------------------------------------------------------------------------

const VECTOR_REQUEST = {
  quoteId: '01JBFH1Y2VJ5ZB6Q6W3K2N8D7A',
  transactionId: '01JBFH1Y2VJ5ZB6Q6W3K2N8D7B',
  transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
  payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '27713803912', fspId: 'payeefsp' } },
  payer: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '44123456789', fspId: 'payerfsp' } },
  amountType: 'SEND',
  amount: { amount: '100.5', currency: 'USD' },
};
const VECTOR_RESPONSE = { transferAmount: { currency: 'USD', amount: '100.5' }, expiration: '2030-01-01T00:00:00.000Z' };
const VECTOR_TX =
  '{"amount":{"amount":"100.5","currency":"USD"},"expiration":"2030-01-01T00:00:00.000Z","payee":{"partyIdInfo":{"fspId":"payeefsp","partyIdType":"MSISDN","partyIdentifier":"27713803912"}},"payer":{"partyIdInfo":{"fspId":"payerfsp","partyIdType":"MSISDN","partyIdentifier":"44123456789"}},"quoteId":"01JBFH1Y2VJ5ZB6Q6W3K2N8D7A","transactionId":"01JBFH1Y2VJ5ZB6Q6W3K2N8D7B","transactionType":{"initiator":"PAYER","initiatorType":"CONSUMER","scenario":"TRANSFER"}}';
const VECTOR_PACKET =
  'DIICqwAAAAAAACdCMjAzMDAxMDEwMDAwMDAwMDCb1QNXrckZ4VWrEca9SWwd4PjkKnMaJqo6KE1ZmTq7KQpnLm1vamFsb29wggJkZXlKaGJXOTFiblFpT25zaVlXMXZkVzUwSWpvaU1UQXdMalVpTENKamRYSnlaVzVqZVNJNklsVlRSQ0o5TENKbGVIQnBjbUYwYVc5dUlqb2lNakF6TUMwd01TMHdNVlF3TURvd01Eb3dNQzR3TURCYUlpd2ljR0Y1WldVaU9uc2ljR0Z5ZEhsSlpFbHVabThpT25zaVpuTndTV1FpT2lKd1lYbGxaV1p6Y0NJc0luQmhjblI1U1dSVWVYQmxJam9pVFZOSlUwUk9JaXdpY0dGeWRIbEpaR1Z1ZEdsbWFXVnlJam9pTWpjM01UTTRNRE01TVRJaWZYMHNJbkJoZVdWeUlqcDdJbkJoY25SNVNXUkpibVp2SWpwN0ltWnpjRWxrSWpvaWNHRjVaWEptYzNBaUxDSndZWEowZVVsa1ZIbHdaU0k2SWsxVFNWTkVUaUlzSW5CaGNuUjVTV1JsYm5ScFptbGxjaUk2SWpRME1USXpORFUyTnpnNUluMTlMQ0p4ZFc5MFpVbGtJam9pTURGS1FrWklNVmt5VmtvMVdrSTJVVFpYTTBzeVRqaEVOMEVpTENKMGNtRnVjMkZqZEdsdmJrbGtJam9pTURGS1FrWklNVmt5VmtvMVdrSTJVVFpYTTBzeVRqaEVOMElpTENKMGNtRnVjMkZqZEdsdmJsUjVjR1VpT25zaWFXNXBkR2xoZEc5eUlqb2lVRUZaUlZJaUxDSnBibWwwYVdGMGIzSlVlWEJsSWpvaVEwOU9VMVZOUlZJaUxDSnpZMlZ1WVhKcGJ5STZJbFJTUVU1VFJrVlNJbjE5';

test('transaction object from a quote request + response is the SDK one (security.md §4.4)', () => {
  const tx = transactionFromQuote(VECTOR_REQUEST, VECTOR_RESPONSE);
  assert.equal(sortedStringify(tx), VECTOR_TX);
  assert.equal('amountType' in tx, false, 'only the §2.2 fields are carried');
  const withNote = transactionFromQuote({ ...VECTOR_REQUEST, note: 'lunch' }, VECTOR_RESPONSE);
  assert.equal(withNote.note, 'lunch');
});

test('fulfilment HMAC rule reproduces the SDK vector (security.md §2.3, §4.4)', () => {
  assert.equal(deriveFulfilment('test-secret', JSON.parse(VECTOR_TX)), 'wVEnqmG8qeW1u5Ft0IwA1t7jttDeWMgU66HRjaGwTHg');
  assert.equal(deriveFulfilment('test-secret', VECTOR_TX), 'wVEnqmG8qeW1u5Ft0IwA1t7jttDeWMgU66HRjaGwTHg', 'canonical text form');
  assert.notEqual(deriveFulfilment('other-secret', VECTOR_TX), 'wVEnqmG8qeW1u5Ft0IwA1t7jttDeWMgU66HRjaGwTHg');
});

test("payee quote ILP equals the SDK's packet, condition and fulfilment byte for byte (security.md §4.4)", () => {
  const ilp = quoteIlp('test-secret', VECTOR_REQUEST, VECTOR_RESPONSE);
  assert.equal(ilp.fulfilment, 'wVEnqmG8qeW1u5Ft0IwA1t7jttDeWMgU66HRjaGwTHg');
  assert.equal(ilp.condition, 'm9UDV63JGeFVqxHGvUlsHeD45CpzGiaqOihNWZk6uyk');
  assert.equal(ilp.ilpPacket, VECTOR_PACKET);
});

test('round trip: payee quote → payer transfer from the quote → payee re-derives the fulfilment from the packet alone', () => {
  const secret = 'payee-secret-123';
  const request = newQuoteRequest({
    payer: 'payerfsp',
    payee: 'payeefsp',
    payeeParty: { type: 'MSISDN', id: '27713803912' },
    payerParty: { type: 'MSISDN', id: '44123456789' },
    amount: '12.34',
    currency: 'USD',
    expiresInMs: 60_000,
    note: 'rent',
  });
  const expiration = new Date(Date.now() + 60_000).toISOString();
  const ilp = quoteIlp(secret, request as any, { transferAmount: { amount: '12.34', currency: 'USD' }, expiration });
  const decoded = decodeIlpPacket(ilp.ilpPacket);
  assert.equal(decoded.amount, '1234');
  assert.equal(decoded.destination, 'g.mojaloop');
  assert.equal(decoded.condition, ilp.condition);
  assert.equal(decoded.expiresAt.toISOString(), expiration);
  assert.equal((decoded.transaction as any).note, 'rent');

  // the payer reads the quote response and builds its prepare
  const putBody = JSON.stringify({ transferAmount: { amount: '12.34', currency: 'USD' }, expiration, ilpPacket: ilp.ilpPacket, condition: ilp.condition });
  const q = agreedQuote(request, { method: 'PUT', path: `/quotes/${request.quoteId}`, headers: {}, body: JSON.parse(putBody), bodyText: putBody } as any);
  const t = transferFromQuote('payerfsp', 'payeefsp', q);
  assert.equal(t.body.ilpPacket, ilp.ilpPacket);
  assert.equal(t.body.condition, ilp.condition);
  assert.deepEqual(t.body.amount, { amount: '12.34', currency: 'USD' });
  assert.ok(Date.parse(t.expiration) <= Date.parse(expiration), 'the transfer expires no later than the quote');
  assert.equal(t.fulfilment, '', 'the payer never knows the fulfilment');

  // the payee, with only its secret and the packet
  const d = fulfilmentFromPacket(secret, t.ilpPacket);
  assert.equal(d.fulfilment, ilp.fulfilment);
  assert.equal(d.condition, t.condition);
  assert.equal(conditionFromFulfilment(d.fulfilment), d.packetCondition);
  assert.equal(d.transaction.quoteId, request.quoteId);
  assert.equal(d.amount, '1234');
  // another payee's secret yields a fulfilment that does not meet the condition
  assert.notEqual(fulfilmentFromPacket('someone-else', t.ilpPacket).condition, t.condition);
});

// ---- flows helpers -------------------------------------------------------------------------------------------------

test('party paths, PartyIdInfo and the quote request shape', () => {
  assert.equal(partyPath('parties', { type: 'MSISDN', id: '123' }), '/parties/MSISDN/123');
  assert.equal(partyPath('participants', { type: 'EMAIL', id: 'a b@x.org', subId: 'S/1' }), '/participants/EMAIL/a%20b%40x.org/S%2F1');
  assert.deepEqual(partyIdInfo({ type: 'MSISDN', id: '1', subId: 'X' }, 'fsp'), {
    partyIdType: 'MSISDN',
    partyIdentifier: '1',
    partySubIdOrType: 'X',
    fspId: 'fsp',
  });
  assert.deepEqual(parsePartiesPath('/parties/MSISDN/123?x=1'), { type: 'MSISDN', id: '123', subId: undefined, path: '/parties/MSISDN/123' });
  assert.deepEqual(parsePartiesPath('/parties/EMAIL/a%40b/SUB'), { type: 'EMAIL', id: 'a@b', subId: 'SUB', path: '/parties/EMAIL/a%40b/SUB' });
  assert.equal(parsePartiesPath('/parties/MSISDN/123/error'), undefined);
  assert.equal(parsePartiesPath('/quotes'), undefined);

  const q = newQuoteRequest({ payer: 'a', payee: 'b', payeeParty: { type: 'MSISDN', id: '9' }, amount: '1', currency: 'USD', expiresInMs: -1000 });
  assert.match(String(q.quoteId), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual((q.payee as any).partyIdInfo, { partyIdType: 'MSISDN', partyIdentifier: '9', fspId: 'b' });
  assert.equal((q.payer as any).partyIdInfo.fspId, 'a');
  assert.equal(q.amountType, 'SEND');
  assert.ok(Date.parse(String(q.expiration)) < Date.now(), 'negative expiresInMs = already expired');
  assert.match(String(q.expiration), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

  assert.deepEqual(partyBody({ partyIdType: 'MSISDN', partyIdentifier: '1', partySubIdOrType: 'W', firstName: 'Ann', lastName: 'Lee' }, 'fsp'), {
    party: {
      partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '1', partySubIdOrType: 'W', fspId: 'fsp' },
      name: 'Ann Lee',
      personalInfo: { complexName: { firstName: 'Ann', lastName: 'Lee' } },
    },
  });
});

// ---- simulator against a fake hub ----------------------------------------------------------------------------------

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

class FakeHub {
  readonly seen: Seen[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.seen.push({ method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.statusCode = req.method === 'PUT' ? 200 : 202;
        res.end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async waitFor(pred: (s: Seen) => boolean, ms = 2000, n = 1): Promise<Seen> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hits = this.seen.filter(pred);
      if (hits.length >= n) return hits[n - 1]!;
      if (Date.now() > deadline)
        throw new Error(`fake hub: nothing matching within ${ms} ms; seen ${JSON.stringify(this.seen.map((s) => `${s.method} ${s.path}`))}`);
      await new Promise((r) => setTimeout(r, 20));
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
let payee: DfspSimulator; // speaks v2.0
let legacy: DfspSimulator; // no configured version
let toPayee: FspiopClient;
let toLegacy: FspiopClient;

before(async () => {
  await hub.start();
  hubClient = new FspiopClient(hub.url);
  payee = await new DfspSimulator({ name: 'payeefsp', hub: hubClient, version: '2.0', ilpSecret: 'test-secret', fulfilments: new Map() }).start();
  legacy = await new DfspSimulator({ name: 'legacyfsp', hub: hubClient, fulfilments: new Map() }).start();
  toPayee = new FspiopClient(payee.baseUrl);
  toLegacy = new FspiopClient(legacy.baseUrl);
});

after(async () => {
  await payee.stop();
  await legacy.stop();
  await toPayee.close();
  await toLegacy.close();
  await hubClient.close();
  await hub.stop();
});

test('GET /parties for a held party → PUT /parties in the DFSP version, to the requester', async () => {
  payee.addParty({ partyIdType: 'MSISDN', partyIdentifier: '111', firstName: 'Mary', lastName: 'Jones' });
  const res = await toPayee.send({ method: 'GET', path: '/parties/MSISDN/111', version: '1.1', source: 'payerfsp', destination: 'payeefsp' });
  assert.equal(res.status, 202);
  const put = await hub.waitFor((s) => s.method === 'PUT' && s.path === '/parties/MSISDN/111');
  assert.equal(put.headers['content-type'], 'application/vnd.interoperability.parties+json;version=2.0', 'the configured version, not the request one');
  assert.equal(put.headers['accept'], undefined);
  assert.equal(put.headers['fspiop-source'], 'payeefsp');
  assert.equal(put.headers['fspiop-destination'], 'payerfsp', 'to the requester (FSPIOP-Source of the GET)');
  assert.equal(put.headers['fspiop-uri'], '/parties/MSISDN/111');
  assert.equal(put.headers['fspiop-http-method'], 'PUT');
  assert.match(String(put.headers['date']), IMF_FIXDATE_RE);
  assert.deepEqual(JSON.parse(put.body), {
    party: {
      partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '111', fspId: 'payeefsp' },
      name: 'Mary Jones',
      personalInfo: { complexName: { firstName: 'Mary', lastName: 'Jones' } },
    },
  });
  const out = await payee.waitForOutbound((o) => o.resource === 'parties' && o.partyPath === '/parties/MSISDN/111', 1000);
  assert.equal(out.response?.status, 200);
});

test('GET /parties: sub-id path, unknown party → 3204, per-party error and silence', async () => {
  payee.addParty({ partyIdType: 'MSISDN', partyIdentifier: '222', partySubIdOrType: 'WALLET' });
  payee.addParty({ partyIdType: 'MSISDN', partyIdentifier: '333', lookup: { kind: 'silent' } });
  payee.addParty({ partyIdType: 'MSISDN', partyIdentifier: '444', lookup: { kind: 'error', errorCode: '5000', errorDescription: 'Generic Payee error' } });
  for (const path of ['/parties/MSISDN/333', '/parties/MSISDN/222/WALLET', '/parties/MSISDN/999', '/parties/MSISDN/444']) {
    assert.equal((await toPayee.send({ method: 'GET', path, source: 'payerfsp' })).status, 202);
  }
  const sub = await hub.waitFor((s) => s.path === '/parties/MSISDN/222/WALLET');
  assert.equal(JSON.parse(sub.body).party.partyIdInfo.partySubIdOrType, 'WALLET');
  assert.equal(sub.headers['fspiop-uri'], '/parties/MSISDN/222/WALLET');
  const unknown = await hub.waitFor((s) => s.path === '/parties/MSISDN/999/error');
  assert.deepEqual(JSON.parse(unknown.body), { errorInformation: { errorCode: '3204', errorDescription: 'Party not found' } });
  assert.equal(unknown.headers['fspiop-destination'], 'payerfsp');
  const err = await hub.waitFor((s) => s.path === '/parties/MSISDN/444/error');
  assert.equal(JSON.parse(err.body).errorInformation.errorCode, '5000');
  assert.equal(hub.seen.filter((s) => s.path.startsWith('/parties/MSISDN/333')).length, 0, 'silent party: no answer');
});

test('POST /quotes → PUT /quotes/{ID} with transferAmount, expiration, ILP packet and condition; a repeat gets the same bytes', async () => {
  const request = newQuoteRequest({ payer: 'payerfsp', payee: 'payeefsp', payeeParty: { type: 'MSISDN', id: '111' }, amount: '100.5', currency: 'USD' });
  const raw = JSON.stringify(request);
  const res = await toPayee.send({ method: 'POST', path: '/quotes', version: '1.1', source: 'payerfsp', destination: 'payeefsp', body: raw });
  assert.equal(res.status, 202);
  const put = await hub.waitFor((s) => s.method === 'PUT' && s.path === `/quotes/${request.quoteId}`);
  assert.equal(put.headers['content-type'], 'application/vnd.interoperability.quotes+json;version=2.0');
  assert.equal(put.headers['fspiop-source'], 'payeefsp');
  assert.equal(put.headers['fspiop-destination'], 'payerfsp');
  assert.equal(put.headers['fspiop-uri'], `/quotes/${request.quoteId}`);
  const body = JSON.parse(put.body);
  assert.deepEqual(body.transferAmount, { amount: '100.5', currency: 'USD' });
  const exp = Date.parse(body.expiration);
  assert.ok(exp > Date.now() + 50_000 && exp < Date.now() + 70_000, `expiration about a minute ahead: ${body.expiration}`);
  assert.match(body.condition, /^[A-Za-z0-9_-]{43}$/);
  const d = fulfilmentFromPacket('test-secret', body.ilpPacket);
  assert.equal(d.condition, body.condition, 'packet built with the payee secret');
  assert.equal(d.packetCondition, body.condition);
  assert.equal(d.amount, '10050');
  assert.equal(payee.quoteAnswers.get(String(request.quoteId))?.fulfilment, d.fulfilment);

  await toPayee.send({ method: 'POST', path: '/quotes', source: 'payerfsp', destination: 'payeefsp', body: raw });
  const again = await hub.waitFor((s) => s.method === 'PUT' && s.path === `/quotes/${request.quoteId}`, 2000, 2);
  assert.equal(again.body, put.body, 'the same request gets the very same answer');
});

test('quote behaviours: error (per quote), expired (per party), silent', async () => {
  const rejected = newQuoteRequest({ payer: 'payerfsp', payee: 'payeefsp', payeeParty: { type: 'MSISDN', id: '111' }, amount: '1', currency: 'USD' });
  payee.setQuoteBehaviour(String(rejected.quoteId), { kind: 'error', errorCode: '5101', errorDescription: 'Payee rejected quote' });
  payee.addParty({ partyIdType: 'MSISDN', partyIdentifier: '555', quote: { kind: 'expired' } });
  const expired = newQuoteRequest({ payer: 'payerfsp', payee: 'payeefsp', payeeParty: { type: 'MSISDN', id: '555' }, amount: '2', currency: 'USD' });
  const silent = newQuoteRequest({ payer: 'payerfsp', payee: 'payeefsp', payeeParty: { type: 'MSISDN', id: '111' }, amount: '3', currency: 'USD' });
  payee.setQuoteBehaviour(String(silent.quoteId), { kind: 'silent' });
  for (const b of [silent, rejected, expired]) {
    assert.equal((await toPayee.send({ method: 'POST', path: '/quotes', source: 'payerfsp', destination: 'payeefsp', body: b })).status, 202);
  }
  const err = await hub.waitFor((s) => s.path === `/quotes/${rejected.quoteId}/error`);
  assert.deepEqual(JSON.parse(err.body), { errorInformation: { errorCode: '5101', errorDescription: 'Payee rejected quote' } });
  assert.equal(err.headers['fspiop-uri'], `/quotes/${rejected.quoteId}/error`);
  const exp = await hub.waitFor((s) => s.path === `/quotes/${expired.quoteId}`);
  assert.ok(Date.parse(JSON.parse(exp.body).expiration) < Date.now(), 'expired behaviour: expiration in the past');
  assert.equal(hub.seen.filter((s) => s.path.includes(String(silent.quoteId))).length, 0, 'silent: no answer');
});

test('prepare after a quote: the payee fulfils with the fulfilment re-derived from the packet (no registry entry)', async () => {
  const request = newQuoteRequest({ payer: 'payerfsp', payee: 'payeefsp', payeeParty: { type: 'MSISDN', id: '111' }, amount: '7.25', currency: 'USD' });
  await toPayee.send({ method: 'POST', path: '/quotes', source: 'payerfsp', destination: 'payeefsp', body: request });
  const put = await hub.waitFor((s) => s.path === `/quotes/${request.quoteId}`);
  const q = agreedQuote(request, { method: 'PUT', path: put.path, headers: {}, body: JSON.parse(put.body), bodyText: put.body } as any);
  const t = transferFromQuote('payerfsp', 'payeefsp', q);
  await toPayee.send({ method: 'POST', path: '/transfers', version: '1.1', source: 'payerfsp', destination: 'payeefsp', body: t.body });
  const fulfil = await hub.waitFor((s) => s.path === `/transfers/${t.transferId}`);
  const b = JSON.parse(fulfil.body);
  assert.equal(b.transferState, 'COMMITTED');
  assert.equal(conditionFromFulfilment(b.fulfilment), q.condition);
  assert.equal(fulfil.headers['content-type'], 'application/vnd.interoperability.transfers+json;version=2.0', 'the configured version');

  // the same packet with a changed amount: the payee refuses to fulfil and says why
  const tampered = transferFromQuote('payerfsp', 'payeefsp', { ...q, transferAmount: { amount: '8', currency: 'USD' } });
  await toPayee.send({ method: 'POST', path: '/transfers', source: 'payerfsp', destination: 'payeefsp', body: tampered.body });
  const out = await payee.waitForOutbound((o) => o.transferId === tampered.transferId, 1000);
  assert.equal(out.error, 'no fulfilment registered');
  assert.ok(
    payee.problems.some((p) => p.includes(tampered.transferId) && /amount 8 ≠ packet 7\.25/.test(p)),
    payee.problems.join('\n'),
  );
});

test('a simulator without a configured version still mirrors the prepare version and sends v1.1 requests', async () => {
  assert.equal(legacy.version, '1.1');
  assert.equal(legacy.hasConfiguredVersion, false);
  legacy.addParty({ partyIdType: 'MSISDN', partyIdentifier: '777' });
  await toLegacy.send({ method: 'GET', path: '/parties/MSISDN/777', version: '2.0', source: 'payerfsp' });
  const put = await hub.waitFor((s) => s.path === '/parties/MSISDN/777');
  assert.equal(put.headers['content-type'], 'application/vnd.interoperability.parties+json;version=1.1');
  const r = await legacy.send({ method: 'GET', path: '/parties/MSISDN/888', destination: 'x' });
  assert.equal(r.request.headers['fspiop-source'], 'legacyfsp');
  assert.equal(r.request.headers['accept'], 'application/vnd.interoperability.parties+json;version=1');
});

// ---- external test oracle and the oracle admin client -----------------------------------------------------------

test('test oracle: GET/POST/DELETE /participants/{Type}/{ID} and batch POST per fspiop.md §11', async () => {
  const oracle = await new TestOracle({ prefix: '/conformance-oracle-ext/unit' }).start();
  const c = new FspiopClient(oracle.baseUrl.replace('/conformance-oracle-ext/unit', ''));
  const p = (s: string) => `/conformance-oracle-ext/unit${s}`;
  try {
    assert.match(oracle.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/conformance-oracle-ext\/unit$/);
    oracle.add('BUSINESS', 'B1', { fspId: 'fspA', currency: 'USD' });
    let r = await c.send({ method: 'GET', path: p('/participants/BUSINESS/B1?currency=USD'), source: 'x' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { partyList: [{ fspId: 'fspA', currency: 'USD' }] });
    r = await c.send({ method: 'GET', path: p('/participants/BUSINESS/B1?currency=EUR'), source: 'x' });
    assert.deepEqual(r.body, { partyList: [] });
    r = await c.send({ method: 'GET', path: p('/participants/BUSINESS/nobody'), source: 'x' });
    assert.deepEqual(r.body, { partyList: [] }, 'unknown → empty list (the hub answers 3204)');

    r = await c.send({ method: 'POST', path: p('/participants/BUSINESS/B2'), source: 'x', body: { fspId: 'fspB', currency: 'USD', partySubIdOrType: 'S' } });
    assert.equal(r.status, 201);
    r = await c.send({ method: 'GET', path: p('/participants/BUSINESS/B2?partySubIdOrType=S'), source: 'x' });
    assert.deepEqual(r.body, { partyList: [{ fspId: 'fspB', currency: 'USD', partySubIdOrType: 'S' }] });
    r = await c.send({ method: 'DELETE', path: p('/participants/BUSINESS/B2?partySubIdOrType=S'), source: 'x' });
    assert.equal(r.status, 204);
    assert.deepEqual(oracle.lookup('BUSINESS', 'B2'), []);

    r = await c.send({
      method: 'POST',
      path: p('/participants'),
      source: 'x',
      body: { requestId: 'r1', partyList: [{ partyIdType: 'BUSINESS', partyIdentifier: 'B3', fspId: 'fspC' }, { partyIdType: 'BUSINESS' }] },
    });
    assert.equal(r.status, 201);
    assert.equal(r.body.partyList.length, 2);
    assert.equal(r.body.partyList[0].errorInformation, undefined);
    assert.equal(r.body.partyList[1].errorInformation.errorCode, '3100');
    assert.deepEqual(oracle.lookup('BUSINESS', 'B3'), [{ fspId: 'fspC', currency: undefined, partySubIdOrType: undefined }]);

    const seen = await oracle.waitFor((x) => x.method === 'DELETE', 100, 'DELETE');
    assert.equal(seen.headers['fspiop-source'], 'x');
    await assert.rejects(
      oracle.waitFor((x) => x.method === 'PATCH', 50, 'a PATCH'),
      /external oracle: no a PATCH within 50 ms/,
    );
    r = await c.send({ method: 'GET', path: '/elsewhere/participants/BUSINESS/B1', source: 'x' });
    assert.equal(r.status, 404, 'outside the prefix');
  } finally {
    await c.close();
    await oracle.stop();
  }
});

test('oracle admin client sends Content-Type, Accept and Date; overrides remove headers; removeStale deletes by marker', async () => {
  const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
  const oracles = [
    { oracleId: '1', oracleIdType: 'BUSINESS', endpoint: { value: 'http://h:1/conformance-oracle-ext/x', endpointType: 'URL' } },
    { oracleId: '2', oracleIdType: 'MSISDN', endpoint: { value: 'http://other/oracle', endpointType: 'URL' } },
  ];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.method === 'GET') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(oracles));
      } else {
        res.statusCode = req.method === 'POST' ? 201 : 204;
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const oa = new OracleAdminClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  try {
    const created = await oa.call('POST', '/oracles', { oracleIdType: 'BUSINESS', endpoint: { value: 'http://x', endpointType: 'URL' } });
    assert.equal(created.status, 201);
    assert.equal(seen[0]!.headers['content-type'], 'application/vnd.interoperability.parties+json;version=1.1');
    assert.equal(seen[0]!.headers['accept'], 'application/vnd.interoperability.parties+json;version=1');
    assert.match(String(seen[0]!.headers['date']), IMF_FIXDATE_RE);
    assert.deepEqual(JSON.parse(seen[0]!.body), { oracleIdType: 'BUSINESS', endpoint: { value: 'http://x', endpointType: 'URL' } });
    await oa.call('POST', '/oracles', {}, { accept: null });
    assert.equal(seen[1]!.headers['accept'], undefined);
    assert.equal((await oa.list({ type: 'BUSINESS' })).length, 2);
    assert.equal(seen[2]!.url, '/oracles?type=BUSINESS');
    assert.equal(await oa.removeStale('/conformance-oracle-ext'), 1);
    assert.equal(seen.at(-1)!.method, 'DELETE');
    assert.equal(seen.at(-1)!.url, '/oracles/1');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('closedPortUrl points at a port that refuses connections', async () => {
  const url = await closedPortUrl();
  const c = new FspiopClient(url, { timeoutMs: 2000 });
  try {
    await assert.rejects(c.send({ method: 'GET', path: '/parties/MSISDN/1', source: 'x' }), /ECONNREFUSED|failed/);
  } finally {
    await c.close();
  }
});

test('simulator requests use the configured version unless one is given (undefined does not count)', async () => {
  const r = await payee.send({ method: 'GET', path: '/parties/MSISDN/1', version: undefined, destination: 'x' });
  assert.equal(r.request.headers['content-type'], 'application/vnd.interoperability.parties+json;version=2.0');
  assert.equal(r.request.headers['accept'], 'application/vnd.interoperability.parties+json;version=2');
  const o = await payee.send({ method: 'GET', path: '/parties/MSISDN/1', version: '1.1', destination: 'x' });
  assert.equal(o.request.headers['content-type'], 'application/vnd.interoperability.parties+json;version=1.1');
});
