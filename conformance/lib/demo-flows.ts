/**
 * The demo's scheme and payments (`./mizani demo`, conformance/demo.ts): two wallets on FSPIOP and two banks on
 * ISO 20022 XML, provisioned through the Admin API like any participant, then one payment across each dialect pair
 * (wallet → wallet, wallet → bank, bank → wallet, bank → bank) and the settlement of the window that holds them.
 * Built from the conformance simulators and scenario steps, so what the demo shows is what the suite checks.
 */
import assert from 'node:assert/strict';
import { ulid } from 'ulidx';
import { agreeWithBank, bankStatus, registerBankParty, transferToBank } from '../scenarios/dialects.js';
import type { BankSimulator } from './bank.js';
import type { SuiteContext } from './context.js';
import type { DfspSimulator } from './dfsp.js';
import { discoverParty, expectSuccessCallback, registerPartyOk, type PartyRef } from './flows.js';
import { ACCOUNT_STEPS, SettlementClient } from './settlement.js';
import { show } from './util.js';

export interface DemoScheme {
  walletA: DfspSimulator;
  walletB: DfspSimulator;
  bankA: BankSimulator;
  bankB: BankSimulator;
  /** A customer of each participant, registered with the hub's oracle. */
  customers: { walletA: PartyRef; walletB: PartyRef; bankA: PartyRef; bankB: PartyRef };
}

export interface DemoPayment {
  pair: string;
  transferId: string;
  amount: string;
}

export const DEMO_NAMES = { walletA: 'walleta', walletB: 'walletb', bankA: 'banka', bankB: 'bankb' } as const;

/** The four participants and their customers (names fixed so the README's commands work). */
export async function provisionDemo(ctx: SuiteContext): Promise<DemoScheme> {
  const [walletA, walletB] = await Promise.all([ctx.newDfsp({ name: DEMO_NAMES.walletA }), ctx.newDfsp({ name: DEMO_NAMES.walletB })]);
  const bankA = await ctx.newBank({ name: DEMO_NAMES.bankA });
  const bankB = await ctx.newBank({ name: DEMO_NAMES.bankB });
  const customers = {
    walletA: { type: 'MSISDN', id: '25570000001' },
    walletB: { type: 'MSISDN', id: '25570000002' },
    bankA: { type: 'MSISDN', id: '25570000003' },
    bankB: { type: 'MSISDN', id: '25570000004' },
  };
  walletA.addParty({ partyIdType: 'MSISDN', partyIdentifier: customers.walletA.id, firstName: 'Amina', lastName: 'Juma' });
  walletB.addParty({ partyIdType: 'MSISDN', partyIdentifier: customers.walletB.id, firstName: 'Baraka', lastName: 'Mwangi' });
  bankA.addParty({ type: 'MSISDN', id: customers.bankA.id, name: 'Grace Hopper' });
  bankB.addParty({ type: 'MSISDN', id: customers.bankB.id, name: 'Ada Lovelace' });
  await registerPartyOk(ctx, walletA, customers.walletA);
  await registerPartyOk(ctx, walletB, customers.walletB);
  await registerBankParty(ctx, bankA, customers.bankA, walletA);
  await registerBankParty(ctx, bankB, customers.bankB, walletA);
  return { walletA, walletB, bankA, bankB, customers };
}

/** Wallet → wallet: the payer looks the customer up, then sends the transfer the payee fulfils. */
export async function walletToWallet(ctx: SuiteContext, s: DemoScheme, amount: string): Promise<DemoPayment> {
  const { cb } = await discoverParty(ctx, s.walletA, s.customers.walletB);
  expectSuccessCallback(cb, `lookup of ${s.customers.walletB.id}`);
  const t = ctx.newTransfer({ payer: s.walletA, payee: s.walletB, amount, idKind: 'ulid' });
  const res = await ctx.sendPrepare(t);
  assert.equal(res.status, 202, `POST /transfers ${t.transferId}: ${res.status} ${show(res.body)}`);
  const put = await ctx.waitTransferCallback(s.walletA, t.transferId, { type: 'put', label: `commit of ${t.transferId}` });
  assert.equal(put.body?.transferState, 'COMMITTED', `wallet → wallet ${t.transferId}: ${show(put.bodyText)}`);
  return { pair: 'wallet → wallet (FSPIOP → FSPIOP)', transferId: t.transferId, amount };
}

/** Wallet → bank: acmt.023/024 discovery, terms the hub issues for the bank, pacs.008 → pacs.002 ACSC. */
export async function walletToBank(ctx: SuiteContext, s: DemoScheme, amount: string): Promise<DemoPayment> {
  const { cb } = await discoverParty(ctx, s.walletA, s.customers.bankA);
  expectSuccessCallback(cb, `lookup of bank customer ${s.customers.bankA.id}`);
  const q = await agreeWithBank(ctx, s.walletA, s.bankA, s.customers.bankA, amount);
  const { t } = await transferToBank(ctx, s.walletA, s.bankA, q);
  const put = await ctx.waitTransferCallback(s.walletA, t.transferId, { type: 'put', label: `commit of ${t.transferId}` });
  assert.equal(put.body?.transferState, 'COMMITTED', `wallet → bank ${t.transferId}: ${show(put.bodyText)}`);
  return { pair: 'wallet → bank (FSPIOP → ISO 20022 XML)', transferId: t.transferId, amount };
}

/** Bank → wallet: a one-shot pacs.008; the hub agrees terms with the wallet for the bank and answers pacs.002. */
export async function bankToWallet(ctx: SuiteContext, s: DemoScheme, amount: string): Promise<DemoPayment> {
  const txId = ulid();
  const creditor = { type: s.customers.walletB.type, id: s.customers.walletB.id };
  const r = await s.bankA.pay({ txId, amount, debtor: { type: 'MSISDN', id: s.customers.bankA.id, name: 'Grace Hopper' }, creditorAgent: null, creditor });
  assert.equal(r.status, 202, `pacs.008 ${txId} from ${s.bankA.name}: ${r.status} ${show(r.body)}`);
  const status = await bankStatus(ctx, s.bankA, txId, { label: `pacs.002 for ${txId}` });
  assert.equal(status.sts, 'ACSC', `bank → wallet ${txId}: ${show(status.m.message?.toString())}`);
  return { pair: 'bank → wallet (ISO 20022 XML → FSPIOP)', transferId: txId, amount };
}

/** Bank → bank: pacs.008 through the hub to the other bank, its ACSC back to the first. */
export async function bankToBank(ctx: SuiteContext, s: DemoScheme, amount: string): Promise<DemoPayment> {
  const txId = ulid();
  const r = await s.bankA.pay({
    txId,
    amount,
    debtor: { type: 'MSISDN', id: s.customers.bankA.id, name: 'Grace Hopper' },
    creditorAgent: s.bankB.name,
    creditor: { type: 'MSISDN', id: s.customers.bankB.id, name: 'Ada Lovelace' },
  });
  assert.equal(r.status, 202, `pacs.008 ${txId} from ${s.bankA.name}: ${r.status} ${show(r.body)}`);
  const status = await bankStatus(ctx, s.bankA, txId, { label: `pacs.002 for ${txId}` });
  assert.equal(status.sts, 'ACSC', `bank → bank ${txId}: ${show(status.m.message?.toString())}`);
  return { pair: 'bank → bank (ISO 20022 XML → ISO 20022 XML)', transferId: txId, amount };
}

/** One payment across every dialect pair, in turn. */
export async function payAcrossDialects(ctx: SuiteContext, s: DemoScheme): Promise<DemoPayment[]> {
  return [await walletToWallet(ctx, s, '100'), await walletToBank(ctx, s, '25.5'), await bankToWallet(ctx, s, '40'), await bankToBank(ctx, s, '12.75')];
}

export interface DemoSettlement {
  windowId: number;
  settlementId: number;
  state: string;
}

/**
 * Closes the open window and settles it under the default deferred net model, each account through the four steps.
 * `settlement` does the calls: the plain client, or one that acts through maker-checker.
 */
export async function settleOpenWindow(settlement: SettlementClient, reason = 'demo'): Promise<DemoSettlement> {
  const windowId = await settlement.closeOpenWindow(reason);
  assert.ok(windowId !== undefined, 'the open window holds the demo payments');
  const created = await settlement.create('DEFAULTDEFERREDNET', [windowId], reason);
  assert.equal(created.status, 200, `POST /v2/settlements: ${created.status} ${show(created.rawBody)}`);
  let current = await settlement.settlement(Number(created.body.id));
  for (const step of ACCOUNT_STEPS) {
    const r = await settlement.stepAll(current, step, `${reason}: ${step}`);
    assert.equal(r.status, 200, `PUT /v2/settlements/${current.id} → ${step}: ${r.status} ${show(r.rawBody)}`);
    current = await settlement.settlement(current.id);
  }
  return { windowId, settlementId: current.id, state: current.state };
}
