/**
 * Reconciles a Mizani ledger with its settlement records, in SQL only (tests; the product has its own reconciliation
 * endpoint on another branch, this does not depend on it). Read it in one snapshot (the caller opens a REPEATABLE READ
 * transaction when the hub is still writing). Each finding is a sentence; none means the books reconcile:
 *
 *  - the journal balances per currency and per transfer; every account's value is the sum of its journal entries;
 *  - exactly one settlement window is OPEN;
 *  - every committed TRANSFER of a deferred model (or with an interchange fee) is in exactly one window, and no other
 *    transfer is in any; the window flows equal the committed transfers per (window, payer POSITION account, payee
 *    POSITION account), and their fees per (window, paying and receiving INTERCHANGE_FEE account);
 *  - every settlement transfer (kind SETTLEMENT) has exactly two journal entries, the settled account (its POSITION, or
 *    INTERCHANGE_FEE under a fee model) against HUB_MULTILATERAL_SETTLEMENT, and belongs to a settlement account (its
 *    reset, or the reversal of one at an abort);
 *  - per (settlement, currency) the nets sum to zero, and each account's net is the sum of its position's entries for
 *    the transfers of the settlement's windows;
 *  - each settlement's state is the least advanced of its accounts' (SETTLING when some are SETTLED);
 *  - every POSITION equals its opening + its reserved payments + (deferred models) its committed payments − its committed
 *    receipts + its settlement transfers; with `steps: 'recorded'` the settlement transfers are exactly those the
 *    recorded account states imply (after PS_TRANSFERS_COMMITTED: the position moved by −net; a net recipient already
 *    from PS_TRANSFERS_RESERVED; none in an aborted settlement, or a reversal for each). `steps: 'maybe-pending'` allows
 *    what a crash leaves between a step's ledger moves and its record: an account one step short with its move done.
 */

/** A pg.Client, a pg.Pool or the ledger's Db. */
export interface SqlReader {
  query(text: string, params?: unknown[]): Promise<{ rows: any[] }>;
}

export interface ReconcileOptions {
  steps: 'recorded' | 'maybe-pending';
}

/** Exact decimal text → units of 10^-4 (the ledger's scale). */
function units(text: string | null | undefined): bigint {
  if (text === null || text === undefined) return 0n;
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`not a plain decimal: ${text}`);
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > 4) throw new Error(`more than 4 decimals: ${text}`);
  const v = BigInt(m[2]! + frac.padEnd(4, '0'));
  return m[1] ? -v : v;
}

const ACCOUNT_STEPS = ['PENDING_SETTLEMENT', 'PS_TRANSFERS_RECORDED', 'PS_TRANSFERS_RESERVED', 'PS_TRANSFERS_COMMITTED', 'SETTLED'];

export async function reconcileSettlement(q: SqlReader, options: ReconcileOptions = { steps: 'recorded' }): Promise<string[]> {
  return [...(await journalFindings(q)), ...(await windowFindings(q)), ...(await settlementFindings(q, options)), ...(await positionFindings(q))];
}

async function journalFindings(q: SqlReader): Promise<string[]> {
  const found: string[] = [];
  const currencies = await q.query(
    `SELECT a.currency, sum(j.amount)::text AS total FROM journal_entry j JOIN account a ON a.id = j.account_id
     GROUP BY a.currency HAVING sum(j.amount) <> 0`,
  );
  for (const r of currencies.rows) found.push(`the ${r.currency} journal sums to ${r.total}, not 0`);
  const transfers = await q.query(
    `SELECT j.transfer_id, a.currency, sum(j.amount)::text AS total FROM journal_entry j JOIN account a ON a.id = j.account_id
     GROUP BY j.transfer_id, a.currency HAVING sum(j.amount) <> 0 LIMIT 10`,
  );
  for (const r of transfers.rows) found.push(`the ${r.currency} entries of ${r.transfer_id} sum to ${r.total}, not 0`);
  const drift = await q.query(
    `SELECT a.id, a.ledger_account_type AS type, a.value::text AS value, coalesce(sum(j.amount), 0)::text AS journal
     FROM account a LEFT JOIN journal_entry j ON j.account_id = a.id GROUP BY a.id HAVING a.value <> coalesce(sum(j.amount), 0)`,
  );
  for (const r of drift.rows) found.push(`account ${r.id} (${r.type}) holds ${r.value}, its journal entries sum to ${r.journal}`);
  return found;
}

/** Currencies whose POSITION accounts settle gross at commit (an IMMEDIATE model of their own, or a default one). */
const GROSS_CURRENCIES = `
  SELECT DISTINCT a.currency FROM account a WHERE a.ledger_account_type = 'POSITION' AND EXISTS (
    SELECT 1 FROM settlement_model m WHERE m.is_active AND m.ledger_account_type = 'POSITION' AND m.settlement_delay = 'IMMEDIATE'
      AND (m.currency = a.currency OR m.currency IS NULL AND NOT EXISTS (
        SELECT 1 FROM settlement_model o WHERE o.is_active AND o.ledger_account_type = 'POSITION' AND o.currency = a.currency)))`;

async function windowFindings(q: SqlReader): Promise<string[]> {
  const found: string[] = [];
  const open = await q.query(`SELECT id FROM settlement_window WHERE state = 'OPEN'`);
  if (open.rows.length !== 1) found.push(`${open.rows.length} windows are OPEN (${open.rows.map((r) => r.id).join(', ')}), not exactly one`);
  // A transfer with an interchange fee joins the window for its fee even under gross settlement (docs/interchange-fees.md).
  const misplaced = await q.query(
    `SELECT t.id, t.state, t.currency, t.window_id FROM transfer t
     WHERE t.kind = 'TRANSFER'
       AND (t.state = 'COMMITTED' AND (t.currency NOT IN (${GROSS_CURRENCIES}) OR t.fee_amount IS NOT NULL)) <> (t.window_id IS NOT NULL) LIMIT 10`,
  );
  for (const r of misplaced.rows) found.push(`${r.state} ${r.currency} transfer ${r.id} has window ${r.window_id ?? 'none'}`);
  const unknown = await q.query(
    `SELECT DISTINCT t.window_id FROM transfer t WHERE t.window_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM settlement_window w WHERE w.id = t.window_id)`,
  );
  for (const r of unknown.rows) found.push(`transfers are in window ${r.window_id}, which does not exist`);
  const flows = await q.query(
    `WITH moves AS (
       SELECT t.window_id, pa.id AS payer_account_id, pe.id AS payee_account_id, t.amount
       FROM transfer t
       JOIN participant pp ON pp.name = t.payer JOIN account pa ON pa.participant_id = pp.id AND pa.currency = t.currency AND pa.ledger_account_type = 'POSITION'
       JOIN participant pq ON pq.name = t.payee JOIN account pe ON pe.participant_id = pq.id AND pe.currency = t.currency AND pe.ledger_account_type = 'POSITION'
       WHERE t.kind = 'TRANSFER' AND t.state = 'COMMITTED' AND t.window_id IS NOT NULL AND t.currency NOT IN (${GROSS_CURRENCIES})
       UNION ALL
       SELECT t.window_id, t.fee_from_account_id, t.fee_to_account_id, t.fee_amount
       FROM transfer t WHERE t.kind = 'TRANSFER' AND t.state = 'COMMITTED' AND t.window_id IS NOT NULL AND t.fee_amount IS NOT NULL
     ), t AS (
       SELECT window_id, payer_account_id, payee_account_id, sum(amount) AS amount, count(*) AS transfers FROM moves
       GROUP BY window_id, payer_account_id, payee_account_id)
     SELECT coalesce(f.window_id, t.window_id) AS window_id, coalesce(f.payer_account_id, t.payer_account_id) AS payer,
            coalesce(f.payee_account_id, t.payee_account_id) AS payee, f.amount::text AS flow, f.transfers AS flow_n, t.amount::text AS sum, t.transfers AS n
     FROM window_flow f FULL JOIN t USING (window_id, payer_account_id, payee_account_id)
     WHERE f.amount IS DISTINCT FROM t.amount OR f.transfers IS DISTINCT FROM t.transfers LIMIT 10`,
  );
  for (const r of flows.rows) {
    found.push(
      `window ${r.window_id} flow ${r.payer} → ${r.payee} is ${r.flow ?? 'absent'} (${r.flow_n ?? 0} transfers); its transfers sum to ${r.sum ?? 0} (${r.n ?? 0})`,
    );
  }
  return found;
}

interface AccountRow {
  settlement_id: number;
  settlement_state: string;
  account_id: number;
  currency: string;
  net: string;
  state: string;
  transfer_id: string | null;
  moved: string | null;
  moved_n: string;
  reversed: string | null;
  reversed_n: string;
  windows_net: string | null;
}

async function settlementFindings(q: SqlReader, options: ReconcileOptions): Promise<string[]> {
  const found: string[] = [];
  const stray = await q.query(
    `WITH owner AS (SELECT s.account_id, s.transfer_id AS id FROM settlement_account s WHERE s.transfer_id IS NOT NULL
                   UNION ALL SELECT s.account_id, s.transfer_id || '-abort' FROM settlement_account s WHERE s.transfer_id IS NOT NULL)
     SELECT t.id, count(j.*) AS n, string_agg(a.ledger_account_type, ',' ORDER BY a.ledger_account_type) AS types
     FROM transfer t LEFT JOIN journal_entry j ON j.transfer_id = t.id LEFT JOIN account a ON a.id = j.account_id
     WHERE t.kind = 'SETTLEMENT' GROUP BY t.id
     HAVING count(j.*) <> 2 OR count(*) FILTER (WHERE a.ledger_account_type = 'HUB_MULTILATERAL_SETTLEMENT') <> 1
        OR count(*) FILTER (WHERE j.account_id IN (SELECT o.account_id FROM owner o WHERE o.id = t.id)) <> 1`,
  );
  for (const r of stray.rows)
    found.push(`settlement transfer ${r.id} has ${r.n} journal entries (${r.types ?? 'none'}), not its settled account's against HUB_MULTILATERAL_SETTLEMENT`);
  const sums = await q.query(
    `SELECT settlement_id, currency, sum(net_amount)::text AS total FROM settlement_account GROUP BY settlement_id, currency HAVING sum(net_amount) <> 0`,
  );
  for (const r of sums.rows) found.push(`settlement ${r.settlement_id}: the ${r.currency} nets sum to ${r.total}, not 0`);
  const accounts = await q.query(
    `SELECT s.settlement_id, st.state AS settlement_state, s.account_id, s.currency, s.net_amount::text AS net, s.state, s.transfer_id,
       (SELECT sum(j.amount)::text FROM journal_entry j WHERE j.transfer_id = s.transfer_id AND j.account_id = s.account_id) AS moved,
       (SELECT count(*) FROM journal_entry j WHERE j.transfer_id = s.transfer_id) AS moved_n,
       (SELECT sum(j.amount)::text FROM journal_entry j WHERE j.transfer_id = s.transfer_id || '-abort' AND j.account_id = s.account_id) AS reversed,
       (SELECT count(*) FROM journal_entry j WHERE j.transfer_id = s.transfer_id || '-abort') AS reversed_n,
       (SELECT sum(j.amount)::text FROM journal_entry j JOIN transfer t ON t.id = j.transfer_id
        WHERE j.account_id = s.account_id AND t.kind = 'TRANSFER'
          AND t.window_id IN (SELECT l.window_id FROM settlement_settlement_window l WHERE l.settlement_id = s.settlement_id)) AS windows_net
     FROM settlement_account s JOIN settlement st ON st.id = s.settlement_id ORDER BY s.settlement_id, s.account_id`,
  );
  const rows = accounts.rows as AccountRow[];
  for (const a of rows) found.push(...accountFindings(a, options));
  const bySettlement = new Map<number, AccountRow[]>();
  for (const a of rows) bySettlement.set(a.settlement_id, [...(bySettlement.get(a.settlement_id) ?? []), a]);
  for (const [id, list] of bySettlement) {
    const expected = aggregateState(list.map((a) => a.state));
    if (list[0]!.settlement_state !== expected) found.push(`settlement ${id} is ${list[0]!.settlement_state}; its accounts make it ${expected}`);
  }
  return found;
}

function aggregateState(states: string[]): string {
  const present = new Set(states);
  if (present.size === 1 && present.has('ABORTED')) return 'ABORTED';
  const least = ACCOUNT_STEPS.find((s) => present.has(s)) ?? 'SETTLED';
  return least === 'PS_TRANSFERS_COMMITTED' && present.has('SETTLED') ? 'SETTLING' : least;
}

/** The step at which an account's reset is applied: a net recipient's at RESERVED, a net sender's at COMMITTED. */
function resetStep(net: bigint): number {
  return ACCOUNT_STEPS.indexOf(net < 0n ? 'PS_TRANSFERS_RESERVED' : 'PS_TRANSFERS_COMMITTED');
}

function accountFindings(a: AccountRow, options: ReconcileOptions): string[] {
  const at = `settlement ${a.settlement_id} (${a.settlement_state}) account ${a.account_id} (${a.state}, net ${a.net} ${a.currency})`;
  const found: string[] = [];
  const net = units(a.net);
  if (units(a.windows_net) !== net) found.push(`${at}: its position's entries in the settled windows sum to ${a.windows_net ?? 0}`);
  const moved = Number(a.moved_n) > 0;
  if (moved && units(a.moved) !== -net) found.push(`${at}: its reset moved the position by ${a.moved}, not by minus the net`);
  if (a.settlement_state === 'ABORTED') {
    if (Number(a.moved_n) !== Number(a.reversed_n) || units(a.moved) + units(a.reversed) !== 0n) found.push(`${at}: its reset is not exactly reversed`);
    return found;
  }
  if (Number(a.reversed_n) > 0) found.push(`${at}: a reversal outside an abort`);
  const step = ACCOUNT_STEPS.indexOf(a.state);
  const due = net !== 0n && step >= resetStep(net);
  const maybe = options.steps === 'maybe-pending' && net !== 0n && step + 1 === resetStep(net);
  if (due && !moved) found.push(`${at}: its position was not reset`);
  if (!due && moved && !maybe) found.push(`${at}: its position was reset before its step`);
  return found;
}

async function positionFindings(q: SqlReader): Promise<string[]> {
  const transfers = (where: string) => `coalesce((SELECT sum(t.amount) FROM transfer t WHERE t.kind = 'TRANSFER' AND t.currency = a.currency AND ${where}), 0)`;
  const positions = await q.query(
    `SELECT p.name, a.currency, a.value::text AS value,
       (coalesce((SELECT sum(j.amount) FROM journal_entry j WHERE j.account_id = a.id AND j.event = 'OPENING'), 0)
        + ${transfers(`t.state = 'RESERVED' AND t.payer = p.name`)}
        + CASE WHEN a.currency IN (${GROSS_CURRENCIES}) THEN 0
               ELSE ${transfers(`t.state = 'COMMITTED' AND t.payer = p.name`)} - ${transfers(`t.state = 'COMMITTED' AND t.payee = p.name`)} END
        + coalesce((SELECT sum(j.amount) FROM journal_entry j JOIN transfer s ON s.id = j.transfer_id
                    WHERE j.account_id = a.id AND s.kind = 'SETTLEMENT'), 0))::text AS expected
     FROM account a JOIN participant p ON p.id = a.participant_id WHERE a.ledger_account_type = 'POSITION'`,
  );
  return positions.rows
    .filter((r) => units(r.value) !== units(r.expected))
    .map((r) => `the ${r.currency} position of ${r.name} is ${r.value}; its transfers and settlement transfers make it ${r.expected}`);
}
