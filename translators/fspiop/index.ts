/** The FSPIOP dialect's translators (each message: toCanonical / fromCanonical). See docs/iso20022-mapping.md. */
export * from './common.js';
export * from './parties.js';
export * from './quotes.js';
export * from './transfers.js';
export * from './bulk-transfers.js';
export * from './bulk-quotes.js';
export * from './transaction-requests.js';
export * from './authorizations.js';
