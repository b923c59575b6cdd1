/**
 * The transfer lifecycle's outbox as a bank sees it when it sent a multi-transaction pacs.008 (bank-groups.ts): what
 * the lifecycle tells the bank about the transfer of one of the group's payments (its commit, its abort, a refusal,
 * its expiry, a status) is not sent; the group records the payment's end and reports every transaction in one
 * pacs.002. Everything else — every message to anyone else, and to a bank about its other transfers — goes through.
 */
import type { Pacs002 } from '../../../schemas/iso/pacs002.js';
import type { Pacs008 } from '../../../schemas/iso/pacs008.js';
import type { Reason } from '../../../schemas/outcomes.js';
import type { DeliveryResult, InboundMessage, TransferOutbox } from '../outbox.js';

/** Where the notices about a group's payments go instead (BankGroups). */
export interface GroupLineNotices {
  /** A notice to `to` about transfer `transferId`: true when it is the transfer of a payment of one of `to`'s groups. */
  transferNotice(transferId: string, to: string): Promise<boolean>;
}

const TAKEN: DeliveryResult = { ok: true };

export class GroupLinesOutbox implements TransferOutbox {
  private groups?: GroupLineNotices;

  constructor(
    private readonly inner: TransferOutbox,
    /** Only banks send groups: the look-up is made for messages to a bank alone. */
    private readonly isBank: (participant: string) => boolean,
  ) {}

  useGroups(groups: GroupLineNotices): void {
    this.groups = groups;
  }

  forwardPrepare(payee: string, message: Pacs008, inbound: InboundMessage): Promise<DeliveryResult> {
    return this.inner.forwardPrepare(payee, message, inbound);
  }

  async forwardFulfil(payer: string, transferId: string, message: Pacs002, inbound: InboundMessage): Promise<DeliveryResult> {
    if (await this.ofGroup(payer, transferId)) return TAKEN;
    return this.inner.forwardFulfil(payer, transferId, message, inbound);
  }

  confirmFulfilToPayee(payee: string, transferId: string, message: Pacs002, inbound: InboundMessage): Promise<DeliveryResult> {
    return this.inner.confirmFulfilToPayee(payee, transferId, message, inbound);
  }

  async forwardError(payer: string, transferId: string, message: Pacs002, inbound: InboundMessage): Promise<DeliveryResult> {
    if (await this.ofGroup(payer, transferId)) return TAKEN;
    return this.inner.forwardError(payer, transferId, message, inbound);
  }

  async transferState(to: string, transferId: string, status: Pacs002, cause?: Reason): Promise<DeliveryResult> {
    if (await this.ofGroup(to, transferId)) return TAKEN;
    return this.inner.transferState(to, transferId, status, cause);
  }

  transferPatch(to: string, transferId: string, status: Pacs002, cause?: Reason): Promise<DeliveryResult> {
    return this.inner.transferPatch(to, transferId, status, cause);
  }

  async transferError(to: string, transferId: string, reason: Reason): Promise<DeliveryResult> {
    if (await this.ofGroup(to, transferId)) return TAKEN;
    return this.inner.transferError(to, transferId, reason);
  }

  private async ofGroup(to: string, transferId: string): Promise<boolean> {
    return this.groups !== undefined && this.isBank(to) && (await this.groups.transferNotice(transferId, to));
  }
}
