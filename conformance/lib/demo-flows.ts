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
import { quoteIlp, type QuoteRequestLike } from './ilp.js';
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

/**
 * The terms of the README's payment by hand (walleta pays walletb 5 USD): walletb's simulator runs with a fixed ILP
 * secret — a demo's, not a secret — so the packet and condition it would issue in a quote for this payment are the same
 * in every demo, and it fulfils any transfer that carries them. A scheme's payee keeps its secret to itself.
 */
export const HAND_PAYMENT = {
  payeeIlpSecret: 'mizani-demo-walletb-ilp-secret-published-in-the-readme',
  amount: { amount: '5', currency: 'USD' },
  quote: {
    quoteId: '01JDEM0HANDPAYMENTQ0000000',
    transactionId: '01JDEM0HANDPAYMENTT0000000',
    transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
    payer: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '25570000001', fspId: 'walleta' } },
    payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '25570000002', fspId: 'walletb' } },
  },
  quoteExpiration: '2030-01-01T00:00:00.000Z',
} as const;

/** The hand payment's prepare body for `transferId` (expiring in 10 minutes), with the terms walletb issues. */
export function handPaymentBody(transferId: string, now = Date.now()): Record<string, unknown> {
  const ilp = quoteIlp(HAND_PAYMENT.payeeIlpSecret, HAND_PAYMENT.quote as unknown as QuoteRequestLike, {
    transferAmount: HAND_PAYMENT.amount,
    expiration: HAND_PAYMENT.quoteExpiration,
  });
  return {
    transferId,
    payerFsp: DEMO_NAMES.walletA,
    payeeFsp: DEMO_NAMES.walletB,
    amount: HAND_PAYMENT.amount,
    ilpPacket: ilp.ilpPacket,
    condition: ilp.condition,
    expiration: new Date(now + 10 * 60_000).toISOString(),
  };
}

/** The four participants and their customers (names fixed so the README's commands work). */
export async function provisionDemo(ctx: SuiteContext): Promise<DemoScheme> {
  const [walletA, walletB] = await Promise.all([
    ctx.newDfsp({ name: DEMO_NAMES.walletA }),
    ctx.newDfsp({ name: DEMO_NAMES.walletB, ilpSecret: HAND_PAYMENT.payeeIlpSecret }),
  ]);
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
