/**
 * `mizani reconcile`: the reconciliation of docs/settlement-reports.md (ledger/reconciliation.ts, as GET
 * /v2/reconciliation answers it) on the hub's database, for an operator's shell or a nightly job: one line per check,
 * one per discrepancy, exit 1 when anything disagrees.
 */
import { openDb } from '../ledger/db.js';
import { reconcile, type Reconciliation } from '../ledger/reconciliation.js';
import { parseCommandLine, UsageError } from './cli-args.js';
import { commandConfig, databaseOptions } from './config.js';

type Print = (line: string) => void;

const USAGE = [
  'usage: mizani reconcile [--json]',
  '  checks that positions, journal, window flows and settlement figures agree (docs/settlement-reports.md), on',
  '  MIZANI_DATABASE_URL, or the embedded database (stop the hub first: the embedded database has one session)',
  '  --json       the whole result as JSON, as GET /v2/reconciliation answers it',
  '  -h, --help   this text',
  'exit codes: 0 everything agrees; 1 discrepancies (listed, each with what was expected and what was found); 2 usage error or invalid configuration',
];

export async function reconcileCommand(args: string[], out: Print, err: Print): Promise<number> {
  let json: boolean;
  try {
    const line = parseCommandLine(args, { json: { type: 'flag' } }, 'reconcile');
    if (line.help) {
      USAGE.forEach((l) => out(l));
      return 0;
    }
    json = line.values.json === true;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`mizani reconcile: ${e.message}`);
    err(USAGE[0]!);
    return 2;
  }
  const config = commandConfig(err);
  if (!config) return 2;
  const db = await openDb({ ...databaseOptions(config), poolSize: 1 });
  try {
    const result = await reconcile(db);
    if (json)
      out(JSON.stringify({ ok: result.ok, checkedDate: result.checkedAt.toISOString(), checks: result.checks, discrepancies: result.discrepancies }, null, 2));
    else printResult(result, out);
    return result.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

function printResult(result: Reconciliation, out: Print): void {
  const width = Math.max(...result.checks.map((c) => c.name.length));
  for (const c of result.checks) {
    const verdict = c.discrepancies === 0 ? 'ok' : `${c.discrepancies}${c.truncated ? '+' : ''} discrepancies`;
    out(`${c.name.padEnd(width)}  ${String(c.checked).padStart(8)} checked  ${verdict}`);
  }
  for (const d of result.discrepancies) out(`${d.kind}: ${d.detail} (expected ${d.expected}, actual ${d.actual})`);
  out(result.ok ? 'reconciliation: everything agrees' : `reconciliation: ${result.discrepancies.length} discrepancies`);
}
