// FSPIOP error code → standard message (contract errors.md §3). Own copy: the suite must not share code with the hub.
export const STANDARD_MESSAGES: Readonly<Record<string, string>> = {
  '1000': 'Communication error',
  '1001': 'Destination communication error',
  '2000': 'Generic server error',
  '2001': 'Internal server error',
  '2002': 'Not implemented',
  '2003': 'Service currently unavailable',
  '2004': 'Server timed out',
  '2005': 'Server busy',
  '3000': 'Generic client error',
  '3001': 'Unacceptable version requested',
  '3002': 'Unknown URI',
  '3003': 'Add Party information error',
  '3040': 'Delete Party information error',
  '3100': 'Generic validation error',
  '3101': 'Malformed syntax',
  '3102': 'Missing mandatory element',
  '3103': 'Too many elements',
  '3104': 'Too large payload',
  '3105': 'Invalid signature',
  '3106': 'Modified request',
  '3107': 'Missing mandatory extension parameter',
  '3200': 'Generic ID not found',
  '3201': 'Destination FSP Error',
  '3202': 'Payer FSP ID not found',
  '3203': 'Payee FSP ID not found',
  '3204': 'Party not found',
  '3205': 'Quote ID not found',
  '3206': 'Transaction request ID not found',
  '3208': 'Transfer ID not found',
  '3300': 'Generic expired error',
  '3301': 'Transaction request expired',
  '3302': 'Quote expired',
  '3303': 'Transfer expired',
  '4000': 'Generic Payer error',
  '4001': 'Payer FSP insufficient liquidity',
  '4200': 'Payer limit error',
  '5000': 'Generic Payee error',
  '5100': 'Generic Payee rejection',
  '5101': 'Payee rejected quote',
  '5102': 'Payee FSP unsupported transaction type',
  '5103': 'Payee FSP rejected quote',
  '5104': 'Payee rejected transaction',
};

/** HTTP status a synchronous error with this code must carry (errors.md §2 plus per-code overrides). */
export function httpStatusFor(code: string): number {
  if (code === '2002') return 501;
  if (code === '3001') return 406;
  if (code === '3002') return 404;
  if (code.startsWith('10')) return 503;
  if (code === '2003') return 503;
  if (code.startsWith('2')) return 500;
  return 400;
}
