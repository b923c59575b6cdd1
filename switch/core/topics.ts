/** The transfer commands that cross the bus, with the participant each is keyed by. */
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import { topic } from '../bus/bus.js';
import type { InboundMessage } from './outbox.js';
import type { TransferService } from './transfers.js';
import type { Bus } from '../bus/bus.js';

export interface PrepareCommand {
  message: Pacs008;
  inbound: InboundMessage;
}

export interface StatusCommand {
  transferId: string;
  message: Pacs002;
  inbound: InboundMessage;
}

export interface GetCommand {
  transferId: string;
  inbound: InboundMessage;
}

export const transferTopics = {
  /** Keyed by the payer. */
  prepare: topic<PrepareCommand, void>('transfer.prepare'),
  /** Keyed by the payee. */
  fulfil: topic<StatusCommand, void>('transfer.fulfil'),
  /** Keyed by the payee. */
  reject: topic<StatusCommand, void>('transfer.reject'),
  /** Keyed by the requester. */
  get: topic<GetCommand, void>('transfer.get'),
};

/** Makes the transfer service the worker of the transfer topics. */
export function serveTransfers(bus: Bus, transfers: TransferService): void {
  bus.subscribe(transferTopics.prepare, (c) => transfers.prepare(c.message, c.inbound));
  bus.subscribe(transferTopics.fulfil, (c) => transfers.fulfil(c.transferId, c.message, c.inbound));
  bus.subscribe(transferTopics.reject, (c) => transfers.reject(c.transferId, c.message, c.inbound));
  bus.subscribe(transferTopics.get, (c) => transfers.get(c.transferId, c.inbound));
}
