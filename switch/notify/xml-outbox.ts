/**
 * Messages to banks: the canonical message rendered in the bank's profile (head.001 + Document in
 * the Mizani envelope), signed with the hub's XML-signing certificate, delivered to the bank's
 * `ISO20022_CALLBACK_URL`.
 */
import type { Logger } from 'pino';
import type { Registry } from '../../ledger/registry.js';
import { renderBusinessMessage, type BusinessDocument } from '../../translators/isoxml/render.js';
import type { XmlSigner } from '../../translators/isoxml/signature.js';
import type { DeliveryResult } from '../core/outbox.js';
import { newMessageId } from '../core/status.js';
import type { Delivery } from './delivery.js';
import { tryRender } from './dialects.js';
import type { XmlChannel, XmlOutboundMessage } from './xml-channel.js';

export const ISO20022_ENDPOINT = 'ISO20022_CALLBACK_URL';

export class XmlOutbox implements XmlChannel {
  constructor(
    private readonly registry: Registry,
    private readonly delivery: Delivery,
    private readonly hubName: string,
    private readonly signer: XmlSigner | undefined,
    private readonly log: Logger,
  ) {}

  send(to: string, message: XmlOutboundMessage): Promise<DeliveryResult> {
    return this.sendDocument(to, message as BusinessDocument);
  }

  /** Renders the business message the hub authors for `to` (signed when the hub has an XML key). */
  render(to: string, doc: BusinessDocument): { ok: true; value: string } | { ok: false; refused: import('../../schemas/errors.js').FspiopError } {
    const participant = this.registry.participant(to);
    return tryRender(() =>
      renderBusinessMessage(doc, {
        profile: participant?.xmlProfile ?? 'iso-2019',
        hubFspId: this.hubName,
        header: {
          Fr: { FIId: { FinInstnId: { Othr: { Id: this.hubName } } } },
          To: { FIId: { FinInstnId: { Othr: { Id: to } } } },
          BizMsgIdr: newMessageId(),
          CreDt: new Date().toISOString(),
        },
        signer: this.signer,
      }),
    );
  }

  async sendDocument(to: string, doc: BusinessDocument): Promise<DeliveryResult> {
    const url = this.registry.endpoint(to, ISO20022_ENDPOINT);
    if (!url) {
      this.log.warn({ participant: to, endpointType: ISO20022_ENDPOINT }, 'bank has no ISO 20022 endpoint');
      return { ok: false, noEndpoint: true };
    }
    const rendered = this.render(to, doc);
    if (!rendered.ok) return { ok: false, refused: rendered.refused };
    return this.delivery.send({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/xml; charset=utf-8', date: new Date().toUTCString() },
      body: rendered.value,
    });
  }
}
