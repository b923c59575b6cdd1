// Request to pay with banks (docs/r2p.md): a biller at a bank asks a wallet user to pay (pain.013 in, POST
// /transactionRequests out, the wallet's PUT as pain.014), and a wallet merchant asks a bank customer to pay (POST in,
// pain.013 out, the bank's pain.014 as PUT or PUT /error). Named `dialects:` so the dialect test run validates every
// XML message they exchange against the official schemas.
import assert from 'node:assert/strict';
import { ulid } from 'ulidx';
import { assertHubMessage, expectStatus } from '../lib/checks.js';
import type { SuiteContext } from '../lib/context.js';
import type { BankSimulator, BankSendResult } from '../lib/bank.js';
import type { DfspSimulator } from '../lib/dfsp.js';
import { agreedQuote, expectErrorCallback, expectSuccessCallback, newQuoteRequest, requestQuote, transferFromQuote, waitAnswer } from '../lib/flows.js';
import { newMsgId } from '../lib/isoxml.js';
import {
  adminTransactionRequest,
  authorizationQuery,
  expectHubR2pError,
  getAuthorization,
  newTransactionRequest,
  pain013Xml,
  pain014Xml,
  painVersions,
  putTransactionRequest,
  sendTransactionRequest,
  waitTransactionRequestAnswer,
  waitTransactionRequestAt,
} from '../lib/r2p.js';
import type { Scenario } from '../lib/scenario.js';
import { show } from '../lib/util.js';

function accepted(r: BankSendResult, status: number, what: string): void {
  assert.equal(r.status, status, `${what}: expected HTTP ${status}, got ${r.status} ${show(r.body, 800)}`);
  assert.equal(r.reject, undefined, `${what}: unexpected admi.002 ${show(r.body, 800)}`);
}

/** The payment that answers an accepted request: the wallet quotes the bank (naming the request) and pays it. */
async function walletPaysTheRequest(ctx: SuiteContext, wallet: DfspSimulator, bank: BankSimulator, id: string, transactionId: string, amount: string) {
  const sinceB = bank.mark();
  const quote = newQuoteRequest({
    payer: wallet,
    payee: bank.name,
    payeeParty: { type: 'BUSINESS', id: 'biller-7' },
    amount,
    currency: ctx.currency,
    transactionId,
  });
  quote.quoteId = ulid();
  quote.transactionRequestId = id;
  quote.transactionType = { scenario: 'PAYMENT', initiator: 'PAYEE', initiatorType: 'BUSINESS' };
  const { cb } = await requestQuote(ctx, wallet, bank.name, quote);
  const transfer = transferFromQuote(wallet, bank.name, agreedQuote(quote, cb), { transferId: transactionId });
  const since = wallet.mark();
  expectStatus(await ctx.sendPrepare(transfer, { version: wallet.version }), 202, `POST /transfers ${transactionId} to the bank`);
  const put = await waitAnswer(ctx, wallet, `/transfers/${transactionId}`, { since, label: `the bank's answer to transfer ${transactionId}` });
  expectSuccessCallback(put, `transfer ${transactionId}`);
  assert.equal(put.body?.transferState, 'COMMITTED', show(put.bodyText));
  const p008 = await bank.waitFor((m) => m.kind === 'pacs.008' && m.message?.text('CdtTrfTxInf/PmtId/TxId') === transactionId, ctx.T, { since: sinceB });
  assert.equal(p008.message?.text('CdtTrfTxInf/PmtId/InstrId'), id, `the pacs.008 names the bank's request: ${show(p008.text, 1500)}`);
}

async function billerAtBankAsksWallet(ctx: SuiteContext): Promise<void> {
  const bank = await ctx.newBank({ prefix: 'bil' });
  const wallet = await ctx.newDfsp({ prefix: 'wal' });
  const versions = painVersions(bank);
  const id = ulid();
  const msgId = newMsgId('R');
  const since = wallet.mark();
  const sent = await bank.send(
    pain013Xml(
      {
        msgId,
        requestId: id,
        amount: '45.67',
        currency: ctx.currency,
        debtor: { type: 'MSISDN', id: ctx.newPartyId() },
        debtorAgent: wallet.name,
        creditor: { type: 'BUSINESS', id: 'biller-7', name: 'City Water' },
        creditorAgent: bank.identity,
        remittance: ['Invoice 2030-0042'],
        expiry: new Date(Date.now() + 120_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
      versions.request,
    ),
  );
  accepted(sent, 202, 'the bank pain.013');
  const post = await waitTransactionRequestAt(ctx, wallet, id, { since });
  assertHubMessage(post, {
    hubName: ctx.hubName,
    destination: wallet.name,
    method: 'POST',
    uri: '/transactionRequests',
    resource: 'transactionRequests',
    ...ctx.fspiopFormatFor(wallet),
  });
  const b = post.body ?? {};
  assert.deepEqual(
    {
      payeeFsp: b.payee?.partyIdInfo?.fspId,
      payee: b.payee?.partyIdInfo?.partyIdentifier,
      payerFsp: b.payer?.fspId,
      amount: b.amount,
      note: b.note,
      initiator: b.transactionType?.initiator,
    },
    {
      payeeFsp: bank.name,
      payee: 'biller-7',
      payerFsp: wallet.name,
      amount: { amount: '45.67', currency: ctx.currency },
      note: 'Invoice 2030-0042',
      initiator: 'PAYEE',
    },
    `the request as the wallet gets it: ${show(post.bodyText)}`,
  );
  // The wallet cannot ask the bank to authorise (ISO 20022 has no message: the bank authenticates its own customer).
  expectStatus(await getAuthorization(wallet, bank.name, id, authorizationQuery(ctx.currency, { amount: '45.67' })), 202, 'GET /authorizations to a bank');
  await expectHubR2pError(ctx, wallet, 'authorizations', id, '3201', 'an authorisation at a bank payee');
  const transactionId = ulid();
  const sinceB = bank.mark();
  expectStatus(await putTransactionRequest(wallet, ctx.hubName, id, { transactionId, transactionRequestState: 'ACCEPTED' }), 200, 'the wallet accepts');
  const report = await bank.waitFor((m) => m.kind === 'pain.014' && m.message?.text('OrgnlPmtInfAndSts/TxInfAndSts/OrgnlInstrId') === id, ctx.T, {
    since: sinceB,
    label: `pain.014 for ${id}`,
  });
  assert.equal(report.version, versions.report, 'pain.014 in the bank profile version');
  assert.equal(report.from, ctx.hubDescribed, 'pain.014: AppHdr/Fr is the hub');
  if (report.signature) assert.ok(report.signature.ok, `pain.014 hub signature: ${report.signature.detail}`);
  assert.equal(report.message?.text('OrgnlPmtInfAndSts/TxInfAndSts/TxSts'), 'ACCP', show(report.text, 1500));
  assert.equal(report.message?.text('OrgnlGrpInfAndSts/OrgnlMsgId'), msgId, 'pain.014 names the bank request');
  assert.equal(report.message?.text('OrgnlPmtInfAndSts/TxInfAndSts/AcctSvcrRef'), transactionId, "the wallet's transaction id");
  await walletPaysTheRequest(ctx, wallet, bank, id, transactionId, '45.67');
  const view = await adminTransactionRequest(ctx, id);
  assert.equal(view.state, 'ACCEPTED', show(view));
  assert.equal(view.quotes?.[0]?.transfer?.state, 'COMMITTED', `the transfer that paid the biller: ${show(view)}`);
}

async function merchantAsksBankCustomer(ctx: SuiteContext): Promise<void> {
  const bank = await ctx.newBank({ prefix: 'pyb', profile: 'iso-2026' });
  const merchant = await ctx.newDfsp({ prefix: 'mer' });
  const versions = painVersions(bank);
  const customer = { type: 'MSISDN', id: ctx.newPartyId() };
  const request = async (note: string) => {
    const body = newTransactionRequest({ payee: merchant, payer: bank.name, payerParty: customer, currency: ctx.currency, transactionRequestId: ulid(), note });
    const id = String(body.transactionRequestId);
    const since = bank.mark();
    expectStatus(await sendTransactionRequest(merchant, bank.name, body), 202, `POST /transactionRequests ${id} to the bank`);
    const p013 = await bank.waitFor((m) => m.kind === 'pain.013' && m.message?.text('PmtInf/CdtTrfTx/PmtId/InstrId') === id, ctx.T, {
      since,
      label: `pain.013 ${id}`,
    });
    assert.equal(p013.version, versions.request, 'pain.013 in the bank profile version');
    assert.equal(p013.from, ctx.hubDescribed, 'pain.013: AppHdr/Fr is the hub');
    if (p013.signature) assert.ok(p013.signature.ok, `pain.013 hub signature: ${p013.signature.detail}`);
    const tx = p013.message!.at('PmtInf/CdtTrfTx')!;
    assert.equal(p013.message!.text('PmtInf/DbtrAgt/FinInstnId/Othr/Id'), bank.name, 'DbtrAgt = the bank');
    assert.equal(p013.message!.text('PmtInf/Dbtr/Id/PrvtId/Othr/Id'), customer.id, 'Dbtr = its customer');
    assert.equal(tx.text('CdtrAgt/FinInstnId/Othr/Id'), merchant.name, 'CdtrAgt = the merchant wallet');
    assert.equal(tx.text('Amt/InstdAmt'), '12.5', 'amount');
    assert.equal(tx.text('RmtInf/Ustrd'), note, 'the note as remittance information');
    return { id, original: { originalMsgId: p013.message!.text('GrpHdr/MsgId')!, originalMsgNmId: p013.version! } };
  };
  const first = await request('Order 77');
  let since = merchant.mark();
  accepted(await bank.send(pain014Xml({ ...first.original, requestId: first.id, status: 'ACCP' }, versions.report)), 200, 'the bank pain.014 ACCP');
  const put = await waitTransactionRequestAnswer(ctx, merchant, first.id, { since, from: ctx.hubName, successOnly: true });
  assert.equal(put.body?.transactionRequestState, 'ACCEPTED', show(put.bodyText));
  const txId = ulid();
  const sinceP = bank.mark();
  const paid = await bank.pay({
    txId,
    instrId: first.id,
    endToEndId: first.id,
    amount: '12.5',
    creditorAgent: merchant.name,
    creditor: { type: 'BUSINESS', id: 'merchant-1' },
    debtor: customer,
  });
  accepted(paid, 202, 'the bank pacs.008 naming the request');
  const status = await bank.waitStatus(txId, ctx.T, { since: sinceP });
  assert.equal(status.message?.text('TxInfAndSts/TxSts'), 'ACSC', show(status.text, 1500));
  const view = await adminTransactionRequest(ctx, first.id);
  assert.deepEqual(
    { state: view.state, transfer: view.quotes?.[0]?.transfer?.transferId, transferState: view.quotes?.[0]?.transfer?.state },
    { state: 'ACCEPTED', transfer: txId, transferState: 'COMMITTED' },
    show(view),
  );
  const second = await request('Order 78');
  since = merchant.mark();
  const rejection = pain014Xml({ ...second.original, requestId: second.id, status: 'RJCT', reason: { cd: 'AC04' }, info: 'Closed account' }, versions.report);
  accepted(await bank.send(rejection), 200, 'the bank pain.014 RJCT AC04');
  const error = await waitTransactionRequestAnswer(ctx, merchant, second.id, { since, from: ctx.hubName, errorOnly: true });
  expectErrorCallback(error, '4101', 'a bank rejection with an ISO reason', { description: /bank reason AC04/ });
  const unknown = await bank.send(pain014Xml({ ...second.original, requestId: ulid(), status: 'ACCP' }, versions.report));
  assert.equal(unknown.status, 400, `a pain.014 for no known request: ${show(unknown.body, 600)}`);
  assert.match(unknown.reject?.description ?? '', /^3206: /, 'admi.002 names 3206');
}

export function bankScenarios(): Scenario[] {
  return [
    {
      name: 'dialects: r2p — a biller at a bank asks a wallet user to pay: pain.013 → POST /transactionRequests from the hub; no authorisation at a bank (3201); the wallet accepts → pain.014 ACCP; its quote and transfer pay the bank, linked in the Admin API',
      run: billerAtBankAsksWallet,
    },
    {
      name: 'dialects: r2p — a wallet merchant asks a bank customer to pay: POST /transactionRequests → pain.013; pain.014 ACCP → PUT ACCEPTED, RJCT AC04 → PUT /error 4101; the bank pays with a pacs.008 naming the request, linked in the Admin API; a pain.014 for no request → admi.002 3206',
      run: merchantAsksBankCustomer,
    },
  ];
}
