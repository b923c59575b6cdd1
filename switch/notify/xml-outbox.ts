/**
 * Messages to banks: the canonical message rendered in the bank's profile (head.001 + Document in
 * the Mizani envelope), signed with the hub's XML-signing certificate, delivered to the bank's
 * `ISO20022_CALLBACK_URL`.
 */
import type { Logger } from 'pino';
import type { FinInstnId, StatusReason } from '../../schemas/iso/common.js';
import type { OriginalTransactionReference } from '../../schemas/iso/original.js';
import type { ParticipantDirectory } from '../directory/participants.js';
import type { BulkPacs002Context } from '../../translators/isoxml/bulk-pacs002.js';
import { statusReferringTo } from '../../translators/isoxml/pacs002.js';
import { renderBusinessMessage, type BusinessDocument } from '../../translators/isoxml/render.js';
import type { XmlSigner } from '../../translators/isoxml/signature.js';
import { registeredAgents, registeredBahParty } from '../directory/agents.js';
import { decodeIlpPacket } from '../security/ilp.js';
import type { DeliveryResult } from '../core/outbox.js';
import { newMessageId } from '../core/status.js';
import type { Delivery } from './delivery.js';
import { tryRender } from './dialects.js';
import type { XmlChannel, XmlOutboundMessage } from './xml-channel.js';

export const ISO20022_ENDPOINT = 'ISO20022_CALLBACK_URL';

/** The transaction request a quote named (request to pay, docs/r2p.md), when it named one. */
export type RequestOfQuote = (quoteId: string) => Promise<string | undefined>;

/** How a bank named the payment a status is about (its pacs.008's references), when the bank was its payer. */
export type OriginalReferences = (bank: string, transferId: string) => Promise<OriginalTransactionReference | undefined>;

/** How a bank named a bulk it sent and each of its payments (one look-up per bulk), when the bank was its payer. */
export type BulkReferences = (bank: string, bulkTransferId: string) => Promise<BulkPacs002Context | undefined>;

export class XmlOutbox implements XmlChannel {
  private references?: OriginalReferences;
  private bulkReferences?: BulkReferences;
  private requestOf?: RequestOfQuote;

  constructor(
    private readonly directory: ParticipantDirectory,
    private readonly delivery: Delivery,
    private readonly hubName: string,
    private readonly signer: XmlSigner | undefined,
    private readonly log: Logger,
  ) {}

  /** Statuses to a payer bank then name its payment the way its pacs.008 did (the bank bridge records it). */
  useReferences(references: OriginalReferences): void {
    this.references = references;
  }

  /** A bulk's statuses to a payer bank then name its bulk and payments the way its pacs.008 did. */
  useBulkReferences(references: BulkReferences): void {
    this.bulkReferences = references;
  }

  /** A pacs.008 to a payee bank then names the request to pay its quote answered (PmtId/InstrId), as a bank's does. */
  useRequestOfQuote(requestOf: RequestOfQuote): void {
    this.requestOf = requestOf;
  }

  send(to: string, message: XmlOutboundMessage): Promise<DeliveryResult> {
    return this.sendDocument(to, message as BusinessDocument);
  }

  /**
   * Renders the business message the hub authors for `to` (signed when the hub has an XML key). The AppHdr and the
   * agents name participants the way they registered (BIC, clearing-system member id, else FSP id).
   */
  render(
    to: string,
    doc: BusinessDocument,
    /** `AppHdr/To` as the receiver named itself, when it is no participant (a refusal of an unknown sender). */
    addressee?: FinInstnId,
  ): { ok: true; value: string } | { ok: false; refused: StatusReason } {
    const participant = this.directory.registry.participant(to);
    return tryRender(
      () =>
        renderBusinessMessage(registeredAgents(this.directory, doc), {
          profile: this.directory.xmlProfileOf(to),
          hubFspId: this.hubName,
          header: {
            Fr: registeredBahParty(this.directory, this.hubName),
            To: participant || !addressee ? registeredBahParty(this.directory, to) : { FIId: { FinInstnId: addressee } },
            BizMsgIdr: newMessageId(),
            CreDt: new Date().toISOString(),
          },
          signer: this.signer,
        }),
      'iso20022-xml',
    );
  }

  async sendDocument(to: string, doc: BusinessDocument): Promise<DeliveryResult> {
    const url = this.directory.endpoint(to, ISO20022_ENDPOINT);
    if (!url) {
      this.log.warn({ participant: to, endpointType: ISO20022_ENDPOINT }, 'bank has no ISO 20022 endpoint');
      return { ok: false, noEndpoint: true };
    }
    const rendered = this.render(to, await this.withReferences(to, doc));
    if (!rendered.ok) {
      this.log.warn({ participant: to, kind: doc.kind, reason: rendered.refused.AddtlInf }, 'message to a bank cannot be rendered: not sent');
      return { ok: false, refused: rendered.refused };
    }
    return this.delivery.send({
      to,
      url,
      method: 'POST',
      headers: { 'content-type': 'application/xml; charset=utf-8', date: new Date().toUTCString() },
      body: rendered.value,
    });
  }

  /**
   * A status is the hub's own message (a fresh GrpHdr/MsgId: a status translated from FSPIOP carries the transfer id
   * there, and a UUID does not fit Max35Text). Without explicit references, a status about a payment `to` sent names
   * it the way `to` did.
   */
  private async withReferences(to: string, doc: BusinessDocument): Promise<BusinessDocument> {
    if (doc.kind === 'pacs.002/bulk') {
      const message = { ...doc.message, GrpHdr: { ...doc.message.GrpHdr, MsgId: newMessageId() } };
      const context = doc.context ?? (await this.bulkReferences?.(to, message.OrgnlGrpInfAndSts.OrgnlMsgId));
      return context ? { ...doc, message, context } : { ...doc, message };
    }
    // A request to pay or its report the hub sends is its own message too (the FSPIOP request id may be a UUID).
    if (doc.kind === 'pain.013') return { ...doc, message: { ...doc.message, GrpHdr: { ...doc.message.GrpHdr, MsgId: newMessageId() } } };
    if (doc.kind === 'pain.014') return { ...doc, message: { ...doc.message, GrpHdr: { ...doc.message.GrpHdr, MsgId: newMessageId() } } };
    if (doc.kind === 'pacs.008') return this.withRequest(doc);
    if (doc.kind !== 'pacs.002') return doc;
    const message = { ...doc.message, GrpHdr: { ...doc.message.GrpHdr, MsgId: newMessageId() } };
    if (doc.context !== undefined || !this.references) return { ...doc, message };
    const id = message.TxInfAndSts.OrgnlTxId;
    const ref = id === undefined ? undefined : await this.references(to, id);
    return ref ? { kind: 'pacs.002', ...statusReferringTo(message, ref) } : { ...doc, message };
  }

  /** A Mojaloop payer's transfer answering a request to pay names it, where a bank's pacs.008 does (PmtId/InstrId). */
  private async withRequest(doc: Extract<BusinessDocument, { kind: 'pacs.008' }>): Promise<BusinessDocument> {
    const tx = doc.message.CdtTrfTxInf;
    const packet = tx.VrfctnOfTerms?.IlpV4PrepPacket;
    if (!this.requestOf || tx.PmtId.InstrId !== undefined || !packet) return doc;
    let quoteId: unknown;
    try {
      quoteId = (decodeIlpPacket(packet).transaction as { quoteId?: unknown } | undefined)?.quoteId;
    } catch {
      return doc;
    }
    const request = typeof quoteId === 'string' ? await this.requestOf(quoteId) : undefined;
    // InstrId is Max35Text: a UUID request id (36 characters) stays out.
    if (request === undefined || [...request].length > 35) return doc;
    return { ...doc, message: { ...doc.message, CdtTrfTxInf: { ...tx, PmtId: { ...tx.PmtId, InstrId: request } } } } as BusinessDocument;
  }
}
