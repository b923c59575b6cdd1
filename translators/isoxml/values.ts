/**
 * Typed values of the ISO 20022 XML schemas, read exactly and written exactly.
 *
 * - Amounts (`ActiveCurrencyAndAmount`, `ActiveOrHistoricCurrencyAndAmount`): the `Ccy` attribute and
 *   the decimal digits of the fixed-point Amount (schemas/amount.ts), never a float. Reading accepts
 *   every xs:decimal lexical form the schema accepts (`+1`, `001.50`, `.5`, `5.`, surrounding
 *   whitespace); writing gives the canonical form (`1.5`). Amounts ISO cannot carry (negative, more
 *   than 18 digits) are refused.
 * - ISODateTime (xs:dateTime): canonical strings are kept verbatim; writing checks the lexical form
 *   and the calendar (no 30 February), so nothing the schema would refuse is ever emitted.
 * - ISODate (xs:date), booleans (xs:boolean: true/false/1/0).
 * - Hex <-> base64url (pacs.008 `PmtSgntr/ILPV4` is hex; the canonical ILP packet is base64url).
 */
import { formatUnits, parseUnits, type Amount, type IsoUnits } from '../../schemas/amount.js';
import { TranslationError, isoAmountFit } from '../../schemas/iso/translation.js';
import type { XNode } from './xml.js';
import { leafWithAttrs } from './xml.js';

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;

/** Parses an xs:decimal lexical value (already whitespace-collapsed) to 10^-5 units. */
export function decimalToUnits(text: string): IsoUnits {
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`${JSON.stringify(text)} is not a decimal number`);
  const whole = m[2] === '' ? '0' : m[2]!;
  const fraction = m[3] ?? '';
  const units = parseUnits(fraction === '' ? whole : `${whole}.${fraction}`);
  if (m[1] === '-' && units !== 0n) throw new Error(`${JSON.stringify(text)} is negative`);
  return units;
}

/** Reads an amount element: `Ccy` attribute + decimal content. */
export function readAmount(node: XNode): Amount {
  const currency = node.attr('Ccy');
  if (currency === undefined) throw node.fail(`${node.localName} has no Ccy attribute`);
  try {
    return { currency, units: decimalToUnits(node.collapsed()) };
  } catch (err) {
    throw node.fail(`${node.localName}: ${(err as Error).message}`);
  }
}

/** Writes an amount element, refusing what the ISO amount types cannot hold exactly. */
export function amountXml(name: string, amount: Amount, field: string): string {
  const fit = isoAmountFit(amount);
  if (!fit.ok) throw new TranslationError(field, fit.reason);
  if (!/^[A-Z]{3}$/.test(amount.currency)) throw new TranslationError(field, `currency ${JSON.stringify(amount.currency)} is not an ISO 4217 code`);
  return leafWithAttrs(name, { Ccy: amount.currency }, formatUnits(amount.units));
}

const DATE_TIME = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$/;
const DATE = /^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-](\d{2}):(\d{2}))?$/;

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function validDate(y: string, mo: string, d: string): boolean {
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (y.startsWith('-') || year === 0 || (y.length > 4 && y.startsWith('0'))) return false;
  return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
}

function validZone(hh?: string, mm?: string): boolean {
  if (hh === undefined) return true;
  const h = Number(hh);
  const m = Number(mm);
  return m <= 59 && (h < 14 || (h === 14 && m === 0));
}

/** Is this an xs:dateTime lexical value (XSD 1.0, year > 0)? */
export function isXsdDateTime(text: string): boolean {
  const m = DATE_TIME.exec(text);
  if (!m) return false;
  if (!validDate(m[1]!, m[2]!, m[3]!)) return false;
  const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6])];
  const endOfDay = h === 24 && mi === 0 && s === 0 && (m[7] === undefined || /^\.0+$/.test(m[7]));
  if (!(h < 24 || endOfDay) || mi > 59 || s > 59) return false;
  return validZone(m[9], m[10]);
}

export function isXsdDate(text: string): boolean {
  const m = DATE.exec(text);
  return !!m && validDate(m[1]!, m[2]!, m[3]!) && validZone(m[5], m[6]);
}

/** A canonical date-time as ISODateTime text (verbatim), refused when the schema would refuse it. */
export function dateTimeText(value: string, field: string): string {
  if (!isXsdDateTime(value))
    throw new TranslationError(field, `${JSON.stringify(value.slice(0, 40))} is not an ISO 8601 date-time the ISODateTime type accepts`);
  return value;
}

export function dateText(value: string, field: string): string {
  if (!isXsdDate(value)) throw new TranslationError(field, `${JSON.stringify(value.slice(0, 40))} is not an ISODate`);
  return value;
}

/** Reads an ISODateTime (whitespace collapsed, otherwise verbatim). */
export function readDateTime(node: XNode): string {
  return node.collapsed();
}

export function readBoolean(node: XNode): boolean {
  const v = node.collapsed();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw node.fail(`${node.localName}: ${JSON.stringify(v)} is not a boolean`);
}

export function writeBoolean(value: boolean): string {
  return value ? 'true' : 'false';
}

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;

export function base64urlToHex(value: string, field: string): string {
  if (!BASE64URL.test(value) || value.length === 0) throw new TranslationError(field, 'not base64url text');
  return Buffer.from(value.replace(/=+$/, ''), 'base64url').toString('hex').toUpperCase();
}

export function hexToBase64url(value: string, where: XNode): string {
  const text = value.trim();
  if (!HEX.test(text)) throw where.fail(`${where.localName}: not an even number of hexadecimal digits`);
  return Buffer.from(text, 'hex').toString('base64url');
}

/** A required text value for a Max<n>Text element; refuses what the length facet would. */
/**
 * A text for a `MaxNText` element. Counted in UTF-16 code units, as Xerces (the reference validator banks use)
 * counts: a character outside the BMP (an emoji) takes two of the `max`.
 */
export function maxText(value: string, max: number, field: string): string {
  if (value.length < 1) throw new TranslationError(field, 'must not be empty');
  if (value.length > max) {
    const unit = /[\ud800-\udbff]/.test(value) ? 'UTF-16 code units (a character outside the BMP counts twice)' : 'characters';
    throw new TranslationError(field, `${value.length} ${unit}: the ISO element holds at most ${max}`);
  }
  return value;
}
