// Banks (ISO 20022 XML) in cross-currency payments (issue 15, docs/fx.md "Banks", docs/iso20022-mapping.md "FX:
// banks"). A wallet converts through an FXP (fxQuote, fxTransfer, FSPIOP v2.0) and its dependent transfer goes to a
// bank payee in the target currency: the bank's pacs.008 settles in the target currency and names the instructed
// source amount and the FXP's rate (exactly, or not at all); the bank's pacs.002 ACSC commits the transfer and the
// conversion together. Every XML message is validated against the official XSDs by test/conformance-dialects.test.ts.
import assert from 'node:assert/strict';
import { ulid } from 'ulidx';
import type { BankSimulator } from '../lib/bank.js';
import { assertHubMessage, expectStatus } from '../lib/checks.js';
import type { SuiteContext } from '../lib/context.js';
import { addDecimal, subDecimal } from '../lib/decimal.js';
import type { DfspSimulator } from '../lib/dfsp.js';
import { agreedQuote, expectSuccessCallback, newQuoteRequest, requestQuote, transferFromQuote, waitAnswer } from '../lib/flows.js';
import { FxpRole, conversionStateOf, newFxTransfer, sendFxPrepare, waitFxCallback } from '../lib/fx-transfers.js';
import { newFxp, newFxRequester, type FspiopFxTerms, type FxpSimulator } from '../lib/fxp.js';
import type { Scenario } from '../lib/scenario.js';
import { show } from '../lib/util.js';

/** The target currency (as fx-transfers: one no other scenario settles with a model of its own). */
const TARGET = 'KES';
/** The FXP's rate, target per source unit: 10 USD → 1295 KES, whose ratio BaseOneRate writes exactly. */
const RATE = '129.5';

interface BankFxParties {
  payer: DfspSimulator;
  fxp: FxpSimulator;
  fxpRole: FxpRole;
  bank: BankSimulator;
  source: string;
}

/** A wallet payer (source currency), an FXP answering fxQuotes and fxTransfers, a bank payee in the target currency. */
async function parties(ctx: SuiteContext): Promise<BankFxParties> {
  const [payer, fxp, bank] = await Promise.all([
    newFxRequester(ctx, { prefix: 'fxbw' }),
    newFxp(ctx, { target: TARGET, rate: RATE, prefix: 'fxbx' }),
    ctx.newBank({ prefix: 'fxbk', currency: TARGET }),
  ]);
  // One simulator, two roles: the quote role answers /fxQuotes, the transfer role /fxTransfers.
  const quotes = fxp.sim.handler;
  const fxpRole = new FxpRole(fxp.sim, ctx.fulfilments);
  const transfers = fxp.sim.handler;
  fxp.sim.setHandler((rec) => (quotes?.(rec) ?? false) || (transfers?.(rec) ?? false));
  return { payer, fxp, fxpRole, bank, source: ctx.currency };
}

/** POST /fxQuotes from the payer to the FXP and its answer (forwarded byte for byte: same dialect family). */
async function fxQuote(ctx: SuiteContext, p: BankFxParties, determiningTransferId: string, ask: { source?: string; target?: string }): Promise<FspiopFxTerms> {
  const conversionRequestId = ulid();
  const amountType = ask.source !== undefined ? 'SEND' : 'RECEIVE';
  const body = {
    conversionRequestId,
    conversionTerms: {
      conversionId: ulid(),
      determiningTransferId,
      initiatingFsp: p.payer.name,
      counterPartyFsp: p.fxp.name,
      amountType,
      sourceAmount: { currency: p.source, ...(ask.source !== undefined ? { amount: ask.source } : {}) },
      targetAmount: { currency: TARGET, ...(ask.target !== undefined ? { amount: ask.target } : {}) },
      expiration: new Date(Date.now() + 60_000).toISOString(),
    },
  };
  const since = p.payer.mark();
  expectStatus(await p.payer.send({ method: 'POST', path: '/fxQuotes', version: '2.0', destination: p.fxp.name, body }), 202, 'POST /fxQuotes');
  const cb = await waitAnswer(ctx, p.payer, `/fxQuotes/${conversionRequestId}`, { since, successOnly: true });
  const terms = cb.body?.conversionTerms as FspiopFxTerms | undefined;
  assert.ok(terms?.sourceAmount.amount && terms.targetAmount.amount, `the FXP's terms name both amounts: ${show(cb.bodyText)}`);
  return { ...terms, condition: cb.body.condition } as FspiopFxTerms & { condition: string };
}

async function positions(ctx: SuiteContext, p: BankFxParties) {
  return {
    payer: await ctx.position(p.payer, p.source),
    fxpSource: await ctx.position(p.fxp.sim, p.source),
    fxpTarget: await ctx.position(p.fxp.sim, TARGET),
    bank: await ctx.position(p.bank.name, TARGET),
  };
}

/**
 * The whole payment: fxQuote (SEND of `source`, or RECEIVE of `target`), the quote the hub answers for the bank in the
 * target currency (`converter: PAYER`), the conversion, the dependent transfer and the bank's answer. Returns the
 * bank's pacs.008 transaction and the FXP's amounts.
 */
async function walletPaysBankAcrossCurrencies(
  ctx: SuiteContext,
  p: BankFxParties,
  ask: { source?: string; target?: string },
  bankAnswer: 'accept' | 'reject' = 'accept',
) {
  const transferId = ulid();
  const terms = (await fxQuote(ctx, p, transferId, ask)) as FspiopFxTerms & { condition: string };
  const sourceAmount = terms.sourceAmount.amount!;
  const targetAmount = terms.targetAmount.amount!;
  // The quote to the bank, in the target currency; the hub answers it for the bank.
  const quote = newQuoteRequest({
    payer: p.payer,
    payee: p.bank.name,
    payeeParty: { type: 'MSISDN', id: ctx.newPartyId() },
    amount: targetAmount,
    currency: TARGET,
    expiresInMs: 60_000,
  });
  quote.quoteId = ulid();
  quote.transactionId = transferId;
  quote.converter = 'PAYER';
  const { cb } = await requestQuote(ctx, p.payer, p.bank.name, quote, { version: '2.0' });
  expectSuccessCallback(cb, 'the hub answers the quote for the bank, in the target currency');
  const q = agreedQuote(quote, cb);
  assert.deepEqual(q.transferAmount, { amount: targetAmount, currency: TARGET }, 'terms for the bank: the target amount');
  const transfer = transferFromQuote(p.payer, p.bank.name, q, { transferId });
  // The conversion, on the FXP's condition from its quote.
  const fx = newFxTransfer(ctx, { dependent: transfer, fxp: p.fxp.sim, source: { amount: sourceAmount, currency: p.source } });
  const answered = p.fxp.answers.values();
  let fulfilment: string | undefined;
  for (const a of answered) if (a.condition === terms.condition) fulfilment = a.fulfilment;
  assert.ok(fulfilment, "the FXP kept the fulfilment of its quote's condition");
  fx.condition = terms.condition;
  fx.fulfilment = fulfilment;
  ctx.fulfilments.set(fx.commitRequestId, fulfilment);
  expectStatus(await sendFxPrepare(ctx, fx), 202, 'POST /fxTransfers');
  const put = await waitFxCallback(ctx, p.payer, fx.commitRequestId, { type: 'put', from: p.fxp.name });
  assert.equal(conversionStateOf(put), 'RESERVED', `the FXP's fulfilment reaches the payer: ${show(put.bodyText)}`);

  if (bankAnswer === 'reject') p.bank.setPaymentBehaviour(transferId, { kind: 'reject', reason: { prtry: '5104' }, info: 'Account blocked' });
  const since = p.bank.mark();
  expectStatus(await ctx.sendPrepare(transfer, { version: '2.0' }), 202, 'POST /transfers (dependent, to the bank)');
  const p008 = await p.bank.waitFor((m) => m.kind === 'pacs.008' && m.message?.text('CdtTrfTxInf/PmtId/TxId') === transferId, ctx.T, {
    since,
    label: `pacs.008 ${transferId} at the bank`,
  });
  assert.equal(p008.from, ctx.hubDescribed, 'pacs.008: AppHdr/Fr is the hub');
  if (p008.signature) assert.ok(p008.signature.ok, `pacs.008 hub signature: ${p008.signature.detail}`);
  return { tx: p008.message!.at('CdtTrfTxInf')!, fx, transfer, sourceAmount, targetAmount };
}

async function expectFxPatch(ctx: SuiteContext, p: BankFxParties, commitRequestId: string, state: string): Promise<void> {
  const patch = await waitFxCallback(ctx, p.fxp.sim, commitRequestId, { type: 'patch', from: ctx.hubName });
  assertHubMessage(patch, {
    hubName: ctx.hubName,
    destination: p.fxp.name,
    method: 'PATCH',
    uri: `/fxTransfers/${commitRequestId}`,
    resource: 'fxTransfers',
    ...ctx.hubFormatFor(p.fxp.sim, 'fxTransfers'),
  });
  assert.equal(conversionStateOf(patch), state, `PATCH to the FXP: ${show(patch.bodyText)}`);
}

async function bankPayeeCommits(ctx: SuiteContext, ask: { source?: string; target?: string }, expectRate: string | undefined): Promise<void> {
  const p = await parties(ctx);
  const before = await positions(ctx, p);
  const { tx, fx, transfer, sourceAmount, targetAmount } = await walletPaysBankAcrossCurrencies(ctx, p, ask);
  assert.equal(tx.text('IntrBkSttlmAmt'), targetAmount, `IntrBkSttlmAmt: the target amount; ${show(tx.toString(), 1500)}`);
  assert.equal(tx.attr('Ccy', 'IntrBkSttlmAmt'), TARGET, 'IntrBkSttlmAmt in the target currency');
  assert.equal(tx.text('InstdAmt'), sourceAmount, 'InstdAmt: the source amount the payer converted');
  assert.equal(tx.attr('Ccy', 'InstdAmt'), p.source, 'InstdAmt in the source currency');
  assert.equal(tx.text('XchgRate'), expectRate, expectRate ? "XchgRate: the FXP's rate, exactly" : 'no XchgRate when the ratio has no exact BaseOneRate form');
  assert.equal(tx.text('DbtrAgt/FinInstnId/Othr/Id'), p.payer.name, 'DbtrAgt: the wallet');
  const done = await ctx.waitTransferCallback(p.payer, transfer.transferId, { type: 'put' });
  assert.equal(done.body?.transferState, 'COMMITTED', `the bank's ACSC commits: ${show(done.bodyText)}`);
  await expectFxPatch(ctx, p, fx.commitRequestId, 'COMMITTED');
  await ctx.expectPosition(p.payer, addDecimal(before.payer, sourceAmount), 'payer (source)', p.source);
  await ctx.expectPosition(p.fxp.sim, subDecimal(before.fxpSource, sourceAmount), 'FXP (source)', p.source);
  await ctx.expectPosition(p.fxp.sim, addDecimal(before.fxpTarget, targetAmount), 'FXP (target)', TARGET);
  await ctx.expectPosition(p.bank.name, subDecimal(before.bank, targetAmount), 'bank (target)', TARGET);
}

async function bankPayeeRejects(ctx: SuiteContext): Promise<void> {
  const p = await parties(ctx);
  const before = await positions(ctx, p);
  const { fx, transfer } = await walletPaysBankAcrossCurrencies(ctx, p, { source: '10' }, 'reject');
  const err = await ctx.waitTransferCallback(p.payer, transfer.transferId, { type: 'error' });
  assert.equal(err.body?.errorInformation?.errorCode, '5104', `the bank's reason reaches the payer: ${show(err.bodyText)}`);
  await expectFxPatch(ctx, p, fx.commitRequestId, 'ABORTED');
  await ctx.expectPosition(p.payer, before.payer, 'payer released', p.source);
  await ctx.expectPosition(p.fxp.sim, before.fxpSource, 'FXP (source) unchanged', p.source);
  await ctx.expectPosition(p.fxp.sim, before.fxpTarget, 'FXP (target) released', TARGET);
  await ctx.expectPosition(p.bank.name, before.bank, 'bank unchanged', TARGET);
}

export const fxBankScenarios: Scenario[] = [
  {
    name: 'fx-banks: wallet pays a bank across currencies (SEND 10 at 129.5) — pacs.008 IntrBkSttlmAmt 1295 KES, InstdAmt 10, XchgRate 129.5; ACSC commits transfer and conversion; positions in both currencies',
    run: (ctx) => bankPayeeCommits(ctx, { source: '10' }, RATE),
  },
  {
    name: 'fx-banks: wallet pays a bank across currencies (RECEIVE 1000 KES, source 7.73) — the ratio has no exact BaseOneRate form: no XchgRate, never rounded; ACSC commits both',
    run: (ctx) => bankPayeeCommits(ctx, { target: '1000' }, undefined),
  },
  {
    name: 'fx-banks: the bank payee rejects (RJCT 5104) — 5104 to the wallet, PATCH ABORTED to the FXP, every reservation released',
    run: (ctx) => bankPayeeRejects(ctx),
  },
];
