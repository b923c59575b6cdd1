/**
 * Runs the real hub (`node dist/switch/cli.js start`) as a child process, exactly as a user starts
 * it, and learns its URLs from its start-up log line. Ports are chosen by the OS (port 0).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const CLI = fileURLToPath(new URL('../../switch/cli.js', import.meta.url));

export interface HubProcess {
  fspiopUrl: string;
  adminUrl: string;
  /**
   * A bearer token of an administrator made for the test (`mizani user add` before the start), when the hub asks for
   * tokens (production profile) and the test did not say MIZANI_ADMIN_AUTH itself.
   */
  adminToken?: string;
  child: ChildProcess;
  logs: string[];
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /**
   * SIGTERM, then SIGKILL if the hub has not exited within `ms`: a hub whose callback pools a test wedged
   * never finishes its graceful stop, and the suite must not hang on it.
   */
  stopWithin(ms: number): Promise<void>;
}

/** The administrator startHubProcess makes for a production-profile hub. */
export const TEST_ADMIN = { name: 'test-admin', password: 'test-admin-password-not-secret' };

/** `mizani user add` as an operator runs it, against the database `env` names. */
export function addUser(env: Record<string, string>, name: string, roles: string[], password: string, participant?: string): void {
  const made = spawnSync(
    process.execPath,
    [CLI, 'user', 'add', name, '--role', roles.join(','), ...(participant ? ['--participant', participant] : []), '--password-stdin'],
    {
      env: { PATH: process.env.PATH ?? '', ...env },
      input: password,
      encoding: 'utf8',
    },
  );
  if (made.status !== 0) throw new Error(`mizani user add ${name} exited ${made.status}: ${made.stderr}`);
}

/** A bearer token of the hub's built-in issuer. */
export async function tokenOf(adminUrl: string, name: string, password: string): Promise<string> {
  const response = await fetch(`${adminUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: name, password }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || !body.access_token) throw new Error(`POST /auth/token for ${name} answered ${response.status}: ${JSON.stringify(body)}`);
  return body.access_token;
}

export async function startHubProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<HubProcess> {
  // A production hub asks every Admin API call for a token: the tests that provision one get an administrator, and
  // no second pair of eyes unless they ask for it (maker-checker has tests of its own).
  const tokenNeeded = env.MIZANI_PROFILE === 'production' && env.MIZANI_ADMIN_AUTH === undefined;
  if (tokenNeeded) {
    addUser(env, TEST_ADMIN.name, ['admin'], TEST_ADMIN.password);
    env = { MIZANI_MAKER_CHECKER: 'none', ...env };
  }
  const child = spawn(process.execPath, [CLI, 'start'], {
    env: {
      PATH: process.env.PATH ?? '',
      MIZANI_HOST: '127.0.0.1',
      MIZANI_FSPIOP_PORT: '0',
      MIZANI_ADMIN_PORT: '0',
      // Tests share 2 cores with their simulators and another test file: CPU starvation is the machine's,
      // not the hub's overload. Admission control's CPU signals are tested on their own (admission tests).
      MIZANI_BUSY_LOOP_UTILISATION: '0',
      MIZANI_BUSY_LOOP_LAG_MS: '0',
      // Every batch's balances checked against memory too (the benchmark runs the hot-path default).
      MIZANI_LEDGER_ASSERTIONS: 'all',
      // Tests that predate the Admin API's door provision without tokens (the open mode is demo-only); tests of the
      // door, and production-profile hubs, say MIZANI_ADMIN_AUTH themselves.
      ...(env.MIZANI_PROFILE === 'production' ? {} : { MIZANI_ADMIN_AUTH: 'open' }),
      ...env,
      // The start-up line ("Mizani hub started", with the URLs) is logged at info.
      MIZANI_LOG_LEVEL: env.MIZANI_LOG_LEVEL === 'debug' ? 'debug' : 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  // MIZANI_TEST_HUB_LOG_DIR: every hub's log also in <dir>/hub-<pid>.log, to read after a failed test.
  const logDir = process.env.MIZANI_TEST_HUB_LOG_DIR;
  const logFile = logDir ? `${logDir}/hub-${child.pid}.log` : undefined;
  const keep = (line: string) => {
    logs.push(line);
    if (logFile) appendFileSync(logFile, `${line}\n`);
  };
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<{ fspiop: string; admin: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hub did not start within ${timeoutMs} ms:\n${logs.slice(-20).join('\n')}`));
    }, timeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      keep(line);
      if (line.includes('"Mizani hub started"')) {
        const entry = JSON.parse(line) as { fspiop: string; admin: string };
        clearTimeout(timer);
        resolve(entry);
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => keep(`stderr: ${line}`));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with code ${code} before starting:\n${logs.slice(-20).join('\n')}`));
    });
  });
  const urls = await started;
  const adminToken = tokenNeeded ? await tokenOf(urls.admin, TEST_ADMIN.name, TEST_ADMIN.password) : undefined;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill(signal);
    return exited;
  };
  return {
    fspiopUrl: urls.fspiop,
    adminUrl: urls.admin,
    ...(adminToken ? { adminToken } : {}),
    child,
    logs,
    exited,
    stop,
    async stopWithin(ms: number) {
      let timer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([stop().then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
      clearTimeout(timer);
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
