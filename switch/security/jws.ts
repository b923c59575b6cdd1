/**
 * FSPIOP JWS (contract security.md §1): the detached-payload signature carried in the
 * `FSPIOP-Signature` header. The hub verifies participants' signatures over the raw body bytes it
 * received (never a re-serialisation) and signs the messages it authors itself with its own key.
 *
 * Verification and signing use node:crypto directly and synchronously: one RS256 verification
 * costs tens of microseconds, and jose's `flattenedVerify` (WebCrypto, asynchronous) was measured
 * several times slower per call (see the helper's report / docs). RSA signing is expensive
 * (~1 ms for 2048 bits), so `JwsSigningPool` can move it to worker threads.
 *
 * Worker threads of the pool run this same module: when it is loaded as a pool worker (workerData
 * marker) it listens for signing jobs instead of doing nothing.
 */
import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { FspiopError } from '../../schemas/errors.js';

/** Algorithms accepted on inbound signatures: the SDK's two plus the spec's RS384/RS512. */
export const VERIFY_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'ES256'];
export type VerifyAlg = 'RS256' | 'RS384' | 'RS512' | 'ES256';
/** Algorithms the hub signs with (those every SDK version verifies). */
export type SignAlg = 'RS256' | 'ES256';

const HASH: Record<VerifyAlg, string> = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512', ES256: 'sha256' };
const MIN_RSA_BITS = 2048;
/** Spec limits of the two members of FSPIOP-Signature (security.md §1.1). */
const MAX_PROTECTED_HEADER = 32768;
const MAX_SIGNATURE = 512;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface VerifyInput {
  /** The HTTP method of the request as received. */
  method: string;
  /** Request headers, lower-case names (as node/fastify give them). */
  headers: Record<string, string | string[] | undefined>;
  /** The raw body bytes exactly as received. */
  body: Buffer;
  /** The active public keys of the participant named by FSPIOP-Source (one, or two during rotation). */
  keys: readonly KeyObject[];
}

function fail(detail: string): never {
  throw new FspiopError('3105', detail);
}

/**
 * Shortens a value quoted in an error detail (the whole description is limited to 128 chars):
 * beginning and end are kept, as ids differ at the end.
 */
function q(value: string): string {
  return value.length > 32 ? `${value.slice(0, 16)}...${value.slice(-13)}` : value;
}

function header(headers: VerifyInput['headers'], name: string, display: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) fail(`${display} header appears more than once`);
  return value;
}

/** Whether `key` can check a signature of `alg` (RSA ≥ 2048 bits for RS*, P-256 for ES256). */
function keyFits(key: KeyObject, alg: VerifyAlg): boolean {
  if (alg === 'ES256') return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS;
}

function keyTypeName(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return `RSA-${key.asymmetricKeyDetails?.modulusLength ?? '?'}`;
  if (key.asymmetricKeyType === 'ec') return `EC ${key.asymmetricKeyDetails?.namedCurve ?? '?'}`;
  return key.asymmetricKeyType ?? key.type;
}

function parseSignatureHeader(text: string): { protectedHeader: string; signature: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail('FSPIOP-Signature header is malformed: not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('FSPIOP-Signature header is malformed: not a JSON object');
  }
  const members = Object.keys(value);
  const extra = members.find((m) => m !== 'protectedHeader' && m !== 'signature');
  if (extra !== undefined) fail(`FSPIOP-Signature header is malformed: unexpected member ${q(extra)}`);
  const { protectedHeader, signature } = value as Record<string, unknown>;
  if (typeof protectedHeader !== 'string') fail('FSPIOP-Signature header is malformed: protectedHeader must be a string');
  if (typeof signature !== 'string') fail('FSPIOP-Signature header is malformed: signature must be a string');
  if (protectedHeader.length === 0 || protectedHeader.length > MAX_PROTECTED_HEADER || !BASE64URL.test(protectedHeader)) {
    fail('FSPIOP-Signature header is malformed: protectedHeader is not 1..32768 base64url chars');
  }
  if (signature.length === 0 || signature.length > MAX_SIGNATURE || !BASE64URL.test(signature)) {
    fail('FSPIOP-Signature header is malformed: signature is not 1..512 base64url chars');
  }
  return { protectedHeader, signature };
}

function decodeProtectedHeader(b64: string): Record<string, unknown> {
  // A base64url string of length 4n+1 cannot be produced by an encoder.
  if (b64.length % 4 === 1) fail('protected header is not valid base64url');
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(Buffer.from(b64, 'base64url')));
  } catch {
    fail('protected header is not base64url-encoded UTF-8 JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('protected header is not a JSON object');
  return value as Record<string, unknown>;
}

function protectedString(ph: Record<string, unknown>, name: string): string | undefined {
  const value = ph[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(`protected ${name} is not a string`);
  return value;
}

/**
 * Verifies the FSPIOP JWS of an inbound request (security.md §1.5, plus: alg must fit the key type,
 * FSPIOP-HTTP-Method must be the request's method). Throws FspiopError 3105 with a precise detail
 * on any failure; returns nothing when the signature is valid.
 */
export function verifyFspiopSignature(input: VerifyInput): void {
  const { headers } = input;
  const signatureText = header(headers, 'fspiop-signature', 'FSPIOP-Signature');
  if (signatureText === undefined || signatureText === '') fail('FSPIOP-Signature header is missing');
  const { protectedHeader, signature } = parseSignatureHeader(signatureText);

  const source = header(headers, 'fspiop-source', 'FSPIOP-Source');
  if (!source) fail('FSPIOP-Source header is missing');
  const uri = header(headers, 'fspiop-uri', 'FSPIOP-URI');
  if (!uri) fail('FSPIOP-URI header is missing');
  const httpMethod = header(headers, 'fspiop-http-method', 'FSPIOP-HTTP-Method');
  if (!httpMethod) fail('FSPIOP-HTTP-Method header is missing');
  const method = input.method.toUpperCase();
  if (httpMethod !== method) fail(`FSPIOP-HTTP-Method header ${q(httpMethod)} is not the request method ${method}`);
  if (BODY_METHODS.has(method) && input.body.length === 0) fail(`a signed ${method} request must have a body`);

  const ph = decodeProtectedHeader(protectedHeader);
  const alg = ph['alg'];
  if (alg === undefined) fail('protected header has no alg');
  if (typeof alg !== 'string') fail('protected alg is not a string');
  if (alg.toLowerCase() === 'none') fail('alg none is not allowed');
  if (/^HS/i.test(alg)) fail(`alg ${q(alg)} (HMAC) is not allowed`);
  if (!VERIFY_ALGORITHMS.includes(alg)) fail(`alg ${q(alg)} is not supported (RS256, RS384, RS512, ES256)`);
  if (ph['crit'] !== undefined) fail('protected crit is not supported');

  const phUri = protectedString(ph, 'FSPIOP-URI');
  if (phUri === undefined) fail('protected header has no FSPIOP-URI');
  if (phUri !== uri) fail(`FSPIOP-URI header ${q(uri)} does not match protected ${q(phUri)}`);
  const phMethod = protectedString(ph, 'FSPIOP-HTTP-Method');
  if (phMethod === undefined) fail('protected header has no FSPIOP-HTTP-Method');
  if (phMethod !== httpMethod) fail(`FSPIOP-HTTP-Method header ${q(httpMethod)} does not match protected ${q(phMethod)}`);
  const phSource = protectedString(ph, 'FSPIOP-Source');
  if (phSource === undefined) fail('protected header has no FSPIOP-Source');
  if (phSource !== source) fail(`FSPIOP-Source header ${q(source)} does not match protected ${q(phSource)}`);

  const phDate = protectedString(ph, 'Date');
  if (phDate) {
    const date = header(headers, 'date', 'Date');
    if (!date) fail('protected header has Date but the Date header is missing');
    if (date !== phDate) fail(`Date header ${q(date)} does not match protected ${q(phDate)}`);
  }
  // An empty FSPIOP-Destination counts as absent (Mojaloop adds an empty one when forwarding).
  const destination = header(headers, 'fspiop-destination', 'FSPIOP-Destination');
  const phDestination = protectedString(ph, 'FSPIOP-Destination');
  if (destination && !phDestination) fail('FSPIOP-Destination header is not in the protected header');
  if (phDestination && !destination) fail('protected header has FSPIOP-Destination but the header is missing');
  if (destination && destination !== phDestination) {
    fail(`FSPIOP-Destination header ${q(destination)} does not match protected ${q(phDestination!)}`);
  }

  if (input.keys.length === 0) fail(`no public key is registered for ${q(source)}`);
  const sig = Buffer.from(signature, 'base64url');
  if (alg === 'ES256' && sig.length !== 64) fail(`ES256 signature must be 64 bytes (r||s), got ${sig.length}`);
  const data = Buffer.from(`${protectedHeader}.${input.body.toString('base64url')}`, 'latin1');
  const hash = HASH[alg as VerifyAlg];
  let fitting = 0;
  for (const key of input.keys) {
    if (!keyFits(key, alg as VerifyAlg)) continue;
    fitting++;
    const ok = alg === 'ES256' ? cryptoVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig) : cryptoVerify(hash, data, key, sig);
    if (ok) return;
  }
  if (fitting === 0) fail(`alg ${alg} does not fit the ${keyTypeName(input.keys[0]!)} key of ${q(source)}`);
  fail(`signature does not verify with the key${input.keys.length > 1 ? 's' : ''} of ${q(source)}`);
}

// ------------------------------------------------------------------------------------- signing

export interface SignInput {
  /** HTTP method of the message (upper-cased into FSPIOP-HTTP-Method). */
  method: string;
  /** FSPIOP-URI: the path from the resource segment on, query included. */
  uri: string;
  /** FSPIOP-Source (the hub's name for hub-authored messages). */
  source: string;
  /** FSPIOP-Destination; omitted from the protected header when absent or empty. */
  destination?: string;
  /** The exact Date header string the message is sent with. */
  date: string;
  /** The exact body bytes that will be sent (sorted-key compact JSON for hub-authored messages). */
  body: Buffer | string;
  /** The hub's private key. */
  key: KeyObject;
  alg: SignAlg;
}

const checkedSigningKeys = new WeakMap<KeyObject, SignAlg>();

/** The signing algorithm for a private key: RS256 for RSA ≥ 2048 bits, ES256 for EC P-256; throws otherwise. */
export function signingAlgFor(key: KeyObject): SignAlg {
  if (key.type !== 'private') throw new Error('JWS signing needs a private key');
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw new Error(`JWS signing key is RSA-${bits}; at least ${MIN_RSA_BITS} bits are required`);
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve !== 'prime256v1') throw new Error(`JWS signing key is on curve ${curve}; only P-256 (ES256) is supported`);
    return 'ES256';
  }
  throw new Error(`JWS signing key type ${key.asymmetricKeyType} is not supported (RSA or EC P-256)`);
}

function checkSigningKey(key: KeyObject, alg: SignAlg): void {
  if (checkedSigningKeys.get(key) === alg) return;
  const fits = signingAlgFor(key);
  if (fits !== alg) throw new Error(`JWS alg ${alg} does not fit the ${keyTypeName(key)} signing key (use ${fits})`);
  checkedSigningKeys.set(key, alg);
}

/** The protected header (base64url) and the signing input of a message. */
function prepare(input: SignInput): { protectedHeader: string; data: string } {
  const ph: Record<string, string> = {
    alg: input.alg,
    'FSPIOP-URI': input.uri,
    'FSPIOP-HTTP-Method': input.method.toUpperCase(),
    'FSPIOP-Source': input.source,
  };
  if (input.destination) ph['FSPIOP-Destination'] = input.destination;
  if (input.date) ph['Date'] = input.date;
  const protectedHeader = Buffer.from(JSON.stringify(ph), 'utf8').toString('base64url');
  const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
  return { protectedHeader, data: `${protectedHeader}.${body.toString('base64url')}` };
}

function rawSign(alg: SignAlg, key: KeyObject, data: string): string {
  const bytes = Buffer.from(data, 'latin1');
  const sig = alg === 'ES256' ? cryptoSign('sha256', bytes, { key, dsaEncoding: 'ieee-p1363' }) : cryptoSign('sha256', bytes, key);
  return sig.toString('base64url');
}

function headerValue(protectedHeader: string, signature: string): string {
  // Members sorted, as the SDK emits them.
  return JSON.stringify({ protectedHeader, signature });
}

/**
 * Signs a hub-authored message; returns the FSPIOP-Signature header value. The protected header
 * holds, in the SDK's order: alg, FSPIOP-URI, FSPIOP-HTTP-Method, FSPIOP-Source,
 * FSPIOP-Destination (if any), Date. The message must be sent with exactly these header values
 * (FSPIOP-URI, FSPIOP-HTTP-Method too) and exactly these body bytes.
 */
export function signFspiopMessage(input: SignInput): string {
  checkSigningKey(input.key, input.alg);
  const { protectedHeader, data } = prepare(input);
  return headerValue(protectedHeader, rawSign(input.alg, input.key, data));
}

// ------------------------------------------------------------------------------------- pool

const WORKER_MARK = 'mizani-jws-signer';

interface Job {
  id: number;
  keyId: number;
  key?: KeyObject;
  alg: SignAlg;
  data: string;
}

type JobResult = { id: number; signature: string } | { id: number; error: string };

interface Slot {
  worker: Worker;
  pending: Map<number, { protectedHeader: string; resolve: (value: string) => void; reject: (err: Error) => void }>;
  knownKeys: Set<number>;
}

export interface JwsSigningPoolOptions {
  /** Worker threads; 0 signs in the calling thread. Default 1. */
  size?: number;
  /** Jobs in the workers, all together, past which a job is signed in the calling thread (JWS_SIGN_JOBS_MAX). */
  jobsMax?: number;
}

/**
 * Jobs waiting in (or running on) the signing workers, all together, at which the pool signs the next message in the
 * calling thread instead: the workers' queue never holds more, and no message the hub authors (a callback that
 * finishes a payment) is refused or dropped. Signing on the event loop then shows as loop lag, which admission
 * control turns into refusals of new work. At about 1 ms per RS256 signature, 256 jobs are a quarter second.
 */
export const JWS_SIGN_JOBS_MAX = 256;

/**
 * Signs FSPIOP messages off the event loop. Each job goes to the worker with the fewest jobs in
 * flight; a key is sent to a worker once and cached there. Idle workers do not keep the process
 * alive. A worker that dies fails its jobs in flight and is replaced. Size 0: in-thread signing
 * behind the same promise API.
 */
export class JwsSigningPool {
  readonly size: number;
  readonly jobsMax: number;
  /** Messages signed in the calling thread because the workers held `jobsMax` jobs. */
  signedInThread = 0;
  private readonly slots: Slot[] = [];
  private readonly keyIds = new WeakMap<KeyObject, number>();
  private nextKeyId = 1;
  private nextJobId = 1;
  private closed = false;

  constructor(options: JwsSigningPoolOptions = {}) {
    const size = options.size ?? 1;
    if (!Number.isInteger(size) || size < 0 || size > 64) throw new Error(`JWS signing pool size must be an integer 0..64, got ${size}`);
    this.size = size;
    this.jobsMax = options.jobsMax ?? JWS_SIGN_JOBS_MAX;
    if (!Number.isInteger(this.jobsMax) || this.jobsMax < 1) throw new Error(`JWS signing pool jobsMax must be a positive integer, got ${this.jobsMax}`);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(new URL(import.meta.url), { workerData: { [WORKER_MARK]: true } });
    const slot: Slot = { worker, pending: new Map(), knownKeys: new Set() };
    worker.unref();
    worker.on('message', (message: JobResult) => {
      const job = slot.pending.get(message.id);
      if (!job) return;
      slot.pending.delete(message.id);
      if (slot.pending.size === 0) worker.unref();
      if ('error' in message) job.reject(new Error(message.error));
      else job.resolve(headerValue(job.protectedHeader, message.signature));
    });
    const lost = (reason: string) => {
      const index = this.slots.indexOf(slot);
      if (index < 0) return;
      for (const job of slot.pending.values()) job.reject(new Error(`JWS signing worker ${reason}`));
      slot.pending.clear();
      if (this.closed) this.slots.splice(index, 1);
      else this.slots[index] = this.spawn();
    };
    worker.on('error', (err) => lost(`failed: ${err.message}`));
    worker.on('exit', (code) => lost(`exited with code ${code}`));
    return slot;
  }

  /** Signs like `signFspiopMessage`, in a worker thread. */
  sign(input: SignInput): Promise<string> {
    if (this.closed) return Promise.reject(new Error('JWS signing pool is closed'));
    const full = this.slots.length > 0 && this.pending >= this.jobsMax;
    if (full) this.signedInThread++;
    if (this.slots.length === 0 || full) {
      try {
        return Promise.resolve(signFspiopMessage(input));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    let protectedHeader: string;
    let data: string;
    try {
      checkSigningKey(input.key, input.alg);
      ({ protectedHeader, data } = prepare(input));
    } catch (err) {
      return Promise.reject(err);
    }
    let keyId = this.keyIds.get(input.key);
    if (keyId === undefined) {
      keyId = this.nextKeyId++;
      this.keyIds.set(input.key, keyId);
    }
    let slot = this.slots[0]!;
    for (const candidate of this.slots) if (candidate.pending.size < slot.pending.size) slot = candidate;
    const job: Job = { id: this.nextJobId++, keyId, alg: input.alg, data };
    if (!slot.knownKeys.has(keyId)) {
      job.key = input.key;
      slot.knownKeys.add(keyId);
    }
    return new Promise<string>((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(job.id, { protectedHeader, resolve, reject });
      slot.worker.postMessage(job);
    });
  }

  /** Jobs in flight, all workers together. */
  get pending(): number {
    return this.slots.reduce((n, s) => n + s.pending.size, 0);
  }

  /** Stops the workers; jobs still in flight are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.slots].map((slot) => slot.worker.terminate()));
  }
}

function runWorker(): void {
  const keys = new Map<number, KeyObject>();
  parentPort!.on('message', (job: Job) => {
    try {
      if (job.key) keys.set(job.keyId, job.key);
      const key = keys.get(job.keyId);
      if (!key) throw new Error(`JWS signing worker does not hold key ${job.keyId}`);
      parentPort!.postMessage({ id: job.id, signature: rawSign(job.alg, key, job.data) } satisfies JobResult);
    } catch (err) {
      parentPort!.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) } satisfies JobResult);
    }
  });
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_MARK] === true) runWorker();
