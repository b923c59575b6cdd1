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
import type { DfspSimulator } from '../conformance/index.js';
import { verifySignature } from '../conformance/lib/jws.js';
import { agreedQuote, discoverParty, newQuoteRequest, registerPartyOk, requestQuote, waitPartiesGet, type PartyRef } from '../conformance/lib/flows.js';
import { provisionProxy, startRelayProcess, startScheme, stopScheme, type RunningRelay, type Scheme } from './support/interscheme.js';

let root: string;
let A: Scheme;
let B: Scheme;
let relay: RunningRelay;
let walletA: DfspSimulator;
let walletB: DfspSimulator;
let partyB: PartyRef;

const HUB_ENV = { MIZANI_PROXY_DISCOVERY_TIMEOUT_MS: '3000', MIZANI_PROXY_EXPIRY_GRACE_MS: '3000' };

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
