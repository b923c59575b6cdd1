/**
 * A PostgreSQL primary with a synchronous standby for tests (issue 13, "the database survives its primary"): two clusters
 * of this machine's PostgreSQL binaries in a temp folder, on free loopback ports, streaming replication through a slot,
 * every commit acknowledged only once the standby has it on disk. The machine's own cluster (5432) is not touched.
 *
 * - Binaries: $MIZANI_PG_BIN, else the newest /usr/lib/postgresql/<version>/bin, else the PATH.
 * - Run as root (this machine's tests), every PostgreSQL program runs as the `postgres` user (initdb refuses root); the
 *   folder is given to that user. Run as anyone else, they run as that user.
 * - Primary: `initdb` (trust on loopback), `wal_level=replica`, `synchronous_standby_names='FIRST 1 (mizani_standby)'`,
 *   `synchronous_commit=on` (the standby has flushed the commit's WAL before the primary answers: on two servers' disks;
 *   `remote_apply` would also wait for the standby to replay it, which only matters to reads from the standby, and the
 *   hub reads only from the primary). No Unix socket: loopback TCP only.
 * - Standby: `pg_basebackup -R -X stream -C -S mizani_standby` (slot created with the copy), its own port,
 *   `application_name=mizani_standby` (the name the primary waits for) and `synchronous_standby_names=''`: once promoted it
 *   has no standby of its own, and with the primary's setting it would wait for one for ever (what Patroni's
 *   synchronous mode does on its own: docs/operations-postgresql.md).
 * - Start returns once the primary reports the standby `sync` in pg_stat_replication.
 * - `holdReplication()` SIGSTOPs the primary's WAL sender, so that a failover test can catch commits between the
 *   primary and the standby for certain (as the crash test stalls the ledger's writes before its kill), and
 *   `synchronousCommit: 'local'` makes the pair asynchronous: the negative control such a test must fail on.
 * - No orphan server: each `postgres` runs in a process group of its own; a small bash watchdog polls the test process
 *   every second and, once it is gone (even by SIGKILL), stops every server of the pair (SIGQUIT, then SIGKILL) and deletes
 *   the folder. `stop()` does the same at once; the test process's exit sends SIGQUIT too.
 *
 * `node scripts/pg-pair.mjs` (after a build) runs one by hand.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
export const STANDBY_NAME = 'mizani_standby';

export function pgBinDir(): string {
  if (process.env.MIZANI_PG_BIN) return process.env.MIZANI_PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return versions[0] ? join(root, versions[0], 'bin') : '';
}

/** uid/gid of the `postgres` user when this process is root (PostgreSQL refuses to run as root). */
function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  await new Promise((ok) => server.close(ok));
  return port;
}

/** Polls the test process ($OWNER); once it is gone, stops the servers whose pids are in $DIR/.pids and deletes $DIR. */
const WATCHDOG = `
while [ -d "/proc/$OWNER" ]; do sleep 1 & wait $!; done
pids=$(cat "$DIR/.pids" 2>/dev/null)
for p in $pids; do kill -QUIT "$p" 2>/dev/null; done
for i in 1 2 3 4 5 6 7 8 9 10; do
  alive=""
  for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ -z "$alive" ] && break
  sleep 0.5
done
for p in $pids; do kill -KILL "$p" 2>/dev/null; done
rm -rf "$DIR"
`;

export interface PgNode {
  name: 'primary' | 'standby';
  port: number;
  dataDir: string;
  /** `127.0.0.1:<port>`, as the hub's logs and metrics name it. */
  label: string;
  /** The postmaster, while it runs. */
  child?: ChildProcess;
  /** Resolves when the postmaster has exited. */
  exited: Promise<void>;
  /** The server's log so far. */
  log(): string;
}

export interface PgPair {
  dir: string;
  bin: string;
  primary: PgNode;
  standby: PgNode;
  /** The hub's URL for `database`: both hosts, primary first (`postgres://postgres@127.0.0.1:p1,127.0.0.1:p2/db`). */
  url(database: string): string;
  /** A one-host URL of `node`. */
  nodeUrl(node: PgNode, database?: string): string;
  /** Creates `database` on the primary (the standby gets it through replication). */
  createDatabase(database: string): Promise<void>;
  /** The standby's sync_state as the primary reports it (`sync`, `async`, ...; undefined when not connected). */
  standbySyncState(): Promise<string | undefined>;
  /**
   * Holds replication: SIGSTOPs the primary's WAL sender to the standby (a stalled network, as far as commits can tell).
   * From then on a synchronous commit waits; an asynchronous one would be acknowledged with its WAL on the primary
   * only. Returns the sender's pid. `stopPrimary` ends it with the primary.
   */
  holdReplication(): Promise<number>;
  /** `pg_ctl stop -m immediate` of the primary: every session cut, nothing flushed further. Returns its ms. */
  stopPrimary(): Promise<number>;
  /** `pg_ctl promote -w` of the standby: returns once it accepts writes (its ms). */
  promoteStandby(): Promise<number>;
  /**
   * Starts `node` again on its data folder (after `stopPrimary`: the old primary comes back as a primary of its own,
   * without a standby: the split brain a failover manager exists to prevent).
   */
  restart(node: PgNode): Promise<void>;
  /** The commands an operator types for the two steps above (printed by scripts/pg-pair.mjs). */
  commands(): { stopPrimary: string; promoteStandby: string };
  /** Stops both servers (immediate) and deletes the folder. Idempotent. */
  stop(): Promise<void>;
}

export interface StartPgPairOptions {
  timeoutMs?: number;
  /**
   * The primary's synchronous_commit: `on` (the default: the standby has flushed the commit's WAL before the primary
   * answers) or `local` (acknowledged once on the primary's disk only: a negative control, which a failover test
   * must fail on).
   */
  synchronousCommit?: 'on' | 'local';
}

export async function startPgPair(options: StartPgPairOptions = {}): Promise<PgPair> {
  const bin = pgBinDir();
  const tool = (name: string) => (bin ? join(bin, name) : name);
  const as = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'mizani-pg-'));
  if (as.uid !== undefined) chownSync(dir, as.uid, as.gid!);
  const watchdog = spawn('bash', ['-c', WATCHDOG, 'mizani-pg-watchdog'], {
    detached: true,
    stdio: 'ignore',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', OWNER: String(process.pid), DIR: dir },
  });
  watchdog.unref();
  const children = new Set<ChildProcess>();
  const quitAll = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
  };
  process.once('exit', quitAll);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' };
  const pgTool = (name: string, args: string[], timeout = 120_000) => run(tool(name), args, { ...as, env, timeout, cwd: dir });

  const node = (name: PgNode['name'], port: number): PgNode => {
    const dataDir = join(dir, name);
    const logFile = join(dir, `${name}.log`);
    return {
      name,
      port,
      dataDir,
      label: `127.0.0.1:${port}`,
      exited: Promise.resolve(),
      log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    };
  };
  const launch = (n: PgNode) => {
    const out = openSync(join(dir, `${n.name}.log`), 'a');
    const child = spawn(tool('postgres'), ['-D', n.dataDir], { ...as, env, detached: true, stdio: ['ignore', out, out], cwd: dir });
    closeSync(out);
    children.add(child);
    appendFileSync(join(dir, '.pids'), `${child.pid}\n`);
    n.child = child;
    n.exited = new Promise<void>((ok) => child.once('exit', () => ok()));
    void n.exited.then(() => children.delete(child));
  };

  const primary = node('primary', await freePort());
  const standby = node('standby', await freePort());
  const nodeUrl = (n: PgNode, database = 'postgres') => `postgres://postgres@127.0.0.1:${n.port}/${database}`;
  let stopped: Promise<void> | undefined;
  /** The WAL sender held by holdReplication, if any. */
  let held: number | undefined;
  const stop = async () => {
    quitAll();
    if (held !== undefined) killQuietly(held);
    const timer = setTimeout(() => [...children].forEach((c) => c.kill('SIGKILL')), 5000);
    await Promise.all([primary.exited, standby.exited]);
    clearTimeout(timer);
    try {
      process.kill(watchdog.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    process.removeListener('exit', quitAll);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    await pgTool('initdb', ['-D', primary.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    appendFileSync(join(primary.dataDir, 'postgresql.conf'), primaryConf(primary.port, options.synchronousCommit ?? 'on'));
    launch(primary);
    await answering(nodeUrl(primary), primary, deadline);
    await pgTool('pg_basebackup', [
      ...['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', standby.dataDir],
      ...['-X', 'stream', '-R', '-C', '-S', STANDBY_NAME, '-c', 'fast', '--no-sync'],
    ]);
    appendFileSync(join(standby.dataDir, 'postgresql.auto.conf'), standbyConf(primary.port, standby.port));
    launch(standby);
    await answering(nodeUrl(standby), standby, deadline);
    await until(async () => (await syncState(nodeUrl(primary))) === 'sync', deadline, 'the standby to stream synchronously');
  } catch (err) {
    const tails = [primary, standby].map((n) => `--- ${n.name} log ---\n${n.log().split('\n').slice(-20).join('\n')}`).join('\n');
    await stop();
    throw new Error(`${(err as Error).message}\n${tails}`);
  }

  const pgCtl = (n: PgNode, args: string[]) => [tool('pg_ctl'), '-D', n.dataDir, ...args];
  const asUser = (argv: string[]) => (as.uid !== undefined ? `runuser -u postgres -- ${argv.join(' ')}` : argv.join(' '));
  const timed = async (fn: () => Promise<unknown>) => {
    const began = Date.now();
    await fn();
    return Date.now() - began;
  };
  return {
    dir,
    bin,
    primary,
    standby,
    url: (database) => `postgres://postgres@${primary.label},${standby.label}/${database}`,
    nodeUrl,
    createDatabase: async (database) => {
      const client = new pg.Client({ connectionString: nodeUrl(primary) });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${database}`);
      } finally {
        await client.end();
      }
    },
    standbySyncState: () => syncState(nodeUrl(primary)),
    holdReplication: async () => {
      held = await walSenderPid(nodeUrl(primary));
      process.kill(held, 'SIGSTOP');
      return held;
    },
    stopPrimary: () =>
      timed(async () => {
        const [cmd, ...args] = pgCtl(primary, ['stop', '-m', 'immediate', '-w']);
        const stopping = run(cmd!, args, { ...as, env, timeout: 60_000, cwd: dir });
        // A stopped sender cannot take the postmaster's SIGQUIT: it goes with the primary, having sent nothing more.
        if (held !== undefined) killQuietly(held);
        await stopping;
        await primary.exited;
      }),
    promoteStandby: () =>
      timed(async () => {
        const [cmd, ...args] = pgCtl(standby, ['promote', '-w', '-t', '60']);
        await run(cmd!, args, { ...as, env, timeout: 70_000, cwd: dir });
      }),
    restart: async (n) => {
      if (n.child && n.child.exitCode === null && n.child.signalCode === null) throw new Error(`the ${n.name} is running`);
      launch(n);
      await answering(nodeUrl(n), n, Date.now() + 60_000);
    },
    commands: () => ({ stopPrimary: asUser(pgCtl(primary, ['stop', '-m', 'immediate'])), promoteStandby: asUser(pgCtl(standby, ['promote'])) }),
    stop: () => (stopped ??= stop()),
  };
}

function primaryConf(port: number, synchronousCommit: string): string {
  return `
# ---- test/support/pg-pair.ts: the primary
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = ''
max_connections = 60
shared_buffers = '32MB'
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
wal_keep_size = '64MB'
hot_standby = on
synchronous_commit = ${synchronousCommit}
synchronous_standby_names = 'FIRST 1 (${STANDBY_NAME})'
log_line_prefix = '%m [%p] '
`;
}

function standbyConf(primaryPort: number, port: number): string {
  return `
# ---- test/support/pg-pair.ts: the standby (after pg_basebackup -R)
port = ${port}
primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres application_name=${STANDBY_NAME}'
primary_slot_name = '${STANDBY_NAME}'
synchronous_standby_names = ''
`;
}

async function walSenderPid(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    const r = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_replication WHERE application_name = $1', [STANDBY_NAME]);
    if (!r.rows[0]) throw new Error('the primary has no WAL sender to the standby');
    return r.rows[0].pid;
  } finally {
    await client.end();
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function syncState(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const r = await client.query<{ sync_state: string }>('SELECT sync_state FROM pg_stat_replication WHERE application_name = $1', [STANDBY_NAME]);
    return r.rows[0]?.sync_state;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function answering(url: string, node: PgNode, deadline: number): Promise<void> {
  let gone = false;
  void node.exited.then(() => (gone = true));
  await until(
    async () => {
      if (gone) throw new Error(`the ${node.name} exited during start-up`);
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    deadline,
    `the ${node.name} on ${node.label} to answer`,
  );
}

async function until(probe: () => Promise<boolean>, deadline: number, what: string): Promise<void> {
  while (!(await probe())) {
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}
