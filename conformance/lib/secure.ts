// Security material of a suite run against a secured hub (security.md §1, §3): the simulated DFSPs' TLS
// certificates (client certificates towards the hub, server certificates for the hub's callbacks) and their JWS
// keys. The suite never creates certificates itself: they come from a hook of the caller or a directory.
import { readdir, readFile, stat } from 'node:fs/promises';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { Agent, type Dispatcher } from 'undici';
import {
  generateJwsKeyPair,
  generateJwsKeyPairSync,
  publicKeyFromPem,
  signatureHeaders,
  type JwsAlg,
  type JwsKeyPair,
  type JwsMessage,
  type TestSigner,
} from './jws.js';
import { randomName } from './util.js';
import type { KeyObject } from 'node:crypto';

/** A certificate (PEM, optionally followed by intermediates) and its private key (PEM). */
export interface Credentials {
  cert: string;
  key: string;
}

export interface SecurityOptions {
  /**
   * Scheme CA certificate(s), PEM text. Set: the hub's FSPIOP API is mutual TLS — every simulated DFSP calls it with
   * its own client certificate and serves its callbacks over HTTPS with the same certificate, and requires the
   * hub's client certificate from this CA.
   */
  ca?: string;
  /**
   * Certificate of a participant name, issued on demand (e.g. by the scheme's PKI tool). The certificate must name
   * the FSP id (SAN URI or CN, whatever the hub binds to FSPIOP-Source), be usable as TLS client and server
   * certificate, and carry the advertised host (default 127.0.0.1) as SAN IP/DNS for the hub's callbacks.
   */
  issueCertificate?: (name: string) => Credentials | Promise<Credentials>;
  /**
   * Instead of the hook: a directory of certificates issued beforehand, `<name>.crt` + `<name>.key` or
   * `<name>/<name>.crt` + `<name>/<name>.key` (the layout of `mizani pki`). Participant names are then taken from
   * it (each at most once, and only names the hub does not know yet).
   */
  certDir?: string;
  /** A client certificate of another CA (the hub must refuse the TLS handshake). */
  foreignCertificate?: Credentials;
  /** A scheme certificate the CA has revoked (in the CRL given to the hub): the hub must refuse the handshake. */
  revokedCertificate?: Credentials;
  /**
   * Sign every message with a body with a per-DFSP key registered through the Admin API
   * (`POST /participants/{name}/jwsKeys`), as a hub that verifies JWS requires.
   */
  sign?: boolean;
  /** Algorithm of the DFSP keys; `mixed` alternates RS256 and ES256. Default mixed. */
  jwsAlg?: JwsAlg | 'mixed';
  /** The hub's JWS public key (PEM: SPKI or certificate): every hub-authored message must be signed with it. */
  hubPublicKey?: string;
  /** The hub's Date window in seconds (requests further off are refused). Default 300. */
  dateWindowS?: number;
}

/** What a scenario may require of the run. */
export type SecurityFeature = 'mtls' | 'jws' | 'hubKey' | 'foreignCert' | 'revokedCert';

export function securityFeatures(o: SecurityOptions | undefined): Set<SecurityFeature> {
  const f = new Set<SecurityFeature>();
  if (!o) return f;
  if (o.ca) f.add('mtls');
  if (o.sign) f.add('jws');
  if (o.hubPublicKey) f.add('hubKey');
  if (o.ca && o.foreignCertificate) f.add('foreignCert');
  if (o.ca && o.revokedCertificate) f.add('revokedCert');
  return f;
}

export function checkSecurityOptions(o: SecurityOptions): void {
  if (o.ca && !o.issueCertificate && !o.certDir) throw new Error('security.ca needs security.issueCertificate or security.certDir (the DFSP certificates)');
  if (!o.ca && (o.issueCertificate || o.certDir || o.foreignCertificate || o.revokedCertificate)) {
    throw new Error('DFSP certificates are given without security.ca (the scheme CA)');
  }
}

// ---- TLS identities -------------------------------------------------------------------------------------------

const TLS_COMMON = { minVersion: 'TLSv1.2' as const };

/** Client/server certificates of the simulated DFSPs, and one undici Agent per identity towards the hub. */
export class TlsIdentities {
  private readonly creds = new Map<string, Promise<Credentials>>();
  private readonly agents = new Map<string, Promise<Agent>>();
  private readonly extraAgents = new Set<Agent>();
  private pool?: Promise<string[]>;
  private readonly used = new Set<string>();

  constructor(
    readonly ca: string,
    private readonly o: Pick<SecurityOptions, 'issueCertificate' | 'certDir'>,
    private readonly reserved: string[] = [],
  ) {}

  get usesPool(): boolean {
    return !this.o.issueCertificate;
  }

  /** Names with a certificate in certDir. */
  private poolNames(): Promise<string[]> {
    if (!this.pool) {
      this.pool = (async () => {
        const dir = this.o.certDir!;
        const names = new Set<string>();
        for (const entry of await readdir(dir)) {
          const m = /^(.+)\.crt$/.exec(entry);
          if (m) names.add(m[1]!);
          else if (entry !== 'ca' && (await stat(join(dir, entry))).isDirectory()) {
            const inner = await readdir(join(dir, entry)).catch(() => [] as string[]);
            if (inner.includes(`${entry}.crt`) && inner.includes(`${entry}.key`)) names.add(entry);
          }
        }
        return [...names].filter((n) => !this.reserved.includes(n)).sort();
      })();
    }
    return this.pool;
  }

  /**
   * A name for a new participant (or an unknown source): random with the hook; from certDir otherwise, skipping
   * names already used in this run or (per `isFree`) already known to the hub.
   */
  async allocate(prefix: string, isFree: (name: string) => Promise<boolean>): Promise<string> {
    if (!this.usesPool) return randomName(prefix);
    const names = await this.poolNames();
    for (const name of names) {
      if (this.used.has(name)) continue;
      this.used.add(name);
      if (await isFree(name)) return name;
    }
    throw new Error(`security.certDir ${this.o.certDir}: no unused certificate left (${names.length} in the directory); issue more for fresh names`);
  }

  credentials(name: string): Promise<Credentials> {
    let p = this.creds.get(name);
    if (!p) {
      p = (async () => {
        if (this.o.issueCertificate) return this.o.issueCertificate(name);
        const dir = this.o.certDir!;
        const read = async (base: string) => ({ cert: await readFile(`${base}.crt`, 'utf8'), key: await readFile(`${base}.key`, 'utf8') });
        try {
          return await read(join(dir, name));
        } catch {
          try {
            return await read(join(dir, name, name));
          } catch {
            throw new Error(`security.certDir ${dir}: no certificate for ${name} (${name}.crt/.key or ${name}/${name}.crt/.key)`);
          }
        }
      })();
      p.catch(() => this.creds.delete(name));
      this.creds.set(name, p);
    }
    return p;
  }

  /** Agent presenting `name`'s client certificate (undefined: none). */
  dispatcher(name: string | undefined): Promise<Dispatcher> {
    const key = name ?? '\u0000none';
    let p = this.agents.get(key);
    if (!p) {
      p = (async () => {
        const c = name === undefined ? undefined : await this.credentials(name);
        return new Agent({
          keepAliveTimeout: 10_000,
          connections: 16,
          connect: { ...TLS_COMMON, ca: this.ca, ...(c ? { cert: c.cert, key: c.key } : {}) },
        });
      })();
      p.catch(() => this.agents.delete(key));
      this.agents.set(key, p);
    }
    return p;
  }

  /** A one-off agent with the given credentials (foreign / revoked certificates); closed with the suite. */
  dispatcherWith(c: Credentials | undefined): Dispatcher {
    const agent = new Agent({ keepAliveTimeout: 1000, connections: 1, connect: { ...TLS_COMMON, ca: this.ca, ...(c ? { cert: c.cert, key: c.key } : {}) } });
    this.extraAgents.add(agent);
    return agent;
  }

  async close(): Promise<void> {
    const all = [...(await Promise.allSettled([...this.agents.values()])).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])), ...this.extraAgents];
    await Promise.allSettled(all.map((a) => a.close()));
  }
}

export interface TlsProbe {
  /** The TLS 1.2 handshake completed (the server accepted the client certificate, or asked for none). */
  handshake: boolean;
  /** An HTTP answer came back. */
  http: boolean;
  /** Error code / message seen, e.g. ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE. */
  error?: string;
}

/**
 * Opens a raw TLS 1.2 connection to `url` with `creds` (none: no client certificate) and asks GET /health: with
 * TLS 1.2 a server that refuses the client certificate aborts the handshake itself (TLS 1.3 reports it only after).
 */
export function probeTls(url: string, ca: string, creds: Credentials | undefined, timeoutMs = 5000): Promise<TlsProbe> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const result: TlsProbe = { handshake: false, http: false };
    const socket = tlsConnect({
      host: u.hostname,
      port: Number(u.port || 443),
      ca,
      ...(creds ? { cert: creds.cert, key: creds.key } : {}),
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      ...(/^[\d.]+$|:/.test(u.hostname) ? {} : { servername: u.hostname }),
    });
    const timer = setTimeout(() => {
      result.error ??= 'timeout';
      socket.destroy();
    }, timeoutMs);
    socket.on('secureConnect', () => {
      result.handshake = true;
      socket.write(`GET /health HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (d: Buffer) => {
      if (d.toString('latin1').startsWith('HTTP/')) result.http = true;
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      result.error ??= e.code ?? e.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(result);
    });
  });
}

// ---- JWS keys -------------------------------------------------------------------------------------------------

export interface KeyEntry extends JwsKeyPair {
  kid: string;
  /** Registered on the hub (Admin API). */
  registered: boolean;
}

/**
 * The JWS keys of every participant name the suite speaks for: the one it signs with now, and every key it ever
 * held (forwarded messages are verified against those).
 */
export class JwsKeyring {
  private readonly all = new Map<string, KeyEntry[]>();
  private readonly current = new Map<string, KeyEntry>();
  private count = 0;

  constructor(private readonly policy: JwsAlg | 'mixed' = 'mixed') {}

  nextAlg(): JwsAlg {
    if (this.policy !== 'mixed') return this.policy;
    return this.count++ % 2 === 0 ? 'RS256' : 'ES256';
  }

  private add(name: string, keys: JwsKeyPair, kid: string, registered: boolean): KeyEntry {
    const entry: KeyEntry = { ...keys, kid, registered };
    this.all.set(name, [...(this.all.get(name) ?? []), entry]);
    return entry;
  }

  /** A new key for `name` (not yet the signing key unless `use`). */
  async create(name: string, o: { alg?: JwsAlg; kid?: string; use?: boolean } = {}): Promise<KeyEntry> {
    const alg = o.alg ?? this.nextAlg();
    const entry = this.add(name, await generateJwsKeyPair(alg), o.kid ?? `${name}-${(this.all.get(name)?.length ?? 0) + 1}`, false);
    if (o.use !== false) this.current.set(name, entry);
    return entry;
  }

  /** The key `name` signs with; names without one (unknown sources) get an unregistered EC key. */
  signingKey(name: string): KeyEntry {
    let entry = this.current.get(name);
    if (!entry) {
      entry = this.add(name, generateJwsKeyPairSync('ES256'), `${name}-local`, false);
      this.current.set(name, entry);
    }
    return entry;
  }

  use(name: string, entry: KeyEntry): void {
    this.current.set(name, entry);
  }

  /** A registered, current key of some other participant with this algorithm. */
  otherRegistered(alg: JwsAlg, except: string): { name: string; key: KeyEntry } | undefined {
    for (const [name, key] of this.current) if (name !== except && key.registered && key.alg === alg) return { name, key };
    return undefined;
  }

  keysOf(name: string): KeyEntry[] {
    return [...(this.all.get(name) ?? [])];
  }

  publicKeys(name: string): KeyObject[] {
    return (this.all.get(name) ?? []).map((e) => e.publicKey);
  }

  sign(name: string, m: JwsMessage): Promise<Record<string, string>> {
    return signatureHeaders(this.signingKey(name), m);
  }

  /** A TestSigner view that signs with the key of the message's FSPIOP-Source. */
  testSigner(fallback: () => string): TestSigner {
    return {
      get publicKeyPem(): string {
        throw new Error('keyring signer: use keysOf(name)');
      },
      sign: (m) => this.sign(m.source ?? fallback(), m),
    };
  }
}

export function hubKeyFrom(pem: string | undefined): KeyObject | undefined {
  return pem ? publicKeyFromPem(pem) : undefined;
}
