// Starts the real hub (`node dist/switch/cli.js start`) as a child process for a benchmark: its own ports,
// its logs to a file (so reading them costs the generator nothing), optional extra node flags (e.g.
// --cpu-prof). Ready when the Admin API's /health answers 200.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

export const HUB_CLI = fileURLToPath(new URL('../../switch/cli.js', import.meta.url));

export interface HubChild {
  fspiopUrl: string;
  adminUrl: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export async function freePort(host: string): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, host, () => resolve());
  });
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function startHubChild(o: {
  env: Record<string, string>;
  nodeArgs?: string[];
  logFile: string;
  host?: string;
  timeoutMs?: number;
  /** Chosen by the caller (e.g. known to the generator before the node starts); default: free ports. */
  fspiopPort?: number;
  adminPort?: number;
}): Promise<HubChild> {
  const host = o.host ?? '127.0.0.1';
  const fspiopPort = o.fspiopPort ?? (await freePort(host));
  const adminPort = o.adminPort ?? (await freePort(host));
  const fd = openSync(o.logFile, 'a');
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), HUB_CLI, 'start'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      MIZANI_HOST: host,
      MIZANI_FSPIOP_PORT: String(fspiopPort),
      MIZANI_ADMIN_PORT: String(adminPort),
      MIZANI_LOG_LEVEL: 'info',
      // The load generator provisions its participants through the Admin API without tokens (demo profile).
      MIZANI_ADMIN_AUTH: 'open',
      ...o.env,
    },
    stdio: ['ignore', fd, fd],
    // Own process group: a Ctrl-C at the terminal reaches the generator, which stops the step and then the hub.
    detached: true,
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  const h = host.includes(':') ? `[${host}]` : host;
  const fspiopUrl = `http://${h}:${fspiopPort}`;
  const adminUrl = `http://${h}:${adminPort}`;
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`hub exited before it was ready; log ${o.logFile}:\n${tail(o.logFile)}`);
    try {
      const res = await request(`${adminUrl}/health`, { headersTimeout: 2000, bodyTimeout: 2000 });
      await res.body.dump();
      if (res.statusCode === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`hub not healthy within ${o.timeoutMs ?? 60_000} ms; log ${o.logFile}:\n${tail(o.logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    fspiopUrl,
    adminUrl,
    pid: child.pid!,
    child,
    logFile: o.logFile,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Last `lines` lines of a (possibly huge) log file, reading at most its last 256 KiB. */
export function tail(file: string, lines = 20): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const len = Math.min(size, 256 * 1024);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '(no log)';
  }
}

/** Count pino lines by level (30 info, 40 warn, 50 error, 60 fatal) and keep the first few warn/error messages. */
export async function scanLog(file: string): Promise<{ lines: number; byLevel: Record<string, number>; firstProblems: string[] }> {
  const byLevel: Record<string, number> = {};
  const firstProblems: string[] = [];
  let lines = 0;
  try {
    const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of rl) {
      lines++;
      const m = /"level":(\d+)/.exec(line);
      const level = m ? m[1]! : 'other';
      byLevel[level] = (byLevel[level] ?? 0) + 1;
      if ((level === '40' || level === '50' || level === '60' || level === 'other') && firstProblems.length < 10) firstProblems.push(line.slice(0, 500));
    }
  } catch {
    /* no log */
  }
  return { lines, byLevel, firstProblems };
}
