/**
 * Interoperability test, secured: the REAL Mizani hub in the production profile (FSPIOP API over
 * HTTPS with client certificates, JWS verification of every inbound message with a body, hub-authored
 * messages signed) driven by two unmodified Mojaloop SDK scheme adapters 18.0.2 with mutual TLS both
 * ways and JWS signing and validation switched on (docs/interop.md, "Secured: JWS and mTLS").
 *
 * (a) scheme PKI made with the hub's CLI in a temp folder (`pki init --key rsa2048`, `pki issue` for
 *     the hub and both DFSPs; MIZANI_INTEROP_PKI_KEY=ec|rsa4096 to try other keys); RSA 2048 JWS key
 *     pairs for both DFSPs and the hub (18.0.2 signs and verifies RS256 only);
 * (b) each adapter gets its own private redis-server (pub/sub channels are server-wide);
 * (c) hub: MIZANI_PROFILE=production, MIZANI_TLS_CERT/KEY/CA/CRL, MIZANI_JWS_SIGNING_KEY; the Admin API
 *     stays plain HTTP; callback endpoints are the adapters' https inbound URLs; each DFSP's JWS public
 *     key is registered with POST /participants/{name}/jwsKeys;
 * (d) adapters: OUTBOUND_MUTUAL_TLS_ENABLED (their client certificate, scheme CA), INBOUND_MUTUAL_TLS_ENABLED
 *     (their participant certificate, the hub's client certificate required), JWS_SIGN with their own key,
 *     VALIDATE_INBOUND_JWS and VALIDATE_INBOUND_PUT_PARTIES_JWS with a key folder holding the other DFSP's
 *     key and the hub's (`Hub.pem`);
 * (e) the flows of sdk-adapter-hub.test.ts (registration through POST /accounts, P2P transfers incl.
 *     decimal amounts, COMMITTED on both adapters, exact positions, GET /transfers, unknown MSISDN,
 *     quote refused by the payee, NDC exceeded) plus: the hub refuses a bad transport and bad signatures
 *     (3100 / 3105), every signature the adapters received verifies with its author's key (forwarded
 *     messages with the originating DFSP's key, hub-authored ones with the hub's), and the adapters
 *     validated every non-GET message they got and refused none.
 * Set MIZANI_SKIP_INTEROP=1 to skip; MIZANI_INTEROP_DUMP=<file> writes the outbound calls, the hub's log
 * and the adapters' environments as JSON; MIZANI_INTEROP_KEEP=1 keeps the temp folder (PKI and keys).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import pg from 'pg';
import {
  installSdkAdapter,
  redisGet,
  startPrivateRedis,
  startSdkAdapter,
  type InstallResult,
  type PrivateRedis,
  type SdkAdapter,
  type SdkAdapterOptions,
  callOutbound,
  type OutboundResult,
} from '../support/sdk-adapter.js';
import { startCoreBankingSim, type CoreBankingSim, type InternalQuoteRequest } from '../support/sdk-adapter-core-banking-sim.js';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { AdminClient, endpointsFor, provision } from '../../conformance/lib/admin.js';
import { addDecimal, negateDecimal, normalizeDecimal } from '../../conformance/lib/decimal.js';
import { conditionOf } from './ilp-v1.js';
import { eventually } from '../support/sdk-adapter-r2p-bulk.js';
import {
  checkReceivedSignature,
  createJwsKeyPair,
  initSchemePki,
  issueParticipantCertificate,
  signFspiop,
  writeVerificationKeys,
  type JwsKeyPair,
  type PkiKeyType,
  type SchemePki,
  type TlsIdentity,
} from './secure-scheme.js';

const suffix = randomBytes(3).toString('hex');
const PAYER = `payerfsp${suffix}`;
const PAYEE = `payeefsp${suffix}`;
const HUB_NAME = 'Hub';
const CURRENCY = 'USD';
const msisdn = () => `2556${String(randomBytes(4).readUInt32BE() % 100_000_000).padStart(8, '0')}`;
const PAYER_MSISDN = msisdn();
const PAYEE_MSISDN = msisdn();
const UNKNOWN_MSISDN = msisdn();
const PAYER_NDC = '1000';
const QUOTE_REJECTED_AMOUNT = '13.13';
const NDC_EXCEEDING_AMOUNT = '5000';
const AMOUNTS = ['12.34', '100', '0.29', '7.5'];
const PKI_KEY = (process.env.MIZANI_INTEROP_PKI_KEY ?? 'rsa2048') as PkiKeyType;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ct = (resource: string, v = '1.0') => `application/vnd.interoperability.${resource}+json;version=${v}`;

const skip = process.env.MIZANI_SKIP_INTEROP === '1' ? 'MIZANI_SKIP_INTEROP=1' : false;

interface DirectResult {
  status?: number;
  body?: any;
  error?: string;
  /** negotiated protocol and cipher suite */
  tls?: string;
}

describe('Mizani hub (production profile: mTLS + JWS) with the Mojaloop SDK scheme adapter 18.0.2 as payer and payee', { skip, timeout: 50 * 60_000 }, () => {
  let install: InstallResult;
  let work: string;
  let pki: SchemePki;
  const jws: Record<string, JwsKeyPair> = {};
  let payerRedis: PrivateRedis | undefined;
  let payeeRedis: PrivateRedis | undefined;
  let database: TestDatabase;
  let hub: HubProcess;
  let admin: AdminClient;
  let db: pg.Client;
  let payerSim: CoreBankingSim;
  let payeeSim: CoreBankingSim;
  let payer: SdkAdapter;
  let payee: SdkAdapter;
  const timings: Record<string, number> = {};
  const completed: Array<{ transferId: string; quoteId: string; amount: string }> = [];
  const outboundLog: unknown[] = [];
  /** how many signatures the test checked itself, by author */
  const checked: Record<string, number> = {};

  before(
    async () => {
      let t = Date.now();
      install = await installSdkAdapter();
      timings.install = Date.now() - t;

      t = Date.now();
      work = mkdtempSync(join(tmpdir(), 'mizani-secure-interop-'));
      const [scheme, payerKey, payeeKey, hubKey, r1, r2, dbase] = await Promise.all([
        initSchemePki(join(work, 'pki'), { hubName: HUB_NAME, keyType: PKI_KEY }),
        createJwsKeyPair(join(work, 'jws'), PAYER),
        createJwsKeyPair(join(work, 'jws'), PAYEE),
        createJwsKeyPair(join(work, 'jws'), HUB_NAME),
        startPrivateRedis(),
        startPrivateRedis(),
        createTestDatabase('mizani_interop_secure'),
      ]);
      pki = scheme;
      Object.assign(jws, { [PAYER]: payerKey, [PAYEE]: payeeKey, [HUB_NAME]: hubKey });
      payerRedis = r1;
      payeeRedis = r2;
      database = dbase;
      timings.pki = Date.now() - t;

      // the hub starts while the DFSPs' certificates are issued
      t = Date.now();
      const issued = (async () => {
        await issueParticipantCertificate(pki, PAYER);
        await issueParticipantCertificate(pki, PAYEE);
      })();
      issued.catch(() => undefined);
      hub = await startHubProcess({
        MIZANI_DATABASE_URL: database.url,
        MIZANI_EXPIRY_SWEEP_MS: '500',
        MIZANI_PROFILE: 'production',
        MIZANI_TLS_CERT: pki.hub.cert,
        MIZANI_TLS_KEY: pki.hub.key,
        MIZANI_TLS_CA: pki.ca,
        MIZANI_TLS_CRL: pki.crl,
        MIZANI_JWS_SIGNING_KEY: hubKey.privateKeyPath,
        MIZANI_XML_SIGNING_CERT: pki.hubXml.cert,
        MIZANI_XML_SIGNING_KEY: pki.hubXml.key,
      });
      db = new pg.Client({ connectionString: database.url });
      await db.connect();
      admin = new AdminClient(hub.adminUrl, { token: hub.adminToken });
      await issued;
      timings.hub = Date.now() - t;

      t = Date.now();
      payerSim = await startCoreBankingSim({ parties: { [PAYER_MSISDN]: 'Baraka Mushi' } });
      payeeSim = await startCoreBankingSim({
        parties: { [PAYEE_MSISDN]: 'Amina Juma' },
        quote: (q: InternalQuoteRequest) =>
          q.amount === QUOTE_REJECTED_AMOUNT
            ? { httpStatus: 400, statusCode: '5101', message: 'Payee rejected quote' }
            : {
                quoteId: q.quoteId,
                transactionId: q.transactionId,
                transferAmount: q.amount,
                transferAmountCurrency: q.currency,
                payeeReceiveAmount: q.amount,
                payeeReceiveAmountCurrency: q.currency,
              },
        transfer: () => ({ homeTransactionId: `home-${randomUUID()}` }),
      });
      const secured = (name: string, other: string): Partial<SdkAdapterOptions> => {
        const id = pki.participants[name]!;
        return {
          outboundTls: { enabled: true, caPaths: [pki.ca], certPath: id.cert, keyPath: id.key },
          inboundTls: { enabled: true, caPaths: [pki.ca], certPath: id.cert, keyPath: id.key },
          jwsSign: true,
          jwsSignPutParties: true,
          jwsSigningKey: jws[name]!.privateKeyPath,
          validateInboundJws: true,
          validateInboundPutPartiesJws: true,
          jwsVerificationKeysDirectory: writeVerificationKeys(join(work, `keys-${name}`), [jws[other]!, hubKey]),
        };
      };
      const common = { peerEndpoint: hub.fspiopUrl, alsEndpoint: hub.fspiopUrl, entry: install.entry, requestTimeoutSeconds: 20, startTimeoutMs: 60_000 };
      const started = await Promise.allSettled([
        startSdkAdapter({ ...common, ...secured(PAYER, PAYEE), dfspId: PAYER, backendEndpoint: payerSim.url, redis: { host: r1.host, port: r1.port, db: 5 } }),
        startSdkAdapter({ ...common, ...secured(PAYEE, PAYER), dfspId: PAYEE, backendEndpoint: payeeSim.url, redis: { host: r2.host, port: r2.port, db: 6 } }),
      ]);
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
        throw failed.reason;
      }
      [payer, payee] = started.map((r) => (r as PromiseFulfilledResult<SdkAdapter>).value) as [SdkAdapter, SdkAdapter];
      timings.adapters = Date.now() - t;

      t = Date.now();
      await provision(
        admin,
        [
          { name: PAYER, currency: CURRENCY, ndc: PAYER_NDC, fundsIn: '100000', callbackBase: payer.inboundUrl },
          { name: PAYEE, currency: CURRENCY, ndc: '100000', fundsIn: '100000', callbackBase: payee.inboundUrl },
        ],
        { hubName: HUB_NAME, timeoutMs: 20_000 },
      );
      for (const name of [PAYER, PAYEE]) {
        const r = await admin.call('POST', `/participants/${name}/jwsKeys`, { publicKey: jws[name]!.publicKeyPem });
        assert.equal(r.status, 201, `POST /participants/${name}/jwsKeys: ${r.status} ${r.rawBody}`);
      }
      timings.provision = Date.now() - t;
    },
    { timeout: 50 * 60_000 },
  );

  after(async () => {
    if (process.env.MIZANI_INTEROP_DUMP) {
      writeFileSync(
        process.env.MIZANI_INTEROP_DUMP,
        JSON.stringify(
          {
            outbound: outboundLog,
            backend: { payer: payerSim?.requests, payee: payeeSim?.requests },
            hub: hub?.logs,
            env: { payer: payer?.env, payee: payee?.env },
            pki: pki?.transcript,
          },
          null,
          2,
        ),
      );
    }
    await Promise.allSettled([payer?.stop(), payee?.stop()]);
    await Promise.allSettled([payerSim?.stop(), payeeSim?.stop(), hub?.stop()]);
    await db?.end().catch(() => undefined);
    await database?.drop();
    await Promise.allSettled([payerRedis?.stop(), payeeRedis?.stop()]);
    if (work && process.env.MIZANI_INTEROP_KEEP !== '1') rmSync(work, { recursive: true, force: true });
  });

  const explain = () =>
    `\n--- ${PAYER} log tail ---\n${payer?.tail(12)}\n--- ${PAYEE} log tail ---\n${payee?.tail(12)}\n--- hub log tail ---\n${hub?.logs.slice(-12).join('\n')}`;

  async function outbound(adapter: SdkAdapter, method: 'GET' | 'POST', path: string, body?: unknown): Promise<OutboundResult> {
    const result = await callOutbound(adapter, method, path, body);
    outboundLog.push({ adapter: adapter.dfspId, method, path, request: body, ...result });
    return result;
  }

  const sendMoney = (toMsisdn: string, amount: string, note?: string) =>
    outbound(payer, 'POST', '/transfers', {
      homeTransactionId: `payer-home-${randomUUID()}`,
      from: { idType: 'MSISDN', idValue: PAYER_MSISDN, displayName: 'Baraka Mushi', firstName: 'Baraka', lastName: 'Mushi' },
      to: { idType: 'MSISDN', idValue: toMsisdn },
      amountType: 'SEND',
      currency: CURRENCY,
      amount,
      transactionType: 'TRANSFER',
      ...(note ? { note } : {}),
    });

  async function position(name: string): Promise<string> {
    const r = await admin.call('GET', `/participants/${encodeURIComponent(name)}/positions?currency=${CURRENCY}`);
    assert.equal(r.status, 200, `GET /participants/${name}/positions: ${r.status} ${r.rawBody}`);
    const m = /"value"\s*:\s*("?)(-?\d+(?:\.\d+)?)\1\s*[,}]/.exec(r.rawBody);
    assert.ok(m, `no decimal value in ${r.rawBody}`);
    return normalizeDecimal(m[2]!);
  }

  const positions = async () => ({ payer: await position(PAYER), payee: await position(PAYEE) });

  async function storedRecord(server: PrivateRedis, dbIndex: number, key: string, done: (r: Record<string, any>) => boolean): Promise<Record<string, any>> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const text = await redisGet(server, dbIndex, key);
      const record = text === null ? undefined : (JSON.parse(text) as Record<string, any>);
      if (record && done(record)) return record;
      if (Date.now() > deadline)
        assert.fail(`${key} in redis ${server.port}/${dbIndex}: ${text === null ? 'absent' : `currentState ${record?.currentState}`}${explain()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  function assertOutboundError(result: OutboundResult, code: string, what: string) {
    const text = JSON.stringify(result.body);
    assert.equal(result.status, 500, `${what}: outbound answered ${result.status} ${text}${explain()}`);
    assert.equal(result.body.statusCode, code, `${what}: statusCode ${text}${explain()}`);
    const state = result.body.transferState as Record<string, any> | undefined;
    assert.equal(state?.currentState, 'ERROR_OCCURRED', `${what}: ${text}`);
    assert.equal(state?.lastError?.mojaloopError?.errorInformation?.errorCode, code, `${what}: ${text}`);
  }

  /**
   * A message a party received carries the signature of `author`: the protected header names the
   * author (and `destination`), and the signature verifies with the author's public key.
   */
  function assertSignedBy(what: string, headers: Record<string, any> | undefined, body: unknown, author: string, destination: string) {
    assert.ok(headers?.['fspiop-signature'], `${what}: no FSPIOP-Signature in ${JSON.stringify(headers)}`);
    const { protectedHeader, valid } = checkReceivedSignature(headers, body, jws[author]!.publicKey);
    assert.equal(protectedHeader['FSPIOP-Source'], author, `${what}: protected header ${JSON.stringify(protectedHeader)}`);
    assert.equal(protectedHeader['FSPIOP-Destination'], destination, `${what}: protected header ${JSON.stringify(protectedHeader)}`);
    assert.equal(headers['fspiop-source'], author, `${what}: FSPIOP-Source header`);
    assert.equal(protectedHeader['FSPIOP-URI'], headers['fspiop-uri'], `${what}: FSPIOP-URI`);
    assert.equal(protectedHeader['Date'], headers['date'], `${what}: Date`);
    assert.ok(valid, `${what}: the signature does not verify with ${author}'s key (${JSON.stringify(protectedHeader)})`);
    checked[author] = (checked[author] ?? 0) + 1;
  }

  /**
   * An HTTP request over TLS (or plain HTTP with `plain`) that trusts the scheme CA and presents
   * `identity` as client certificate when given; resolves with the answer, the negotiated TLS
   * protocol and cipher, or the connection error.
   */
  function tlsCall(options: {
    url: string;
    method: string;
    headers?: Record<string, string>;
    body?: string;
    identity?: TlsIdentity;
    plain?: boolean;
  }): Promise<DirectResult> {
    const url = new URL(options.plain ? options.url.replace(/^https:/, 'http:') : options.url);
    return new Promise((resolve) => {
      const common = { method: options.method, headers: options.headers ?? {}, agent: false as const, timeout: 10_000 };
      const req = options.plain
        ? httpRequest(url, common)
        : httpsRequest(url, {
            ...common,
            ca: readFileSync(pki.ca),
            ...(options.identity ? { cert: readFileSync(options.identity.cert), key: readFileSync(options.identity.key) } : {}),
          });
      req.on('response', (res) => {
        const socket = res.socket as TLSSocket;
        const tls = typeof socket.getProtocol === 'function' ? `${socket.getProtocol()} ${socket.getCipher()?.standardName}` : undefined;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode, body, tls });
        });
        res.on('error', (err) => resolve({ status: res.statusCode, error: err.message, tls }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => resolve({ error: `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`.trim() }));
      req.end(options.body);
    });
  }

  /** A request straight to the hub's FSPIOP API with a DFSP's client certificate. */
  const direct = (options: { method: string; path: string; headers: Record<string, string>; body?: string; identity?: string; plain?: boolean }) =>
    tlsCall({
      url: `${hub.fspiopUrl}${options.path}`,
      method: options.method,
      headers: options.headers,
      body: options.body,
      identity: options.identity ? pki.participants[options.identity] : undefined,
      plain: options.plain,
    });

  /** A POST /quotes from the payer to the payee, as the adapter would send it (not signed). */
  function quoteRequest() {
    const quoteId = randomUUID();
    const body = JSON.stringify({
      quoteId,
      transactionId: randomUUID(),
      amountType: 'SEND',
      amount: { currency: CURRENCY, amount: '1' },
      expiration: new Date(Date.now() + 60_000).toISOString(),
      payer: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: PAYER_MSISDN, fspId: PAYER } },
      payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: PAYEE_MSISDN, fspId: PAYEE } },
      transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
    });
    const headers: Record<string, string> = {
      'content-type': ct('quotes'),
      accept: 'application/vnd.interoperability.quotes+json;version=1',
      date: new Date().toUTCString(),
      'fspiop-source': PAYER,
      'fspiop-destination': PAYEE,
      'fspiop-uri': '/quotes',
      'fspiop-http-method': 'POST',
    };
    return { quoteId, body, headers };
  }

  interface Validation {
    method: string;
    url: string;
    source: string;
    headers: Record<string, any>;
    body: unknown;
  }

  /**
   * The adapters' log lines of JWS validation (18.0.2 logs "Validating JWS" with the request's
   * method, url, headers and parsed body before it checks, and "Inbound request failed JWS
   * validation" when it refuses one).
   */
  function jwsLog(adapter: SdkAdapter): { validated: Validation[]; refused: string[] } {
    const validated: Validation[] = [];
    const refused: string[] = [];
    for (const line of adapter.logs) {
      if (line.includes('failed JWS validation')) refused.push(line.slice(0, 2000));
      if (!line.includes('"msg":"Validating JWS"')) continue;
      const entry = JSON.parse(line) as { ctx?: { request?: { method: string; url: string; header: Record<string, any> }; body?: unknown } };
      const req = entry.ctx?.request;
      assert.ok(req, `unexpected log line: ${line.slice(0, 500)}`);
      validated.push({ method: req.method, url: req.url, source: req.header['fspiop-source'], headers: req.header, body: entry.ctx?.body });
    }
    return { validated, refused };
  }

  test('the hub runs the production profile: HTTPS with client certificates, JWS verification, signed hub messages', async (t) => {
    t.diagnostic(
      `install ${install.cached ? 'cached' : 'fresh'} ${timings.install} ms; scheme CA + hub certificate (${PKI_KEY}), JWS keys, 2 redis, database ${timings.pki} ms; ` +
        `hub + DFSP certificates ${timings.hub} ms; sims + two adapters ${timings.adapters} ms; provisioning + JWS keys ${timings.provision} ms`,
    );
    assert.match(hub.fspiopUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(hub.adminUrl, /^http:\/\//, 'the Admin API stays plain HTTP');
    const logText = hub.logs.join('\n');
    assert.match(logText, /mTLS is ON/, 'hub log: mTLS');
    assert.match(logText, /"alg":"RS256"[^\n]*the hub signs the messages it authors/, 'hub log: hub signing with RS256');
    assert.doesNotMatch(logText, /JWS verification is OFF/);
    for (const [adapter, name] of [
      [payer, PAYER],
      [payee, PAYEE],
    ] as const) {
      assert.match(adapter.inboundUrl, /^https:/);
      assert.equal(adapter.env.OUTBOUND_MUTUAL_TLS_ENABLED, 'true');
      assert.equal(adapter.env.INBOUND_MUTUAL_TLS_ENABLED, 'true');
      assert.equal(adapter.env.JWS_SIGN, 'true');
      assert.equal(adapter.env.VALIDATE_INBOUND_JWS, 'true');
      const registered = await admin.call('GET', `/participants/${name}/endpoints`);
      assert.equal(registered.status, 200, registered.rawBody);
      for (const e of endpointsFor(adapter.inboundUrl)) {
        assert.ok(
          (registered.body as Array<{ type: string; value: string }>).some((x) => x.type === e.type && x.value === e.value),
          `${name} endpoint ${e.type} missing: ${registered.rawBody}`,
        );
      }
      const keys = await admin.call('GET', `/participants/${name}/jwsKeys`);
      assert.equal(keys.status, 200, keys.rawBody);
      assert.equal((keys.body as any[]).length, 1, keys.rawBody);
      assert.equal((keys.body as any[])[0].alg, 'RS256');
      assert.equal((keys.body as any[])[0].publicKey.trim(), jws[name]!.publicKeyPem.trim());
      assert.equal(await position(name), '0');
    }
    // the Admin API refuses plain-HTTP callback endpoints while mTLS is on
    const plainEndpoint = await admin.call('POST', `/participants/${PAYER}/endpoints`, { type: 'FSPIOP_CALLBACK_URL_QUOTES', value: 'http://127.0.0.1:1/x' });
    assert.ok(plainEndpoint.status >= 400, `http:// callback endpoint accepted: ${plainEndpoint.status} ${plainEndpoint.rawBody}`);
  });

  test('the hub refuses a bad transport: plain HTTP, no client certificate, a certificate of another DFSP (3100)', async (t) => {
    const { body, headers } = quoteRequest();
    const plain = await direct({ method: 'POST', path: '/quotes', headers, body, plain: true });
    t.diagnostic(`plain HTTP to the FSPIOP port: ${JSON.stringify(plain)}`);
    assert.ok(plain.error || (plain.status ?? 0) >= 400, `plain HTTP: ${JSON.stringify(plain)}`);
    const anonymous = await direct({ method: 'POST', path: '/quotes', headers, body });
    t.diagnostic(`TLS without a client certificate: ${JSON.stringify(anonymous)}`);
    assert.ok(anonymous.error, `TLS without a client certificate got an HTTP answer: ${JSON.stringify(anonymous)}`);
    // the payee's certificate speaking as the payer
    const impostor = await direct({ method: 'POST', path: '/quotes', headers, body, identity: PAYEE });
    t.diagnostic(`the payee's certificate with FSPIOP-Source ${PAYER}: ${JSON.stringify(impostor)}`);
    assert.equal(impostor.status, 400, JSON.stringify(impostor));
    assert.equal(impostor.body?.errorInformation?.errorCode, '3100', JSON.stringify(impostor.body));
    assert.match(impostor.body?.errorInformation?.errorDescription ?? '', /certificate/i);
  });

  test("the adapters' inbound servers present their participant certificates and demand a client certificate", async (t) => {
    for (const adapter of [payer, payee]) {
      // no client certificate: the adapter's https server (requestCert + rejectUnauthorized) refuses
      const anonymous = await tlsCall({ url: `${adapter.inboundUrl}/`, method: 'GET' });
      assert.ok(anonymous.error, `${adapter.dfspId} inbound without a client certificate: ${JSON.stringify(anonymous)}`);
      // the hub's certificate: TLS accepted (the inbound GET / itself is a 404), and the server
      // certificate verified against the scheme CA and 127.0.0.1
      const asHub = await tlsCall({ url: `${adapter.inboundUrl}/`, method: 'GET', identity: pki.hub });
      t.diagnostic(`${adapter.dfspId} inbound with the hub's certificate: ${asHub.status ?? asHub.error} (${asHub.tls})`);
      assert.equal(asHub.status, 404, `${adapter.dfspId} inbound with the hub's certificate: ${JSON.stringify(asHub)}`);
    }
  });

  test("the hub verifies signatures: unsigned, tampered or foreign-key POST /quotes from the payer's certificate → 400/3105", async (t) => {
    const before = await db.query('SELECT count(*)::int AS n FROM quote');
    const cases: Array<[string, (q: ReturnType<typeof quoteRequest>) => { headers: Record<string, string>; body: string }]> = [
      ['unsigned', (q) => q],
      [
        'body changed after signing',
        (q) => {
          const signature = signFspiop({
            key: jws[PAYER]!.privateKey,
            method: 'POST',
            uri: '/quotes',
            source: PAYER,
            destination: PAYEE,
            date: q.headers.date!,
            body: q.body,
          });
          return { headers: { ...q.headers, 'fspiop-signature': signature }, body: q.body.replace('"amount":"1"', '"amount":"2"') };
        },
      ],
      [
        'signed with a key the hub does not know',
        (q) => {
          const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
          const signature = signFspiop({
            key: privateKey,
            method: 'POST',
            uri: '/quotes',
            source: PAYER,
            destination: PAYEE,
            date: q.headers.date!,
            body: q.body,
          });
          return { headers: { ...q.headers, 'fspiop-signature': signature }, body: q.body };
        },
      ],
      [
        'protected header for another destination',
        (q) => {
          const signature = signFspiop({
            key: jws[PAYER]!.privateKey,
            method: 'POST',
            uri: '/quotes',
            source: PAYER,
            destination: PAYER,
            date: q.headers.date!,
            body: q.body,
          });
          return { headers: { ...q.headers, 'fspiop-signature': signature }, body: q.body };
        },
      ],
    ];
    for (const [what, make] of cases) {
      const { headers, body } = make(quoteRequest());
      const r = await direct({ method: 'POST', path: '/quotes', headers, body, identity: PAYER });
      t.diagnostic(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.status, 400, `${what}: ${JSON.stringify(r)}`);
      assert.equal(r.body?.errorInformation?.errorCode, '3105', `${what}: ${JSON.stringify(r.body)}`);
    }
    const now = await db.query('SELECT count(*)::int AS n FROM quote');
    assert.equal(now.rows[0].n, before.rows[0].n, 'no refused quote reached the hub state');
    assert.equal(payeeSim.requests.filter((r) => r.path === '/quoterequests').length, 0, 'the payee was never asked');
  });

  test('the payee registers its MSISDN through its own outbound POST /accounts (signed POST /participants, signed hub answer)', async () => {
    const result = await outbound(payee, 'POST', '/accounts', [{ idType: 'MSISDN', idValue: PAYEE_MSISDN, currency: CURRENCY }]);
    assert.equal(result.status, 200, `POST /accounts: ${JSON.stringify(result.body)}${explain()}`);
    assert.equal(result.body.currentState, 'COMPLETED', JSON.stringify(result.body));
    assert.deepEqual(result.body.response, [{ idType: 'MSISDN', idValue: PAYEE_MSISDN }], `no error for the account: ${JSON.stringify(result.body)}`);
    const rows = await db.query(
      'SELECT party_id_type, party_identifier, party_sub_id_or_type, currency, fsp_id FROM oracle_party WHERE party_identifier = $1',
      [PAYEE_MSISDN],
    );
    assert.deepEqual(rows.rows, [{ party_id_type: 'MSISDN', party_identifier: PAYEE_MSISDN, party_sub_id_or_type: '', currency: CURRENCY, fsp_id: PAYEE }]);
    // the hub's PUT /participants/{requestId} was validated by the payee with the hub's key
    const validated = jwsLog(payee).validated.filter((v) => v.method === 'PUT' && v.url?.startsWith('/participants/'));
    assert.ok(
      validated.some((v) => v.source === HUB_NAME),
      `the payee validated no signed PUT /participants from ${HUB_NAME}: ${JSON.stringify(jwsLog(payee).validated)}`,
    );
  });

  test('another DFSP registering the same MSISDN gets 3003 back in a signed hub message', async () => {
    const result = await outbound(payer, 'POST', '/accounts', [{ idType: 'MSISDN', idValue: PAYEE_MSISDN, currency: CURRENCY }]);
    assert.equal(result.status, 200, `POST /accounts: ${JSON.stringify(result.body)}${explain()}`);
    const [account] = result.body.response as Array<{ idValue: string; error?: { statusCode: string } }>;
    assert.equal(account?.error?.statusCode, '3003', JSON.stringify(result.body));
    // the hub's PUT /participants/{requestId} (the 3003 is in partyList[].errorInformation), validated with the hub's key
    const validated = jwsLog(payer).validated.filter((v) => v.method === 'PUT' && v.url.startsWith('/participants/'));
    assert.deepEqual(
      validated.map((v) => v.source),
      [HUB_NAME],
      JSON.stringify(jwsLog(payer).validated.map((v) => [v.method, v.url, v.source])),
    );
    const rows = await db.query('SELECT fsp_id FROM oracle_party WHERE party_identifier = $1', [PAYEE_MSISDN]);
    assert.deepEqual(rows.rows, [{ fsp_id: PAYEE }], 'the registration is unchanged');
  });

  test('P2P transfers through the payer adapter complete, with every signature verifiable by its author', async (t) => {
    const before = await positions();
    let sum = '0';
    for (const amount of AMOUNTS) {
      const result = await sendMoney(PAYEE_MSISDN, amount, `secure interop ${amount}`);
      const out = result.body;
      assert.equal(result.status, 200, `POST /transfers ${amount}: ${JSON.stringify(out)}${explain()}`);
      assert.equal(out.currentState, 'COMPLETED', JSON.stringify(out));
      assert.match(out.transferId, UUID);
      const transferId = out.transferId as string;
      t.diagnostic(`${amount} ${CURRENCY}: outbound POST /transfers answered ${result.status} in ${result.ms} ms`);

      // what reached the payer, forwarded by the hub: the payee's own signatures
      const lookup = out.getPartiesResponse;
      assert.equal(lookup?.body?.party?.partyIdInfo?.fspId, PAYEE, JSON.stringify(lookup));
      assertSignedBy(`PUT /parties to the payer (${amount})`, lookup?.headers, lookup?.body, PAYEE, PAYER);
      const quote = out.quoteResponse;
      assert.deepEqual(quote?.body?.transferAmount, { amount, currency: CURRENCY });
      assertSignedBy(`PUT /quotes to the payer (${amount})`, quote?.headers, quote?.body, PAYEE, PAYER);
      const fulfil = out.fulfil;
      assert.equal(fulfil?.body?.transferState, 'COMMITTED', JSON.stringify(fulfil));
      assert.equal(conditionOf(fulfil.body.fulfilment), quote.body.condition, 'the fulfilment matches the quote condition');
      assert.equal(fulfil.headers?.['content-type'], ct('transfers'));
      assertSignedBy(`PUT /transfers to the payer (${amount})`, fulfil?.headers, fulfil?.body, PAYEE, PAYER);

      const notice = await payeeSim.waitFor((r) => r.method === 'POST' && r.path === '/transfers' && (r.body as any)?.transferId === transferId, 10_000);
      assert.equal((notice.body as any).amount, amount);

      const outRecord = await storedRecord(payerRedis!, 5, `transferModel_out_${transferId}`, (r) => r.currentState === 'succeeded');
      assert.equal(outRecord.fulfil?.body?.transferState, 'COMMITTED', JSON.stringify(outRecord.fulfil));
      const inRecord = await storedRecord(payeeRedis!, 6, `transferModel_in_${transferId}`, (r) => r.currentState === 'COMPLETED');
      const sent = typeof inRecord.fulfil?.body === 'string' ? JSON.parse(inRecord.fulfil.body) : inRecord.fulfil?.body;
      assert.equal(sent?.transferState, 'COMMITTED', JSON.stringify(inRecord.fulfil));
      assert.equal(sent?.fulfilment, fulfil.body.fulfilment);
      // what reached the payee, forwarded by the hub: the payer's own signatures
      assertSignedBy(`POST /quotes to the payee (${amount})`, inRecord.quoteRequest?.headers, inRecord.quoteRequest?.body, PAYER, PAYEE);
      assertSignedBy(`POST /transfers to the payee (${amount})`, inRecord.prepare?.headers, inRecord.prepare?.body, PAYER, PAYEE);

      completed.push({ transferId, quoteId: out.quoteId as string, amount });
      sum = addDecimal(sum, amount);
    }
    assert.equal(sum, '120.13');

    const rows = await db.query('SELECT id, state, amount::text AS amount, payer, payee, fulfilment FROM transfer WHERE id = ANY($1::text[])', [
      completed.map((c) => c.transferId),
    ]);
    for (const c of completed) {
      const row = rows.rows.find((r: any) => r.id === c.transferId);
      assert.equal(row?.state, 'COMMITTED', `the hub's transfer ${c.transferId}: ${JSON.stringify(row)}`);
      assert.deepEqual([normalizeDecimal(row.amount), row.payer, row.payee], [c.amount, PAYER, PAYEE]);
      assert.ok(row.fulfilment);
    }
    const now = await positions();
    assert.equal(now.payer, addDecimal(before.payer, sum), `payer position ${JSON.stringify({ before, now })}`);
    assert.equal(now.payee, addDecimal(before.payee, negateDecimal(sum)), `payee position ${JSON.stringify({ before, now })}`);

    // the hub's commit confirmations (PUT /transfers/{ID} from Hub to the payee) were validated and accepted; each is
    // sent after the commit, beside the payer's PUT, so the last one may still be on its way when the payer has its own
    const confirmedToPayee = () =>
      jwsLog(payee).validated.filter((v) => v.method === 'PUT' && v.source === HUB_NAME && completed.some((c) => v.url === `/transfers/${c.transferId}`));
    await eventually(() => (confirmedToPayee().length >= completed.length ? true : undefined), 5_000);
    const confirmations = confirmedToPayee();
    assert.equal(confirmations.length, completed.length, `hub confirmations validated by the payee: ${JSON.stringify(jwsLog(payee).validated)}`);
    const failedDeliveries = hub.logs.filter((l) => l.includes('callback delivery failed'));
    assert.deepEqual(failedDeliveries, [], 'every callback of the hub was accepted');
  });

  test("the payer adapter's outbound GET /transfers/{ID} gets the hub's signed COMMITTED record", async () => {
    assert.ok(completed.length > 0, 'run after the P2P test');
    const { transferId } = completed[0]!;
    const result = await outbound(payer, 'GET', `/transfers/${transferId}`);
    assert.equal(result.status, 200, `GET /transfers: ${JSON.stringify(result.body)}${explain()}`);
    const fulfil = result.body.fulfil as Record<string, any>;
    assert.equal(fulfil?.body?.transferState, 'COMMITTED', JSON.stringify(result.body));
    assertSignedBy('hub-authored PUT /transfers to the payer', fulfil.headers, fulfil.body, HUB_NAME, PAYER);
  });

  test('an MSISDN nobody registered: the hub answers a signed 3204 and nothing moves', async () => {
    const before = await positions();
    const result = await sendMoney(UNKNOWN_MSISDN, '1');
    assertOutboundError(result, '3204', 'unknown MSISDN');
    // validated by the payer (VALIDATE_INBOUND_PUT_PARTIES_JWS=true) with the hub's key
    const validated = jwsLog(payer).validated.filter((v) => v.method === 'PUT' && v.url === `/parties/MSISDN/${UNKNOWN_MSISDN}/error`);
    assert.deepEqual(
      validated.map((v) => v.source),
      [HUB_NAME],
      JSON.stringify(jwsLog(payer).validated.slice(-5)),
    );
    assert.deepEqual(await positions(), before);
  });

  test('the payee rejects the quote: its signed error reaches the payer through the hub, nothing moves', async () => {
    const before = await positions();
    const result = await sendMoney(PAYEE_MSISDN, QUOTE_REJECTED_AMOUNT);
    assertOutboundError(result, '5101', 'quote rejected');
    const quoteId = result.body.transferState?.quoteId as string;
    const validated = jwsLog(payer).validated.filter((v) => v.url === `/quotes/${quoteId}/error`);
    assert.deepEqual(
      validated.map((v) => v.source),
      [PAYEE],
      JSON.stringify(jwsLog(payer).validated.slice(-5)),
    );
    assert.deepEqual(await positions(), before);
  });

  test("the payer's net debit cap is exceeded: the hub's signed 4200 reaches the payer, nothing moves", async () => {
    const before = await positions();
    const result = await sendMoney(PAYEE_MSISDN, NDC_EXCEEDING_AMOUNT);
    assertOutboundError(result, '4200', 'NDC exceeded');
    const transferId = result.body.transferState?.transferId as string;
    const validated = jwsLog(payer).validated.filter((v) => v.url === `/transfers/${transferId}/error`);
    assert.deepEqual(
      validated.map((v) => v.source),
      [HUB_NAME],
      JSON.stringify(jwsLog(payer).validated.slice(-5)),
    );
    assert.deepEqual(await positions(), before);
  });

  test('the adapters validated every signed message they received and refused none; the hub had no failed callback', async (t) => {
    for (const adapter of [payer, payee]) {
      const { validated, refused } = jwsLog(adapter);
      const bySource: Record<string, number> = {};
      for (const v of validated) bySource[v.source] = (bySource[v.source] ?? 0) + 1;
      t.diagnostic(`${adapter.dfspId} validated ${validated.length} signatures: ${JSON.stringify(bySource)}`);
      assert.deepEqual(refused, [], `${adapter.dfspId} refused signatures`);
      // each of them, checked again here with its author's key: the other DFSP's for forwarded
      // messages, the hub's for the messages the hub authored
      for (const v of validated) {
        assert.ok(
          v.source === HUB_NAME || v.source === (adapter === payer ? PAYEE : PAYER),
          `${adapter.dfspId} got a signed ${v.method} ${v.url} from ${v.source}`,
        );
        assertSignedBy(`${v.method} ${v.url} to ${adapter.dfspId}`, v.headers, v.body, v.source, adapter.dfspId);
      }
      assert.ok(bySource[HUB_NAME]! > 0 && bySource[adapter === payer ? PAYEE : PAYER]! > 0, JSON.stringify(bySource));
    }
    t.diagnostic(`signatures checked by the test itself: ${JSON.stringify(checked)}`);
    // the hub's own count: every callback it sent (forwarded or authored) was accepted
    const metrics = await (await fetch(`${hub.adminUrl}/metrics`)).text();
    const count = (result: string) => Number(new RegExp(`^mizani_callbacks_total\\{[^}]*result="${result}"[^}]*\\}\\s+(\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    t.diagnostic(`hub callbacks: ${count('delivered')} delivered, ${count('failed')} failed`);
    assert.equal(
      count('failed'),
      0,
      metrics
        .split('\n')
        .filter((l) => l.startsWith('mizani_callbacks_total'))
        .join('\n'),
    );
    assert.ok(count('delivered') >= 35, `delivered callbacks: ${count('delivered')}`);
    assert.deepEqual(
      hub.logs.filter((l) => l.includes('callback delivery failed')),
      [],
    );
    assert.equal(hub.child.exitCode, null);
    assert.equal(payer.child.exitCode, null);
    assert.equal(payee.child.exitCode, null);
  });
});
