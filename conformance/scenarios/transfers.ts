// FSPIOP /transfers scenarios, written from the contract (fspiop.md §1–9, §14; errors.md) and docs/transfers.md.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { assertForwarded, assertVersionExtensions, expectStatus, expectSyncError, extensionValue } from '../lib/checks.js';
import type { SuiteContext, Transfer } from '../lib/context.js';
import { addDecimal, subDecimal } from '../lib/decimal.js';
import type { DfspSimulator, RecordedRequest } from '../lib/dfsp.js';
import type { Scenario } from '../lib/scenario.js';
import { show } from '../lib/util.js';

export type { Scenario } from '../lib/scenario.js';

const isPrepareFor = (transferId: string) => (r: RecordedRequest) => r.method === 'POST' && r.path === '/transfers' && r.body?.transferId === transferId;

async function waitPrepareAt(ctx: SuiteContext, payee: DfspSimulator, t: Transfer): Promise<RecordedRequest> {
  return payee.waitFor(isPrepareFor(t.transferId), ctx.T, {
    label: `forwarded POST /transfers for ${t.transferId}`,
    context: (r) => r.path.startsWith('/transfers'),
  });
}

function assertState(rec: RecordedRequest, state: string, where: string): void {
  assert.equal(rec.body?.transferState, state, `${where}: transferState should be ${state}; body ${show(rec.bodyText)}`);
}

function assertIsoTimestamp(v: unknown, where: string): void {
  assert.ok(
    typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)),
    `${where}: completedTimestamp must be a DateTime with milliseconds, got ${JSON.stringify(v)}`,
  );
}

/** Happy path with full checks on a dedicated pair. */
async function happyPath(ctx: SuiteContext, version: string, idKind: 'uuid' | 'ulid'): Promise<void> {
  const { payer, payee } = await ctx.newPair();
  const payerBefore = await ctx.position(payer);
  const payeeBefore = await ctx.position(payee);
  const t = ctx.newTransfer({ payer, payee, amount: '12.34', idKind });
  const trace = randomUUID();
  const res = await ctx.sendPrepare(t, { version, pretty: true, sign: true, headers: { 'x-conformance-trace': trace } });
  expectStatus(res, 202, 'POST /transfers');
  assert.equal(res.rawBody, '', `202 to POST /transfers must have no body, got ${show(res.rawBody)}`);

  // the prepare reaches the payee with the original bytes and headers
  const fwd = await waitPrepareAt(ctx, payee, t);
  assertForwarded(fwd, res.request, { extraHeaders: ['x-conformance-trace'] });

  // the reservation was committed before the 202 (payer position includes it, reserved or already committed)
  await ctx.expectPosition(payer, addDecimal(payerBefore, t.amount), 'payer position after 202');

  // the payee's fulfil: 200, forwarded unchanged to the payer
  const out = await payee.waitForOutbound((o) => o.transferId === t.transferId, ctx.T, `payee fulfil of ${t.transferId}`);
  assert.ok(out.response, `payee fulfil could not be sent: ${out.error}`);
  expectStatus(out.response, 200, 'payee PUT /transfers/{id} (COMMITTED)');
  const put = await ctx.waitTransferCallback(payer, t.transferId, { type: 'put', from: payee.name });
  assertForwarded(put, out.response.request);
  assertState(put, 'COMMITTED', 'fulfil forwarded to payer');
  assert.equal(put.body?.fulfilment, t.fulfilment, 'fulfil forwarded to payer: fulfilment');

  // the payee gets the hub's confirmation
  const conf = await ctx.expectHubCallback(payee, t.transferId, { type: 'put', label: 'commit confirmation PUT from the hub to the payee' });
  assertState(conf, 'COMMITTED', 'confirmation to payee');
  assert.equal(conf.body?.fulfilment, t.fulfilment, `confirmation to payee: fulfilment; body ${show(conf.bodyText)}`);

  await ctx.expectPosition(payer, addDecimal(payerBefore, t.amount), 'payer position after commit');
  await ctx.expectPosition(payee, subDecimal(payeeBefore, t.amount), 'payee position after commit');
  ctx.assertNone(payee, (r) => r.method === 'PATCH', 'a PATCH (the payee answered COMMITTED)');
}

/** A prepare on the shared pair with valid headers and a modified body: expect a synchronous error. */
async function badPrepare(
  ctx: SuiteContext,
  mutate: (body: Record<string, unknown>, t: Transfer) => string,
  status: number,
  code: string,
  description?: string | RegExp,
  version = '1.1',
): Promise<void> {
  const { payer, payee } = await ctx.shared();
  const t = ctx.newTransfer({ payer, payee });
  const body = JSON.parse(JSON.stringify(t.body)) as Record<string, unknown>;
  const res = await ctx.sendPrepare(t, { raw: mutate(body, t), version });
  expectSyncError(res, status, code, { description });
}

/** A well-formed prepare from the shared pair with header overrides: expect a synchronous error. */
async function badHeaders(
  ctx: SuiteContext,
  headers: Record<string, string | null>,
  status: number,
  code: string,
  description?: string | RegExp,
  extra: { source?: string | null; version?: string } = {},
): Promise<ReturnType<SuiteContext['sendPrepare']> extends Promise<infer R> ? R : never> {
  const { payer, payee } = await ctx.shared();
  const t = ctx.newTransfer({ payer, payee });
  const res = await ctx.sendPrepare(t, { headers, source: extra.source, version: extra.version });
  expectSyncError(res, status, code, { description });
  return res;
}

export const transferScenarios: Scenario[] = [
  // ---- happy paths ---------------------------------------------------------------------------------------------
  {
    name: 'happy path v1.1: COMMITTED, original bytes/headers forwarded, payee confirmation, positions',
    run: (ctx) => happyPath(ctx, '1.1', 'uuid'),
  },
  {
    name: 'happy path v2.0 content types',
    run: (ctx) => happyPath(ctx, '2.0', 'uuid'),
  },
  {
    name: 'happy path v1.1 with a ULID transferId',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee, idKind: 'ulid' });
      expectStatus(await ctx.sendPrepare(t, { version: '1.1' }), 202, 'POST /transfers (ULID id)');
      const put = await ctx.waitTransferCallback(payer, t.transferId, { type: 'put', from: payee.name });
      assertState(put, 'COMMITTED', 'fulfil forwarded to payer');
      const conf = await ctx.expectHubCallback(payee, t.transferId, { type: 'put' });
      assertState(conf, 'COMMITTED', 'confirmation to payee');
    },
  },

  // ---- payee answers -------------------------------------------------------------------------------------------
  {
    name: 'payee rejects (PUT /error 5100): forwarded to payer, reservation released',
    run: async (ctx) => {
      const { payer, payee } = await ctx.newPair();
      const payerBefore = await ctx.position(payer);
      const payeeBefore = await ctx.position(payee);
      const t = ctx.newTransfer({ payer, payee, amount: '7.5' });
      payee.setBehaviour(t.transferId, { kind: 'reject', errorCode: '5100', errorDescription: 'Generic Payee rejection - conformance' });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      const out = await payee.waitForOutbound((o) => o.transferId === t.transferId, ctx.T, 'payee error callback');
      assert.ok(out.response, `payee error callback could not be sent: ${out.error}`);
      expectStatus(out.response, 200, 'payee PUT /transfers/{id}/error');
      const err = await ctx.waitTransferCallback(payer, t.transferId, { type: 'error', from: payee.name });
      assertForwarded(err, out.response.request);
      assert.equal(err.body?.errorInformation?.errorCode, '5100', `forwarded error: code; body ${show(err.bodyText)}`);
      await ctx.expectPosition(payer, payerBefore, 'payer position after payee rejection');
      await ctx.expectPosition(payee, payeeBefore, 'payee position after payee rejection');
      const q = await ctx.queryTransfer(payer, t.transferId);
      assertState(q, 'ABORTED', 'GET after rejection');
    },
  },
  {
    name: 'payee answers RESERVED (v1.1): payer gets COMMITTED from hub, payee gets PATCH',
    run: async (ctx) => {
      const { payer, payee } = await ctx.newPair();
      const payerBefore = await ctx.position(payer);
      const payeeBefore = await ctx.position(payee);
      const t = ctx.newTransfer({ payer, payee, amount: '3' });
      payee.setBehaviour(t.transferId, { kind: 'reserved', version: '1.1' });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      const out = await payee.waitForOutbound((o) => o.transferId === t.transferId, ctx.T, 'payee RESERVED fulfil');
      assert.ok(out.response, `payee fulfil could not be sent: ${out.error}`);
      expectStatus(out.response, 200, 'payee PUT /transfers/{id} (RESERVED)');

      const put = await ctx.expectHubCallback(payer, t.transferId, { type: 'put', label: 'PUT COMMITTED from the hub to the payer' });
      assertState(put, 'COMMITTED', 'hub PUT to payer');
      assert.equal(put.body?.fulfilment, t.fulfilment, `hub PUT to payer: fulfilment; body ${show(put.bodyText)}`);
      assertIsoTimestamp(put.body?.completedTimestamp, 'hub PUT to payer');

      const patch = await ctx.expectHubCallback(payee, t.transferId, { type: 'patch', label: 'PATCH /transfers/{id} from the hub to the payee' });
      assertState(patch, 'COMMITTED', 'PATCH to payee');
      assert.equal(patch.body?.fulfilment, undefined, `PATCH to payee must not carry the fulfilment; body ${show(patch.bodyText)}`);
      assertIsoTimestamp(patch.body?.completedTimestamp, 'PATCH to payee');

      ctx.assertNone(
        payer,
        (r) => r.path.startsWith(`/transfers/${t.transferId}`) && r.headers['fspiop-source'] === payee.name,
        "the payee's RESERVED PUT (the hub answers the payer itself)",
      );
      await ctx.expectPosition(payer, addDecimal(payerBefore, t.amount), 'payer position after commit');
      await ctx.expectPosition(payee, subDecimal(payeeBefore, t.amount), 'payee position after commit');
    },
  },
  {
    name: 'payee answers RESERVED with version=1.0: ignored, transfer expires (3303 to both)',
    slow: true,
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee, amount: '1', expiresInMs: 2000 });
      payee.setBehaviour(t.transferId, { kind: 'reserved', version: '1.0' });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      const out = await payee.waitForOutbound((o) => o.transferId === t.transferId, ctx.T, 'payee RESERVED fulfil (1.0)');
      assert.ok(out.response, `payee fulfil could not be sent: ${out.error}`);
      expectStatus(out.response, 200, 'payee PUT /transfers/{id} RESERVED version=1.0');
      await ctx.expectHubError(payer, t.transferId, '3303');
      await ctx.expectHubError(payee, t.transferId, '3303');
      ctx.assertNone(payee, (r) => r.method === 'PATCH' && r.path.includes(t.transferId), 'a PATCH');
      ctx.assertNone(payer, (r) => r.method === 'PUT' && r.path === `/transfers/${t.transferId}`, 'a success PUT');
    },
  },

  // ---- expiry --------------------------------------------------------------------------------------------------
  {
    name: 'expiry before fulfil: 3303 from hub to payer and payee, reservation released, GET shows cause',
    slow: true,
    run: async (ctx) => {
      const { payer, payee } = await ctx.newPair();
      const payerBefore = await ctx.position(payer);
      const t = ctx.newTransfer({ payer, payee, amount: '4.2', expiresInMs: 2000 });
      payee.setBehaviour(t.transferId, { kind: 'silent' });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      await waitPrepareAt(ctx, payee, t);
      await ctx.expectPosition(payer, addDecimal(payerBefore, t.amount), 'payer position while reserved');
      await ctx.expectHubError(payer, t.transferId, '3303', { description: /^Transfer expired/ });
      await ctx.expectHubError(payee, t.transferId, '3303', { description: /^Transfer expired/ });
      await ctx.expectPosition(payer, payerBefore, 'payer position after expiry');
      const q = await ctx.queryTransfer(payer, t.transferId);
      assertState(q, 'ABORTED', 'GET after expiry');
      assert.equal(extensionValue(q.body, 'cause'), '3303: Transfer expired', `GET after expiry: extensionList cause; body ${show(q.bodyText)}`);
      assert.equal(q.body?.fulfilment, undefined, 'GET after expiry: no fulfilment');
    },
  },
  {
    name: 'fulfil after expiry: 3303 to payee and payer, transfer ABORTED, reservation released',
    slow: true,
    run: async (ctx) => {
      const { payer, payee } = await ctx.newPair();
      const payerBefore = await ctx.position(payer);
      const payeeBefore = await ctx.position(payee);
      const t = ctx.newTransfer({ payer, payee, amount: '2.5', expiresInMs: 2000 });
      payee.setBehaviour(t.transferId, { kind: 'fulfil', notBefore: Date.parse(t.expiration) + 250 });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      const out = await payee.waitForOutbound((o) => o.transferId === t.transferId, ctx.T + 2500, 'late payee fulfil');
      assert.ok(out.response, `late fulfil could not be sent: ${out.error}`);
      expectStatus(out.response, 200, 'late PUT /transfers/{id} (sync answer)');
      // Swept first: 3303 to both from the sweep (+ one to the payee for its fulfil). Not swept yet: 3303 to both.
      await ctx.expectHubError(payee, t.transferId, '3303');
      await ctx.expectHubError(payer, t.transferId, '3303');
      ctx.assertNone(payer, (r) => r.method === 'PUT' && r.path === `/transfers/${t.transferId}`, 'a success PUT');
      await ctx.expectPosition(payer, payerBefore, 'payer position after late fulfil');
      await ctx.expectPosition(payee, payeeBefore, 'payee position after late fulfil');
      const q = await ctx.queryTransfer(payer, t.transferId);
      assertState(q, 'ABORTED', 'GET after late fulfil');
    },
  },

  // ---- limits --------------------------------------------------------------------------------------------------
  {
    name: 'net debit cap exceeded: 202 then 4200 to payer, positions unchanged, nothing forwarded',
    run: async (ctx) => {
      const { payer, payee } = await ctx.newPair();
      const payerBefore = await ctx.position(payer);
      const payeeBefore = await ctx.position(payee);
      // headroom = NDC − position; one cent more than that
      const amount = addDecimal(subDecimal(ctx.opts.ndc, payerBefore), '0.01');
      const t = ctx.newTransfer({ payer, payee, amount });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      await ctx.expectHubError(payer, t.transferId, '4200');
      await ctx.expectPosition(payer, payerBefore, 'payer position after 4200');
      await ctx.expectPosition(payee, payeeBefore, 'payee position after 4200');
      ctx.assertNone(payee, isPrepareFor(t.transferId), 'the prepare of a transfer over the NDC');
      const q = await ctx.queryTransfer(payer, t.transferId);
      assertState(q, 'ABORTED', 'GET after 4200');
    },
  },

  // ---- duplicates ----------------------------------------------------------------------------------------------
  {
    name: 'duplicate prepare while RESERVED: hub answers PUT RESERVED to payer',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee });
      payee.setBehaviour(t.transferId, { kind: 'silent' });
      const first = await ctx.sendPrepare(t);
      expectStatus(first, 202, 'POST /transfers');
      await waitPrepareAt(ctx, payee, t);
      const since = payer.mark();
      expectStatus(await ctx.sendPrepare(t), 202, 'duplicate POST /transfers');
      const put = await ctx.expectHubCallback(payer, t.transferId, { type: 'put', since, label: 'duplicate answer PUT from hub' });
      assertState(put, 'RESERVED', 'duplicate answer while reserved');
      assert.equal(put.body?.fulfilment, undefined, 'duplicate answer while reserved: no fulfilment');
      assert.equal(payee.find(isPrepareFor(t.transferId)).length, 1, 'the duplicate prepare must not be forwarded to the payee again');
      // clean up: the payee rejects, releasing the reservation
      const rej = await ctx.sendTransferPut(t, {
        from: payee.name,
        to: payer.name,
        error: true,
        body: { errorInformation: { errorCode: '5100', errorDescription: 'Generic Payee rejection' } },
      });
      expectStatus(rej, 200, 'clean-up PUT /error');
    },
  },
  {
    name: 'duplicate prepare after COMMITTED: hub answers PUT COMMITTED with fulfilment',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      await ctx.waitTransferCallback(payer, t.transferId, { type: 'put', from: payee.name });
      const since = payer.mark();
      expectStatus(await ctx.sendPrepare(t), 202, 'duplicate POST /transfers');
      const put = await ctx.expectHubCallback(payer, t.transferId, { type: 'put', since, label: 'duplicate answer PUT from hub' });
      assertState(put, 'COMMITTED', 'duplicate answer after commit');
      assert.equal(put.body?.fulfilment, t.fulfilment, `duplicate answer after commit: fulfilment; body ${show(put.bodyText)}`);
      assertIsoTimestamp(put.body?.completedTimestamp, 'duplicate answer after commit');
    },
  },
  {
    name: 'duplicate prepare after ABORTED: hub answers PUT ABORTED',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee });
      payee.setBehaviour(t.transferId, { kind: 'reject', errorCode: '5100' });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      await ctx.waitTransferCallback(payer, t.transferId, { type: 'error', from: payee.name });
      const since = payer.mark();
      expectStatus(await ctx.sendPrepare(t), 202, 'duplicate POST /transfers');
      const put = await ctx.expectHubCallback(payer, t.transferId, { type: 'put', since, label: 'duplicate answer PUT from hub' });
      assertState(put, 'ABORTED', 'duplicate answer after abort');
      assert.equal(put.body?.fulfilment, undefined, 'duplicate answer after abort: no fulfilment');
    },
  },
  {
    name: 'same transferId with a different prepare body: 3106 to payer',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee, amount: '5' });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      await ctx.waitTransferCallback(payer, t.transferId, { type: 'put', from: payee.name });
      const since = payer.mark();
      const modified = { ...t.body, amount: { amount: '6', currency: t.currency } };
      expectStatus(await ctx.sendPrepare(t, { raw: JSON.stringify(modified) }), 202, 'modified POST /transfers');
      const err = await ctx.expectHubError(payer, t.transferId, '3106', { since });
      assert.ok(
        extensionValue(err.body?.errorInformation, 'originalHash') !== undefined,
        `3106 should carry an originalHash extension (docs/transfers.md); body ${show(err.bodyText)}`,
      );
    },
  },
  {
    name: 'duplicate fulfil after commit: payee gets the final state again',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      const out = await payee.waitForOutbound((o) => o.transferId === t.transferId, ctx.T, 'payee fulfil');
      assert.ok(out.response, `payee fulfil could not be sent: ${out.error}`);
      await ctx.expectHubCallback(payee, t.transferId, { type: 'put', label: 'commit confirmation to payee' });
      const since = payee.mark();
      const resend = await ctx.send({
        method: 'PUT',
        path: out.response.request.path,
        version: '1.1',
        source: payee.name,
        destination: payer.name,
        body: out.response.request.body,
        headers: { 'fspiop-uri': out.response.request.path, 'fspiop-http-method': 'PUT' },
      });
      expectStatus(resend, 200, 'duplicate PUT /transfers/{id}');
      const put = await ctx.expectHubCallback(payee, t.transferId, { type: 'put', since, label: 'final state resent to payee' });
      assertState(put, 'COMMITTED', 'final state to payee after duplicate fulfil');
    },
  },
  {
    name: 'different fulfil body after commit: 3106 to payee',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      const out = await payee.waitForOutbound((o) => o.transferId === t.transferId, ctx.T, 'payee fulfil');
      assert.ok(out.response?.request.body, `payee fulfil could not be sent: ${out.error}`);
      await ctx.expectHubCallback(payee, t.transferId, { type: 'put', label: 'commit confirmation to payee' });
      const original = JSON.parse(out.response.request.body.toString('utf8')) as { completedTimestamp: string };
      let ts = new Date().toISOString();
      if (ts === original.completedTimestamp) ts = new Date(Date.now() - 1).toISOString();
      const since = payee.mark();
      const res = await ctx.sendTransferPut(t, {
        from: payee.name,
        to: payer.name,
        body: { fulfilment: t.fulfilment, completedTimestamp: ts, transferState: 'COMMITTED' },
      });
      expectStatus(res, 200, 'modified PUT /transfers/{id}');
      await ctx.expectHubError(payee, t.transferId, '3106', { since });
    },
  },

  // ---- fulfil validation ---------------------------------------------------------------------------------------
  {
    name: 'wrong fulfilment: 3100 invalid fulfilment to payer and payee, aborted, positions restored',
    run: async (ctx) => {
      const { payer, payee } = await ctx.newPair();
      const payerBefore = await ctx.position(payer);
      const payeeBefore = await ctx.position(payee);
      const t = ctx.newTransfer({ payer, payee, amount: '9.99' });
      payee.setBehaviour(t.transferId, { kind: 'wrongFulfilment' });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      const out = await payee.waitForOutbound((o) => o.transferId === t.transferId, ctx.T, 'payee fulfil');
      assert.ok(out.response, `payee fulfil could not be sent: ${out.error}`);
      expectStatus(out.response, 200, 'PUT /transfers/{id} with a wrong fulfilment (sync)');
      await ctx.expectHubError(payer, t.transferId, '3100', { description: 'Generic validation error - invalid fulfilment' });
      await ctx.expectHubError(payee, t.transferId, '3100', { description: /invalid fulfilment/ });
      ctx.assertNone(payer, (r) => r.method === 'PUT' && r.path === `/transfers/${t.transferId}`, 'a success PUT');
      await ctx.expectPosition(payer, payerBefore, 'payer position after invalid fulfilment');
      await ctx.expectPosition(payee, payeeBefore, 'payee position after invalid fulfilment');
      const q = await ctx.queryTransfer(payer, t.transferId);
      assertState(q, 'ABORTED', 'GET after invalid fulfilment');
      assert.equal(extensionValue(q.body, 'cause'), '3100: Generic validation error - invalid fulfilment', `GET: cause; body ${show(q.bodyText)}`);
    },
  },
  {
    name: 'COMMITTED without fulfilment: 3100 to payer, aborted, positions restored',
    run: async (ctx) => {
      const { payer, payee } = await ctx.newPair();
      const payerBefore = await ctx.position(payer);
      const t = ctx.newTransfer({ payer, payee, amount: '1.01' });
      payee.setBehaviour(t.transferId, { kind: 'committedWithoutFulfilment' });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      const out = await payee.waitForOutbound((o) => o.transferId === t.transferId, ctx.T, 'payee fulfil');
      assert.ok(out.response, `payee fulfil could not be sent: ${out.error}`);
      expectStatus(out.response, 200, 'PUT /transfers/{id} COMMITTED without fulfilment (sync)');
      await ctx.expectHubError(payer, t.transferId, '3100');
      await ctx.expectPosition(payer, payerBefore, 'payer position after fulfil without fulfilment');
      const q = await ctx.queryTransfer(payer, t.transferId);
      assertState(q, 'ABORTED', 'GET after fulfil without fulfilment');
    },
  },
  {
    name: 'fulfil with completedTimestamp in the future: sync 400/3100',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee });
      payee.setBehaviour(t.transferId, { kind: 'silent' });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      await waitPrepareAt(ctx, payee, t);
      const res = await ctx.sendTransferPut(t, {
        from: payee.name,
        to: payer.name,
        body: { fulfilment: t.fulfilment, completedTimestamp: new Date(Date.now() + 60_000).toISOString(), transferState: 'COMMITTED' },
      });
      expectSyncError(res, 400, '3100');
      // the transfer is untouched: a proper fulfil still commits
      const ok = await ctx.sendTransferPut(t, {
        from: payee.name,
        to: payer.name,
        body: { fulfilment: t.fulfilment, completedTimestamp: new Date().toISOString(), transferState: 'COMMITTED' },
      });
      expectStatus(ok, 200, 'valid fulfil after the rejected one');
      const put = await ctx.waitTransferCallback(payer, t.transferId, { type: 'put', from: payee.name });
      assertState(put, 'COMMITTED', 'fulfil forwarded to payer');
    },
  },
  {
    name: 'fulfil from a participant that is not the payee: 3100 to that sender only, transfer untouched',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const intruder = await ctx.observer();
      const t = ctx.newTransfer({ payer, payee });
      payee.setBehaviour(t.transferId, { kind: 'silent' });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      await waitPrepareAt(ctx, payee, t);
      const res = await ctx.sendTransferPut(t, {
        from: intruder.name,
        to: payer.name,
        body: { fulfilment: t.fulfilment, completedTimestamp: new Date().toISOString(), transferState: 'COMMITTED' },
      });
      expectStatus(res, 200, 'PUT /transfers/{id} from a third party (sync)');
      await ctx.expectHubError(intruder, t.transferId, '3100');
      // the real payee can still commit
      const ok = await ctx.sendTransferPut(t, {
        from: payee.name,
        to: payer.name,
        body: { fulfilment: t.fulfilment, completedTimestamp: new Date().toISOString(), transferState: 'COMMITTED' },
      });
      expectStatus(ok, 200, 'fulfil by the real payee');
      const put = await ctx.waitTransferCallback(payer, t.transferId, { type: 'put', from: payee.name });
      assertState(put, 'COMMITTED', 'fulfil forwarded to payer');
      ctx.assertNone(payer, (r) => r.path === `/transfers/${t.transferId}/error`, 'an error for the third-party fulfil');
    },
  },
  {
    name: 'fulfil for an unknown transfer: 200 then 3208 to the sender',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee, register: false });
      const res = await ctx.sendTransferPut(t, {
        from: payee.name,
        to: payer.name,
        body: { fulfilment: t.fulfilment, completedTimestamp: new Date().toISOString(), transferState: 'COMMITTED' },
      });
      expectStatus(res, 200, 'PUT /transfers/{unknown id}');
      await ctx.expectHubError(payee, t.transferId, '3208');
    },
  },
  {
    name: 'payee error with an invalid error code: sync 400/3100',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee });
      payee.setBehaviour(t.transferId, { kind: 'silent' });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      await waitPrepareAt(ctx, payee, t);
      const res = await ctx.sendTransferPut(t, {
        from: payee.name,
        to: payer.name,
        error: true,
        body: { errorInformation: { errorCode: '9999', errorDescription: 'not a real code' } },
      });
      // Mojaloop's wording, quoted by errors.md §1 and docs/transfers.md, has no standard-message prefix
      expectSyncError(res, 400, '3100', {
        description: /The incoming error code: 9999 is not a valid mojaloop specification error code/,
        standardPrefix: false,
      });
      const ok = await ctx.sendTransferPut(t, {
        from: payee.name,
        to: payer.name,
        error: true,
        body: { errorInformation: { errorCode: '5100', errorDescription: 'Generic Payee rejection' } },
      });
      expectStatus(ok, 200, 'valid payee error after the rejected one');
      await ctx.waitTransferCallback(payer, t.transferId, { type: 'error', from: payee.name });
    },
  },

  // ---- identity and participants -------------------------------------------------------------------------------
  {
    name: 'unknown payer (FSPIOP-Source and payerFsp unregistered): sync 400/3202',
    run: async (ctx) => {
      const { payee } = await ctx.shared();
      const ghost = await ctx.newName('ghost'); // a source: secured runs need a certificate naming it
      const t = ctx.newTransfer({ payer: ghost, payee, register: false });
      expectSyncError(await ctx.sendPrepare(t), 400, '3202');
    },
  },
  {
    name: 'spoofed payer (FSPIOP-Source = payee, payerFsp = payer): sync 400/3100',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee, register: false });
      const res = await ctx.sendPrepare(t, { source: payee.name });
      expectSyncError(res, 400, '3100', { description: /FSPIOP-Source header should match Payer/ });
      ctx.assertNone(payee, isPrepareFor(t.transferId), 'a spoofed prepare');
    },
  },
  {
    name: 'unknown payee: 202 then 3203 to payer',
    run: async (ctx) => {
      const { payer } = await ctx.shared();
      const ghost = `ghost${randomUUID().slice(0, 8)}`;
      const t = ctx.newTransfer({ payer, payee: ghost });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers to an unknown payee');
      await ctx.expectHubError(payer, t.transferId, '3203');
    },
  },
  {
    name: 'inactive payer: sync 400/3100',
    run: async (ctx) => {
      const { payee } = await ctx.shared();
      const inactive = await ctx.newDfsp({ prefix: 'ina' });
      await ctx.admin.setParticipantActive(inactive.name, false);
      const t = ctx.newTransfer({ payer: inactive, payee });
      expectSyncError(await ctx.sendPrepare(t), 400, '3100', { description: /inactive/i });
      ctx.assertNone(payee, isPrepareFor(t.transferId), 'a prepare from an inactive payer');
    },
  },
  {
    name: 'inactive payee: 202 then 3100 to payer',
    run: async (ctx) => {
      const { payer } = await ctx.shared();
      const inactive = await ctx.newDfsp({ prefix: 'ina' });
      await ctx.admin.setParticipantActive(inactive.name, false);
      const t = ctx.newTransfer({ payer, payee: inactive });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers to an inactive payee');
      await ctx.expectHubError(payer, t.transferId, '3100');
      ctx.assertNone(inactive, isPrepareFor(t.transferId), 'a prepare while inactive');
    },
  },
  {
    name: 'currency the payer does not hold: 202 then 3100 to payer',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee, currency: ctx.opts.foreignCurrency, amount: '1' });
      expectStatus(await ctx.sendPrepare(t), 202, `POST /transfers in ${ctx.opts.foreignCurrency}`);
      await ctx.expectHubError(payer, t.transferId, '3100');
      ctx.assertNone(payee, isPrepareFor(t.transferId), 'a prepare in a currency the payer does not hold');
    },
  },

  // ---- body / schema -------------------------------------------------------------------------------------------
  {
    name: 'body is not JSON: 400/3101',
    run: (ctx) => badPrepare(ctx, (b) => JSON.stringify(b).slice(0, 40), 400, '3101'),
  },
  {
    name: 'schema: missing transferId → 400/3102 with the validator description',
    run: (ctx) =>
      badPrepare(
        ctx,
        (b) => {
          delete b.transferId;
          return JSON.stringify(b);
        },
        400,
        '3102',
        "Missing mandatory element - /requestBody must have required property 'transferId'",
      ),
  },
  {
    // The v2.0 TransfersPostRequest schema has additionalProperties:false; the v1.1 one has not (api-snippets 18.4.1).
    name: 'schema v2.0: additional property → 400/3103',
    run: (ctx) => badPrepare(ctx, (b) => JSON.stringify({ ...b, surprise: 'x' }), 400, '3103', undefined, '2.0'),
  },
  {
    name: 'schema v1.1: additional property is accepted (open v1.1 schema) and forwarded unchanged',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee });
      const res = await ctx.sendPrepare(t, { raw: JSON.stringify({ ...t.body, surprise: 'x' }) });
      expectStatus(res, 202, 'POST /transfers v1.1 with an extra property');
      assertForwarded(await waitPrepareAt(ctx, payee, t), res.request);
      const put = await ctx.waitTransferCallback(payer, t.transferId, { type: 'put', from: payee.name });
      assertState(put, 'COMMITTED', 'fulfil forwarded to payer');
    },
  },
  {
    name: 'schema: condition not matching the pattern → 400/3101',
    run: (ctx) => badPrepare(ctx, (b) => JSON.stringify({ ...b, condition: 'not a condition!' }), 400, '3101'),
  },
  {
    name: 'amount with 5 decimals: 400/3101',
    run: (ctx) => badPrepare(ctx, (b) => JSON.stringify({ ...b, amount: { amount: '1.12345', currency: ctx.currency } }), 400, '3101'),
  },
  {
    name: 'amount in exponent form (string "1e3" and JSON number 1e3): 400/3101',
    run: async (ctx) => {
      await badPrepare(ctx, (b) => JSON.stringify({ ...b, amount: { amount: '1e3', currency: ctx.currency } }), 400, '3101');
      await badPrepare(ctx, (b) => JSON.stringify({ ...b, amount: { amount: '__N__', currency: ctx.currency } }).replace('"__N__"', '1e3'), 400, '3101');
    },
  },
  {
    name: 'amount with more decimals than the currency (10.123 USD): 202 then 3100',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee, amount: '10.123' });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers 10.123');
      await ctx.expectHubError(payer, t.transferId, '3100');
      ctx.assertNone(payee, isPrepareFor(t.transferId), 'a prepare with too many decimals');
    },
  },

  // ---- headers -------------------------------------------------------------------------------------------------
  {
    name: 'header: missing Content-Type → 400/3102',
    run: async (ctx) => {
      await badHeaders(ctx, { 'content-type': null }, 400, '3102', /content-type/i);
    },
  },
  {
    name: 'header: missing Accept on POST → 400/3102',
    run: async (ctx) => {
      await badHeaders(ctx, { accept: null }, 400, '3102', /accept/i);
    },
  },
  {
    name: 'header: missing Date → 400/3102',
    run: async (ctx) => {
      await badHeaders(ctx, { date: null }, 400, '3102', /date/i);
    },
  },
  {
    name: 'header: invalid Date → 400/3101',
    run: async (ctx) => {
      await badHeaders(ctx, { date: '2024-01-01T00:00:00Z' }, 400, '3101', /date/i);
    },
  },
  {
    name: 'header: unsupported Content-Type version 3.0 → 406/3001 with supported versions',
    run: async (ctx) => {
      const res = await badHeaders(ctx, { 'content-type': 'application/vnd.interoperability.transfers+json;version=3.0' }, 406, '3001');
      assertVersionExtensions(res, [
        ['1', '1'],
        ['2', '0'],
      ]);
    },
  },
  {
    name: 'header: unsupported Accept version 3 → 406/3001 with supported versions',
    run: async (ctx) => {
      const res = await badHeaders(ctx, { accept: 'application/vnd.interoperability.transfers+json;version=3' }, 406, '3001');
      assertVersionExtensions(res, [
        ['1', '1'],
        ['2', '0'],
      ]);
    },
  },
  {
    name: 'header: missing FSPIOP-Source → 400/3102',
    run: async (ctx) => {
      await badHeaders(ctx, {}, 400, '3102', undefined, { source: null });
    },
  },
  {
    name: 'header: Accept */* → 400/3101',
    run: async (ctx) => {
      await badHeaders(ctx, { accept: '*/*' }, 400, '3101');
    },
  },
  {
    name: 'unknown path → 404/3002',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const res = await ctx.send({
        method: 'GET',
        path: `/transfers/${randomUUID()}/nonsense/deeper`,
        version: '1.1',
        source: payer.name,
        destination: payee.name,
      });
      expectSyncError(res, 404, '3002');
    },
  },
  {
    name: 'wrong method on a known path (DELETE /transfers/{id}) → 405/3000 with Allow',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const res = await ctx.send({
        method: 'DELETE',
        path: `/transfers/${randomUUID()}`,
        version: '1.1',
        source: payer.name,
        destination: payee.name,
      });
      expectSyncError(res, 405, '3000', { description: /Method Not Allowed/ });
      assert.ok(res.headers['allow'], `405 must carry an Allow header; headers ${show(res.headers)}`);
    },
  },
  {
    name: 'inbound PATCH /transfers/{id} → 501/2002',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const res = await ctx.send({
        method: 'PATCH',
        path: `/transfers/${randomUUID()}`,
        version: '1.1',
        source: payee.name,
        destination: payer.name,
        body: { completedTimestamp: new Date().toISOString(), transferState: 'COMMITTED' },
      });
      expectSyncError(res, 501, '2002');
    },
  },

  // ---- GET /transfers/{id} -------------------------------------------------------------------------------------
  {
    name: 'GET /transfers/{id} after commit: hub answers PUT COMMITTED to payer and payee',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      await ctx.waitTransferCallback(payer, t.transferId, { type: 'put', from: payee.name });
      const forPayer = await ctx.queryTransfer(payer, t.transferId);
      assertState(forPayer, 'COMMITTED', 'GET by payer');
      assert.equal(forPayer.body?.fulfilment, t.fulfilment, `GET by payer: fulfilment; body ${show(forPayer.bodyText)}`);
      assertIsoTimestamp(forPayer.body?.completedTimestamp, 'GET by payer');
      await ctx.expectHubCallback(payee, t.transferId, { type: 'put', label: 'commit confirmation to payee' });
      const forPayee = await ctx.queryTransfer(payee, t.transferId);
      assertState(forPayee, 'COMMITTED', 'GET by payee');
    },
  },
  {
    name: 'GET /transfers/{id} while RESERVED: hub answers PUT RESERVED',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const t = ctx.newTransfer({ payer, payee });
      payee.setBehaviour(t.transferId, { kind: 'silent' });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      await waitPrepareAt(ctx, payee, t);
      const q = await ctx.queryTransfer(payer, t.transferId);
      assertState(q, 'RESERVED', 'GET while reserved');
      assert.equal(q.body?.fulfilment, undefined, 'GET while reserved: no fulfilment');
      const rej = await ctx.sendTransferPut(t, {
        from: payee.name,
        to: payer.name,
        error: true,
        body: { errorInformation: { errorCode: '5100', errorDescription: 'Generic Payee rejection' } },
      });
      expectStatus(rej, 200, 'clean-up PUT /error');
    },
  },
  {
    name: 'GET /transfers/{unknown id}: 3208 to requester',
    run: async (ctx) => {
      const { payer } = await ctx.shared();
      const id = randomUUID();
      const since = payer.mark();
      expectStatus(await ctx.getTransfer(payer.name, id), 202, 'GET /transfers/{unknown}');
      await ctx.expectHubError(payer, id, '3208', {
        since,
        description: 'Transfer ID not found - Provided Transfer ID was not found on the server.',
      });
    },
  },
  {
    name: 'GET /transfers/{id} by a third party: 3000 to requester',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const other = await ctx.observer();
      const t = ctx.newTransfer({ payer, payee });
      expectStatus(await ctx.sendPrepare(t), 202, 'POST /transfers');
      await ctx.waitTransferCallback(payer, t.transferId, { type: 'put', from: payee.name });
      const since = other.mark();
      expectStatus(await ctx.getTransfer(other.name, t.transferId), 202, 'GET /transfers/{id} by a third party');
      await ctx.expectHubError(other, t.transferId, '3000', { since });
      ctx.assertNone(other, (r) => r.method === 'PUT' && r.path === `/transfers/${t.transferId}`, 'the transfer state');
    },
  },
];
