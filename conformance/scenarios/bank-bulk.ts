// Bulks and banks (docs/bulk.md, "Banks"), written from issue 14 and ISO 20022 pacs.008 / pacs.002 / pacs.028: a
// bank's pacs.008 with many CdtTrfTxInf, each transaction its own payment to its own payee, answered by ONE pacs.002
// with the group status (ACCP / PART / RJCT) and one TxInfAndSts per transaction; and a bank as the payee of a
// wallet's bulk, which gets one pacs.008 with a transaction per line and answers with one pacs.002. Positions are
// checked per transaction, and every XML message here crosses the wire, so the dialects test validates it.
import assert from 'node:assert/strict';
import { ulid } from 'ulidx';
import type { BankMessage, BankSendResult, BankSimulator } from '../lib/bank.js';
import { expectStatus } from '../lib/checks.js';
import type { SuiteContext } from '../lib/context.js';
import { addDecimal, subDecimal } from '../lib/decimal.js';
import type { DfspSimulator, RecordedRequest } from '../lib/dfsp.js';
import {
  agreedQuote,
  expectFromHub,
  expectSuccessCallback,
  newQuoteRequest,
  registerPartyOk,
  requestQuote,
  type AgreedQuote,
  type PartyRef,
} from '../lib/flows.js';
import { conditionFromFulfilment } from '../lib/ilp.js';
import { readGroupStatus, type BulkTransactionFields, type GroupStatusView } from '../lib/isoxml-bulk.js';
import type { Scenario } from '../lib/scenario.js';
import { show } from '../lib/util.js';

// ---- helpers -------------------------------------------------------------------------------------------------------

const msisdn = (ctx: SuiteContext): PartyRef => ({ type: 'MSISDN', id: ctx.newPartyId() });

/** A wallet holding a fresh MSISDN party registered with the ALS (its quotes answered as `quote` says). */
async function walletWithParty(
  ctx: SuiteContext,
  quote?: Parameters<DfspSimulator['addParty']>[0]['quote'],
): Promise<{ wallet: DfspSimulator; party: PartyRef }> {
  const wallet = await ctx.newDfsp({ prefix: 'wal' });
  const party = msisdn(ctx);
  wallet.addParty({ partyIdType: party.type, partyIdentifier: party.id, firstName: 'Mary', lastName: 'Jones', ...(quote ? { quote } : {}) });
  await registerPartyOk(ctx, wallet, party);
  return { wallet, party };
}

function expectAccepted(r: BankSendResult, status: number, what: string): void {
  assert.equal(r.status, status, `${what}: expected HTTP ${status}, got ${r.status} ${show(r.body, 800)}`);
  assert.equal(r.reject, undefined, `${what}: unexpected admi.002 ${show(r.body, 800)}`);
}

/** The Document of a message the bank sent (to send the very same one again under a new header). */
function documentOf(r: BankSendResult): string {
  return r.sent.slice(r.sent.indexOf('<Document'), r.sent.indexOf('</Document>') + '</Document>'.length);
}

const isGroupStatus = (msgId: string) => (m: BankMessage) => m.kind === 'pacs.002' && m.message?.text('OrgnlGrpInfAndSts/OrgnlMsgId') === msgId;

/** The next pacs.002 about message `msgId` the hub sends `bank`: from the hub, to the bank, in its version, signed. */
async function groupStatus(ctx: SuiteContext, bank: BankSimulator, msgId: string, o: { since?: number; label?: string } = {}): Promise<GroupStatusView> {
  const m = await bank.waitFor(isGroupStatus(msgId), ctx.T, { since: o.since, label: o.label ?? `pacs.002 about message ${msgId}` });
  assert.equal(m.from, ctx.hubDescribed, `pacs.002 about ${msgId}: AppHdr/Fr must be the hub`);
  assert.equal(m.to, bank.described, `pacs.002 about ${msgId}: AppHdr/To must be the bank`);
  assert.equal(m.version, bank.version('pacs.002'), `pacs.002 about ${msgId}: the version of the bank's profile`);
  if (m.signature) assert.ok(m.signature.ok, `pacs.002 about ${msgId}: hub XML signature: ${m.signature.detail}`);
  return readGroupStatus(m.message!);
}

type TransactionView = GroupStatusView['transactions'][number];

function expectTransaction(
  view: GroupStatusView,
  index: number,
  expected: { id: string; status: 'ACSC' | 'RJCT'; code?: string },
  what: string,
): TransactionView {
  const t = view.transactions[index];
  assert.ok(t, `${what}: no TxInfAndSts #${index}; ${show(view)}`);
  assert.equal(t.id, expected.id, `${what}: TxInfAndSts #${index} names ${t.id}, expected ${expected.id} (the bank's order)`);
  assert.equal(t.status, expected.status, `${what}: ${expected.id} TxSts; ${show(t)}`);
  if (expected.code !== undefined) {
    assert.equal(t.prtry, expected.code, `${what}: ${expected.id} StsRsnInf/Rsn/Prtry; ${show(t)}`);
    assert.ok(t.info.length > 0, `${what}: ${expected.id} has a description in StsRsnInf/AddtlInf`);
  } else {
    assert.equal(t.prtry ?? t.cd, undefined, `${what}: an accepted transaction carries no reason; ${show(t)}`);
  }
  return t;
}

function hubPostsTo(wallet: DfspSimulator, path: string, match: (r: RecordedRequest) => boolean): RecordedRequest[] {
  return wallet.find((r) => r.method === 'POST' && r.path.split('?')[0] === path && match(r));
}

// ---- a bank pays many --------------------------------------------------------------------------------------------

/**
 * One pacs.008 with six transactions to two wallets and a bank: accepted (one with a TxId no FSPIOP id can be, named
 * back exactly as the bank wrote it), refused by the payee's quote, to an unknown creditor, past the bank's net debit
 * cap. One pacs.002 PART; positions per transaction; the same Document again, a changed one, pacs.028 for the message
 * and for one transaction.
 */
async function bankPaysMany(ctx: SuiteContext): Promise<void> {
  const bank = await ctx.newBank({ prefix: 'bkm', ndc: '100' });
  const payeeBank = await ctx.newBank({ prefix: 'bkp' });
  const { wallet: w1, party: p1 } = await walletWithParty(ctx);
  const { wallet: w2, party: p2 } = await walletWithParty(ctx, { kind: 'error', errorCode: '5101', errorDescription: 'Payee rejected quote' });
  const [bankBefore, payeeBankBefore, w1Before, w2Before] = await Promise.all([bank, payeeBank, w1, w2].map((p) => ctx.position(p.name)));
  const debtor = { type: 'MSISDN', id: ctx.newPartyId(), name: 'Alan Turing' };
  const invoiceId = `INV-${ulid().slice(-12)}`;
  const tx = {
    accepted: { txId: ulid(), endToEndId: 'E2E-ACCEPTED', amount: '10', debtor, creditorAgent: null, creditor: { ...p1 } },
    quoteRefused: { txId: ulid(), amount: '5', debtor, creditorAgent: null, creditor: { ...p2 } },
    toBank: { txId: ulid(), amount: '20', debtor, creditorAgent: payeeBank.name, creditor: { type: 'MSISDN', id: ctx.newPartyId(), name: 'Ada Lovelace' } },
    unknownCreditor: { txId: ulid(), amount: '7', debtor, creditorAgent: null, creditor: msisdn(ctx) },
    overCap: { txId: ulid(), amount: '500', debtor, creditorAgent: null, creditor: { ...p1 } },
    ownId: { txId: invoiceId, endToEndId: 'E2E-INVOICE', amount: '3', debtor, creditorAgent: null, creditor: { ...p1 } },
  } satisfies Record<string, BulkTransactionFields>;
  const transactions: BulkTransactionFields[] = Object.values(tx);
  const msgId = `GRP-${ulid()}`;
  const sent = await bank.payMany({ msgId, transactions });
  expectAccepted(sent, 202, 'pacs.008 with six transactions');
  assert.equal(sent.body, '', 'the 202 has no body');

  const view = await groupStatus(ctx, bank, msgId, { label: `the pacs.002 about ${msgId}` });
  assert.equal(view.originalMsgNmId, bank.version('pacs.008'), 'OrgnlGrpInfAndSts/OrgnlMsgNmId: the pacs.008 the bank sent');
  assert.equal(view.groupStatus, 'PART', `GrpSts: some accepted, some not; ${show(view)}`);
  assert.equal(view.transactions.length, 6, `one TxInfAndSts per transaction; ${show(view)}`);
  expectTransaction(view, 0, { id: tx.accepted.txId, status: 'ACSC' }, 'accepted');
  assert.equal(view.transactions[0]!.endToEndId, 'E2E-ACCEPTED', 'OrgnlEndToEndId as the bank wrote it');
  expectTransaction(view, 1, { id: tx.quoteRefused.txId, status: 'RJCT', code: '5101' }, "the payee's quote error");
  expectTransaction(view, 2, { id: tx.toBank.txId, status: 'ACSC' }, 'to a bank');
  expectTransaction(view, 3, { id: tx.unknownCreditor.txId, status: 'RJCT', code: '3204' }, 'unknown creditor');
  expectTransaction(view, 4, { id: tx.overCap.txId, status: 'RJCT', code: '4200' }, 'past the net debit cap');
  const own = expectTransaction(view, 5, { id: invoiceId, status: 'ACSC' }, 'an id of the bank’s own form');
  assert.equal(own.txId, invoiceId, 'OrgnlTxId: the bank’s TxId, not the ULID it travelled under');
  const singles = bank.find((m) => m.kind === 'pacs.002' && m.message?.at('OrgnlGrpInfAndSts') === undefined);
  assert.deepEqual(
    singles.map((m) => m.message?.text('TxInfAndSts/OrgnlTxId')),
    [],
    'no pacs.002 about a single transaction of the group',
  );

  // Each transaction went its own way: the wallets and the payee bank saw theirs alone.
  assert.equal(hubPostsTo(w1, '/transfers', (r) => r.body?.transferId === tx.accepted.txId).length, 1, 'W1 got the accepted transfer');
  assert.equal(hubPostsTo(w1, '/transfers', (r) => r.body?.transferId === tx.overCap.txId).length, 0, 'nothing reached W1 past the cap');
  assert.equal(hubPostsTo(w2, '/transfers', () => true).length, 0, 'W2 refused the terms: no transfer');
  const p008 = payeeBank.find((m) => m.kind === 'pacs.008' && m.message?.text('CdtTrfTxInf/PmtId/TxId') === tx.toBank.txId);
  assert.equal(p008.length, 1, `the payee bank got its payment: ${payeeBank.describe()}`);
  await ctx.expectPosition(bank.name, addDecimal(bankBefore!, '33'), 'bank position: 10 + 20 + 3 committed');
  await ctx.expectPosition(w1, subDecimal(w1Before!, '13'), 'W1 position: 10 + 3');
  await ctx.expectPosition(payeeBank.name, subDecimal(payeeBankBefore!, '20'), 'payee bank position');
  await ctx.expectPosition(w2, w2Before!, 'W2 position unchanged');

  // The same Document again (new BizMsgIdr): the group's pacs.002 again. Another under the MsgId: RJCT 3106 for it.
  let since = bank.mark();
  expectAccepted(await bank.send(documentOf(sent)), 202, 'the same message again');
  const again = await groupStatus(ctx, bank, msgId, { since, label: 'the pacs.002 again for a duplicate message' });
  assert.equal(again.groupStatus, 'PART', 'duplicate: the final status again');
  assert.equal(again.transactions.length, 6, 'duplicate: every transaction again');
  since = bank.mark();
  const changed = [
    { ...tx.accepted, txId: ulid() },
    { ...tx.accepted, txId: ulid(), amount: '1' },
  ];
  expectAccepted(await bank.payMany({ msgId, transactions: changed }), 202, 'another message with many transactions under the same MsgId');
  const modified = await groupStatus(ctx, bank, msgId, { since, label: 'RJCT for a changed message under a known MsgId' });
  assert.equal(modified.groupStatus, 'RJCT', `changed message: GrpSts RJCT; ${show(modified)}`);
  assert.equal(modified.groupReason?.prtry, '3106', `changed message: OrgnlGrpInfAndSts/StsRsnInf 3106; ${show(modified)}`);
  assert.equal(modified.transactions.length, 0, 'changed message: no transaction status');
  assert.equal(hubPostsTo(w1, '/quotes', (r) => changed.some((t) => r.body?.transactionId === t.txId)).length, 0, 'nothing of the changed message is carried');

  // pacs.028 for the message, and for one transaction of it.
  since = bank.mark();
  expectAccepted(await bank.groupStatusRequest({ originalMsgId: msgId }), 202, 'pacs.028 for the message');
  const asked = await groupStatus(ctx, bank, msgId, { since, label: 'the answer to pacs.028 for the message' });
  assert.equal(asked.groupStatus, 'PART', 'pacs.028: the group status');
  expectTransaction(asked, 1, { id: tx.quoteRefused.txId, status: 'RJCT', code: '5101' }, 'pacs.028 for the message');
  since = bank.mark();
  expectAccepted(await bank.statusRequest({ originalTxId: tx.quoteRefused.txId }), 202, 'pacs.028 for one transaction');
  const one = await bank.waitStatus(tx.quoteRefused.txId, ctx.T, { since, label: 'pacs.002 for one transaction' });
  assert.equal(one.message?.text('TxInfAndSts/TxSts'), 'RJCT', `pacs.028 for one transaction: ${show(one.message?.toString())}`);
  assert.equal(one.message?.text('TxInfAndSts/StsRsnInf/Rsn/Prtry'), '5101', 'pacs.028 for one transaction: its reason');
  await ctx.expectPosition(bank.name, addDecimal(bankBefore!, '33'), 'bank position unchanged by duplicates and status requests');
}

/**
 * Every transaction accepted (ACCP) by two payees; then a message whose one transaction reuses a paid TxId (RJCT 3106,
 * the rest goes on: PART), one with every transaction refused (RJCT), and one with an id twice (admi.002, nothing).
 */
async function bankGroupsWholeAndDuplicates(ctx: SuiteContext): Promise<void> {
  const bank = await ctx.newBank({ prefix: 'bkd' });
  const { wallet: w1, party: p1 } = await walletWithParty(ctx);
  const { wallet: w2, party: p2 } = await walletWithParty(ctx);
  const [bankBefore, w1Before, w2Before] = await Promise.all([bank, w1, w2].map((p) => ctx.position(p.name)));
  const debtor = { type: 'MSISDN', id: ctx.newPartyId(), name: 'Alan Turing' };
  const first = [
    { txId: ulid(), amount: '1.25', debtor, creditorAgent: null, creditor: { ...p1 } },
    { txId: ulid(), amount: '2.5', debtor, creditorAgent: null, creditor: { ...p2 } },
  ];
  const g1 = `G1-${ulid()}`;
  expectAccepted(await bank.payMany({ msgId: g1, transactions: first }), 202, 'first message');
  const v1 = await groupStatus(ctx, bank, g1);
  assert.equal(v1.groupStatus, 'ACCP', `every transaction accepted: ACCP; ${show(v1)}`);
  first.forEach((t, i) => expectTransaction(v1, i, { id: t.txId, status: 'ACSC' }, 'first message'));

  const g2 = `G2-${ulid()}`;
  const fresh = { txId: ulid(), amount: '4', debtor, creditorAgent: null, creditor: { ...p1 } };
  expectAccepted(await bank.payMany({ msgId: g2, transactions: [{ ...first[0]!, amount: '9' }, fresh] }), 202, 'a message reusing a paid TxId');
  const v2 = await groupStatus(ctx, bank, g2);
  assert.equal(v2.groupStatus, 'PART', `one reused id: PART; ${show(v2)}`);
  expectTransaction(v2, 0, { id: first[0]!.txId, status: 'RJCT', code: '3106' }, 'a reused TxId');
  expectTransaction(v2, 1, { id: fresh.txId, status: 'ACSC' }, 'the other transaction');

  const g3 = `G3-${ulid()}`;
  const nobody = [1, 2].map(() => ({ txId: ulid(), amount: '1', debtor, creditorAgent: null, creditor: msisdn(ctx) }));
  expectAccepted(await bank.payMany({ msgId: g3, transactions: nobody }), 202, 'a message to unknown creditors');
  const v3 = await groupStatus(ctx, bank, g3);
  assert.equal(v3.groupStatus, 'RJCT', `nothing accepted: RJCT; ${show(v3)}`);
  nobody.forEach((t, i) => expectTransaction(v3, i, { id: t.txId, status: 'RJCT', code: '3204' }, 'unknown creditors'));

  const twice = { txId: ulid(), amount: '1', debtor, creditorAgent: null, creditor: { ...p1 } };
  const g4 = `G4-${ulid()}`;
  const refused = await bank.payMany({ msgId: g4, transactions: [twice, { ...twice, amount: '2' }] });
  assert.equal(refused.status, 400, `an id twice in one message: 400 admi.002; ${show(refused.body, 800)}`);
  assert.ok(refused.reject, `an id twice: the 400 is an admi.002: ${show(refused.body, 800)}`);
  assert.match(refused.reject.description ?? '', /^3100: /, `an id twice: RsnDesc; ${refused.reject.description}`);
  assert.equal(hubPostsTo(w1, '/quotes', (r) => JSON.stringify(r.body ?? {}).includes(twice.txId)).length, 0, 'nothing of a refused message is carried');

  await ctx.expectPosition(bank.name, addDecimal(bankBefore!, '7.75'), 'bank position: 1.25 + 2.5 + 4');
  await ctx.expectPosition(w1, subDecimal(w1Before!, '5.25'), 'W1 position: 1.25 + 4');
  await ctx.expectPosition(w2, subDecimal(w2Before!, '2.5'), 'W2 position');
}

// ---- a bank is paid by a wallet's bulk ---------------------------------------------------------------------------

/** Terms for paying `party` at `bank`: a quote the hub answers for the bank (it holds the fulfilment). */
async function termsFromBank(ctx: SuiteContext, wallet: DfspSimulator, bank: BankSimulator, party: PartyRef, amount: string): Promise<AgreedQuote> {
  const request = newQuoteRequest({
    payer: wallet,
    payee: bank.name,
    payerParty: msisdn(ctx),
    payeeParty: party,
    amount,
    currency: ctx.currency,
    expiresInMs: 60_000,
  });
  request.quoteId = ulid();
  request.transactionId = ulid();
  const { cb } = await requestQuote(ctx, wallet, bank.name, request);
  expectSuccessCallback(cb, `quote to bank ${bank.name}`);
  expectFromHub(ctx, cb, wallet);
  return agreedQuote(request, cb);
}

interface BankBulk {
  bulkTransferId: string;
  lines: Array<{ transferId: string; amount: string; terms: AgreedQuote; party: PartyRef }>;
  body: Record<string, unknown>;
}

async function bulkToBank(ctx: SuiteContext, wallet: DfspSimulator, bank: BankSimulator, amounts: string[]): Promise<BankBulk> {
  const lines = [];
  for (const amount of amounts) {
    const party = msisdn(ctx);
    bank.addParty({ type: party.type, id: party.id, name: 'Grace Hopper' });
    lines.push({ transferId: ulid(), amount, party, terms: await termsFromBank(ctx, wallet, bank, party, amount) });
  }
  const bulkTransferId = ulid();
  const expiration = new Date(Math.min(Date.now() + 60_000, ...lines.map((l) => Date.parse(l.terms.expiration)))).toISOString();
  const body = {
    bulkTransferId,
    bulkQuoteId: ulid(),
    payerFsp: wallet.name,
    payeeFsp: bank.name,
    individualTransfers: lines.map((l) => ({
      transferId: l.transferId,
      transferAmount: { amount: l.amount, currency: ctx.currency },
      ilpPacket: l.terms.ilpPacket,
      condition: l.terms.condition,
    })),
    expiration,
  };
  return { bulkTransferId, lines, body };
}

/** The one pacs.008 the bank gets for a bulk: every line a CdtTrfTxInf, from the hub, in the bank's version, signed. */
async function bulkAtBank(ctx: SuiteContext, bank: BankSimulator, bulk: BankBulk, wallet: DfspSimulator): Promise<void> {
  const m = await bank.waitFor((x) => x.kind === 'pacs.008' && x.message?.text('GrpHdr/MsgId') === bulk.bulkTransferId, ctx.T, {
    label: `pacs.008 for bulk ${bulk.bulkTransferId}`,
  });
  assert.equal(m.from, ctx.hubDescribed, 'the bulk pacs.008: AppHdr/Fr is the hub');
  assert.equal(m.version, bank.version('pacs.008'), 'the bulk pacs.008 in the bank profile version');
  if (m.signature) assert.ok(m.signature.ok, `the bulk pacs.008: hub signature ${m.signature.detail}`);
  const txs = m.message!.all('CdtTrfTxInf');
  assert.equal(m.message!.text('GrpHdr/NbOfTxs'), String(bulk.lines.length), 'NbOfTxs');
  assert.deepEqual(
    txs.map((t) => t.text('PmtId/TxId')),
    bulk.lines.map((l) => l.transferId),
    'one CdtTrfTxInf per line, TxId = transferId, in order',
  );
  txs.forEach((t, i) => {
    const line = bulk.lines[i]!;
    assert.equal(t.text('IntrBkSttlmAmt'), line.amount, `line ${i}: amount`);
    assert.equal(t.text('DbtrAgt/FinInstnId/Othr/Id'), wallet.name, `line ${i}: DbtrAgt = the wallet`);
    assert.equal(t.text('CdtrAgt/FinInstnId/Othr/Id'), bank.name, `line ${i}: CdtrAgt = the bank`);
    assert.equal(t.text('Cdtr/Id/PrvtId/Othr/Id'), line.party.id, `line ${i}: Cdtr from the terms; ${show(t.toString(), 1200)}`);
  });
}

interface LineResult {
  transferId: string;
  fulfilment?: string;
  errorInformation?: { errorCode: string; errorDescription: string };
}

async function walletReport(ctx: SuiteContext, wallet: DfspSimulator, bulk: BankBulk, state: string): Promise<Map<string, LineResult>> {
  const rec = await wallet.waitFor((r) => r.method === 'PUT' && r.path === `/bulkTransfers/${bulk.bulkTransferId}`, ctx.T, {
    label: `PUT /bulkTransfers/${bulk.bulkTransferId} at the wallet`,
  });
  expectFromHub(ctx, rec, wallet);
  assert.equal(rec.body?.bulkTransferState, state, `the wallet's report: bulkTransferState; ${show(rec.bodyText, 1500)}`);
  const results = rec.body?.individualTransferResults as LineResult[];
  return new Map(results.map((r) => [r.transferId, r]));
}

/** A wallet's bulk of three lines to a bank that accepts the first and last and rejects the middle one (ISO AC04). */
async function walletBulkToBankPart(ctx: SuiteContext): Promise<void> {
  const bank = await ctx.newBank({ prefix: 'bkq' });
  const wallet = await ctx.newDfsp({ prefix: 'wal' });
  const bulk = await bulkToBank(ctx, wallet, bank, ['11', '12.5', '13']);
  const [a, b, c] = bulk.lines as [BankBulk['lines'][number], BankBulk['lines'][number], BankBulk['lines'][number]];
  bank.setPaymentBehaviour(b.transferId, { kind: 'reject', reason: { cd: 'AC04' }, info: 'Closed account' });
  const [walletBefore, bankBefore] = await Promise.all([ctx.position(wallet), ctx.position(bank.name)]);
  const since = bank.mark();
  const res = await ctx.send({ method: 'POST', path: '/bulkTransfers', source: wallet.name, destination: bank.name, version: wallet.version, body: bulk.body });
  expectStatus(res, 202, 'POST /bulkTransfers to a bank');
  await bulkAtBank(ctx, bank, bulk, wallet);
  const answer = await bank.waitForOutbound((o) => o.kind === 'pacs.002' && o.ref === bulk.bulkTransferId, ctx.T, "the bank's pacs.002");
  assert.ok(answer.result, `the bank could not answer: ${answer.error}`);
  expectAccepted(answer.result, 200, "the bank's pacs.002 PART");

  const results = await walletReport(ctx, wallet, bulk, 'COMPLETED');
  for (const line of [a, c]) {
    const r = results.get(line.transferId);
    assert.ok(r?.fulfilment, `line ${line.transferId} committed with a fulfilment; ${show(r)}`);
    assert.equal(conditionFromFulfilment(r.fulfilment), line.terms.condition, 'the fulfilment the hub holds matches the condition of its terms');
  }
  assert.equal(
    results.get(b.transferId)?.errorInformation?.errorCode,
    '5100',
    `the bank's AC04 reaches the wallet as 5100; ${show(results.get(b.transferId))}`,
  );
  assert.match(results.get(b.transferId)?.errorInformation?.errorDescription ?? '', /AC04/, "the description names the bank's reason");
  await ctx.expectPosition(wallet, addDecimal(walletBefore, '24'), 'wallet position: 11 + 13 committed');
  await ctx.expectPosition(bank.name, subDecimal(bankBefore, '24'), 'bank position: 11 + 13 credited');
  for (const [line, state] of [
    [a, 'COMMITTED'],
    [b, 'ABORTED'],
    [c, 'COMMITTED'],
  ] as const) {
    const got = await ctx.queryTransfer(wallet, line.transferId);
    assert.equal(got.body?.transferState, state, `GET /transfers/${line.transferId}`);
  }
  // The bank learns the bulk's end too: one pacs.002 with the group status from the hub.
  const report = await groupStatus(ctx, bank, bulk.bulkTransferId, { since, label: "the bulk's report to the bank" });
  assert.equal(report.groupStatus, 'PART', `the report to the bank: PART; ${show(report)}`);
}

/** The bank rejects the whole bulk (GrpSts RJCT, no transaction): every line aborted with the bank's code. */
async function walletBulkToBankRejected(ctx: SuiteContext): Promise<void> {
  const bank = await ctx.newBank({ prefix: 'bkr' });
  const wallet = await ctx.newDfsp({ prefix: 'wal' });
  const bulk = await bulkToBank(ctx, wallet, bank, ['2', '3']);
  bank.setBulkBehaviour(bulk.bulkTransferId, { kind: 'reject-group', reason: { prtry: '5104' }, info: 'Batch refused' });
  const [walletBefore, bankBefore] = await Promise.all([ctx.position(wallet), ctx.position(bank.name)]);
  const res = await ctx.send({ method: 'POST', path: '/bulkTransfers', source: wallet.name, destination: bank.name, version: wallet.version, body: bulk.body });
  expectStatus(res, 202, 'POST /bulkTransfers to a bank');
  await bulkAtBank(ctx, bank, bulk, wallet);
  const results = await walletReport(ctx, wallet, bulk, 'REJECTED');
  for (const line of bulk.lines) {
    assert.equal(
      results.get(line.transferId)?.errorInformation?.errorCode,
      '5104',
      `line ${line.transferId}: the bank's code; ${show(results.get(line.transferId))}`,
    );
  }
  await ctx.expectPosition(wallet, walletBefore, 'wallet position unchanged');
  await ctx.expectPosition(bank.name, bankBefore, 'bank position unchanged');
}

/**
 * A wallet's bulk of two lines to a bank, one past the wallet's net debit cap: the bank gets a pacs.008 holding one
 * transaction, which it answers as it answers any single payment; that pacs.002 finishes the bulk's line.
 */
async function walletBulkToBankOneLine(ctx: SuiteContext): Promise<void> {
  const bank = await ctx.newBank({ prefix: 'bko' });
  const wallet = await ctx.newDfsp({ prefix: 'wal', ndc: '20' });
  const bulk = await bulkToBank(ctx, wallet, bank, ['15', '50']);
  const [fits, over] = bulk.lines as [BankBulk['lines'][number], BankBulk['lines'][number]];
  const [walletBefore, bankBefore] = await Promise.all([ctx.position(wallet), ctx.position(bank.name)]);
  const res = await ctx.send({ method: 'POST', path: '/bulkTransfers', source: wallet.name, destination: bank.name, version: wallet.version, body: bulk.body });
  expectStatus(res, 202, 'POST /bulkTransfers to a bank');
  const m = await bank.waitFor((x) => x.kind === 'pacs.008' && x.message?.text('GrpHdr/MsgId') === bulk.bulkTransferId, ctx.T, {
    label: `pacs.008 for bulk ${bulk.bulkTransferId}`,
  });
  assert.deepEqual(
    m.message!.all('CdtTrfTxInf').map((t) => t.text('PmtId/TxId')),
    [fits.transferId],
    'the bank gets the reserved line only',
  );
  const answer = await bank.waitForOutbound((o) => o.kind === 'pacs.002' && o.ref === fits.transferId, ctx.T, "the bank's pacs.002 for its one payment");
  assert.ok(answer.result, `the bank could not answer: ${answer.error}`);
  expectAccepted(answer.result, 200, "the bank's pacs.002 naming the bulk's message and its one transaction");
  const results = await walletReport(ctx, wallet, bulk, 'COMPLETED');
  const committed = results.get(fits.transferId);
  assert.equal(conditionFromFulfilment(committed?.fulfilment ?? ''), fits.terms.condition, `the line the bank accepted is committed; ${show(committed)}`);
  assert.equal(results.get(over.transferId)?.errorInformation?.errorCode, '4200', `the line past the cap; ${show(results.get(over.transferId))}`);
  ctx.assertNone(wallet, (r) => r.method === 'PUT' && r.path.startsWith('/transfers/'), 'a single transfer callback for a line of a bulk');
  await ctx.expectPosition(wallet, addDecimal(walletBefore, '15'), 'wallet position: the one line committed');
  await ctx.expectPosition(bank.name, subDecimal(bankBefore, '15'), 'bank position');
}

export const bankBulkScenarios: Scenario[] = [
  {
    name: 'dialects: bank bulk — pacs.008 with six transactions to two wallets and a bank (accepted, quote refused 5101, unknown creditor 3204, net debit cap 4200, a non-FSPIOP TxId) → one pacs.002 PART naming each as sent; positions per transaction; duplicate, changed message (3106), pacs.028 for the message and for one transaction',
    run: bankPaysMany,
  },
  {
    name: 'dialects: bank bulk — every transaction accepted → ACCP; a TxId already paid → RJCT 3106 for it alone (PART); every creditor unknown → RJCT; an id twice → 400 admi.002, nothing carried',
    run: bankGroupsWholeAndDuplicates,
  },
  {
    name: 'dialects: bank bulk — a wallet’s bulk to a bank: one pacs.008 with three transactions, the bank answers PART (AC04 for one) → two lines committed with the fulfilments the hub holds, one aborted 5100; positions and GETs per line; the report to both',
    run: walletBulkToBankPart,
  },
  {
    name: 'dialects: bank bulk — a wallet’s bulk to a bank with one line past the net debit cap: the bank gets one transaction and answers it as a single payment → that line committed in the bulk, the other 4200; no single transfer callback',
    run: walletBulkToBankOneLine,
  },
  {
    name: 'dialects: bank bulk — a wallet’s bulk to a bank rejected as a whole (GrpSts RJCT 5104, no transaction) → every line aborted 5104, positions unchanged',
    run: walletBulkToBankRejected,
  },
];
