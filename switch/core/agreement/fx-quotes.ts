/**
 * FX agreement (docs/fx.md "Agreement: fxQuotes and FXP discovery"), routed like quotes (quotes.ts): an FSP asks an
 * FXP (FSPIOP-Destination = counterPartyFsp) for conversion terms, the FXP answers back. The hub records the minimum of
 * each conversion quote durably before it answers (ledger/fx-quotes.ts), checks the request and the FXP's answer
 * (fx-quote-checks.ts: the rate is the FXP's, never the hub's), routes both in the receiver's dialect and refuses
 * expired, modified or misrouted ones.
 */
import type { Logger } from 'pino';
import type { IsoUnits } from '../../../schemas/amount.js';
import { isValidReasonCode, type StatusReason } from '../../../schemas/iso/common.js';
import { fxAmountText, fxSourceOf, fxTargetOf, type FxQuoteRequest, type FxQuoteResponse } from '../../../schemas/iso/fx-quotes.js';
import type { Pacs002 } from '../../../schemas/iso/pacs002.js';
import { DomainError, reasonText, type Reason } from '../../../schemas/outcomes.js';
import type { FxQuoteAnswer, FxQuoteRecord, FxQuoteRecords } from '../../../ledger/fx-quotes.js';
import type { Registry } from '../../../ledger/registry.js';
import { ledgerText, toLedger } from '../../../ledger/units.js';
import { deliveryError } from '../discovery/accounts.js';
import { FX_QUOTES_ENDPOINT } from '../discovery/fxp.js';
import { authenticateSender, runLater } from '../identity.js';
import type { DeliveryResult, FxQuoteOutbox, InboundMessage } from '../outbox.js';
import { checkAnswer, FxQuoteChecks } from './fx-quote-checks.js';
import { destinationRefusal } from './quotes.js';

export type FxQuoteAnswerMessage = { response?: FxQuoteResponse; error?: Pacs002 };

/** Ledger text of an amount the ledger holds exactly, else undefined (the request is then refused by its checks). */
function ledgerTextOf(units: IsoUnits | undefined): string | undefined {
  if (units === undefined) return undefined;
  try {
    return ledgerText(toLedger(units));
  } catch {
    return undefined;
  }
}

function codeOf(error: Pacs002): string {
  const reason = error.TxInfAndSts.StsRsnInf?.Rsn;
  return reason?.Prtry ?? reason?.Cd ?? '';
}

function modified(what: string, originalHash: string): DomainError {
  return new DomainError('MODIFIED_DUPLICATE', `an FX quote ${what} with this conversion request id and a different body was received before`, {
    originalHash,
  });
}

export class FxQuoteService {
  private readonly checks: FxQuoteChecks;

  constructor(
    private readonly registry: Registry,
    private readonly records: FxQuoteRecords,
    private readonly outbox: FxQuoteOutbox,
    private readonly log: Logger,
  ) {
    this.checks = new FxQuoteChecks(registry);
  }

  private later(work: () => Promise<unknown> | unknown): void {
    runLater(this.log, work);
  }

  /** POST /fxQuotes. Resolves once the FX quote is recorded (or found to be a duplicate). */
  async request(message: FxQuoteRequest, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const fxp = inbound.destination;
    if (!fxp) throw new DomainError('DESTINATION_MISSING', 'FSPIOP-Destination is required');
    const id = message.CdtTrfTxInf.PmtId.TxId;
    const source = fxSourceOf(message);
    const target = fxTargetOf(message);
    const expiration = message.GrpHdr.PmtInstrXpryDtTm;
    const recorded = await this.records.record({
      id,
      conversionId: message.CdtTrfTxInf.PmtId.InstrId,
      ...(message.CdtTrfTxInf.PmtId.EndToEndId !== undefined ? { determiningTransferId: message.CdtTrfTxInf.PmtId.EndToEndId } : {}),
      // The record names who asked and whom, as the headers say: the body's FSPs are checked against them.
      initiating: inbound.source,
      fxp,
      amountType: message.CdtTrfTxInf.InstrForCdtrAgt.InstrInf,
      sourceCurrency: source.currency,
      targetCurrency: target.currency,
      ...optional('sourceAmount', ledgerTextOf(source.units)),
      ...optional('targetAmount', ledgerTextOf(target.units)),
      ...(Number.isFinite(Date.parse(expiration)) ? { expiration } : {}),
      requestHash: inbound.hash,
      createdAt: inbound.receivedAt,
    });
    if (recorded.conflict) return this.duplicateRequest(id, message, inbound);
    this.log.info(
      { conversionRequestId: id, initiating: inbound.source, fxp, source: fxAmountText(source), target: fxAmountText(target) },
      'FX quote received',
    );
    this.later(() => this.route(id, message, inbound, fxp));
  }

  private async route(id: string, message: FxQuoteRequest, inbound: InboundMessage, fxp: string): Promise<void> {
    const refusal = this.checks.requestRefusal(message, inbound.source, fxp);
    if (refusal) {
      await this.records.refuse(id, refusal.outcome);
      this.log.info({ conversionRequestId: id, initiating: inbound.source, fxp, outcome: refusal.outcome, reason: refusal.detail }, 'FX quote refused');
      return void (await this.outbox.fxQuoteError(inbound.source, id, refusal));
    }
    const sent = await this.outbox.forwardFxQuoteRequest(fxp, id, message, inbound);
    const failure = this.deliveryFailure(fxp, sent);
    if (failure) {
      this.log.warn({ conversionRequestId: id, fxp, error: reasonText(failure) }, 'FX quote request not delivered');
      await this.outbox.fxQuoteError(inbound.source, id, failure);
    }
  }

  private deliveryFailure(to: string, sent: DeliveryResult): Reason | undefined {
    if (sent.noEndpoint) return new DomainError('DESTINATION_NO_ENDPOINT', `No ${FX_QUOTES_ENDPOINT} found for ${to}`);
    return deliveryError(to, sent);
  }

  /**
   * The same id again. Another body: 3106 with the original's hash. The same body: the FXP's recorded answer is not
   * the hub's to replay (its terms, its signature), so the request is checked and sent to the FXP again, which answers
   * again; a request the hub refused is refused again.
   */
  private async duplicateRequest(id: string, message: FxQuoteRequest, inbound: InboundMessage): Promise<void> {
    const quote = await this.records.find(id);
    if (!quote) throw new DomainError('RECORD_VANISHED', `FX quote ${id} vanished during its duplicate check`);
    if (quote.requestHash !== inbound.hash || quote.initiating !== inbound.source) {
      this.later(() => this.outbox.fxQuoteError(inbound.source, id, modified('request', quote.requestHash)));
      return;
    }
    this.later(() => this.route(id, message, inbound, quote.fxp));
  }

  /** PUT /fxQuotes/{ID} (`response`) or PUT /fxQuotes/{ID}/error (`error`). */
  async answer(id: string, answer: FxQuoteAnswerMessage, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const errorCode = answer.error ? codeOf(answer.error) : undefined;
    if (errorCode !== undefined && !isValidReasonCode(errorCode)) {
      throw new DomainError('RECEIVED_ERROR_CODE_INVALID', `The incoming error code: ${errorCode} is not a valid mojaloop specification error code`);
    }
    const quote = await this.records.find(id);
    const refusal = this.answerRefusal(quote, inbound);
    if (refusal || !quote) {
      this.later(() => this.outbox.fxQuoteError(inbound.source, id, refusal ?? new DomainError('FX_QUOTE_NOT_FOUND')));
      return;
    }
    if (quote.responseHash !== null && quote.responseHash !== inbound.hash) return this.modifiedAnswer(quote, inbound);
    if (answer.error) return this.recordAndForward(quote, answer, inbound, { state: 'ERROR', errorCode });
    const response = answer.response!;
    const checked = checkAnswer(response, quote);
    if ('refusal' in checked) return this.refuseAnswer(quote, inbound, 'REJECTED', checked.refusal);
    const expiration = response.GrpHdr.PmtInstrXpryDtTm;
    if (Date.parse(expiration) <= Date.now()) {
      return this.refuseAnswer(quote, inbound, 'EXPIRED', new DomainError('QUOTE_EXPIRED', `the conversion terms expired at ${expiration}`));
    }
    const condition = response.CdtTrfTxInf.VrfctnOfTerms?.Sh256Sgntr;
    return this.recordAndForward(quote, answer, inbound, {
      state: 'ANSWERED',
      sourceAmount: checked.source,
      targetAmount: checked.target,
      responseExpiration: expiration,
      ...(condition !== undefined ? { condition } : {}),
    });
  }

  private answerRefusal(quote: FxQuoteRecord | undefined, inbound: InboundMessage): DomainError | undefined {
    if (!quote) return new DomainError('FX_QUOTE_NOT_FOUND', 'FX quote (conversion request) ID not found');
    if (inbound.source !== quote.fxp) return new DomainError('SOURCE_IS_NOT_PAYEE', `FSPIOP-Source ${inbound.source} is not the FXP of this FX quote`);
    // The destination is the requester, or the hub when the hub rendered the request (dialects differ).
    if (inbound.destination !== undefined && inbound.destination !== quote.initiating && !this.registry.isHubName(inbound.destination)) {
      return new DomainError('DESTINATION_IS_NOT_PAYER', `FSPIOP-Destination ${inbound.destination} is not the initiating FSP of this FX quote`);
    }
    return undefined;
  }

  private modifiedAnswer(quote: FxQuoteRecord, inbound: InboundMessage): void {
    this.later(() => this.outbox.fxQuoteError(inbound.source, quote.id, modified('answer', quote.responseHash!)));
  }

  /** The FXP's answer cannot stand (terms changed or inconsistent, expired): recorded as such, and both sides are told. */
  private async refuseAnswer(quote: FxQuoteRecord, inbound: InboundMessage, state: 'EXPIRED' | 'REJECTED', refusal: DomainError): Promise<void> {
    const recorded = await this.records.answer({ id: quote.id, state, responseHash: inbound.hash, errorCode: refusal.outcome });
    if (recorded.modified) return this.modifiedAnswer(quote, inbound);
    this.log.info(
      { conversionRequestId: quote.id, initiating: quote.initiating, fxp: quote.fxp, state, outcome: refusal.outcome, reason: refusal.detail },
      'FX quote answer refused',
    );
    this.later(() => this.outbox.fxQuoteError(quote.fxp, quote.id, refusal));
    this.later(() => this.outbox.fxQuoteError(quote.initiating, quote.id, refusal));
  }

  private async recordAndForward(
    quote: FxQuoteRecord,
    answer: FxQuoteAnswerMessage,
    inbound: InboundMessage,
    outcome: Omit<FxQuoteAnswer, 'id' | 'responseHash'> & { state: 'ANSWERED' | 'ERROR' },
  ): Promise<void> {
    const recorded = await this.records.answer({ id: quote.id, responseHash: inbound.hash, ...outcome });
    if (recorded.modified) return this.modifiedAnswer(quote, inbound);
    this.log.info(
      {
        conversionRequestId: quote.id,
        initiating: quote.initiating,
        fxp: quote.fxp,
        state: outcome.state,
        source: outcome.sourceAmount,
        target: outcome.targetAmount,
      },
      'FX quote state',
    );
    this.later(async () => {
      const sent = await this.outbox.forwardFxQuoteAnswer(quote.initiating, quote.id, answer, inbound);
      if (sent.refused) return this.uncarriedAnswer(quote, inbound, sent.refused);
      // No endpoint: the FXP is told why; a requester that is down is its own retry's business (GET /fxQuotes).
      if (sent.noEndpoint) await this.outbox.fxQuoteError(inbound.source, quote.id, this.deliveryFailure(quote.initiating, sent)!);
      return undefined;
    });
  }

  /**
   * The requester's dialect cannot carry the FXP's answer (e.g. charges to an ISO 20022 JSON FSP: no element for them).
   * The terms cannot be agreed as given: recorded REJECTED, and both sides are told why (the FXP may not answer
   * differently under the same id, so the requester asks again with a new one).
   */
  private async uncarriedAnswer(quote: FxQuoteRecord, inbound: InboundMessage, reason: StatusReason): Promise<void> {
    await this.records.answer({ id: quote.id, state: 'REJECTED', responseHash: inbound.hash, errorCode: reason.Rsn.Prtry ?? reason.Rsn.Cd ?? '' });
    this.log.info({ conversionRequestId: quote.id, fxp: quote.fxp, reason: reasonText(reason) }, "FX quote answer the requester's dialect cannot carry");
    await this.outbox.fxQuoteError(inbound.source, quote.id, reason);
    await this.outbox.fxQuoteError(quote.initiating, quote.id, reason);
  }

  /** GET /fxQuotes/{ID}: asked of the FXP (the destination), as GET /quotes is asked of the payee. */
  async get(id: string, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const to = inbound.destination;
    if (!to) throw new DomainError('DESTINATION_MISSING', 'FSPIOP-Destination is required');
    const quote = await this.records.find(id);
    this.later(async () => {
      if (quote && inbound.source !== quote.initiating && inbound.source !== quote.fxp) {
        return this.outbox.fxQuoteError(inbound.source, id, new DomainError('REQUESTER_NOT_A_PARTY', `${inbound.source} is not a party to FX quote ${id}`));
      }
      const refusal = destinationRefusal(this.registry, to);
      if (refusal) return this.outbox.fxQuoteError(inbound.source, id, refusal);
      const sent = await this.outbox.forwardFxQuoteGet(to, id, inbound);
      const failure = this.deliveryFailure(to, sent);
      if (failure) await this.outbox.fxQuoteError(inbound.source, id, failure);
      return undefined;
    });
  }
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
