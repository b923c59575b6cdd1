/**
 * Runs the real hub (`node dist/switch/cli.js start`) as a child process, exactly as a user starts
 * it, and learns its URLs from its start-up log line. Ports are chosen by the OS (port 0).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const CLI = fileURLToPath(new URL('../../switch/cli.js', import.meta.url));

export interface HubProcess {
  fspiopUrl: string;
  adminUrl: string;
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

export async function startHubProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<HubProcess> {
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
      ...env,
      // The start-up line ("Mizani hub started", with the URLs) is logged at info.
      MIZANI_LOG_LEVEL: env.MIZANI_LOG_LEVEL === 'debug' ? 'debug' : 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<{ fspiop: string; admin: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hub did not start within ${timeoutMs} ms:\n${logs.slice(-20).join('\n')}`));
    }, timeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      logs.push(line);
      if (line.includes('"Mizani hub started"')) {
        const entry = JSON.parse(line) as { fspiop: string; admin: string };
        clearTimeout(timer);
        resolve(entry);
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => logs.push(`stderr: ${line}`));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with code ${code} before starting:\n${logs.slice(-20).join('\n')}`));
    });
  });
  const urls = await started;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill(signal);
    return exited;
  };
  return {
    fspiopUrl: urls.fspiop,
    adminUrl: urls.admin,
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
