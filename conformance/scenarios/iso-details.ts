// ISO 20022 details between banks and wallets (issue 14, docs/iso20022-mapping.md §1 and §3): a bank's pacs.002 with
// several status reasons and a processing date reaches the payer whole — the first reason decides the FSPIOP code, the
// others travel in the error's extension list (a wallet) or as further StsRsnInf (a bank); and the hub's acmt.024 to
// a bank that asked (acmt.023) names the bank's own Vrfctn/Id as OrgnlId and its Assgnmt as OrgnlAssgnmt, for a party
// found, a wallet's error answer, the hub's own error and a party id longer than an ISO message id.
import assert from 'node:assert/strict';
import { ulid } from 'ulidx';
import type { BankMessage } from '../lib/bank.js';
import type { SuiteContext } from '../lib/context.js';
import { discoverParty, expectErrorCallback, expectFromHub, expectSuccessCallback, registerPartyOk, waitPartiesGet, type PartyRef } from '../lib/flows.js';
import { isoNow, newMsgId, type StatusReasonFields } from '../lib/isoxml.js';
import type { Scenario } from '../lib/scenario.js';
import { show } from '../lib/util.js';
import { agreeWithBank, bankStatus, expectAccepted, msisdn, positions, registerBankParty, transferToBank } from './dialects.js';

/** The JSON a hub wrote as `iso:<name>` extension items (docs/iso20022-mapping.md §5), or undefined. */
function carried(list: Array<{ key: string; value: string }> | undefined, name: string): unknown {
  const items = (list ?? []).filter((e) => e.key === `iso:${name}`);
  return items.length > 0 ? JSON.parse(items.map((e) => e.value).join('')) : undefined;
}

const FURTHER: StatusReasonFields[] = [{ prtry: '5105', info: 'Transaction not allowed for this account' }, { info: 'Compliance review CR-2026-0091' }];
const FURTHER_CANONICAL = [
  { Rsn: { Prtry: '5105' }, AddtlInf: 'Transaction not allowed for this account' },
  { Rsn: {}, AddtlInf: 'Compliance review CR-2026-0091' },
];

/** A wallet pays a customer of a bank on `profile`; the bank rejects with three reasons and a processing date. */
async function bankRejectsWithReasons(ctx: SuiteContext, profile: 'iso-2019' | 'iso-2026'): Promise<void> {
  const bank = await ctx.newBank({ profile });
  const wallet = await ctx.newDfsp({ prefix: 'wal' });
  const party = msisdn(ctx);
  bank.addParty({ type: party.type, id: party.id, name: 'Grace Hopper' });
  await registerBankParty(ctx, bank, party, wallet);
  const { cb: found } = await discoverParty(ctx, wallet, party);
  expectSuccessCallback(found, 'discovery of a bank customer');
  const q = await agreeWithBank(ctx, wallet, bank, party, '12.34');
  const [walBefore, bankBefore] = await positions(ctx, wallet, bank);
  const transferId = ulid();
  // .16 has PrcgDt/Dt for a date alone; .10 only AccptncDtTm, a date-time.
  const date = new Date().toISOString().slice(0, 10);
  const processingDate = profile === 'iso-2026' ? { date } : { dateTime: isoNow() };
  bank.setPaymentBehaviour(transferId, { kind: 'reject', reason: { cd: 'AC04' }, info: 'Closed account', moreReasons: FURTHER, processingDate });
  await transferToBank(ctx, wallet, bank, q, { transferId });
  const sent = await bank.waitForOutbound((x) => x.kind === 'pacs.002' && x.ref === transferId, ctx.T, `the bank's pacs.002 RJCT ${transferId}`);
  assert.ok(sent.result, `the bank could not send its pacs.002: ${sent.error}`);
  expectAccepted(sent.result, 200, "the bank's pacs.002 with three reasons");
  const err = await ctx.waitTransferCallback(wallet, transferId, { type: 'error', label: `error for ${transferId}` });
  expectErrorCallback(err, '5100', 'the first reason (AC04, no FSPIOP code) decides: 5100');
  expectFromHub(ctx, err, wallet);
  const info = err.body.errorInformation;
  const list = info.extensionList?.extension as Array<{ key: string; value: string }> | undefined;
  const text = [info.errorDescription, ...(list ?? []).filter((e) => e.key === 'detail').map((e) => e.value)].join(' ');
  assert.match(text, /bank reason AC04: Closed account/, `the first reason's code and text; ${show(err.bodyText, 1500)}`);
  assert.deepEqual(carried(list, 'AddtlStsRsnInf'), FURTHER_CANONICAL, `the further reasons, in order; ${show(err.bodyText, 1500)}`);
  assert.deepEqual(
    carried(list, 'PrcgDt'),
    profile === 'iso-2026' ? { Dt: date } : { DtTm: processingDate.dateTime },
    'the processing date, a date stays a date',
  );
  await ctx.expectPosition(wallet, walBefore!, 'wallet position after the bank rejected');
  await ctx.expectPosition(bank.name, bankBefore!, 'bank position after it rejected');
}

/** The StsRsnInf of a pacs.002 a bank got: code (Prtry or Cd) and the AddtlInf joined, in order. */
function reasonsOf(m: BankMessage): Array<{ code?: string; info: string }> {
  return m.message!.all('TxInfAndSts/StsRsnInf').map((r) => ({
    code: r.text('Rsn/Prtry') ?? r.text('Rsn/Cd'),
    info: r
      .all('AddtlInf')
      .map((x) => x.text())
      .join(''),
  }));
}

async function payeeBankRejectsWithReasons(ctx: SuiteContext): Promise<void> {
  const [a, b] = await Promise.all([ctx.newBank({ prefix: 'bka' }), ctx.newBank({ prefix: 'bkb', profile: 'iso-2026' })]);
  const txId = ulid();
  b.setPaymentBehaviour(txId, { kind: 'reject', reason: { prtry: '5104' }, info: 'Account blocked', moreReasons: [{ cd: 'AM04', info: 'No funds either' }] });
  const [aBefore, bBefore] = await positions(ctx, a, b);
  const creditor = { type: 'MSISDN', id: ctx.newPartyId(), name: 'Ada Lovelace' };
  const r = await a.pay({ txId, amount: '9.99', debtor: { type: 'MSISDN', id: ctx.newPartyId(), name: 'Alan Turing' }, creditorAgent: b.name, creditor });
  expectAccepted(r, 202, 'pacs.008 bank → bank');
  const s = await bankStatus(ctx, a, txId, { label: `pacs.002 RJCT for ${txId} at A` });
  assert.equal(s.sts, 'RJCT', `bank A: ${show(s.m.message?.toString(), 1500)}`);
  assert.deepEqual(
    reasonsOf(s.m),
    [
      { code: '5104', info: 'Payee rejected transaction - Account blocked' },
      { code: 'AM04', info: 'No funds either' },
    ],
    `bank A gets every reason bank B gave, the first as the FSPIOP code; ${show(s.m.message?.toString(), 1500)}`,
  );
  await ctx.expectPosition(a.name, aBefore!, 'bank A position');
  await ctx.expectPosition(b.name, bBefore!, 'bank B position');
}

type LookupCase = 'found' | 'wallet error' | 'hub error' | 'long id';

/** A bank asks who holds a wallet's customer (acmt.023, to the hub); the acmt.024 names the bank's own ids. */
async function bankLooksUpWalletParty(ctx: SuiteContext, kind: LookupCase): Promise<void> {
  const bank = await ctx.newBank();
  const wallet = await ctx.newDfsp({ prefix: 'wal' });
  const party: PartyRef = kind === 'long id' ? { type: 'ACCOUNT_ID', id: `ACC${ctx.newPartyId().padEnd(37, '7')}` } : msisdn(ctx);
  if (kind === 'found' || kind === 'long id') wallet.addParty({ partyIdType: party.type, partyIdentifier: party.id, firstName: 'Mary', lastName: 'Jones' });
  if (kind !== 'hub error') await registerPartyOk(ctx, wallet, party);
  const verificationId = newMsgId('VRF');
  const msgId = newMsgId('MSG');
  const since = bank.mark();
  const r = await bank.verifyParty({ party: { type: party.type, id: party.id }, verificationId, msgId });
  expectAccepted(r, 202, `acmt.023 ${verificationId}`);
  if (kind !== 'hub error') await waitPartiesGet(ctx, wallet, party);
  const a024 = await bank.waitFor((m) => m.kind === 'acmt.024', ctx.T, { since, label: `acmt.024 answering ${verificationId}` });
  const m = a024.message!;
  const where = show(m.toString(), 2000);
  assert.equal(a024.from, ctx.hubDescribed, 'acmt.024: AppHdr/Fr is the hub');
  if (a024.signature) assert.ok(a024.signature.ok, `acmt.024 hub signature: ${a024.signature.detail}`);
  assert.equal(m.text('Rpt/OrgnlId'), verificationId, `acmt.024 Rpt/OrgnlId is the bank's Vrfctn/Id; ${where}`);
  assert.equal(m.text('OrgnlAssgnmt/MsgId'), msgId, `acmt.024 OrgnlAssgnmt/MsgId is the acmt.023's Assgnmt/MsgId; ${where}`);
  assert.ok(m.text('OrgnlAssgnmt/CreDtTm'), `acmt.024 OrgnlAssgnmt/CreDtTm; ${where}`);
  assert.doesNotMatch(m.toString(), /Rpt\.OrgnlId/, 'the OrgnlId fits: nothing of it in supplementary data');
  if (kind === 'found' || kind === 'long id') {
    assert.equal(m.text('Rpt/Vrfctn'), 'true', `verified; ${where}`);
    assert.equal(m.text('Rpt/UpdtdPtyAndAcctId/Pty/Id/PrvtId/Othr/Id'), party.id, `the full party id; ${where}`);
    assert.equal(m.text('Rpt/UpdtdPtyAndAcctId/Agt/FinInstnId/Othr/Id'), wallet.name, `the wallet holds the party; ${where}`);
  } else {
    assert.equal(m.text('Rpt/Vrfctn'), 'false', `not verified; ${where}`);
    assert.equal(m.text('Rpt/Rsn/Cd'), '3204', `party not found; ${where}`);
  }
  assert.equal(bank.find((x) => x.kind === 'acmt.024', since).length, 1, `one answer to one request: ${bank.describe()}`);
}

export const isoDetailScenarios: Scenario[] = [
  {
    name: 'dialects: wallet pays bank (pacs.002.001.16) — RJCT with three StsRsnInf and PrcgDt/Dt: the wallet gets 5100 from the first, the others and the date as iso: extensions; nothing moved',
    run: (ctx) => bankRejectsWithReasons(ctx, 'iso-2026'),
  },
  {
    name: 'dialects: wallet pays bank (pacs.002.001.10) — RJCT with three StsRsnInf and AccptncDtTm: the others and the date-time as iso: extensions; nothing moved',
    run: (ctx) => bankRejectsWithReasons(ctx, 'iso-2019'),
  },
  {
    name: 'dialects: payee bank rejects with two StsRsnInf — the payer bank gets both, the first as the FSPIOP code; positions unchanged',
    run: payeeBankRejectsWithReasons,
  },
  {
    name: "dialects: a bank looks up a wallet's customer (acmt.023) — the acmt.024 names the bank's Vrfctn/Id as OrgnlId and its Assgnmt as OrgnlAssgnmt",
    run: (ctx) => bankLooksUpWalletParty(ctx, 'found'),
  },
  {
    name: 'dialects: a bank looks up a party its wallet does not know — the wallet error answer reaches the bank as acmt.024 (3204) with OrgnlId = its Vrfctn/Id',
    run: (ctx) => bankLooksUpWalletParty(ctx, 'wallet error'),
  },
  {
    name: 'dialects: a bank looks up a party nobody registered — the hub answers acmt.024 (3204) with OrgnlId = its Vrfctn/Id',
    run: (ctx) => bankLooksUpWalletParty(ctx, 'hub error'),
  },
  {
    name: 'dialects: a bank looks up a 40-character ACCOUNT_ID — the acmt.024 OrgnlId is its Vrfctn/Id (not the long path), the party id whole',
    run: (ctx) => bankLooksUpWalletParty(ctx, 'long id'),
  },
];
