/**
 * head.001 Business Application Header, canonical (the ISO 20022 XML edge's envelope header; the
 * FSPIOP and ISO JSON dialects carry the same facts in HTTP headers). The XML signature
 * (`Sgntr`) is not part of the canonical header: it is checked at the edge and re-made by the hub.
 */
import type { FinInstnId } from './common.js';

/**
 * A BAH party. The hub identifies banks as financial institutions: `FIId.FinInstnId.Othr.Id` is
 * the participant's FSP id (always written by the hub), `BICFI` its BIC when one is registered.
 * head.001's other choice (`OrgId`, a non-FI organisation) is not accepted.
 */
export interface BahParty {
  FIId: { FinInstnId: FinInstnId };
}

/** The header of the message a response relates to (BAH `Rltd`, subset common to head.001.001.02–04). */
export interface RelatedHeader {
  Fr: BahParty;
  To: BahParty;
  BizMsgIdr: string;
  MsgDefIdr: string;
  BizSvc?: string;
  CreDt: string;
}

export interface BusinessApplicationHeader {
  /** The sender (for messages the hub emits: the hub). */
  Fr: BahParty;
  /** The receiver (for messages banks send: the hub). */
  To: BahParty;
  /** Unique id of this business message, set by its sender (Max35Text). */
  BizMsgIdr: string;
  /** The message definition in the Document, e.g. `pacs.008.001.08`. */
  MsgDefIdr: string;
  /** Business service (Max35Text), e.g. a scheme's service name. */
  BizSvc?: string;
  /** Creation date and time (ISODateTime). */
  CreDt: string;
  /** Business processing date (ISODateTime). */
  BizPrcgDt?: string;
  CpyDplct?: 'CODU' | 'COPY' | 'DUPL';
  /** Possible duplicate: the sender may have sent this message before. */
  PssblDplct?: boolean;
  /** Priority (BusinessMessagePriorityCode, free text in the schema). */
  Prty?: string;
  /** Headers of the messages this one relates to (e.g. the request a response answers). */
  Rltd?: RelatedHeader[];
}
