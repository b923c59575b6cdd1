/**
 * Deferred net settlement (admin.md §4, settlement.md §2-3, docs/settlement.md): closing windows, creating
 * settlements over closed windows, moving each settled account through PENDING_SETTLEMENT → PS_TRANSFERS_RECORDED →
 * PS_TRANSFERS_RESERVED → PS_TRANSFERS_COMMITTED → SETTLED, and aborting.
 *
 * Positions move only through the bus (settlementTopics.position), applied by the position owner once per settlement
 * transfer id; the settlement's own records (ledger/settlement.ts) are written after those moves are durable. A crash
 * between the two leaves the account at its previous state with its move applied; the same request again finds the
 * move done (`already-moved`) and records the state, so nothing is applied twice. Settlement changes are serialised
 * (one at a time, across hub nodes: SettlementStore.exclusive): they are operator actions, and each reads the state the
 * previous one left.
 */
import { randomUUID } from 'node:crypto';
import type { Registry, SettlementModel } from '../../../ledger/registry.js';
import {
  ACCOUNT_STEPS,
  SettlementStore,
  type AccountChange,
  type AccountState,
  type SettlementAccountRecord,
  type SettlementFilter,
  type SettlementRecord,
  type WindowFilter,
  type WindowRecord,
} from '../../../ledger/settlement.js';
import { LEDGER_ZERO, ledgerNegated, ledgerPlus } from '../../../ledger/units.js';
import { DomainError } from '../../../schemas/outcomes.js';
import type { Bus } from '../../bus/bus.js';
import { settlementTopics, type SettlementPositionCommand } from '../topics.js';
import type { SettlementReports } from './reports.js';

/** One account of a PUT: the participant named, the account, the state asked for. */
export interface AccountRequest {
  participantId: number;
  accountId: number;
  state: string;
  reason: string;
  externalReference?: string;
}

/** Why one account of a PUT was not moved (rendered per account, admin.md §4.2). */
export type AccountRefusal = 'ACCOUNT_NOT_FOUND' | 'PARTICIPANT_ACCOUNT_MISMATCH' | 'ACCOUNT_ALREADY_PROCESSED' | 'STATE_CHANGE_NOT_ALLOWED' | 'RESET_REFUSED';

export interface AccountResult {
  request: AccountRequest;
  /** The account as it is after the request (absent when it is not part of the settlement). */
  account?: SettlementAccountRecord;
  refusal?: { reason: AccountRefusal; detail: string };
}

const REFUSAL_TEXT: Record<Exclude<AccountRefusal, 'RESET_REFUSED'>, string> = {
  ACCOUNT_NOT_FOUND: 'Account not found',
  PARTICIPANT_ACCOUNT_MISMATCH: 'Participant and account mismatch',
  ACCOUNT_ALREADY_PROCESSED: 'Account already processed once',
  STATE_CHANGE_NOT_ALLOWED: 'State change not allowed',
};

const ABORTABLE = new Set(['PENDING_SETTLEMENT', 'PS_TRANSFERS_RECORDED', 'PS_TRANSFERS_RESERVED']);

export class SettlementService {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly registry: Registry,
    private readonly store: SettlementStore,
    private readonly bus: Bus,
    private readonly reports: SettlementReports,
    /** Positions owned by several ledger workers (MIZANI_LEDGER_PARTITIONED): a window close is a round to all of them. */
    private readonly partitioned = false,
  ) {}

  /** Closes the OPEN window `id`; answers with the window opened in its place. Closed means settleable at once. */
  closeWindow(id: number, reason: string): Promise<WindowRecord> {
    return this.serialised(async () => {
      const window = await this.store.window(id);
      if (!window) throw new DomainError('SETTLEMENT_WINDOW_NOT_FOUND', `Window ${id} does not exist`);
      if (window.state !== 'OPEN') throw new DomainError('SETTLEMENT_WINDOW_NOT_OPEN', `Window ${id} is not open`);
      const opened = this.partitioned ? await this.closeAcrossOwners(id, reason) : await this.closeByTheOwner(id, reason);
      return (await this.store.window(opened))!;
    });
  }

  /** One position owner: it closes the window in its order among its commits and records the close in the same write. */
  private async closeByTheOwner(id: number, reason: string): Promise<number> {
    const reply = await this.bus.request(settlementTopics.closeWindow, this.registry.hubName, { windowId: id, reason });
    if (reply.outcome === 'empty') throw new DomainError('SETTLEMENT_WINDOW_EMPTY', `Window ${id} is empty`);
    if (reply.outcome === 'not-open') throw new DomainError('SETTLEMENT_WINDOW_NOT_OPEN', `Window ${id} is not open`);
    return reply.opened;
  }

  /**
   * Several position owners (docs/settlement.md §8). The close is marked begun (an owner loading now starts in the next
   * window); every partition's owner is asked to switch if it used the window; if none did, the window stays open
   * (SETTLEMENT_WINDOW_EMPTY, as with one owner); otherwise every owner that has not switched is told to, and once all
   * have (each answer comes after its commits in the window are durable) the close is recorded.
   */
  private async closeAcrossOwners(id: number, reason: string): Promise<number> {
    const opening = id + 1;
    const ask = (onlyIfUsed: boolean) => this.bus.requestEach(settlementTopics.closeWindowPart, this.registry.hubName, { windowId: id, opening, onlyIfUsed });
    const notOpen = () => new DomainError('SETTLEMENT_WINDOW_NOT_OPEN', `Window ${id} is not open`);
    await this.store.markClosing(id, opening);
    const first = await ask(true);
    if (first.some((r) => r.outcome === 'not-open')) throw notOpen();
    if (first.every((r) => r.outcome === 'unused') && !(await this.store.windowUsed(id))) {
      await this.store.clearClosing(id);
      throw new DomainError('SETTLEMENT_WINDOW_EMPTY', `Window ${id} is empty`);
    }
    if (!first.every((r) => r.outcome === 'switched')) {
      const second = await ask(false);
      if (second.some((r) => r.outcome !== 'switched')) throw notOpen();
    }
    await this.store.recordClose(id, opening, reason);
    return opening;
  }

  create(modelName: string, reason: string, windowIds: number[]): Promise<SettlementRecord> {
    return this.serialised(async () => {
      const model = this.registry.settlementModel(modelName);
      if (!model) throw new DomainError('SETTLEMENT_MODEL_NOT_FOUND', `Settlement model not found: ${modelName}`);
      if (model.settlementGranularity === 'GROSS' || model.settlementDelay === 'IMMEDIATE') {
        throw new DomainError('SETTLEMENT_MODEL_NOT_DEFERRED', 'Settlement can not be created for GROSS or IMMEDIATE models');
      }
      const id = await this.store.create(
        { model: model.name, ledgerAccountType: model.ledgerAccountType, currency: model.currency, excludedCurrencies: this.ownModelCurrencies(model) },
        reason,
        [...new Set(windowIds)],
      );
      return (await this.store.settlement(id))!;
    });
  }

  window(id: number): Promise<WindowRecord | undefined> {
    return this.store.window(id);
  }

  windows(filter: WindowFilter): Promise<WindowRecord[]> {
    return this.store.windows(filter);
  }

  settlements(filter: SettlementFilter): Promise<SettlementRecord[]> {
    return this.store.settlements(filter);
  }

  async settlement(id: number): Promise<SettlementRecord> {
    const found = await this.store.settlement(id);
    if (!found) throw new DomainError('SETTLEMENT_NOT_FOUND', `Settlement with ID '${id}' not found`);
    return found;
  }

  /** Moves the accounts asked for by one step each where allowed; every other account is refused with its reason. */
  updateAccounts(settlementId: number, requests: AccountRequest[]): Promise<{ settlement: SettlementRecord; results: AccountResult[] }> {
    return this.serialised(async () => {
      const before = await this.settlement(settlementId);
      const model = this.registry.settlementModel(before.model);
      const seen = new Set<number>();
      const results: AccountResult[] = [];
      const changes: AccountChange[] = [];
      const allowed: Array<{ request: AccountRequest; account: SettlementAccountRecord }> = [];
      for (const request of requests) {
        const decided = this.decide(before, request, seen);
        if ('refusal' in decided) results.push({ request, refusal: decided.refusal });
        else allowed.push({ request, account: decided.account });
      }
      // Each move goes to its own participant's position owner: they run side by side.
      const refusals = await Promise.all(allowed.map((a) => this.applyStep(before, a.account, a.request, model)));
      allowed.forEach(({ request, account }, i) => {
        const refusal = refusals[i];
        if (refusal) results.push({ request, account, refusal });
        else changes.push(this.change(account, request));
      });
      await this.store.recordAccountChanges(settlementId, changes);
      const after = await this.settlement(settlementId);
      if (before.state !== 'SETTLED' && after.state === 'SETTLED') await this.reportSettled(after);
      const byId = new Map(after.accounts.map((a) => [a.accountId, a]));
      const requestOf = new Map(allowed.map((a) => [a.account.accountId, a.request]));
      const done = changes.map((c) => ({ request: requestOf.get(c.accountId)!, account: byId.get(c.accountId) }));
      return { settlement: after, results: [...done, ...results.map((r) => (r.account ? { ...r, account: byId.get(r.account.accountId) } : r))] };
    });
  }

  /** Aborts the settlement (from PENDING_SETTLEMENT, RECORDED or RESERVED, while no net sender has been reset). */
  abort(settlementId: number, reason: string, externalReference?: string): Promise<SettlementRecord> {
    return this.serialised(async () => {
      const st = await this.settlement(settlementId);
      const committed = st.accounts.some((a) => a.state === 'PS_TRANSFERS_COMMITTED' || a.state === 'SETTLED');
      const sendersApplied = await this.store.appliedTransfers(st.accounts.filter((a) => a.net > 0n && a.transferId).map((a) => a.transferId!));
      if (!ABORTABLE.has(st.state) || committed || sendersApplied.size > 0) {
        throw new DomainError('SETTLEMENT_ABORT_REFUSED', `Settlement ${settlementId} can not be aborted: it is ${st.state}`);
      }
      await this.reverseRecipientResets(st);
      await this.store.recordAbort(settlementId, reason, externalReference);
      return this.settlement(settlementId);
    });
  }

  // ---- internals ----

  private decide(
    st: SettlementRecord,
    request: AccountRequest,
    seen: Set<number>,
  ): { account: SettlementAccountRecord } | { refusal: AccountResult['refusal'] & {} } {
    const refuse = (reason: Exclude<AccountRefusal, 'RESET_REFUSED'>) => ({ refusal: { reason, detail: REFUSAL_TEXT[reason] } });
    const account = st.accounts.find((a) => a.accountId === request.accountId);
    if (!account) return refuse('ACCOUNT_NOT_FOUND');
    if (account.participantId !== request.participantId) return refuse('PARTICIPANT_ACCOUNT_MISMATCH');
    if (seen.has(account.accountId)) return refuse('ACCOUNT_ALREADY_PROCESSED');
    seen.add(account.accountId);
    if (request.state === account.state && st.state !== 'ABORTED') return { account };
    const from = ACCOUNT_STEPS.indexOf(account.state as (typeof ACCOUNT_STEPS)[number]);
    const next = from >= 0 ? ACCOUNT_STEPS[from + 1] : undefined;
    const aggregateAllows = st.state === account.state || (request.state === 'SETTLED' && st.state === 'SETTLING');
    if (next === undefined || request.state !== next || !aggregateAllows) return refuse('STATE_CHANGE_NOT_ALLOWED');
    return { account };
  }

  /**
   * The ledger effect of the step, when the model resets its accounts (autoPositionReset): recipients at RESERVED,
   * senders at COMMITTED. The accounts are the model's ledger account type: POSITION, or INTERCHANGE_FEE under an
   * interchange fee model (docs/interchange-fees.md), reset alike against HUB_MULTILATERAL_SETTLEMENT.
   */
  private async applyStep(
    st: SettlementRecord,
    account: SettlementAccountRecord,
    request: AccountRequest,
    model: SettlementModel | undefined,
  ): Promise<AccountResult['refusal']> {
    if (request.state === account.state || !model?.autoPositionReset) return undefined;
    if (request.state === 'PS_TRANSFERS_RESERVED' && account.net < 0n)
      return this.move(st, account, ledgerNegated(account.net), 'SETTLEMENT_NET_RECIPIENT', model);
    if (request.state === 'PS_TRANSFERS_COMMITTED' && account.net > 0n)
      return this.move(st, account, ledgerNegated(account.net), 'SETTLEMENT_NET_SENDER', model);
    return undefined;
  }

  private async move(
    st: SettlementRecord,
    account: SettlementAccountRecord,
    delta: SettlementPositionCommand['positionDelta'],
    kind: SettlementPositionCommand['kind'],
    model: SettlementModel,
    transferId = transferIdOf(account),
  ): Promise<AccountResult['refusal']> {
    const participant = this.registry.participantById(account.participantId)!.name;
    const reply = await this.bus.request(settlementTopics.position, participant, {
      settlementId: st.id,
      windowIds: st.windows.map((w) => w.id),
      transferId,
      participant,
      currency: account.currency,
      ledgerAccountType: model.ledgerAccountType,
      positionDelta: delta,
      kind,
      reference: `settlement ${st.id}`,
      // Only a position has a net debit cap and liquidity cover to respect.
      checkHeadroom: model.requireLiquidityCheck && delta > 0n && model.ledgerAccountType === 'POSITION',
    });
    if (reply.outcome === 'refused') return { reason: 'RESET_REFUSED', detail: `Position reset refused: ${reply.detail}` };
    return undefined;
  }

  private async reverseRecipientResets(st: SettlementRecord): Promise<void> {
    const model = this.registry.settlementModel(st.model);
    if (!model) return;
    const recipients = st.accounts.filter((a) => a.net < 0n && a.transferId);
    const applied = await this.store.appliedTransfers(recipients.map(transferIdOf));
    for (const account of recipients) {
      const transferId = transferIdOf(account);
      if (!applied.has(transferId)) continue;
      await this.move(st, account, account.net, 'SETTLEMENT_ABORT', { ...model, requireLiquidityCheck: false }, `${transferId}-abort`);
    }
  }

  private change(account: SettlementAccountRecord, request: AccountRequest): AccountChange {
    const state = request.state as AccountState;
    const transferId = state === 'PS_TRANSFERS_RECORDED' && !account.transferId ? randomUUID() : undefined;
    return { accountId: account.accountId, state, reason: request.reason, externalReference: request.externalReference, transferId };
  }

  /** Statements for every settled account (banks: camt.053), once the settlement reached SETTLED. */
  private async reportSettled(st: SettlementRecord): Promise<void> {
    const nets = await this.store.windowNets(st.id);
    // From the database: on a hub process that does not hold the ledger, the registry's balances are not kept.
    const balances = await this.store.balances(st.accounts.map((a) => a.accountId));
    const settledAt = new Date().toISOString();
    for (const account of st.accounts) {
      const participant = this.registry.participantById(account.participantId);
      const ledgerAccount = this.registry.account(account.accountId);
      const closing = balances.get(account.accountId);
      if (!participant || !ledgerAccount || closing === undefined) continue;
      this.reports.statementSettled({
        settlementId: st.id,
        participant: participant.name,
        currency: account.currency,
        ledgerAccountType: ledgerAccount.type,
        accountId: account.accountId,
        opening: ledgerPlus(closing, account.net),
        closing,
        settledAt,
        windows: st.windows.map((w) => ({
          windowId: w.id,
          net: nets.get(`${w.id}|${account.accountId}`) ?? LEDGER_ZERO,
          openedAt: w.createdAt.toISOString(),
          closedAt: w.changedAt.toISOString(),
        })),
      });
    }
  }

  /** Currencies with an active model of their own for the default model's account type (the default does not settle them). */
  private ownModelCurrencies(model: SettlementModel): string[] {
    if (model.currency !== null) return [];
    return this.registry
      .settlementModels()
      .filter((m) => m.isActive && m.currency !== null && m.ledgerAccountType === model.ledgerAccountType)
      .map((m) => m.currency!);
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const exclusive = () => this.store.exclusive(work);
    const run = this.queue.then(exclusive, exclusive);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** The id of an account's settlement transfer: drawn at PS_TRANSFERS_RECORDED and stored with the account. */
function transferIdOf(account: SettlementAccountRecord): string {
  if (!account.transferId) throw new Error(`settlement account ${account.accountId} has no settlement transfer id before PS_TRANSFERS_RECORDED`);
  return account.transferId;
}
