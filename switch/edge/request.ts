/**
 * What the FSPIOP edge reads from a request before its checks: the body decoded strictly (with the JSON
 * guard's limits) and the headers with every copy of those that must not repeat.
 */
import type { FastifyRequest } from 'fastify';
import { FspiopError } from '../../schemas/errors.js';
import { guardJson } from './json-guard.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * No legal FSPIOP body comes near these (the largest has about 550,000 members; the longest string
 * the schemas allow is 32,768 characters); they bound the work hostile JSON can cause.
 */
const JSON_LIMITS = { maxDepth: 32, maxKeys: 1_000_000, maxStringLength: 32_768 };

/**
 * Decodes a JSON body strictly: UTF-8 without a byte-order mark, then one guard pass (depth,
 * duplicate keys, prototype-polluting keys, sizes) before JSON.parse. Throws 3101/3103/3100.
 */
export function parseJsonBody(raw: Buffer | undefined): unknown {
  if (!raw || raw.length === 0) throw new FspiopError('3101', 'request body is empty');
  if (raw.length >= 3 && raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf) {
    throw new FspiopError('3101', 'request body starts with a byte-order mark (not allowed in JSON on the wire)');
  }
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new FspiopError('3101', 'request body is not valid UTF-8');
  }
  guardJson(raw, JSON_LIMITS);
  try {
    return JSON.parse(text);
  } catch {
    throw new FspiopError('3101', 'request body is not valid JSON');
  }
}

/** Headers Node would join when repeated: a repeated one is malformed, so the checks must see each copy. */
const SINGLE_HEADERS = [
  'content-type',
  'accept',
  'date',
  'fspiop-source',
  'fspiop-destination',
  'fspiop-signature',
  'fspiop-uri',
  'fspiop-http-method',
  'fspiop-proxy',
];

export function distinctHeaders(request: FastifyRequest): Record<string, string | string[] | undefined> {
  const distinct = request.raw.headersDistinct;
  const headers: Record<string, string | string[] | undefined> = { ...request.headers };
  for (const name of SINGLE_HEADERS) {
    const copies = distinct[name];
    if (copies && copies.length > 1) headers[name] = copies;
  }
  return headers;
}
