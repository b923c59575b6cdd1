/**
 * Synchronous header validation of an inbound FSPIOP request (contract fspiop.md §2–§3).
 *
 * Check order follows Mojaloop's header-validation plugin (central-services-shared), then the FSPIOP routing headers:
 *   Accept → Date → Content-Type → FSPIOP-Source → FSPIOP-Destination.
 * The first failure is thrown as an FspiopError (400/3101, 400/3102 or 406/3001).
 */
import { FspiopError, type ExtensionItem } from '../../schemas/errors.js';

export type Dialect = 'fspiop' | 'iso20022';

export interface ParsedHeaders {
  resource: string;
  dialect: Dialect;
  contentVersion?: { major: number; minor: number };
  acceptVersions?: Array<{ major?: number; minor?: number }>;
  source: string;
  destination?: string;
}

export interface HeaderPolicy {
  supportedVersions: Array<{ major: number; minor: number }> /* default [1.0, 1.1, 2.0] */;
}

export const DEFAULT_SUPPORTED_VERSIONS: ReadonlyArray<{ major: number; minor: number }> = Object.freeze([
  { major: 1, minor: 0 },
  { major: 1, minor: 1 },
  { major: 2, minor: 0 },
]);

/** Lowest major version of the ISO 20022 dialect (it exists only from FSPIOP 2.0 on, fspiop.md §2). */
const ISO_MIN_MAJOR = 2;

// Content-Type: application/vnd.interoperability[.iso20022].{resource}+json;version=M.m, optionally one whitespace
// before and after ';' (Mojaloop: \s{0,1}). Groups: 1 = "iso20022." marker, 2 = resource, 3 = major, 4 = minor.
const CONTENT_TYPE_RE = /^application\/vnd\.interoperability\.(iso20022\.)?([A-Za-z]+)\+json\s?;\s?version=(\d+)\.(\d+)$/;
// One Accept entry (already trimmed): same media type, version optional and minor optional.
// Groups: 1 = iso marker, 2 = resource, 3 = major, 4 = minor.
const ACCEPT_ENTRY_RE = /^application\/vnd\.interoperability\.(iso20022\.)?([A-Za-z]+)\+json(?:\s?;\s?version=(\d+)(?:\.(\d+))?)?$/;
// RFC 7231 IMF-fixdate. Groups: 1 = day name, 2 = day, 3 = month, 4 = year, 5 = hour, 6 = minute, 7 = second.
const IMF_FIXDATE_RE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

const MONTH_INDEX: Readonly<Record<string, number>> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const DAY_INDEX: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const FSP_ID_MAX = 32;

const CONTENT_VERSION_UNSUPPORTED = 'Unacceptable version requested - Client supplied a protocol version which is not supported by the server';
const ACCEPT_VERSION_UNSUPPORTED = 'Unacceptable version requested - The Client requested an unsupported version, see extension list for supported version(s).';

type HeaderValue = string | string[] | undefined;

// Extension lists are built once per policy array (policies are long-lived configuration objects).
const extensionCache = new WeakMap<ReadonlyArray<{ major: number; minor: number }>, { all: ExtensionItem[]; iso: ExtensionItem[] }>();

function versionExtensions(supported: ReadonlyArray<{ major: number; minor: number }>, iso: boolean): ExtensionItem[] {
  let cached = extensionCache.get(supported);
  if (!cached) {
    const all: ExtensionItem[] = [];
    const seen = new Set<string>();
    for (const v of supported) {
      const id = `${v.major}.${v.minor}`;
      if (seen.has(id)) continue;
      seen.add(id);
      all.push({ key: String(v.major), value: String(v.minor) });
    }
    cached = { all, iso: all.filter((e) => Number(e.key) >= ISO_MIN_MAJOR) };
    extensionCache.set(supported, cached);
  }
  // Copies: callers may mutate the error's extensions.
  return (iso ? cached.iso : cached.all).map((e) => ({ ...e }));
}

function missing(detail: string): FspiopError {
  return new FspiopError('3102', detail);
}

function malformed(detail: string): FspiopError {
  return new FspiopError('3101', detail);
}

function unacceptable(description: string, supported: ReadonlyArray<{ major: number; minor: number }>, iso: boolean): FspiopError {
  return new FspiopError('3001', undefined, {
    description,
    httpStatus: 406,
    extensions: versionExtensions(supported, iso),
  });
}

/** A single string value, or undefined if absent; a repeated header (array) is malformed. */
function single(value: HeaderValue, invalidDetail: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw malformed(invalidDetail);
  return value;
}

function isSupported(supported: ReadonlyArray<{ major: number; minor: number }>, iso: boolean, major: number, minor?: number): boolean {
  if (iso && major < ISO_MIN_MAJOR) return false;
  for (let i = 0; i < supported.length; i++) {
    const v = supported[i]!;
    if (v.major === major && (minor === undefined || v.minor === minor)) return true;
  }
  return false;
}

function hasIsoSupport(supported: ReadonlyArray<{ major: number; minor: number }>): boolean {
  for (let i = 0; i < supported.length; i++) if (supported[i]!.major >= ISO_MIN_MAJOR) return true;
  return false;
}

/** Real calendar date + time, weekday consistent with the date (Mojaloop parses with moment in strict mode). */
function isValidImfFixdate(value: string): boolean {
  const m = IMF_FIXDATE_RE.exec(value);
  if (!m) return false;
  const day = Number(m[2]);
  const month = MONTH_INDEX[m[3]!]!;
  const year = Number(m[4]);
  const hour = Number(m[5]);
  const minute = Number(m[6]);
  const second = Number(m[7]);
  if (hour > 23 || minute > 59 || second > 59) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const dim = month === 1 && leap ? 29 : DAYS_IN_MONTH[month]!;
  if (day < 1 || day > dim) return false;
  // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear does not.
  const d = new Date(Date.UTC(2000, month, day));
  d.setUTCFullYear(year);
  return d.getUTCDay() === DAY_INDEX[m[1]!];
}

function checkFspId(value: string, header: string): void {
  if (value.length < 1 || value.length > FSP_ID_MAX) throw malformed(`Invalid ${header} header`);
}

/** The versions an Accept header asks for; 406 when it names none the hub supports, 400 when it is not one of ours. */
function acceptedVersions(
  accept: string,
  resource: string,
  supported: NonNullable<HeaderPolicy['supportedVersions']>,
): Array<{ major?: number; minor?: number }> {
  const acceptVersions: Array<{ major?: number; minor?: number }> = [];
  let anySupported = false;
  let allIso = true;
  let start = 0;
  for (;;) {
    const comma = accept.indexOf(',', start);
    const entry = (comma === -1 ? accept.slice(start) : accept.slice(start, comma)).trim();
    const m = ACCEPT_ENTRY_RE.exec(entry);
    if (!m || m[2] !== resource) throw malformed('Invalid accept header');
    const iso = m[1] !== undefined;
    if (!iso) allIso = false;
    if (m[3] === undefined) {
      acceptVersions.push({});
      if (!iso || hasIsoSupport(supported)) anySupported = true;
    } else {
      const major = Number(m[3]);
      const minor = m[4] === undefined ? undefined : Number(m[4]);
      acceptVersions.push(minor === undefined ? { major } : { major, minor });
      if (isSupported(supported, iso, major, minor)) anySupported = true;
    }
    if (comma === -1) break;
    start = comma + 1;
  }
  if (!anySupported) throw unacceptable(ACCEPT_VERSION_UNSUPPORTED, supported, allIso);
  return acceptVersions;
}

/** headers: Node's IncomingHttpHeaders (lower-case keys). Throws FspiopError on the first failure. */
export function checkFspiopHeaders(
  method: string,
  resource: string,
  headers: Record<string, string | string[] | undefined>,
  policy: HeaderPolicy,
): ParsedHeaders {
  const supported = policy.supportedVersions ?? DEFAULT_SUPPORTED_VERSIONS;
  const upper = method.toUpperCase();

  // --- Accept: required on GET/POST/DELETE, validated when present on any method.
  const accept = single(headers['accept'], 'Invalid accept header');
  let acceptVersions: Array<{ major?: number; minor?: number }> | undefined;
  if (accept === undefined) {
    if (upper === 'GET' || upper === 'POST' || upper === 'DELETE') throw missing('Accept is required');
  } else {
    acceptVersions = acceptedVersions(accept, resource, supported);
  }

  // --- Date: required, IMF-fixdate with a real calendar date.
  const date = single(headers['date'], 'Invalid date header');
  if (date === undefined) throw missing('Missing required date header');
  if (!isValidImfFixdate(date)) throw malformed('Invalid date header');

  // --- Content-Type: required on every method, versioned media type of this resource.
  const contentType = single(headers['content-type'], 'Invalid content-type header');
  if (contentType === undefined) throw missing('Content-type is required');
  const ct = CONTENT_TYPE_RE.exec(contentType);
  if (!ct || ct[2] !== resource) throw malformed('Invalid content-type header');
  const dialect: Dialect = ct[1] === undefined ? 'fspiop' : 'iso20022';
  const contentVersion = { major: Number(ct[3]), minor: Number(ct[4]) };
  if (!isSupported(supported, dialect === 'iso20022', contentVersion.major, contentVersion.minor)) {
    throw unacceptable(CONTENT_VERSION_UNSUPPORTED, supported, dialect === 'iso20022');
  }

  // --- FSPIOP-Source: required, 1..32 chars.
  const source = single(headers['fspiop-source'], 'Invalid FSPIOP-Source header');
  if (source === undefined) throw missing('FSPIOP-Source is required');
  checkFspId(source, 'FSPIOP-Source');

  // --- FSPIOP-Destination: optional, 1..32 chars when present.
  // An empty FSPIOP-Destination means none: Mojaloop switches add an empty one when relaying.
  const destination = single(headers['fspiop-destination'], 'Invalid FSPIOP-Destination header') || undefined;
  if (destination !== undefined) checkFspId(destination, 'FSPIOP-Destination');

  const parsed: ParsedHeaders = { resource, dialect, contentVersion, source };
  if (acceptVersions !== undefined) parsed.acceptVersions = acceptVersions;
  if (destination !== undefined) parsed.destination = destination;
  return parsed;
}
