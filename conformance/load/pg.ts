// PostgreSQL helpers through the `psql` client (no driver dependency in the generator): create/drop the
// hub's benchmark database, read settings, find the backends serving a database.
import { execFile, spawn, type ChildProcess } from 'node:child_process';

export function psql(adminUrl: string, sql: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'psql',
      [adminUrl, '-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', sql],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`psql: ${stderr.trim() || err.message}`));
        else resolve(stdout);
      },
    );
  });
}

export function databaseUrl(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  await psql(adminUrl, `CREATE DATABASE ${name}`);
  return databaseUrl(adminUrl, name);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await psql(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

export interface PgSettings {
  version: string;
  settings: Record<string, string>;
}

export async function pgSettings(adminUrl: string): Promise<PgSettings> {
  const names = ['fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes', 'shared_buffers', 'max_connections', 'wal_level', 'commit_delay'];
  const out = await psql(
    adminUrl,
    `SELECT name, setting || coalesce(' ' || unit, '') FROM pg_settings WHERE name IN (${names.map((n) => `'${n}'`).join(',')})`,
  );
  const settings: Record<string, string> = {};
  for (const line of out.trim().split('\n')) {
    const [k, v] = line.split('\t');
    if (k) settings[k] = v ?? '';
  }
  const version = (await psql(adminUrl, 'SELECT version()')).trim();
  return { version, settings };
}

/** Pids of the backends connected to `db` plus the server's background writers (WAL writer, checkpointer …). */
export async function backendPids(adminUrl: string, db: string | undefined): Promise<number[]> {
  const where = db ? `datname = '${db.replace(/'/g, "''")}' OR backend_type IN ('walwriter','checkpointer','background writer','autovacuum launcher')` : 'true';
  const out = await psql(adminUrl, `SELECT pid FROM pg_stat_activity WHERE ${where}`);
  return out.trim().split('\n').filter(Boolean).map(Number);
}

/**
 * Sampling "profiler" of PostgreSQL: a long-lived psql session reads pg_stat_activity every `intervalMs` and
 * counts, per (wait event, query text), how many backends of `db` were active. avgActive = count / samples: the
 * average number of backends busy with that query (CPU when the wait event is none).
 */
export class PgActivitySampler {
  private child?: ChildProcess;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private pending = '';
  private current: string[] = [];
  samples = 0;
  readonly counts = new Map<string, number>();

  start(adminUrl: string, db: string, intervalMs = 100): void {
    if (this.stopped) return;
    const child = spawn('psql', [adminUrl, '-X', '-q', '-A', '-t', '-F', '\t'], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child = child;
    child.on('error', () => undefined);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      this.pending += chunk;
      let nl: number;
      while ((nl = this.pending.indexOf('\n')) >= 0) {
        const line = this.pending.slice(0, nl);
        this.pending = this.pending.slice(nl + 1);
        if (line === '#sample-end') {
          this.samples++;
          for (const k of this.current) this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
          this.current = [];
        } else if (line) this.current.push(line);
      }
    });
    const sql =
      `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), left(regexp_replace(query, '\\s+', ' ', 'g'), 140) FROM pg_stat_activity ` +
      `WHERE datname = '${db.replace(/'/g, "''")}' AND state = 'active' AND pid <> pg_backend_pid();\nSELECT '#sample-end';\n`;
    this.timer = setInterval(() => {
      if (child.stdin!.writable) child.stdin!.write(sql);
    }, intervalMs);
  }

  stop(): Array<{ wait: string; query: string; avgActive: number }> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.child?.stdin?.end();
    this.child?.kill();
    const n = Math.max(1, this.samples);
    return [...this.counts.entries()]
      .map(([k, c]) => {
        const [wait, query] = k.split('\t');
        return { wait: wait ?? '', query: query ?? '', avgActive: c / n };
      })
      .sort((a, b) => b.avgActive - a.avgActive);
  }
}

export interface TableStats {
  relname: string;
  seqScan: number;
  seqTupRead: number;
  idxScan: number;
  liveTup: number;
  deadTup: number;
}

/** pg_stat_user_tables of `db` (counters are cumulative: diff two snapshots). */
/**
 * Transfers by state in the hub's database, polled until none is RECEIVED or RESERVED (every accepted transfer
 * final) or `timeoutMs` passed: the expiry sweep must finish what its payee never answered.
 */
export async function settleTransfers(
  adminUrl: string,
  db: string,
  timeoutMs: number,
): Promise<{ states: Record<string, number>; notFinal: number; waitedS: number }> {
  const started = Date.now();
  for (;;) {
    const out = await psql(databaseUrl(adminUrl, db), 'SELECT state, count(*) FROM transfer GROUP BY state ORDER BY state');
    const states: Record<string, number> = {};
    for (const line of out.trim().split('\n').filter(Boolean)) {
      const [state, n] = line.split('\t');
      states[state!] = Number(n);
    }
    const notFinal = (states.RECEIVED ?? 0) + (states.RESERVED ?? 0);
    const waitedS = (Date.now() - started) / 1000;
    if (notFinal === 0 || Date.now() - started >= timeoutMs) return { states, notFinal, waitedS };
    await new Promise((r) => setTimeout(r, 2000));
  }
}

export async function tableStats(adminUrl: string, db: string): Promise<TableStats[]> {
  const out = await psql(
    databaseUrl(adminUrl, db),
    'SELECT relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0), n_live_tup, n_dead_tup FROM pg_stat_user_tables',
  );
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [relname, a, b, c, d, e] = l.split('\t');
      return { relname: relname!, seqScan: Number(a), seqTupRead: Number(b), idxScan: Number(c), liveTup: Number(d), deadTup: Number(e) };
    });
}
