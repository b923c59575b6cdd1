#!/usr/bin/env node
// The hub's hand-written hot-path code against the well-kept library that could replace it, on the same inputs
// (docs/decisions.md, 2026-12-06, records the figures and the decision for each):
//   jws   FSPIOP JWS verification, RS256: switch/security/jws.ts (node:crypto, synchronous) vs jose flattenedVerify
//         with the same FSPIOP header checks (one at a time, and 16 in flight: jose is asynchronous)
//   json  the edge's JSON decoding, switch/edge/http.ts parseJsonBody (UTF-8, json-guard.ts, JSON.parse) vs
//         secure-json-parse (protoAction/constructorAction 'error') vs bare JSON.parse, on typical FSPIOP bodies and
//         hostile ones
//   ilp   ILP v4 Prepare decoding: switch/security/ilp.ts decodeIlpPacket vs ilp-packet deserializeIlpPrepare (alone,
//         and with the transaction-object decoding the hub's decoder also does)
//   sign  the load generator's RS256 signer (conformance/load/plan.ts, node:crypto) vs jose FlattenedSign
// Each (case, implementation) runs in a process of its own; rounds alternate the order so the machine's noise hits
// them alike; figures are medians over the rounds: operations/s and CPU µs per operation (the process's user +
// system time, worker threads included: WebCrypto runs on libuv's pool).
//   node scripts/bench-handwritten.mjs [--rounds 5] [--seconds 2] [--only jws,json,ilp,sign] [--json] [--no-build]
// The hub's code is imported read-only from dist/ (built first unless --no-build). Not a test: it prints figures.
import { fork, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Distinct messages per case, used in turn (so no cache of one input flatters an implementation). */
const N = 64;
const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;

/** group → case → implementations */
const CASES = [
  { group: 'jws', name: 'RS256 verify, 1 KiB prepare', impls: ['hub node:crypto', 'jose', 'jose x16'] },
  { group: 'json', name: 'prepare 1.1 KiB', impls: ['hub guard+parse', 'secure-json-parse', 'JSON.parse'] },
  { group: 'json', name: 'quote 2 KiB', impls: ['hub guard+parse', 'secure-json-parse', 'JSON.parse'] },
  { group: 'json', name: 'hostile: 20 000 levels deep', impls: ['hub guard+parse', 'secure-json-parse', 'JSON.parse'] },
  { group: 'json', name: 'hostile: 50 000 keys, one dup', impls: ['hub guard+parse', 'secure-json-parse', 'JSON.parse'] },
  { group: 'json', name: 'hostile: __proto__ in a prepare', impls: ['hub guard+parse', 'secure-json-parse', 'JSON.parse'] },
  { group: 'ilp', name: 'v4 Prepare, SDK-built (690 B)', impls: ['hub decodeIlpPacket', 'ilp-packet', 'ilp-packet + tx'] },
  { group: 'sign', name: 'RS256 sign, 1 KiB body', impls: ['node:crypto', 'jose', 'jose x8'] },
];

const { values } = parseArgs({
  options: {
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    only: { type: 'string' },
    json: { type: 'boolean' },
    'no-build': { type: 'boolean' },
    child: { type: 'string' },
  },
  strict: true,
});

if (values.child !== undefined) {
  const [c, i] = values.child.split(':').map(Number);
  const result = await child(CASES[c], CASES[c].impls[i], Number(values.seconds ?? 2));
  process.send(result, () => process.exit(0));
} else {
  await main();
}

// ---- the parent ---------------------------------------------------------------------------------------------------

async function main() {
  const rounds = Number(values.rounds ?? 5);
  const seconds = Number(values.seconds ?? 2);
  const groups = values.only ? values.only.split(',') : undefined;
  if (!values['no-build']) {
    const b = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) console.error('tsc reported errors (continuing with what was emitted)');
  }
  const jobs = [];
  CASES.forEach((k, c) => {
    if (!groups || groups.includes(k.group)) k.impls.forEach((impl, i) => jobs.push({ c, i, key: `${k.group} | ${k.name} | ${impl}` }));
  });
  const samples = new Map(jobs.map((j) => [j.key, []]));
  for (let r = 0; r < rounds; r++) {
    for (const j of r % 2 === 0 ? jobs : [...jobs].reverse()) {
      const m = await runChild(j, seconds);
      samples.get(j.key).push(m);
      if (!values.json)
        console.error(`round ${r + 1} ${j.key.padEnd(64)} ${fmt(m.opsPerS, 0).padStart(9)} op/s ${fmt(m.cpuUsPerOp, 1).padStart(9)} µs CPU/op  ${m.outcome}`);
    }
  }
  const summary = jobs.map((j) => {
    const s = samples.get(j.key);
    return {
      case: j.key,
      opsPerS: median(s.map((m) => m.opsPerS)),
      cpuUsPerOp: median(s.map((m) => m.cpuUsPerOp)),
      wallUsPerOp: median(s.map((m) => 1e6 / m.opsPerS)),
      outcome: [...new Set(s.map((m) => m.outcome))].join(' / '),
      rounds: s.length,
    };
  });
  if (values.json) {
    console.log(JSON.stringify({ rounds, seconds, node: process.version, summary }, null, 2));
    return;
  }
  console.log(`\nmedians over ${rounds} rounds of ${seconds} s (node ${process.version}):`);
  console.log(`${'case'.padEnd(64)} ${'op/s'.padStart(9)} ${'µs CPU/op'.padStart(10)} ${'µs wall/op'.padStart(10)}  outcome`);
  for (const m of summary)
    console.log(
      `${m.case.padEnd(64)} ${fmt(m.opsPerS, 0).padStart(9)} ${fmt(m.cpuUsPerOp, 1).padStart(10)} ${fmt(m.wallUsPerOp, 1).padStart(10)}  ${m.outcome}`,
    );
}

function runChild(job, seconds) {
  return new Promise((resolve, reject) => {
    const p = fork(fileURLToPath(import.meta.url), ['--child', `${job.c}:${job.i}`, '--seconds', String(seconds)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result;
    p.on('message', (m) => (result = m));
    p.on('error', reject);
    p.on('exit', (code) => (result ? resolve(result) : reject(new Error(`${job.key}: child exited with ${code}`))));
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function fmt(x, digits) {
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// ---- a child: one implementation on one case ----------------------------------------------------------------------

async function child(k, impl, seconds) {
  const op = await operation(k, impl);
  const inFlight = /x(\d+)$/.exec(impl)?.[1];
  // warm-up (JIT, key caches), then the measured window
  await measure(op.run, Math.min(1, seconds / 4), inFlight ? Number(inFlight) : op.async ? 1 : 0);
  const m = await measure(op.run, seconds, inFlight ? Number(inFlight) : op.async ? 1 : 0);
  return { ...m, outcome: op.outcome };
}

/** Runs `run(i)` for `seconds`: synchronously in batches (inFlight 0), or with inFlight promises outstanding. */
async function measure(run, seconds, inFlight) {
  const deadline = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let ops = 0;
  if (inFlight === 0) {
    while (performance.now() < deadline) for (let b = 0; b < 16; b++) run(ops++);
  } else {
    const lane = async () => {
      while (performance.now() < deadline) await run(ops++);
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { opsPerS: ops / wallS, cpuUsPerOp: (cpu.user + cpu.system) / ops };
}

/** The operation to time for (case, implementation), its inputs built first; `outcome` says what it did. */
async function operation(k, impl) {
  if (k.group === 'jws') return jwsOperation(impl);
  if (k.group === 'json') return jsonOperation(k.name, impl);
  if (k.group === 'ilp') return ilpOperation(impl);
  return signOperation(impl);
}

// ---- inputs -------------------------------------------------------------------------------------------------------

function prepareBody(i, extra = {}) {
  return {
    transferId: `0195b2a6-0000-7000-8000-${String(i).padStart(12, '0')}`,
    payerFsp: 'payerfsp',
    payeeFsp: 'payeefsp',
    amount: { amount: `${100 + i}.25`, currency: 'USD' },
    ...extra,
    ilpPacket:
      'DIICqwAAAAAAACdCMjAzMDAxMDEwMDAwMDAwMDCb1QNXrckZ4VWrEca9SWwd4PjkKnMaJqo6KE1ZmTq7KQpnLm1vamFsb29wggJkZXlKaGJXOTFiblFpT25zaVlXMXZkVzUwSWpvaU1UQXdMalVpTENKamRYSnlaVzVqZVNJNklsVlRSQ0o5TENKbGVIQnBjbUYwYVc5dUlqb2lNakF6TUMwd01TMHdNVlF3TURvd01Eb3dNQzR3TURCYUlpd2ljR0Y1WldVaU9uc2ljR0Z5ZEhsSlpFbHVabThpT25zaVpuTndTV1FpT2lKd1lYbGxaV1p6Y0NJc0luQmhjblI1U1dSVWVYQmxJam9pVFZOSlUwUk9JaXdpY0dGeWRIbEpaR1Z1ZEdsbWFXVnlJam9pTWpjM01UTTRNRE01TVRJaWZYMHNJbkJoZVdWeUlqcDdJbkJoY25SNVNXUkpibVp2SWpwN0ltWnpjRWxrSWpvaWNHRjVaWEptYzNBaUxDSndZWEowZVVsa1ZIbHdaU0k2SWsxVFNWTkVUaUlzSW5CaGNuUjVTV1JsYm5ScFptbGxjaUk2SWpRME1USXpORFUyTnpnNUluMTlMQ0p4ZFc5MFpVbGtJam9pTURGS1FrWklNVmt5VmtvMVdrSTJVVFpYTTBzeVRqaEVOMEVpTENKMGNtRnVjMkZqZEdsdmJrbGtJam9pTURGS1FrWklNVmt5VmtvMVdrSTJVVFpYTTBzeVRqaEVOMElpTENKMGNtRnVjMkZqZEdsdmJsUjVjR1VpT25zaWFXNXBkR2xoZEc5eUlqb2lVRUZaUlZJaUxDSnBibWwwYVdGMGIzSlVlWEJsSWpvaVEwOU9VMVZOUlZJaUxDSnpZMlZ1WVhKcGJ5STZJbFJTUVU1VFJrVlNJbjE5',
    condition: 'm9UDV63JGeFVqxHGvUlsHeD45CpzGiaqOihNWZk6uyk',
    expiration: '2030-01-01T00:00:00.000Z',
  };
}

function quoteBody(i) {
  const party = (fspId, id, name) => ({
    partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: id, fspId },
    name,
    personalInfo: { complexName: { firstName: name.split(' ')[0], lastName: name.split(' ')[1] }, dateOfBirth: '1966-06-16' },
  });
  return {
    quoteId: `0195b2a6-1111-7000-8000-${String(i).padStart(12, '0')}`,
    transactionId: `0195b2a6-2222-7000-8000-${String(i).padStart(12, '0')}`,
    transactionRequestId: `0195b2a6-3333-7000-8000-${String(i).padStart(12, '0')}`,
    payee: party('payeefsp', '27713803912', 'Mary Jones'),
    payer: party('payerfsp', `4412345${String(i).padStart(4, '0')}`, 'Henrik Karlsson'),
    amountType: 'SEND',
    amount: { amount: `${100 + i}.5`, currency: 'USD' },
    fees: { amount: '1.5', currency: 'USD' },
    transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER', balanceOfPayments: '110' },
    geoCode: { latitude: '52.2319', longitude: '21.0067' },
    note: 'Payment for the goods bought at the market on Saturday morning, with thanks',
    expiration: '2030-01-01T00:00:00.000Z',
    extensionList: { extension: Array.from({ length: 8 }, (_, e) => ({ key: `merchantReference${e}`, value: `ref-${i}-${e}-ABCDEFGHIJKLMNOP` })) },
  };
}

// ---- (a) JWS verification -----------------------------------------------------------------------------------------

async function jwsOperation(impl) {
  const { generateKeyPairSync, sign } = await import('node:crypto');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const date = new Date(Date.UTC(2026, 11, 6)).toUTCString();
  const messages = Array.from({ length: N }, (_, i) => {
    const body = Buffer.from(JSON.stringify(prepareBody(i)), 'utf8');
    const ph = Buffer.from(
      JSON.stringify({
        alg: 'RS256',
        'FSPIOP-URI': '/transfers',
        'FSPIOP-HTTP-Method': 'POST',
        'FSPIOP-Source': 'payerfsp',
        'FSPIOP-Destination': 'payeefsp',
        Date: date,
      }),
    ).toString('base64url');
    const signature = sign('sha256', Buffer.from(`${ph}.${body.toString('base64url')}`, 'latin1'), privateKey).toString('base64url');
    const headers = {
      'fspiop-source': 'payerfsp',
      'fspiop-destination': 'payeefsp',
      'fspiop-uri': '/transfers',
      'fspiop-http-method': 'POST',
      date,
      'fspiop-signature': JSON.stringify({ protectedHeader: ph, signature }),
    };
    return { method: 'POST', headers, body, keys: [publicKey] };
  });
  if (impl === 'hub node:crypto') {
    const { verifyFspiopSignature } = await import(dist('switch/security/jws.js'));
    verifyFspiopSignature(messages[0]);
    return { run: (i) => verifyFspiopSignature(messages[i % N]), outcome: 'valid' };
  }
  const { flattenedVerify } = await import('jose');
  // What the hub would do with jose: the FSPIOP header rules (security.md §1.5) around jose's verification.
  const verifyWithJose = async (m) => {
    const { protectedHeader, signature } = JSON.parse(m.headers['fspiop-signature']);
    const h = m.headers;
    const r = await flattenedVerify({ protected: protectedHeader, payload: m.body.toString('base64url'), signature }, m.keys[0], {
      algorithms: ['RS256', 'RS384', 'RS512', 'ES256'],
    });
    const ph = r.protectedHeader;
    if (ph['FSPIOP-URI'] !== h['fspiop-uri'] || ph['FSPIOP-HTTP-Method'] !== h['fspiop-http-method'] || h['fspiop-http-method'] !== m.method)
      throw new Error('uri/method');
    if (ph['FSPIOP-Source'] !== h['fspiop-source'] || (ph.Date !== undefined && ph.Date !== h.date)) throw new Error('source/date');
    if ((ph['FSPIOP-Destination'] ?? undefined) !== (h['fspiop-destination'] || undefined)) throw new Error('destination');
  };
  await verifyWithJose(messages[0]);
  return { run: (i) => verifyWithJose(messages[i % N]), async: true, outcome: 'valid' };
}

// ---- (b) JSON decoding --------------------------------------------------------------------------------------------

async function jsonOperation(name, impl) {
  let bodies;
  if (name.startsWith('prepare')) bodies = Array.from({ length: N }, (_, i) => JSON.stringify(prepareBody(i)));
  else if (name.startsWith('quote')) bodies = Array.from({ length: N }, (_, i) => JSON.stringify(quoteBody(i)));
  else if (name.includes('deep')) bodies = ['{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000)];
  else if (name.includes('keys')) {
    const members = Array.from({ length: 50_000 }, (_, i) => `"member${i}":${i}`);
    members.push('"member7":"again"');
    bodies = [`{${members.join(',')}}`];
  } else bodies = Array.from({ length: N }, (_, i) => JSON.stringify(prepareBody(i)).replace('"amount":{', '"amount":{"__proto__":{"isAdmin":true},'));
  const raws = bodies.map((b) => Buffer.from(b, 'utf8'));
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let decode;
  if (impl === 'hub guard+parse') {
    const { parseJsonBody } = await import(dist('switch/edge/http.js'));
    decode = (raw) => parseJsonBody(raw);
  } else if (impl === 'secure-json-parse') {
    const { default: sjson } = await import('secure-json-parse');
    decode = (raw) => sjson.parse(utf8.decode(raw), null, { protoAction: 'error', constructorAction: 'error' });
  } else {
    decode = (raw) => JSON.parse(utf8.decode(raw));
  }
  let outcome;
  try {
    const v = decode(raws[0]);
    outcome = name.includes('proto')
      ? `accepted (prototype of amount ${Object.getPrototypeOf(v.amount) === Object.prototype ? 'intact' : 'REPLACED'})`
      : 'accepted';
  } catch (err) {
    outcome = `refused: ${(err.errorInformation?.errorDescription ?? err.message).slice(0, 60)}`;
  }
  const n = raws.length;
  return {
    run: (i) => {
      try {
        decode(raws[i % n]);
      } catch {
        // refusals are the expected outcome on hostile bodies
      }
    },
    outcome,
  };
}

// ---- (c) ILP v4 Prepare decoding ----------------------------------------------------------------------------------

async function ilpOperation(impl) {
  const { createHash, createHmac } = await import('node:crypto');
  const { serializeIlpPrepare, deserializeIlpPrepare } = await import('ilp-packet');
  // Packets as the SDK builds them (contract security.md §2.2): transaction object, sorted keys, base64url in data.
  const sorted = (v) =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted(v[k])]),
          )
        : v;
  const packets = Array.from({ length: N }, (_, i) => {
    const tx = sorted({
      quoteId: `01JBFH1Y2VJ5ZB6Q6W3K2N${String(i).padStart(4, '0')}`,
      transactionId: `01JBFH1Y2VJ5ZB6Q6W3K2M${String(i).padStart(4, '0')}`,
      transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
      payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '27713803912', fspId: 'payeefsp' } },
      payer: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: `4412345${String(i).padStart(4, '0')}`, fspId: 'payerfsp' } },
      expiration: '2030-01-01T00:00:00.000Z',
      amount: { amount: `${100 + i}.5`, currency: 'USD' },
    });
    const data = Buffer.from(Buffer.from(JSON.stringify(tx)).toString('base64url'), 'ascii');
    const fulfilment = createHmac('sha256', 'secret').update(data).digest();
    return serializeIlpPrepare({
      amount: String((100 + i) * 100 + 50),
      expiresAt: new Date('2030-01-01T00:00:00.000Z'),
      executionCondition: createHash('sha256').update(fulfilment).digest(),
      destination: 'g.mojaloop',
      data,
    }).toString('base64url');
  });
  if (impl === 'hub decodeIlpPacket') {
    const { decodeIlpPacket } = await import(dist('switch/security/ilp.js'));
    const p = decodeIlpPacket(packets[0]);
    return {
      run: (i) => decodeIlpPacket(packets[i % N]),
      outcome: `amount ${p.amount}, ${p.data.length} B data, transaction ${p.transaction ? 'decoded' : 'absent'}`,
    };
  }
  const withTx = impl === 'ilp-packet + tx';
  const decode = (b64) => {
    const p = deserializeIlpPrepare(Buffer.from(b64, 'base64url'));
    if (withTx) p.transaction = JSON.parse(Buffer.from(p.data.toString('ascii'), 'base64url').toString('utf8'));
    return p;
  };
  const p = decode(packets[0]);
  return {
    run: (i) => decode(packets[i % N]),
    outcome: `amount ${p.amount}, ${p.data.length} B data, transaction ${p.transaction ? 'decoded' : 'not decoded'}`,
  };
}

// ---- (d) the load generator's signer ------------------------------------------------------------------------------

async function signOperation(impl) {
  const { generateKeyPairSync, sign } = await import('node:crypto');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const date = new Date(Date.UTC(2026, 11, 6)).toUTCString();
  const header = {
    alg: 'RS256',
    'FSPIOP-URI': '/transfers',
    'FSPIOP-HTTP-Method': 'POST',
    'FSPIOP-Source': 'payerfsp',
    'FSPIOP-Destination': 'payeefsp',
    Date: date,
  };
  const bodies = Array.from({ length: N }, (_, i) => JSON.stringify(prepareBody(i)));
  if (impl === 'node:crypto') {
    // conformance/load/plan.ts protectedHeader + signRaw + signatureHeader
    const ph = Buffer.from(JSON.stringify(header), 'utf8').toString('base64url');
    const run = (i) => {
      const raw = sign('RSA-SHA256', Buffer.from(`${ph}.${Buffer.from(bodies[i % N], 'utf8').toString('base64url')}`, 'ascii'), privateKey);
      return JSON.stringify({ protectedHeader: ph, signature: raw.toString('base64url') });
    };
    return { run, outcome: `${run(0).length} chars` };
  }
  const { FlattenedSign } = await import('jose');
  const run = async (i) => {
    const jws = await new FlattenedSign(Buffer.from(bodies[i % N], 'utf8')).setProtectedHeader(header).sign(privateKey);
    return JSON.stringify({ protectedHeader: jws.protected, signature: jws.signature });
  };
  return { run, async: true, outcome: `${(await run(0)).length} chars` };
}
