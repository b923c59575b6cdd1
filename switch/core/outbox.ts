/**
 * What the transfer lifecycle needs from the outside world: the inbound message as received (so a
 * forward can keep its original bytes and signature) and an outbox that delivers messages to
 * participants in THEIR dialect. The core never builds wire formats itself.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FspiopError } from '../../schemas/errors.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';

export type DialectName = 'fspiop' | 'iso20022-json' | 'iso20022-xml';

export interface InboundMessage {
  source: string;
  destination?: string;
  dialect: DialectName;
  version: { major: number; minor: number };
  headers: IncomingHttpHeaders;
  /** The body exactly as received. */
  raw: Buffer;
  /** base64url SHA-256 of `raw`: the duplicate-check hash. */
  hash: string;
  receivedAt: string;
}

export interface DeliveryResult {
  ok: boolean;
  noEndpoint?: true;
}

export interface TransferOutbox {
  /** The prepare, to the payee. */
  forwardPrepare(payee: string, message: Pacs008, inbound: InboundMessage): Promise<DeliveryResult>;
  /** The payee's COMMITTED fulfil, to the payer. */
  forwardFulfil(payer: string, transferId: string, message: Pacs002, inbound: InboundMessage): Promise<DeliveryResult>;
  /** The same fulfil, back to the payee from the hub as its commit confirmation. */
  confirmFulfilToPayee(payee: string, transferId: string, message: Pacs002, inbound: InboundMessage): Promise<DeliveryResult>;
  /** The payee's error, to the payer. */
  forwardError(payer: string, transferId: string, message: Pacs002, inbound: InboundMessage): Promise<DeliveryResult>;
  /** A status the hub authors (GET answers, duplicate answers, commit on a RESERVED fulfil). */
  transferState(to: string, transferId: string, status: Pacs002): Promise<DeliveryResult>;
  /** The commit notification to a payee that answered RESERVED. */
  transferPatch(to: string, transferId: string, status: Pacs002): Promise<DeliveryResult>;
  /** An error the hub authors. */
  transferError(to: string, transferId: string, error: FspiopError): Promise<DeliveryResult>;
}
