/**
 * Canonical ISO 20022 building blocks. Element names follow the ISO 20022 XML tags (as Mojaloop's
 * ISO JSON dialect does), so every translator maps onto one vocabulary. Amounts are fixed-point.
 *
 * Conventions for every canonical message (docs/iso20022-mapping.md has the per-message tables):
 *  - An ISO element is used wherever the Mojaloop mapping (contract iso20022-mapping.md §3) or the plain ISO
 *    meaning gives one; its value is held exactly as the sending dialect gave it (no trimming, no defaults).
 *  - Data one dialect carries and ISO 20022 has no element for sits in the message's `SplmtryData`, a typed object
 *    with named members (each documented where it is declared). Renderers that have an ISO `SplmtryData`
 *    (ISO XML everywhere; the Mojaloop ISO JSON dialect only in acmt.024 and pacs.002) write it there; a renderer
 *    that has no place for a member that is present must refuse with a TranslationError (never drop it silently).
 *  - Canonical text fields are not limited by any one dialect's lengths (e.g. `StsRsnInf.AddtlInf` holds the full
 *    FSPIOP description, up to 128 characters, although ISO's Max105Text is shorter): limits are the renderer's.
 */
import type { Amount } from '../amount.js';
import { isValidErrorCode } from '../errors.js';

/**
 * Financial institution identification. Inside the hub a participant is named by its FSP id in `Othr.Id`; banks may
 * name participants by `BICFI` or by a clearing-system member id, which the ISO 20022 XML edge maps to the FSP id
 * (docs/iso20022.md, "Identifying banks").
 */
export interface FinInstnId {
  /** `Othr.Id` = the FSP id (FSPIOP `fspId`, `payerFsp`, `payeeFsp`, FSPIOP-Source/-Destination). */
  Othr?: { Id: string };
  /**
   * Beside `Othr.Id`: a sub-identifier inside the agent, the FSPIOP `partySubIdOrType` (Mojaloop mapping; no
   * `ClrSysId` then). Without `Othr.Id`: the institution's clearing-system member id (e.g. `ClrSysId.Cd` USABA with a
   * routing number as `MmbId`), as a bank names itself or another bank.
   */
  ClrSysMmbId?: { ClrSysId?: ClearingSystemId; MmbId: string };
  BICFI?: string;
}

/** ISO ClearingSystemIdentification2Choice: `Cd` from ExternalClearingSystemIdentification1Code (e.g. USABA), or `Prtry`. */
export interface ClearingSystemId {
  Cd?: string;
  Prtry?: string;
}

export interface Agent {
  FinInstnId: FinInstnId;
}

export interface GenericId {
  /** The party identifier (FSPIOP `partyIdentifier`). */
  Id: string;
  /** `Prtry` = the FSPIOP `partyIdType` (MSISDN, EMAIL, ...). Readers also accept `Cd`. */
  SchmeNm?: { Prtry?: string; Cd?: string };
}

/**
 * The party's identification. Mojaloop convention (iso20022-mapping.md §3.7): `OrgId` for the FSPIOP types
 * BUSINESS, ALIAS and DEVICE, `PrvtId` for every other type. Translators build it with `partyIdentification`
 * and read it with `readPartyIdentification` (either branch accepted, `OrgId` first).
 */
export interface PartyId {
  PrvtId?: { Othr: GenericId };
  OrgId?: { Othr: GenericId };
}

export interface Party {
  /**
   * The party's display name (FSPIOP `party.name`). The structured name (FSPIOP `personalInfo.complexName`)
   * has no ISO element and is in the message's SplmtryData (`PartySupplement.complexName`); the Mojaloop ISO
   * JSON dialect folds both into its `Nm` text as `first;middle;last;display` (§3.7).
   */
  Nm?: string;
  Id?: PartyId;
}

export interface Account {
  Ccy?: string;
  Id?: { Othr?: GenericId; IBAN?: string };
}

/**
 * The currencies a party can transact in (FSPIOP `supportedCurrencies`, ALL of them, in order). ISO's account
 * has one `Ccy`: renderers write `Ccys[0]` there and the rest as supplementary data (or refuse where the
 * message has none).
 */
export interface SupportedCurrencies {
  Ccys: string[];
}

/**
 * ISO 20022 elements a sender gave that this model does not type (outside a dialect's profile), by path from the
 * message root (`CdtTrfTxInf.Dbtr.PstlAdr`), values in the ISO JSON form they came in. Carried, never interpreted.
 */
export type ForeignElements = Record<string, unknown>;

/** One FSPIOP extension (extensionList.extension[]: key 1..32, value 1..128 characters). */
export interface Extension {
  key: string;
  value: string;
}

/** Mojaloop's cryptographic lock on the terms of a transfer (ILP). */
export interface VerificationOfTerms {
  /** FSPIOP `ilpPacket` (base64url ILP packet; v4 Prepare in the v2.0 dialects). */
  IlpV4PrepPacket?: string;
  /** FX condition (pacs.009/092), base64url. */
  Sh256Sgntr?: string;
}

/** An error: the FSPIOP errorInformation. */
export interface StatusReason {
  /** The FSPIOP error code (4 digits). Written as `Prtry`; `Cd` is kept when a sender used it. */
  Rsn: { Prtry?: string; Cd?: string };
  /**
   * The FSPIOP `errorDescription`, in full (up to 128 characters). ISO's AddtlInf is Max105Text: the ISO JSON
   * renderer writes the first 105 characters there and the full text in `TxInfAndSts.SplmtryData`; ISO XML may
   * split it across repeated AddtlInf elements. Absent when the sender gave only a code.
   */
  AddtlInf?: string;
  /** Extensions attached to the error (FSPIOP errorInformation.extensionList). */
  extensions?: Extension[];
}

/**
 * Whether a participant's reason code is one the canonical StatusReason carries: an FSPIOP error code that is listed
 * or falls into a defined category (contract errors.md §1). Checking a received code is the core's business; making
 * one up is not (the dialects' outcome tables do that).
 */
export function isValidReasonCode(code: string): boolean {
  return isValidErrorCode(code);
}

/** A charge (ISO ChrgsInf): FSPIOP `fees` (Agt = DbtrAgt), `payeeFspFee` and `payeeFspCommission` (Agt = CdtrAgt). */
export interface Charge {
  Amt: Amount;
  /** The agent that takes the charge. */
  Agt: Agent;
  /** Absent for a fee; `{ Cd: 'COMM' }` for FSPIOP payeeFspCommission (ISO ExternalChargeType1Code COMM). */
  Tp?: { Cd?: string; Prtry?: string };
}

/** FSPIOP `geoCode` (no ISO element: supplementary data). Decimal text exactly as FSPIOP gave it. */
export interface GeoCode {
  latitude: string;
  longitude: string;
}

/** FSPIOP `personalInfo.complexName`. */
export interface ComplexName {
  firstName?: string;
  middleName?: string;
  lastName?: string;
}

/**
 * Party data FSPIOP carries and ISO 20022 has no element for (supplementary data of the message that holds the
 * party; see each message for where it sits).
 */
export interface PartySupplement {
  /**
   * FSPIOP `personalInfo`, as given (an empty object stays empty). `complexName` is, in the ISO JSON dialect,
   * parts 1–3 of `Nm`; dateOfBirth has no ISO element (ISO's DtAndPlcOfBirth also requires city and country of
   * birth); kycInformation (v2.0) neither.
   */
  personalInfo?: { complexName?: ComplexName; dateOfBirth?: string; kycInformation?: string };
  /** `merchantClassificationCode`. */
  merchantClassificationCode?: string;
  /** `partyIdInfo.extensionList`. */
  extensions?: Extension[];
  /**
   * Set when the FSPIOP party had no `partyIdInfo.fspId` and the canonical agent was taken from the headers
   * (ISO requires the agent). Only the FSPIOP renderer reads it: it then leaves `fspId` out again.
   */
  fspIdFromHeader?: true;
}

/** FSPIOP party id types that Mojaloop's ISO mapping files under `OrgId` (all others under `PrvtId`). */
export const ORGANISATION_ID_TYPES: readonly string[] = ['BUSINESS', 'ALIAS', 'DEVICE'];

/** Builds the ISO party identification for an FSPIOP partyIdType / partyIdentifier (Mojaloop §3.7). */
export function partyIdentification(type: string, identifier: string): PartyId {
  const Othr: GenericId = { Id: identifier, SchmeNm: { Prtry: type } };
  return ORGANISATION_ID_TYPES.includes(type) ? { OrgId: { Othr } } : { PrvtId: { Othr } };
}

/** Reads type and identifier back (OrgId first, then PrvtId; SchmeNm.Prtry, else SchmeNm.Cd). */
export function readPartyIdentification(id: PartyId | undefined): { type?: string; identifier?: string } {
  const othr = id?.OrgId?.Othr ?? id?.PrvtId?.Othr;
  if (!othr) return {};
  const type = othr.SchmeNm?.Prtry ?? othr.SchmeNm?.Cd;
  return type === undefined ? { identifier: othr.Id } : { type, identifier: othr.Id };
}

export type { Amount };
