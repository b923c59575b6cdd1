/**
 * The Mojaloop FSPIOP ISO 20022 JSON dialect's translators (each message: toCanonical / fromCanonical).
 * See docs/iso20022-mapping.md; bodies are validated first with validateIsoJsonBody (schemas/fspiop/validators.ts).
 */
export * from './common.js';
export * from './parties.js';
export * from './quotes.js';
export * from './transfers.js';
