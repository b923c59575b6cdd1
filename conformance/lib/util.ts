// Small self-contained helpers for the conformance suite.
// Nothing here may import from the hub's own folders (schemas/, translators/, ledger/, switch/).
import { randomInt } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';

/** Base64url without padding. */
export function b64url(buf: Buffer | Uint8Array): string {
  return Buffer.from(buf).toString('base64url');
}

/** Decode base64url (padding tolerated). */
export function fromB64url(s: string): Buffer {
  return Buffer.from(s.replace(/=+$/, ''), 'base64url');
}

/**
 * JSON serialisation with object keys sorted recursively (code-unit order) and no whitespace:
 * the canonical form `safe-stable-stringify` produces for plain JSON values.
 */
export function sortedStringify(value: unknown): string {
  const out = serialise(value);
  if (out === undefined) throw new TypeError('value is not serialisable to JSON');
  return out;
}

function serialise(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return serialise((value as { toJSON: () => unknown }).toJSON());
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'object': {
      if (Array.isArray(value)) {
        return '[' + value.map((v) => serialise(v) ?? 'null').join(',') + ']';
      }
      const obj = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(obj).sort()) {
        const s = serialise(obj[key]);
        if (s !== undefined) parts.push(JSON.stringify(key) + ':' + s);
      }
      return '{' + parts.join(',') + '}';
    }
    default:
      return undefined; // undefined, function, symbol: omitted like JSON.stringify does
  }
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';

/** `prefix` + `n` random lowercase letters (participant names unique per run). */
export function randomName(prefix: string, n = 6): string {
  let s = prefix;
  for (let i = 0; i < n; i++) s += LOWER[randomInt(LOWER.length)];
  return s;
}

/** `n` random decimal digits, the first one non-zero. */
export function randomDigits(n: number): string {
  let s = String(1 + randomInt(9));
  for (let i = 1; i < n; i++) s += String(randomInt(10));
  return s;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Compact, truncated rendering of any value for failure messages. */
export function show(value: unknown, max = 1500): string {
  let s: string;
  if (typeof value === 'string') s = value;
  else if (Buffer.isBuffer(value)) s = value.toString('utf8');
  else {
    try {
      s = JSON.stringify(value);
    } catch {
      s = String(value);
    }
  }
  if (s === undefined) s = String(value);
  return s.length > max ? s.slice(0, max) + `…(${s.length - max} more chars)` : s;
}

/**
 * Poll `fn` until it returns a value accepted by `done`, or time out. Returns the last value.
 * Throws (with `describe(last)`) on timeout.
 */
export async function pollUntil<T>(
  fn: () => Promise<T>,
  done: (v: T) => boolean,
  opts: { timeoutMs: number; intervalMs?: number; label: string; describe?: (v: T | undefined) => string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 100;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await fn();
      lastError = undefined;
      if (done(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
  const detail =
    lastError !== undefined
      ? `last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`
      : `last value: ${opts.describe ? opts.describe(last) : show(last)}`;
  throw new Error(`${opts.label}: condition not met within ${opts.timeoutMs} ms (${detail})`);
}

/**
 * `http://host:port` of a port that was free a moment ago and is closed now: a callback URL nobody answers
 * (connection refused), for "destination unreachable" cases.
 */
export async function closedPortUrl(bindHost = '127.0.0.1', advertisedHost = bindHost): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, bindHost, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://${advertisedHost.includes(':') ? `[${advertisedHost}]` : advertisedHost}:${port}`;
}
