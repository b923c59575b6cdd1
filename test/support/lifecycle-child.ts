/**
 * Starts a hub in this process from MIZANI_* variables, the way `mizani start` does, but never calls
 * process.exit: after the start fails (or after a start and a stop) it reports on stdout, one JSON line,
 * what the process still holds, keeps itself alive for LINGER_MS so the test can look at PostgreSQL and
 * the ports, then lets the event loop empty. A hub that left a handle behind keeps the process alive.
 */
import { pino } from 'pino';
import { loadConfig } from '../../switch/config.js';
import { startHub } from '../../switch/hub.js';

const LINGER_MS = Number(process.env.LINGER_MS ?? '1500');

function report(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

void process.stdout; // the report's pipe: opened before the baseline, so it is not counted as the hub's
const before = process.getActiveResourcesInfo();

/**
 * What the process holds beyond the baseline once closing sockets have finished closing (a socket
 * whose session has ended stays listed for a tick or two); polled for up to a second.
 */
async function held(): Promise<string[]> {
  let now = process.getActiveResourcesInfo();
  for (let i = 0; i < 20 && now.length > before.length; i++) {
    await new Promise((r) => setTimeout(r, 50));
    now = process.getActiveResourcesInfo();
  }
  return now;
}
const parts: string[] = [];
const log = pino({ level: 'warn' }, pino.destination({ fd: 2, sync: true }));
try {
  const hub = await startHub(loadConfig(), log, { observe: (e) => parts.push(`${e.event} ${e.part}`) });
  report({ started: true, fspiop: hub.fspiopUrl, admin: hub.adminUrl });
  await hub.stop();
  report({ stopped: true, parts, before, after: await held() });
} catch (err) {
  const e = err as Error & { code?: string };
  report({ failed: e.message, code: e.code, parts, before, after: await held() });
  process.exitCode = 3;
}
// The only handle this file adds: the test's window to look before the process goes.
setTimeout(() => undefined, LINGER_MS);
