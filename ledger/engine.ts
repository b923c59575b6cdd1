/**
 * The position engine: the single writer of balances. Decisions (net-debit-cap and liquidity
 * checks, reservations) are taken synchronously against the in-memory balances, so there is no race
 * between two prepares for the last of a participant's headroom; the resulting journal movements are
 * then made durable through group commit before any caller may promise money.
 *
 * Sign conventions (Mojaloop): a payer's POSITION grows when it sends; a payee's shrinks when it
 * receives; SETTLEMENT grows more negative with funds in. Every movement is a balanced pair of
 * journal entries; reservations are held against the currency's internal HUB_CLEARING account.
 */
import type { Connection, Db, Queryable } from './db.js';
import {
  GroupCommitter,
  LedgerUnavailableError,
  type AccountMove,
  type BatchTracing,
  type ConsumerPosition,
  type JournalEntry,
  type LedgerWrite,
  type RecordWrite,
  type TransferInsert,
  type TransferUpdate,
} from './group-commit.js';
import { DomainError, storedCause } from '../schemas/outcomes.js';
import { LedgerAssertionError } from './assertions.js';
import type { FeeCharge } from './interchange-fees.js';
import { CLEARING, type Account, type Registry } from './registry.js';
import { LEDGER_ZERO, ledgerMinus, ledgerNegated, ledgerPlus, ledgerText, parseLedger, type LedgerUnits } from './units.js';

/** FX_TRANSFER: a conversion (FSPIOP fxTransfer, docs/fx.md), its source leg from the initiating FSP to the FXP. */
export type TransferKind = 'TRANSFER' | 'FUNDS_IN' | 'FUNDS_OUT' | 'SETTLEMENT' | 'FX_TRANSFER';

/** Internal transfer states (contract fspiop.md §9.2, §10, §12) that Mizani stores. */
export type InternalState = 'RESERVED' | 'COMMITTED' | 'ABORTED_REJECTED' | 'ABORTED_ERROR' | 'EXPIRED_RESERVED' | 'INVALID' | HeldState;

/**
 * The states in which a reservation is held (in memory, reloaded on start): RESERVED; a conversion its FXP fulfilled,
 * waiting for its dependent transfer (RECEIVED_FULFIL_DEPENDENT); a transfer forwarded to a proxy (RESERVED_FORWARDED).
 */
export type HeldState = 'RESERVED' | 'RECEIVED_FULFIL_DEPENDENT' | 'RESERVED_FORWARDED';

const HELD_STATES_SQL = `('RESERVED', 'RECEIVED_FULFIL_DEPENDENT', 'RESERVED_FORWARDED')`;

/** A conversion's link and target leg (kind FX_TRANSFER). */
export interface ConversionLeg {
  /** The transfer the conversion is for (FSPIOP determiningTransferId). */
  determiningTransferId: string;
  targetCurrency: string;
  targetAmount: LedgerUnits;
}

export function apiState(state: string): 'RECEIVED' | 'RESERVED' | 'COMMITTED' | 'ABORTED' {
  switch (state) {
    case 'RESERVED':
    case 'RECEIVED_FULFIL_DEPENDENT':
    case 'RESERVED_FORWARDED':
      return 'RESERVED';
    case 'COMMITTED':
      return 'COMMITTED';
    case 'RECEIVED_PREPARE':
      return 'RECEIVED';
    default:
      return 'ABORTED';
  }
}

/** A transfer whose reservation is held: in memory from its prepare until it is final. */
export interface InFlight {
  id: string;
  kind: TransferKind;
  payer: string;
  payee: string;
  /** Whose POSITION the reservation is on: the payer unless another participant holds it (migration 019). */
  debtor: string;
  /** Whose POSITION a commit credits: the payee unless another participant holds it (the FXP, a proxy). */
  creditor: string;
  state: HeldState;
  /** A conversion's link and target leg; undefined for every other kind. */
  fx: ConversionLeg | undefined;
  currency: string;
  amount: LedgerUnits;
  condition: string;
  expiration: string;
  expiresAt: number;
  prepareHash: string;
  fulfilHash?: string;
  errorHash?: string;
  createdAt: string;
  /** A commit or abort has been decided and is being written; nothing else may change it. */
  finishing: boolean;
  /** Settles when the commit or abort is durable (set together with `finishing`). */
  finished?: Promise<unknown>;
  /** Settles when the prepare is durable. */
  ready: Promise<unknown>;
  debitAccount: Account;
  creditAccount: Account;
  /** The interchange fee decided at prepare, booked at commit (docs/interchange-fees.md); undefined when none. */
  fee: FeeCharge | undefined;
  /** A transfer that depends on a conversion: the conversion, finished in the same write as the transfer (docs/fx.md). */
  conversion?: InFlight;
  /** A conversion whose dependent transfer is reserved: that transfer (the conversion ends with it, not on its own). */
  dependent?: InFlight;
}

/** What the database holds of a transfer (duplicate checks, GET answers). */
export interface TransferRecord {
  id: string;
  kind: TransferKind;
  payer: string;
  payee: string;
  /** As InFlight: the payer / payee unless another participant holds the position. */
  debtor: string;
  creditor: string;
  fx: ConversionLeg | undefined;
  currency: string;
  amount: LedgerUnits;
  state: string;
  condition: string | null;
  expiration: string | null;
  prepareHash: string | null;
  fulfilHash: string | null;
  errorHash: string | null;
  fulfilment: string | null;
  cause: string | null;
  completedAt: string | null;
}

export interface PrepareInput {
  id: string;
  payer: string;
  payee: string;
  currency: string;
  amount: LedgerUnits;
  condition: string;
  expiration: string;
  expiresAt: number;
  prepareHash: string;
  receivedAt: string;
  /** The interchange fee the transfer will owe at commit (ledger/interchange-fees.ts `decide`), if any. */
  fee?: FeeCharge;
  /** Reserve on this participant's POSITION instead of the payer's (the FXP of a conversion, a proxy). */
  debtor?: string;
  /** Credit this participant's POSITION at commit instead of the payee's (the FXP, a proxy). */
  creditor?: string;
  /** false: no net debit cap or liquidity check (the payee-side scheme moving a proxy's position). Default true. */
  headroomCheck?: boolean;
  /** A conversion's link and target leg: required for kind FX_TRANSFER, absent otherwise. */
  fx?: ConversionLeg;
  /** Default TRANSFER. */
  kind?: 'TRANSFER' | 'FX_TRANSFER';
  /**
   * The conversion (in flight, RECEIVED_FULFIL_DEPENDENT) this transfer depends on: its commit or abort finishes the
   * conversion in the same write (docs/fx.md). The caller has checked it (FxTransferService.linkFor).
   */
  conversion?: InFlight;
}

/**
 * One owner's part of a window close under several owners (docs/settlement.md §8): `switched` once every commit this
 * owner decided in the closing window is durable and its later ones go to the next; `unused` when asked to switch
 * only if it used the window and it did not (nothing changed); `not-open` when the window is neither open nor the one
 * this owner last switched from.
 */
export type WindowPartOutcome = { kind: 'switched' } | { kind: 'unused' } | { kind: 'not-open'; open: number };

/** How a window close ended (docs/settlement.md): `closed` once durable, with the window now open. */
export type WindowCloseOutcome = { kind: 'closed'; closed: number; opened: number } | { kind: 'not-open'; open: number } | { kind: 'empty' };

/**
 * A settlement transfer (docs/settlement.md): moves a participant's account of the settlement model's ledger account
 * type (POSITION; INTERCHANGE_FEE under an interchange fee model, docs/interchange-fees.md) by `positionDelta` against
 * the hub's HUB_MULTILATERAL_SETTLEMENT account, once: the id makes it idempotent.
 */
export interface SettlementMove {
  transferId: string;
  participant: string;
  currency: string;
  /** The account moved: POSITION, or the ledger account type of the model settled (INTERCHANGE_FEE). */
  ledgerAccountType: string;
  /** Signed, ledger units: positive raises the account (a net recipient's reset), negative lowers it. */
  positionDelta: LedgerUnits;
  event: 'SETTLEMENT_NET_RECIPIENT' | 'SETTLEMENT_NET_SENDER' | 'SETTLEMENT_NET_ZERO' | 'SETTLEMENT_ABORT';
  reference: string;
  /** Refuse a rise that would take the position beyond its net debit cap (or liquidity cover, where required); POSITION only. */
  checkHeadroom: boolean;
}

export type SettlementMoveOutcome = { kind: 'moved' } | { kind: 'already-moved' } | { kind: 'refused'; error: DomainError };

export type PrepareOutcome = { kind: 'reserved'; transfer: InFlight } | { kind: 'rejected'; error: DomainError } | { kind: 'duplicate' };

interface TransferRow {
  id: string;
  kind: TransferKind;
  payer: string;
  payee: string;
  currency: string;
  amount: string | null;
  state: string;
  condition: string | null;
  expiration: Date | null;
  prepare_hash: string | null;
  fulfil_hash: string | null;
  error_hash: string | null;
  fulfilment: string | null;
  cause: string | null;
  completed_at: Date | null;
  created_at: Date;
  debtor: string | null;
  creditor: string | null;
  determining_transfer_id: string | null;
  target_currency: string | null;
  target_amount: string | null;
}

const TRANSFER_COLUMNS = `id, kind, payer, payee, currency, amount::text AS amount, state, condition, expiration,
  prepare_hash, fulfil_hash, error_hash, fulfilment, cause, completed_at, created_at,
  debtor, creditor, determining_transfer_id, target_currency, target_amount::text AS target_amount`;

/** A reserved transfer as a restart reloads it: with the interchange fee its prepare decided (migration 009). */
interface InFlightRow extends TransferRow {
  fee_rule_id: number | null;
  fee_amount: string | null;
  fee_from_account_id: number | null;
  fee_to_account_id: number | null;
}

const IN_FLIGHT_COLUMNS = `${TRANSFER_COLUMNS}, fee_rule_id, fee_amount::text AS fee_amount, fee_from_account_id, fee_to_account_id`;

function toRecord(row: TransferRow): TransferRecord {
  return {
    id: row.id,
    kind: row.kind,
    payer: row.payer,
    payee: row.payee,
    debtor: row.debtor ?? row.payer,
    creditor: row.creditor ?? row.payee,
    fx:
      row.determining_transfer_id !== null && row.target_currency !== null && row.target_amount !== null
        ? { determiningTransferId: row.determining_transfer_id, targetCurrency: row.target_currency, targetAmount: parseLedger(row.target_amount) }
        : undefined,
    currency: row.currency,
    amount: row.amount === null ? LEDGER_ZERO : parseLedger(row.amount),
    state: row.state,
    condition: row.condition,
    expiration: row.expiration ? row.expiration.toISOString() : null,
    prepareHash: row.prepare_hash,
    fulfilHash: row.fulfil_hash,
    errorHash: row.error_hash,
    fulfilment: row.fulfilment,
    cause: row.cause,
    completedAt: row.completed_at ? row.completed_at.toISOString() : null,
  };
}

/**
 * Session advisory lock held by the one process that writes the ledger (see `load`); shared by every owner when the
 * ledger is partitioned, so a node of one kind never writes beside a node of the other.
 */
export const LEDGER_WRITER_LOCK = 7343211;
/** With several owners: the advisory lock (this class, the partition) an owner's writer session holds per partition. */
export const LEDGER_PARTITION_LOCK = 7343214;

/**
 * The ledger split over several owners (MIZANI_LEDGER_PARTITIONED, docs/architecture.md "Partitioned owners"): a
 * participant's accounts and the transfers it pays are written by the owner of its partition (the bus's partition of
 * the participant's key). Credits to another owner's accounts are written by delta in the payer's owner's batch and
 * reported (`EngineHooks.onForeignMoves`) for that owner's memory (`applyForeignMove`).
 */
export interface LedgerPartitioning {
  partitionOf(participant: string): number;
}

/** An account of another owner's participant that a durable batch of this owner moved. */
export interface ForeignMove {
  participant: string;
  accountId: number;
  delta: LedgerUnits;
  /** The account row's version after that batch. */
  version: bigint;
}

export interface EngineHooks {
  onRecovering?: (err: Error) => void;
  /**
   * Awaited once a recovery has begun and before the writer session (and its lock) is let go: whoever serves the
   * ledger stops here, so no other hub node that takes the lock meanwhile finds this one still serving.
   */
  beforeWriterRelease?: () => Promise<void>;
  onRecovered?: () => void;
  /** Called while another session holds the writer lock (every few seconds). */
  onWaitingForWriterLock?: (waitedMs: number) => void;
  observeBatch?: (size: number, seconds: number) => void;
  /** Tracing of each group commit with the traces of its writes (the hub wires switch/observability/tracing.ts). */
  traceBatches?: BatchTracing;
  /** Partitioned: accounts of other owners' participants moved by a durable batch of this owner (their owners' memory). */
  onForeignMoves?: (moves: ForeignMove[]) => void;
  /** Partitioned: called while another owner's session holds a partition this engine was given (every few seconds). */
  onWaitingForPartition?: (partition: number, waitedMs: number) => void;
}

export interface EngineOptions {
  /** Most writes in one group commit (MIZANI_BATCH_MAX). */
  maxBatch: number;
  /** GROUP_COMMIT_QUEUE_WRITES_MAX: queued writes at which new work is refused (SERVER_BUSY). */
  queueWritesMax?: number;
  /** TRANSFERS_IN_FLIGHT_MAX: reserved transfers at which new transfers are refused (SERVER_BUSY). */
  inFlightTransfersMax?: number;
  /** false: several engines on one database (tests only); the writer lock keeps hubs exclusive. */
  exclusiveWriter?: boolean;
  /**
   * `hot` (default): the O(1) and O(batch) assertions of ledger/assertions.ts; `all` (MIZANI_LEDGER_ASSERTIONS, tests):
   * also every batch's balances against memory. Only with one engine per database.
   */
  assertions?: 'hot' | 'all';
  /** Several owners, each writing the participants of the partitions it is assigned (`assign`). */
  partitioning?: LedgerPartitioning;
}

/** Default of MIZANI_GROUP_COMMIT_QUEUE_WRITES_MAX: ten full batches of the default MIZANI_BATCH_MAX. */
export const GROUP_COMMIT_QUEUE_WRITES_MAX = 10_000;
/** Default of MIZANI_TRANSFERS_IN_FLIGHT_MAX (about 1 KiB of memory each). */
export const TRANSFERS_IN_FLIGHT_MAX = 100_000;

export class LedgerEngine {
  private readonly queueWritesMax: number;
  private readonly inFlightMax: number;
  private readonly inFlight = new Map<string, InFlight>();
  /** Conversions in flight by the transfer they are for (determiningTransferId): a dependent prepare finds its own. */
  private readonly conversions = new Map<string, InFlight>();
  /** Prepares whose outcome is not durable yet, by id -> body hash. */
  private readonly pendingPrepares = new Map<string, string>();
  /** Settlement moves whose write is not durable yet, by transfer id: a repeat waits for the first (settlementMove). */
  private readonly settlementMovesInFlight = new Map<string, Promise<SettlementMoveOutcome>>();
  private readonly committer: GroupCommitter;
  private recovering = false;
  private closed = false;
  private waitingForLock = false;
  private writer?: Connection;
  /** The OPEN settlement window as the writer sees it: commits decided now land in it. */
  private openWindow = { id: 0, used: false };
  private nextWindowId = 0;
  /** Partitioned: the last switch of windows (closeWindowPart), so a repeat answers as the first did. */
  private lastSwitch: { closed: number; opened: number; durable: Promise<unknown> } | undefined;
  /** Partitioned: the partitions whose locks the writer session holds and whose participants this engine writes. */
  private owned = new Set<number>();
  private assigning = false;
  /** Loads and assignments, one at a time. */
  private ownershipChange: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    readonly registry: Registry,
    private readonly options: EngineOptions,
    private readonly hooks: EngineHooks = {},
  ) {
    this.queueWritesMax = options.queueWritesMax ?? GROUP_COMMIT_QUEUE_WRITES_MAX;
    this.inFlightMax = options.inFlightTransfersMax ?? TRANSFERS_IN_FLIGHT_MAX;
    this.committer = new GroupCommitter({
      writer: () => this.requireWriter(),
      batchWritesMax: options.maxBatch,
      // Another owner's writes reach the hub's rows (and credited accounts) too: PostgreSQL's balances are not this memory's.
      verifyBalances: options.assertions === 'all' && !options.partitioning,
      onFailure: (err) => void this.recover(err),
      observeBatch: hooks.observeBatch,
      traceBatches: hooks.traceBatches,
      ...(options.partitioning ? { onMoved: (moves: AccountMove[]) => this.reportForeignMoves(moves) } : {}),
    });
  }

  /**
   * Takes the writer session, then rebuilds balances and in-flight transfers from PostgreSQL.
   *
   * The writer session holds a session advisory lock for as long as the engine runs, and every
   * ledger write goes through that session. A second hub on the same database therefore waits here,
   * and so does a hub restarted after a crash while a write of the dead process is still running in
   * PostgreSQL: that session keeps the lock until its write has ended, so the state loaded below
   * includes it. (`exclusiveWriter: false` is for tests that drive two engines on purpose.)
   *
   * A load that fails gives up the writer session it took: the session may be broken (the primary went away in the
   * middle, ledger/pg-primary.ts), and the next load must take a fresh one on the primary served on then.
   */
  load(): Promise<void> {
    return this.serialisedChange(() => this.loadWithWriter());
  }

  private async loadWithWriter(): Promise<void> {
    if (this.writer) return this.loadState();
    this.writer = await this.acquireWriter();
    try {
      if (this.options.partitioning) await this.lockPartitions([...this.owned], this.writer);
      await this.loadState();
    } catch (err) {
      this.writer?.release(true);
      this.writer = undefined;
      throw err;
    }
  }

  /** Balances, windows and in-flight transfers, from PostgreSQL. */
  private async loadState(): Promise<void> {
    await this.registry.reload();
    await this.loadWindows();
    this.inFlight.clear();
    this.conversions.clear();
    if (this.options.partitioning) return this.loadOwned();
    const rows = await this.db.query<InFlightRow>(`SELECT ${IN_FLIGHT_COLUMNS} FROM transfer WHERE state IN ${HELD_STATES_SQL}`);
    this.loadInFlight(rows.rows);
  }

  /** Reserved transfers as a load finds them, into memory. */
  private loadInFlight(rows: InFlightRow[]): void {
    for (const row of rows) {
      const record = toRecord(row);
      const accounts = this.accountsForReservation(record.kind, record.debtor, record.payee, record.currency);
      if (!accounts) throw new Error(`in-flight transfer ${record.id} refers to accounts that no longer exist`);
      this.inFlight.set(record.id, {
        id: record.id,
        kind: record.kind,
        payer: record.payer,
        payee: record.payee,
        debtor: record.debtor,
        creditor: record.creditor,
        state: row.state as HeldState,
        fx: record.fx,
        currency: record.currency,
        amount: record.amount,
        condition: record.condition ?? '',
        expiration: record.expiration ?? '',
        expiresAt: record.expiration ? Date.parse(record.expiration) : Number.POSITIVE_INFINITY,
        prepareHash: record.prepareHash ?? '',
        fulfilHash: record.fulfilHash ?? undefined,
        errorHash: record.errorHash ?? undefined,
        createdAt: row.created_at.toISOString(),
        finishing: false,
        ready: Promise.resolve(),
        debitAccount: accounts.debit,
        creditAccount: accounts.credit,
        fee: this.feeOfRow(row),
      });
    }
    this.linkConversions();
  }

  /** After a load: each conversion indexed by its determining transfer, and linked with it when that is reserved. */
  private linkConversions(): void {
    for (const conversion of this.inFlight.values()) {
      if (conversion.kind !== 'FX_TRANSFER' || !conversion.fx) continue;
      this.conversions.set(conversion.fx.determiningTransferId, conversion);
      const dependent = this.inFlight.get(conversion.fx.determiningTransferId);
      if (dependent && dependent.kind === 'TRANSFER') {
        dependent.conversion = conversion;
        conversion.dependent = dependent;
      }
    }
  }

  private feeOfRow(row: InFlightRow): FeeCharge | undefined {
    if (row.fee_rule_id === null || row.fee_amount === null) return undefined;
    const from = this.registry.account(row.fee_from_account_id ?? -1);
    const to = this.registry.account(row.fee_to_account_id ?? -1);
    if (!from || !to) throw new Error(`in-flight transfer ${row.id} owes an interchange fee between accounts that no longer exist`);
    return { ruleId: row.fee_rule_id, amount: parseLedger(row.fee_amount), from, to };
  }

  /**
   * The OPEN window. Partitioned, a close that has begun (`closing_opens`, migration 013) is one this engine has
   * switched from already: it may take the partition of an owner that answered the close, so it starts in the next.
   */
  private async loadWindows(): Promise<void> {
    const open = await this.db.query<{ id: number; closing_opens: number | null; used: boolean; next: number }>(
      `SELECT w.id, w.closing_opens, EXISTS (SELECT 1 FROM window_flow f WHERE f.window_id = coalesce(w.closing_opens, w.id)) AS used,
              (SELECT max(id) + 1 FROM settlement_window) AS next
       FROM settlement_window w WHERE w.state = 'OPEN'`,
    );
    const row = open.rows[0];
    if (!row) throw new Error('no settlement window is OPEN');
    this.nextWindowId = row.next;
    if (this.options.partitioning && row.closing_opens !== null) {
      this.openWindow = { id: row.closing_opens, used: row.used };
      this.lastSwitch = { closed: row.id, opened: row.closing_opens, durable: Promise.resolve() };
      return;
    }
    this.openWindow = { id: row.id, used: row.used };
    this.lastSwitch = undefined;
  }

  // ---- several owners (partitioning) ----

  /** Whether this engine writes `participant`'s accounts and the transfers it pays: always, unless partitioned. */
  owns(participant: string): boolean {
    const partitioning = this.options.partitioning;
    return !partitioning || this.owned.has(partitioning.partitionOf(participant));
  }

  /** The partitions this engine owns (partitioned). */
  get ownedPartitions(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }

  /**
   * Partitioned: the bus's new assignment. The caller has let every command it started finish; this waits for the
   * writes they queued, lets go of the partitions lost (their next owner waits for the lock, so it loads after
   * these writes), takes the locks of those gained (waiting while a previous owner still writes them), and reloads
   * what it owns from PostgreSQL: balances at their current versions (so a credit notice of an earlier version, a
   * repeat after a hand-over, changes nothing) and the reserved transfers of its payers.
   */
  assign(partitions: readonly number[], current: () => boolean = () => true): Promise<void> {
    return this.serialisedChange(async () => {
      if (!this.options.partitioning) throw new Error('assign: the ledger is not partitioned');
      this.assigning = true;
      try {
        await this.committer.drained();
        const next = new Set(partitions);
        const writer = this.requireWriter();
        for (const partition of [...this.owned]) {
          if (next.has(partition)) continue;
          this.owned.delete(partition);
          // A lock that cannot be let go must not outlive this session: a failed unlock ends it (the engine recovers).
          await writer.query('SELECT pg_advisory_unlock($1, $2)', [LEDGER_PARTITION_LOCK, partition]).catch((err: Error) => {
            throw this.stop(`partition ${partition} could not be let go: ${err.message}`);
          });
        }
        await this.lockPartitions(
          [...next].filter((p) => !this.owned.has(p)),
          writer,
          current,
        );
        await this.registry.refresh();
        await this.loadOwned();
      } finally {
        this.assigning = false;
      }
    });
  }

  /**
   * Takes each partition's lock on the writer session, waiting while another owner holds it. Gives up when the
   * assignment is no longer `current`: the other owner may be waiting for a partition this one is to let go in the
   * newer assignment (it rejoined after a broker restart, say), which comes only after this one ends.
   */
  private async lockPartitions(partitions: number[], writer: Queryable, current: () => boolean = () => true): Promise<void> {
    for (const partition of partitions) {
      const started = Date.now();
      let lastReport = started;
      for (;;) {
        if (this.closed) throw new Error('the ledger engine was closed while waiting for a partition');
        if (!current()) throw new Error(`a newer assignment came while waiting for partition ${partition}`);
        const got = await writer.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LEDGER_PARTITION_LOCK, partition]);
        if (got.rows[0]?.ok) break;
        if (Date.now() - lastReport >= 5000) {
          lastReport = Date.now();
          this.hooks.onWaitingForPartition?.(partition, lastReport - started);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      this.owned.add(partition);
    }
  }

  /** Balances (with their versions) of the owned participants' accounts and their reserved transfers, from PostgreSQL. */
  private async loadOwned(): Promise<void> {
    const names = this.registry.participants().filter((p) => !p.isHub && this.owns(p.name));
    const ids = names.map((p) => p.id);
    const accounts = await this.db.query<{ id: number; value: string; version: string }>(
      'SELECT id, value::text AS value, version::text AS version FROM account WHERE participant_id = ANY($1::int[])',
      [ids],
    );
    for (const row of accounts.rows) {
      const account = this.registry.account(row.id);
      if (!account) continue;
      account.value = parseLedger(row.value);
      account.loadedVersion = BigInt(row.version);
    }
    const rows = await this.db.query<InFlightRow>(
      `SELECT ${IN_FLIGHT_COLUMNS} FROM transfer
       WHERE state IN ${HELD_STATES_SQL} AND (CASE WHEN kind = 'FUNDS_OUT' THEN payee ELSE coalesce(debtor, payer) END) = ANY($1::text[])`,
      [names.map((p) => p.name)],
    );
    this.inFlight.clear();
    this.conversions.clear();
    this.loadInFlight(rows.rows);
  }

  /**
   * Partitioned: another owner's durable batch moved an account of a participant this engine owns. Applied once: only
   * a version later than the one this memory was loaded at is not in it yet (a notice sent again after a hand-over
   * is older than the reload that followed it). Any other is ignored, as is an account this engine does not own.
   */
  applyForeignMove(move: { accountId: number; delta: LedgerUnits; version: bigint }): 'applied' | 'ignored' {
    const account = this.registry.account(move.accountId);
    if (!account || !this.owns(account.participantName) || this.assigning || this.recovering) return 'ignored';
    if (move.version <= account.loadedVersion) return 'ignored';
    account.value = ledgerPlus(account.value, move.delta);
    return 'applied';
  }

  private reportForeignMoves(moves: AccountMove[]): void {
    const foreign: ForeignMove[] = [];
    for (const move of moves) {
      const participant = move.account.participantName;
      if (move.delta === 0n || this.registry.isHubName(participant) || this.owns(participant)) continue;
      foreign.push({ participant, accountId: move.account.id, delta: move.delta, version: move.version });
    }
    if (foreign.length > 0) this.hooks.onForeignMoves?.(foreign);
  }

  private serialisedChange<T>(change: () => Promise<T>): Promise<T> {
    const next = this.ownershipChange.then(change);
    this.ownershipChange = next.catch(() => undefined);
    return next;
  }

  /** The OPEN settlement window. */
  get openWindowId(): number {
    return this.openWindow.id;
  }

  get available(): boolean {
    return !this.recovering && !this.assigning;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get queuedWrites(): number {
    return this.committer.pending;
  }

  /** How long (ms) the oldest ledger write not yet durable has waited for its group commit. */
  oldestWriteWaitMs(): number {
    return this.committer.oldestWaitMs();
  }

  inFlightTransfer(id: string): InFlight | undefined {
    return this.inFlight.get(id);
  }

  /** Hash of a prepare that is being recorded right now, if any. */
  pendingPrepareHash(id: string): string | undefined {
    return this.pendingPrepares.get(id);
  }

  /**
   * Reserved transfers whose expiration is at or before `now` and that nobody is finishing; not a conversion whose
   * dependent transfer is reserved (it ends with that transfer, docs/fx.md).
   */
  expired(now: number): InFlight[] {
    const due: InFlight[] = [];
    for (const transfer of this.inFlight.values()) {
      if (!transfer.finishing && transfer.expiresAt <= now && !transfer.dependent) due.push(transfer);
    }
    return due;
  }

  /** The conversion in flight for transfer `determiningTransferId`, if any (docs/fx.md). */
  conversionFor(determiningTransferId: string): InFlight | undefined {
    return this.conversions.get(determiningTransferId);
  }

  async find(id: string): Promise<TransferRecord | undefined> {
    const rows = await this.db.query<TransferRow>(`SELECT ${TRANSFER_COLUMNS} FROM transfer WHERE id = $1`, [id], 'find_transfer');
    return rows.rows[0] ? toRecord(rows.rows[0]) : undefined;
  }

  // ---- transfers ----

  /** Checks liquidity cover and the net debit cap, then reserves, all before the first await. */
  async prepare(input: PrepareInput): Promise<PrepareOutcome> {
    this.assertAvailable();
    // The id is in flight or being recorded: reserving again would replace (and, on the conflict,
    // drop) the original's in-memory entry.
    if (this.inFlight.has(input.id) || this.pendingPrepares.has(input.id)) return { kind: 'duplicate' };
    this.admitNew('transfer');
    const kind = input.kind ?? 'TRANSFER';
    const debtor = input.debtor ?? input.payer;
    const creditor = input.creditor ?? input.payee;
    const payerPosition = this.registry.accountOf(debtor, input.currency, 'POSITION')!;
    const clearing = this.clearingAccount(input.currency);
    const base = transferColumns(input, kind);
    const liquidity = this.registry.requiresLiquidityCheck(input.currency);
    const headroomCheck = input.headroomCheck ?? true;
    const refusal = headroomCheck ? this.checkHeadroom(debtor, input.currency, payerPosition, input.amount, liquidity) : undefined;
    if (refusal) {
      const written = await this.write(input.id, input.prepareHash, {
        insert: { ...base, state: 'ABORTED_REJECTED', cause: storedCause(refusal), completed_at: new Date().toISOString() },
        entries: [],
      });
      return written.conflict ? { kind: 'duplicate' } : { kind: 'rejected', error: refusal };
    }

    payerPosition.value = ledgerPlus(payerPosition.value, input.amount);
    clearing.value = ledgerMinus(clearing.value, input.amount);
    if (headroomCheck) this.assertWithinHeadroom(debtor, input.currency, payerPosition, liquidity);
    const transfer = reservationOf(input, kind, debtor, creditor, payerPosition, clearing);
    this.inFlight.set(input.id, transfer);
    this.link(transfer, input.conversion);
    const durable = this.write(input.id, input.prepareHash, {
      insert: input.fee ? { ...base, state: 'RESERVED', ...feeColumns(input.fee) } : { ...base, state: 'RESERVED' },
      entries: [
        { transfer_id: input.id, account: payerPosition, amount: input.amount, event: 'PREPARE', with_insert: true },
        { transfer_id: input.id, account: clearing, amount: ledgerNegated(input.amount), event: 'PREPARE', with_insert: true },
      ],
    });
    transfer.ready = durable.catch(() => undefined);
    const written = await durable;
    if (written.conflict) {
      // The id belongs to an older transfer: undo this reservation, the caller answers as a duplicate.
      payerPosition.value = ledgerMinus(payerPosition.value, input.amount);
      clearing.value = ledgerPlus(clearing.value, input.amount);
      this.inFlight.delete(input.id);
      this.unlink(transfer);
      return { kind: 'duplicate' };
    }
    return { kind: 'reserved', transfer };
  }

  /** A new reservation into the conversion index (a conversion), or linked with its conversion (a dependent transfer). */
  private link(transfer: InFlight, conversion: InFlight | undefined): void {
    if (transfer.kind === 'FX_TRANSFER' && transfer.fx) this.conversions.set(transfer.fx.determiningTransferId, transfer);
    if (conversion) {
      transfer.conversion = conversion;
      conversion.dependent = transfer;
    }
  }

  /** Out of the index and its link, once final (or never made). */
  private unlink(transfer: InFlight): void {
    if (transfer.fx && this.conversions.get(transfer.fx.determiningTransferId) === transfer) this.conversions.delete(transfer.fx.determiningTransferId);
    if (transfer.conversion?.dependent === transfer) transfer.conversion.dependent = undefined;
  }

  /** Records a prepare that failed validation (state INVALID), so its id answers duplicates. */
  async recordInvalid(input: Omit<PrepareInput, 'expiresAt' | 'amount'> & { amount: LedgerUnits | null }, cause: string): Promise<{ conflict: boolean }> {
    this.assertAvailable();
    this.admitNew('write');
    return this.write(input.id, input.prepareHash, {
      insert: {
        id: input.id,
        kind: input.kind ?? 'TRANSFER',
        payer: input.payer,
        payee: input.payee,
        ...ownerColumns(input),
        currency: input.currency,
        amount: input.amount === null ? undefined : ledgerText(input.amount),
        condition: input.condition,
        expiration: input.expiration,
        state: 'INVALID',
        prepare_hash: input.prepareHash,
        cause,
        created_at: input.receivedAt,
        completed_at: new Date().toISOString(),
      },
      entries: [],
    });
  }

  /**
   * Commits a reserved transfer. Under a deferred model the payee's position receives the amount and the transfer
   * joins the OPEN window; under continuous gross settlement (IMMEDIATE) it settles in the same write: the payer's
   * reservation is undone, its SETTLEMENT account funds the amount and the payee's receives it (settlement.md §4).
   */
  async commit(transfer: InFlight, detail: { fulfilment?: string; fulfilHash?: string; completedAt: string }): Promise<void> {
    this.assertAvailable();
    this.startFinishing(transfer);
    if (detail.fulfilHash) transfer.fulfilHash = detail.fulfilHash;
    const update: TransferUpdate = {
      id: transfer.id,
      from_state: transfer.state,
      state: 'COMMITTED',
      fulfil_hash: detail.fulfilHash,
      fulfilment: detail.fulfilment,
      completed_at: detail.completedAt,
    };
    const conversion = transfer.conversion;
    if (conversion) this.startFinishing(conversion);
    const write = this.commitWrite(transfer, update);
    if (transfer.fee) this.bookFee(transfer.id, transfer.fee, write);
    if (conversion) {
      // The conversion commits in the same write: the FXP's source position is credited, the payer's reservation final.
      const linked = this.commitWrite(conversion, { id: conversion.id, from_state: conversion.state, state: 'COMMITTED', completed_at: detail.completedAt });
      write.linkedUpdate = linked.update;
      if (linked.flow) write.linkedFlow = linked.flow;
      write.entries.push(...linked.entries);
    }
    await this.submitFinish(transfer, write, conversion);
  }

  /** A commit's write: deferred (the creditor's position, the window) or gross (SETTLEMENT accounts) per its currency's model. */
  private commitWrite(transfer: InFlight, update: TransferUpdate): LedgerWrite {
    const gross = this.registry.positionModel(transfer.currency)?.settlementDelay === 'IMMEDIATE';
    return gross ? this.grossCommit(transfer, update) : this.deferredCommit(transfer, update);
  }

  /**
   * The interchange fee decided at prepare, in the commit's own write (docs/interchange-fees.md): the paying DFSP's
   * INTERCHANGE_FEE account grows by the fee and the receiving DFSP's shrinks by it, and the open window gets the
   * flow between them (window content (INTERCHANGE_FEE, currency), settled under a model of that ledger account
   * type). A commit under continuous gross settlement joins the window too, for its fee only.
   */
  private bookFee(id: string, fee: FeeCharge, write: LedgerWrite): void {
    fee.from.value = ledgerPlus(fee.from.value, fee.amount);
    fee.to.value = ledgerMinus(fee.to.value, fee.amount);
    const windowId = this.openWindow.id;
    this.openWindow.used = true;
    write.entries.push(
      { transfer_id: id, account: fee.from, amount: fee.amount, event: 'INTERCHANGE_FEE' },
      { transfer_id: id, account: fee.to, amount: ledgerNegated(fee.amount), event: 'INTERCHANGE_FEE' },
    );
    write.feeFlow = { windowId, payerAccountId: fee.from.id, payeeAccountId: fee.to.id, amount: fee.amount };
    if (write.update) write.update.window_id = windowId;
  }

  private deferredCommit(transfer: InFlight, update: TransferUpdate): LedgerWrite {
    const payeePosition = this.registry.accountOf(transfer.creditor, transfer.currency, 'POSITION')!;
    const clearing = transfer.creditAccount;
    payeePosition.value = ledgerMinus(payeePosition.value, transfer.amount);
    clearing.value = ledgerPlus(clearing.value, transfer.amount);
    const windowId = this.openWindow.id;
    this.openWindow.used = true;
    return {
      update: { ...update, window_id: windowId },
      flow: { windowId, payerAccountId: transfer.debitAccount.id, payeeAccountId: payeePosition.id, amount: transfer.amount },
      entries: [
        { transfer_id: transfer.id, account: clearing, amount: transfer.amount, event: 'COMMIT' },
        { transfer_id: transfer.id, account: payeePosition, amount: ledgerNegated(transfer.amount), event: 'COMMIT' },
      ],
    };
  }

  private grossCommit(transfer: InFlight, update: TransferUpdate): LedgerWrite {
    const payerSettlement = this.registry.accountOf(transfer.debtor, transfer.currency, 'SETTLEMENT')!;
    const payeeSettlement = this.registry.accountOf(transfer.creditor, transfer.currency, 'SETTLEMENT')!;
    const clearing = transfer.creditAccount;
    const position = transfer.debitAccount;
    const amount = transfer.amount;
    position.value = ledgerMinus(position.value, amount);
    clearing.value = ledgerPlus(clearing.value, amount);
    payerSettlement.value = ledgerPlus(payerSettlement.value, amount);
    payeeSettlement.value = ledgerMinus(payeeSettlement.value, amount);
    return {
      update,
      entries: [
        { transfer_id: transfer.id, account: clearing, amount, event: 'COMMIT' },
        { transfer_id: transfer.id, account: position, amount: ledgerNegated(amount), event: 'SETTLEMENT_GROSS' },
        { transfer_id: transfer.id, account: payerSettlement, amount, event: 'SETTLEMENT_GROSS' },
        { transfer_id: transfer.id, account: payeeSettlement, amount: ledgerNegated(amount), event: 'SETTLEMENT_GROSS' },
      ],
    };
  }

  /** Aborts a reserved transfer: the payer's reservation is released. */
  async abort(
    transfer: InFlight,
    detail: { state: 'ABORTED_ERROR' | 'EXPIRED_RESERVED' | 'ABORTED_REJECTED'; cause: string; completedAt: string; fulfilHash?: string; errorHash?: string },
  ): Promise<void> {
    this.assertAvailable();
    this.startFinishing(transfer);
    const conversion = transfer.conversion;
    if (conversion) this.startFinishing(conversion);
    if (detail.fulfilHash) transfer.fulfilHash = detail.fulfilHash;
    if (detail.errorHash) transfer.errorHash = detail.errorHash;
    const write: LedgerWrite = {
      update: {
        id: transfer.id,
        from_state: transfer.state,
        state: detail.state,
        fulfil_hash: detail.fulfilHash,
        error_hash: detail.errorHash,
        cause: detail.cause,
        completed_at: detail.completedAt,
      },
      entries: this.release(transfer),
    };
    if (conversion) {
      // The conversion aborts with its dependent transfer, for the same cause: the payer's source reservation is released.
      write.linkedUpdate = { id: conversion.id, from_state: conversion.state, state: detail.state, cause: detail.cause, completed_at: detail.completedAt };
      write.entries.push(...this.release(conversion));
    }
    await this.submitFinish(transfer, write, conversion);
  }

  /** A reservation given back, in memory now, and its journal entries. */
  private release(transfer: InFlight): JournalEntry[] {
    transfer.debitAccount.value = ledgerMinus(transfer.debitAccount.value, transfer.amount);
    transfer.creditAccount.value = ledgerPlus(transfer.creditAccount.value, transfer.amount);
    return [
      { transfer_id: transfer.id, account: transfer.debitAccount, amount: ledgerNegated(transfer.amount), event: 'ABORT' },
      { transfer_id: transfer.id, account: transfer.creditAccount, amount: transfer.amount, event: 'ABORT' },
    ];
  }

  /**
   * Moves a held transfer to another held state, durably, without moving a balance: a conversion its FXP fulfilled
   * (RECEIVED_FULFIL_DEPENDENT, keeping the fulfilment), a transfer forwarded to a proxy (RESERVED_FORWARDED).
   */
  async advance(transfer: InFlight, detail: { state: HeldState; fulfilHash?: string; fulfilment?: string }): Promise<void> {
    this.assertAvailable();
    if (transfer.finishing) throw new Error(`transfer ${transfer.id} is being finished and cannot move to ${detail.state}`);
    const from = transfer.state;
    transfer.state = detail.state;
    if (detail.fulfilHash) transfer.fulfilHash = detail.fulfilHash;
    await this.committer.submit({
      update: { id: transfer.id, from_state: from, state: detail.state, fulfil_hash: detail.fulfilHash, fulfilment: detail.fulfilment },
      entries: [],
    });
  }

  // ---- records that share the group commit and move no balance (ledger/quotes.ts) ----

  /** Writes a record beside the ledger's own in the next batch; `conflict` when its id is already known. */
  async submitRecord(write: RecordWrite): Promise<{ conflict: boolean }> {
    this.assertAvailable();
    // A new quote or transaction request is new work: past the queue bound it is refused (2005); an update finishes accepted work.
    if (write.quoteInsert || write.transactionRequestInsert) this.admitNew('write');
    return this.committer.submit({ entries: [], ...write });
  }

  // ---- liquidity (admin funds in / out) ----

  async fundsIn(participant: string, currency: string, amount: LedgerUnits, transferId: string, reference: string): Promise<{ conflict: boolean }> {
    this.assertAvailable();
    this.admitNew('write');
    const settlement = this.registry.accountOf(participant, currency, 'SETTLEMENT')!;
    const reconciliation = this.requireHubAccount(currency, 'HUB_RECONCILIATION');
    const now = new Date().toISOString();
    const written = await this.write(transferId, undefined, {
      insert: {
        id: transferId,
        kind: 'FUNDS_IN',
        payer: participant,
        payee: this.registry.hubName,
        currency,
        amount: ledgerText(amount),
        state: 'COMMITTED',
        reference,
        created_at: now,
        completed_at: now,
      },
      entries: [
        { transfer_id: transferId, account: settlement, amount: ledgerNegated(amount), event: 'FUNDS_IN', with_insert: true },
        { transfer_id: transferId, account: reconciliation, amount, event: 'FUNDS_IN', with_insert: true },
      ],
      movesMemoryWhenDurable: true,
    });
    // Liquidity is credited in memory only once it is durable and not a duplicate: a prepare decided
    // in the meantime must not be covered by funds that may never arrive.
    if (!written.conflict) {
      settlement.value = ledgerMinus(settlement.value, amount);
      reconciliation.value = ledgerPlus(reconciliation.value, amount);
    }
    return written;
  }

  /** Reserves a withdrawal of liquidity; refused when it would exceed the funds deposited. */
  async fundsOutReserve(
    participant: string,
    currency: string,
    amount: LedgerUnits,
    transferId: string,
    reference: string,
  ): Promise<{ conflict: boolean; refused?: string }> {
    this.assertAvailable();
    const settlement = this.registry.accountOf(participant, currency, 'SETTLEMENT')!;
    const clearing = this.clearingAccount(currency);
    if (this.inFlight.has(transferId) || this.pendingPrepares.has(transferId)) return { conflict: true };
    this.admitNew('transfer');
    if (settlement.value + amount > 0n) {
      return { conflict: false, refused: `funds out of ${ledgerText(amount)} exceeds the ${currency} liquidity of ${participant}` };
    }
    // Where positions must be covered by liquidity, a withdrawal may not uncover the current position.
    const position = this.registry.accountOf(participant, currency, 'POSITION');
    if (this.registry.requiresLiquidityCheck(currency) && position && -(settlement.value + amount) < position.value) {
      return { conflict: false, refused: `funds out of ${ledgerText(amount)} would leave the ${currency} position of ${participant} without liquidity cover` };
    }
    settlement.value = ledgerPlus(settlement.value, amount);
    clearing.value = ledgerMinus(clearing.value, amount);
    this.assertFundsOutCovered(participant, currency, settlement, position);
    const now = new Date().toISOString();
    const transfer = newReservation({
      id: transferId,
      kind: 'FUNDS_OUT',
      payer: this.registry.hubName,
      payee: participant,
      debtor: this.registry.hubName,
      creditor: participant,
      fx: undefined,
      currency,
      amount,
      condition: '',
      expiration: '',
      expiresAt: Number.POSITIVE_INFINITY,
      prepareHash: '',
      createdAt: now,
      debitAccount: settlement,
      creditAccount: clearing,
      fee: undefined,
    });
    this.inFlight.set(transferId, transfer);
    const durable = this.write(transferId, '', {
      insert: {
        id: transferId,
        kind: 'FUNDS_OUT',
        payer: this.registry.hubName,
        payee: participant,
        currency,
        amount: ledgerText(amount),
        state: 'RESERVED',
        reference,
        created_at: now,
      },
      entries: [
        { transfer_id: transferId, account: settlement, amount, event: 'FUNDS_OUT_RESERVE', with_insert: true },
        { transfer_id: transferId, account: clearing, amount: ledgerNegated(amount), event: 'FUNDS_OUT_RESERVE', with_insert: true },
      ],
    });
    transfer.ready = durable.catch(() => undefined);
    const written = await durable;
    if (written.conflict) {
      settlement.value = ledgerMinus(settlement.value, amount);
      clearing.value = ledgerPlus(clearing.value, amount);
      this.inFlight.delete(transferId);
    }
    return written;
  }

  /** After a funds-out reservation: never more out than in, and the position still covered where it must be. */
  private assertFundsOutCovered(participant: string, currency: string, settlement: Account, position: Account | undefined): void {
    if (settlement.value > 0n) {
      throw this.stop(
        `settlement ${settlement.id} of ${participant} is ${ledgerText(settlement.value)} ${currency} after a funds-out reservation: more out than in`,
      );
    }
    if (position && this.registry.requiresLiquidityCheck(currency) && position.value > ledgerNegated(settlement.value)) {
      throw this.stop(
        `position ${position.id} of ${participant} is ${ledgerText(position.value)} ${currency}, beyond its liquidity ${ledgerText(ledgerNegated(settlement.value))} after a funds-out reservation`,
      );
    }
  }

  async fundsOutCommit(transfer: InFlight): Promise<void> {
    this.assertAvailable();
    this.startFinishing(transfer);
    const reconciliation = this.requireHubAccount(transfer.currency, 'HUB_RECONCILIATION');
    transfer.creditAccount.value = ledgerPlus(transfer.creditAccount.value, transfer.amount);
    reconciliation.value = ledgerMinus(reconciliation.value, transfer.amount);
    await this.submitFinish(transfer, {
      update: { id: transfer.id, from_state: 'RESERVED', state: 'COMMITTED', completed_at: new Date().toISOString() },
      entries: [
        { transfer_id: transfer.id, account: transfer.creditAccount, amount: transfer.amount, event: 'FUNDS_OUT_COMMIT' },
        { transfer_id: transfer.id, account: reconciliation, amount: ledgerNegated(transfer.amount), event: 'FUNDS_OUT_COMMIT' },
      ],
    });
  }

  async fundsOutAbort(transfer: InFlight, reason: string): Promise<void> {
    await this.abort(transfer, { state: 'ABORTED_ERROR', cause: reason, completedAt: new Date().toISOString() });
  }

  /** Posts a participant's opening position against the hub's multilateral settlement account. */
  async openingPosition(position: Account, amount: LedgerUnits): Promise<void> {
    // Not refused at the queue's bound: the Admin API posts it right after setting the limit, which is durable
    // already (a refusal here would leave the limit without its opening position). Operator actions are few.
    this.assertAvailable();
    if (amount === 0n) return;
    const settlementHub = this.requireHubAccount(position.currency, 'HUB_MULTILATERAL_SETTLEMENT');
    position.value = ledgerPlus(position.value, amount);
    settlementHub.value = ledgerMinus(settlementHub.value, amount);
    const id = `opening-position-${position.id}`;
    await this.committer.submit({
      entries: [
        { transfer_id: id, account: position, amount, event: 'OPENING' },
        { transfer_id: id, account: settlementHub, amount: ledgerNegated(amount), event: 'OPENING' },
      ],
    });
  }

  // ---- settlement (docs/settlement.md) ----

  /**
   * Closes the OPEN window `id` and opens the next, decided now: every commit decided before this call is in the
   * closed window (its write is queued before the close, and the close ends its batch), every later one in the new.
   */
  async closeWindow(id: number, reason: string): Promise<WindowCloseOutcome> {
    this.assertAvailable();
    if (this.options.partitioning) throw new Error('a partitioned ledger closes a window by a round to every owner (closeWindowPart)');
    const closing = this.openWindow;
    if (id !== closing.id) return { kind: 'not-open', open: closing.id };
    if (!closing.used) return { kind: 'empty' };
    const opened = this.nextWindowId++;
    this.openWindow = { id: opened, used: false };
    await this.committer.submit({ entries: [], windowClose: { closing: id, opening: opened, reason } });
    return { kind: 'closed', closed: id, opened };
  }

  /**
   * Partitioned: this owner's part of closing window `id` (docs/settlement.md §8). With `onlyIfUsed`, a window this
   * owner has not used stays open here (`unused`). Otherwise its later commits go to `opening`, and the answer waits
   * until every commit it decided in `id` is durable (an empty write queued after them). A repeat answers `switched`.
   * The settlement service records the close once every partition has switched.
   */
  async closeWindowPart(id: number, opening: number, onlyIfUsed: boolean): Promise<WindowPartOutcome> {
    this.assertAvailable();
    if (this.lastSwitch?.closed === id) {
      await this.lastSwitch.durable;
      return { kind: 'switched' };
    }
    if (this.openWindow.id !== id) return { kind: 'not-open', open: this.openWindow.id };
    if (onlyIfUsed && !this.openWindow.used) return { kind: 'unused' };
    this.openWindow = { id: opening, used: false };
    const durable = this.committer.submit({ entries: [] });
    this.lastSwitch = { closed: id, opened: opening, durable: durable.catch(() => undefined) };
    await durable;
    return { kind: 'switched' };
  }

  /**
   * Applies a settlement transfer once. A rise of the position (a net recipient's reset) is taken in memory before the
   * write, like a reservation, so no prepare decided meanwhile can use the headroom it takes; a fall (a net sender's
   * reset, an abort's reversal) only once durable, like funds in.
   */
  async settlementMove(move: SettlementMove): Promise<SettlementMoveOutcome> {
    this.assertAvailable();
    // A repeat of a move still being written (its request failed on another account while this one ran, and the operator
    // asked again at once) must not be decided against the headroom the first already took: it waits for the first.
    const running = this.settlementMovesInFlight.get(move.transferId);
    if (running) {
      const first = await running.catch(() => undefined);
      if (first && first.kind !== 'refused') return { kind: 'already-moved' };
    }
    const applying = this.applySettlementMove(move);
    this.settlementMovesInFlight.set(move.transferId, applying);
    try {
      return await applying;
    } finally {
      if (this.settlementMovesInFlight.get(move.transferId) === applying) this.settlementMovesInFlight.delete(move.transferId);
    }
  }

  private async applySettlementMove(move: SettlementMove): Promise<SettlementMoveOutcome> {
    const position = this.registry.accountOf(move.participant, move.currency, move.ledgerAccountType);
    if (!position) throw new Error(`${move.participant} has no ${move.currency} ${move.ledgerAccountType} account`);
    const hub = this.requireHubAccount(move.currency, 'HUB_MULTILATERAL_SETTLEMENT');
    const delta = move.positionDelta;
    if (delta > 0n && move.checkHeadroom && move.ledgerAccountType === 'POSITION') {
      const refusal = this.checkHeadroom(move.participant, move.currency, position, delta, this.registry.requiresLiquidityCheck(move.currency));
      // A repeated move (its request died after the move was durable) is not decided again: the position already holds
      // it, so the headroom it would take twice may well be gone. Only a refusal pays for the lookup.
      if (refusal) return (await this.find(move.transferId)) ? { kind: 'already-moved' } : { kind: 'refused', error: refusal };
    }
    const rises = delta > 0n;
    if (rises) this.moveSettlement(position, hub, delta);
    const now = new Date().toISOString();
    const written = await this.write(move.transferId, undefined, {
      insert: {
        id: move.transferId,
        kind: 'SETTLEMENT',
        payer: rises ? move.participant : this.registry.hubName,
        payee: rises ? this.registry.hubName : move.participant,
        currency: move.currency,
        amount: ledgerText(delta < 0n ? ledgerNegated(delta) : delta),
        state: 'COMMITTED',
        reference: move.reference,
        created_at: now,
        completed_at: now,
      },
      entries:
        delta === 0n
          ? []
          : [
              { transfer_id: move.transferId, account: position, amount: delta, event: move.event, with_insert: true },
              { transfer_id: move.transferId, account: hub, amount: ledgerNegated(delta), event: move.event, with_insert: true },
            ],
      ...(rises ? {} : { movesMemoryWhenDurable: true as const }),
    });
    if (written.conflict) {
      if (rises) this.moveSettlement(position, hub, ledgerNegated(delta));
      return { kind: 'already-moved' };
    }
    if (!rises) this.moveSettlement(position, hub, delta);
    return { kind: 'moved' };
  }

  private moveSettlement(position: Account, hub: Account, delta: LedgerUnits): void {
    position.value = ledgerPlus(position.value, delta);
    hub.value = ledgerMinus(hub.value, delta);
  }

  // ---- internals ----

  private checkHeadroom(payer: string, currency: string, position: Account, amount: LedgerUnits, liquidity: boolean): DomainError | undefined {
    if (liquidity) {
      const settlement = this.registry.accountOf(payer, currency, 'SETTLEMENT');
      const cover = settlement ? -settlement.value : 0n;
      if (cover - position.value < amount) return new DomainError('PAYER_FSP_INSUFFICIENT_LIQUIDITY');
    }
    const limit = this.registry.limit(position.id);
    const cap = limit ? limit.value : 0n;
    if (cap - position.value < amount) return new DomainError('PAYER_LIMIT_EXCEEDED');
    return undefined;
  }

  /**
   * After a reservation, checked apart from the decision (checkHeadroom): the position is within its net debit cap
   * and, where the settlement model requires it, within the liquidity that covers it. O(1), no allocation.
   */
  private assertWithinHeadroom(payer: string, currency: string, position: Account, liquidity: boolean): void {
    const cap = this.registry.limit(position.id)?.value ?? LEDGER_ZERO;
    if (position.value > cap)
      throw this.stop(
        `position ${position.id} of ${payer} is ${ledgerText(position.value)} ${currency} after a reservation, beyond its net debit cap ${ledgerText(cap)}`,
      );
    if (!liquidity) return;
    const settlement = this.registry.accountOf(payer, currency, 'SETTLEMENT');
    const cover = settlement ? ledgerNegated(settlement.value) : LEDGER_ZERO;
    if (position.value > cover)
      throw this.stop(
        `position ${position.id} of ${payer} is ${ledgerText(position.value)} ${currency} after a reservation, beyond its liquidity cover ${ledgerText(cover)}`,
      );
  }

  /**
   * A failed assertion: memory can no longer be trusted. The committer fails every write not yet sent, and once any
   * batch being committed has settled the engine rebuilds from PostgreSQL (as after a failed batch). The caller
   * throws the returned error: LEDGER_UNAVAILABLE (2003/503), the assertion as its cause.
   */
  private stop(message: string): LedgerUnavailableError {
    const err = new LedgerAssertionError(message);
    this.committer.fail(err);
    return new LedgerUnavailableError(err);
  }

  private startFinishing(transfer: InFlight): void {
    // A transfer object held across a recovery refers to accounts that were replaced on reload.
    if (this.inFlight.get(transfer.id) !== transfer) throw new LedgerUnavailableError();
    if (transfer.finishing) throw new Error(`transfer ${transfer.id} is already being finished`);
    transfer.finishing = true;
  }

  /** Writes a finish (with its conversion's, when linked) and, once durable, forgets what it finished. */
  private async submitFinish(transfer: InFlight, write: LedgerWrite, conversion?: InFlight): Promise<void> {
    const durable = this.committer.submit(write);
    transfer.finished = durable.catch(() => undefined);
    if (conversion) conversion.finished = transfer.finished;
    await durable;
    for (const done of conversion ? [transfer, conversion] : [transfer]) {
      this.inFlight.delete(done.id);
      this.unlink(done);
    }
  }

  // ---- consumer positions (the Kafka bus: where the owner resumes each partition) ----

  /**
   * Records consumer positions in the ledger's next group-commit transaction (with whatever writes it carries, or
   * alone): resolves once durable. The caller gives only positions whose commands have all finished, so a recorded
   * position is never ahead of the ledger.
   */
  async recordConsumerPositions(positions: ConsumerPosition[]): Promise<void> {
    this.assertAvailable();
    if (positions.length > 0) await this.committer.submit({ entries: [], positions });
  }

  /** The recorded positions of a consumer group (where its partitions resume). */
  async consumerPositions(consumerGroup: string): Promise<ConsumerPosition[]> {
    const rows = await this.db.query<{ topic: string; partition: number; next_offset: string }>(
      'SELECT topic, partition, next_offset::text AS next_offset FROM consumer_position WHERE consumer_group = $1',
      [consumerGroup],
    );
    return rows.rows.map((r) => ({ consumerGroup, topic: r.topic, partition: r.partition, nextOffset: r.next_offset }));
  }

  private async write(id: string, hash: string | undefined, write: LedgerWrite): Promise<{ conflict: boolean }> {
    this.pendingPrepares.set(id, hash ?? '');
    try {
      return await this.committer.submit(write);
    } finally {
      this.pendingPrepares.delete(id);
    }
  }

  private accountsForReservation(kind: TransferKind, payer: string, payee: string, currency: string): { debit: Account; credit: Account } | undefined {
    const clearing = this.registry.hubAccount(currency, CLEARING);
    const debit = kind === 'FUNDS_OUT' ? this.registry.accountOf(payee, currency, 'SETTLEMENT') : this.registry.accountOf(payer, currency, 'POSITION');
    return clearing && debit ? { debit, credit: clearing } : undefined;
  }

  private clearingAccount(currency: string): Account {
    return this.requireHubAccount(currency, CLEARING);
  }

  private requireHubAccount(currency: string, type: string): Account {
    const account = this.registry.hubAccount(currency, type);
    if (!account) throw new Error(`hub ${type} account for ${currency} does not exist`);
    return account;
  }

  /**
   * New work is refused with SERVER_BUSY (2005) before anything is reserved or queued when the group-commit queue
   * holds GROUP_COMMIT_QUEUE_WRITES_MAX writes, and a new transfer also when TRANSFERS_IN_FLIGHT_MAX are in flight.
   * Writes that finish accepted work (commit, abort, funds-out commit, quote update) are never refused: they are
   * bounded by the work accepted (at most one finishing write per transfer in flight), so the queue never holds more
   * than the two bounds together plus the quote updates of quotes accepted.
   */
  /**
   * Whether `count` new transfers at once (a bulk's lines) fit within the bounds `admitNew` keeps for one: SERVER_BUSY
   * before any is reserved when not, so a bulk is refused whole rather than line by line.
   */
  admitTransfers(count: number): void {
    const queued = this.committer.pending;
    if (queued + count > this.queueWritesMax) {
      throw new DomainError(
        'SERVER_BUSY',
        `the ledger's group-commit queue holds ${queued} writes: a bulk of ${count} transfers does not fit now, retry later`,
      );
    }
    if (this.inFlight.size + count > this.inFlightMax) {
      throw new DomainError(
        'SERVER_BUSY',
        `${this.inFlight.size} transfers are in flight (TRANSFERS_IN_FLIGHT_MAX): a bulk of ${count} does not fit now, retry later`,
      );
    }
  }

  private admitNew(work: 'transfer' | 'write'): void {
    const queued = this.committer.pending;
    if (queued >= this.queueWritesMax) {
      throw new DomainError(
        'SERVER_BUSY',
        `the ledger's group-commit queue holds ${queued} writes (GROUP_COMMIT_QUEUE_WRITES_MAX): no new work now, retry later`,
      );
    }
    if (work === 'transfer' && this.inFlight.size >= this.inFlightMax) {
      throw new DomainError('SERVER_BUSY', `${this.inFlight.size} transfers are in flight (TRANSFERS_IN_FLIGHT_MAX): no new transfer now, retry later`);
    }
  }

  private assertAvailable(): void {
    if (this.recovering || this.assigning || this.committer.failed) throw new LedgerUnavailableError();
  }

  private requireWriter(): Queryable {
    if (!this.writer) throw new LedgerUnavailableError();
    return this.writer;
  }

  private async acquireWriter(): Promise<Connection> {
    if (this.options.exclusiveWriter === false) {
      return { query: (t, p, n) => this.db.query(t, p, n), exec: (s) => this.db.exec(s), release: () => undefined };
    }
    const connection = await this.db.connect();
    const started = Date.now();
    let lastReport = started;
    this.waitingForLock = true;
    try {
      for (;;) {
        if (this.closed) throw new Error('the ledger engine was closed while waiting for the writer lock');
        // Partitioned owners share the writer lock (each also holds its partitions'); the one writer holds it alone.
        const take = this.options.partitioning ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock';
        const got = await connection.query<{ ok: boolean }>(`SELECT ${take}($1) AS ok`, [LEDGER_WRITER_LOCK]);
        if (got.rows[0]?.ok) {
          if (!this.closed) return connection;
          await connection.query('SELECT pg_advisory_unlock_all()');
          throw new Error('the ledger engine was closed while waiting for the writer lock');
        }
        if (Date.now() - lastReport >= 5000) {
          lastReport = Date.now();
          this.hooks.onWaitingForWriterLock?.(lastReport - started);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    } catch (err) {
      connection.release(true);
      throw err;
    } finally {
      this.waitingForLock = false;
    }
  }

  /** Whether this engine is waiting for the writer lock that another session (another hub node) holds. */
  get waitingForWriter(): boolean {
    return this.waitingForLock;
  }

  /** Whether this engine holds the writer session: it has loaded the ledger and may write. */
  get holdsWriter(): boolean {
    return this.writer !== undefined && !this.recovering;
  }

  /** Gives up the writer session (and with it the writer lock), or stops waiting for it. */
  async close(): Promise<void> {
    this.closed = true;
    const writer = this.writer;
    this.writer = undefined;
    if (writer) {
      await writer.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      writer.release();
    }
  }

  private async recover(err: Error): Promise<void> {
    this.recovering = true;
    this.hooks.onRecovering?.(err);
    await this.hooks.beforeWriterRelease?.().catch(() => undefined);
    // The writer session may be broken; end it (and its lock) and take a fresh one.
    this.writer?.release(true);
    this.writer = undefined;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) return;
      try {
        await this.load();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
    this.pendingPrepares.clear();
    this.recovering = false;
    this.committer.reset();
    this.hooks.onRecovered?.();
  }
}

/** The transfer row's record of the fee its prepare decided (migration 009). */
/** A prepare's transfer row, before its state. */
function transferColumns(input: PrepareInput, kind: TransferKind): Omit<TransferInsert, 'state'> {
  return {
    id: input.id,
    kind,
    payer: input.payer,
    payee: input.payee,
    currency: input.currency,
    amount: ledgerText(input.amount),
    condition: input.condition,
    expiration: input.expiration,
    prepare_hash: input.prepareHash,
    created_at: input.receivedAt,
    ...ownerColumns(input),
  };
}

/** A prepare's reservation just made, in memory: RESERVED, not finishing (one object: this is the hot path). */
function reservationOf(input: PrepareInput, kind: TransferKind, debtor: string, creditor: string, debit: Account, credit: Account): InFlight {
  return {
    id: input.id,
    kind,
    payer: input.payer,
    payee: input.payee,
    debtor,
    creditor,
    state: 'RESERVED',
    fx: input.fx,
    currency: input.currency,
    amount: input.amount,
    condition: input.condition,
    expiration: input.expiration,
    expiresAt: input.expiresAt,
    prepareHash: input.prepareHash,
    createdAt: input.receivedAt,
    finishing: false,
    ready: Promise.resolve(),
    debitAccount: debit,
    creditAccount: credit,
    fee: input.fee,
  };
}

/** A reservation just made, in memory: RESERVED, not finishing. */
function newReservation(fields: Omit<InFlight, 'state' | 'finishing' | 'ready'>): InFlight {
  return { ...fields, state: 'RESERVED', finishing: false, ready: Promise.resolve() };
}

/** The columns of migration 019 a transfer insert carries: only what differs from payer and payee, and a conversion's leg. */
function ownerColumns(
  input: Pick<PrepareInput, 'payer' | 'payee' | 'debtor' | 'creditor' | 'fx'>,
): Pick<TransferInsert, 'debtor' | 'creditor' | 'determining_transfer_id' | 'target_currency' | 'target_amount'> {
  return {
    ...(input.debtor !== undefined && input.debtor !== input.payer ? { debtor: input.debtor } : {}),
    ...(input.creditor !== undefined && input.creditor !== input.payee ? { creditor: input.creditor } : {}),
    ...(input.fx
      ? { determining_transfer_id: input.fx.determiningTransferId, target_currency: input.fx.targetCurrency, target_amount: ledgerText(input.fx.targetAmount) }
      : {}),
  };
}

function feeColumns(fee: FeeCharge): Pick<TransferInsert, 'fee_rule_id' | 'fee_amount' | 'fee_from_account_id' | 'fee_to_account_id'> {
  return { fee_rule_id: fee.ruleId, fee_amount: ledgerText(fee.amount), fee_from_account_id: fee.from.id, fee_to_account_id: fee.to.id };
}

export type { JournalEntry };
