/**
 * Settlement records (docs/settlement.md): windows and what they hold, deferred net settlements and their accounts.
 * Reads and the settlement's own state changes; nothing here moves a balance (settlement transfers are the ledger
 * writer's, ledger/engine.ts `settlementMove`, reached through the bus). Window closes are the writer's too (they are
 * ordered with the commits); this module only reads windows.
 *
 * Nets come from the windows' flows (window_flow: one row per window and ordered pair of accounts), so creating a
 * settlement costs O(account pairs), whatever the number of transfers.
 */
import type { Db, Queryable } from './db.js';
import { DomainError } from '../schemas/outcomes.js';
import { parseLedger, type LedgerUnits } from './units.js';

export const WINDOW_STATES = ['OPEN', 'PROCESSING', 'CLOSED', 'PENDING_SETTLEMENT', 'SETTLED', 'ABORTED', 'FAILED'] as const;
export const SETTLEMENT_STATES = [
  'PENDING_SETTLEMENT',
  'PS_TRANSFERS_RECORDED',
  'PS_TRANSFERS_RESERVED',
  'PS_TRANSFERS_COMMITTED',
  'SETTLING',
  'SETTLED',
  'ABORTED',
] as const;
/** The steps an account takes, in order (admin.md §4.3). */
export const ACCOUNT_STEPS = ['PENDING_SETTLEMENT', 'PS_TRANSFERS_RECORDED', 'PS_TRANSFERS_RESERVED', 'PS_TRANSFERS_COMMITTED', 'SETTLED'] as const;
export type AccountState = (typeof ACCOUNT_STEPS)[number] | 'ABORTED';
export type SettlementState = (typeof SETTLEMENT_STATES)[number];

export interface WindowContentRecord {
  id: number;
  windowId: number;
  state: string;
  ledgerAccountType: string;
  currency: string;
  settlementId: number | null;
  createdAt: Date;
  changedAt: Date;
}

export interface WindowRecord {
  id: number;
  state: string;
  reason: string | null;
  createdAt: Date;
  changedAt: Date;
  content: WindowContentRecord[];
}

export interface SettlementAccountRecord {
  accountId: number;
  participantId: number;
  currency: string;
  net: LedgerUnits;
  grossSent: LedgerUnits;
  grossReceived: LedgerUnits;
  transfersSent: number;
  transfersReceived: number;
  state: AccountState;
  reason: string | null;
  externalReference: string | null;
  transferId: string | null;
  createdAt: Date;
  changedAt: Date;
}

export interface SettlementRecord {
  id: number;
  model: string;
  state: SettlementState;
  reason: string;
  createdAt: Date;
  changedAt: Date;
  windows: WindowRecord[];
  accounts: SettlementAccountRecord[];
}

export interface WindowFilter {
  participantId?: number;
  state?: string;
  from?: Date;
  to?: Date;
  currency?: string;
}

export interface SettlementFilter {
  currency?: string;
  participantId?: number;
  windowId?: number;
  accountId?: number;
  state?: string;
  from?: Date;
  to?: Date;
  windowFrom?: Date;
  windowTo?: Date;
}

/** What a settlement covers: the model's ledger account type, its currency or (default model) every currency but `excluded`. */
export interface SettlementScope {
  model: string;
  ledgerAccountType: string;
  currency: string | null;
  /** For a default model: the currencies that have an active model of their own for this account type. */
  excludedCurrencies: string[];
}

/** An account's move as the settlement records it once its ledger effect (if any) is durable. */
export interface AccountChange {
  accountId: number;
  state: AccountState;
  reason: string;
  externalReference?: string;
  transferId?: string;
}

/** Most rows a list answers (newest first); a filter narrows it. */
export const LIST_MAX = 1000;

interface WindowRow {
  id: number;
  state: string;
  reason: string | null;
  created_at: Date;
  changed_at: Date;
}

interface ContentRow {
  id: number;
  window_id: number;
  state: string;
  ledger_account_type: string;
  currency: string;
  settlement_id: number | null;
  created_at: Date;
  changed_at: Date;
}

interface SettlementRow {
  id: number;
  model: string;
  state: SettlementState;
  reason: string;
  created_at: Date;
  changed_at: Date;
}

interface AccountRow {
  settlement_id: number;
  account_id: number;
  participant_id: number;
  currency: string;
  net_amount: string;
  gross_sent: string;
  gross_received: string;
  transfers_sent: string;
  transfers_received: string;
  state: AccountState;
  reason: string | null;
  external_reference: string | null;
  transfer_id: string | null;
  created_at: Date;
  changed_at: Date;
}

const ACCOUNT_COLUMNS = `settlement_id, account_id, participant_id, currency, net_amount::text AS net_amount, gross_sent::text AS gross_sent,
  gross_received::text AS gross_received, transfers_sent::text AS transfers_sent, transfers_received::text AS transfers_received,
  state, reason, external_reference, transfer_id, created_at, changed_at`;

function toContent(row: ContentRow): WindowContentRecord {
  return {
    id: row.id,
    windowId: row.window_id,
    state: row.state,
    ledgerAccountType: row.ledger_account_type,
    currency: row.currency,
    settlementId: row.settlement_id,
    createdAt: row.created_at,
    changedAt: row.changed_at,
  };
}

function toAccount(row: AccountRow): SettlementAccountRecord {
  return {
    accountId: row.account_id,
    participantId: row.participant_id,
    currency: row.currency,
    net: parseLedger(row.net_amount),
    grossSent: parseLedger(row.gross_sent),
    grossReceived: parseLedger(row.gross_received),
    transfersSent: Number(row.transfers_sent),
    transfersReceived: Number(row.transfers_received),
    state: row.state,
    reason: row.reason,
    externalReference: row.external_reference,
    transferId: row.transfer_id,
    createdAt: row.created_at,
    changedAt: row.changed_at,
  };
}

/** Session advisory lock that serialises settlement changes across hub nodes (see `exclusive`). */
export const SETTLEMENT_CHANGE_LOCK = 7343212;

export class SettlementStore {
  constructor(private readonly db: Db) {}

  /**
   * Runs `work` while this session holds the settlement change lock: settlement changes are operator actions that
   * each read the state the previous one left, so with several hub nodes on one database they run one at a time
   * across all of them (the lock is the session's, so a node that dies mid-change lets go of it).
   */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    const session = await this.db.connect();
    let healthy = false;
    try {
      await session.query('SELECT pg_advisory_lock($1)', [SETTLEMENT_CHANGE_LOCK]);
      healthy = true;
      try {
        return await work();
      } finally {
        await session.query('SELECT pg_advisory_unlock($1)', [SETTLEMENT_CHANGE_LOCK]).catch(() => (healthy = false));
      }
    } finally {
      session.release(!healthy);
    }
  }

  // ---- windows ----

  async window(id: number): Promise<WindowRecord | undefined> {
    const rows = await this.db.query<WindowRow>('SELECT id, state, reason, created_at, changed_at FROM settlement_window WHERE id = $1', [id]);
    return rows.rows[0] ? (await this.withContent(this.db, rows.rows))[0] : undefined;
  }

  // ---- a window close with several position owners (docs/settlement.md §8) ----

  /** The close of OPEN window `id` has begun and `opening` is next: an owner that loads now starts there. */
  async markClosing(id: number, opening: number): Promise<void> {
    await this.db.query(`UPDATE settlement_window SET closing_opens = $2 WHERE id = $1 AND state = 'OPEN'`, [id, opening]);
  }

  /** No owner used window `id`: it stays open as if no close had begun. */
  async clearClosing(id: number): Promise<void> {
    await this.db.query(`UPDATE settlement_window SET closing_opens = NULL WHERE id = $1 AND state = 'OPEN'`, [id]);
  }

  /** Whether any commit is recorded in window `id` (a window flow). */
  async windowUsed(id: number): Promise<boolean> {
    const rows = await this.db.query<{ used: boolean }>('SELECT EXISTS (SELECT 1 FROM window_flow WHERE window_id = $1) AS used', [id]);
    return rows.rows[0]?.used ?? false;
  }

  /**
   * Every owner has switched from OPEN window `id` to `opening`: `id` is CLOSED with its content (from its flows) and
   * `opening` is the OPEN window. One transaction. A window whose close began while it held nothing and that an
   * owner had already left (it loaded after the close began) is closed with no content: its owners cannot go back.
   */
  async recordClose(id: number, opening: number, reason: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const closed = await tx.query(
        `UPDATE settlement_window SET state = 'CLOSED', reason = $2, changed_at = now(), closed_at = now(), closing_opens = NULL
         WHERE id = $1 AND state = 'OPEN'`,
        [id, reason],
      );
      if (closed.rowCount !== 1) throw new Error(`window ${id} is not the open window`);
      await tx.query(
        `INSERT INTO settlement_window_content (window_id, ledger_account_type, currency, state)
         SELECT DISTINCT $1::integer, a.ledger_account_type, a.currency, 'CLOSED'
         FROM window_flow f JOIN account a ON a.id = f.payer_account_id WHERE f.window_id = $1`,
        [id],
      );
      await tx.query(`INSERT INTO settlement_window (id, state, reason) VALUES ($1, 'OPEN', $2)`, [opening, reason]);
    });
  }

  async windows(filter: WindowFilter): Promise<WindowRecord[]> {
    const rows = await this.db.query<WindowRow>(
      `SELECT w.id, w.state, w.reason, w.created_at, w.changed_at FROM settlement_window w
       WHERE ($1::text IS NULL OR w.state = $1)
         AND ($2::timestamptz IS NULL OR w.created_at >= $2)
         AND ($3::timestamptz IS NULL OR w.created_at <= $3)
         AND ($4::text IS NULL OR EXISTS (
               SELECT 1 FROM window_flow f JOIN account a ON a.id = f.payer_account_id WHERE f.window_id = w.id AND a.currency = $4))
         AND ($5::integer IS NULL OR EXISTS (
               SELECT 1 FROM window_flow f JOIN account a ON a.id IN (f.payer_account_id, f.payee_account_id)
               WHERE f.window_id = w.id AND a.participant_id = $5))
       ORDER BY w.id DESC LIMIT ${LIST_MAX}`,
      [filter.state ?? null, filter.from ?? null, filter.to ?? null, filter.currency ?? null, filter.participantId ?? null],
    );
    return this.withContent(this.db, rows.rows);
  }

  private async withContent(q: Queryable, rows: WindowRow[]): Promise<WindowRecord[]> {
    if (rows.length === 0) return [];
    const content = await q.query<ContentRow>(
      `SELECT id, window_id, state, ledger_account_type, currency, settlement_id, created_at, changed_at
       FROM settlement_window_content WHERE window_id = ANY ($1::integer[]) ORDER BY id`,
      [rows.map((r) => r.id)],
    );
    const byWindow = new Map<number, WindowContentRecord[]>();
    for (const row of content.rows) {
      const list = byWindow.get(row.window_id) ?? [];
      list.push(toContent(row));
      byWindow.set(row.window_id, list);
    }
    return rows.map((r) => ({
      id: r.id,
      state: r.state,
      reason: r.reason,
      createdAt: r.created_at,
      changedAt: r.changed_at,
      content: byWindow.get(r.id) ?? [],
    }));
  }

  // ---- settlements ----

  /**
   * Creates a settlement over `windowIds` in one transaction: the windows' applicable content (CLOSED or ABORTED, of
   * the scope's account type and currency) is taken, and one account row per account that moved in it gets its net.
   * Refused with SETTLEMENT_WINDOWS_INAPPLICABLE naming every window that has nothing to settle under the scope.
   */
  async create(scope: SettlementScope, reason: string, windowIds: number[]): Promise<number> {
    return this.db.transaction(async (tx) => {
      const windows = await tx.query<{ id: number; state: string }>(
        'SELECT id, state FROM settlement_window WHERE id = ANY ($1::integer[]) ORDER BY id FOR UPDATE',
        [windowIds],
      );
      const content = await tx.query<{ id: number; window_id: number }>(
        `SELECT id, window_id FROM settlement_window_content
         WHERE window_id = ANY ($1::integer[]) AND ledger_account_type = $2 AND state IN ('CLOSED', 'ABORTED')
           AND ($3::text IS NULL AND NOT (currency = ANY ($4::text[])) OR currency = $3)
         FOR UPDATE`,
        [windowIds, scope.ledgerAccountType, scope.currency, scope.excludedCurrencies],
      );
      const settleable = new Set(windows.rows.filter((w) => ['CLOSED', 'ABORTED', 'PENDING_SETTLEMENT'].includes(w.state)).map((w) => w.id));
      const withContent = new Set(content.rows.map((c) => c.window_id));
      const inapplicable = windowIds.filter((id) => !settleable.has(id) || !withContent.has(id));
      if (inapplicable.length > 0) throw new DomainError('SETTLEMENT_WINDOWS_INAPPLICABLE', `Inapplicable windows ${inapplicable.join(', ')}`);
      const created = await tx.query<{ id: number }>(`INSERT INTO settlement (model, state, reason) VALUES ($1, 'PENDING_SETTLEMENT', $2) RETURNING id`, [
        scope.model,
        reason,
      ]);
      const id = created.rows[0]!.id;
      await tx.query('INSERT INTO settlement_settlement_window (settlement_id, window_id) SELECT $1, unnest($2::integer[])', [id, windowIds]);
      await tx.query(
        `UPDATE settlement_window_content SET state = 'PENDING_SETTLEMENT', settlement_id = $1, changed_at = now() WHERE id = ANY ($2::integer[])`,
        [id, content.rows.map((c) => c.id)],
      );
      await tx.query(`UPDATE settlement_window SET state = 'PENDING_SETTLEMENT', changed_at = now() WHERE id = ANY ($1::integer[])`, [windowIds]);
      await this.insertAccounts(tx, id, reason);
      await tx.query(`INSERT INTO settlement_state_change (settlement_id, state, reason) VALUES ($1, 'PENDING_SETTLEMENT', $2)`, [id, reason]);
      return id;
    });
  }

  /** One row per account that moved in the settlement's content: net = sent − received (positive: it owes). */
  private async insertAccounts(tx: Queryable, settlementId: number, reason: string): Promise<void> {
    await tx.query(
      `WITH f AS (
         SELECT f.payer_account_id, f.payee_account_id, f.amount, f.transfers
         FROM settlement_window_content c
         JOIN window_flow f ON f.window_id = c.window_id
         JOIN account pa ON pa.id = f.payer_account_id AND pa.ledger_account_type = c.ledger_account_type AND pa.currency = c.currency
         WHERE c.settlement_id = $1 AND c.state = 'PENDING_SETTLEMENT'
       ), sides AS (
         SELECT payer_account_id AS account_id, amount AS sent, 0::numeric AS received, transfers AS n_sent, 0::bigint AS n_received FROM f
         UNION ALL
         SELECT payee_account_id, 0, amount, 0, transfers FROM f
       )
       INSERT INTO settlement_account (settlement_id, account_id, participant_id, currency, net_amount, gross_sent, gross_received,
                                       transfers_sent, transfers_received, state, reason)
       SELECT $1, s.account_id, a.participant_id, a.currency, sum(s.sent) - sum(s.received), sum(s.sent), sum(s.received),
              sum(s.n_sent), sum(s.n_received), 'PENDING_SETTLEMENT', $2
       FROM sides s JOIN account a ON a.id = s.account_id
       GROUP BY s.account_id, a.participant_id, a.currency`,
      [settlementId, reason],
    );
  }

  async settlement(id: number, q: Queryable = this.db): Promise<SettlementRecord | undefined> {
    const rows = await q.query<SettlementRow>('SELECT id, model, state, reason, created_at, changed_at FROM settlement WHERE id = $1', [id]);
    return rows.rows[0] ? (await this.complete(q, rows.rows))[0] : undefined;
  }

  async settlements(filter: SettlementFilter): Promise<SettlementRecord[]> {
    const rows = await this.db.query<SettlementRow>(
      `SELECT s.id, s.model, s.state, s.reason, s.created_at, s.changed_at FROM settlement s
       WHERE ($1::text IS NULL OR s.state = $1)
         AND ($2::timestamptz IS NULL OR s.created_at >= $2)
         AND ($3::timestamptz IS NULL OR s.created_at <= $3)
         AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM settlement_account x WHERE x.settlement_id = s.id AND x.currency = $4))
         AND ($5::integer IS NULL OR EXISTS (SELECT 1 FROM settlement_account x WHERE x.settlement_id = s.id AND x.participant_id = $5))
         AND ($6::integer IS NULL OR EXISTS (SELECT 1 FROM settlement_account x WHERE x.settlement_id = s.id AND x.account_id = $6))
         AND ($7::integer IS NULL OR EXISTS (SELECT 1 FROM settlement_settlement_window l WHERE l.settlement_id = s.id AND l.window_id = $7))
         AND ($8::timestamptz IS NULL OR EXISTS (SELECT 1 FROM settlement_settlement_window l JOIN settlement_window w ON w.id = l.window_id
                                                 WHERE l.settlement_id = s.id AND w.created_at >= $8))
         AND ($9::timestamptz IS NULL OR EXISTS (SELECT 1 FROM settlement_settlement_window l JOIN settlement_window w ON w.id = l.window_id
                                                 WHERE l.settlement_id = s.id AND w.created_at <= $9))
       ORDER BY s.id DESC LIMIT ${LIST_MAX}`,
      [
        filter.state ?? null,
        filter.from ?? null,
        filter.to ?? null,
        filter.currency ?? null,
        filter.participantId ?? null,
        filter.accountId ?? null,
        filter.windowId ?? null,
        filter.windowFrom ?? null,
        filter.windowTo ?? null,
      ],
    );
    return this.complete(this.db, rows.rows);
  }

  private async complete(q: Queryable, rows: SettlementRow[]): Promise<SettlementRecord[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const links = await q.query<{ settlement_id: number; window_id: number }>(
      'SELECT settlement_id, window_id FROM settlement_settlement_window WHERE settlement_id = ANY ($1::integer[]) ORDER BY window_id',
      [ids],
    );
    const windowRows = await q.query<WindowRow>('SELECT id, state, reason, created_at, changed_at FROM settlement_window WHERE id = ANY ($1::integer[])', [
      [...new Set(links.rows.map((l) => l.window_id))],
    ]);
    const windows = new Map((await this.withContent(q, windowRows.rows)).map((w) => [w.id, w]));
    const accounts = await q.query<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM settlement_account WHERE settlement_id = ANY ($1::integer[]) ORDER BY participant_id, account_id`,
      [ids],
    );
    return rows.map((r) => ({
      id: r.id,
      model: r.model,
      state: r.state,
      reason: r.reason,
      createdAt: r.created_at,
      changedAt: r.changed_at,
      windows: links.rows.filter((l) => l.settlement_id === r.id).map((l) => windows.get(l.window_id)!),
      accounts: accounts.rows.filter((a) => a.settlement_id === r.id).map(toAccount),
    }));
  }

  /** Which of these transfer ids the ledger holds (settlement transfers applied). */
  async appliedTransfers(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.query<{ id: string }>('SELECT id FROM transfer WHERE id = ANY ($1::text[])', [ids]);
    return new Set(rows.rows.map((r) => r.id));
  }

  /**
   * The durable balance of each account, from PostgreSQL: what a settlement statement reports. Not the registry's
   * memory, which only the process holding the ledger keeps current (and which includes reservations not yet written).
   */
  async balances(accountIds: number[]): Promise<Map<number, LedgerUnits>> {
    if (accountIds.length === 0) return new Map();
    const rows = await this.db.query<{ id: number; value: string }>('SELECT id, value::text AS value FROM account WHERE id = ANY ($1::int[])', [accountIds]);
    return new Map(rows.rows.map((r) => [r.id, parseLedger(r.value)]));
  }

  /** Each settled account's net per window of the settlement, keyed `<windowId>|<accountId>`. */
  async windowNets(settlementId: number): Promise<Map<string, LedgerUnits>> {
    const rows = await this.db.query<{ window_id: number; account_id: number; net: string }>(
      `WITH f AS (
         SELECT f.window_id, f.payer_account_id, f.payee_account_id, f.amount
         FROM settlement_window_content c
         JOIN window_flow f ON f.window_id = c.window_id
         JOIN account pa ON pa.id = f.payer_account_id AND pa.ledger_account_type = c.ledger_account_type AND pa.currency = c.currency
         WHERE c.settlement_id = $1
       )
       SELECT window_id, account_id, sum(amount)::text AS net FROM (
         SELECT window_id, payer_account_id AS account_id, amount FROM f
         UNION ALL SELECT window_id, payee_account_id, -amount FROM f) s
       GROUP BY window_id, account_id`,
      [settlementId],
    );
    return new Map(rows.rows.map((r) => [`${r.window_id}|${r.account_id}`, parseLedger(r.net)]));
  }

  /**
   * Records account moves whose ledger effects are durable, and the state of the settlement and its windows that
   * follows from them, in one transaction (admin.md §4.3; settlement.md §6, invariants 7 and 8).
   */
  async recordAccountChanges(settlementId: number, changes: AccountChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.db.transaction(async (tx) => {
      const rows = JSON.stringify(
        changes.map((c) => ({
          account_id: c.accountId,
          state: c.state,
          reason: c.reason,
          external_reference: c.externalReference ?? null,
          transfer_id: c.transferId ?? null,
        })),
      );
      // One statement for all accounts, however many: a settlement may hold thousands.
      await tx.query(
        `WITH c AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(account_id integer, state text, reason text, external_reference text, transfer_id text)),
         moved AS (
           UPDATE settlement_account a SET state = c.state, reason = c.reason, external_reference = coalesce(c.external_reference, a.external_reference),
             transfer_id = coalesce(c.transfer_id, a.transfer_id), changed_at = now()
           FROM c WHERE a.settlement_id = $1 AND a.account_id = c.account_id
           RETURNING a.account_id)
         INSERT INTO settlement_state_change (settlement_id, account_id, state, reason, external_reference)
         SELECT $1, account_id, state, reason, external_reference FROM c`,
        [settlementId, rows],
      );
      await this.followAccounts(tx, settlementId, changes[changes.length - 1]!.reason);
    });
  }

  /** The settlement's state is the least advanced of its accounts' (SETTLING while some are SETTLED); windows follow. */
  private async followAccounts(tx: Queryable, settlementId: number, reason: string): Promise<void> {
    const states = await tx.query<{ state: AccountState }>('SELECT DISTINCT state FROM settlement_account WHERE settlement_id = $1', [settlementId]);
    const present = new Set(states.rows.map((r) => r.state));
    const least = ACCOUNT_STEPS.find((s) => present.has(s)) ?? 'SETTLED';
    const state: SettlementState = least === 'PS_TRANSFERS_COMMITTED' && present.has('SETTLED') ? 'SETTLING' : least;
    const moved = await tx.query(`UPDATE settlement SET state = $2, changed_at = now() WHERE id = $1 AND state <> $2`, [settlementId, state]);
    if ((moved.rowCount ?? 0) > 0) {
      await tx.query('INSERT INTO settlement_state_change (settlement_id, state, reason) VALUES ($1, $2, $3)', [settlementId, state, reason]);
    }
    if (state !== 'SETTLED') return;
    await tx.query(`UPDATE settlement_window_content SET state = 'SETTLED', changed_at = now() WHERE settlement_id = $1 AND state = 'PENDING_SETTLEMENT'`, [
      settlementId,
    ]);
    await tx.query(
      `UPDATE settlement_window w SET state = 'SETTLED', changed_at = now()
       FROM settlement_settlement_window l
       WHERE l.settlement_id = $1 AND w.id = l.window_id AND w.state <> 'SETTLED'
         AND NOT EXISTS (SELECT 1 FROM settlement_window_content c WHERE c.window_id = w.id AND c.state <> 'SETTLED')`,
      [settlementId],
    );
  }

  /** Aborts the settlement: its accounts and it become ABORTED, its content and windows ABORTED (settleable again). */
  async recordAbort(settlementId: number, reason: string, externalReference?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE settlement_account SET state = 'ABORTED', reason = $2, external_reference = coalesce($3, external_reference), changed_at = now()
         WHERE settlement_id = $1`,
        [settlementId, reason, externalReference ?? null],
      );
      await tx.query(`UPDATE settlement SET state = 'ABORTED', reason = $2, changed_at = now() WHERE id = $1`, [settlementId, reason]);
      await tx.query('INSERT INTO settlement_state_change (settlement_id, state, reason, external_reference) VALUES ($1, $2, $3, $4)', [
        settlementId,
        'ABORTED',
        reason,
        externalReference ?? null,
      ]);
      await tx.query(`UPDATE settlement_window_content SET state = 'ABORTED', changed_at = now() WHERE settlement_id = $1 AND state = 'PENDING_SETTLEMENT'`, [
        settlementId,
      ]);
      await tx.query(
        `UPDATE settlement_window w SET state = 'ABORTED', changed_at = now()
         FROM settlement_settlement_window l
         WHERE l.settlement_id = $1 AND w.id = l.window_id AND w.state = 'PENDING_SETTLEMENT'
           AND NOT EXISTS (SELECT 1 FROM settlement_window_content c WHERE c.window_id = w.id AND c.state = 'PENDING_SETTLEMENT')`,
        [settlementId],
      );
    });
  }
}
