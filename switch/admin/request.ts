/**
 * Reading Admin API requests and writing their answers: path and query values, the checks several
 * resources share (names, currencies, account ids, callback URLs), JSON answers with exact numbers.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isCurrency } from '../../schemas/currency.js';
import { FspiopError } from '../../schemas/errors.js';
import { Fields, parseAdminBody, toJson } from './body.js';

export const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,29}$/;
const CURRENCY = /^[A-Z]{3}$/;
/** The ledger's scale: amounts and limits carry at most 4 decimals. */
export const LEDGER_DECIMALS = 4;

export function send(reply: FastifyReply, status: number, value?: unknown): FastifyReply {
  if (value === undefined) return reply.code(status).send();
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').send(toJson(value));
}

export function param(request: FastifyRequest, name: string): string {
  return (request.params as Record<string, string>)[name]!;
}

export function query(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The request body as fields, refusing any member but `allowed`. */
export function bodyFields(request: FastifyRequest, ...allowed: string[]): Fields {
  return new Fields(parseAdminBody(request.body as Buffer)).only(...allowed);
}

export function currencyField(fields: Fields, name = 'currency'): string {
  const currency = fields.string(name, { pattern: CURRENCY });
  if (!isCurrency(currency)) throw new FspiopError('3101', `/requestBody/${name} ${currency} is not a supported ISO 4217 currency`);
  return currency;
}

export function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? 'localhost'}`;
}

export function accountIdParam(request: FastifyRequest): number {
  const text = param(request, 'id');
  if (!/^\d{1,9}$/.test(text)) throw new FspiopError('3101', '/path/id must be a numeric account id');
  return Number(text);
}

/** An absolute http(s) URL, `{{...}}` placeholders allowed (callback endpoints, oracle endpoints). */
export function checkUrlTemplate(value: string): void {
  let url: URL;
  try {
    url = new URL(value.replace(/\{\{[^}]*\}\}/g, 'x'));
  } catch {
    throw new FspiopError('3101', '/requestBody/value must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FspiopError('3101', '/requestBody/value must be an http or https URL');
  }
}
