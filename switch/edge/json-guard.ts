/**
 * A structural guard run over a JSON request body's text BEFORE it is parsed: one linear pass, no
 * value is built. It refuses what JSON.parse would silently accept but the hub must not:
 *
 * | What | Code | Why that code |
 * |---|---|---|
 * | nesting deeper than `maxDepth` | 3101 Malformed syntax | RFC 8259 §9 lets a parser limit nesting depth; text beyond the limit is JSON this API does not accept, i.e. a syntax refusal. (Mojaloop has no depth rule; its schema validation would refuse such a body with a `type` or `additionalProperties` error, and the guard must answer before any schema runs.) 3103 is kept for element counts, 3104 for byte size. |
 * | a key twice in one object (compared after unescaping) | 3101 | JSON.parse keeps the last one silently, so a signed or hashed body could mean two things (RFC 8259 §4: "names SHOULD be unique"). |
 * | a key `__proto__`, `constructor` or `prototype` | 3101 | prototype pollution; no FSPIOP body has such a member. |
 * | more than `maxKeys` object members + array elements in the whole document | 3103 Too many elements | errors.md: "array too long, additional properties". |
 * | a string (key or value) longer than `maxStringLength` UTF-16 code units after unescaping | 3100 Generic validation error | the contract maps `maxLength` to 3100 (fspiop.md §4). |
 *
 * It is not a JSON validator: on text that is not JSON it may stop early without complaint (JSON.parse,
 * which runs afterwards, reports 3101 "not valid JSON"); on valid JSON it reports exactly the rules
 * above, the first violation in document order. It throws nothing but FspiopError, whatever the input.
 * Run it after the UTF-8 check: on invalid UTF-8, keys are compared after lenient decoding.
 *
 * Paths in descriptions are JSON Pointers under `/requestBody` (the schema errors' convention).
 *
 * Limits that fit every FSPIOP body (v1.1 and v2.0 schemas): `{ maxDepth: 32, maxKeys: 1_000_000,
 * maxStringLength: 32_768 }` — no schema nests deeper than about 8 levels; the most members a legal
 * body can have is about 550 000 (POST /participants: 10 000 parties, each with 16 extensions, fits
 * in 5 MiB), while 5 MiB of `[{},{},…]` would be 1.7 million objects; the longest string any schema
 * allows is the 32 768-character ilpPacket (a longer one would fail the schema with the same 3100).
 * Run the guard on the raw body after the UTF-8 check and before JSON.parse; with it in place
 * secure-json-parse adds nothing (the guard refuses every key it would).
 */
import { FspiopError } from '../../schemas/errors.js';

export interface JsonGuardLimits {
  /** Deepest nesting of objects/arrays allowed (a bare `{}` is depth 1, a scalar depth 0). */
  maxDepth: number;
  /** Most object members + array elements in the whole document. */
  maxKeys?: number;
  /** Longest string, key or value, in UTF-16 code units after unescaping. */
  maxStringLength?: number;
  /** Prefix of the paths in error descriptions. Default `/requestBody`. */
  root?: string;
}

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d; // }
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]
const COMMA = 0x2c; // ,

const KIND_OBJECT = 1;
const KIND_ARRAY = 2;

/** An object's keys are compared byte-wise while it has at most this many; beyond, they go into a Set. */
const LINEAR_KEYS = 12;
/** Value strings are scanned byte by byte up to this length, then with (native) indexOf. */
const INLINE_SCAN = 16;
/** "No limit" for counts (a body has fewer bytes than this). */
const UNLIMITED = 0x3fffffff;

const SIMPLE_ESCAPES: Record<number, string> = {
  0x22: '"',
  0x5c: '\\',
  0x2f: '/',
  0x62: '\b',
  0x66: '\f',
  0x6e: '\n',
  0x72: '\r',
  0x74: '\t',
};

/** Thrown internally when the text is not JSON: the guard stops and leaves the verdict to JSON.parse. */
const NOT_JSON = Symbol('not JSON');

const EMPTY = Buffer.alloc(0);

/**
 * Checks a JSON body against `limits` in one pass. Throws FspiopError (3101, 3103 or 3100, see the
 * table above) on the first violation; returns quietly otherwise, including when the input is not
 * JSON at all.
 *
 * `body` is preferably the raw bytes as received (a Buffer): the scan works on UTF-8 bytes (every
 * JSON structural character is ASCII, and no byte of a multi-byte UTF-8 sequence is), and decoding
 * to a string first, or re-encoding one, costs about as much as the scan itself. A string is
 * accepted too and encoded first (lone surrogates escaped, so that keys compare exactly as
 * JSON.parse would see them).
 */
export function guardJson(body: string | Uint8Array, limits: JsonGuardLimits): void {
  try {
    scanner.reset(typeof body === 'string' ? encode(body) : asBuffer(body), limits);
    scanner.run();
  } catch (err) {
    if (err === NOT_JSON) return;
    if (err instanceof FspiopError) throw err;
    // Defensive: a bug in the scan (or a RangeError on absurd input) must not surface as a 500.
    throw new FspiopError('3101', 'request body could not be checked');
  } finally {
    scanner.release();
  }
}

/** A Buffer view (no copy): Buffer's indexOf is a native memchr, TypedArray's is not. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function encode(text: string): Buffer {
  // A lone surrogate has no UTF-8 form (it would become U+FFFD, and two different keys could look
  // alike): write it as the escape JSON.parse would read back as the same code unit.
  const wellFormed = (text as unknown as { isWellFormed?: () => boolean }).isWellFormed?.() ?? !/\p{Surrogate}/u.test(text);
  const safe = wellFormed ? text : text.replace(/\p{Surrogate}/gu, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return Buffer.from(safe, 'utf8');
}

function hex(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  return -1;
}

/** The value of a JSON string body (between the quotes), given as decoded text with its escapes. */
function unescape(raw: string): string {
  let out = '';
  let run = 0;
  let i = 0;
  const end = raw.length;
  while (i < end) {
    if (raw.charCodeAt(i) !== BACKSLASH) {
      i++;
      continue;
    }
    out += raw.slice(run, i);
    const c = raw.charCodeAt(i + 1);
    if (c === 0x75 /* u */) {
      if (i + 6 > end) throw NOT_JSON;
      const a = hex(raw.charCodeAt(i + 2));
      const b = hex(raw.charCodeAt(i + 3));
      const d = hex(raw.charCodeAt(i + 4));
      const e = hex(raw.charCodeAt(i + 5));
      if ((a | b | d | e) < 0) throw NOT_JSON;
      out += String.fromCharCode((a << 12) | (b << 8) | (d << 4) | e);
      i += 6;
    } else {
      const simple = SIMPLE_ESCAPES[c];
      if (simple === undefined) throw NOT_JSON;
      out += simple;
      i += 2;
    }
    run = i;
  }
  return out + raw.slice(run, end);
}

/** UTF-16 length after unescaping of the string bytes [start, end) (an upper bound on invalid UTF-8). */
function unescapedLength(b: Uint8Array, start: number, end: number): number {
  let length = 0;
  let i = start;
  while (i < end) {
    const c = b[i]!;
    if (c === BACKSLASH) {
      i += b[i + 1] === 0x75 ? 6 : 2;
      length++;
    } else if (c < 0x80) {
      i++;
      length++;
    } else if (c >= 0xf0) {
      i += 4;
      length += 2; // outside the BMP: a surrogate pair
    } else {
      i += c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      length++;
    }
  }
  return length;
}

/**
 * Index of the quote closing a string, searching from `from` (which must be at an escape boundary:
 * just after the opening quote, or after a complete escape), or -1 when unterminated. Native indexOf
 * finds candidates; one preceded by an odd run of backslashes is escaped. The backward count never
 * crosses `from`, so the whole search is linear.
 */
function closingQuote(b: Uint8Array, from: number): number {
  for (;;) {
    const q = b.indexOf(QUOTE, from);
    if (q < 0) return -1;
    let k = q - 1;
    while (k >= from && b[k] === BACKSLASH) k--;
    if (((q - 1 - k) & 1) === 0) return q;
    from = q + 1; // just after an escaped quote: again an escape boundary
  }
}

function sameBytes(b: Uint8Array, x: number, y: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (b[x + k] !== b[y + k]) return false;
  return true;
}

function bytesAre(b: Uint8Array, at: number, ascii: string): boolean {
  for (let k = 0; k < ascii.length; k++) if (b[at + k] !== ascii.charCodeAt(k)) return false;
  return true;
}

function isForbidden(b: Uint8Array, start: number, length: number): boolean {
  const first = b[start];
  if (length === 9) return (first === 0x5f && bytesAre(b, start, '__proto__')) || (first === 0x70 && bytesAre(b, start, 'prototype'));
  return first === 0x63 && bytesAre(b, start, 'constructor');
}

/** A JSON Pointer segment; control characters, line separators and lone surrogates shown as \uXXXX. */
function pointerSegment(segment: string | number): string {
  if (typeof segment === 'number') return String(segment);
  return segment
    .replace(/~/g, '~0')
    .replace(/\//g, '~1')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]|\p{Surrogate}/gu, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Printable, bounded rendering of a key for an error description. */
function showKey(key: string): string {
  const shown = JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
  // JSON.stringify already escapes C0 controls and lone surrogates; C1 controls and line separators too.
  return shown.replace(/[\u007f-\u009f\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A limit as a small integer (hot comparisons stay on integers): Infinity and anything above
 * UNLIMITED mean no limit; NaN or a negative value mean 0 (a misconfiguration must not disable a check).
 */
function bound(limit: number): number {
  const value = Math.floor(limit);
  return value >= 0 ? Math.min(value, UNLIMITED) : 0;
}

/**
 * The scan state. One instance is reused (the scan is synchronous, so never re-entered): its stacks
 * keep their capacity between calls, which saves allocating them for every body.
 */
class Scanner {
  private b: Buffer = EMPTY;
  private n = 0;
  private maxDepth = 0;
  private maxKeys = 0;
  private maxString = 0;
  private root = '';

  // Per open container (index = level): its kind; for arrays the current element index; for objects
  // the current key (byte offsets between its quotes), where its keys start on the raw-key stack,
  // and its Set of keys once it has many (or escaped) keys.
  private readonly kinds: number[] = [];
  private readonly index: number[] = [];
  private readonly keyStart: number[] = [];
  private readonly keyEnd: number[] = [];
  private readonly keyBase: number[] = [];
  private readonly keySets: Array<Set<string> | null> = [];
  // Keys (byte offsets) of the open objects still in linear mode, innermost last.
  private readonly rawStart: number[] = [];
  private readonly rawEnd: number[] = [];
  private rawTop = 0;
  private depth = 0;
  private count = 0;

  reset(b: Buffer, limits: JsonGuardLimits): void {
    this.rawTop = 0;
    this.depth = 0;
    this.count = 0;
    this.b = b;
    this.n = b.length;
    this.maxDepth = bound(limits.maxDepth);
    this.maxKeys = limits.maxKeys === undefined ? UNLIMITED : bound(limits.maxKeys);
    this.maxString = limits.maxStringLength === undefined ? UNLIMITED : bound(limits.maxStringLength);
    this.root = limits.root ?? '/requestBody';
  }

  run(): void {
    const b = this.b;
    const n = this.n;
    let i = 0;
    while (i < n) {
      const c = b[i]!;
      if (c === QUOTE) {
        i = this.valueString(i);
      } else if (c === COMMA) {
        const top = this.depth - 1;
        if (top < 0) throw NOT_JSON;
        if (this.kinds[top] === KIND_OBJECT) {
          i = this.key(this.skipSpace(i + 1));
        } else {
          this.index[top]!++;
          if (++this.count > this.maxKeys) this.tooMany();
          i++;
        }
      } else if (c === OPEN_OBJECT) {
        this.open(KIND_OBJECT);
        i = this.skipSpace(i + 1);
        if (i < n && b[i] !== CLOSE_OBJECT) i = this.key(i);
      } else if (c === OPEN_ARRAY) {
        this.open(KIND_ARRAY);
        i = this.skipSpace(i + 1);
        // A non-empty array has one element more than it has commas.
        if (i < n && b[i] !== CLOSE_ARRAY && ++this.count > this.maxKeys) this.tooMany();
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        const top = this.depth - 1;
        if (top < 0 || this.kinds[top] !== (c === CLOSE_OBJECT ? KIND_OBJECT : KIND_ARRAY)) throw NOT_JSON;
        if (c === CLOSE_OBJECT) {
          if (this.keySets[top] === null) this.rawTop = this.keyBase[top]!;
          else this.keySets[top] = null;
        }
        this.depth = top;
        i++;
      } else {
        // Whitespace, ':', numbers, literals: nothing to check.
        i++;
      }
    }
  }

  /** Drops the references to the body and to key Sets (they would otherwise live until the next call). */
  release(): void {
    this.b = EMPTY;
    // Objects that were closed cleared their Set already; the scan may have stopped inside others.
    for (let level = 0; level < this.depth; level++) this.keySets[level] = null;
  }

  private skipSpace(i: number): number {
    const b = this.b;
    const n = this.n;
    while (i < n) {
      const c = b[i]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
      i++;
    }
    return i;
  }

  private open(kind: number): void {
    const level = this.depth;
    if (level >= this.maxDepth) {
      throw new FspiopError('3101', `JSON nested deeper than ${this.maxDepth} levels at ${this.path(level)}`);
    }
    this.kinds[level] = kind;
    this.index[level] = 0;
    if (kind === KIND_OBJECT) {
      this.keyStart[level] = -1;
      this.keyBase[level] = this.rawTop;
      this.keySets[level] = null;
    }
    this.depth = level + 1;
  }

  /** A value string opening at `i`; returns the index after its closing quote. */
  private valueString(i: number): number {
    const b = this.b;
    const n = this.n;
    let j = i + 1;
    const stop = Math.min(n, j + INLINE_SCAN);
    let close = -1;
    while (j < stop) {
      const d = b[j]!;
      if (d === QUOTE) {
        close = j;
        break;
      }
      j += d === BACKSLASH ? 2 : 1;
    }
    if (close < 0) {
      if (j >= n) throw NOT_JSON;
      close = closingQuote(b, j); // j is at an escape boundary
      if (close < 0) throw NOT_JSON;
    }
    if (close - i - 1 > this.maxString && unescapedLength(b, i + 1, close) > this.maxString) {
      throw new FspiopError('3100', `string longer than ${this.maxString} characters at ${this.path(this.depth)}`);
    }
    return close + 1;
  }

  /** An object key expected at `i` (after '{' or ','); returns the index after its closing quote. */
  private key(i: number): number {
    const b = this.b;
    const n = this.n;
    if (i >= n || b[i] !== QUOTE) throw NOT_JSON;
    const start = i + 1;
    let j = start;
    let escaped = false;
    let close = -1;
    while (j < n) {
      const d = b[j]!;
      if (d === QUOTE) {
        close = j;
        break;
      }
      if (d === BACKSLASH) {
        escaped = true;
        j += 2;
      } else j++;
    }
    if (close < 0) throw NOT_JSON;
    const top = this.depth - 1;
    this.keyStart[top] = start;
    this.keyEnd[top] = close;
    const length = close - start;

    if (escaped) {
      this.checkKeyString(top, unescape(this.decode(start, close)));
    } else {
      if ((length === 9 || length === 11) && isForbidden(b, start, length)) this.forbidden(top, this.decode(start, close));
      if (length > this.maxString && this.decode(start, close).length > this.maxString) {
        this.tooLongKey(top, this.decode(start, close));
      }
      const set = this.keySets[top];
      if (set) {
        const key = this.decode(start, close);
        if (set.has(key)) this.duplicate(top, key);
        set.add(key);
      } else {
        const base = this.keyBase[top]!;
        const rawStart = this.rawStart;
        const rawEnd = this.rawEnd;
        const rawTop = this.rawTop;
        for (let k = base; k < rawTop; k++) {
          const s = rawStart[k]!;
          if (rawEnd[k]! - s === length && sameBytes(b, s, start, length)) this.duplicate(top, this.decode(start, close));
        }
        if (rawTop - base < LINEAR_KEYS) {
          rawStart[rawTop] = start;
          rawEnd[rawTop] = close;
          this.rawTop = rawTop + 1;
        } else {
          this.toSet(top).add(this.decode(start, close));
        }
      }
    }
    if (++this.count > this.maxKeys) this.tooMany();
    return close + 1;
  }

  private decode(start: number, end: number): string {
    // Lenient (U+FFFD for invalid sequences): the body's UTF-8 validity is checked elsewhere.
    return this.b.toString('utf8', start, end);
  }

  /** Key checks on its unescaped value (the rare path: keys with escapes). */
  private checkKeyString(top: number, key: string): void {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') this.forbidden(top, key);
    if (key.length > this.maxString) this.tooLongKey(top, key);
    const set = this.keySets[top] ?? this.toSet(top);
    if (set.has(key)) this.duplicate(top, key);
    set.add(key);
  }

  /** Moves an object's raw keys into a Set (none of them has escapes: its bytes are the key). */
  private toSet(top: number): Set<string> {
    const set = new Set<string>();
    const base = this.keyBase[top]!;
    for (let k = base; k < this.rawTop; k++) set.add(this.decode(this.rawStart[k]!, this.rawEnd[k]!));
    this.rawTop = base;
    this.keySets[top] = set;
    return set;
  }

  private memberAt(level: number): string | number {
    if (this.kinds[level] === KIND_ARRAY) return this.index[level]!;
    const start = this.keyStart[level]!;
    if (start < 0) return '';
    const raw = this.decode(start, this.keyEnd[level]!);
    if (!raw.includes('\\')) return raw;
    try {
      return unescape(raw);
    } catch {
      return raw;
    }
  }

  private path(upTo: number): string {
    let p = this.root;
    for (let level = 0; level < upTo; level++) {
      p += '/' + pointerSegment(this.memberAt(level));
      if (p.length > 96) return `${p.slice(0, 96)}…`;
    }
    return p;
  }

  private duplicate(top: number, key: string): never {
    throw new FspiopError('3101', `duplicate key ${showKey(key)} in ${this.path(top)}`);
  }

  private forbidden(top: number, key: string): never {
    throw new FspiopError('3101', `forbidden key ${showKey(key)} in ${this.path(top)}`);
  }

  private tooLongKey(top: number, key: string): never {
    throw new FspiopError('3100', `key longer than ${this.maxString} characters in ${this.path(top)}: ${showKey(key)}`);
  }

  private tooMany(): never {
    throw new FspiopError('3103', `${this.root} has more than ${this.maxKeys} members and elements in total`);
  }
}

const scanner = new Scanner();
