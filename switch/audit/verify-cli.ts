/**
 * `mizani audit verify`: the audit log's verification (ledger/audit-verify.ts, as GET /audit/verify answers it) on the
 * hub's database, for an operator's shell or a nightly job. Exit 0 when the chain and its checkpoints are whole, 1
 * naming the first entry found wrong and how.
 */
import { readFile } from 'node:fs/promises';
import { keyFingerprint } from '../../ledger/audit-chain.js';
import { verifyAuditLog, type AuditVerification } from '../../ledger/audit-verify.js';
import { openDb } from '../../ledger/db.js';
import { parseCommandLine, UsageError } from '../cli-args.js';
import { commandConfig, databaseOptions } from '../config.js';
import { publicKeysIn } from './trail.js';

type Print = (line: string) => void;

const USAGE = [
  'usage: mizani audit verify [--public-key FILE] [--json]',
  '  recomputes every entry of the audit log, its links, the signed checkpoints and the head record (docs/audit.md), on',
  '  MIZANI_DATABASE_URL, or the embedded database (stop the hub first: the embedded database has one session)',
  '  --public-key FILE  PEM file of the key(s) every checkpoint must be signed by (public keys, certificates or private',
  '                     keys; several for a key rotation). Default: the key of MIZANI_AUDIT_SIGNING_KEY, else of',
  '                     MIZANI_JWS_SIGNING_KEY; with neither, each checkpoint is checked with the key stored beside it',
  '  --json             the whole result as JSON, as GET /audit/verify answers it',
  '  -h, --help         this text',
  'exit codes: 0 the log is whole; 1 a problem (the first entry found wrong, and how); 2 usage error or invalid configuration',
];

interface Options {
  json: boolean;
  publicKeyFile?: string;
}

function options(args: string[], out: Print, err: Print): Options | number {
  try {
    if (args[0] !== 'verify' && !['-h', '--help'].includes(args[0] ?? ''))
      throw new UsageError(args[0] ? `unknown subcommand "${args[0]}"` : 'missing subcommand verify');
    const line = parseCommandLine(args[0] === 'verify' ? args.slice(1) : args, { json: { type: 'flag' }, 'public-key': { type: 'string' } }, 'audit verify');
    if (line.help) {
      USAGE.forEach((l) => out(l));
      return 0;
    }
    return { json: line.values.json === true, publicKeyFile: line.values['public-key'] as string | undefined };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`mizani audit: ${e.message}`);
    err(USAGE[0]!);
    return 2;
  }
}

/** The keys to pin: the file given, else the configured signing key's; undefined: unpinned. */
async function pinnedKeys(file: string | undefined, configured: string | undefined): Promise<{ keys?: string[]; from: string }> {
  if (file) {
    const keys = publicKeysIn(await readFile(file, 'utf8'));
    if (keys.length === 0) throw new UsageError(`--public-key ${file} holds no PEM key or certificate`);
    return { keys, from: file };
  }
  if (configured) return { keys: publicKeysIn(await readFile(configured, 'utf8')), from: `${configured} (the configured signing key)` };
  return { from: 'none: each checkpoint checked with the key stored beside it (pass --public-key to pin)' };
}

export async function auditCommand(args: string[], out: Print, err: Print): Promise<number> {
  const parsed = options(args, out, err);
  if (typeof parsed === 'number') return parsed;
  const config = commandConfig(err);
  if (!config) return 2;
  let pinned;
  try {
    pinned = await pinnedKeys(parsed.publicKeyFile, config.audit.signingKey);
  } catch (e) {
    err(`mizani audit: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const db = await openDb({ ...databaseOptions(config), poolSize: 1 });
  try {
    const result = await verifyAuditLog(db, { publicKeys: pinned.keys });
    if (parsed.json) out(JSON.stringify(result, null, 2));
    else printResult(result, pinned, out);
    return result.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

function printResult(r: AuditVerification, pinned: { keys?: string[]; from: string }, out: Print): void {
  const keys = r.keys.map((k) => `${k.fingerprint} (${k.checkpoints})`).join(', ') || 'none';
  out(`entries      ${r.entries} verified (head record: ${r.head.seq})`);
  out(`checkpoints  ${r.checkpoints} verified, signed by ${keys}`);
  out(`pinned keys  ${pinned.keys ? pinned.keys.map(keyFingerprint).join(', ') : ''}${pinned.keys ? ' from ' : ''}${pinned.from}`);
  if (r.lastGoodCheckpoint) out(`covered      entries 1..${r.lastGoodCheckpoint.seq} by the checkpoint of ${r.lastGoodCheckpoint.at}`);
  if (r.firstProblem) out(`audit log: PROBLEM at entry ${r.firstProblem.seq}: ${r.firstProblem.problem} (${r.firstProblem.detail})`);
  else out('audit log: whole');
}
