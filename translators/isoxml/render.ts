/**
 * Canonical messages <-> ISO 20022 XML business messages (AppHdr + Document in the Mizani envelope).
 *
 * `renderBusinessMessage` is what the hub's notifier calls for a bank: it picks the versions from
 * the bank's profile (catalog.ts), renders the Document with the message mapping, the AppHdr from
 * the header facts, wraps both (envelope.ts) and signs (signature.ts) when given the hub's signer.
 * Pure apart from the signature's RSA operation (deterministic: PKCS#1 v1.5, and the KeyInfo Id is
 * derived from the BizMsgIdr).
 *
 * `documentFromXml` is the inbound direction for a parsed (parse.ts) and verified (signature.ts)
 * message; see inbound.ts for the whole pipeline. It also reads the hub's own settlement reports
 * (camt.052/053/054) back, for tests and tools: inbound.ts refuses them from banks.
 */
import { createHash } from 'node:crypto';
import type { BusinessApplicationHeader } from '../../schemas/iso/head001.js';
import type { AccountReportMessage, BankToCustomerStatement, DebitCreditNotification } from '../../schemas/iso/camt.js';
import type { CancellationRequest } from '../../schemas/iso/camt056.js';
import type { InvestigationResolution } from '../../schemas/iso/camt029.js';
import type { MessageReject } from '../../schemas/iso/admi002.js';
import type { BulkPacs002, BulkPacs008, BulkPacs008FromXml } from '../../schemas/iso/bulk-transfers.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { OriginalTransactionReference } from '../../schemas/iso/original.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import type { PaymentStatusRequest } from '../../schemas/iso/pacs028.js';
import type { PartyVerificationReport, PartyVerificationRequest } from '../../schemas/iso/parties.js';
import { acmt023FromXml, acmt023ToXml } from './acmt023.js';
import { acmt024FromXml, acmt024ToXml, type Acmt024Context } from './acmt024.js';
import { admi002FromXml, admi002ToXml } from './admi002.js';
import { bulkPacs002FromXml, bulkPacs002ToXml, isBulkPacs002, type BulkPacs002Context } from './bulk-pacs002.js';
import { bulkPacs008FromXml, bulkPacs008ToXml, isBulkPacs008 } from './bulk-pacs008.js';
import { camt029FromXml, camt029ToXml, type Camt029Version } from './camt029.js';
import { camt052FromXml, camt052ToXml, type Camt052Version } from './camt052.js';
import { camt053FromXml, camt053ToXml, type Camt053Version } from './camt053.js';
import { camt054FromXml, camt054ToXml, type Camt054Version } from './camt054.js';
import { camt056FromXml, camt056ToXml, type Camt056Version } from './camt056.js';
import {
  DEFAULT_XML_PROFILE,
  XML_PROFILES,
  messageByVersion,
  type HeadVersion,
  type MessageDefinition,
  type MessageKind,
  type MessageVersion,
  type XmlProfileName,
} from './catalog.js';
import { emitEnvelope } from './envelope.js';
import { headerToXml } from './head001.js';
import { pacs002FromXml, pacs002ToXml, type Pacs002Context, type Pacs002Version } from './pacs002.js';
import type { Pacs008FromXml } from '../../schemas/iso/pacs008.js';
import { pacs008FromXml, pacs008ToXml, type Pacs008Version } from './pacs008.js';
import { pacs028FromXml, pacs028ToXml, type Pacs028Version } from './pacs028.js';
import { pain013FromXml, pain013ToXml, type Pain013Version } from './pain013.js';
import { pain014FromXml, pain014ToXml, type Pain014Context, type Pain014Version } from './pain014.js';
import type { Pain013 } from '../../schemas/iso/pain013.js';
import type { Pain014 } from '../../schemas/iso/pain014.js';
import { signBusinessMessage, type XmlSigner } from './signature.js';
import type { XNode } from './xml.js';

/** The settlement reports the hub sends banks about their accounts (settlement.md §7; banks never send them). */
export type SettlementReport =
  | { kind: 'camt.052'; message: AccountReportMessage }
  | { kind: 'camt.053'; message: BankToCustomerStatement }
  | { kind: 'camt.054'; message: DebitCreditNotification };

/**
 * A bulk: a pacs.008 with many transactions, and its status, a pacs.002 with a group status (bulk-pacs008.ts,
 * bulk-pacs002.ts). Their kind names the message they are (`pacs.008`, `pacs.002`: `messageKindOf`).
 */
export type BulkDocument =
  { kind: 'pacs.008/bulk'; message: BulkPacs008 | BulkPacs008FromXml } | { kind: 'pacs.002/bulk'; message: BulkPacs002; context?: BulkPacs002Context };

/** One business message's content, by kind (the `context` members carry ISO correlation data). */
export type BusinessDocument =
  | { kind: 'pacs.008'; message: Pacs008 | Pacs008FromXml }
  | { kind: 'pacs.002'; message: Pacs002; context?: Pacs002Context }
  | BulkDocument
  | { kind: 'acmt.023'; message: PartyVerificationRequest }
  | { kind: 'acmt.024'; message: PartyVerificationReport; context?: Acmt024Context }
  | { kind: 'pacs.028'; message: PaymentStatusRequest }
  | { kind: 'camt.056'; message: CancellationRequest }
  | { kind: 'camt.029'; message: InvestigationResolution }
  | { kind: 'admi.002'; message: MessageReject }
  | { kind: 'pain.013'; message: Pain013 }
  /** `context`: the request answered, when the report does not name it (docs/r2p.md). */
  | { kind: 'pain.014'; message: Pain014; context?: Pain014Context }
  | SettlementReport;

/** What a read `Document` gives: as BusinessDocument, with pacs.008 possibly lacking expiry/condition. */
export type InboundDocument =
  /** `reference`: how the bank named the payment (the answers about it name it the same way). */
  | { kind: 'pacs.008'; message: Pacs008FromXml; reference: OriginalTransactionReference }
  | { kind: 'pacs.002'; message: Pacs002; context: Pacs002Context }
  /** A bank's bulk; `references`: how it named each payment, in transaction order. */
  | { kind: 'pacs.008/bulk'; message: BulkPacs008FromXml; references: OriginalTransactionReference[] }
  | { kind: 'pacs.002/bulk'; message: BulkPacs002; context: BulkPacs002Context }
  | { kind: 'acmt.023'; message: PartyVerificationRequest }
  | { kind: 'acmt.024'; message: PartyVerificationReport; context: Acmt024Context }
  | { kind: 'pacs.028'; message: PaymentStatusRequest }
  | { kind: 'camt.056'; message: CancellationRequest }
  | { kind: 'camt.029'; message: InvestigationResolution }
  | { kind: 'admi.002'; message: MessageReject }
  | { kind: 'pain.013'; message: Pain013 }
  | { kind: 'pain.014'; message: Pain014 }
  | SettlementReport;

export interface MappingContext {
  /** The hub's FSP id (acmt.023: the assignee of a request that names no payee FSP). */
  hubFspId: string;
}

/** The ISO message a document is (a bulk is a pacs.008 or a pacs.002 like any other). */
export function messageKindOf(kind: BusinessDocument['kind'] | InboundDocument['kind']): MessageKind {
  return kind.slice(0, 8) as MessageKind;
}

function versionFor(kind: MessageKind, version: MessageVersion): void {
  if (messageByVersion(version)?.kind !== kind) throw new Error(`version ${version} is not a ${kind} version`);
}

/** Renders the `Document` element of a message in a given version. */
export function documentToXml(doc: BusinessDocument, version: MessageVersion, context: MappingContext): string {
  versionFor(messageKindOf(doc.kind), version);
  switch (doc.kind) {
    case 'pacs.008':
      return pacs008ToXml(doc.message, version as Pacs008Version);
    case 'pacs.002':
      return pacs002ToXml(doc.message, version as Pacs002Version, doc.context);
    case 'pacs.008/bulk':
      return bulkPacs008ToXml(doc.message, version as Pacs008Version);
    case 'pacs.002/bulk':
      return bulkPacs002ToXml(doc.message, version as Pacs002Version, doc.context);
    case 'acmt.023':
      return acmt023ToXml(doc.message, context);
    case 'acmt.024':
      return acmt024ToXml(doc.message, doc.context);
    case 'pacs.028':
      return pacs028ToXml(doc.message, version as Pacs028Version);
    case 'camt.056':
      return camt056ToXml(doc.message, version as Camt056Version);
    case 'camt.029':
      return camt029ToXml(doc.message, version as Camt029Version);
    case 'admi.002':
      return admi002ToXml(doc.message);
    case 'camt.052':
      return camt052ToXml(doc.message, version as Camt052Version);
    case 'camt.053':
      return camt053ToXml(doc.message, version as Camt053Version);
    case 'camt.054':
      return camt054ToXml(doc.message, version as Camt054Version);
    case 'pain.013':
      return pain013ToXml(doc.message, version as Pain013Version);
    case 'pain.014':
      return pain014ToXml(doc.message, version as Pain014Version, doc.context);
  }
}

/** Reads a parsed, schema-valid `Document` of a known definition. */
export function documentFromXml(document: XNode, definition: MessageDefinition, context: MappingContext): InboundDocument {
  const v = definition.version;
  switch (definition.kind) {
    case 'pacs.008':
      if (isBulkPacs008(document)) return { kind: 'pacs.008/bulk', ...bulkPacs008FromXml(document, v as Pacs008Version) };
      return { kind: 'pacs.008', ...pacs008FromXml(document, v as Pacs008Version) };
    case 'pacs.002': {
      if (isBulkPacs002(document)) return { kind: 'pacs.002/bulk', ...bulkPacs002FromXml(document, v as Pacs002Version) };
      const { message, context: ctx } = pacs002FromXml(document, v as Pacs002Version);
      return { kind: 'pacs.002', message, context: ctx };
    }
    case 'acmt.023':
      return { kind: 'acmt.023', message: acmt023FromXml(document, context) };
    case 'acmt.024': {
      const { message, context: ctx } = acmt024FromXml(document);
      return { kind: 'acmt.024', message, context: ctx };
    }
    case 'pacs.028':
      return { kind: 'pacs.028', message: pacs028FromXml(document, v as Pacs028Version) };
    case 'camt.056':
      return { kind: 'camt.056', message: camt056FromXml(document, v as Camt056Version) };
    case 'camt.029':
      return { kind: 'camt.029', message: camt029FromXml(document, v as Camt029Version) };
    case 'admi.002':
      return { kind: 'admi.002', message: admi002FromXml(document) };
    case 'camt.052':
      return { kind: 'camt.052', message: camt052FromXml(document, v as Camt052Version) };
    case 'camt.053':
      return { kind: 'camt.053', message: camt053FromXml(document, v as Camt053Version) };
    case 'camt.054':
      return { kind: 'camt.054', message: camt054FromXml(document, v as Camt054Version) };
    case 'pain.013':
      return { kind: 'pain.013', message: pain013FromXml(document, v as Pain013Version) };
    case 'pain.014':
      return { kind: 'pain.014', message: pain014FromXml(document, v as Pain014Version) };
  }
}

export interface RenderOptions extends MappingContext {
  /** The receiving bank's profile (default iso-2019). */
  profile?: XmlProfileName;
  /** Overrides the profile's version for this message. */
  version?: MessageVersion;
  /** Overrides the profile's head.001 version. */
  head?: HeadVersion;
  /** The header facts; MsgDefIdr is set from the version rendered. */
  header: Omit<BusinessApplicationHeader, 'MsgDefIdr'>;
  /** The hub's XML signer: when given, the message is signed (AppHdr/Sgntr). */
  signer?: XmlSigner;
  /** Time for the signing certificate's validity check (default: now). */
  now?: Date;
}

/** The versions a message is rendered in for a profile (and overrides). */
export function renderVersions(
  kind: MessageKind,
  options: Pick<RenderOptions, 'profile' | 'version' | 'head'>,
): { version: MessageVersion; head: HeadVersion } {
  const profile = XML_PROFILES[options.profile ?? DEFAULT_XML_PROFILE];
  const version = options.version ?? profile[kind];
  versionFor(kind, version);
  return { version, head: options.head ?? profile.head };
}

/** Renders a complete business message (envelope text), signed when `options.signer` is given. */
export function renderBusinessMessage(doc: BusinessDocument, options: RenderOptions): string {
  const { version, head } = renderVersions(messageKindOf(doc.kind), options);
  const header: BusinessApplicationHeader = { ...options.header, MsgDefIdr: version };
  const xml = emitEnvelope(headerToXml(header, head), documentToXml(doc, version, options));
  if (!options.signer) return xml;
  const keyInfoId = `KeyInfo-${createHash('sha256').update(`${header.BizMsgIdr}\n${header.CreDt}`).digest('hex').slice(0, 24)}`;
  return signBusinessMessage(xml, { ...options.signer, keyInfoId }, options.now);
}
