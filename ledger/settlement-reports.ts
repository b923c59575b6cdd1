/**
 * Settlement reports (docs/settlement-reports.md): the figures of a window and of a settlement, per participant account
 * and currency, per ordered pair of accounts (bilateral), and the transfers behind them. Reads only.
 *
 * Every figure is computed from window_flow (one row per window and ordered pair of accounts, written with the
 * commits), never stored twice: a window's figures and a settlement's per-window split cost O(account pairs) whatever
 * the number of transfers. A settlement's own figures are its settlement_account rows (what the operator settled);
 * ledger/reconciliation.ts proves they equal the flows, the flows equal the committed transfers and the transfers
 * equal their journal entries.
 *
 * The list of transfers behind a figure reads the transfer table by `window_id`, which has no index on purpose (a
 * commit's update stays a HOT update, 008_settlement.sql). A page walks the primary key in id order from the cursor
 * and keeps the rows of the windows asked for, so a page costs the rows read until `limit` of them matched: cheap
 * for a window that holds a good share of the table, up to a scan of the whole table for a small window among
 * millions (and for the last page of any list). A cheap way out without touching the commit path is in
 * docs/settlement-reports.md ("Cost of the transfer lists").
 */
import type { Queryable } from './db.js';
import { LEDGER_ZERO, ledgerPlus, parseLedger, type LedgerUnits } from './units.js';

/** The figures of one participant account over some flows: net = sent − received (positive: the participant owes). */
export interface AccountFigures {
  accountId: number;
  participantId: number;
  participant: string;
  currency: string;
  ledgerAccountType: string;
  net: LedgerUnits;
  grossSent: LedgerUnits;
  grossReceived: LedgerUnits;
  transfersSent: number;
  transfersReceived: number;
}

/** What one account sent another (an ordered pair): the bilateral figure. */
export interface PairFigures {
  payerAccountId: number;
  payer: string;
  payeeAccountId: number;
  payee: string;
  currency: string;
  ledgerAccountType: string;
  amount: LedgerUnits;
  transfers: number;
}

/** The sum of the pairs listed, per currency and account type. */
export interface TotalFigures {
  currency: string;
  ledgerAccountType: string;
  amount: LedgerUnits;
  transfers: number;
}

export interface ReportWindow {
  id: number;
  state: string;
  reason: string | null;
  createdAt: Date;
  changedAt: Date;
  closedAt: Date | null;
  content: Array<{ ledgerAccountType: string; currency: string; state: string; settlementId: number | null }>;
}

export interface WindowReport {
  window: ReportWindow;
  accounts: AccountFigures[];
  pairs: PairFigures[];
  totals: TotalFigures[];
}

/** A settled account as the settlement recorded it, with its participant's name and its account type. */
export interface SettledAccountFigures extends AccountFigures {
  state: string;
  reason: string | null;
  externalReference: string | null;
  settlementTransferId: string | null;
}

export interface SettlementReport {
  settlement: { id: number; model: string; state: string; reason: string; createdAt: Date; changedAt: Date };
  windows: ReportWindow[];
  /** The settlement_account rows: the figures settled. */
  accounts: SettledAccountFigures[];
  /** The same figures per window of the settlement, from the flows of the settlement's scope. */
  byWindow: Array<{ windowId: number; accounts: AccountFigures[] }>;
  pairs: PairFigures[];
  totals: TotalFigures[];
}

export interface TransferLine {
  id: string;
  windowId: number;
  payer: string;
  payee: string;
  currency: string;
  amount: LedgerUnits;
  completedAt: Date | null;
}

export interface TransferPage {
  transfers: TransferLine[];
  /** The cursor of the next page (`after`), null on the last page. */
  next: string | null;
}

/** Which transfers a list holds: committed ones of these windows, of these currencies (all when null), of this participant. */
export interface TransferScope {
  windowIds: number[];
  currencies: string[] | null;
  participant?: string;
}

export const TRANSFER_PAGE_MAX = 10_000;

interface FigureRow {
  window_id?: number;
  account_id: number;
  participant_id: number;
  participant: string;
  currency: string;
  ledger_account_type: string;
  net: string;
  gross_sent: string;
  gross_received: string;
  transfers_sent: string;
  transfers_received: string;
}

interface PairRow {
  payer_account_id: number;
  payer: string;
  payee_account_id: number;
  payee: string;
  currency: string;
  ledger_account_type: string;
  amount: string;
  transfers: string;
}

/** The flows of one window ($1 = window id). */
const WINDOW_FLOWS = 'SELECT window_id, payer_account_id, payee_account_id, amount, transfers FROM window_flow WHERE window_id = $1';

/**
 * The flows a settlement ($1 = settlement id) covers: those of its windows whose payer account is of an account type
 * and currency the settlement settles. The scope is its content rows and its accounts' (the content of an aborted
 * settlement may since belong to the next one over the same windows).
 */
const SETTLEMENT_FLOWS = `SELECT f.window_id, f.payer_account_id, f.payee_account_id, f.amount, f.transfers
  FROM settlement_settlement_window l
  JOIN window_flow f ON f.window_id = l.window_id
  JOIN account pa ON pa.id = f.payer_account_id
  WHERE l.settlement_id = $1 AND (pa.ledger_account_type, pa.currency) IN (
    SELECT c.ledger_account_type, c.currency FROM settlement_window_content c WHERE c.settlement_id = $1
    UNION SELECT a.ledger_account_type, a.currency FROM settlement_account x JOIN account a ON a.id = x.account_id WHERE x.settlement_id = $1)`;

/** Each side of a flow once: the payer's sent, the payee's received. Needs a CTE `f` of flows. */
const FLOW_SIDES = `sides AS (
    SELECT window_id, payer_account_id AS account_id, amount AS sent, 0::numeric AS received, transfers AS n_sent, 0::bigint AS n_received FROM f
    UNION ALL
    SELECT window_id, payee_account_id, 0, amount, 0, transfers FROM f)`;

/** Per account (and per window with `byWindow`) over `flows`; $2 = a participant id or null. */
function figuresSql(flows: string, byWindow: boolean): string {
  const w = byWindow ? 's.window_id, ' : '';
  return `WITH f AS (${flows}), ${FLOW_SIDES}
    SELECT ${w}s.account_id, a.participant_id, p.name AS participant, a.currency, a.ledger_account_type,
           (sum(s.sent) - sum(s.received))::text AS net, sum(s.sent)::text AS gross_sent, sum(s.received)::text AS gross_received,
           sum(s.n_sent)::text AS transfers_sent, sum(s.n_received)::text AS transfers_received
    FROM sides s JOIN account a ON a.id = s.account_id JOIN participant p ON p.id = a.participant_id
    WHERE $2::integer IS NULL OR a.participant_id = $2
    GROUP BY ${w}s.account_id, a.participant_id, p.name, a.currency, a.ledger_account_type
    ORDER BY ${w}p.name, a.currency, a.ledger_account_type, s.account_id`;
}

/** Per ordered pair of accounts over `flows`, summed over its windows; $2 = a participant id (either side) or null. */
function pairsSql(flows: string): string {
  return `WITH f AS (${flows})
    SELECT f.payer_account_id, pp.name AS payer, f.payee_account_id, qp.name AS payee, pa.currency, pa.ledger_account_type,
           sum(f.amount)::text AS amount, sum(f.transfers)::text AS transfers
    FROM f JOIN account pa ON pa.id = f.payer_account_id JOIN participant pp ON pp.id = pa.participant_id
    JOIN account qa ON qa.id = f.payee_account_id JOIN participant qp ON qp.id = qa.participant_id
    WHERE $2::integer IS NULL OR pa.participant_id = $2 OR qa.participant_id = $2
    GROUP BY f.payer_account_id, pp.name, f.payee_account_id, qp.name, pa.currency, pa.ledger_account_type
    ORDER BY pa.currency, pa.ledger_account_type, pp.name, qp.name`;
}

function toFigures(row: FigureRow): AccountFigures {
  return {
    accountId: row.account_id,
    participantId: row.participant_id,
    participant: row.participant,
    currency: row.currency.trim(),
    ledgerAccountType: row.ledger_account_type,
    net: parseLedger(row.net),
    grossSent: parseLedger(row.gross_sent),
    grossReceived: parseLedger(row.gross_received),
    transfersSent: Number(row.transfers_sent),
    transfersReceived: Number(row.transfers_received),
  };
}

function toPair(row: PairRow): PairFigures {
  return {
    payerAccountId: row.payer_account_id,
    payer: row.payer,
    payeeAccountId: row.payee_account_id,
    payee: row.payee,
    currency: row.currency.trim(),
    ledgerAccountType: row.ledger_account_type,
    amount: parseLedger(row.amount),
    transfers: Number(row.transfers),
  };
}

/** The pairs summed per currency and account type. */
export function totalsOf(pairs: PairFigures[]): TotalFigures[] {
  const totals = new Map<string, TotalFigures>();
  for (const p of pairs) {
    const key = `${p.currency}|${p.ledgerAccountType}`;
    const t = totals.get(key) ?? { currency: p.currency, ledgerAccountType: p.ledgerAccountType, amount: LEDGER_ZERO, transfers: 0 };
    totals.set(key, { ...t, amount: ledgerPlus(t.amount, p.amount), transfers: t.transfers + p.transfers });
  }
  return [...totals.values()];
}

export class SettlementReportStore {
  constructor(private readonly db: Queryable) {}

  /** The window's figures (narrowed to one participant with `participantId`); undefined when no window has this id. */
  async window(id: number, participantId?: number): Promise<WindowReport | undefined> {
    const [window] = await this.windows([id]);
    if (!window) return undefined;
    const params = [id, participantId ?? null];
    const accounts = await this.db.query<FigureRow>(figuresSql(WINDOW_FLOWS, false), params);
    const pairs = (await this.db.query<PairRow>(pairsSql(WINDOW_FLOWS), params)).rows.map(toPair);
    return { window, accounts: accounts.rows.map(toFigures), pairs, totals: totalsOf(pairs) };
  }

  /** The settlement's figures (narrowed to one participant with `participantId`); undefined when no settlement has this id. */
  async settlement(id: number, participantId?: number): Promise<SettlementReport | undefined> {
    const found = await this.db.query<{ id: number; model: string; state: string; reason: string; created_at: Date; changed_at: Date }>(
      'SELECT id, model, state, reason, created_at, changed_at FROM settlement WHERE id = $1',
      [id],
    );
    const s = found.rows[0];
    if (!s) return undefined;
    const links = await this.db.query<{ window_id: number }>('SELECT window_id FROM settlement_settlement_window WHERE settlement_id = $1 ORDER BY window_id', [
      id,
    ]);
    const params = [id, participantId ?? null];
    const split = await this.db.query<FigureRow>(figuresSql(SETTLEMENT_FLOWS, true), params);
    const pairs = (await this.db.query<PairRow>(pairsSql(SETTLEMENT_FLOWS), params)).rows.map(toPair);
    const windows = await this.windows(links.rows.map((l) => l.window_id));
    return {
      settlement: { id: s.id, model: s.model, state: s.state, reason: s.reason, createdAt: s.created_at, changedAt: s.changed_at },
      windows,
      accounts: await this.settledAccounts(id, participantId),
      byWindow: windows.map((w) => ({ windowId: w.id, accounts: split.rows.filter((r) => r.window_id === w.id).map(toFigures) })),
      pairs,
      totals: totalsOf(pairs),
    };
  }

  /** Whether a window has this id. */
  async windowExists(id: number): Promise<boolean> {
    return (await this.db.query('SELECT 1 FROM settlement_window WHERE id = $1', [id])).rows.length > 0;
  }

  /** What a settlement's transfer list covers: its windows and the currencies it settles; undefined when no settlement has this id. */
  async settlementScope(id: number): Promise<{ windowIds: number[]; currencies: string[] } | undefined> {
    const rows = await this.db.query<{ window_ids: number[] | null; currencies: string[] | null }>(
      `SELECT (SELECT array_agg(window_id ORDER BY window_id) FROM settlement_settlement_window WHERE settlement_id = s.id) AS window_ids,
              (SELECT array_agg(DISTINCT currency::text) FROM settlement_account WHERE settlement_id = s.id) AS currencies
       FROM settlement s WHERE s.id = $1`,
      [id],
    );
    const row = rows.rows[0];
    return row ? { windowIds: row.window_ids ?? [], currencies: (row.currencies ?? []).map((c) => c.trim()) } : undefined;
  }

  /**
   * One page of the committed transfers of `scope`, in id order, after the cursor `after` (exclusive). Costs up to a
   * scan of the transfer table (see the module comment).
   */
  async transfers(scope: TransferScope, page: { limit: number; after?: string }): Promise<TransferPage> {
    const limit = Math.min(Math.max(page.limit, 1), TRANSFER_PAGE_MAX);
    const rows = await this.db.query<{
      id: string;
      window_id: number;
      payer: string;
      payee: string;
      currency: string;
      amount: string;
      completed_at: Date | null;
    }>(
      `SELECT id, window_id, payer, payee, currency, amount::text AS amount, completed_at FROM transfer
       WHERE window_id = ANY ($1::integer[]) AND state = 'COMMITTED'
         AND ($2::text[] IS NULL OR currency = ANY ($2::text[]))
         AND ($3::text IS NULL OR payer = $3 OR payee = $3)
         AND ($4::text IS NULL OR id > $4)
       ORDER BY id LIMIT $5`,
      [scope.windowIds, scope.currencies, scope.participant ?? null, page.after ?? null, limit + 1],
    );
    const lines = rows.rows.slice(0, limit).map((r) => ({
      id: r.id,
      windowId: r.window_id,
      payer: r.payer,
      payee: r.payee,
      currency: r.currency.trim(),
      amount: parseLedger(r.amount),
      completedAt: r.completed_at,
    }));
    return { transfers: lines, next: rows.rows.length > limit ? lines[lines.length - 1]!.id : null };
  }

  private async settledAccounts(id: number, participantId: number | undefined): Promise<SettledAccountFigures[]> {
    const rows = await this.db.query<FigureRow & { state: string; reason: string | null; external_reference: string | null; transfer_id: string | null }>(
      `SELECT x.account_id, x.participant_id, p.name AS participant, x.currency, a.ledger_account_type, x.net_amount::text AS net,
              x.gross_sent::text AS gross_sent, x.gross_received::text AS gross_received, x.transfers_sent::text AS transfers_sent,
              x.transfers_received::text AS transfers_received, x.state, x.reason, x.external_reference, x.transfer_id
       FROM settlement_account x JOIN account a ON a.id = x.account_id JOIN participant p ON p.id = x.participant_id
       WHERE x.settlement_id = $1 AND ($2::integer IS NULL OR x.participant_id = $2)
       ORDER BY p.name, x.currency, a.ledger_account_type, x.account_id`,
      [id, participantId ?? null],
    );
    return rows.rows.map((r) => ({
      ...toFigures(r),
      state: r.state,
      reason: r.reason,
      externalReference: r.external_reference,
      settlementTransferId: r.transfer_id,
    }));
  }

  private async windows(ids: number[]): Promise<ReportWindow[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<{ id: number; state: string; reason: string | null; created_at: Date; changed_at: Date; closed_at: Date | null }>(
      'SELECT id, state, reason, created_at, changed_at, closed_at FROM settlement_window WHERE id = ANY ($1::integer[]) ORDER BY id',
      [ids],
    );
    const content = await this.db.query<{ window_id: number; ledger_account_type: string; currency: string; state: string; settlement_id: number | null }>(
      `SELECT window_id, ledger_account_type, currency, state, settlement_id FROM settlement_window_content
       WHERE window_id = ANY ($1::integer[]) ORDER BY id`,
      [ids],
    );
    return rows.rows.map((w) => ({
      id: w.id,
      state: w.state,
      reason: w.reason,
      createdAt: w.created_at,
      changedAt: w.changed_at,
      closedAt: w.closed_at,
      content: content.rows
        .filter((c) => c.window_id === w.id)
        .map((c) => ({ ledgerAccountType: c.ledger_account_type, currency: c.currency.trim(), state: c.state, settlementId: c.settlement_id })),
    }));
  }
}
