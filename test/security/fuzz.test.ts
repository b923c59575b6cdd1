/**
 * Property-based fuzzing of the FSPIOP edge (issue "Hostile input"), bounded in time (about 20 s in
 * all, every property stops at its time limit; under 30 s even when a todo below fails):
 *
 * (a) In process — the JSON guard (switch/edge/json-guard.ts) against a model of what it must report,
 *     and on arbitrary input; `parseJsonBody`, `validateFspiopBody` and the FSPIOP translators on
 *     arbitrary bytes, arbitrary JSON values and mutated valid bodies: nothing but FspiopError ever
 *     escapes parse/validate, and whatever validates translates to canonical (and back) without
 *     throwing.
 * (b) Over HTTP, against a real hub process on a fresh PostgreSQL database with two provisioned
 *     participants: random mutations of valid requests (headers dropped or garbled, methods and
 *     paths changed, bodies mutated at the JSON and at the byte level) always get a well-formed
 *     answer — 2xx, or an `errorInformation` body whose code is in the error table and whose HTTP
 *     status is that code's — never a non-FSPIOP body, never a hang; afterwards the hub process is
 *     alive, answers /health, still clears a normal transfer, and the books balance (journal sums to
 *     zero per currency; every account value equals the sum of its journal entries).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import pg from 'pg';
import { request } from 'undici';
import { ERROR_CODES, FspiopError } from '../../schemas/errors.js';
import { hasBodySchema, validateFspiopBody, type FspiopVersion } from '../../schemas/fspiop/validators.js';
import { guardJson, type JsonGuardLimits } from '../../switch/edge/json-guard.js';
import { parseJsonBody } from '../../switch/edge/request.js';
import {
  errorFromCanonical,
  errorToCanonical,
  prepareFromCanonical,
  prepareToCanonical,
  statusFromCanonical,
  statusToCanonical,
  type FspiopErrorBody,
  type FspiopTransferFulfil,
  type FspiopTransferPrepare,
} from '../../translators/fspiop/transfers.js';
import { quoteRequestToCanonical, quoteResponseToCanonical, type FspiopQuoteRequest, type FspiopQuoteResponse } from '../../translators/fspiop/quotes.js';
import { SuiteContext } from '../../conformance/lib/context.js';
import type { DfspSimulator } from '../../conformance/lib/dfsp.js';
import { imfDate } from '../../conformance/lib/http.js';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

/** fast-check options for one in-process property: stop at the time limit, whatever numRuns says. */
const bounded = (ms: number, numRuns = 100_000) => ({ numRuns, interruptAfterTimeLimit: ms, markInterruptAsFailure: false });

/** Plain JSON data (fast-check records have a null prototype); undefined stays undefined. */
const plain = (v: unknown): any => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

// =============================================================================== (a) the JSON guard

/** A JSON document as a tree whose objects may repeat a key (which a JS object cannot). */
type Node =
  | { t: 'str'; v: string }
  | { t: 'raw'; v: string } // number or literal, written as is
  | { t: 'arr'; items: Node[] }
  | { t: 'obj'; members: Array<[string, Node]> };

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

const keyArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('a', 'b', 'ab', 'é', '"', '\\', '/', 'a"b', '\u2028', '\ud83d\ude00', '\ud800', '\udc00x', '', 'k\u0000') },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype') },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 5 }) },
);
const scalarArb: fc.Arbitrary<Node> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }).map((v) => ({ t: 'str' as const, v })),
  fc.constantFrom('0', '-1', '1.5', '1e10', '-0.0E-3', '123456789012345678901234567890', 'true', 'false', 'null').map((v) => ({ t: 'raw' as const, v })),
);
const { node: nodeArb } = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarArb,
    fc.array(tie('node'), { maxLength: 4 }).map((items) => ({ t: 'arr' as const, items })),
    fc.array(fc.tuple(keyArb, tie('node')), { maxLength: 5 }).map((members) => ({ t: 'obj' as const, members })),
  ),
}));
/** Documents whose top level is a container, with keys likely to repeat. */
const documentArb: fc.Arbitrary<Node> = fc.oneof(
  fc.array(fc.tuple(keyArb, nodeArb), { maxLength: 6 }).map((members) => ({ t: 'obj' as const, members })),
  fc.array(nodeArb, { maxLength: 5 }).map((items) => ({ t: 'arr' as const, items })),
  nodeArb,
);
const limitsArb: fc.Arbitrary<JsonGuardLimits> = fc.record(
  { maxDepth: fc.integer({ min: 0, max: 6 }), maxKeys: fc.integer({ min: 0, max: 25 }), maxStringLength: fc.integer({ min: 0, max: 8 }) },
  { requiredKeys: ['maxDepth'] },
);

/** Small deterministic PRNG (mulberry32) for serialisation choices. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function u4(code: number, rnd: () => number): string {
  const h = code.toString(16).padStart(4, '0');
  return `\\u${rnd() < 0.5 ? h : h.toUpperCase()}`;
}

/**
 * A JSON string literal for `s`, escaping at random (short escapes, \uXXXX in either case) wherever
 * JSON allows. `wellFormed`: lone surrogates are always escaped (the text will be UTF-8 encoded).
 */
function jsonString(s: string, rnd: () => number, wellFormed: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const isHigh = c >= 0xd800 && c <= 0xdbff;
    const next = s.charCodeAt(i + 1);
    if (isHigh && next >= 0xdc00 && next <= 0xdfff) {
      out += rnd() < 0.7 ? s[i]! + s[i + 1]! : u4(c, rnd) + u4(next, rnd);
      i++;
      continue;
    }
    const ch = s[i]!;
    const lone = c >= 0xd800 && c <= 0xdfff;
    const must = c < 0x20 || ch === '"' || ch === '\\' || (lone && wellFormed);
    if (!must && rnd() < 0.75) out += ch;
    else out += SHORT_ESCAPES[ch] !== undefined && rnd() < 0.5 ? SHORT_ESCAPES[ch] : u4(c, rnd);
  }
  return out + '"';
}

function serialise(node: Node, seed: number, wellFormed: boolean): string {
  const rnd = prng(seed);
  const ws = () => (rnd() < 0.7 ? '' : [' ', '\n', '\t', '\r\n  '][Math.floor(rnd() * 4)]!);
  const write = (n: Node): string => {
    switch (n.t) {
      case 'str':
        return jsonString(n.v, rnd, wellFormed);
      case 'raw':
        return n.v;
      case 'arr':
        return `[${ws()}${n.items.map((item) => `${write(item)}${ws()}`).join(`,${ws()}`)}]`;
      case 'obj':
        return `{${ws()}${n.members.map(([k, v]) => `${jsonString(k, rnd, wellFormed)}${ws()}:${ws()}${write(v)}${ws()}`).join(`,${ws()}`)}}`;
    }
  };
  return ws() + write(node) + ws();
}

type Verdict = { code: string; kind: 'depth' | 'duplicate' | 'forbidden' | 'count' | 'length'; path: string } | null;

/** What the guard must report for `doc`: the first violation in document order, or null. */
function expectedVerdict(doc: Node, limits: JsonGuardLimits): Verdict {
  const maxKeys = limits.maxKeys ?? Infinity;
  const maxString = limits.maxStringLength ?? Infinity;
  let count = 0;
  const pointer = (segments: Array<string | number>) =>
    '/requestBody' +
    segments
      .map(
        (s) =>
          '/' +
          (typeof s === 'number'
            ? String(s)
            : s
                .replace(/~/g, '~0')
                .replace(/\//g, '~1')
                .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]|\p{Surrogate}/gu, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)),
      )
      .join('');
  const walk = (n: Node, path: Array<string | number>): Verdict => {
    if (n.t === 'str') return n.v.length > maxString ? { code: '3100', kind: 'length', path: pointer(path) } : null;
    if (n.t === 'raw') return null;
    if (path.length >= limits.maxDepth) return { code: '3101', kind: 'depth', path: pointer(path) };
    if (n.t === 'arr') {
      for (let i = 0; i < n.items.length; i++) {
        if (++count > maxKeys) return { code: '3103', kind: 'count', path: '/requestBody' };
        const v = walk(n.items[i]!, [...path, i]);
        if (v) return v;
      }
      return null;
    }
    const seen = new Set<string>();
    for (const [key, value] of n.members) {
      if (FORBIDDEN.has(key)) return { code: '3101', kind: 'forbidden', path: pointer(path) };
      if (key.length > maxString) return { code: '3100', kind: 'length', path: pointer(path) };
      if (seen.has(key)) return { code: '3101', kind: 'duplicate', path: pointer(path) };
      seen.add(key);
      if (++count > maxKeys) return { code: '3103', kind: 'count', path: '/requestBody' };
      const v = walk(value, [...path, key]);
      if (v) return v;
    }
    return null;
  };
  return walk(doc, []);
}

const KIND_PATTERN: Record<NonNullable<Verdict>['kind'], RegExp> = {
  depth: /nested deeper than/,
  duplicate: /duplicate key/,
  forbidden: /forbidden key/,
  count: /more than \d+ members and elements/,
  length: /longer than/,
};

function guardOutcome(input: string | Uint8Array, limits: JsonGuardLimits): FspiopError | null {
  try {
    guardJson(input, limits);
    return null;
  } catch (err) {
    if (err instanceof FspiopError) return err;
    throw new assert.AssertionError({ message: `guardJson threw a non-FspiopError: ${err instanceof Error ? err.stack : String(err)}` });
  }
}

function assertVerdict(got: FspiopError | null, expected: Verdict, what: string): void {
  if (expected === null) {
    assert.equal(got, null, `${what}: expected no complaint, got ${got?.code} ${got?.description}`);
    return;
  }
  assert.ok(got, `${what}: expected ${expected.code} (${expected.kind} at ${expected.path}), got no complaint`);
  assert.equal(got.code, expected.code, `${what}: ${got.description}`);
  assert.match(got.description, KIND_PATTERN[expected.kind], what);
  // Descriptions are cut at 128 characters and paths at 96; check the path when nothing was cut.
  if (expected.kind !== 'count' && expected.path.length < 60 && got.description.length < 128 && !got.description.includes('…')) {
    assert.ok(got.description.includes(`${expected.path}`), `${what}: description "${got.description}" should name ${expected.path}`);
  }
}

test('json-guard reports exactly the first depth/duplicate/forbidden/count/length violation of any JSON text (model-based)', () => {
  fc.assert(
    fc.property(documentArb, limitsArb, fc.integer(), (doc, limits, seed) => {
      const expected = expectedVerdict(doc, limits);
      // As bytes (how the edge sees a body): lone surrogates escaped so the text is valid UTF-8.
      const text = serialise(doc, seed, true);
      JSON.parse(text); // the generator writes valid JSON
      assertVerdict(guardOutcome(Buffer.from(text, 'utf8'), limits), expected, `bytes ${JSON.stringify(text)}`);
      // As a string, lone surrogates may stay raw.
      const loose = serialise(doc, seed ^ 0x5bd1e995, false);
      JSON.parse(loose);
      assertVerdict(guardOutcome(loose, limits), expected, `string ${JSON.stringify(loose)}`);
    }),
    bounded(2000),
  );
});

test('json-guard accepts every JSON.stringify output within its limits, and unescaped/escaped duplicates are caught', () => {
  const generous = { maxDepth: 64, maxKeys: 1_000_000, maxStringLength: 1_000_000 };
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
      const text = JSON.stringify(value);
      const hasForbidden = /"(__proto__|constructor|prototype)":/.test(text);
      const got = guardOutcome(Buffer.from(text), generous);
      if (!hasForbidden) assert.equal(got, null, `${text}: ${got?.description}`);
    }),
    bounded(1000),
  );
  // Fixed cases: quotes and escapes inside strings, keys equal only after unescaping.
  const cases: Array<[string, string | null]> = [
    ['{"a":"\\"b\\":1,","b":1}', null],
    ['{"x":"\\\\","a":1,"y":"\\\\\\"","b":2}', null],
    ['{"a":1,"\\u0061":2}', 'duplicate key "a"'],
    ['{"a\\"":1,"a\\u0022":2}', 'duplicate key "a\\""'],
    ['{"a\\\\":1,"a\\u005C":2}', 'duplicate key "a\\\\"'],
    ['{"é":1,"\\u00e9":2}', 'duplicate key "é"'],
    ['{"\\ud83d\\ude00":1,"😀":2}', 'duplicate key "😀"'],
    ['{"\\ud800":1,"\\ufffd":2}', null],
    ['{"__pro\\u0074o__":{}}', 'forbidden key "__proto__"'],
    ['{"a":[{"k":1},{"k":1}],"b":{"k":[{"k":1,"k":2}]}}', 'duplicate key "k" in /requestBody/b/k/0'],
    [`{${Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',')},"k7":0}`, 'duplicate key "k7"'],
    [`{${Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',')},"k\\u0037":0}`, 'duplicate key "k7"'],
    [`{${Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',')}}`, null],
  ];
  for (const [text, expected] of cases) {
    JSON.parse(text);
    const got = guardOutcome(Buffer.from(text), generous);
    if (expected === null) assert.equal(got, null, `${text}: ${got?.description}`);
    else {
      assert.equal(got?.code, '3101', text);
      assert.ok(got!.description.includes(expected), `${text}: "${got!.description}" should contain ${expected}`);
    }
  }
});

test('json-guard never throws anything but FspiopError on arbitrary input, and bytes and string agree', () => {
  const structural = fc.string({
    unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ':', ',', 'a', 'u', '0', 'd', '8', ' ', '_', 'é', '\ud800'),
    maxLength: 60,
  });
  fc.assert(
    fc.property(
      fc.oneof(
        structural,
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
      ),
      limitsArb,
      (input, limits) => {
        const got = guardOutcome(input, limits);
        if (got) assert.ok(['3100', '3101', '3103'].includes(got.code), got.description);
        if (typeof input === 'string' && !/\p{Surrogate}/u.test(input)) {
          assert.deepEqual(guardOutcome(Buffer.from(input, 'utf8'), limits)?.description, got?.description, JSON.stringify(input));
        }
      },
    ),
    bounded(1500),
  );
});

test('json-guard is linear and cheaper than JSON.parse (typical 1 KB body, 5 MB bodies, pathological bodies)', (t: TestContext) => {
  const limits = { maxDepth: 32, maxKeys: 2_000_000, maxStringLength: 1 << 22 };
  const timeOf = (fn: () => void, minMs: number): number => {
    let runs = 0;
    let best = Infinity;
    const until = performance.now() + minMs;
    while (runs < 3 || performance.now() < until) {
      const t0 = performance.now();
      fn();
      best = Math.min(best, performance.now() - t0);
      runs++;
    }
    return best;
  };
  const quote = JSON.stringify({
    quoteId: randomUUID(),
    transactionId: randomUUID(),
    payee: {
      partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '27713803912', fspId: 'payeefsp' },
      name: 'Mary Jones',
      personalInfo: { complexName: { firstName: 'Mary', lastName: 'Jones' }, dateOfBirth: '1970-01-01' },
    },
    payer: {
      partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '27713803913', fspId: 'payerfsp' },
      name: 'John Doe',
      personalInfo: { complexName: { firstName: 'John', lastName: 'Doe' }, dateOfBirth: '1980-01-01' },
    },
    amountType: 'SEND',
    amount: { amount: '150.25', currency: 'USD' },
    fees: { amount: '1.5', currency: 'USD' },
    transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER', balanceOfPayments: '110' },
    geoCode: { latitude: '52.2345', longitude: '21.0123' },
    note: 'Gift for the weekend, see you soon',
    expiration: new Date(Date.now() + 60_000).toISOString(),
    extensionList: {
      extension: [
        { key: 'reference', value: 'abc-123' },
        { key: 'channel', value: 'app' },
      ],
    },
  });
  const bulk = (() => {
    const parts: string[] = [];
    let length = 0;
    while (length < 5_000_000) {
      const p = JSON.stringify({
        transferId: randomUUID(),
        transferAmount: { amount: '10.5', currency: 'USD' },
        ilpPacket: randomBytes(300).toString('base64url'),
        condition: randomBytes(32).toString('base64url'),
        extensionList: { extension: [{ key: 'k', value: 'v' }] },
      });
      parts.push(p);
      length += p.length + 1;
    }
    return `{"bulkTransferId":"${randomUUID()}","individualTransfers":[${parts.join(',')}]}`;
  })();
  const dense = (() => {
    const parts: string[] = [];
    for (let i = 0, length = 0; length < 5_000_000; i++) {
      const p = `{"a":${i},"b":[1,2,3],"c":{"d":true,"e":null,"f":"g${i}"}}`;
      parts.push(p);
      length += p.length + 1;
    }
    return `{"list":[${parts.join(',')}]}`;
  })();
  const report: string[] = [];
  for (const [name, text, minMs] of [
    ['quote (1 KB)', quote, 250],
    ['bulk (5 MB)', bulk, 250],
    ['dense (5 MB)', dense, 250],
  ] as const) {
    const raw = Buffer.from(text);
    guardJson(raw, limits);
    const guard = timeOf(() => guardJson(raw, limits), minMs);
    const parse = timeOf(() => JSON.parse(text), minMs);
    const mbps = (ms: number) => (raw.length / 1e6 / (ms / 1000)).toFixed(0);
    report.push(`${name}: guard ${mbps(guard)} MB/s, JSON.parse ${mbps(parse)} MB/s, guard/JSON.parse ${(guard / parse).toFixed(2)}`);
    // Loose bound (machines are noisy): the guard must stay well under the parse it protects.
    assert.ok(guard < parse * 1.5 + 0.05, `${name}: guard ${guard.toFixed(3)} ms vs JSON.parse ${parse.toFixed(3)} ms`);
  }
  // Inputs built to make a naive scanner quadratic or deep: each must be rejected or passed quickly.
  const fiveMb = 5 * 1024 * 1024;
  const pathological: Array<[string, string]> = [
    ['5 MB of backslash pairs in one string', `{"a":"${'\\\\'.repeat(fiveMb / 4)}"}`],
    ['5 MB of escaped quotes in one string', `{"a":"${'\\"'.repeat(fiveMb / 4)}"}`],
    ['5 MB of "[" (depth)', '['.repeat(fiveMb)],
    ['200k distinct keys in one object', `{${Array.from({ length: 200_000 }, (_, i) => `"${i}":0`).join(',')}}`],
    ['100k escaped keys in one object', `{${Array.from({ length: 100_000 }, (_, i) => `"\\u0061${i}":0`).join(',')}}`],
    ['unterminated 5 MB string', `{"a":"${'x'.repeat(fiveMb)}`],
    ['5 MB of quotes', '"'.repeat(fiveMb)],
  ];
  for (const [name, text] of pathological) {
    const raw = Buffer.from(text);
    const ms = timeOf(() => guardOutcome(raw, limits), 0);
    report.push(`${name}: ${ms.toFixed(1)} ms`);
    // Generous: a quadratic scan of any of these would take minutes, a loaded machine a few hundred ms.
    assert.ok(ms < 2500, `${name} took ${ms.toFixed(1)} ms`);
  }
  for (const line of report) t.diagnostic(line);
});

// ====================================================== (a) parse → validate → translate, in process

/** What parseJsonBody may refuse a body with: 3101 (not UTF-8 / not JSON / forbidden key), and once the JSON guard is wired 3100 (string too long) and 3103 (too many elements). */
const PARSE_CODES = ['3100', '3101', '3103'];

test('parseJsonBody: arbitrary bytes are decoded or refused with a 400 FSPIOP error, never anything else', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
        fc.string({ unit: 'binary', maxLength: 100 }).map((s) => Buffer.from(s, 'utf8')),
        fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
        fc
          .constantFrom('{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '\ufeff{}', '[]', '1', '"x"', 'null', '{"a":1}garbage')
          .map((s) => Buffer.from(s)),
      ),
      (raw) => {
        try {
          parseJsonBody(raw);
        } catch (err) {
          assert.ok(err instanceof FspiopError, `threw ${String(err)}`);
          assert.ok(PARSE_CODES.includes(err.code), `${err.code} ${err.description}`);
          assert.equal(err.httpStatus, 400);
        }
      },
    ),
    bounded(1000),
  );
});

const VERSIONS: FspiopVersion[] = ['1.1', '2.0'];
/** Every (method, route template) the FSPIOP edge validates a body for (switch/edge/fspiop-server.ts). */
const EDGE_BODY_ROUTES: Array<['POST' | 'PUT', string]> = [
  ['POST', '/transfers'],
  ['PUT', '/transfers/{ID}'],
  ['PUT', '/transfers/{ID}/error'],
  ['POST', '/quotes'],
  ['PUT', '/quotes/{ID}'],
  ['PUT', '/quotes/{ID}/error'],
  ['POST', '/participants'],
  ['POST', '/participants/{Type}/{ID}'],
  ['PUT', '/participants/{Type}/{ID}'],
  ['PUT', '/participants/{Type}/{ID}/error'],
  ['POST', '/participants/{Type}/{ID}/{SubId}'],
  ['PUT', '/participants/{Type}/{ID}/{SubId}'],
  ['PUT', '/participants/{Type}/{ID}/{SubId}/error'],
  ['PUT', '/parties/{Type}/{ID}'],
  ['PUT', '/parties/{Type}/{ID}/error'],
  ['PUT', '/parties/{Type}/{ID}/{SubId}'],
  ['PUT', '/parties/{Type}/{ID}/{SubId}/error'],
  ['POST', '/bulkQuotes'],
  ['PUT', '/bulkQuotes/{ID}'],
  ['PUT', '/bulkQuotes/{ID}/error'],
  ['POST', '/bulkTransfers'],
  ['PUT', '/bulkTransfers/{ID}'],
  ['PUT', '/bulkTransfers/{ID}/error'],
  ['POST', '/transactionRequests'],
  ['PUT', '/transactionRequests/{ID}'],
  ['PUT', '/transactionRequests/{ID}/error'],
  ['PUT', '/authorizations/{ID}'],
  ['PUT', '/authorizations/{ID}/error'],
];

test('every body route of the FSPIOP edge has a schema in both versions (a missing one would be a 500)', () => {
  for (const version of VERSIONS) {
    for (const [method, route] of EDGE_BODY_ROUTES) assert.ok(hasBodySchema(version, method, route), `${version} ${method} ${route}`);
  }
});

function checkIssue(issue: ReturnType<typeof validateFspiopBody>): void {
  if (issue === null) return;
  assert.ok(['3100', '3101', '3102', '3103'].includes(issue.code), JSON.stringify(issue));
  const error = new FspiopError(issue.code, issue.detail);
  assert.ok(error.description.startsWith(ERROR_CODES.get(issue.code)!.message), error.description);
  assert.ok(Array.from(error.description).length <= 128, error.description);
  // never cut: the description holds the whole detail, or the detail travels whole in the extension list
  const carried = (error.extensions ?? [])
    .filter((e) => e.key === 'detail')
    .map((e) => e.value)
    .join('');
  assert.ok(error.description.endsWith(` - ${issue.detail}`) || carried === issue.detail || !issue.detail, JSON.stringify(issue));
}

test('validateFspiopBody: any JSON value on any edge route gets null or a 3100/3101/3102/3103 issue, never a throw', () => {
  fc.assert(
    fc.property(fc.constantFrom(...VERSIONS), fc.constantFrom(...EDGE_BODY_ROUTES), fc.jsonValue({ maxDepth: 4 }), (version, [method, route], value) => {
      checkIssue(validateFspiopBody(version, method, route, value));
    }),
    bounded(1500),
  );
});

// ---- valid bodies, and mutations of them

const b64 = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('base64url'));
const uuid = fc.uuid({ version: 4 });
const fspId = fc.stringMatching(/^[a-z][a-z0-9]{1,15}$/);
const currency = fc.constantFrom('USD', 'EUR', 'XOF', 'BHD', 'JPY');
const amount = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }), fc.integer({ min: 0, max: 9999 }))
  .map(([whole, frac]) => (frac === 0 ? `${whole}` : `${whole}.${String(frac).padStart(4, '0').replace(/0+$/, '')}`));
const money = fc.record({ currency, amount });
const dateTime = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
const extensionList = fc.record({
  extension: fc.array(fc.record({ key: fc.string({ minLength: 1, maxLength: 32 }), value: fc.string({ minLength: 1, maxLength: 128 }) }), {
    minLength: 1,
    maxLength: 3,
  }),
});
const withOptional = <T extends object>(base: fc.Arbitrary<T>, optional: Record<string, fc.Arbitrary<unknown>>) =>
  fc.tuple(base, fc.record(optional, { requiredKeys: [] })).map(([b, o]) => ({ ...b, ...o }));

const partyIdInfo = withOptional(
  fc.record({ partyIdType: fc.constantFrom('MSISDN', 'PERSONAL_ID', 'ACCOUNT_ID'), partyIdentifier: fc.stringMatching(/^[0-9]{6,12}$/) }),
  {
    fspId,
  },
);

interface BodyCase {
  version: FspiopVersion;
  method: 'POST' | 'PUT';
  route: string;
  body: Record<string, unknown>;
}

const bodyCase: fc.Arbitrary<BodyCase> = fc
  .tuple(
    fc.constantFrom(...VERSIONS),
    fc.oneof(
      withOptional(
        fc.record({ transferId: uuid, payerFsp: fspId, payeeFsp: fspId, amount: money, ilpPacket: b64(120), condition: b64(32), expiration: dateTime }),
        { extensionList },
      ).map((body) => ({ method: 'POST' as const, route: '/transfers', body })),
      withOptional(fc.record({ transferState: fc.constantFrom('RECEIVED', 'RESERVED', 'COMMITTED', 'ABORTED') }), {
        fulfilment: b64(32),
        completedTimestamp: dateTime,
        extensionList,
      }).map((body) => ({ method: 'PUT' as const, route: '/transfers/{ID}', body })),
      fc
        .tuple(
          withOptional(fc.record({ errorCode: fc.stringMatching(/^[1-9]\d{3}$/), errorDescription: fc.string({ minLength: 1, maxLength: 128 }) }), {
            extensionList,
          }),
          fc.constantFrom('/transfers/{ID}/error', '/quotes/{ID}/error', '/parties/{Type}/{ID}/error'),
        )
        .map(([errorInformation, route]) => ({ method: 'PUT' as const, route, body: { errorInformation } })),
      withOptional(
        fc.record({
          quoteId: uuid,
          transactionId: uuid,
          payee: fc.record({ partyIdInfo }),
          payer: fc.record({ partyIdInfo }),
          amountType: fc.constantFrom('SEND', 'RECEIVE'),
          amount: money,
          transactionType: fc.record({
            scenario: fc.constantFrom('TRANSFER', 'DEPOSIT'),
            initiator: fc.constantFrom('PAYER', 'PAYEE'),
            initiatorType: fc.constantFrom('CONSUMER', 'BUSINESS'),
          }),
        }),
        { expiration: dateTime, note: fc.string({ minLength: 1, maxLength: 128 }), extensionList, transactionRequestId: uuid },
      ).map((body) => ({ method: 'POST' as const, route: '/quotes', body })),
      withOptional(fc.record({ transferAmount: money, expiration: dateTime, ilpPacket: b64(120), condition: b64(32) }), {
        payeeFspFee: money,
        extensionList,
      }).map((body) => ({
        method: 'PUT' as const,
        route: '/quotes/{ID}',
        body,
      })),
      withOptional(fc.record({ fspId }), { currency }).map((body) => ({ method: 'POST' as const, route: '/participants/{Type}/{ID}', body })),
      fc
        .record({ party: withOptional(fc.record({ partyIdInfo }), { name: fc.string({ minLength: 1, maxLength: 128 }) }) })
        .map((body) => ({ method: 'PUT' as const, route: '/parties/{Type}/{ID}', body })),
    ),
  )
  .map(([version, c]) => ({ version, ...c }));

/** Interesting replacement values for a mutated field. */
const replacement: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '-1',
    '1e3',
    '0.00001',
    '1'.repeat(40),
    '1.',
    '.5',
    '01',
    'USD',
    'XXX',
    'usd',
    'COMMITTED',
    'RESERVED',
    'ABORTED',
    'null',
    '\u0000',
    '\ud800',
    'é',
    '2099-01-01T00:00:00.000Z',
    '2000-02-30T00:00:00.000Z',
    '2024-01-01T00:00:00Z',
    'a'.repeat(200),
    '9999',
    '3100',
    'abc',
    ' ',
    'x'.repeat(32769),
    0,
    -1,
    1e308,
    1.5,
    true,
    false,
    null,
    [],
    {},
    [1, 2],
    { amount: '1', currency: 'USD' },
  ),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.jsonValue({ maxDepth: 2 }),
);

type JsonMutation = { op: 'delete'; at: number } | { op: 'replace'; at: number; value: unknown } | { op: 'add'; at: number; key: string; value: unknown };

const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: replacement }),
  fc.record({
    op: fc.constant('add' as const),
    at: fc.nat(),
    key: fc.oneof(fc.constantFrom('extra', 'transferId', 'amount', 'fspId', ''), fc.string({ maxLength: 6 })),
    value: replacement,
  }),
);

type Slot = { parent: Record<string, unknown> | unknown[]; key: string | number };

function slotsOf(value: unknown): Slot[] {
  const slots: Slot[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((item, i) => (slots.push({ parent: v, key: i }), visit(item)));
    else if (v !== null && typeof v === 'object')
      for (const [k, item] of Object.entries(v)) (slots.push({ parent: v as Record<string, unknown>, key: k }), visit(item));
  };
  visit(value);
  return slots;
}

function containersOf(value: unknown): Array<Record<string, unknown> | unknown[]> {
  const out: Array<Record<string, unknown> | unknown[]> = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) (out.push(v), v.forEach(visit));
    else if (v !== null && typeof v === 'object') (out.push(v as Record<string, unknown>), Object.values(v).forEach(visit));
  };
  visit(value);
  return out;
}

function applyJsonMutations(body: unknown, mutations: JsonMutation[]): unknown {
  let value = structuredClone(body);
  for (const mutation of mutations) {
    // Replacement values may be shared constants: insert copies, never the generator's own objects.
    const m = 'value' in mutation ? { ...mutation, value: structuredClone(mutation.value) } : mutation;
    if (m.op === 'add') {
      const containers = containersOf(value);
      if (containers.length === 0) continue;
      const target = containers[m.at % containers.length]!;
      if (Array.isArray(target)) target.push(m.value);
      else Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      continue;
    }
    const slots = slotsOf(value);
    if (slots.length === 0) {
      if (m.op === 'replace') value = m.value;
      continue;
    }
    const { parent, key } = slots[m.at % slots.length]!;
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
    } else if (Array.isArray(parent)) parent[key as number] = m.value;
    else parent[key as string] = m.value;
  }
  return value;
}

type ByteMutation = { op: 'flip' | 'insert' | 'delete' | 'truncate' | 'dupKey'; at: number; byte: number };
const byteMutation: fc.Arbitrary<ByteMutation> = fc.record({
  op: fc.constantFrom('flip', 'insert', 'delete', 'truncate', 'dupKey'),
  at: fc.nat(),
  byte: fc.oneof(fc.constantFrom(0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x00, 0xff, 0xc3, 0x20), fc.integer({ min: 0, max: 255 })),
});

function applyByteMutations(raw: Buffer, mutations: ByteMutation[]): Buffer {
  let b = raw;
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.op === 'flip' && b.length > 0) ((b = Buffer.from(b)), (b[at] = m.byte));
    else if (m.op === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
    else if (m.op === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    else if (m.op === 'truncate') b = b.subarray(0, at);
    else if (m.op === 'dupKey') {
      // Repeat the first top-level member at the front: {"k":v,...} -> {"k":v,"k":v,...}
      const text = b.toString('utf8');
      const match = /^\{("(?:[^"\\]|\\.)*":(?:"(?:[^"\\]|\\.)*"|[^,{}[\]]*)),/.exec(text);
      if (match) b = Buffer.from(`{${match[1]},${text.slice(1)}`);
    }
  }
  return b;
}

/** Translates a body that validated, the way the edge does; round-trips where a reverse exists. */
function translate(c: BodyCase, body: any): void {
  const at = new Date().toISOString();
  const id = randomUUID();
  if (c.route === '/transfers') {
    const back = prepareFromCanonical(prepareToCanonical(body as FspiopTransferPrepare, at));
    for (const k of ['transferId', 'payerFsp', 'payeeFsp', 'ilpPacket', 'condition', 'expiration'] as const) assert.equal(back[k], body[k], k);
    assert.deepEqual(back.amount, { amount: body.amount.amount, currency: body.amount.currency });
    assert.deepEqual(plain(back.extensionList?.extension), plain(body.extensionList?.extension));
  } else if (c.route === '/transfers/{ID}') {
    const back = statusFromCanonical(statusToCanonical(id, body as FspiopTransferFulfil, at));
    assert.equal(back.transferState, body.transferState);
    assert.equal(back.fulfilment, body.fulfilment);
    assert.equal(back.completedTimestamp, body.completedTimestamp);
  } else if (c.route.endsWith('/error')) {
    const back = errorFromCanonical(errorToCanonical(id, body as FspiopErrorBody, at));
    assert.equal(back.errorInformation.errorCode, body.errorInformation.errorCode);
    assert.equal(back.errorInformation.errorDescription, body.errorInformation.errorDescription);
  } else if (c.route === '/quotes') {
    const q = quoteRequestToCanonical(body as FspiopQuoteRequest, 'payer', 'payee', at);
    assert.equal(q.CdtTrfTxInf.PmtId.TxId, body.quoteId);
  } else if (c.route === '/quotes/{ID}') {
    const q = quoteResponseToCanonical(id, body as FspiopQuoteResponse, at);
    assert.equal(q.CdtTrfTxInf.ExctnCond, body.condition);
  }
}

test('valid bodies validate and translate; mutated bodies are refused with an FSPIOP issue or translate without throwing', () => {
  let translated = 0;
  let refused = 0;
  fc.assert(
    fc.property(bodyCase, fc.array(jsonMutation, { maxLength: 3 }), fc.array(byteMutation, { maxLength: 2 }), (c, jsonMutations, byteMutations) => {
      const issue0 = validateFspiopBody(c.version, c.method, c.route, c.body);
      assert.equal(issue0, null, `generator: ${c.method} ${c.route} ${JSON.stringify(c.body)}: ${issue0?.detail}`);
      translate(c, c.body);
      const mutated = applyJsonMutations(c.body, jsonMutations);
      const raw = applyByteMutations(Buffer.from(JSON.stringify(mutated) ?? 'null'), byteMutations);
      let value: unknown;
      try {
        value = parseJsonBody(raw);
      } catch (err) {
        assert.ok(err instanceof FspiopError && PARSE_CODES.includes(err.code), `parse threw ${String(err)}`);
        refused++;
        return;
      }
      const issue = validateFspiopBody(c.version, c.method, c.route, value);
      checkIssue(issue);
      if (issue) {
        refused++;
        return;
      }
      translate(c, value);
      translated++;
    }),
    bounded(2500),
  );
  assert.ok(translated > 0 && refused > 0, `translated ${translated}, refused ${refused}`);
});

// ======================================================================= (b) the live FSPIOP edge

let database: TestDatabase | undefined;
let hub: HubProcess | undefined;
let ctx: SuiteContext | undefined;
interface Participants {
  /** The pair whose requests are fuzzed. */
  payer: DfspSimulator;
  payee: DfspSimulator;
  /** A pair that takes no part in the fuzz: it must not notice it. */
  bystanders: { payer: DfspSimulator; payee: DfspSimulator };
}

/** Hub start and provisioning run while the in-process properties above use the CPU. */
let ready: Promise<Participants> | undefined;

before(() => {
  ready = (async () => {
    database = await createTestDatabase('mizani_fuzz');
    hub = await startHubProcess({ MIZANI_DATABASE_URL: database.url, MIZANI_EXPIRY_SWEEP_MS: '200' });
    ctx = new SuiteContext({ hubUrl: hub.fspiopUrl, adminUrl: hub.adminUrl, sign: false, timeoutMs: 10_000 });
    const [fuzzers, bystanders] = await Promise.all([ctx.newPair(), ctx.newPair()]);
    return { ...fuzzers, bystanders };
  })();
  ready.catch(() => undefined); // reported by the test that awaits it
});

after(async () => {
  // When a name filter skipped the live tests, the hub may still be starting: let it, then clean up.
  await ready?.catch(() => undefined);
  await ctx?.close();
  if (hub) await hub.stopWithin(3000);
  await database?.drop();
});

/** A transfer payer → payee clears: the payer gets the COMMITTED fulfil within `ms` (diagnostics otherwise). */
async function assertTransferClears(payer: DfspSimulator, payee: DfspSimulator, what: string, ms = 10_000): Promise<void> {
  const transfer = ctx!.newTransfer({ payer, payee, amount: '2' });
  const since = payer.mark();
  const res = await ctx!.sendPrepare(transfer);
  assert.equal(res.status, 202, `${what}: ${res.rawBody}`);
  const fulfil = await ctx!.waitTransferCallback(payer, transfer.transferId, { type: 'put', since, timeoutMs: ms }).catch(async (err: Error) => {
    const seen = payee.find((r) => r.bodyText.includes(transfer.transferId) || r.path.includes(transfer.transferId));
    const answered = payee.outbound.filter((o) => o.transferId === transfer.transferId);
    const state = await stateOf(database!.url, transfer.transferId);
    throw new Error(
      `${what}: ${err.message.split('\n')[0]}` +
        `\n  transfer state in the database: ${state}` +
        `\n  payee received: ${seen.map((r) => `${r.method} ${r.path}`).join(', ') || '(nothing)'}` +
        `\n  payee answered: ${answered.map((o) => `${o.behaviour} → ${o.response?.status ?? o.error}`).join(', ') || '(nothing)'}` +
        `\n  hub callback failures to ${payer.name}: ${hub!.logs.filter((l) => l.includes('callback delivery failed') && l.includes(new URL(payer.baseUrl).host)).length}`,
    );
  });
  assert.equal(fulfil.body?.transferState, 'COMMITTED', `${what}: ${fulfil.bodyText}`);
}

interface LiveRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

type Template = 'prepare' | 'fulfil' | 'transferError' | 'getTransfer' | 'quote' | 'quoteAnswer' | 'getParty' | 'registerParty' | 'patch' | 'health';

function baseRequest(template: Template, payer: DfspSimulator, payee: DfspSimulator, known: string[]): LiveRequest {
  const media = (resource: string, accept: boolean) => ({
    'content-type': `application/vnd.interoperability.${resource}+json;version=1.1`,
    ...(accept ? { accept: `application/vnd.interoperability.${resource}+json;version=1` } : {}),
    date: imfDate(),
  });
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const someId = known.length > 0 && Math.random() < 0.5 ? known[Math.floor(Math.random() * known.length)]! : randomUUID();
  switch (template) {
    case 'prepare': {
      const t = ctx!.newTransfer({ payer, payee, amount: '1' });
      known.push(t.transferId);
      return {
        method: 'POST',
        path: '/transfers',
        headers: { ...media('transfers', true), 'fspiop-source': payer.name, 'fspiop-destination': payee.name },
        body: json(t.body),
      };
    }
    case 'fulfil':
      return {
        method: 'PUT',
        path: `/transfers/${someId}`,
        headers: { ...media('transfers', false), 'fspiop-source': payee.name, 'fspiop-destination': payer.name },
        body: json({ transferState: 'COMMITTED', fulfilment: randomBytes(32).toString('base64url'), completedTimestamp: new Date().toISOString() }),
      };
    case 'transferError':
      return {
        method: 'PUT',
        path: `/transfers/${someId}/error`,
        headers: { ...media('transfers', false), 'fspiop-source': payee.name, 'fspiop-destination': payer.name },
        body: json({ errorInformation: { errorCode: '5100', errorDescription: 'Generic Payee rejection' } }),
      };
    case 'getTransfer':
      return {
        method: 'GET',
        path: `/transfers/${someId}`,
        headers: { ...media('transfers', true), 'fspiop-source': payer.name, 'fspiop-destination': 'Hub' },
      };
    case 'quote':
      return {
        method: 'POST',
        path: '/quotes',
        headers: { ...media('quotes', true), 'fspiop-source': payer.name, 'fspiop-destination': payee.name },
        body: json({
          quoteId: randomUUID(),
          transactionId: randomUUID(),
          payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '27713803912', fspId: payee.name } },
          payer: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '44123456789', fspId: payer.name } },
          amountType: 'SEND',
          amount: { amount: '5', currency: 'USD' },
          transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
        }),
      };
    case 'quoteAnswer':
      return {
        method: 'PUT',
        path: `/quotes/${randomUUID()}`,
        headers: { ...media('quotes', false), 'fspiop-source': payee.name, 'fspiop-destination': payer.name },
        body: json({
          transferAmount: { amount: '5', currency: 'USD' },
          expiration: new Date(Date.now() + 60_000).toISOString(),
          ilpPacket: randomBytes(90).toString('base64url'),
          condition: randomBytes(32).toString('base64url'),
        }),
      };
    case 'getParty':
      return {
        method: 'GET',
        path: `/parties/MSISDN/2${Math.floor(Math.random() * 1e10)}`,
        headers: { ...media('parties', true), 'fspiop-source': payer.name },
      };
    case 'registerParty':
      return {
        method: 'POST',
        path: `/participants/MSISDN/3${Math.floor(Math.random() * 1e10)}`,
        headers: { ...media('participants', true), 'fspiop-source': payee.name },
        body: json({ fspId: payee.name, currency: 'USD' }),
      };
    case 'patch':
      return {
        method: 'PATCH',
        path: `/transfers/${someId}`,
        headers: { ...media('transfers', false), 'fspiop-source': payee.name },
        body: json({ transferState: 'COMMITTED', completedTimestamp: new Date().toISOString() }),
      };
    case 'health':
      return { method: 'GET', path: '/health', headers: {} };
  }
}

/** Header values undici will send (visible ASCII, space, tab, obs-text) — CR/LF/NUL are the raw-socket test's business. */
const headerValue = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'application/json',
    'application/vnd.interoperability.transfers+json;version=9.9',
    'application/vnd.interoperability.iso20022.transfers+json;version=2.0',
    'application/vnd.interoperability.transfers+json;version=1.1, text/html',
    'Sun, 06 Nov 1994 08:49:37 GMT',
    'Mon, 31 Feb 2025 10:00:00 GMT',
    'yesterday',
    'Hub',
    'hub',
    'nobody',
    'x'.repeat(33),
    'caf\u00e9',
    '*/*',
    '{"signature":"x","protectedHeader":"y"}',
  ),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
);

type RequestMutation =
  | { op: 'dropHeader'; name: string }
  | { op: 'setHeader'; name: string; value: string }
  | { op: 'method'; method: string }
  | { op: 'path'; variant: number; text: string }
  | { op: 'json'; mutations: JsonMutation[] }
  | { op: 'bytes'; mutations: ByteMutation[] }
  | { op: 'body'; body: Uint8Array | null };

const HEADER_NAMES = [
  'content-type',
  'accept',
  'date',
  'fspiop-source',
  'fspiop-destination',
  'fspiop-signature',
  'fspiop-uri',
  'fspiop-http-method',
  'content-encoding',
  'x-extra',
];

const requestMutation: fc.Arbitrary<RequestMutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('dropHeader' as const), name: fc.constantFrom(...HEADER_NAMES) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('setHeader' as const), name: fc.constantFrom(...HEADER_NAMES), value: headerValue }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('method' as const), method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('path' as const), variant: fc.nat({ max: 7 }), text: fc.string({ unit: 'binary', maxLength: 12 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('json' as const), mutations: fc.array(jsonMutation, { minLength: 1, maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('bytes' as const), mutations: fc.array(byteMutation, { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('body' as const), body: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }) }) },
);

function mutatePath(path: string, variant: number, text: string): string {
  const segments = path.split('/');
  const enc = encodeURIComponent(text.replace(/\p{Surrogate}/gu, '\ufffd')); // lone surrogates have no URI form
  switch (variant) {
    case 0:
      return `${path}/${enc}`;
    case 1:
      return segments.length > 2 ? [...segments.slice(0, -1), enc].join('/') : `${path}/${enc}`;
    case 2:
      return `${path}/`;
    case 3:
      return path.toUpperCase();
    case 4:
      return `${path}?currency=${enc}`;
    case 5:
      return `/${enc}${path}`;
    case 6:
      return path.replace(/\/[^/]+$/, `/${'%'.repeat(1 + (text.length % 3))}41`);
    default:
      return `${path}//${enc}`;
  }
}

function applyRequestMutations(base: LiveRequest, mutations: RequestMutation[]): LiveRequest {
  const req: LiveRequest = { ...base, headers: { ...base.headers } };
  for (const m of mutations) {
    if (m.op === 'dropHeader') delete req.headers[m.name];
    else if (m.op === 'setHeader') req.headers[m.name] = m.value;
    else if (m.op === 'method') req.method = m.method;
    else if (m.op === 'path') req.path = mutatePath(req.path, m.variant, m.text);
    else if (m.op === 'json') {
      if (!req.body) continue;
      let value: unknown;
      try {
        value = JSON.parse(req.body.toString('utf8'));
      } catch {
        continue;
      }
      req.body = Buffer.from(JSON.stringify(applyJsonMutations(value, m.mutations)) ?? 'null');
    } else if (m.op === 'bytes') req.body = applyByteMutations(req.body ?? Buffer.alloc(0), m.mutations);
    else req.body = m.body === null ? undefined : Buffer.from(m.body);
  }
  if (req.method === 'GET' || req.method === 'HEAD') req.body = undefined;
  return req;
}

interface LiveFinding {
  request: string;
  status: number;
  body: string;
  problem: string;
}

/**
 * Refusals the contract words in full instead of "<standard message> - <detail>" (as Mojaloop does), that the live
 * FSPIOP edge can give: a participant's error callback carrying a code that is not an FSPIOP error code (errors.md).
 */
const CONTRACT_WORDED: Array<[string, RegExp]> = [['3100', /^The incoming error code: .* is not a valid mojaloop specification error code$/s]];

/** Why a response is not a well-formed FSPIOP answer (undefined when it is). */
function responseProblem(req: LiveRequest, status: number, headers: Record<string, string | string[] | undefined>, body: string): string | undefined {
  if (req.method === 'HEAD') return status >= 500 ? `HTTP ${status} to a HEAD` : undefined; // no body to check
  if (status >= 200 && status < 300) {
    if (!req.path.startsWith('/health') && body.length > 0) return 'a 2xx with a body';
    return undefined;
  }
  let parsed: any;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'an error whose body is not JSON';
  }
  const info = parsed?.errorInformation;
  if (!info || typeof info !== 'object') return 'an error without errorInformation';
  const known = ERROR_CODES.get(info.errorCode);
  if (!known) return `an error code ${String(info.errorCode)} outside the table`;
  if (typeof info.errorDescription !== 'string' || info.errorDescription.length < 1 || info.errorDescription.length > 128)
    return 'an errorDescription that is not 1..128 characters';
  const contractWorded = CONTRACT_WORDED.some(([code, pattern]) => info.errorCode === code && pattern.test(info.errorDescription));
  if (!contractWorded && !info.errorDescription.startsWith(known.message)) return `an errorDescription not starting with "${known.message}"`;
  const expected = info.errorCode === '3000' && status === 405 && headers['allow'] ? 405 : known.httpStatus;
  if (status !== expected) return `HTTP ${status} for code ${info.errorCode} (the table says ${known.httpStatus})`;
  return undefined;
}

test('live FSPIOP edge: mutated requests always get a well-formed FSPIOP answer; the hub survives and the books balance', { timeout: 60_000 }, async (t) => {
  const { payer, payee, bystanders } = await ready!;
  const hubProcess = hub!;
  const known: string[] = [];
  const logsBefore = hubProcess.logs.length;
  const findings: LiveFinding[] = [];
  const serverErrors: LiveFinding[] = [];
  let sent = 0;
  let clientRefused = 0;
  const templates: Template[] = ['prepare', 'fulfil', 'transferError', 'getTransfer', 'quote', 'quoteAnswer', 'getParty', 'registerParty', 'patch', 'health'];

  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...templates), fc.array(requestMutation, { maxLength: 4 }), async (template, mutations) => {
      const req = applyRequestMutations(baseRequest(template, payer, payee, known), mutations);
      const label = `${req.method} ${req.path} ${JSON.stringify(req.headers)} ${req.body ? JSON.stringify(req.body.toString('utf8').slice(0, 300)) : '(no body)'}`;
      let res;
      try {
        res = await request(hubProcess.fspiopUrl + req.path, {
          method: req.method as 'GET',
          headers: req.headers,
          body: req.body ?? null,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
      } catch (err) {
        const message = err instanceof Error ? `${(err as { code?: string }).code ?? ''} ${err.message}` : String(err);
        // undici refuses some requests itself (invalid path characters, body on a HEAD ...): not the hub's doing.
        if (/UND_ERR_INVALID_ARG|InvalidArgumentError|invalid (request|header)|not a valid/i.test(message)) {
          clientRefused++;
          return;
        }
        throw new Error(`${label}\n  → no answer: ${message}`);
      }
      const body = await res.body.text();
      sent++;
      const problem = responseProblem(req, res.statusCode, res.headers, body);
      const finding = { request: label, status: res.statusCode, body: body.slice(0, 300), problem: problem ?? '' };
      if (res.statusCode >= 500 && !(res.statusCode === 501 && body.includes('"2002"'))) serverErrors.push(finding);
      if (problem) findings.push(finding);
      // Non-FSPIOP answers to client mistakes are a known gap (framework errors, e.g. bad percent-encoding in the URL):
      // collected and reported below; an unframed 5xx fails at once.
      if (problem && res.statusCode >= 500) throw new Error(`${label}\n  → HTTP ${res.statusCode} ${body.slice(0, 300)}: ${problem}`);
    }),
    { numRuns: 3000, interruptAfterTimeLimit: 7000, markInterruptAsFailure: false },
  );

  t.diagnostic(`${sent} requests answered, ${clientRefused} refused by the HTTP client itself`);
  for (const f of serverErrors.slice(0, 10)) t.diagnostic(`5xx: ${f.status} ${f.body} ← ${f.request}`);
  const byProblem = new Map<string, LiveFinding[]>();
  for (const f of findings) {
    const key = `${f.status} ${f.problem}${/"code":"(FST_[A-Z_]+)"/.exec(f.body)?.[1] ? ` (${/"code":"(FST_[A-Z_]+)"/.exec(f.body)![1]})` : ''}`;
    byProblem.set(key, [...(byProblem.get(key) ?? []), f]);
  }
  for (const [key, list] of byProblem)
    t.diagnostic(`not FSPIOP-shaped ×${list.length}: ${key} — e.g. ${list[0]!.body.slice(0, 120)} ← ${list[0]!.request.slice(0, 160)}`);
  // What the hub logged as errors meanwhile (answers were fine, but something failed behind them).
  const errorLogs = hubProcess.logs.slice(logsBefore).filter((line) => /"level":50/.test(line));
  const byMessage = new Map<string, number>();
  for (const line of errorLogs) {
    const key = /"message":"([^"]{0,120})/.exec(line)?.[1] ?? /"msg":"([^"]{0,120})/.exec(line)?.[1] ?? line.slice(0, 120);
    byMessage.set(key, (byMessage.get(key) ?? 0) + 1);
  }
  for (const [message, n] of byMessage) t.diagnostic(`hub logged an error ×${n}: ${message}`);

  assert.equal(hubProcess.child.exitCode, null, 'the hub process is still running');
  assert.equal(hubProcess.child.signalCode, null, 'the hub process is still running');
  const health = await request(hubProcess.fspiopUrl + '/health');
  assert.equal(health.statusCode, 200, await health.body.text());

  // Participants that took no part in the fuzz are unaffected.
  await assertTransferClears(bystanders.payer, bystanders.payee, 'bystanders after the fuzz');

  await assertBooksBalance(database!.url);
  frameworkGaps = findings.filter(isKnownFrameworkGap);
  assert.deepEqual(
    findings
      .filter((f) => !isKnownFrameworkGap(f))
      .map((f) => `${f.status} ${f.problem}: ${f.body} ← ${f.request}`)
      .slice(0, 5),
    [],
    'every answer is 2xx or a well-formed FSPIOP error',
  );
});

/** Answers of the live fuzz that came from fastify itself, not in FSPIOP form (see isKnownFrameworkGap). */
let frameworkGaps: LiveFinding[] | undefined;

// The fuzz makes the hub author callbacks whose FSPIOP-URI holds a party id with characters a header
// cannot carry (non-Latin-1, CR/LF, NUL: switch/notify/discovery-outbox.ts partyUri). undici 7.30.2
// rejects each such request with UND_ERR_INVALID_ARG but leaks the Pool slot; after `connections` (32)
// of them every later callback to that participant's origin hangs forever, unanswered and unlogged,
// and the hub's graceful stop never finishes. Whether a run sends 32 of them is up to chance.
test('live FSPIOP edge: the fuzzing participants themselves still receive their callbacks afterwards', async () => {
  const { payer, payee } = await ready!;
  await assertTransferClears(payer, payee, 'the fuzzing pair after the fuzz', 3000);
});

test('live FSPIOP edge: errors fastify raises before routing (bad percent-encoding, over-long path parameters) are FSPIOP-shaped', () => {
  assert.ok(frameworkGaps, 'the live fuzz ran');
  assert.deepEqual(frameworkGaps.map((f) => `${f.status} ${f.body} ← ${f.request.slice(0, 160)}`).slice(0, 5), []);
});

/**
 * Answers fastify gives before any Mizani code runs (URL decoding, router limits). They are not in
 * FSPIOP form yet (reported to the lead: a `frameworkErrors` handler is needed); the live fuzz
 * reports them as diagnostics instead of failing on them.
 */
function isKnownFrameworkGap(f: LiveFinding): boolean {
  return f.status < 500 && /"code":"FST_ERR_(BAD_URL|MAX_PARAM_LENGTH|ASYNC_CONSTRAINT|BAD_STATUS_CODE)"/.test(f.body);
}

async function stateOf(url: string, transferId: string): Promise<string> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const r = await db.query<{ state: string }>('SELECT state FROM transfer WHERE id = $1', [transferId]);
    return r.rows[0]?.state ?? '(no row)';
  } finally {
    await db.end();
  }
}

/** Ledger invariants on what PostgreSQL holds. */
async function assertBooksBalance(url: string): Promise<void> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const perCurrency = await db.query<{ currency: string; total: string }>(
      `SELECT a.currency, sum(j.amount)::text AS total FROM journal_entry j JOIN account a ON a.id = j.account_id
       GROUP BY a.currency HAVING sum(j.amount) <> 0`,
    );
    assert.deepEqual(perCurrency.rows, [], 'the journal sums to zero per currency');
    const drifted = await db.query<{ id: number; value: string; journal: string }>(
      `SELECT a.id, a.value::text AS value, coalesce(sum(j.amount), 0)::text AS journal
       FROM account a LEFT JOIN journal_entry j ON j.account_id = a.id
       GROUP BY a.id HAVING a.value <> coalesce(sum(j.amount), 0)`,
    );
    assert.deepEqual(drifted.rows, [], 'every account value equals the sum of its journal entries');
    const entries = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM journal_entry');
    assert.ok(Number(entries.rows[0]!.n) > 0, 'the journal is not empty (funds in and transfers were booked)');
  } finally {
    await db.end();
  }
}
