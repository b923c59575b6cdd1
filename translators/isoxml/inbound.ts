/**
 * The whole inbound pipeline for one ISO 20022 XML business message from a bank, in the order the
 * edge must run it: screen and parse (limits, no DTD, UTF-8) → envelope and identification →
 * XSD validation (runtime schemas) → signature against the sender's registered certificate →
 * canonical message. Every refusal is an XmlRejection (admi002.ts turns it into the admi.002 answer).
 *
 * The edge still has to: bind the sender (`header.Fr`) to the mTLS client identity, check the
 * BizMsgIdr for duplicates (DU01), and route the canonical message.
 */
import type { BusinessApplicationHeader } from '../../schemas/iso/head001.js';
import type { HeadDefinition, MessageDefinition } from './catalog.js';
import { participantOf } from './head001.js';
import { parseBusinessMessage, type ParsedBusinessMessage, type XmlLimits } from './parse.js';
import { XmlRejection } from './rejection.js';
import { documentFromXml, type InboundDocument } from './render.js';
import { verifyBusinessMessage, type VerifiedSignature, type XmlSigningCertificate } from './signature.js';
import type { RuntimeSchemas } from './validate.js';

export interface ReceiveOptions {
  /** The hub's FSP id: `AppHdr/To` must name it (in `Othr/Id`, or by `hubBicfi`). */
  hubFspId: string;
  /** The hub's BIC, when it has one: a `To` naming only this BIC is the hub too. */
  hubBicfi?: string;
  /** The sender's registered XML-signing certificates (empty when none). */
  certificatesOf: (sender: { fspId?: string; bicfi?: string }) => readonly XmlSigningCertificate[];
  /** Refuse unsigned messages (default true). */
  requireSignature?: boolean;
  limits?: Partial<XmlLimits>;
  schemas?: RuntimeSchemas;
  now?: Date;
}

export interface ReceivedBusinessMessage {
  head: HeadDefinition;
  definition: MessageDefinition;
  header: BusinessApplicationHeader;
  /** Who sent it, from `AppHdr/Fr`. */
  sender: { fspId?: string; bicfi?: string };
  signature: VerifiedSignature;
  document: InboundDocument;
  /** The parsed message (DOM and text), e.g. for archiving. */
  parsed: ParsedBusinessMessage;
}

export function receiveBusinessMessage(raw: Buffer | Uint8Array | string, options: ReceiveOptions): ReceivedBusinessMessage {
  const parseOptions: Parameters<typeof parseBusinessMessage>[1] = {};
  if (options.limits) parseOptions.limits = options.limits;
  if (options.schemas) parseOptions.schemas = options.schemas;
  const parsed = parseBusinessMessage(raw, parseOptions);
  const to = participantOf(parsed.header.To);
  if (to.fspId !== options.hubFspId && !(to.fspId === undefined && options.hubBicfi !== undefined && to.bicfi === options.hubBicfi)) {
    throw new XmlRejection('HEADER_MISMATCH', `AppHdr/To must name the hub (${options.hubFspId}) in FIId/FinInstnId/Othr/Id`, { path: '/Message/AppHdr/To' });
  }
  const sender = participantOf(parsed.header.Fr);
  const verifyOptions: Parameters<typeof verifyBusinessMessage>[2] = { required: options.requireSignature !== false };
  if (options.now) verifyOptions.now = options.now;
  const signature = verifyBusinessMessage(parsed, options.certificatesOf(sender), verifyOptions);
  const document = documentFromXml(parsed.document, parsed.definition, { hubFspId: options.hubFspId });
  return { head: parsed.head, definition: parsed.definition, header: parsed.header, sender, signature, document, parsed };
}
