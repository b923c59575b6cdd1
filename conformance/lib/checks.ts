// Assertions on what crosses the wire. Every failure message says what was expected and what arrived.
import assert from 'node:assert/strict';
import { STANDARD_MESSAGES } from './errors.js';
import { IMF_FIXDATE_RE, type FspiopResponse, type SentRequest } from './http.js';
import { decodeProtectedHeader } from './jws.js';
import { summarise, versionOf, type RecordedRequest } from './dfsp.js';
import { show } from './util.js';

function describeResponse(res: FspiopResponse): string {
  return `${res.request.method} ${res.request.path} → HTTP ${res.status} ${show(res.rawBody, 800)}`;
}

/** Synchronous status (202/200 ...) with the response shown on failure. */
export function expectStatus(res: FspiopResponse, status: number, what = 'response'): void {
  if (res.status !== status) {
    assert.fail(`${what}: expected HTTP ${status}, got ${describeResponse(res)}`);
  }
}

export interface ErrorExpectation {
  /** Exact description, or a RegExp it must match. Checked in addition to the standard-message prefix. */
  description?: string | RegExp;
  /** Require the "<standard message>[ - detail]" form (errors.md §1). Default true. */
  standardPrefix?: boolean;
}

/**
 * An `errorInformation` body: code exact, description 1..128 chars, starting with the code's standard message
 * (errors.md §1 convention "<standard message>[ - <detail>]").
 */
/**
 * The whole reason of an FSPIOP error: the description (at most 128 characters, never cut), then the detail the hub
 * carries in the extension list when it did not fit (key "detail", docs/iso20022-mapping.md §5).
 */
export function wholeErrorText(body: unknown): string {
  const ei = (body as { errorInformation?: { errorDescription?: string; extensionList?: { extension?: Array<{ key: string; value: string }> } } })
    ?.errorInformation;
  const detail = (ei?.extensionList?.extension ?? [])
    .filter((e) => e.key === 'detail')
    .map((e) => e.value)
    .join('');
  return detail ? `${ei?.errorDescription ?? ''} - ${detail}` : (ei?.errorDescription ?? '');
}

export function assertErrorInformation(body: unknown, code: string, where: string, exp: ErrorExpectation = {}): void {
  const ei = (body as { errorInformation?: { errorCode?: unknown; errorDescription?: unknown } } | undefined)?.errorInformation;
  if (!ei || typeof ei !== 'object') assert.fail(`${where}: expected an errorInformation body with code ${code}, got ${show(body)}`);
  assert.equal(ei.errorCode, code, `${where}: expected errorCode ${code}, got ${show(body)}`);
  const desc = ei.errorDescription;
  assert.ok(typeof desc === 'string' && desc.length >= 1 && desc.length <= 128, `${where}: errorDescription must be a 1..128 char string, got ${show(body)}`);
  const std = STANDARD_MESSAGES[code];
  if (std && exp.standardPrefix !== false) {
    assert.ok(
      desc === std || desc.startsWith(`${std} - `) || desc.startsWith(std),
      `${where}: errorDescription should start with the standard message "${std}", got ${JSON.stringify(desc)}`,
    );
  }
  if (exp.description !== undefined) {
    if (typeof exp.description === 'string') {
      assert.equal(desc, exp.description, `${where}: errorDescription mismatch; body ${show(body)}`);
    } else {
      assert.match(desc, exp.description, `${where}: errorDescription ${JSON.stringify(desc)} should match ${exp.description}`);
    }
  }
}

/** Synchronous FSPIOP error response. */
export function expectSyncError(res: FspiopResponse, status: number, code: string, exp: ErrorExpectation = {}): void {
  expectStatus(res, status, `sync error ${code}`);
  assertErrorInformation(res.body, code, describeResponse(res), exp);
}

export interface HubMessageExpectation {
  hubName: string;
  /** Party informed (FSPIOP-Destination). */
  destination: string;
  /** POST: a request the hub authored in a bridged or translated flow (docs/iso20022.md). */
  method: 'PUT' | 'PATCH' | 'POST';
  /** The receiver speaks Mojaloop's ISO 20022 JSON (`application/vnd.interoperability.iso20022.<resource>+json`). */
  iso?: boolean;
  /** Path the request must arrive on and the FSPIOP-URI value, e.g. `/transfers/{id}` or `/transfers/{id}/error`. */
  uri: string;
  /** Expected Content-Type version; 'any' skips the version check. */
  callbackVersion: string;
  resource?: string;
}

/** Contract fspiop.md §14 + docs/transfers.md "Callbacks the hub authors". */
export function assertHubMessage(rec: RecordedRequest, exp: HubMessageExpectation): void {
  const where = `hub-authored ${exp.method} ${exp.uri} at ${exp.destination} (${summarise(rec)})`;
  const h = rec.headers;
  const resource = exp.resource ?? 'transfers';
  assert.equal(rec.method, exp.method, `${where}: HTTP method`);
  assert.equal(rec.path, exp.uri, `${where}: request path`);
  assert.equal(h['fspiop-source'], exp.hubName, `${where}: fspiop-source must be the hub name`);
  assert.equal(h['fspiop-destination'], exp.destination, `${where}: fspiop-destination must be the party informed`);
  const ct = h['content-type'];
  const family = exp.iso ? `iso20022\\.${resource}` : resource;
  const ctRe = new RegExp(`^application/vnd\\.interoperability\\.${family}\\+json\\s?;\\s?version=\\d+\\.\\d+$`);
  assert.ok(
    ct !== undefined && ctRe.test(ct),
    `${where}: content-type must be the ${exp.iso ? 'ISO 20022 ' : ''}${resource} media type with major.minor version, got ${JSON.stringify(ct)}`,
  );
  if (exp.callbackVersion !== 'any') {
    assert.equal(versionOf(ct), exp.callbackVersion, `${where}: content-type version should be the hub's callback version ${exp.callbackVersion}, got ${ct}`);
  }
  if (exp.method === 'POST') {
    const acc = h['accept'];
    const accRe = new RegExp(`^application/vnd\\.interoperability\\.${family}\\+json\\s?;\\s?version=\\d+(\\.\\d+)?$`);
    assert.ok(acc !== undefined && accRe.test(acc), `${where}: a hub-authored POST must carry the accept of its media type, got ${JSON.stringify(acc)}`);
  } else {
    assert.equal(h['accept'], undefined, `${where}: hub-authored ${exp.method} must carry no accept header`);
  }
  assert.equal(h['fspiop-uri'], exp.uri, `${where}: fspiop-uri`);
  assert.equal(h['fspiop-http-method'], exp.method, `${where}: fspiop-http-method`);
  assertDateHeader(h['date'], where);
  if (rec.signature) {
    assert.ok(rec.signature.ok, `${where}: FSPIOP-Signature check against the ${rec.signature.signer} key failed: ${rec.signature.detail}`);
    assert.equal(rec.signature.signer, exp.hubName, `${where}: a hub-authored message must be signed with the hub's key`);
  }
  const sig = h['fspiop-signature'];
  if (sig !== undefined) {
    const ph = decodeProtectedHeader(sig);
    assert.ok(ph, `${where}: fspiop-signature present but not a valid {protectedHeader, signature} JSON: ${sig}`);
    assert.equal(
      ph['FSPIOP-Source'],
      exp.hubName,
      `${where}: a signature on a hub-authored message must be the hub's own (a copied DFSP signature must be dropped)`,
    );
  }
  if (exp.method !== 'POST' && rec.body && typeof rec.body === 'object') {
    assert.equal((rec.body as Record<string, unknown>).transferId, undefined, `${where}: callback bodies must not carry the transferId`);
  }
}

export function assertDateHeader(date: string | undefined, where: string): void {
  assert.ok(date !== undefined, `${where}: date header missing`);
  assert.match(date, IMF_FIXDATE_RE, `${where}: date header must be an IMF-fixdate, got ${JSON.stringify(date)}`);
  assert.ok(!Number.isNaN(Date.parse(date)), `${where}: date header does not parse: ${date}`);
}

const FORWARD_PRESERVED = [
  'content-type',
  'date',
  'fspiop-source',
  'fspiop-destination',
  'fspiop-signature',
  'fspiop-uri',
  'fspiop-http-method',
  'fspiop-encryption',
];

/**
 * A message the hub forwarded: original body bytes and headers kept (docs/transfers.md "Callbacks the hub authors":
 * every header bar Content-Length/Host/hop-by-hop; Accept removed on PUT).
 */
export function assertForwarded(rec: RecordedRequest, sent: SentRequest, opts: { extraHeaders?: string[] } = {}): void {
  const where = `forwarded ${sent.method} ${sent.path} (${summarise(rec)})`;
  assert.equal(rec.method, sent.method, `${where}: method`);
  if (rec.signature) {
    assert.ok(rec.signature.ok, `${where}: the sender's FSPIOP-Signature does not verify with the ${rec.signature.signer} key: ${rec.signature.detail}`);
  }
  const sentBody = sent.body ?? Buffer.alloc(0);
  if (!rec.rawBody.equals(sentBody)) {
    let at = 0;
    while (at < sentBody.length && at < rec.rawBody.length && sentBody[at] === rec.rawBody[at]) at++;
    assert.fail(
      `${where}: body bytes differ from what the sender sent (the hub must forward the original bytes); ` +
        `sent ${sentBody.length} bytes, received ${rec.rawBody.length}, first difference at byte ${at}: ` +
        `sent ${JSON.stringify(sentBody.subarray(at, at + 24).toString('utf8'))} vs received ${JSON.stringify(rec.rawBody.subarray(at, at + 24).toString('utf8'))}\n  sent:     ${show(sentBody.toString('utf8'), 600)}\n  received: ${show(rec.bodyText, 600)}`,
    );
  }
  for (const name of [...FORWARD_PRESERVED, ...(opts.extraHeaders ?? [])]) {
    const s = sent.headers[name];
    if (s === undefined) {
      if (name === 'fspiop-signature') {
        assert.equal(rec.headers[name], undefined, `${where}: the hub added an fspiop-signature to a forwarded message`);
      }
      continue;
    }
    assert.equal(rec.headers[name], s, `${where}: header ${name} must be forwarded unchanged`);
  }
  if (sent.method === 'PUT' || sent.method === 'PATCH') {
    assert.equal(rec.headers['accept'], undefined, `${where}: accept must be removed on a forwarded ${sent.method}`);
  } else if (sent.headers['accept'] !== undefined) {
    assert.equal(rec.headers['accept'], sent.headers['accept'], `${where}: accept must be forwarded unchanged`);
  }
}

/** 406/3001 must list supported versions as {key: major, value: minor} extensions. */
export function assertVersionExtensions(res: FspiopResponse, mustInclude: Array<[string, string]>): void {
  const ext = (res.body?.errorInformation?.extensionList?.extension ?? undefined) as Array<{ key: unknown; value: unknown }> | undefined;
  assert.ok(Array.isArray(ext) && ext.length > 0, `406/3001 must carry the supported versions as extensions; got ${show(res.rawBody)}`);
  for (const e of ext) {
    assert.match(String(e.key), /^\d+$/, `version extension key must be a major version: ${show(e)}`);
    assert.match(String(e.value), /^\d+$/, `version extension value must be a minor version: ${show(e)}`);
  }
  for (const [major, minor] of mustInclude) {
    assert.ok(
      ext.some((e) => String(e.key) === major && String(e.value) === minor),
      `supported versions should include ${major}.${minor}; got ${show(ext)}`,
    );
  }
}

/** `extensionList.extension` entry lookup. */
export function extensionValue(body: any, key: string): string | undefined {
  const list = body?.extensionList?.extension;
  if (!Array.isArray(list)) return undefined;
  const e = list.find((x: { key?: unknown }) => x && x.key === key);
  return e ? String(e.value) : undefined;
}
