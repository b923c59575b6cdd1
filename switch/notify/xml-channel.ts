/** What the hub sends banks (ISO 20022 XML), as canonical messages; the channel renders, signs, delivers. */
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { Pacs002Context } from '../../translators/isoxml/pacs002.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import type { PartyVerificationReport, PartyVerificationRequest } from '../../schemas/iso/parties.js';
import type { Pain013 } from '../../schemas/iso/pain013.js';
import type { Pain014 } from '../../schemas/iso/pain014.js';
import type { Pain014Context } from '../../translators/isoxml/pain014.js';
import type { DeliveryResult } from '../core/outbox.js';

export type XmlOutboundMessage =
  | { kind: 'pacs.008'; message: Pacs008 }
  /** `context`: the references to the original the status names (default: what the payer bank's pacs.008 named). */
  | { kind: 'pacs.002'; message: Pacs002; context?: Pacs002Context }
  | { kind: 'acmt.023'; message: PartyVerificationRequest }
  | { kind: 'acmt.024'; message: PartyVerificationReport }
  /** Request to pay (docs/r2p.md): the request, and the payer's answer (`context`: the request it answers). */
  | { kind: 'pain.013'; message: Pain013 }
  | { kind: 'pain.014'; message: Pain014; context?: Pain014Context };

export interface XmlChannel {
  send(to: string, message: XmlOutboundMessage): Promise<DeliveryResult>;
}
