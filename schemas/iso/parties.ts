/**
 * Discovery messages, canonical: acmt.023 Identification Verification Request (what GET /parties asks) and
 * acmt.024 Identification Verification Report (its answer, PUT /parties and PUT /parties/.../error).
 */
import type { Agent, Extension, Party, PartySupplement, SupportedCurrencies } from './common.js';

/** The party id types Mojaloop defines (FSPIOP PartyIdType): what a party lookup may name. */
export const PARTY_ID_TYPES = ['MSISDN', 'EMAIL', 'PERSONAL_ID', 'BUSINESS', 'DEVICE', 'ACCOUNT_ID', 'IBAN', 'ALIAS'] as const;
export type PartyIdType = (typeof PARTY_ID_TYPES)[number];

export function isPartyIdType(value: string): value is PartyIdType {
  return (PARTY_ID_TYPES as readonly string[]).includes(value);
}

/** The party a lookup is about: FSPIOP path `/parties/{Type}/{ID}[/{SubId}]`. */
export interface PartyPathId {
  Type: string;
  ID: string;
  SubId?: string;
}

/** ISO IdentificationInformation (party + account + agent). */
export interface PartyAndAccount {
  /** `Nm` = FSPIOP `party.name`; `Id` = partyIdType/partyIdentifier (see `partyIdentification`). */
  Pty: Party;
  /** FSPIOP `party.supportedCurrencies` (all of them). */
  Acct?: SupportedCurrencies;
  /** `FinInstnId.Othr.Id` = `partyIdInfo.fspId`; `FinInstnId.ClrSysMmbId.MmbId` = `partyIdInfo.partySubIdOrType`. */
  Agt?: Agent;
}

/** acmt.023: GET /parties/{Type}/{ID}[/{SubId}] (no FSPIOP body: built from the path and the headers). */
export interface PartyVerificationRequest {
  Assgnmt: {
    MsgId: string;
    CreDtTm: string;
    /** FSPIOP-Source (the asking FSP). */
    Assgnr: Agent;
    /** FSPIOP-Destination when the requester named one (GET /parties may leave it out; the hub resolves it). */
    Assgne?: Agent;
  };
  Vrfctn: {
    /** Identification of this verification: Mojaloop's `<Type>/<ID>[/<SubId>]`. */
    Id: string;
    /** The party asked about: `Pty.Id` from Type and ID, `Agt.FinInstnId.ClrSysMmbId.MmbId` = SubId. */
    PtyAndAcctId: { Pty: Party; Agt?: Agent };
  };
}

/** acmt.024: PUT /parties/{Type}/{ID}[/{SubId}] (`Rpt.Vrfctn` true) or its /error form (`Vrfctn` false). */
export interface PartyVerificationReport {
  Assgnmt: {
    MsgId: string;
    CreDtTm: string;
    /** FSPIOP-Source (the FSP that answers, or the hub for its own errors). */
    Assgnr: Agent;
    /** FSPIOP-Destination (the FSP that asked). */
    Assgne: Agent;
  };
  Rpt: {
    /** Original verification id: Mojaloop's `<Type>/<ID>[/<SubId>]` when built from FSPIOP. */
    OrgnlId: string;
    /** true: the party is reported in UpdtdPtyAndAcctId; false: an error, code in Rsn. */
    Vrfctn: boolean;
    /** Error code (FSPIOP errorInformation.errorCode). Written as `Cd` (transformer); `Prtry` kept when read. */
    Rsn?: { Cd?: string; Prtry?: string };
    /** The party found (FSPIOP `party`). */
    UpdtdPtyAndAcctId?: PartyAndAccount;
  };
  /** FSPIOP data with no acmt.024 element. The ISO JSON dialect carries it in the top-level SplmtryData. */
  SplmtryData?: {
    /** FSPIOP party fields without an ISO element (complexName, dateOfBirth, kycInformation, ...). */
    party?: PartySupplement;
    /** Error form: FSPIOP errorDescription (acmt.024 has only a reason code) and errorInformation.extensionList. */
    error?: { AddtlInf?: string; extensions?: Extension[] };
  };
}

/** `<Type>/<ID>[/<SubId>]`, Mojaloop's OrgnlId / verification id (and the transformer's IdPath). */
export function partyPathText(path: PartyPathId): string {
  return path.SubId === undefined ? `${path.Type}/${path.ID}` : `${path.Type}/${path.ID}/${path.SubId}`;
}
