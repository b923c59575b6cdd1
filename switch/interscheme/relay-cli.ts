/**
 * `mizani relay --config relay.json`: runs the proxy relay between two Mizani schemes (switch/interscheme/relay.ts,
 * docs/interscheme.md "The relay"). The file names both sides:
 *   { "sides": [ { "proxyName": "proxyA", "hubUrl": "https://hub-a:3000", "hubName": "hubA", "listen": "0.0.0.0:4000",
 *                  "tls": { "cert": "proxyA.crt", "key": "proxyA.key", "ca": "scheme-a-ca.crt", "crl": "scheme-a.crl" } },
 *                { "proxyName": "proxyB", ... } ],
 *     "timeoutMs": 10000 }
 * It logs one JSON line "Mizani proxy relay started" with the URL of each side, and runs until SIGINT/SIGTERM.
 */
import { readFile } from 'node:fs/promises';
import { parseCommandLine, UsageError } from '../cli-args.js';
import { createLogger } from '../observability/log.js';
import { startRelay, type RelayConfig, type RelaySide } from './relay.js';

type Print = (line: string) => void;

const USAGE = [
  'usage: mizani relay --config FILE',
  '  relays FSPIOP messages between two Mizani schemes as their proxy participant (docs/interscheme.md, "The relay")',
  '  --config FILE   JSON: {"sides": [side A, side B], "timeoutMs"?}; a side: {proxyName, hubUrl, hubName, listen: "host:port",',
  '                  tls?: {cert, key, ca, crl?}} (the proxy participant of that scheme, its hub, where that hub calls it)',
  '  -h, --help      this text',
  'exit codes: 0 stopped by SIGINT/SIGTERM; 2 usage error or invalid configuration',
];

function sideOf(value: unknown, at: string): RelaySide {
  const v = value as Record<string, unknown> | null;
  if (!v || typeof v !== 'object') throw new UsageError(`${at} must be an object`);
  for (const key of ['proxyName', 'hubUrl', 'hubName', 'listen']) {
    if (typeof v[key] !== 'string' || v[key] === '') throw new UsageError(`${at}.${key} must be a non-empty string`);
  }
  const tls = v.tls as Record<string, unknown> | undefined;
  if (tls !== undefined && (typeof tls.cert !== 'string' || typeof tls.key !== 'string' || typeof tls.ca !== 'string')) {
    throw new UsageError(`${at}.tls needs cert, key and ca (file paths)`);
  }
  return {
    proxyName: v.proxyName as string,
    hubUrl: v.hubUrl as string,
    hubName: v.hubName as string,
    listen: v.listen as string,
    ...(tls
      ? { tls: { cert: tls.cert as string, key: tls.key as string, ca: tls.ca as string, ...(typeof tls.crl === 'string' ? { crl: tls.crl } : {}) } }
      : {}),
  };
}

/** Reads and checks a relay configuration file. */
export async function readRelayConfig(file: string): Promise<RelayConfig> {
  const parsed = JSON.parse(await readFile(file, 'utf8')) as { sides?: unknown; timeoutMs?: unknown };
  if (!Array.isArray(parsed.sides) || parsed.sides.length !== 2) throw new UsageError('"sides" must list exactly two schemes');
  const sides = parsed.sides.map((s, i) => sideOf(s, `sides[${i}]`)) as [RelaySide, RelaySide];
  if (sides[0].proxyName === sides[1].proxyName) throw new UsageError('the two sides need distinct proxy names');
  const timeoutMs = parsed.timeoutMs;
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || timeoutMs < 100)) throw new UsageError('"timeoutMs" must be a number ≥ 100');
  return { sides, ...(typeof timeoutMs === 'number' ? { timeoutMs } : {}) };
}

export async function relayCommand(args: string[], out: Print, err: Print): Promise<number> {
  let config: RelayConfig;
  try {
    const line = parseCommandLine(args, { config: { type: 'string' } }, 'relay');
    if (line.help) {
      USAGE.forEach((l) => out(l));
      return 0;
    }
    if (typeof line.values.config !== 'string') throw new UsageError('--config FILE is required');
    config = await readRelayConfig(line.values.config);
  } catch (e) {
    if (!(e instanceof UsageError) && !(e instanceof SyntaxError) && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    err(`mizani relay: ${(e as Error).message}`);
    err(USAGE[0]!);
    return 2;
  }
  const log = createLogger(process.env.MIZANI_LOG_LEVEL ?? 'info');
  const relay = await startRelay(config, log);
  log.info({ sides: relay.urls }, 'Mizani proxy relay started');
  const shutdown = (signal: string) => {
    log.info({ signal }, 'relay shutting down');
    void relay.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  return -1;
}
