// Bulk transfers (/bulkTransfers), written from fspiop.md §5, §7, §8, §9, §13 and docs/bulk.md: every line is a
// transfer of its own (reserved, checked, committed or aborted alone); the payer gets one report with every line.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { expectStatus, expectSyncError } from '../lib/checks.js';
import type { SuiteContext, Transfer } from '../lib/context.js';
import { addDecimal, subDecimal } from '../lib/decimal.js';
import type { DfspSimulator, RecordedRequest } from '../lib/dfsp.js';
import type { FspiopResponse } from '../lib/http.js';
import type { Scenario } from '../lib/scenario.js';
import { show } from '../lib/util.js';

interface Bulk {
  bulkTransferId: string;
  payer: DfspSimulator;
  payee: DfspSimulator;
  lines: Transfer[];
  expiration: string;
  body: Record<string, unknown>;
}

/** A bulk from `payer` to `payee`, one line per amount, every line expiring with the bulk. */
function newBulk(ctx: SuiteContext, payer: DfspSimulator, payee: DfspSimulator, amounts: string[], o: { expiresInMs?: number; reuse?: Transfer[] } = {}): Bulk {
  const bulkTransferId = randomUUID();
  const expiration = new Date(Date.now() + (o.expiresInMs ?? 60_000)).toISOString();
  const lines = [...(o.reuse ?? []), ...amounts.map((amount) => ctx.newTransfer({ payer, payee, amount, expiresInMs: o.expiresInMs ?? 60_000 }))];
  const body = {
    bulkTransferId,
    bulkQuoteId: randomUUID(),
    payerFsp: payer.name,
    payeeFsp: payee.name,
    individualTransfers: lines.map((t) => ({
      transferId: t.transferId,
      transferAmount: { amount: t.amount, currency: t.currency },
      ilpPacket: t.ilpPacket,
      condition: t.condition,
    })),
    expiration,
  };
  return { bulkTransferId, payer, payee, lines, expiration, body };
}

function sendBulk(ctx: SuiteContext, bulk: Bulk, o: { version?: string; body?: Record<string, unknown> } = {}): Promise<FspiopResponse> {
  return ctx.send({
    method: 'POST',
    path: '/bulkTransfers',
    version: o.version ?? bulk.payer.version,
    source: bulk.payer.name,
    destination: bulk.payee.name,
    body: o.body ?? bulk.body,
  });
}

const isBulkPost = (id: string) => (r: RecordedRequest) => r.method === 'POST' && r.path === '/bulkTransfers' && r.body?.bulkTransferId === id;
const isBulkPut = (id: string) => (r: RecordedRequest) => r.method === 'PUT' && r.path === `/bulkTransfers/${id}`;
const isBulkError = (id: string) => (r: RecordedRequest) => r.method === 'PUT' && r.path === `/bulkTransfers/${id}/error`;

function waitBulkAtPayee(ctx: SuiteContext, bulk: Bulk): Promise<RecordedRequest> {
  return bulk.payee.waitFor(isBulkPost(bulk.bulkTransferId), ctx.T, { label: `POST /bulkTransfers ${bulk.bulkTransferId} at the payee` });
}

function waitReport(ctx: SuiteContext, sim: DfspSimulator, id: string, o: { since?: number; timeoutMs?: number } = {}): Promise<RecordedRequest> {
  return sim.waitFor(isBulkPut(id), o.timeoutMs ?? ctx.T, { since: o.since, label: `PUT /bulkTransfers/${id} at ${sim.name}` });
}

function waitBulkError(ctx: SuiteContext, sim: DfspSimulator, id: string, o: { since?: number } = {}): Promise<RecordedRequest> {
  return sim.waitFor(isBulkError(id), ctx.T, { since: o.since, label: `PUT /bulkTransfers/${id}/error at ${sim.name}` });
}

interface LineResult {
  transferId: string;
  fulfilment?: string;
  errorInformation?: { errorCode: string; errorDescription: string };
}

/** The report's results by transfer id, after checking its shape. */
function resultsOf(rec: RecordedRequest, state: string, where: string): Map<string, LineResult> {
  assert.equal(rec.body?.bulkTransferState, state, `${where}: bulkTransferState should be ${state}; body ${show(rec.bodyText, 600)}`);
  assert.equal(rec.body?.bulkTransferId, undefined, `${where}: a PUT callback body does not carry the resource id`);
  const results = rec.body?.individualTransferResults as LineResult[] | undefined;
  assert.ok(Array.isArray(results), `${where}: individualTransferResults missing; body ${show(rec.bodyText, 600)}`);
  return new Map(results.map((r) => [r.transferId, r]));
}

function expectLineCommitted(results: Map<string, LineResult>, t: Transfer, where: string): void {
  const r = results.get(t.transferId);
  assert.equal(r?.fulfilment, t.fulfilment, `${where}: line ${t.transferId} should be committed with its fulfilment; got ${JSON.stringify(r)}`);
  assert.equal(r?.errorInformation, undefined, `${where}: committed line ${t.transferId} carries no error`);
}

function expectLineError(results: Map<string, LineResult>, t: Transfer, code: string, where: string): void {
  const r = results.get(t.transferId);
  assert.equal(r?.errorInformation?.errorCode, code, `${where}: line ${t.transferId} should carry error ${code}; got ${JSON.stringify(r)}`);
  assert.equal(r?.fulfilment, undefined, `${where}: refused line ${t.transferId} carries no fulfilment`);
}

/** The payee's answer: a fulfilment for each line in `fulfil`, the error `code` for each in `refuse`. */
function payeeAnswer(bulk: Bulk, fulfil: Transfer[], refuse: Transfer[] = [], code = '5105', version?: string): Promise<FspiopResponse> {
  const results = [
    ...fulfil.map((t) => ({ transferId: t.transferId, fulfilment: t.fulfilment })),
    ...refuse.map((t) => ({ transferId: t.transferId, errorInformation: { errorCode: code, errorDescription: 'Payee FSP rejected transaction' } })),
  ];
  return bulk.payee.send({
    method: 'PUT',
    path: `/bulkTransfers/${bulk.bulkTransferId}`,
    version: version ?? bulk.payee.version,
    destination: bulk.payer.name,
    body: { completedTimestamp: new Date().toISOString(), individualTransferResults: results, bulkTransferState: 'COMPLETED' },
  });
}

async function transferState(ctx: SuiteContext, requester: DfspSimulator, transferId: string): Promise<string | undefined> {
  const rec = await ctx.queryTransfer(requester, transferId);
  return rec.body?.transferState as string | undefined;
}

/** A bulk of three lines answered two fulfilled and one refused, in `version`, positions and GETs checked. */
async function mixedAnswer(ctx: SuiteContext, version: string): Promise<void> {
  const { payer, payee } = await ctx.newPair({ payerVersion: version, payeeVersion: version });
  const payerBefore = await ctx.position(payer);
  const payeeBefore = await ctx.position(payee);
  const bulk = newBulk(ctx, payer, payee, ['10', '20.5', '30']);
  expectStatus(await sendBulk(ctx, bulk, { version }), 202, 'POST /bulkTransfers');
  const forwarded = await waitBulkAtPayee(ctx, bulk);
  assert.equal(forwarded.bodyText, JSON.stringify(bulk.body), 'every line reserved: the payer’s bulk reaches the payee byte for byte');
  await ctx.expectPosition(payer, addDecimal(payerBefore, '60.5'), 'payer position with three lines reserved');
  const [a, b, c] = bulk.lines as [Transfer, Transfer, Transfer];
  expectStatus(await payeeAnswer(bulk, [a, b], [c]), 200, 'PUT /bulkTransfers');
  const results = resultsOf(await waitReport(ctx, payer, bulk.bulkTransferId), 'COMPLETED', 'report to the payer');
  expectLineCommitted(results, a, 'report');
  expectLineCommitted(results, b, 'report');
  expectLineError(results, c, '5105', 'report');
  await ctx.expectPosition(payer, addDecimal(payerBefore, '30.5'), 'payer position: the two committed lines');
  await ctx.expectPosition(payee, subDecimal(payeeBefore, '30.5'), 'payee position: the two committed lines');
  assert.equal(await transferState(ctx, payer, a.transferId), 'COMMITTED', 'GET /transfers of a committed line');
  assert.equal(await transferState(ctx, payer, c.transferId), 'ABORTED', 'GET /transfers of a refused line');
  const since = payer.mark();
  expectStatus(
    await ctx.send({ method: 'GET', path: `/bulkTransfers/${bulk.bulkTransferId}`, version, source: payer.name, destination: payee.name }),
    202,
    'GET',
  );
  const again = resultsOf(await waitReport(ctx, payer, bulk.bulkTransferId, { since }), 'COMPLETED', 'GET /bulkTransfers answer');
  expectLineCommitted(again, a, 'GET answer');
  expectLineError(again, c, '5105', 'GET answer');
}

/**
 * A bulk between a participant registered for Mojaloop's ISO 20022 JSON and one on FSPIOP v1.1: the contract's ISO
 * mapping has no bulk messages, so the ISO participant sends and receives plain FSPIOP v2.0 bodies.
 */
async function isoJsonBulk(ctx: SuiteContext, isoSide: 'payer' | 'payee'): Promise<void> {
  const iso = await ctx.newDfsp({ prefix: 'bkiso', dialect: 'iso20022-json/2.0', version: '2.0' });
  const plain = await ctx.newDfsp({ prefix: 'bkfsp', version: '1.1' });
  const [payer, payee] = isoSide === 'payer' ? [iso, plain] : [plain, iso];
  const bulk = newBulk(ctx, payer, payee, ['7', '8']);
  expectStatus(await sendBulk(ctx, bulk), 202, 'POST /bulkTransfers');
  const forwarded = await waitBulkAtPayee(ctx, bulk);
  assert.match(forwarded.headers['content-type'] ?? '', /^application\/vnd\.interoperability\.bulkTransfers\+json/, 'a plain FSPIOP bulk reaches the payee');
  const [a, b] = bulk.lines as [Transfer, Transfer];
  expectStatus(await payeeAnswer(bulk, [a], [b]), 200, 'PUT /bulkTransfers');
  const report = await waitReport(ctx, payer, bulk.bulkTransferId);
  const expected = isoSide === 'payer' ? 'version=2.0' : 'version=1';
  assert.ok(
    (report.headers['content-type'] ?? '').startsWith('application/vnd.interoperability.bulkTransfers+json') &&
      (report.headers['content-type'] ?? '').includes(expected),
    `the report is plain FSPIOP (${expected}): ${report.headers['content-type']}`,
  );
  const results = resultsOf(report, 'COMPLETED', 'report');
  expectLineCommitted(results, a, 'report');
  expectLineError(results, b, '5105', 'report');
  await ctx.expectPosition(payer, '7', 'payer position');
  await ctx.expectPosition(payee, '-7', 'payee position');
}

export const bulkTransferScenarios: Scenario[] = [
  {
    name: 'bulk: v1.1, three lines, two fulfilled and one refused by the payee; report, positions and GETs line by line',
    run: (ctx) => mixedAnswer(ctx, '1.1'),
  },
  {
    name: 'bulk: v2.0, three lines, two fulfilled and one refused by the payee; report, positions and GETs line by line',
    run: (ctx) => mixedAnswer(ctx, '2.0'),
  },
  {
    name: 'bulk: an ISO 20022 JSON payer pays an FSPIOP v1.1 payee in plain FSPIOP v2.0 bodies',
    run: (ctx) => isoJsonBulk(ctx, 'payer'),
  },
  {
    name: 'bulk: an FSPIOP v1.1 payer pays an ISO 20022 JSON payee, which takes and answers plain FSPIOP v2.0 bodies',
    run: (ctx) => isoJsonBulk(ctx, 'payee'),
  },
  {
    name: 'bulk: lines refused by the limit, by a duplicate id and by the payee’s silence; the payee gets only the reserved ones',
    run: async (ctx) => {
      const payer = await ctx.newDfsp({ prefix: 'bpay', ndc: '100' });
      const payee = await ctx.newDfsp({ prefix: 'bpee' });
      const earlier = newBulk(ctx, payer, payee, ['1']);
      expectStatus(await sendBulk(ctx, earlier), 202, 'the earlier bulk');
      await waitBulkAtPayee(ctx, earlier);
      // 60 fits, the next 60 passes the cap of 100 (1 + 60 + 60 > 100), 10 fits, then a line with the earlier bulk's id.
      const bulk = newBulk(ctx, payer, payee, ['60', '60', '10'], { reuse: [] });
      bulk.lines.push(earlier.lines[0]!);
      (bulk.body.individualTransfers as unknown[]).push((earlier.body.individualTransfers as unknown[])[0]);
      expectStatus(await sendBulk(ctx, bulk), 202, 'POST /bulkTransfers');
      const forwarded = await waitBulkAtPayee(ctx, bulk);
      const [fits, over, small, duplicate] = bulk.lines as [Transfer, Transfer, Transfer, Transfer];
      const sentIds = (forwarded.body?.individualTransfers as Array<{ transferId: string }>).map((t) => t.transferId);
      assert.deepEqual(sentIds, [fits.transferId, small.transferId], 'the payee gets the reserved lines only');
      await ctx.expectPosition(payer, '71', 'payer position: 1 + 60 + 10 reserved');
      expectStatus(await payeeAnswer(bulk, [fits]), 200, 'PUT /bulkTransfers naming one of two lines');
      const results = resultsOf(await waitReport(ctx, payer, bulk.bulkTransferId), 'COMPLETED', 'report');
      expectLineCommitted(results, fits, 'report');
      expectLineError(results, over, '4200', 'report (net debit cap)');
      expectLineError(results, small, '5000', 'report (left out by the payee)');
      expectLineError(results, duplicate, '3106', 'report (the id of an earlier transfer)');
      await ctx.expectPosition(payer, '61', 'payer position: the earlier line still reserved, one line committed');
      assert.equal(await transferState(ctx, payer, duplicate.transferId), 'RESERVED', 'the earlier transfer is untouched by the duplicate');
      await ctx.expectPosition(payee, '-60', 'payee position');
    },
  },
  {
    name: 'bulk: the payee refuses the whole bulk (PUT /bulkTransfers/{ID}/error): every line aborted with its code, report REJECTED',
    run: async (ctx) => {
      const { payer, payee } = await ctx.newPair();
      const before = await ctx.position(payer);
      const bulk = newBulk(ctx, payer, payee, ['5', '6']);
      expectStatus(await sendBulk(ctx, bulk), 202, 'POST /bulkTransfers');
      await waitBulkAtPayee(ctx, bulk);
      const res = await payee.send({
        method: 'PUT',
        path: `/bulkTransfers/${bulk.bulkTransferId}/error`,
        destination: payer.name,
        body: { errorInformation: { errorCode: '5100', errorDescription: 'Generic payee rejection' } },
      });
      expectStatus(res, 200, 'PUT /bulkTransfers/{ID}/error');
      const results = resultsOf(await waitReport(ctx, payer, bulk.bulkTransferId), 'REJECTED', 'report');
      for (const t of bulk.lines) expectLineError(results, t, '5100', 'report');
      await ctx.expectPosition(payer, before, 'payer position after the refusal');
    },
  },
  {
    name: 'bulk: lines expire when the payee does not answer; the payer gets 3303 for each and its position back',
    slow: true,
    run: async (ctx) => {
      const { payer, payee } = await ctx.newPair();
      const before = await ctx.position(payer);
      const bulk = newBulk(ctx, payer, payee, ['3', '4'], { expiresInMs: 2_000 });
      expectStatus(await sendBulk(ctx, bulk), 202, 'POST /bulkTransfers');
      await waitBulkAtPayee(ctx, bulk);
      await ctx.expectPosition(payer, addDecimal(before, '7'), 'reserved');
      const results = resultsOf(await waitReport(ctx, payer, bulk.bulkTransferId, { timeoutMs: ctx.T + 15_000 }), 'REJECTED', 'report after expiry');
      for (const t of bulk.lines) expectLineError(results, t, '3303', 'report after expiry');
      await ctx.expectPosition(payer, before, 'payer position after expiry');
      const since = payee.mark();
      const late = await payeeAnswer(bulk, bulk.lines);
      expectStatus(late, 200, 'a late answer is taken (200) and changes nothing');
      resultsOf(await waitReport(ctx, payee, bulk.bulkTransferId, { since }), 'REJECTED', 'the report, to a late answer');
      await ctx.expectPosition(payer, before, 'payer position after a late answer');
    },
  },
  {
    name: 'bulk: the same bulk again is answered by its report, a modified one by 3106; an unknown bulk id by 3210',
    run: async (ctx) => {
      const { payer, payee } = await ctx.newPair();
      const bulk = newBulk(ctx, payer, payee, ['2']);
      expectStatus(await sendBulk(ctx, bulk), 202, 'POST /bulkTransfers');
      await waitBulkAtPayee(ctx, bulk);
      expectStatus(await payeeAnswer(bulk, bulk.lines), 200, 'PUT');
      await waitReport(ctx, payer, bulk.bulkTransferId);
      const since = payer.mark();
      expectStatus(await sendBulk(ctx, bulk), 202, 'the same POST again');
      resultsOf(await waitReport(ctx, payer, bulk.bulkTransferId, { since }), 'COMPLETED', 'report on the resend');
      const modified = { ...bulk.body, expiration: new Date(Date.now() + 120_000).toISOString() };
      expectStatus(await sendBulk(ctx, bulk, { body: modified }), 202, 'a modified POST');
      const error = await waitBulkError(ctx, payer, bulk.bulkTransferId, { since });
      assert.equal((error.body?.errorInformation as { errorCode?: string })?.errorCode, '3106', `modified bulk: ${show(error.bodyText)}`);
      const unknown = randomUUID();
      expectStatus(await payeeAnswer({ ...bulk, bulkTransferId: unknown }, bulk.lines), 200, 'PUT for an unknown bulk');
      const notFound = await waitBulkError(ctx, payee, unknown);
      assert.equal((notFound.body?.errorInformation as { errorCode?: string })?.errorCode, '3210', `unknown bulk: ${show(notFound.bodyText)}`);
    },
  },
  {
    name: 'bulk: refused whole: an unknown payee, an id twice, an expired bulk (PUT /error), a source that is not the payer and 1,001 lines (sync)',
    run: async (ctx) => {
      const { payer, payee } = await ctx.newPair();
      const before = await ctx.position(payer);
      const twice = newBulk(ctx, payer, payee, ['1']);
      (twice.body.individualTransfers as unknown[]).push((twice.body.individualTransfers as unknown[])[0]);
      expectStatus(await sendBulk(ctx, twice), 202, 'an id twice');
      const e1 = await waitBulkError(ctx, payer, twice.bulkTransferId);
      assert.equal((e1.body?.errorInformation as { errorCode?: string })?.errorCode, '3100', `an id twice: ${show(e1.bodyText)}`);
      const expired = newBulk(ctx, payer, payee, ['1']);
      expired.body.expiration = new Date(Date.now() - 1_000).toISOString();
      expectStatus(await sendBulk(ctx, expired), 202, 'expired');
      const e2 = await waitBulkError(ctx, payer, expired.bulkTransferId);
      assert.equal((e2.body?.errorInformation as { errorCode?: string })?.errorCode, '3100', `expired: ${show(e2.bodyText)}`);
      const unknownPayee = newBulk(ctx, payer, payee, ['1']);
      unknownPayee.body.payeeFsp = `nobody${Date.now()}`;
      expectStatus(await sendBulk(ctx, unknownPayee), 202, 'unknown payee');
      const e3 = await waitBulkError(ctx, payer, unknownPayee.bulkTransferId);
      assert.equal((e3.body?.errorInformation as { errorCode?: string })?.errorCode, '3203', `unknown payee: ${show(e3.bodyText)}`);
      const notPayer = newBulk(ctx, payer, payee, ['1']);
      const res = await ctx.send({ method: 'POST', path: '/bulkTransfers', source: payee.name, destination: payee.name, body: notPayer.body });
      expectSyncError(res, 400, '3100');
      const big = newBulk(ctx, payer, payee, []);
      const line = { transferId: '', transferAmount: { amount: '1', currency: ctx.currency }, ilpPacket: 'AQAAAAAAAAAA', condition: 'x'.repeat(43) };
      big.body.individualTransfers = Array.from({ length: 1001 }, () => ({ ...line, transferId: randomUUID() }));
      expectSyncError(await sendBulk(ctx, big), 400, '3100');
      await ctx.expectPosition(payer, before, 'nothing reserved by a bulk refused whole');
      assert.equal(payee.find(isBulkPost(twice.bulkTransferId)).length, 0, 'nothing reaches the payee');
    },
  },
  {
    name: 'bulk: 1,000 lines reserved in one bulk, all committed, positions exact',
    run: async (ctx) => {
      const payer = await ctx.newDfsp({ prefix: 'bkpay', ndc: '100000' });
      const payee = await ctx.newDfsp({ prefix: 'bkpee' });
      const amounts = Array.from({ length: 1000 }, (_, i) => `${(i % 7) + 1}.25`);
      const total = amounts.reduce((sum, a) => addDecimal(sum, a), '0');
      const bulk = newBulk(ctx, payer, payee, amounts);
      expectStatus(await sendBulk(ctx, bulk), 202, 'POST /bulkTransfers of 1,000 lines');
      await waitBulkAtPayee(ctx, bulk);
      await ctx.expectPosition(payer, total, 'payer position: every line reserved');
      expectStatus(await payeeAnswer(bulk, bulk.lines), 200, 'PUT of 1,000 results');
      const results = resultsOf(await waitReport(ctx, payer, bulk.bulkTransferId), 'COMPLETED', 'report');
      assert.equal(results.size, 1000, 'a result per line');
      for (const t of bulk.lines) expectLineCommitted(results, t, 'report');
      await ctx.expectPosition(payee, subDecimal('0', total), 'payee position');
    },
  },
];
