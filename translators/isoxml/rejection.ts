/**
 * Why an inbound ISO 20022 XML message was refused, in a form the edge can put straight into an
 * admi.002 MessageReject (`Rsn/RjctgPtyRsn` = reasonCode, `RsnDesc` = description, `ErrLctn` =
 * location) and log.
 *
 * reasonCode values are ISO 20022 ExternalStatusReason1Code codes where one fits:
 *   FF01  InvalidFileFormat          — not well-formed, refused construct (DTD, PI), limits, encoding,
 *                                      envelope, unknown message, header/document mismatch, schema
 *   DS0A  DataSignRequested          — the message must be signed and is not
 *   DS0B  UnknownDataSignFormat      — the signature is malformed, uses a refused algorithm or
 *                                      reference, or does not verify
 *   DS0D  SignerCertificateNotValid  — the registered certificate is expired or not yet valid
 *   DS0E  IncorrectSignerCertificate — KeyInfo names a certificate that is not the registered one
 *   DU01  DuplicateMessageID         — (used by the edge for a BizMsgIdr seen before)
 *   NARR  Narrative                  — a content rule of the hub (see description)
 * `kind` is the hub's own precise category for tests, metrics and logs.
 */

import type { FinInstnId } from '../../schemas/iso/common.js';

export type XmlReasonCode = 'FF01' | 'DS0A' | 'DS0B' | 'DS0D' | 'DS0E' | 'DU01' | 'NARR';

export type XmlRejectionKind =
  | 'TOO_LARGE'
  | 'TOO_DEEP'
  | 'TOO_MANY_ELEMENTS'
  | 'ENCODING'
  | 'DTD'
  | 'PROCESSING_INSTRUCTION'
  | 'NOT_WELL_FORMED'
  | 'ENVELOPE'
  | 'UNSUPPORTED_MESSAGE'
  | 'HEADER_MISMATCH'
  | 'SCHEMA'
  | 'CONTENT'
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_MALFORMED'
  | 'SIGNATURE_ALGORITHM'
  | 'SIGNATURE_REFERENCE'
  | 'SIGNATURE_DIGEST'
  | 'SIGNATURE_VALUE'
  | 'SIGNATURE_CERTIFICATE'
  | 'CERTIFICATE_NOT_VALID'
  | 'DUPLICATE';

export interface XmlLocation {
  /** 1-based line in the received text. */
  line?: number;
  /** 1-based column, when known. */
  column?: number;
  /** Element path with local names, e.g. `/Message/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]/ChrgBr`. */
  path?: string;
}

const REASON_OF_KIND: Record<XmlRejectionKind, XmlReasonCode> = {
  TOO_LARGE: 'FF01',
  TOO_DEEP: 'FF01',
  TOO_MANY_ELEMENTS: 'FF01',
  ENCODING: 'FF01',
  DTD: 'FF01',
  PROCESSING_INSTRUCTION: 'FF01',
  NOT_WELL_FORMED: 'FF01',
  ENVELOPE: 'FF01',
  UNSUPPORTED_MESSAGE: 'FF01',
  HEADER_MISMATCH: 'FF01',
  SCHEMA: 'FF01',
  CONTENT: 'NARR',
  SIGNATURE_MISSING: 'DS0A',
  SIGNATURE_MALFORMED: 'DS0B',
  SIGNATURE_ALGORITHM: 'DS0B',
  SIGNATURE_REFERENCE: 'DS0B',
  SIGNATURE_DIGEST: 'DS0B',
  SIGNATURE_VALUE: 'DS0B',
  SIGNATURE_CERTIFICATE: 'DS0E',
  CERTIFICATE_NOT_VALID: 'DS0D',
  DUPLICATE: 'DU01',
};

export function reasonCodeOf(kind: XmlRejectionKind): XmlReasonCode {
  return REASON_OF_KIND[kind];
}

/** ISO 20022 Max350Text: RsnDesc and ErrLctn of admi.002 hold at most 350 characters. */
const MAX_TEXT = 350;

function clip(text: string, max = MAX_TEXT): string {
  const chars = [...text];
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : text;
}

export class XmlRejection extends Error {
  readonly kind: XmlRejectionKind;
  readonly reasonCode: XmlReasonCode;
  readonly description: string;
  readonly location?: XmlLocation;
  /**
   * The refused message's AppHdr sender and BizMsgIdr, when they could be read before the refusal (e.g. a bad
   * signature): the admi.002 then refers to the message and is addressed to the sender as it named itself.
   */
  about?: { from: FinInstnId; bizMsgIdr: string };

  constructor(kind: XmlRejectionKind, description: string, location?: XmlLocation) {
    const text = clip(description);
    super(location ? `${text} (${formatLocation(location)})` : text);
    this.name = 'XmlRejection';
    this.kind = kind;
    this.reasonCode = REASON_OF_KIND[kind];
    this.description = text;
    if (location) this.location = location;
  }

  /** A plain object for logs and JSON answers. */
  toJSON(): { kind: XmlRejectionKind; reasonCode: XmlReasonCode; description: string; location?: XmlLocation } {
    return this.location
      ? { kind: this.kind, reasonCode: this.reasonCode, description: this.description, location: this.location }
      : { kind: this.kind, reasonCode: this.reasonCode, description: this.description };
  }
}

export function isXmlRejection(value: unknown): value is XmlRejection {
  return value instanceof XmlRejection;
}

/** `line 12, column 5, /Message/AppHdr/Fr` (the parts that are known). */
export function formatLocation(location: XmlLocation): string {
  const parts: string[] = [];
  if (location.line !== undefined) parts.push(`line ${location.line}`);
  if (location.column !== undefined && location.column > 0) parts.push(`column ${location.column}`);
  if (location.path) parts.push(location.path);
  return clip(parts.join(', '));
}
