/**
 * The PostgreSQL URL with a list of hosts (docs/operations-postgresql.md): libpq's multi-host form, which node-postgres
 * does not read itself.
 *
 *   postgres://user[:password]@host1[:port1],host2[:port2],.../database[?parameters]
 *
 * Every host is one server of the same replicated cluster; the hub writes only to the one that answers as primary
 * (ledger/pg-primary.ts). `target_session_attrs` may be given as libpq spells it, but only `read-write` or `primary`:
 * the hub writes, so it never settles for a standby. Each host becomes a one-host URL with the same user, password,
 * database and other parameters, which node-postgres reads as before. Errors name the host and never the password.
 */

export interface PgHost {
  /** `host:port` (`[v6]:port`), as logs and metrics show it. */
  label: string;
  /** The URL node-postgres connects to this host with (the password included). */
  connectionString: string;
}

export class DatabaseUrlError extends Error {}

const DEFAULT_PORT = 5432;
const SCHEME = /^(postgres(?:ql)?):\/\//;
const SESSION_ATTRS = ['read-write', 'primary'];

/** The hosts of a PostgreSQL URL, in the order given. Throws DatabaseUrlError, naming what is wrong. */
export function parseDatabaseUrl(url: string): PgHost[] {
  const scheme = SCHEME.exec(url);
  if (!scheme) throw new DatabaseUrlError('must start with postgres:// or postgresql://');
  const rest = url.slice(scheme[0].length);
  const authorityEnd = firstOf(rest, ['/', '?', '#']);
  const authority = rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const hostList = authority.slice(at + 1);
  const multi = hostList.includes(',');
  const tail = withoutSessionAttrs(rest.slice(authorityEnd), multi);
  if (!multi) {
    // One host (or none: the default socket): node-postgres reads it as it always has.
    return [{ label: hostList === '' ? 'localhost' : hostList, connectionString: `${scheme[0]}${userinfo}${hostList}${tail}` }];
  }
  const entries = hostList.split(',');
  const hosts = entries.map((entry, i) => {
    const label = hostLabel(entry, i, entries.length);
    return { label, connectionString: `${scheme[0]}${userinfo}${label}${tail}` };
  });
  const seen = new Set<string>();
  for (const host of hosts) {
    if (seen.has(host.label)) throw new DatabaseUrlError(`lists the host ${host.label} twice`);
    seen.add(host.label);
  }
  return hosts;
}

function firstOf(text: string, marks: string[]): number {
  const found = marks.map((m) => text.indexOf(m)).filter((i) => i >= 0);
  return found.length ? Math.min(...found) : text.length;
}

/** `host:port` of one entry of the list, the port defaulted; refuses what is not a host name or address. */
function hostLabel(entry: string, index: number, count: number): string {
  const where = `host ${index + 1} of ${count}`;
  if (entry === '') throw new DatabaseUrlError(`${where} is empty (two commas, or a comma at the start or end of the host list)`);
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(entry);
  if (!m) throw new DatabaseUrlError(`${where} ("${entry}") is not host or host:port (a name, an IPv4 address or an [IPv6] address)`);
  const port = m[2] === undefined ? DEFAULT_PORT : Number(m[2]);
  if (port < 1 || port > 65535) throw new DatabaseUrlError(`${where} ("${entry}") has port ${port}, not 1..65535`);
  return `${m[1]}:${port}`;
}

/**
 * The path and query with `target_session_attrs` checked and removed (node-postgres would send it on as a run-time
 * parameter, which the server refuses). With a list, hosts given as parameters too are refused: which would win?
 * (One host may still name its socket folder as `?host=`.)
 */
function withoutSessionAttrs(tail: string, multi: boolean): string {
  const q = tail.indexOf('?');
  if (q < 0) return tail;
  const hashAt = tail.indexOf('#', q);
  const query = tail.slice(q + 1, hashAt < 0 ? undefined : hashAt);
  const params = new URLSearchParams(query);
  for (const name of ['host', 'hostaddr', 'port']) {
    if (multi && params.has(name))
      throw new DatabaseUrlError(`names ${name}= as a parameter: list the hosts before the path (postgres://user@h1:5432,h2:5432/db)`);
  }
  const attrs = params.get('target_session_attrs');
  if (attrs === null) return tail;
  if (!SESSION_ATTRS.includes(attrs)) {
    throw new DatabaseUrlError(`has target_session_attrs=${attrs}: the hub writes, so it connects only to the primary (read-write or primary, the default)`);
  }
  params.delete('target_session_attrs');
  const kept = params.toString();
  return `${tail.slice(0, q)}${kept ? `?${kept}` : ''}`;
}
