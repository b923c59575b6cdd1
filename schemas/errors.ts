/**
 * FSPIOP error codes (contract errors.md §3). The hub speaks these codes on every edge; the ISO
 * dialects carry the same code in their status-reason fields.
 */
export interface ErrorCodeInfo {
  readonly code: string;
  readonly message: string;
  readonly httpStatus: number;
}

const table: Array<[string, string, number]> = [
  ['1000', 'Communication error', 503],
  ['1001', 'Destination communication error', 503],
  ['2000', 'Generic server error', 500],
  ['2001', 'Internal server error', 500],
  ['2002', 'Not implemented', 501],
  ['2003', 'Service currently unavailable', 503],
  ['2004', 'Server timed out', 500],
  ['2005', 'Server busy', 500],
  ['2006', 'Temporary party resolution failed, try again', 503],
  ['3000', 'Generic client error', 400],
  ['3001', 'Unacceptable version requested', 406],
  ['3002', 'Unknown URI', 404],
  ['3003', 'Add Party information error', 400],
  ['3040', 'Delete Party information error', 400],
  ['3100', 'Generic validation error', 400],
  ['3101', 'Malformed syntax', 400],
  ['3102', 'Missing mandatory element', 400],
  ['3103', 'Too many elements', 400],
  ['3104', 'Too large payload', 400],
  ['3105', 'Invalid signature', 400],
  ['3106', 'Modified request', 400],
  ['3107', 'Missing mandatory extension parameter', 400],
  ['3200', 'Generic ID not found', 400],
  ['3201', 'Destination FSP Error', 400],
  ['3202', 'Payer FSP ID not found', 400],
  ['3203', 'Payee FSP ID not found', 400],
  ['3204', 'Party not found', 400],
  ['3205', 'Quote ID not found', 400],
  ['3206', 'Transaction request ID not found', 400],
  ['3207', 'Transaction ID not found', 400],
  ['3208', 'Transfer ID not found', 400],
  ['3209', 'Bulk quote ID not found', 400],
  ['3210', 'Bulk transfer ID not found', 400],
  ['3300', 'Generic expired error', 400],
  ['3301', 'Transaction request expired', 400],
  ['3302', 'Quote expired', 400],
  ['3303', 'Transfer expired', 400],
  ['4000', 'Generic Payer error', 400],
  ['4001', 'Payer FSP insufficient liquidity', 400],
  ['4100', 'Generic Payer rejection', 400],
  ['4101', 'Payer rejected transaction request', 400],
  ['4102', 'Payer FSP unsupported transaction type', 400],
  ['4103', 'Payer unsupported currency', 400],
  ['4200', 'Payer limit error', 400],
  ['4300', 'Payer permission error', 400],
  ['4400', 'Generic Payer blocked error', 400],
  ['5000', 'Generic Payee error', 400],
  ['5001', 'Payee FSP insufficient liquidity', 400],
  ['5100', 'Generic Payee rejection', 400],
  ['5101', 'Payee rejected quote', 400],
  ['5102', 'Payee FSP unsupported transaction type', 400],
  ['5103', 'Payee FSP rejected quote', 400],
  ['5104', 'Payee rejected transaction', 400],
  ['5105', 'Payee FSP rejected transaction', 400],
  ['5106', 'Payee unsupported currency', 400],
  ['5107', 'Payee identifier no-longer valid', 400],
  ['5200', 'Payee limit error', 400],
  ['5300', 'Payee permission error', 400],
  ['5400', 'Generic Payee blocked error', 400],
  ['6000', 'Generic Settlement Error', 400],
];

export const ERROR_CODES: ReadonlyMap<string, ErrorCodeInfo> = new Map(table.map(([code, message, httpStatus]) => [code, { code, message, httpStatus }]));

const CATEGORY_STATUS: Record<string, number> = { '1': 503, '2': 500 };

/** A code received from a participant is valid if listed or inside a defined category (errors.md §1). */
export function isValidErrorCode(code: string): boolean {
  return ERROR_CODES.has(code) || /^(10|20|3[0-4]|4[0-4]|5[0-4])[0-9]{2}$/.test(code);
}

export function httpStatusFor(code: string): number {
  return ERROR_CODES.get(code)?.httpStatus ?? CATEGORY_STATUS[code[0] ?? ''] ?? 400;
}

export interface ExtensionItem {
  key: string;
  value: string;
}

export interface ErrorInformation {
  errorCode: string;
  errorDescription: string;
  extensionList?: { extension: ExtensionItem[] };
}

/** FSPIOP ErrorDescription is 1..128 characters; an extension value is 1..128, a list at most 16 items. */
export const ERROR_DESCRIPTION_MAX = 128;
const EXTENSION_VALUE_MAX = 128;
const EXTENSION_LIST_MAX = 16;
/** Extension key under which a detail too long for the description travels, in pieces of ≤ 128 characters. */
export const DETAIL_EXTENSION_KEY = 'detail';

function codePoints(text: string): string[] {
  return Array.from(text);
}

/**
 * Mojaloop convention: "<standard message>" or "<standard message> - <detail>". The description never exceeds
 * 128 characters and is never cut: when the detail does not fit, the description is the standard message alone
 * and the detail travels whole in the error's extension list (`detailExtensions`) and in the log.
 */
export function describeError(code: string, detail?: string): string {
  const base = ERROR_CODES.get(code)?.message ?? 'Generic error';
  if (!detail) return base;
  const text = `${base} - ${detail}`;
  return codePoints(text).length <= ERROR_DESCRIPTION_MAX ? text : base;
}

/**
 * The detail as extension items (key `detail`, values of at most 128 characters, in order; joined they give the
 * detail back), or none when `describeError` could hold it. `room` is how many items the list has left.
 */
export function detailExtensions(code: string, detail: string | undefined, room = EXTENSION_LIST_MAX): ExtensionItem[] {
  if (!detail || describeError(code, detail) !== describeError(code)) return [];
  const chars = codePoints(detail);
  const items: ExtensionItem[] = [];
  for (let i = 0; i < chars.length && items.length < room; i += EXTENSION_VALUE_MAX) {
    items.push({ key: DETAIL_EXTENSION_KEY, value: chars.slice(i, i + EXTENSION_VALUE_MAX).join('') });
  }
  return items;
}

function fits(text: string): boolean {
  return text.length > 0 && codePoints(text).length <= ERROR_DESCRIPTION_MAX;
}

/** An error the hub reports in FSPIOP form (sync body or error callback). */
export class FspiopError extends Error {
  readonly code: string;
  /** At most 128 characters, by construction (see describeError). */
  readonly description: string;
  readonly httpStatus: number;
  readonly extensions?: ExtensionItem[];
  /** The whole detail as the hub found it (in the log; in `extensions` when the description could not hold it). */
  readonly detail?: string;

  constructor(code: string, detail?: string, options?: { extensions?: ExtensionItem[]; httpStatus?: number; description?: string }) {
    // A whole description from the caller is used when it fits; otherwise it is the detail (standard message first).
    const own = options?.description;
    const whole = own !== undefined && fits(own) ? own : undefined;
    const full = own !== undefined && whole === undefined ? own : detail;
    const description = whole ?? describeError(code, full);
    super(full ? `${describeError(code)} - ${full}` : description);
    this.name = 'FspiopError';
    this.code = code;
    this.description = description;
    this.httpStatus = options?.httpStatus ?? httpStatusFor(code);
    if (full) this.detail = full;
    const given = options?.extensions ?? [];
    const carried = whole === undefined ? detailExtensions(code, full, EXTENSION_LIST_MAX - given.length) : [];
    if (given.length + carried.length > 0) this.extensions = [...given, ...carried];
  }

  toErrorInformation(): ErrorInformation {
    const info: ErrorInformation = { errorCode: this.code, errorDescription: this.description };
    if (this.extensions && this.extensions.length > 0) info.extensionList = { extension: this.extensions };
    return info;
  }

  toBody(): { errorInformation: ErrorInformation } {
    return { errorInformation: this.toErrorInformation() };
  }
}
