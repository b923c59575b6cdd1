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
import { fxEndpointsFor, newFxp, newFxRequester, type FspiopFxTerms, type FxpQuoteBehaviour, type FxpSimulator } from '../lib/fxp.js';
import type { Scenario } from '../lib/scenario.js';
import { show } from '../lib/util.js';
import { bankStatus, expectAccepted } from './dialects.js';

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

/**
 * An FXP holding the suite currency and `target` that answers fxQuotes (at `rate`) and fxTransfers: one simulator, two
 * roles. A conversion the hub prepares for a bank has an id only the hub knew: the FXP finds its fulfilment by the
 * condition of the quote it answered, as a real FXP would.
 */
async function newConvertingFxp(ctx: SuiteContext, target = TARGET): Promise<{ fxp: FxpSimulator; fxpRole: FxpRole }> {
  const fxp = await newFxp(ctx, { target, rate: RATE, prefix: 'fxbx' });
  const quotes = fxp.sim.handler;
  const fxpRole = new FxpRole(fxp.sim, ctx.fulfilments);
  const transfers = fxp.sim.handler;
  fxp.sim.setHandler((rec) => {
    if (rec.method === 'POST' && rec.path === '/fxTransfers' && rec.body?.commitRequestId && !ctx.fulfilments.has(rec.body.commitRequestId)) {
      for (const a of fxp.answers.values()) if (a.condition === rec.body.condition) ctx.fulfilments.set(rec.body.commitRequestId, a.fulfilment);
    }
    return (quotes?.(rec) ?? false) || (transfers?.(rec) ?? false);
  });
  return { fxp, fxpRole };
}

/** A wallet payer (source currency), an FXP answering fxQuotes and fxTransfers, a bank payee in the target currency. */
async function parties(ctx: SuiteContext): Promise<BankFxParties> {
  const [payer, { fxp, fxpRole }, bank] = await Promise.all([
    newFxRequester(ctx, { prefix: 'fxbw' }),
    newConvertingFxp(ctx),
    ctx.newBank({ prefix: 'fxbk', currency: TARGET }),
  ]);
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

// ---- a bank pays across currencies --------------------------------------------------------------------------------

interface PayerBankParties {
  bank: BankSimulator;
  fxp: FxpSimulator;
  payee: DfspSimulator;
  source: string;
  target: string;
}

/**
 * A bank (suite currency), a payee wallet in `target` and the one FXP of the pair. The hub picks the FXP (the first the
 * discovery rule names): each scenario has a target currency of its own, so the FXP it finds is this one.
 */
async function payerBankParties(ctx: SuiteContext, target: string, o: { bankNdc?: string } = {}): Promise<PayerBankParties> {
  const [bank, { fxp }, payee] = await Promise.all([
    ctx.newBank({ prefix: 'fxbb', ...(o.bankNdc ? { ndc: o.bankNdc } : {}) }),
    newConvertingFxp(ctx, target),
    ctx.newDfsp({ prefix: 'fxbp', version: '2.0', currency: target }),
  ]);
  return { bank, fxp, payee, source: ctx.currency, target };
}

async function payerPositions(ctx: SuiteContext, p: PayerBankParties) {
  return {
    bank: await ctx.position(p.bank.name, p.source),
    fxpSource: await ctx.position(p.fxp.sim, p.source),
    fxpTarget: await ctx.position(p.fxp.sim, p.target),
    payee: await ctx.position(p.payee, p.target),
  };
}

/** The bank's pacs.008: IntrBkSttlmAmt in its currency (source), InstdAmt in the payee's (target); "0" = open. */
async function bankPays(ctx: SuiteContext, p: PayerBankParties, o: { source: string; target: string; rate?: string; txId?: string }): Promise<string> {
  const txId = o.txId ?? ulid();
  const r = await p.bank.pay({
    txId,
    amount: o.source,
    instructed: { amount: o.target, currency: p.target },
    ...(o.rate !== undefined ? { exchangeRate: o.rate } : {}),
    debtor: { type: 'MSISDN', id: ctx.newPartyId(), name: 'Alan Turing' },
    creditorAgent: p.payee.name,
    creditor: { type: 'MSISDN', id: ctx.newPartyId(), name: 'Ada Lovelace' },
  });
  expectAccepted(r, 202, 'cross-currency pacs.008 from the bank');
  return txId;
}

async function bankPaysAcrossCurrencies(
  ctx: SuiteContext,
  target: string,
  o: { source: string; target: string; rate?: string },
  expected: { source: string; target: string },
): Promise<void> {
  const p = await payerBankParties(ctx, target);
  const before = await payerPositions(ctx, p);
  const since = p.fxp.sim.mark();
  const txId = await bankPays(ctx, p, o);
  // The hub asks the FXP, for the bank: SEND when the bank fixed its amount, RECEIVE when it fixed the payee's.
  const asked = await p.fxp.sim.waitFor((r) => r.method === 'POST' && r.path === '/fxQuotes', ctx.T, { since, label: 'the hub asks the FXP' });
  assert.equal(asked.headers['fspiop-source'], ctx.hubName, 'the fxQuote is the hub’s, for the bank');
  assert.equal(asked.body?.conversionTerms?.initiatingFsp, p.bank.name, 'initiatingFsp: the bank');
  assert.equal(asked.body?.conversionTerms?.amountType, o.source !== '0' ? 'SEND' : 'RECEIVE', `amountType: ${show(asked.bodyText)}`);
  const prepare = await p.payee.waitFor((r) => r.method === 'POST' && r.path === '/transfers', ctx.T, { label: 'the dependent transfer at the payee' });
  assert.deepEqual(prepare.body?.amount, { amount: expected.target, currency: p.target }, `the payee is paid the target amount: ${show(prepare.bodyText)}`);
  assert.equal(prepare.body?.payerFsp, p.bank.name, 'payerFsp: the bank');
  const s = await bankStatus(ctx, p.bank, txId, { label: `pacs.002 for ${txId}` });
  assert.equal(s.sts, 'ACSC', `the bank gets ACSC when both committed: ${show(s.m.message?.toString(), 1500)}`);
  await ctx.expectPosition(p.bank.name, addDecimal(before.bank, expected.source), 'bank (source)', p.source);
  await ctx.expectPosition(p.fxp.sim, subDecimal(before.fxpSource, expected.source), 'FXP (source)', p.source);
  await ctx.expectPosition(p.fxp.sim, addDecimal(before.fxpTarget, expected.target), 'FXP (target)', p.target);
  await ctx.expectPosition(p.payee, subDecimal(before.payee, expected.target), 'payee (target)', p.target);
}

async function bankPaysRefused(
  ctx: SuiteContext,
  target: string,
  o: { source: string; target: string; rate?: string },
  code: string,
  reason: RegExp,
  fxpAsked: boolean,
  setup: { bankNdc?: string; fxpQuote?: FxpQuoteBehaviour } = {},
): Promise<void> {
  const p = await payerBankParties(ctx, target, setup);
  if (setup.fxpQuote) p.fxp.setDefaultBehaviour(setup.fxpQuote);
  const before = await payerPositions(ctx, p);
  const since = p.fxp.sim.mark();
  const txId = await bankPays(ctx, p, o);
  const s = await bankStatus(ctx, p.bank, txId, { label: `pacs.002 RJCT for ${txId}` });
  assert.equal(s.sts, 'RJCT', `RJCT: ${show(s.m.message?.toString(), 1500)}`);
  assert.equal(s.prtry, code, `reason code: ${show(s.m.message?.toString(), 1500)}`);
  assert.match(s.info, reason, 'the reason says what differs');
  assert.equal(p.fxp.sim.find((r) => r.method === 'POST' && r.path === '/fxQuotes' && r.seq > since).length, fxpAsked ? 1 : 0, 'the FXP asked (or not)');
  assert.equal(p.fxp.sim.find((r) => r.method === 'POST' && r.path === '/fxTransfers' && r.seq > since).length, 0, 'no conversion prepared');
  assert.equal(p.payee.find((r) => r.method === 'POST' && r.path === '/transfers').length, 0, 'nothing reaches the payee');
  await ctx.expectPosition(p.bank.name, before.bank, 'bank unchanged', p.source);
  await ctx.expectPosition(p.fxp.sim, before.fxpTarget, 'FXP (target) unchanged', p.target);
}

// ---- a bank as FXP ------------------------------------------------------------------------------------------------

/**
 * A bank holding both currencies registers the FX endpoints: it is still no FXP. ISO 20022 has no message asking an FI
 * for conversion terms (pacs.091/092 are Mojaloop's), so discovery does not list it and an fxQuote addressed to it is
 * refused to the requester with 3201 saying why; with no terms there is no conversion to send it (pacs.009).
 */
async function bankIsNoFxp(ctx: SuiteContext): Promise<void> {
  const target = 'ZMW';
  const [requester, bank] = await Promise.all([newFxRequester(ctx, { prefix: 'fxbr' }), ctx.newBank({ prefix: 'fxbf' })]);
  await ctx.addCurrency(bank.name, target, ctx.opts.fundsIn);
  // Never called (https: a secured hub takes no other callback URL).
  for (const e of fxEndpointsFor('https://127.0.0.1:9/fx', true)) await ctx.admin.setEndpoint(bank.name, e.type, e.value);
  const path = `/services/FXP/${ctx.currency}/${target}`;
  const since = requester.mark();
  expectStatus(await requester.send({ method: 'GET', path, version: '2.0' }), 202, `GET ${path}`);
  const listed = await waitAnswer(ctx, requester, path, { since });
  const providers: unknown = listed.body?.providers;
  assert.ok(!Array.isArray(providers) || !providers.includes(bank.name), `the bank is not offered as an FXP: ${show(listed.bodyText)}`);
  const conversionRequestId = ulid();
  const body = {
    conversionRequestId,
    conversionTerms: {
      conversionId: ulid(),
      determiningTransferId: ulid(),
      initiatingFsp: requester.name,
      counterPartyFsp: bank.name,
      amountType: 'SEND',
      sourceAmount: { currency: ctx.currency, amount: '10' },
      targetAmount: { currency: target },
      expiration: new Date(Date.now() + 60_000).toISOString(),
    },
  };
  expectStatus(await requester.send({ method: 'POST', path: '/fxQuotes', version: '2.0', destination: bank.name, body }), 202, 'POST /fxQuotes to a bank');
  const err = await waitAnswer(ctx, requester, `/fxQuotes/${conversionRequestId}`, { since, errorOnly: true });
  assert.equal(err.body?.errorInformation?.errorCode, '3201', `3201 to the requester: ${show(err.bodyText)}`);
  assert.match(String(err.body?.errorInformation?.errorDescription ?? '') + show(err.bodyText), /ISO 20022 XML/, 'the reason names the dialect');
  // (Its funds-in notice, camt.054, is the only message it gets.)
  assert.equal(bank.find((m) => m.kind !== 'camt.054').length, 0, `the bank received nothing about the conversion: ${bank.describe()}`);
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
  {
    name: 'fx-banks: a bank pays a wallet across currencies, fixing its own amount (IntrBkSttlmAmt 10 USD, InstdAmt 0 TZS) — the hub asks the FXP (SEND), the payee gets 1295 TZS, ACSC when both committed; positions',
    run: (ctx) => bankPaysAcrossCurrencies(ctx, 'TZS', { source: '10', target: '0' }, { source: '10', target: '1295' }),
  },
  {
    name: "fx-banks: a bank pays a wallet across currencies, fixing the payee's amount (InstdAmt 1000 GHS, IntrBkSttlmAmt 0) — RECEIVE, the bank settles the FXP's 7.73; ACSC; positions",
    run: (ctx) => bankPaysAcrossCurrencies(ctx, 'GHS', { source: '0', target: '1000' }, { source: '7.73', target: '1000' }),
  },
  {
    name: "fx-banks: a bank states both amounts and the FXP's terms differ (10 USD → 1300 ZAR asked, 1295 offered) — RJCT 3100 naming both, nothing converted nor paid",
    run: (ctx) => bankPaysRefused(ctx, 'ZAR', { source: '10', target: '1300' }, '3100', /1295.*1300|1300.*1295/, true),
  },
  {
    name: "fx-banks: a bank states both amounts and the FXP's own rate (10 USD, 1295 PHP, XchgRate 0.0077220077) that is not their exact ratio — RJCT 3100 before any FXP is asked",
    run: (ctx) => bankPaysRefused(ctx, 'PHP', { source: '10', target: '1295', rate: '0.0077220077' }, '3100', /XchgRate/, false),
  },
  {
    name: 'fx-banks: a bank fixes no amount (both 0) — RJCT 3100, no FXP asked',
    run: (ctx) => bankPaysRefused(ctx, 'NGN', { source: '0', target: '0' }, '3100', /fixes an amount/, false),
  },
  {
    name: "fx-banks: the FXP refuses the hub's fxQuote for a bank (3200) — RJCT 3200 to the bank, no conversion, nothing paid",
    run: (ctx) =>
      bankPaysRefused(ctx, 'MAD', { source: '10', target: '0' }, '3200', /./, true, { fxpQuote: { kind: 'error', code: '3200', description: 'no MAD today' } }),
  },
  {
    name: "fx-banks: the bank's net debit cap does not cover the conversion (cap 5, 10 USD) — the conversion is refused on its source position: RJCT 4200, nothing reserved, nothing paid",
    run: (ctx) => bankPaysRefused(ctx, 'MWK', { source: '10', target: '0' }, '4200', /./, true, { bankNdc: '5' }),
  },
  {
    name: 'fx-banks: a bank with both currencies and the FX endpoints is no FXP — not listed by GET /services/FXP/{S}/{T}; POST /fxQuotes to it → 3201 naming ISO 20022 XML; the bank gets nothing',
    run: (ctx) => bankIsNoFxp(ctx),
  },
];
