/**
 * The FX outboxes as a paying bank sees them (docs/fx.md "Banks"): a bank has no FX messages (no fxQuotes, no
 * fxTransfers: ISO 20022 publishes no XML message for either), so what the FX services would send a bank about the
 * conversion the hub runs for it — the FXP's terms, its fulfilment, an error — goes to the bank bridge instead, which
 * carries the bank's payment on (bank-conversions.ts). Everything else goes through.
 */
import type { Pacs002 } from '../../../schemas/iso/pacs002.js';
import type { Pacs009 } from '../../../schemas/iso/pacs009.js';
import type { FxQuoteRequest, FxQuoteResponse } from '../../../schemas/iso/fx-quotes.js';
import { DomainError, type Reason } from '../../../schemas/outcomes.js';
import type { DeliveryResult, FxpQuery, FxQuoteOutbox, FxTransferOutbox, InboundMessage } from '../outbox.js';
import type { BankConversions } from './bank-conversions.js';

const TAKEN: DeliveryResult = { ok: true };

export class BankFxQuoteOutbox implements FxQuoteOutbox {
  private conversions?: BankConversions;

  constructor(
    private readonly inner: FxQuoteOutbox,
    private readonly isBank: (participant: string) => boolean,
  ) {}

  useConversions(conversions: BankConversions): void {
    this.conversions = conversions;
  }

  forwardFxQuoteRequest(to: string, id: string, message: FxQuoteRequest, inbound: InboundMessage): Promise<DeliveryResult> {
    return this.inner.forwardFxQuoteRequest(to, id, message, inbound);
  }

  async forwardFxQuoteAnswer(
    to: string,
    id: string,
    answer: { response?: FxQuoteResponse; error?: Pacs002 },
    inbound: InboundMessage,
  ): Promise<DeliveryResult> {
    if (!this.conversions || !this.isBank(to)) return this.inner.forwardFxQuoteAnswer(to, id, answer, inbound);
    await this.conversions.fxQuoteAnswered(id, answer);
    return TAKEN;
  }

  forwardFxQuoteGet(to: string, id: string, inbound: InboundMessage): Promise<DeliveryResult> {
    return this.inner.forwardFxQuoteGet(to, id, inbound);
  }

  async fxQuoteError(to: string, id: string, reason: Reason): Promise<DeliveryResult> {
    if (!this.conversions || !this.isBank(to)) return this.inner.fxQuoteError(to, id, reason);
    await this.conversions.fxQuoteAnswered(id, { refusal: reason });
    return TAKEN;
  }

  fxpList(to: string, query: FxpQuery, providers: readonly string[]): Promise<DeliveryResult> {
    return this.inner.fxpList(to, query, providers);
  }

  fxpError(to: string, query: FxpQuery, reason: Reason): Promise<DeliveryResult> {
    return this.inner.fxpError(to, query, reason);
  }
}

export class BankFxTransferOutbox implements FxTransferOutbox {
  private conversions?: BankConversions;

  constructor(
    private readonly inner: FxTransferOutbox,
    private readonly isBank: (participant: string) => boolean,
  ) {}

  useConversions(conversions: BankConversions): void {
    this.conversions = conversions;
  }

  private forBank(to: string): BankConversions | undefined {
    return this.conversions && this.isBank(to) ? this.conversions : undefined;
  }

  forwardFxPrepare(fxp: string, message: Pacs009, inbound: InboundMessage): Promise<DeliveryResult> {
    return this.inner.forwardFxPrepare(fxp, message, inbound);
  }

  async forwardFxFulfil(to: string, commitRequestId: string, message: Pacs002, inbound: InboundMessage): Promise<DeliveryResult> {
    const bank = this.forBank(to);
    if (!bank) return this.inner.forwardFxFulfil(to, commitRequestId, message, inbound);
    // The FXP's fulfilment (RESERVED); its ABORTED is the end of the conversion.
    if (message.TxInfAndSts.TxSts === 'ABOR') {
      await bank.conversionFailed(commitRequestId, new DomainError('FX_ABORTED_BY_FXP'));
    } else {
      await bank.converted(commitRequestId);
    }
    return TAKEN;
  }

  async forwardFxError(to: string, commitRequestId: string, message: Pacs002, inbound: InboundMessage): Promise<DeliveryResult> {
    const bank = this.forBank(to);
    if (!bank) return this.inner.forwardFxError(to, commitRequestId, message, inbound);
    await bank.conversionFailed(commitRequestId, message.TxInfAndSts.StsRsnInf ?? new DomainError('FX_ABORTED_BY_FXP'));
    return TAKEN;
  }

  fxTransferState(to: string, commitRequestId: string, status: Pacs002, cause?: Reason): Promise<DeliveryResult> {
    // A bank asks no conversion's state: the hub's own duplicates about it are not sent.
    if (this.forBank(to)) return Promise.resolve(TAKEN);
    return this.inner.fxTransferState(to, commitRequestId, status, cause);
  }

  fxTransferPatch(to: string, commitRequestId: string, status: Pacs002, cause?: Reason): Promise<DeliveryResult> {
    return this.inner.fxTransferPatch(to, commitRequestId, status, cause);
  }

  async fxTransferError(to: string, commitRequestId: string, reason: Reason): Promise<DeliveryResult> {
    const bank = this.forBank(to);
    if (!bank) return this.inner.fxTransferError(to, commitRequestId, reason);
    await bank.conversionFailed(commitRequestId, reason);
    return TAKEN;
  }
}
