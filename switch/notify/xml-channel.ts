/** What the hub sends banks (ISO 20022 XML), as canonical messages; the channel renders, signs, delivers. */
import type { BulkPacs002, BulkPacs008 } from '../../schemas/iso/bulk-transfers.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { BulkPacs002Context } from '../../translators/isoxml/bulk-pacs002.js';
import type { Pacs002Context } from '../../translators/isoxml/pacs002.js';
import type { Acmt024Context } from '../../translators/isoxml/acmt024.js';
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
  /** A bulk to a payee bank: one pacs.008 with many transactions. */
  | { kind: 'pacs.008/bulk'; message: BulkPacs008 }
  /** A bulk's status (group status, one TxInfAndSts per transaction); `context` as the bank named the bulk (default: `useBulkReferences`). */
  | { kind: 'pacs.002/bulk'; message: BulkPacs002; context?: BulkPacs002Context }
  | { kind: 'acmt.023'; message: PartyVerificationRequest }
  /** `context`: the request it answers (acmt.023 Assgnmt), when the bank asked. */
  | { kind: 'acmt.024'; message: PartyVerificationReport; context?: Acmt024Context }
  /** Request to pay (docs/r2p.md): the request, and the payer's answer (`context`: the request it answers). */
  | { kind: 'pain.013'; message: Pain013 }
  | { kind: 'pain.014'; message: Pain014; context?: Pain014Context };

export interface XmlChannel {
  send(to: string, message: XmlOutboundMessage): Promise<DeliveryResult>;
}
