/**
 * Reconciliation (docs/settlement-reports.md): proves that positions, journal, window flows and settlement figures
 * agree, and says exactly where they do not. One read-only REPEATABLE READ transaction, so every check sees the same
 * snapshot (each batch of the ledger writer is atomic: a snapshot never sees half of one).
 *
 * Each check compares a figure (`actual`) with what the record below it says it must be (`expected`):
 *   account-balances       account.value                         = the sum of the account's journal entries
 *   journal-currencies     0                                     = the sum of all journal entries of a currency
 *   window-flows           window_flow (amount, transfers)       = its window's committed transfers (transfer.window_id)
 *                          the transfers' amounts                = their COMMIT journal entries on the payee's position
 *   settlement-accounts    settlement_account figures            = the flows of the settlement's windows and scope
 *   settlement-nets        0                                     = the nets of a settlement per currency
 *   settlement-transfers   the settlement transfer (row, entries) = −net once the account's reset is due
 *                          (recipients from PS_TRANSFERS_RESERVED, senders from PS_TRANSFERS_COMMITTED; 0 for a model
 *                          without position reset; 0 with its reversal once ABORTED)
 * Amounts and counts are exact decimal text, never floats.
 *
 * Cost: every check reads its tables whole (the journal, the committed transfers of all windows): an operator's or a
 * nightly job's tool, not a request path. Run it when no settlement operation is in flight: between a position reset
 * and the record of its step (milliseconds) the settlement-transfers check sees the one without the other.
 */
import type { Db, Queryable } from './db.js';
import { ledgerDisplay, ledgerNegated, parseLedger } from './units.js';

export const CHECKS = ['account-balances', 'journal-currencies', 'window-flows', 'settlement-accounts', 'settlement-nets', 'settlement-transfers'] as const;
export type CheckName = (typeof CHECKS)[number];

export interface Discrepancy {
  check: CheckName;
  /** What disagrees, e.g. ACCOUNT_BALANCE, WINDOW_FLOW_AMOUNT, SETTLEMENT_NET (docs/settlement-reports.md lists them). */
  kind: string;
  accountId?: number;
  participant?: string;
  currency?: string;
  ledgerAccountType?: string;
  windowId?: number;
  payerAccountId?: number;
  payer?: string;
  payeeAccountId?: number;
  payee?: string;
  settlementId?: number;
  transferId?: string;
  /** What the record below says the figure must be. */
  expected: string;
  /** What the figure is. */
  actual: string;
  detail: string;
}

export interface CheckResult {
  name: CheckName;
  /** How many figures were compared (accounts, currencies, window flows, settled accounts...). */
  checked: number;
  discrepancies: number;
  /** More than DISCREPANCIES_MAX were found: only the first are listed. */
  truncated: boolean;
}

export interface Reconciliation {
  ok: boolean;
  checkedAt: Date;
  checks: CheckResult[];
  discrepancies: Discrepancy[];
}

/** Most discrepancies listed per check. */
export const DISCREPANCIES_MAX = 1000;

type Found = { checked: number; found: Discrepancy[] };

/** Exact display text of a numeric value, 'none' when absent. */
function amount(text: string | null | undefined): string {
  return text === null || text === undefined ? 'none' : ledgerDisplay(parseLedger(text));
}

function count(text: string | null | undefined): string {
  return text === null || text === undefined ? 'none' : BigInt(text).toString();
}

function differ(expected: string, actual: string): boolean {
  return expected !== actual;
}

async function accountBalances(q: Queryable): Promise<Found> {
  const total = await q.query<{ n: string }>('SELECT count(*)::text AS n FROM account');
  const rows = await q.query<{ id: number; participant: string; currency: string; ledger_account_type: string; value: string; journal: string }>(
    `SELECT a.id, p.name AS participant, a.currency, a.ledger_account_type, a.value::text AS value, coalesce(j.total, 0)::text AS journal
     FROM account a JOIN participant p ON p.id = a.participant_id
     LEFT JOIN (SELECT account_id, sum(amount) AS total FROM journal_entry GROUP BY account_id) j ON j.account_id = a.id
     WHERE a.value <> coalesce(j.total, 0)
     ORDER BY a.id LIMIT ${DISCREPANCIES_MAX + 1}`,
  );
  const found = rows.rows.map((r): Discrepancy => {
    const [expected, actual] = [amount(r.journal), amount(r.value)];
    const currency = r.currency.trim();
    return {
      check: 'account-balances',
      kind: 'ACCOUNT_BALANCE',
      accountId: r.id,
      participant: r.participant,
      currency,
      ledgerAccountType: r.ledger_account_type,
      expected,
      actual,
      detail: `account ${r.id} (${r.participant} ${currency} ${r.ledger_account_type}) holds ${actual}; its journal entries sum to ${expected}`,
    };
  });
  return { checked: Number(total.rows[0]!.n), found };
}

async function journalCurrencies(q: Queryable): Promise<Found> {
  const rows = await q.query<{ currency: string; total: string }>(
    `SELECT a.currency, sum(j.amount)::text AS total FROM journal_entry j JOIN account a ON a.id = j.account_id GROUP BY a.currency ORDER BY a.currency`,
  );
  const found = rows.rows
    .filter((r) => parseLedger(r.total) !== 0n)
    .map((r): Discrepancy => {
      const currency = r.currency.trim();
      const actual = amount(r.total);
      return {
        check: 'journal-currencies',
        kind: 'JOURNAL_NOT_BALANCED',
        currency,
        expected: '0',
        actual,
        detail: `the ${currency} journal entries sum to ${actual}, not 0`,
      };
    });
  return { checked: rows.rows.length, found };
}

interface FlowRow {
  window_id: number;
  payer_account_id: number | null;
  payee_account_id: number | null;
  payer: string | null;
  payee: string | null;
  currency: string | null;
  flow_amount: string | null;
  flow_transfers: string | null;
  transfer_amount: string | null;
  transfer_count: string | null;
  journal_amount: string | null;
}

/**
 * Window flows against the committed transfers of each window, mapped to accounts as the writer does (the POSITION
 * accounts, in the transfer's currency, of its debtor and creditor: payer and payee unless another participant holds
 * the position, migration 019), and the transfers' amounts against their COMMIT entries.
 */
const WINDOW_FLOWS_SQL = `WITH t AS (
    SELECT t.window_id, pa.id AS payer_account_id, qa.id AS payee_account_id, coalesce(t.debtor, t.payer) AS payer, coalesce(t.creditor, t.payee) AS payee, t.currency,
           sum(t.amount) AS amount, count(*) AS transfers, sum(-j.amount) AS journal
    FROM transfer t
    LEFT JOIN participant pp ON pp.name = coalesce(t.debtor, t.payer)
    LEFT JOIN account pa ON pa.participant_id = pp.id AND pa.currency = t.currency AND pa.ledger_account_type = 'POSITION'
    LEFT JOIN participant qp ON qp.name = coalesce(t.creditor, t.payee)
    LEFT JOIN account qa ON qa.participant_id = qp.id AND qa.currency = t.currency AND qa.ledger_account_type = 'POSITION'
    LEFT JOIN journal_entry j ON j.transfer_id = t.id AND j.event = 'COMMIT' AND j.account_id = qa.id
    WHERE t.window_id IS NOT NULL AND t.state = 'COMMITTED'
    GROUP BY t.window_id, pa.id, qa.id, coalesce(t.debtor, t.payer), coalesce(t.creditor, t.payee), t.currency
  ), joined AS (
    SELECT coalesce(f.window_id, t.window_id) AS window_id, coalesce(f.payer_account_id, t.payer_account_id) AS payer_account_id,
           coalesce(f.payee_account_id, t.payee_account_id) AS payee_account_id, t.payer, t.payee, t.currency,
           f.amount AS flow_amount, f.transfers AS flow_transfers, t.amount AS transfer_amount, t.transfers AS transfer_count, t.journal AS journal_amount
    FROM window_flow f FULL JOIN t ON t.window_id = f.window_id AND t.payer_account_id = f.payer_account_id AND t.payee_account_id = f.payee_account_id
    WHERE f.amount IS DISTINCT FROM t.amount OR f.transfers IS DISTINCT FROM t.transfers OR t.amount IS DISTINCT FROM t.journal
  )
  SELECT j.window_id, j.payer_account_id, j.payee_account_id, coalesce(j.payer, pp.name) AS payer, coalesce(j.payee, qp.name) AS payee,
         coalesce(j.currency, pa.currency) AS currency, j.flow_amount::text AS flow_amount, j.flow_transfers::text AS flow_transfers,
         j.transfer_amount::text AS transfer_amount, j.transfer_count::text AS transfer_count, j.journal_amount::text AS journal_amount
  FROM joined j
  LEFT JOIN account pa ON pa.id = j.payer_account_id LEFT JOIN participant pp ON pp.id = pa.participant_id
  LEFT JOIN account qa ON qa.id = j.payee_account_id LEFT JOIN participant qp ON qp.id = qa.participant_id
  ORDER BY j.window_id, j.payer_account_id, j.payee_account_id
  LIMIT ${DISCREPANCIES_MAX + 1}`;

function flowDiscrepancies(r: FlowRow): Discrepancy[] {
  const where = {
    windowId: r.window_id,
    ...(r.payer_account_id !== null ? { payerAccountId: r.payer_account_id } : {}),
    ...(r.payer !== null ? { payer: r.payer } : {}),
    ...(r.payee_account_id !== null ? { payeeAccountId: r.payee_account_id } : {}),
    ...(r.payee !== null ? { payee: r.payee } : {}),
    ...(r.currency !== null ? { currency: r.currency.trim() } : {}),
  };
  const pair = `window ${r.window_id}, ${r.payer ?? `account ${r.payer_account_id}`} → ${r.payee ?? `account ${r.payee_account_id}`} ${r.currency?.trim() ?? ''}`;
  const out: Discrepancy[] = [];
  const add = (kind: string, expected: string, actual: string, detail: string) => {
    if (differ(expected, actual)) out.push({ check: 'window-flows', kind, ...where, expected, actual, detail: `${pair}: ${detail}` });
  };
  const [transferAmount, flowAmount] = [amount(r.transfer_amount ?? '0'), amount(r.flow_amount ?? '0')];
  const [transferCount, flowCount] = [count(r.transfer_count ?? '0'), count(r.flow_transfers ?? '0')];
  add('WINDOW_FLOW_AMOUNT', transferAmount, flowAmount, `the window flow is ${flowAmount}; its committed transfers sum to ${transferAmount}`);
  add('WINDOW_FLOW_TRANSFERS', transferCount, flowCount, `the window flow counts ${flowCount} transfers; the window holds ${transferCount} committed ones`);
  if (r.transfer_amount !== null) {
    const journal = amount(r.journal_amount ?? '0');
    add(
      'WINDOW_TRANSFER_JOURNAL',
      journal,
      transferAmount,
      `the committed transfers sum to ${transferAmount}; their COMMIT entries on the payee's position to ${journal}`,
    );
  }
  return out;
}

async function windowFlows(q: Queryable): Promise<Found> {
  const total = await q.query<{ n: string }>('SELECT count(*)::text AS n FROM window_flow');
  const rows = await q.query<FlowRow>(WINDOW_FLOWS_SQL);
  return { checked: Number(total.rows[0]!.n), found: rows.rows.flatMap(flowDiscrepancies) };
}

/** Every settlement's accounts against the flows of its windows and scope (as ledger/settlement-reports.ts SETTLEMENT_FLOWS, for all settlements at once). */
const SETTLEMENT_ACCOUNTS_SQL = `WITH scope AS (
    SELECT c.settlement_id, c.ledger_account_type, c.currency FROM settlement_window_content c WHERE c.settlement_id IS NOT NULL
    UNION SELECT x.settlement_id, a.ledger_account_type, a.currency FROM settlement_account x JOIN account a ON a.id = x.account_id
  ), f AS (
    SELECT l.settlement_id, f.payer_account_id, f.payee_account_id, f.amount, f.transfers
    FROM settlement_settlement_window l JOIN window_flow f ON f.window_id = l.window_id JOIN account pa ON pa.id = f.payer_account_id
    JOIN scope s ON s.settlement_id = l.settlement_id AND s.ledger_account_type = pa.ledger_account_type AND s.currency = pa.currency
  ), sides AS (
    SELECT settlement_id, payer_account_id AS account_id, amount AS sent, 0::numeric AS received, transfers AS n_sent, 0::bigint AS n_received FROM f
    UNION ALL
    SELECT settlement_id, payee_account_id, 0, amount, 0, transfers FROM f
  ), e AS (
    SELECT settlement_id, account_id, sum(sent) - sum(received) AS net, sum(sent) AS gross_sent, sum(received) AS gross_received,
           sum(n_sent) AS transfers_sent, sum(n_received) AS transfers_received
    FROM sides GROUP BY settlement_id, account_id
  ), d AS (
    SELECT coalesce(e.settlement_id, x.settlement_id) AS settlement_id, coalesce(e.account_id, x.account_id) AS account_id, e.account_id IS NOT NULL AS in_flows,
           x.account_id IS NOT NULL AS in_settlement, e.net::text AS e_net, e.gross_sent::text AS e_gross_sent, e.gross_received::text AS e_gross_received,
           e.transfers_sent::text AS e_transfers_sent, e.transfers_received::text AS e_transfers_received, x.net_amount::text AS a_net,
           x.gross_sent::text AS a_gross_sent, x.gross_received::text AS a_gross_received, x.transfers_sent::text AS a_transfers_sent,
           x.transfers_received::text AS a_transfers_received
    FROM e FULL JOIN settlement_account x ON x.settlement_id = e.settlement_id AND x.account_id = e.account_id
    WHERE e.net IS DISTINCT FROM x.net_amount OR e.gross_sent IS DISTINCT FROM x.gross_sent OR e.gross_received IS DISTINCT FROM x.gross_received
       OR e.transfers_sent IS DISTINCT FROM x.transfers_sent OR e.transfers_received IS DISTINCT FROM x.transfers_received
  )
  SELECT d.*, p.name AS participant, a.currency, a.ledger_account_type
  FROM d LEFT JOIN account a ON a.id = d.account_id LEFT JOIN participant p ON p.id = a.participant_id
  ORDER BY d.settlement_id, d.account_id LIMIT ${DISCREPANCIES_MAX + 1}`;

type SettlementAccountRow = Record<string, string | null> & {
  settlement_id: number;
  account_id: number;
  in_flows: boolean;
  in_settlement: boolean;
  participant: string | null;
  currency: string | null;
  ledger_account_type: string | null;
};

const FIGURES: Array<[string, string, (t: string | null) => string]> = [
  ['SETTLEMENT_NET', 'net', amount],
  ['SETTLEMENT_GROSS_SENT', 'gross_sent', amount],
  ['SETTLEMENT_GROSS_RECEIVED', 'gross_received', amount],
  ['SETTLEMENT_TRANSFERS_SENT', 'transfers_sent', count],
  ['SETTLEMENT_TRANSFERS_RECEIVED', 'transfers_received', count],
];

function settlementAccountDiscrepancies(r: SettlementAccountRow): Discrepancy[] {
  const currency = r.currency?.trim();
  const where = {
    settlementId: r.settlement_id,
    accountId: r.account_id,
    ...(r.participant !== null ? { participant: r.participant } : {}),
    ...(currency !== undefined ? { currency } : {}),
    ...(r.ledger_account_type !== null ? { ledgerAccountType: r.ledger_account_type } : {}),
  };
  const who = `settlement ${r.settlement_id}, account ${r.account_id} (${r.participant ?? '?'} ${currency ?? '?'})`;
  if (!r.in_settlement) {
    const expected = amount(r.e_net);
    return [
      {
        check: 'settlement-accounts',
        kind: 'SETTLEMENT_ACCOUNT_MISSING',
        ...where,
        expected,
        actual: 'none',
        detail: `${who}: moved ${expected} net in the settled windows but has no settlement account`,
      },
    ];
  }
  if (!r.in_flows) {
    const actual = amount(r.a_net);
    return [
      {
        check: 'settlement-accounts',
        kind: 'SETTLEMENT_ACCOUNT_UNEXPECTED',
        ...where,
        expected: 'none',
        actual,
        detail: `${who}: settled for ${actual} but did not move in the settled windows`,
      },
    ];
  }
  return FIGURES.flatMap(([kind, column, show]) => {
    const [expected, actual] = [show(r[`e_${column}`] ?? null), show(r[`a_${column}`] ?? null)];
    if (!differ(expected, actual)) return [];
    return [
      {
        check: 'settlement-accounts' as const,
        kind,
        ...where,
        expected,
        actual,
        detail: `${who}: ${column.replace('_', ' ')} is ${actual}; the settled windows say ${expected}`,
      },
    ];
  });
}

async function settlementAccounts(q: Queryable): Promise<Found> {
  const total = await q.query<{ n: string }>('SELECT count(*)::text AS n FROM settlement_account');
  const rows = await q.query<SettlementAccountRow>(SETTLEMENT_ACCOUNTS_SQL);
  return { checked: Number(total.rows[0]!.n), found: rows.rows.flatMap(settlementAccountDiscrepancies) };
}

async function settlementNets(q: Queryable): Promise<Found> {
  const rows = await q.query<{ settlement_id: number; currency: string; total: string }>(
    `SELECT settlement_id, currency, sum(net_amount)::text AS total FROM settlement_account GROUP BY settlement_id, currency ORDER BY settlement_id, currency`,
  );
  const found = rows.rows
    .filter((r) => parseLedger(r.total) !== 0n)
    .map((r): Discrepancy => {
      const [currency, actual] = [r.currency.trim(), amount(r.total)];
      return {
        check: 'settlement-nets',
        kind: 'SETTLEMENT_NETS_NOT_ZERO',
        settlementId: r.settlement_id,
        currency,
        expected: '0',
        actual,
        detail: `settlement ${r.settlement_id}: the ${currency} nets sum to ${actual}, not 0`,
      };
    });
  return { checked: rows.rows.length, found };
}

/**
 * The accounts whose settlement transfer is due (or reversed), with what the transfer rows and the journal say moved:
 * the transfer row signed from the participant's position (payer: it rose), the entries on the account.
 */
const SETTLEMENT_TRANSFERS_SQL = `SELECT x.settlement_id, x.account_id, p.name AS participant, x.currency, a.ledger_account_type, x.state, x.transfer_id,
         x.net_amount::text AS net, coalesce(m.auto_position_reset AND m.ledger_account_type = 'POSITION', false) AS resets,
         (SELECT coalesce(sum(CASE WHEN t.payer = p.name THEN t.amount ELSE -t.amount END), 0)::text FROM transfer t
           WHERE t.id IN (x.transfer_id, x.transfer_id || '-abort') AND t.kind = 'SETTLEMENT') AS transferred,
         (SELECT coalesce(sum(j.amount), 0)::text FROM journal_entry j
           WHERE j.transfer_id IN (x.transfer_id, x.transfer_id || '-abort') AND j.account_id = x.account_id) AS journal
  FROM settlement_account x JOIN settlement s ON s.id = x.settlement_id JOIN account a ON a.id = x.account_id
  JOIN participant p ON p.id = x.participant_id LEFT JOIN settlement_model m ON m.name = s.model
  WHERE x.state IN ('PS_TRANSFERS_COMMITTED', 'SETTLED', 'ABORTED') OR (x.state = 'PS_TRANSFERS_RESERVED' AND x.net_amount < 0)
  ORDER BY x.settlement_id, x.account_id`;

interface SettlementTransferRow {
  settlement_id: number;
  account_id: number;
  participant: string;
  currency: string;
  ledger_account_type: string;
  state: string;
  transfer_id: string | null;
  net: string;
  resets: boolean;
  transferred: string;
  journal: string;
}

function settlementTransferDiscrepancies(r: SettlementTransferRow): Discrepancy[] {
  const net = parseLedger(r.net);
  const expected = r.state === 'ABORTED' || !r.resets ? '0' : ledgerDisplay(ledgerNegated(net));
  const currency = r.currency.trim();
  const where = {
    settlementId: r.settlement_id,
    accountId: r.account_id,
    participant: r.participant,
    currency,
    ledgerAccountType: r.ledger_account_type,
    ...(r.transfer_id !== null ? { transferId: r.transfer_id } : {}),
  };
  const who = `settlement ${r.settlement_id}, account ${r.account_id} (${r.participant} ${currency}, ${r.state}, net ${ledgerDisplay(net)})`;
  const out: Discrepancy[] = [];
  for (const [kind, text, what] of [
    ['SETTLEMENT_TRANSFER', r.transferred, 'its settlement transfer moves the position by'],
    ['SETTLEMENT_JOURNAL', r.journal, 'the journal entries of its settlement transfer sum to'],
  ] as const) {
    const actual = amount(text);
    if (differ(expected, actual))
      out.push({ check: 'settlement-transfers', kind, ...where, expected, actual, detail: `${who}: ${what} ${actual}, expected ${expected}` });
  }
  return out;
}

async function settlementTransfers(q: Queryable): Promise<Found> {
  const rows = await q.query<SettlementTransferRow>(SETTLEMENT_TRANSFERS_SQL);
  return { checked: rows.rows.length, found: rows.rows.flatMap(settlementTransferDiscrepancies) };
}

const RUN: Record<CheckName, (q: Queryable) => Promise<Found>> = {
  'account-balances': accountBalances,
  'journal-currencies': journalCurrencies,
  'window-flows': windowFlows,
  'settlement-accounts': settlementAccounts,
  'settlement-nets': settlementNets,
  'settlement-transfers': settlementTransfers,
};

/** Runs every check on one snapshot of the database. */
export async function reconcile(db: Db): Promise<Reconciliation> {
  return db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const checkedAt = new Date();
    const checks: CheckResult[] = [];
    const discrepancies: Discrepancy[] = [];
    for (const name of CHECKS) {
      const { checked, found } = await RUN[name](tx);
      const listed = found.slice(0, DISCREPANCIES_MAX);
      checks.push({ name, checked, discrepancies: listed.length, truncated: found.length > DISCREPANCIES_MAX });
      discrepancies.push(...listed);
    }
    return { ok: discrepancies.length === 0, checkedAt, checks, discrepancies };
  });
}
