// Security scenarios, run only against a secured hub (SuiteOptions.security): written from security.md §1 (JWS),
// §3 (mutual TLS), fspiop.md §3/§12/§14/§15 and the hub's documented Admin API for JWS keys and endpoints.
// Every refusal is checked to leave nothing behind (GET /transfers/{ID} → 3208) and the hub to keep serving.
import assert from 'node:assert/strict';
import { expectStatus, expectSyncError, assertErrorInformation, assertHubMessage } from '../lib/checks.js';
import type { SuiteContext, Transfer } from '../lib/context.js';
import type { DfspSimulator, RecordedRequest } from '../lib/dfsp.js';
import { imfDate, RequestFailed, type FspiopResponse } from '../lib/http.js';
import { decodeProtectedHeader, protectedHeaderOf, signatureValue, verifySignature, type JwsMessage } from '../lib/jws.js';
import type { Scenario } from '../lib/scenario.js';
import { probeTls, type Credentials, type KeyEntry } from '../lib/secure.js';
import { b64url, show } from '../lib/util.js';

const isPrepareFor = (transferId: string) => (r: RecordedRequest) => r.method === 'POST' && r.path === '/transfers' && r.body?.transferId === transferId;

/** The prepare of `t` as the payer signs it: exact body bytes and the headers the signature covers. */
function prepareMessage(t: Transfer, o: { date?: string; body?: string } = {}): JwsMessage & { body: string; date: string } {
  return { method: 'POST', uri: '/transfers', source: t.payerFsp, destination: t.payeeFsp, date: o.date ?? imfDate(), body: o.body ?? JSON.stringify(t.body) };
}

/**
 * Headers of a prepare whose FSPIOP-Signature is made by `key` over `m` with protected-header members replaced
 * (`undefined` removes one) — the request headers themselves stay those of `m`.
 */
async function forged(key: KeyEntry, m: JwsMessage & { date: string }, ph: Record<string, unknown> = {}): Promise<Record<string, string>> {
  const header: Record<string, unknown> = { ...protectedHeaderOf(key.alg, m), ...ph };
  for (const k of Object.keys(header)) if (header[k] === undefined) delete header[k];
  return { date: m.date, 'fspiop-uri': m.uri, 'fspiop-http-method': m.method, 'fspiop-signature': await signatureValue(key.privateKey, header, m.body) };
}

function keyOf(ctx: SuiteContext, name: string): KeyEntry {
  assert.ok(ctx.keyring, 'the run signs (security.sign)');
  return ctx.keyring.signingKey(name);
}

/** A refused request left nothing: the payee saw no prepare, and the hub does not know the transfer (3208). */
async function expectNothingRecorded(ctx: SuiteContext, t: Transfer, payer: DfspSimulator, payee: DfspSimulator, what: string): Promise<void> {
  ctx.assertNone(payee, isPrepareFor(t.transferId), `a prepare for ${what}`);
  const since = payer.mark();
  expectStatus(await ctx.getTransfer(payer.name, t.transferId), 202, `GET /transfers/${t.transferId} after ${what}`);
  await ctx.expectHubError(payer, t.transferId, '3208', { since, label: `3208 for ${t.transferId} (${what}: nothing may be recorded)` });
}

/** A correctly secured transfer on the pair still commits. */
async function expectStillServing(ctx: SuiteContext, payer: DfspSimulator, payee: DfspSimulator, what: string): Promise<void> {
  const t = ctx.newTransfer({ payer, payee });
  expectStatus(await ctx.sendPrepare(t), 202, `a correct prepare after ${what}`);
  const put = await ctx.waitTransferCallback(payer, t.transferId, { type: 'put', from: payee.name, label: `fulfil of a correct transfer after ${what}` });
  assert.equal(put.body?.transferState, 'COMMITTED', `transfer after ${what}: ${show(put.bodyText)}`);
}

/** The prepare must be refused with 400/`code` and leave nothing behind. */
async function expectRefused(
  ctx: SuiteContext,
  t: Transfer,
  pair: { payer: DfspSimulator; payee: DfspSimulator },
  res: FspiopResponse,
  code: string,
  what: string,
  description?: RegExp,
): Promise<void> {
  if (process.env.CONFORMANCE_DEBUG) console.log(`[debug] ${what}: ${res.status} ${res.rawBody}`);
  try {
    expectSyncError(res, 400, code, description ? { description } : {});
  } catch (err) {
    (err as Error).message = `${what}: ${(err as Error).message}`;
    throw err;
  }
  await expectNothingRecorded(ctx, t, pair.payer, pair.payee, what);
}

/**
 * The hub must refuse the connection at the TLS level: the request (default TLS version, 1.3) gets no HTTP answer,
 * and a raw TLS 1.2 handshake with the same credentials is aborted by the server.
 */
async function expectTlsRefusal(ctx: SuiteContext, creds: Credentials | undefined, send: () => Promise<FspiopResponse>, what: string): Promise<void> {
  let res: FspiopResponse | undefined;
  try {
    res = await send();
  } catch (err) {
    assert.ok(err instanceof RequestFailed, `${what}: unexpected error ${String(err)}`);
    assert.ok(!err.codes.some((c) => /TIMEOUT/i.test(c)), `${what}: the request timed out instead of being refused: ${err.message}`);
    if (process.env.CONFORMANCE_DEBUG) console.log(`[debug] ${what}: ${err.message}`);
  }
  if (res) assert.fail(`${what}: the TLS handshake must be refused, but the hub answered HTTP ${res.status} ${show(res.rawBody, 400)}`);
  const probe = await probeTls(ctx.opts.hubUrl, ctx.tls!.ca, creds);
  if (process.env.CONFORMANCE_DEBUG) console.log(`[debug] ${what}, TLS 1.2 probe: ${show(probe)}`);
  assert.ok(!probe.handshake && !probe.http, `${what}: a TLS 1.2 handshake must be aborted by the hub; got ${show(probe)}`);
}

async function adminError(ctx: SuiteContext, r: { status: number; rawBody: string; body: unknown }, status: number, code: string, what: string): Promise<void> {
  assert.equal(r.status, status, `${what}: expected HTTP ${status}, got ${r.status} ${show(r.rawBody)}`);
  assertErrorInformation(r.body, code, what, { standardPrefix: false });
}

// ---- JWS -------------------------------------------------------------------------------------------------------

const jwsScenarios: Scenario[] = [
  {
    name: 'security: unsigned prepare → 400/3105; nothing recorded; the hub keeps serving',
    requires: ['jws'],
    run: async (ctx) => {
      const pair = await ctx.shared();
      const t = ctx.newTransfer(pair);
      const res = await ctx.sendPrepare(t, { headers: { 'fspiop-signature': null } });
      assert.equal(res.request.headers['fspiop-signature'], undefined, 'the prepare was sent without a signature');
      await expectRefused(ctx, t, pair, res, '3105', 'an unsigned prepare');
      await expectStillServing(ctx, pair.payer, pair.payee, 'an unsigned prepare');
    },
  },
  {
    name: 'security: unsigned fulfil → 400/3105; the transfer stays RESERVED until the signed fulfil commits it',
    requires: ['jws'],
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee });
      payee.setBehaviour(t.transferId, { kind: 'silent' });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      await payee.waitFor(isPrepareFor(t.transferId), ctx.T, { label: `prepare ${t.transferId} at the payee` });
      const body = { fulfilment: t.fulfilment, completedTimestamp: new Date().toISOString(), transferState: 'COMMITTED' };
      const unsigned = await ctx.sendTransferPut(t, { from: payee.name, to: payer.name, body, headers: { 'fspiop-signature': null } });
      expectSyncError(unsigned, 400, '3105');
      const state = await ctx.queryTransfer(payer, t.transferId);
      assert.equal(state.body?.transferState, 'RESERVED', `after the unsigned fulfil the transfer must still be RESERVED: ${show(state.bodyText)}`);
      ctx.assertNone(payer, (r) => r.path === `/transfers/${t.transferId}` && r.headers['fspiop-source'] === payee.name, 'the unsigned fulfil');
      const signed = await ctx.sendTransferPut(t, { from: payee.name, to: payer.name, body });
      expectStatus(signed, 200, 'the signed fulfil');
      const put = await ctx.waitTransferCallback(payer, t.transferId, { type: 'put', from: payee.name });
      assert.equal(put.body?.transferState, 'COMMITTED', `signed fulfil forwarded: ${show(put.bodyText)}`);
    },
  },
  {
    name: 'security: body changed after signing (valid signature of the original bytes) → 400/3105, also for a re-formatting of the same JSON',
    requires: ['jws'],
    run: async (ctx) => {
      const pair = await ctx.shared();
      const key = keyOf(ctx, pair.payer.name);
      const t1 = ctx.newTransfer(pair);
      const m1 = prepareMessage(t1);
      const tampered = JSON.stringify({ ...t1.body, amount: { amount: '11', currency: t1.currency } });
      await expectRefused(
        ctx,
        t1,
        pair,
        await ctx.sendPrepare(t1, { raw: tampered, headers: await forged(key, m1) }),
        '3105',
        'a prepare whose amount changed after signing',
      );
      const t2 = ctx.newTransfer(pair);
      const m2 = prepareMessage(t2);
      const reformatted = JSON.stringify(t2.body, null, 1);
      await expectRefused(
        ctx,
        t2,
        pair,
        await ctx.sendPrepare(t2, { raw: reformatted, headers: await forged(key, m2) }),
        '3105',
        'a prepare re-formatted after signing (the hub verifies the bytes received, fspiop.md §15)',
      );
      await expectStillServing(ctx, pair.payer, pair.payee, 'tampered prepares');
    },
  },
  {
    name: "security: prepare signed with another participant's key, or with a key never registered → 400/3105",
    requires: ['jws'],
    run: async (ctx) => {
      const pair = await ctx.shared();
      const own = keyOf(ctx, pair.payer.name);
      // a registered key of another participant, of the payer's own algorithm (so only the owner is wrong)
      const other = ctx.keyring!.otherRegistered(own.alg, pair.payer.name) ?? {
        name: '(new)',
        key: await ctx.registerJwsKey((await ctx.newDfsp({ prefix: 'key' })).name, { alg: own.alg }),
      };
      const t0 = ctx.newTransfer(pair);
      const m0 = prepareMessage(t0);
      await expectRefused(
        ctx,
        t0,
        pair,
        await ctx.sendPrepare(t0, { raw: m0.body, headers: await forged(other.key, m0) }),
        '3105',
        `a prepare signed with ${other.name}'s ${other.key.alg} key`,
      );
      const t1 = ctx.newTransfer(pair);
      const m1 = prepareMessage(t1);
      await expectRefused(
        ctx,
        t1,
        pair,
        await ctx.sendPrepare(t1, { raw: m1.body, headers: await forged(keyOf(ctx, pair.payee.name), m1) }),
        '3105',
        "a prepare signed with the payee's key",
      );
      const stranger = await ctx.keyring!.create(`unregistered-${pair.payer.name}`, { alg: own.alg, use: false });
      const t2 = ctx.newTransfer(pair);
      const m2 = prepareMessage(t2);
      await expectRefused(
        ctx,
        t2,
        pair,
        await ctx.sendPrepare(t2, { raw: m2.body, headers: await forged(stranger, m2) }),
        '3105',
        'a prepare signed with an unregistered key',
      );
      await expectStillServing(ctx, pair.payer, pair.payee, 'prepares signed with the wrong keys');
    },
  },
  {
    name: 'security: protected header ≠ request (FSPIOP-URI, FSPIOP-HTTP-Method, FSPIOP-Source, FSPIOP-Destination, Date), validly signed → 400/3105 each',
    requires: ['jws'],
    run: async (ctx) => {
      const pair = await ctx.shared();
      const other = await ctx.observer();
      const key = keyOf(ctx, pair.payer.name);
      // control: the same forging helper without a change is accepted (so each refusal below is due to the change)
      const control = ctx.newTransfer(pair);
      const cm = prepareMessage(control);
      expectStatus(
        await ctx.sendPrepare(control, { raw: cm.body, headers: await forged(key, cm) }),
        202,
        `control: a prepare signed by the helper (${key.alg})`,
      );
      const variants: Array<[string, (t: Transfer, m: JwsMessage & { date: string }) => Record<string, unknown>]> = [
        ['FSPIOP-URI', (t) => ({ 'FSPIOP-URI': `/transfers/${t.transferId}` })],
        ['FSPIOP-HTTP-Method', () => ({ 'FSPIOP-HTTP-Method': 'PUT' })],
        ['FSPIOP-Source', () => ({ 'FSPIOP-Source': pair.payee.name })],
        ['FSPIOP-Destination', () => ({ 'FSPIOP-Destination': other.name })],
        ['FSPIOP-Destination missing', () => ({ 'FSPIOP-Destination': undefined })],
        ['Date', (_t, m) => ({ Date: new Date(Date.parse(m.date) - 1000).toUTCString() })],
        ['FSPIOP-URI missing', () => ({ 'FSPIOP-URI': undefined })],
      ];
      for (const [member, change] of variants) {
        const t = ctx.newTransfer(pair);
        const m = prepareMessage(t);
        const res = await ctx.sendPrepare(t, { raw: m.body, headers: await forged(key, m, change(t, m)) });
        await expectRefused(ctx, t, pair, res, '3105', `a prepare whose protected ${member} does not match the request`);
      }
      // the header side changed instead: protected FSPIOP-URI right, the FSPIOP-URI header wrong
      const t = ctx.newTransfer(pair);
      const m = prepareMessage(t);
      const res = await ctx.sendPrepare(t, { raw: m.body, headers: { ...(await forged(key, m)), 'fspiop-uri': '/quotes' } });
      await expectRefused(ctx, t, pair, res, '3105', 'a prepare whose FSPIOP-URI header differs from the protected one');
      await expectStillServing(ctx, pair.payer, pair.payee, 'mismatching protected headers');
    },
  },
  {
    name: 'security: alg none (empty or non-empty signature) and HS256 keyed with the public key → 400/3105',
    requires: ['jws'],
    run: async (ctx) => {
      const pair = await ctx.shared();
      const key = keyOf(ctx, pair.payer.name);
      const attempts: Array<[string, (m: JwsMessage & { date: string }) => string | Promise<string>]> = [
        [
          'alg none, empty signature',
          (m) => JSON.stringify({ protectedHeader: b64url(Buffer.from(JSON.stringify(protectedHeaderOf('none', m)))), signature: '' }),
        ],
        [
          'alg none, some signature',
          (m) => JSON.stringify({ protectedHeader: b64url(Buffer.from(JSON.stringify(protectedHeaderOf('none', m)))), signature: b64url(Buffer.from('x')) }),
        ],
        [
          'HS256 keyed with the public key',
          // a real HS256 JWS (jose) whose secret is the text of the payer's registered public key
          (m) => signatureValue(Buffer.from(key.publicKeyPem, 'utf8'), protectedHeaderOf('HS256', m), m.body),
        ],
      ];
      for (const [what, make] of attempts) {
        const t = ctx.newTransfer(pair);
        const m = prepareMessage(t);
        const headers = { date: m.date, 'fspiop-uri': m.uri, 'fspiop-http-method': 'POST', 'fspiop-signature': await make(m) };
        await expectRefused(ctx, t, pair, await ctx.sendPrepare(t, { raw: m.body, headers }), '3105', `a prepare with ${what}`);
      }
      await expectStillServing(ctx, pair.payer, pair.payee, 'unsigned algorithms');
    },
  },
  {
    name: 'security: Date 10 minutes old or 10 minutes ahead, validly signed → 400/3100 (prepare and GET); nothing recorded',
    requires: ['jws'],
    run: async (ctx) => {
      const pair = await ctx.shared();
      const window = ctx.opts.security?.dateWindowS ?? 300;
      const offset = Math.max(600, 2 * window) * 1000;
      for (const [what, at] of [
        ['old', Date.now() - offset],
        ['future', Date.now() + offset],
      ] as const) {
        const date = imfDate(new Date(at));
        const t = ctx.newTransfer(pair);
        const res = await ctx.sendPrepare(t, { headers: { date } }); // signed by the suite over this Date
        const ph = decodeProtectedHeader(res.request.headers['fspiop-signature'] ?? '');
        assert.equal(ph?.['Date'], date, 'the prepare is signed over its Date');
        await expectRefused(ctx, t, pair, res, '3100', `a prepare dated ${what} (${date})`, /date/i);
        const get = await ctx.send({ method: 'GET', path: `/transfers/${t.transferId}`, source: pair.payer.name, destination: ctx.hubName, headers: { date } });
        expectSyncError(get, 400, '3100', { description: /date/i });
      }
      await expectStillServing(ctx, pair.payer, pair.payee, 'stale and future Date headers');
    },
  },
];

// ---- JWS keys (Admin API) --------------------------------------------------------------------------------------

const keyScenarios: Scenario[] = [
  {
    name: 'security: key rotation — a second key signs, both work while active; after revoking the first its signatures → 3105, the second still works',
    requires: ['jws'],
    run: async (ctx) => {
      const pair = await ctx.newPair();
      const { payer } = pair;
      const first = keyOf(ctx, payer.name);
      assert.ok(first.registered, 'the first key was registered at provisioning');
      // same algorithm: the refusal after revocation can only be due to the revocation
      const second = await ctx.registerJwsKey(payer.name, { alg: first.alg, kid: `${payer.name}-rotated` });
      await expectStillServing(ctx, payer, pair.payee, `registering a second key (${second.alg}) and signing with it`);

      // the first key is still active: accepted too
      const t1 = ctx.newTransfer(pair);
      const m1 = prepareMessage(t1);
      expectStatus(
        await ctx.sendPrepare(t1, { raw: m1.body, headers: await forged(first, m1) }),
        202,
        'a prepare signed with the first key while both are active',
      );
      await ctx.waitTransferCallback(payer, t1.transferId, { type: 'put', from: pair.payee.name });

      const revoke = await ctx.admin.revokeJwsKey(payer.name, first.kid);
      assert.equal(revoke.status, 204, `DELETE /participants/${payer.name}/jwsKeys/${first.kid}: expected 204, got ${revoke.status} ${show(revoke.rawBody)}`);
      const t2 = ctx.newTransfer(pair);
      const m2 = prepareMessage(t2);
      await expectRefused(
        ctx,
        t2,
        pair,
        await ctx.sendPrepare(t2, { raw: m2.body, headers: await forged(first, m2) }),
        '3105',
        'a prepare signed with the revoked key',
      );
      await expectStillServing(ctx, payer, pair.payee, 'revoking the first key');

      const list = await ctx.admin.listJwsKeys(payer.name);
      assert.equal(list.status, 200, `GET jwsKeys: ${list.status} ${show(list.rawBody)}`);
      const keys = list.body as Array<{ kid: string; revokedDate?: string }>;
      assert.ok(keys.find((k) => k.kid === first.kid)?.revokedDate, `the first key must show a revokedDate: ${show(list.rawBody)}`);
      const active = keys.filter((k) => !k.revokedDate).map((k) => k.kid);
      assert.deepEqual(active, [second.kid], `only the second key is active: ${show(list.rawBody)}`);
    },
  },
  {
    name: 'security: Admin API — a third key while two are active → 400/3100; the two stay the only active ones',
    requires: ['jws'],
    run: async (ctx) => {
      const d = await ctx.newDfsp({ prefix: 'key' });
      const second = await ctx.registerJwsKey(d.name, { use: false });
      const third = await ctx.keyring!.create(d.name, { use: false });
      await adminError(
        ctx,
        await ctx.admin.addJwsKey(d.name, third.publicKeyPem, third.kid),
        400,
        '3100',
        `POST /participants/${d.name}/jwsKeys (third active key)`,
      );
      const list = await ctx.admin.listJwsKeys(d.name);
      const active = (list.body as Array<{ kid: string; revokedDate?: string }>)
        .filter((k) => !k.revokedDate)
        .map((k) => k.kid)
        .sort();
      assert.deepEqual(active, [keyOf(ctx, d.name).kid, second.kid].sort(), `active keys after the refused third: ${show(list.rawBody)}`);
      // a private key is never accepted as a participant key
      const r = await ctx.admin.addJwsKey(d.name, third.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), `${d.name}-private`);
      assert.equal(r.status, 400, `POST jwsKeys with a private key must be refused: ${r.status} ${show(r.rawBody)}`);
    },
  },
];

// ---- mutual TLS ------------------------------------------------------------------------------------------------

const tlsScenarios: Scenario[] = [
  {
    name: 'security: client certificate of participant A with FSPIOP-Source B → 400/3100 (prepare, GET); nothing recorded',
    requires: ['mtls'],
    run: async (ctx) => {
      const pair = await ctx.shared();
      const other = await ctx.observer();
      const t = ctx.newTransfer(pair);
      const res = await ctx.sendPrepare(t, { identity: pair.payee.name }); // signed by the payer: only the certificate is wrong
      assert.equal(res.request.identity, pair.payee.name);
      await expectRefused(ctx, t, pair, res, '3100', "a prepare by the payer sent with the payee's certificate", /certificate/i);
      const get = await ctx.send({
        method: 'GET',
        path: `/transfers/${t.transferId}`,
        source: pair.payer.name,
        destination: ctx.hubName,
        identity: other.name,
      });
      expectSyncError(get, 400, '3100', { description: /certificate/i });
      await expectStillServing(ctx, pair.payer, pair.payee, 'a certificate / FSPIOP-Source mismatch');
    },
  },
  {
    name: 'security: no client certificate → TLS handshake refused; nothing recorded',
    requires: ['mtls'],
    run: async (ctx) => {
      const pair = await ctx.shared();
      const t = ctx.newTransfer(pair);
      // control: the probe completes with the payer's own certificate
      const own = await probeTls(ctx.opts.hubUrl, ctx.tls!.ca, await ctx.tls!.credentials(pair.payer.name));
      assert.ok(own.handshake && own.http, `control: a TLS 1.2 connection with ${pair.payer.name}'s certificate must work; got ${show(own)}`);
      await expectTlsRefusal(ctx, undefined, () => ctx.sendPrepare(t, { identity: null }), 'a prepare without a client certificate');
      await expectNothingRecorded(ctx, t, pair.payer, pair.payee, 'a connection without a client certificate');
      await expectStillServing(ctx, pair.payer, pair.payee, 'a connection without a client certificate');
    },
  },
  {
    name: 'security: client certificate of another CA → TLS handshake refused; nothing recorded',
    requires: ['mtls', 'foreignCert'],
    run: async (ctx) => foreignOrRevoked(ctx, ctx.opts.security!.foreignCertificate!, 'a certificate of another CA'),
  },
  {
    name: 'security: revoked scheme certificate → TLS handshake refused; nothing recorded',
    requires: ['mtls', 'revokedCert'],
    run: async (ctx) => foreignOrRevoked(ctx, ctx.opts.security!.revokedCertificate!, 'a revoked certificate'),
  },
  {
    name: 'security: Admin API — callback endpoint with http:// → 400/3101 (the hub calls back over mutual TLS); the https one stays',
    requires: ['mtls'],
    run: async (ctx) => {
      const d = await ctx.observer();
      const type = 'FSPIOP_CALLBACK_URL_TRANSFER_POST';
      const plain = d.baseUrl.replace(/^https:/, 'http:') + '/transfers';
      await adminError(ctx, await ctx.admin.tryEndpoint(d.name, type, plain), 400, '3101', `POST /participants/${d.name}/endpoints ${type} ${plain}`);
      const r = await ctx.admin.call('GET', `/participants/${encodeURIComponent(d.name)}/endpoints`);
      const value = (r.body as Array<{ type: string; value: string }>).find((e) => e.type === type)?.value;
      assert.equal(value, `${d.baseUrl}/transfers`, `the registered ${type} is unchanged: ${show(r.rawBody)}`);
      assert.match(value!, /^https:/);
    },
  },
];

async function foreignOrRevoked(ctx: SuiteContext, creds: Credentials, what: string): Promise<void> {
  const pair = await ctx.shared();
  const t = ctx.newTransfer(pair);
  const dispatcher = ctx.tls!.dispatcherWith(creds);
  await expectTlsRefusal(ctx, creds, () => ctx.sendPrepare(t, { dispatcher }), `a prepare with ${what}`);
  await expectNothingRecorded(ctx, t, pair.payer, pair.payee, what);
  await expectStillServing(ctx, pair.payer, pair.payee, what);
}

// ---- signatures on what the hub sends --------------------------------------------------------------------------

const hubSignatureScenarios: Scenario[] = [
  {
    name: "security: hub-authored callbacks are signed with the hub's key over sorted-key bodies; forwarded messages keep the sender's signature",
    requires: ['jws', 'hubKey'],
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee });
      const res = await ctx.sendPrepare(t);
      expectStatus(res, 202, 'POST /transfers');
      const sent = res.request.headers['fspiop-signature'];
      assert.ok(sent, 'the prepare was signed');

      const fwd = await payee.waitFor(isPrepareFor(t.transferId), ctx.T, { label: `prepare ${t.transferId} at the payee` });
      assert.equal(fwd.headers['fspiop-signature'], sent, "the forwarded prepare keeps the payer's signature byte for byte");
      assert.deepEqual(fwd.signature, { ok: true, signer: payer.name, detail: keyOf(ctx, payer.name).alg }, 'forwarded prepare: signature check');

      const put = await ctx.waitTransferCallback(payer, t.transferId, { type: 'put', from: payee.name });
      assert.equal(put.signature?.ok, true, `forwarded fulfil: the payee's signature must verify: ${show(put.signature)}`);
      assert.equal(put.signature?.signer, payee.name);

      const conf = await ctx.expectHubCallback(payee, t.transferId, { type: 'put', label: 'commit confirmation to the payee' });
      assert.equal(conf.signature?.ok, true, `hub confirmation: ${show(conf.signature)}`);
      const ph = decodeProtectedHeader(conf.headers['fspiop-signature']!)!;
      assert.equal(ph['FSPIOP-Source'], ctx.hubName, 'hub signature: protected FSPIOP-Source');
      assert.equal(ph['FSPIOP-Destination'], payee.name, 'hub signature: protected FSPIOP-Destination');
      assert.equal(ph['Date'], conf.headers['date'], 'hub signature: protected Date');

      // negative controls: the checks this run relies on do reject wrong signatures
      const flipped = Buffer.from(conf.rawBody);
      flipped[flipped.length - 2] ^= 1;
      assert.equal((await verifySignature(conf.method, conf.headers, flipped, [ctx.hubKey!])).ok, false, 'a changed body must not verify');
      assert.equal(
        (await verifySignature(conf.method, conf.headers, conf.rawBody, ctx.keyring!.publicKeys(payer.name))).ok,
        false,
        "the hub's signature must not verify with a DFSP key",
      );

      // a hub error callback (GET of an unknown transfer → 3208) is signed too
      const unknown = ctx.newTransfer({ payer, payee, register: false });
      const since = payer.mark();
      expectStatus(await ctx.getTransfer(payer.name, unknown.transferId), 202, 'GET /transfers/{unknown}');
      const err = await ctx.expectHubError(payer, unknown.transferId, '3208', { since });
      assert.equal(err.signature?.ok, true, `hub error callback: ${show(err.signature)}`);
      assertHubMessage(err, {
        hubName: ctx.hubName,
        destination: payer.name,
        method: 'PUT',
        uri: `/transfers/${unknown.transferId}/error`,
        callbackVersion: ctx.opts.callbackVersion,
      });
    },
  },
];

export const securityScenarios: Scenario[] = [...jwsScenarios, ...keyScenarios, ...tlsScenarios, ...hubSignatureScenarios];
