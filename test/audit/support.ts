/**
 * What the audit log's tests share: a scheme with payments through a real hub process, `mizani audit verify` run as
 * the CLI process, and the database edited behind the hub's back (as a superuser who bypasses the append-only triggers).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { entryHash } from '../../ledger/audit-chain.js';

const CLI = fileURLToPath(new URL('../../switch/cli.js', import.meta.url));

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, label: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() >= deadline) throw new Error(`${label}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await sleep(100);
  }
}

export interface VerifyRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** With --json: the result. */
  json?: { ok: boolean; entries: number; checkpoints: number; firstProblem?: { seq: number; problem: string; detail: string } };
}

/** `mizani audit verify ...args` as its own process, on the environment given. */
export async function runVerify(env: Record<string, string>, args: string[] = ['--json']): Promise<VerifyRun> {
  const child = spawn(process.execPath, [CLI, 'audit', 'verify', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  let json: VerifyRun['json'];
  if (args.includes('--json') && stdout.trim().startsWith('{')) json = JSON.parse(stdout) as VerifyRun['json'];
  return { code, stdout, stderr, json };
}

export interface Row {
  seq: number;
  at: Date;
  kind: string;
  actor: string;
  subject: string;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export async function entries(db: pg.Client): Promise<Row[]> {
  const r = await db.query('SELECT seq::int AS seq, at, kind, actor, subject, detail, prev_hash, hash FROM audit_entry ORDER BY seq');
  return r.rows.map((x: Record<string, any>) => ({
    seq: x.seq,
    at: x.at,
    kind: x.kind,
    actor: x.actor,
    subject: x.subject,
    detail: x.detail,
    prevHash: x.prev_hash,
    hash: x.hash,
  }));
}

/** Runs `sql` with the append-only triggers bypassed, as a superuser tampering with the log would. */
export async function behindTheHubsBack(db: pg.Client, statements: Array<[string, unknown[]?]>): Promise<void> {
  await db.query('BEGIN');
  try {
    await db.query('SET LOCAL session_replication_role = replica');
    for (const [sql, params] of statements) await db.query(sql, params);
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK');
    throw err;
  }
}

const TABLES = ['audit_entry', 'audit_checkpoint', 'audit_head'];

export async function saveLog(db: pg.Client): Promise<void> {
  for (const t of TABLES) await db.query(`CREATE TABLE ${t}_saved AS TABLE ${t}`);
}

export async function restoreLog(db: pg.Client): Promise<void> {
  await behindTheHubsBack(
    db,
    TABLES.flatMap((t): Array<[string]> => [[`DELETE FROM ${t}`], [`INSERT INTO ${t} SELECT * FROM ${t}_saved`]]),
  );
}

/** An entry as a forger who knows the format writes it: a correct hash over its content and link. */
export function forged(seq: number, prevHash: string, detail: Record<string, unknown>): Row {
  const partial = { seq, at: new Date(), kind: 'funds-in.committed', actor: 'ledger', subject: 'forged', detail, prevHash };
  return { ...partial, hash: entryHash(partial) };
}

export function insertRow(r: Row): [string, unknown[]] {
  return [
    'INSERT INTO audit_entry (seq, at, kind, actor, subject, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [r.seq, r.at.toISOString(), r.kind, r.actor, r.subject, JSON.stringify(r.detail), r.prevHash, r.hash],
  ];
}

/** Re-hashes entries from `from` on (after an edit), as a forger covering their tracks would, and moves the head. */
export async function rehashFrom(db: pg.Client, from: number): Promise<void> {
  const all = await entries(db);
  let prev = all.find((e) => e.seq === from - 1)?.hash ?? '0'.repeat(64);
  const statements: Array<[string, unknown[]]> = [];
  for (const e of all.filter((x) => x.seq >= from)) {
    const hash = entryHash({ ...e, prevHash: prev });
    statements.push(['UPDATE audit_entry SET prev_hash = $2, hash = $3 WHERE seq = $1', [e.seq, prev, hash]]);
    prev = hash;
  }
  statements.push(['UPDATE audit_head SET hash = $1', [prev]]);
  await behindTheHubsBack(db, statements);
}
