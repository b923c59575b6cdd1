/**
 * Admin API bodies: parsed losslessly (JSON numbers stay exact decimal text, never floats) and
 * checked field by field with FSPIOP error codes (missing → 3102, wrong type/format → 3101,
 * unexpected → 3103).
 */
import { isLosslessNumber, LosslessNumber, parse, stringify } from 'lossless-json';
import { FspiopError } from '../../schemas/errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type Body = Record<string, unknown>;

export function parseAdminBody(raw: Buffer | undefined): Body {
  if (!raw || raw.length === 0) throw new FspiopError('3102', '/requestBody is required');
  let value: unknown;
  try {
    value = parse(utf8.decode(raw), (key, v) => {
      if (FORBIDDEN_KEYS.has(key)) throw new FspiopError('3101', `/requestBody contains the forbidden key ${key}`);
      return v;
    });
  } catch (err) {
    if (err instanceof FspiopError) throw err;
    throw new FspiopError('3101', 'request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FspiopError('3101', '/requestBody must be an object');
  }
  return value as Body;
}

/** JSON text of a response; LosslessNumber values are written as exact number literals. */
export function toJson(value: unknown): string {
  return stringify(value) ?? 'null';
}

/** A decimal as an exact JSON number in responses. */
export function jsonNumber(text: string): LosslessNumber {
  return new LosslessNumber(text);
}

function path(field: string): string {
  return `/requestBody/${field.replace(/\./g, '/')}`;
}

function missing(field: string): FspiopError {
  const parts = field.split('.');
  const name = parts.pop()!;
  const parent = parts.length ? `/requestBody/${parts.join('/')}` : '/requestBody';
  return new FspiopError('3102', `${parent} must have required property '${name}'`);
}

export class Fields {
  constructor(
    private readonly body: Body,
    private readonly prefix = '',
  ) {}

  private key(name: string): string {
    return this.prefix ? `${this.prefix}.${name}` : name;
  }

  has(name: string): boolean {
    return this.body[name] !== undefined && this.body[name] !== null;
  }

  only(...names: string[]): this {
    for (const key of Object.keys(this.body)) {
      if (!names.includes(key)) throw new FspiopError('3103', `${path(this.key(key))} is not an allowed property`);
    }
    return this;
  }

  string(name: string, rule?: { pattern?: RegExp; min?: number; max?: number; oneOf?: readonly string[] }): string {
    const value = this.body[name];
    if (value === undefined || value === null) throw missing(this.key(name));
    if (typeof value !== 'string') throw new FspiopError('3101', `${path(this.key(name))} must be a string`);
    if (rule?.min !== undefined && value.length < rule.min) {
      throw new FspiopError('3100', `${path(this.key(name))} must be at least ${rule.min} characters`);
    }
    if (rule?.max !== undefined && value.length > rule.max) {
      throw new FspiopError('3100', `${path(this.key(name))} must be at most ${rule.max} characters`);
    }
    if (rule?.pattern && !rule.pattern.test(value)) {
      throw new FspiopError('3101', `${path(this.key(name))} must match pattern "${rule.pattern.source}"`);
    }
    if (rule?.oneOf && !rule.oneOf.includes(value)) {
      throw new FspiopError('3101', `${path(this.key(name))} must be one of ${rule.oneOf.join(', ')}`);
    }
    return value;
  }

  optionalString(name: string, rule?: Parameters<Fields['string']>[1]): string | undefined {
    return this.has(name) ? this.string(name, rule) : undefined;
  }

  boolean(name: string, options: { lenient?: boolean } = {}): boolean {
    const value = this.body[name];
    if (value === undefined || value === null) throw missing(this.key(name));
    if (typeof value === 'boolean') return value;
    if (options.lenient) {
      const text = isLosslessNumber(value) ? value.toString() : String(value);
      if (text === '1') return true;
      if (text === '0') return false;
    }
    throw new FspiopError('3101', `${path(this.key(name))} must be a boolean`);
  }

  optionalBoolean(name: string, options: { lenient?: boolean } = {}): boolean | undefined {
    return this.has(name) ? this.boolean(name, options) : undefined;
  }

  /** A non-negative decimal given as a JSON number or a string; returned as exact decimal text. */
  decimal(name: string, rule: { maxDecimals: number; positive?: boolean }): string {
    const value = this.body[name];
    if (value === undefined || value === null) throw missing(this.key(name));
    const text = isLosslessNumber(value) ? value.toString() : typeof value === 'string' ? value : undefined;
    if (text === undefined) throw new FspiopError('3101', `${path(this.key(name))} must be a number`);
    const m = /^(0|[1-9]\d{0,17})(?:\.(\d+))?$/.exec(text);
    if (!m) throw new FspiopError('3101', `${path(this.key(name))} must be a non-negative decimal number without exponent`);
    const fraction = (m[2] ?? '').replace(/0+$/, '');
    if (fraction.length > rule.maxDecimals) {
      throw new FspiopError('3100', `${path(this.key(name))} must have at most ${rule.maxDecimals} decimal places`);
    }
    const normalised = fraction ? `${m[1]}.${fraction}` : m[1]!;
    if (rule.positive && /^0(\.0*)?$/.test(normalised)) {
      throw new FspiopError('3100', `${path(this.key(name))} must be greater than 0`);
    }
    return normalised;
  }

  optionalDecimal(name: string, rule: { maxDecimals: number; positive?: boolean }): string | undefined {
    return this.has(name) ? this.decimal(name, rule) : undefined;
  }

  object(name: string): Fields {
    const value = this.body[name];
    if (value === undefined || value === null) throw missing(this.key(name));
    if (typeof value !== 'object' || Array.isArray(value) || isLosslessNumber(value)) {
      throw new FspiopError('3101', `${path(this.key(name))} must be an object`);
    }
    return new Fields(value as Body, this.key(name));
  }

  array(name: string): unknown[] {
    const value = this.body[name];
    if (value === undefined || value === null) throw missing(this.key(name));
    if (!Array.isArray(value)) throw new FspiopError('3101', `${path(this.key(name))} must be an array`);
    return value;
  }
}
