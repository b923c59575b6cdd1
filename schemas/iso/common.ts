/**
 * Canonical ISO 20022 building blocks. Element names follow the ISO 20022 XML tags (as Mojaloop's
 * ISO JSON dialect does), so every translator maps onto one vocabulary. Amounts are fixed-point.
 */
import type { Amount } from '../amount.js';

/** Financial institution identified by its scheme participant id (FSP id). */
export interface FinInstnId {
  Othr?: { Id: string };
  /** Sub-identifier inside the agent, e.g. the FSPIOP partySubIdOrType. */
  ClrSysMmbId?: { MmbId: string };
  BICFI?: string;
}

export interface Agent {
  FinInstnId: FinInstnId;
}

export interface GenericId {
  Id: string;
  SchmeNm?: { Prtry?: string; Cd?: string };
}

export interface PartyId {
  PrvtId?: { Othr: GenericId };
  OrgId?: { Othr: GenericId };
}

export interface Party {
  Nm?: string;
  Id?: PartyId;
}

export interface Account {
  Ccy?: string;
  Id?: { Othr?: GenericId; IBAN?: string };
}

/** Supplementary data: where canonical objects carry dialect extensions (FSPIOP extensionList). */
export interface Extension {
  key: string;
  value: string;
}

/** Mojaloop's cryptographic lock on the terms of a transfer (ILP). */
export interface VerificationOfTerms {
  IlpV4PrepPacket?: string;
  Sh256Sgntr?: string;
}

export interface StatusReason {
  Rsn: { Prtry?: string; Cd?: string };
  AddtlInf?: string;
  /** Extensions attached to the error (FSPIOP errorInformation.extensionList). */
  extensions?: Extension[];
}

export type { Amount };
