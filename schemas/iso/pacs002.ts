/**
 * pacs.002 FI-to-FI Payment Status Report: the canonical status of a transfer (PUT /transfers/{ID} fulfil,
 * PATCH /transfers/{ID} commit notification, hub status answers) and the error report of transfers and quotes
 * (PUT /transfers/{ID}/error, PUT /quotes/{ID}/error: StsRsnInf, no TxSts).
 */
import type { Extension, StatusReason } from './common.js';

/** Mojaloop's transaction status codes (iso20022-mapping.md §1). */
export type TxSts = 'RECV' | 'RESV' | 'COMM' | 'ABOR';

/**
 * ISO DateAndDateTime2Choice, as pacs.002.001.16 `PrcgDt`: a date-time (FSPIOP `completedTimestamp`), or a date alone,
 * which stays a date (no time is ever made up for it).
 */
export type ProcessingDate = { DtTm: string; Dt?: undefined } | { Dt: string; DtTm?: undefined };

/** A status reason after the first: code and text as the sender gave them (an error's extensions belong to the first). */
export type FurtherStatusReason = Pick<StatusReason, 'Rsn' | 'AddtlInf'>;

export interface Pacs002 {
  GrpHdr: { MsgId: string; CreDtTm: string };
  TxInfAndSts: {
    /** The transfer (or quote) id from the path. Renderers of the Mojaloop ISO JSON dialect do not write it. */
    OrgnlTxId?: string;
    /** Fulfilment (the condition's preimage), base64url (FSPIOP `fulfilment`). */
    ExctnConf?: string;
    /** FSPIOP `completedTimestamp` (`DtTm`); a bank's pacs.002.001.16 may give only a date (`Dt`). */
    PrcgDt?: ProcessingDate;
    /** FSPIOP `transferState` (status form only). */
    TxSts?: TxSts;
    /** Error form: FSPIOP errorInformation. ISO repeats StsRsnInf: this is the first, the one that decides. */
    StsRsnInf?: StatusReason;
    /**
     * The StsRsnInf an ISO sender gave after the first, in order. They decide nothing (the first is the FSPIOP
     * errorCode) and are never dropped: carried where a dialect has a single reason (docs/iso20022-mapping.md §3).
     */
    AddtlStsRsnInf?: FurtherStatusReason[];
    /** FSPIOP `extensionList` of the status body (the ISO JSON dialect carries it in TxInfAndSts.SplmtryData). */
    SplmtryData?: { extensions: Extension[] };
  };
}

/** An ISODate as ISO 20022 XML writes it (xs:date: the date, optionally a time zone). */
const ISO_DATE = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:Z|[+-](?:0\d|1[0-4]):[0-5]\d)?$/;

/** Is this a date alone as ISO writes one (`2026-03-01`, `2026-03-01+02:00`)? */
export function isIsoDate(text: string): boolean {
  return ISO_DATE.test(text);
}

/** A processing date as a dialect carried it (JSON from the wire), checked: `{Dt}` or `{DtTm}`; undefined when not. */
export function processingDateOf(v: unknown): ProcessingDate | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== 1) return undefined;
  if (typeof o.Dt === 'string' && isIsoDate(o.Dt)) return { Dt: o.Dt };
  if (typeof o.DtTm === 'string' && o.DtTm.length > 0) return { DtTm: o.DtTm };
  return undefined;
}

/** Further status reasons as a dialect carried them (JSON from the wire), checked; undefined when not that shape. */
export function furtherReasonsOf(v: unknown): FurtherStatusReason[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const out: FurtherStatusReason[] = [];
  for (const item of v) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) return undefined;
    const { Rsn, AddtlInf, ...rest } = item as Record<string, unknown>;
    if (Object.keys(rest).length > 0 || (AddtlInf !== undefined && typeof AddtlInf !== 'string')) return undefined;
    if (!Rsn || typeof Rsn !== 'object' || Array.isArray(Rsn)) return undefined;
    const { Prtry, Cd, ...other } = Rsn as Record<string, unknown>;
    if (Object.keys(other).length > 0 || (Prtry !== undefined && typeof Prtry !== 'string') || (Cd !== undefined && typeof Cd !== 'string')) return undefined;
    const reason: FurtherStatusReason = { Rsn: {} };
    if (Prtry !== undefined) reason.Rsn.Prtry = Prtry as string;
    if (Cd !== undefined) reason.Rsn.Cd = Cd as string;
    if (AddtlInf !== undefined) reason.AddtlInf = AddtlInf as string;
    out.push(reason);
  }
  return out;
}
