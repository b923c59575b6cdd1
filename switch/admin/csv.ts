/**
 * CSV downloads of the Admin API (RFC 4180): a header row, CRLF line ends, a field quoted when it holds a comma, a
 * quote or a line break. Amounts are plain decimal text ("-12.5"), never rounded. A text field that a spreadsheet
 * would take for a formula (it starts with =, +, -, @, a tab or a carriage return) is prefixed with an apostrophe;
 * numbers are never touched (see `decimal`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FspiopError } from '../../schemas/errors.js';
import { query } from './request.js';

/** A number written as is (amounts, counts, ids). */
export interface Decimal {
  readonly decimal: string;
}

export type Cell = string | number | Decimal | null | undefined;

export function decimal(text: string): Decimal {
  return { decimal: text };
}

const FORMULA = /^[=+\-@\t\r]/;

function field(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  const text = typeof cell === 'number' ? String(cell) : typeof cell === 'string' ? (FORMULA.test(cell) ? `'${cell}` : cell) : cell.decimal;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvText(header: readonly string[], rows: readonly Cell[][]): string {
  return [header, ...rows].map((row) => `${row.map(field).join(',')}\r\n`).join('');
}

/** The CSV as a download named `filename`. */
export function sendCsv(reply: FastifyReply, status: number, filename: string, header: readonly string[], rows: readonly Cell[][]): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/csv; charset=utf-8; header=present')
    .header('content-disposition', `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
    .send(csvText(header, rows));
}

/**
 * Whether the answer is CSV: `?format=csv` (or `json`) decides; without it, an Accept header that asks for text/csv
 * and not for JSON. Any other format is refused (3101).
 */
export function wantsCsv(request: FastifyRequest): boolean {
  const format = query(request, 'format');
  if (format === 'csv') return true;
  if (format === 'json') return false;
  if (format !== undefined) throw new FspiopError('3101', 'format must be json or csv');
  const accept = (request.headers.accept ?? '').toLowerCase();
  return accept.includes('text/csv') && !accept.includes('application/json');
}
