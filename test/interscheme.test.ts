/**
 * Two Mizani schemes end to end (issue 15, docs/interscheme.md): hub A and hub B as real processes, each on its own
 * database, with its own hub name and PKI, mTLS and JWS on; the proxy relay between them (`mizani relay`, participant
 * proxyA of A and proxyB of B); conformance simulators as the DFSPs: walletA in A, walletB and a bank in B.
 * Each scenario follows the messages across both hubs and checks both ledgers through their Admin APIs.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ulid } from 'ulidx';
import pg from 'pg';
import type { BankSimulator, DfspSimulator } from '../conformance/index.js';
import { verifySignature } from '../conformance/lib/jws.js';
import { addDecimal, subDecimal } from '../conformance/lib/decimal.js';
import { expectStatus } from '../conformance/lib/checks.js';
import {
  agreedQuote,
  discoverParty,
  newQuoteRequest,
  registerPartyOk,
  requestQuote,
  transferFromQuote,
  waitAnswer,
  waitPartiesGet,
  type AgreedQuote,
  type PartyRef,
} from '../conformance/lib/flows.js';
import { registerBankParty } from '../conformance/scenarios/dialects.js';
import { ACCOUNT_STEPS, netsOf, SettlementClient, type SettlementView } from '../conformance/lib/settlement.js';
import { provisionProxy, startRelayProcess, startScheme, stopScheme, type RunningRelay, type Scheme } from './support/interscheme.js';
import { endpointsFor } from '../conformance/lib/admin.js';

let root: string;
let A: Scheme;
let B: Scheme;
let relay: RunningRelay;
let walletA: DfspSimulator;
let walletB: DfspSimulator;
let partyB: PartyRef;
let bankB: BankSimulator;
let bankParty: PartyRef;

// The grace outlasts a restart of the relay on a loaded machine (the expiry scenario restarts it).
const HUB_ENV = { MIZANI_PROXY_DISCOVERY_TIMEOUT_MS: '3000', MIZANI_PROXY_EXPIRY_GRACE_MS: '8000' };

before(async () => {
  const started = Date.now();
  root = await mkdtemp(join(tmpdir(), 'mizani-interscheme-'));
  [A, B] = await Promise.all([startScheme(root, 'A', { env: HUB_ENV }), startScheme(root, 'B', { env: HUB_ENV })]);
  relay = await startRelayProcess(root, A, B);
  [walletA, walletB] = await Promise.all([A.ctx.newDfsp({ prefix: 'walleta' }), B.ctx.newDfsp({ prefix: 'walletb' })]);
  await Promise.all([provisionProxy(A, relay.urls[A.proxyName]!), provisionProxy(B, relay.urls[B.proxyName]!)]);
  partyB = { type: 'MSISDN', id: B.ctx.newPartyId('9') };
  walletB.addParty({ partyIdType: partyB.type, partyIdentifier: partyB.id, firstName: 'Amina', lastName: 'Okafor' });
  await registerPartyOk(B.ctx, walletB, partyB);
  bankB = await B.ctx.newBank({ prefix: 'bankb' });
  bankParty = { type: 'MSISDN', id: B.ctx.newPartyId('8') };
  bankB.addParty({ type: bankParty.type, id: bankParty.id, name: 'Grace Hopper' });
  await registerBankParty(B.ctx, bankB, bankParty, walletB);
  console.log(`# two schemes and the relay ready in ${Date.now() - started} ms`);
});

after(async () => {
  await relay?.stop();
  await Promise.all([stopScheme(A), stopScheme(B)]);
  if (root) await rm(root, { recursive: true, force: true });
});

/** The signature of a message `rec` received, checked with the keys `signer` holds in its own scheme. */
async function signedBy(scheme: Scheme, signer: string, rec: { method: string; headers: Record<string, string>; rawBody: Buffer }): Promise<void> {
  const result = await verifySignature(rec.method, rec.headers, rec.rawBody, scheme.ctx.keyring!.publicKeys(signer));
  assert.ok(result.ok, `signature of ${signer} on ${rec.method} ${rec.headers['fspiop-uri']}: ${result.ok ? '' : result.reason}`);
}

test('discovery: an oracle miss in A is broadcast to the proxies; B finds the party and walletB answers walletA', { timeout: 60_000 }, async () => {
  const since = walletB.mark();
  const { cb } = await discoverParty(A.ctx, walletA, partyB);
  assert.equal(cb.method, 'PUT', `walletA got ${cb.method} ${cb.path}: ${cb.bodyText}`);
  assert.ok(!cb.path.endsWith('/error'), `walletA got an error: ${cb.bodyText}`);
  assert.equal(cb.headers['fspiop-source'], walletB.name, 'the answer is walletB’s own');
  assert.equal(cb.body?.party?.partyIdInfo?.fspId, walletB.name);
  await signedBy(B, walletB.name, cb);
  const get = await waitPartiesGet(B.ctx, walletB, partyB, { since });
  assert.equal(get.headers['fspiop-source'], walletA.name, 'the lookup reaches walletB with its requester as source');
  assert.equal(get.headers['fspiop-proxy'], B.proxyName, 'relayed into B by proxyB');
  assert.equal(get.headers['fspiop-destination'], walletB.name, 'B routed it by its oracle');
});

test('quote: walletA → walletB across the schemes, answered by walletB with its signature intact', { timeout: 60_000 }, async () => {
  const request = newQuoteRequest({ payer: walletA, payee: walletB, payeeParty: partyB, amount: '25', currency: 'USD' });
  const since = walletB.mark();
  const { cb } = await requestQuote(A.ctx, walletA, walletB.name, request);
  const quote = agreedQuote(request, cb);
  assert.equal(cb.headers['fspiop-source'], walletB.name);
  await signedBy(B, walletB.name, cb);
  const atPayee = await walletB.waitFor((r) => r.method === 'POST' && r.body?.quoteId === quote.quoteId, 10_000, { since });
  await signedBy(A, walletA.name, atPayee);
  assert.equal(atPayee.headers['fspiop-proxy'], B.proxyName);
});

/** Positions of the four accounts a payment from A to B moves: walletA and proxyA in A, proxyB and `payee` in B. */
async function positions(payee: string = walletB.name): Promise<Record<string, string>> {
  const [wa, pa, pb, pe] = await Promise.all([A.ctx.position(walletA.name), A.ctx.position(A.proxyName), B.ctx.position(B.proxyName), B.ctx.position(payee)]);
  return { walletA: wa, proxyA: pa, proxyB: pb, payee: pe };
}

/** Both ledgers moved by `amount` (committed), or not at all (aborted). */
async function expectMoved(before: Record<string, string>, amount: string, payee: string = walletB.name, label = 'after the payment'): Promise<void> {
  await A.ctx.expectPosition(walletA.name, addDecimal(before.walletA!, amount), `${label}: A, the payer`);
  await A.ctx.expectPosition(A.proxyName, subDecimal(before.proxyA!, amount), `${label}: A, the proxy (the payee's side)`);
  await B.ctx.expectPosition(B.proxyName, addDecimal(before.proxyB!, amount), `${label}: B, the proxy (the payer's side)`);
  await B.ctx.expectPosition(payee, subDecimal(before.payee!, amount), `${label}: B, the payee`);
}

async function quoteToWalletB(amount: string): Promise<AgreedQuote> {
  const request = newQuoteRequest({ payer: walletA, payee: walletB, payeeParty: partyB, amount, currency: 'USD' });
  const { cb } = await requestQuote(A.ctx, walletA, walletB.name, request);
  return agreedQuote(request, cb);
}

/** POST /transfers from walletA after `q`; the answer walletA gets (PUT or /error). */
async function pay(payee: string, q: AgreedQuote, o: { transferId?: string; expiresInMs?: number; timeoutMs?: number; before?: (id: string) => void } = {}) {
  const transfer = transferFromQuote(walletA, payee, q, { transferId: o.transferId, expiresInMs: o.expiresInMs });
  o.before?.(transfer.transferId);
  const since = walletA.mark();
  expectStatus(await A.ctx.sendPrepare(transfer, { version: '1.1' }), 202, `POST /transfers ${transfer.transferId}`);
  const cb = await waitAnswer(A.ctx, walletA, `/transfers/${transfer.transferId}`, {
    since,
    timeoutMs: o.timeoutMs,
    label: `answer to ${transfer.transferId}`,
  });
  return { transfer, cb };
}

/** The transfer's state as each hub's Admin API reports it... through the payer's and payee's GET /transfers. */
async function stateIn(scheme: Scheme, sim: DfspSimulator, transferId: string): Promise<string> {
  const since = sim.mark();
  expectStatus(await scheme.ctx.getTransfer(sim.name, transferId), 202, `GET /transfers/${transferId} by ${sim.name}`);
  const cb = await waitAnswer(scheme.ctx, sim, `/transfers/${transferId}`, { since, label: `state of ${transferId} at ${scheme.hubName}` });
  return String(cb.body?.transferState ?? cb.body?.errorInformation?.errorCode);
}

test('transfer walletA → walletB: committed in both ledgers (payer and proxyA in A, proxyB and payee in B)', { timeout: 60_000 }, async () => {
  const q = await quoteToWalletB('40');
  const before = await positions();
  const since = walletB.mark();
  const { transfer, cb } = await pay(walletB.name, q);
  assert.ok(!cb.path.endsWith('/error'), `walletA got an error: ${cb.bodyText}`);
  assert.equal(cb.body?.transferState, 'COMMITTED', cb.bodyText);
  assert.equal(cb.headers['fspiop-source'], walletB.name, 'walletB’s own fulfil reaches walletA');
  await signedBy(B, walletB.name, cb);
  const prepare = await walletB.waitFor((r) => r.method === 'POST' && r.body?.transferId === transfer.transferId, 10_000, { since });
  await signedBy(A, walletA.name, prepare);
  assert.equal(prepare.headers['fspiop-proxy'], B.proxyName);
  await expectMoved(before, '40');
  assert.equal(await stateIn(A, walletA, transfer.transferId), 'COMMITTED');
  assert.equal(await stateIn(B, walletB, transfer.transferId), 'COMMITTED');
});

test('transfer walletA → a bank in B: the bank accepts (pacs.002), both ledgers commit', { timeout: 60_000 }, async () => {
  const { cb: found } = await discoverParty(A.ctx, walletA, bankParty);
  assert.ok(!found.path.endsWith('/error'), `discovery of the bank's customer: ${found.bodyText}`);
  assert.equal(found.body?.party?.partyIdInfo?.fspId, bankB.name);
  const q = await agreeWithBankAcross('12.5');
  const before = await positions(bankB.name);
  const { cb } = await pay(bankB.name, q, { transferId: ulid() });
  assert.ok(!cb.path.endsWith('/error'), `walletA got an error: ${cb.bodyText}`);
  assert.equal(cb.body?.transferState, 'COMMITTED', cb.bodyText);
  assert.equal(cb.headers['fspiop-source'], B.hubName, 'B’s hub answers for its bank');
  await expectMoved(before, '12.5', bankB.name);
});

/** walletA agrees with bankB: B's hub issues the terms for its bank, and they cross via the proxies. */
async function agreeWithBankAcross(amount: string): Promise<AgreedQuote> {
  const request = newQuoteRequest({ payer: walletA, payee: bankB.name, payeeParty: bankParty, amount, currency: 'USD', expiresInMs: 60_000 });
  request.quoteId = ulid();
  request.transactionId = ulid();
  const { cb } = await requestQuote(A.ctx, walletA, bankB.name, request);
  assert.equal(cb.headers['fspiop-source'], B.hubName, 'the terms are B’s hub’s, for its bank');
  return agreedQuote(request, cb);
}

test('a refusal in B (payee error 5104) reaches walletA with its code; both ledgers abort', { timeout: 60_000 }, async () => {
  const q = await quoteToWalletB('7');
  const before = await positions();
  const { transfer, cb } = await pay(walletB.name, q, {
    before: (id) => walletB.setBehaviour(id, { kind: 'reject', errorCode: '5104', errorDescription: 'Payee rejected the transfer' }),
  });
  assert.ok(cb.path.endsWith('/error'), `walletA got ${cb.method} ${cb.path}: ${cb.bodyText}`);
  assert.equal(cb.body?.errorInformation?.errorCode, '5104', 'the original code crosses the schemes');
  assert.equal(cb.headers['fspiop-source'], walletB.name, 'walletB’s own error');
  await expectMoved(before, '0', walletB.name, 'after the refusal');
  assert.equal(await stateIn(A, walletA, transfer.transferId), 'ABORTED');
  assert.equal(await stateIn(B, walletB, transfer.transferId), 'ABORTED');
});

test('a timeout in B (payee silent): B expires it, A applies B’s 3303 — both aborted, positions restored', { timeout: 60_000 }, async () => {
  const q = await quoteToWalletB('3');
  const before = await positions();
  const { transfer, cb } = await pay(walletB.name, q, {
    expiresInMs: 2500,
    timeoutMs: 15_000,
    before: (id) => walletB.setBehaviour(id, { kind: 'silent' }),
  });
  assert.ok(cb.path.endsWith('/error'), `walletA got ${cb.method} ${cb.path}: ${cb.bodyText}`);
  assert.equal(cb.body?.errorInformation?.errorCode, '3303', cb.bodyText);
  await expectMoved(before, '0', walletB.name, 'after the timeout');
  assert.equal(await stateIn(A, walletA, transfer.transferId), 'ABORTED');
  assert.equal(await stateIn(B, walletB, transfer.transferId), 'ABORTED');
});

test(
  'discovery nobody answers: a silent proxy in A → 3204 after MIZANI_PROXY_DISCOVERY_TIMEOUT_MS; an unknown party in both → 3204',
  { timeout: 60_000 },
  async () => {
    const unknown: PartyRef = { type: 'MSISDN', id: A.ctx.newPartyId('5') };
    const { cb: none } = await discoverParty(A.ctx, walletA, unknown, { timeoutMs: 10_000 });
    assert.ok(none.path.endsWith('/error'), `${none.path}: ${none.bodyText}`);
    assert.equal(none.body?.errorInformation?.errorCode, '3204');
    assert.equal(none.headers['fspiop-source'], A.hubName);
    assert.match(String(none.body?.errorInformation?.errorDescription), /every proxy answered with an error/);
    // A second proxy that never answers: proxyA's error alone does not finish the lookup; the timeout does.
    const silent = await A.ctx.startSimulator(await A.ctx.newName('prxsilent'), { kind: 'silent' }, { unknownParty: { kind: 'silent' } });
    const created = await A.ctx.admin.call('POST', '/participants', { name: silent.name, currency: 'USD', isProxy: true });
    assert.equal(created.status, 201, created.rawBody);
    await Promise.all(endpointsFor(silent.baseUrl).map((e) => A.ctx.admin.setEndpoint(silent.name, e.type, e.value)));
    try {
      const started = Date.now();
      const { cb } = await discoverParty(A.ctx, walletA, { type: 'MSISDN', id: A.ctx.newPartyId('5') }, { timeoutMs: 10_000 });
      assert.ok(cb.path.endsWith('/error'), `${cb.path}: ${cb.bodyText}`);
      assert.equal(cb.body?.errorInformation?.errorCode, '3204');
      assert.match(String(cb.body?.errorInformation?.errorDescription), /no proxy answered within 3000 ms/);
      assert.ok(Date.now() - started >= 2900, 'not before the timeout');
      assert.equal(silent.find((r) => r.method === 'GET' && r.path.startsWith('/parties/')).length, 1, 'the silent proxy was asked once');
    } finally {
      await A.ctx.admin.setParticipantActive(silent.name, false);
    }
  },
);

test('a stale route heals: B refuses a message for a DFSP it does not know (3201), and A forgets that DFSP’s route', { timeout: 60_000 }, async () => {
  // A learns "ghost is reachable via proxyA" from a lookup relayed by proxyA for a DFSP B does not have.
  const ghost = `ghost${Date.now().toString(36)}`;
  const party: PartyRef = { type: 'MSISDN', id: A.ctx.newPartyId('6') };
  walletA.addParty({ partyIdType: party.type, partyIdentifier: party.id, firstName: 'Lin', lastName: 'Wei' });
  const since = walletA.mark();
  const asked = await A.ctx.hub.send({
    method: 'GET',
    path: `/parties/${party.type}/${party.id}`,
    source: ghost,
    destination: walletA.name,
    identity: A.proxyName,
    headers: { 'fspiop-proxy': A.proxyName },
  });
  expectStatus(asked, 202, 'a lookup relayed by proxyA for ghost');
  await walletA.waitFor((r) => r.method === 'GET' && r.path === `/parties/${party.type}/${party.id}`, 10_000, { since });
  // walletA answers at once; its answer to ghost goes to proxyA (the route A learned), through the relay to B, which
  // refuses it: 400/3201.
  await waitUntil(
    () => relay.logs.some((l) => l.includes(`/parties/${party.type}/${party.id}`) && l.includes('"status":400')),
    'B’s refusal through the relay',
  );
  // A reads the refusal's body and removes the route once the relay has answered it.
  await waitUntilAsync(async () => !(await routeIn(A, ghost)), 'A removes ghost’s route');
  // The route is gone: the next message for ghost is refused by A itself, not sent to proxyA.
  const before = relay.logs.length;
  const again = walletA.mark();
  expectStatus(await walletA.send({ method: 'GET', path: `/parties/${party.type}/${party.id}`, destination: ghost }), 202, 'GET /parties for ghost');
  const cb = await waitAnswer(A.ctx, walletA, `/parties/${party.type}/${party.id}`, { since: again, label: 'A’s answer for ghost' });
  assert.ok(cb.path.endsWith('/error'), `${cb.path}: ${cb.bodyText}`);
  assert.equal(cb.body?.errorInformation?.errorCode, '3201', cb.bodyText);
  assert.equal(cb.headers['fspiop-source'], A.hubName);
  assert.equal(relay.logs.slice(before).filter((l) => l.includes(`/parties/${party.type}/${party.id}`)).length, 0, 'nothing more went to the relay');
});

/** Whether scheme `s` holds a route for `dfsp` (its proxy_route table, migration 022). */
async function routeIn(s: Scheme, dfsp: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: s.database.url });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM proxy_route WHERE dfsp = $1', [dfsp])).rowCount === 1;
  } finally {
    await client.end();
  }
}

async function waitUntilAsync(check: () => Promise<boolean>, label: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`${label}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitUntil(check: () => boolean, label: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) assert.fail(`${label}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the relay takes only its own hub’s certificate: a participant of A cannot speak through it as proxyB', { timeout: 30_000 }, async () => {
  const { request } = await import('undici');
  const dispatcher = await A.ctx.tls!.dispatcher(walletA.name);
  const r = await request(`${relay.urls[A.proxyName]}/parties/MSISDN/123456789`, {
    method: 'GET',
    dispatcher,
    headers: { 'fspiop-source': walletA.name, date: new Date().toUTCString(), accept: 'application/vnd.interoperability.parties+json;version=1' },
  });
  const body = (await r.body.json()) as { errorInformation?: { errorCode?: string } };
  assert.equal(r.statusCode, 403);
  assert.equal(body.errorInformation?.errorCode, '3100');
});

test(
  'the payer side’s expiry asks the payee’s scheme: B committed while the relay was down; A learns it by GET and commits too',
  { timeout: 60_000 },
  async () => {
    const q = await quoteToWalletB('9');
    const before = await positions();
    const transfer = transferFromQuote(walletA, walletB.name, q, { expiresInMs: 4000 });
    walletB.setBehaviour(transfer.transferId, { kind: 'fulfil', delayMs: 1500 });
    const sinceB = walletB.mark();
    const sinceA = walletA.mark();
    expectStatus(await A.ctx.sendPrepare(transfer, { version: '1.1' }), 202, `POST /transfers ${transfer.transferId}`);
    await walletB.waitFor((r) => r.method === 'POST' && r.body?.transferId === transfer.transferId, 10_000, { since: sinceB });
    // The relay goes down before walletB fulfils: B commits, but its forward of the fulfil to walletA fails.
    const urls = relay.urls;
    await relay.stop();
    await B.ctx.waitTransferCallback(walletB, transfer.transferId, {
      type: 'put',
      from: B.hubName,
      since: sinceB,
      label: 'B’s commit confirmation to walletB',
    });
    relay = await startRelayProcess(root, A, B, urls);
    const cb = await waitAnswer(A.ctx, walletA, `/transfers/${transfer.transferId}`, { since: sinceA, timeoutMs: 15_000, label: 'the outcome at walletA' });
    assert.equal(cb.body?.transferState, 'COMMITTED', `${cb.path}: ${cb.bodyText}`);
    assert.equal(cb.headers['fspiop-source'], B.hubName, 'B’s hub answered A’s GET /transfers');
    assert.ok(
      relay.logs.some((l) => l.includes('"method":"GET"') && l.includes(`/transfers/${transfer.transferId}`)),
      'A asked through the relay',
    );
    await expectMoved(before, '9', walletB.name, 'after the late commit');
  },
);

test(
  'settlement: each scheme settles its window with its proxy as a participant (the proxy’s position is its scheme’s side of the payments)',
  { timeout: 60_000 },
  async () => {
    for (const [scheme, proxy] of [
      [A, A.proxyName],
      [B, B.proxyName],
    ] as const) {
      const settlement = new SettlementClient(scheme.ctx.admin);
      const position = await scheme.ctx.position(proxy);
      assert.notEqual(Number(position), 0, `${proxy} has a position to settle in ${scheme.hubName}`);
      const window = await settlement.closeOpenWindow('interscheme test');
      assert.ok(window !== undefined, `${scheme.hubName}: the window holds the payments`);
      const created = await settlement.create('DEFAULTDEFERREDNET', [window], 'interscheme test');
      assert.equal(created.status, 200, `${scheme.hubName}: POST /v2/settlements: ${created.rawBody}`);
      let view = created.body as SettlementView;
      const account = await scheme.ctx.admin.getAccount(proxy, 'POSITION', 'USD');
      assert.equal(netsOf(view).get(Number(account.id))?.amount, String(Number(position)), `${scheme.hubName}: the proxy's net is its position`);
      for (const state of ACCOUNT_STEPS) {
        const stepped = await settlement.stepAll(view, state, 'interscheme test');
        assert.equal(stepped.status, 200, `${scheme.hubName}: settlement → ${state}: ${stepped.rawBody}`);
        view = await settlement.settlement(view.id);
      }
      assert.equal(view.state, 'SETTLED');
      await scheme.ctx.expectPosition(proxy, '0', `${scheme.hubName}: the proxy's position after settlement`);
    }
  },
);
