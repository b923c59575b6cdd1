/**
 * The whole inbound pipeline for one ISO 20022 XML business message from a bank, in the order the
 * edge must run it: screen and parse (limits, no DTD, UTF-8) → envelope and identification →
 * XSD validation (runtime schemas) → a message banks may send (not one of the hub's settlement
 * reports, catalog.ts `fromBanks`) → signature against the sender's registered certificate →
 * canonical message. Every refusal is an XmlRejection (admi002.ts turns it into the admi.002 answer).
 *
 * The edge still has to: refuse a sender that is no participant, bind the sender to the mTLS client
 * identity, check the BizMsgIdr for duplicates (DU01), map the agents in the Document to participants,
 * and route the canonical message.
 */
import type { FinInstnId } from '../../schemas/iso/common.js';
import type { BusinessApplicationHeader } from '../../schemas/iso/head001.js';
import { describeInstitution } from '../../schemas/iso/institutions.js';
import type { HeadDefinition, MessageDefinition } from './catalog.js';
import { parseBusinessMessage, type ParsedBusinessMessage, type XmlLimits } from './parse.js';
import { XmlRejection } from './rejection.js';
import { documentFromXml, type InboundDocument } from './render.js';
import { verifyBusinessMessage, type VerifiedSignature, type XmlSigningCertificate } from './signature.js';
import type { RuntimeSchemas } from './validate.js';

export interface ReceiveOptions {
  /** The hub's FSP id: `AppHdr/To` must name it (in `Othr/Id`, unless `namesHub` says otherwise). */
  hubFspId: string;
  /**
   * The participant (FSP id) a BAH `Fr` names, or undefined when it names none. Default: its `Othr/Id`. The edge
   * passes the participant directory's mapping of BICs and clearing-system member ids (switch/directory/agents.ts).
   */
  participantOf?: (id: FinInstnId) => string | undefined;
  /** Whether a BAH `To` names the hub. Default: `Othr/Id` = `hubFspId`. */
  namesHub?: (id: FinInstnId) => boolean;
  /** The sender's registered XML-signing certificates (empty when none or when the sender is unknown). */
  certificatesOf: (sender: string) => readonly XmlSigningCertificate[];
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
  /** The participant `AppHdr/Fr` names (its FSP id); undefined when it names no participant. */
  sender: string | undefined;
  /** `AppHdr/Fr` as the message names it, for refusals (`BICFI X`, `ClrSysMmbId USABA/…`, `Othr/Id x`). */
  senderDescription: string;
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
  const to = parsed.header.To.FIId.FinInstnId;
  const namesHub = options.namesHub ?? ((id: FinInstnId) => id.Othr?.Id === options.hubFspId);
  if (!namesHub(to)) {
    throw new XmlRejection('HEADER_MISMATCH', `AppHdr/To must name the hub (${options.hubFspId}), not ${describeInstitution(to)}`, {
      path: '/Message/AppHdr/To',
    });
  }
  const fr = parsed.header.Fr.FIId.FinInstnId;
  const sender = options.participantOf ? options.participantOf(fr) : fr.Othr?.Id;
  const verifyOptions: Parameters<typeof verifyBusinessMessage>[2] = { required: options.requireSignature !== false };
  if (options.now) verifyOptions.now = options.now;
  try {
    if (!parsed.definition.fromBanks) {
      throw new XmlRejection('UNSUPPORTED_MESSAGE', `${parsed.definition.version} is a report the hub sends to banks; it does not accept one from them`, {
        path: '/Message/Document',
      });
    }
    const signature = verifyBusinessMessage(parsed, sender === undefined ? [] : options.certificatesOf(sender), verifyOptions);
    const document = documentFromXml(parsed.document, parsed.definition, { hubFspId: options.hubFspId });
    return {
      head: parsed.head,
      definition: parsed.definition,
      header: parsed.header,
      sender,
      senderDescription: describeInstitution(fr),
      signature,
      document,
      parsed,
    };
  } catch (err) {
    if (err instanceof XmlRejection) err.about = { from: fr, bizMsgIdr: parsed.header.BizMsgIdr };
    throw err;
  }
}
