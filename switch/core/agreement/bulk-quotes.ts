/**
 * Bulk agreement (docs/bulk.md "Bulk quotes"), routed like quotes (quotes.ts): the hub checks the payer and payee
 * can transact every individual quote, records the minimum of the bulk and of each line durably before it answers,
 * routes request and answer, and refuses expired, modified or misrouted ones. A bulk with one bad line is refused
 * whole, the first bad line named. The terms are the payee's and pass through untouched, except for a bank payee:
 * banks do not quote, so the hub issues the terms of each line on the bank's behalf (switch/core/bridge).
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { isValidReasonCode } from '../../../schemas/iso/common.js';
import { DomainError, isDomainError, reasonText, type Reason } from '../../../schemas/outcomes.js';
import { translationRefusal } from '../../../schemas/iso/translation.js';
import type { BulkQuoteRequest, BulkQuoteResponse } from '../../../schemas/iso/bulk-quotes.js';
import type { Pacs002 } from '../../../schemas/iso/pacs002.js';
import type { QuoteRequest, QuoteResponse } from '../../../schemas/iso/quotes.js';
import type { BulkQuoteAnswer as RecordedAnswer, BulkQuoteRecord, BulkQuoteRecords } from '../../../ledger/bulk-quotes.js';
import type { Registry } from '../../../ledger/registry.js';
import type { ParticipantDirectory } from '../../directory/participants.js';
import { decode, encode } from '../../bus/codec.js';
import { deliveryError } from '../discovery/accounts.js';
import { authenticateSender, runLater } from '../identity.js';
import type { BulkQuoteOutbox, DeliveryResult, InboundMessage } from '../outbox.js';
import { BulkQuoteChecks, checkResults, ledgerAmountOf } from './bulk-quote-checks.js';
import { destinationRefusal } from './quotes.js';

/** Where the hub agrees terms on a bank's behalf (switch/core/bridge): one set of terms per individual quote. */
export interface BulkBankAgent {
  termsForBank(requests: readonly QuoteRequest[], requestedExpiry?: string): Promise<{ expiration: string; terms: QuoteResponse[] }>;
}

export type BulkQuoteAnswer = { response?: BulkQuoteResponse; error?: Pacs002 };

export class BulkQuoteService {
  private bankAgent?: BulkBankAgent;
  private readonly checks: BulkQuoteChecks;

  /** Banks do not quote: bulk quotes to them are answered by the bridge's terms. */
  useBankAgent(agent: BulkBankAgent): void {
    this.bankAgent = agent;
  }

  constructor(
    private readonly registry: Registry,
    private readonly participants: ParticipantDirectory,
    private readonly records: BulkQuoteRecords,
    private readonly outbox: BulkQuoteOutbox,
    private readonly log: Logger,
  ) {
    this.checks = new BulkQuoteChecks(registry);
  }

  private later(work: () => Promise<unknown> | unknown): void {
    runLater(this.log, work);
  }

  /** POST /bulkQuotes. Resolves once the bulk and its lines are recorded (or found to be a duplicate). */
  async request(message: BulkQuoteRequest, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const payer = inbound.source;
    const payee = inbound.destination;
    if (!payee) throw new DomainError('DESTINATION_MISSING', 'FSPIOP-Destination is required');
    const id = message.GrpHdr.MsgId;
    const lines = message.Quotes.map((q) => {
      const ledger = ledgerAmountOf(q.CdtTrfTxInf.IntrBkSttlmAmt);
      const amount = 'text' in ledger ? ledger.text : null;
      return { quoteId: q.CdtTrfTxInf.PmtId.TxId, transactionId: q.CdtTrfTxInf.PmtId.EndToEndId, currency: q.CdtTrfTxInf.IntrBkSttlmAmt.currency, amount };
    });
    const expiration = message.GrpHdr.PmtInstrXpryDtTm;
    const recorded = await this.records.record({
      id,
      payer,
      payee,
      requestHash: inbound.hash,
      createdAt: inbound.receivedAt,
      lines,
      ...(expiration !== undefined && Number.isFinite(Date.parse(expiration)) ? { expiration } : {}),
    });
    if (recorded.conflict) return this.duplicateRequest(id, message, inbound);
    this.log.info({ bulkQuoteId: id, payer, payee, lines: lines.length }, 'bulk quote received');
    this.later(() => this.route(id, message, inbound, payer, payee));
  }

  private async route(id: string, message: BulkQuoteRequest, inbound: InboundMessage, payer: string, payee: string): Promise<void> {
    const refusal = this.checks.requestRefusal(message, payer, payee);
    if (refusal) {
      await this.records.refuse(id, refusal.outcome);
      this.log.info({ bulkQuoteId: id, payer, payee, outcome: refusal.outcome, reason: refusal.detail }, 'bulk quote refused');
      return void (await this.outbox.bulkQuoteError(payer, id, refusal));
    }
    if (this.bankAgent && this.participants.dialectOf(payee) === 'iso20022-xml') {
      return this.answerForBank(id, message, payer, payee).catch((err: unknown) => this.bankTermsFailed(id, payer, err));
    }
    const sent = await this.outbox.forwardBulkQuoteRequest(payee, id, message, inbound);
    const failure = this.deliveryFailure(payee, sent);
    if (failure) {
      this.log.warn({ bulkQuoteId: id, payee, error: reasonText(failure) }, 'bulk quote request not delivered');
      await this.outbox.bulkQuoteError(payer, id, failure);
    }
  }

  private deliveryFailure(to: string, sent: DeliveryResult): Reason | undefined {
    if (sent.noEndpoint) return new DomainError('DESTINATION_NO_ENDPOINT', `No FSPIOP_CALLBACK_URL_BULK_QUOTES found for ${to}`);
    return deliveryError(to, sent);
  }

  private async duplicateRequest(id: string, message: BulkQuoteRequest, inbound: InboundMessage): Promise<void> {
    const bulk = await this.records.find(id);
    if (!bulk) throw new DomainError('RECORD_VANISHED', `bulk quote ${id} vanished during its duplicate check`);
    if (bulk.requestHash !== inbound.hash || bulk.payer !== inbound.source) {
      const modified = new DomainError('MODIFIED_DUPLICATE', 'a bulk quote request with this bulk quote id and a different body was received before', {
        originalHash: bulk.requestHash,
      });
      this.later(() => this.outbox.bulkQuoteError(inbound.source, id, modified));
      return;
    }
    // The same request again: terms the hub issued are sent again as they were; otherwise it is checked and routed
    // again, and the payee answers again (its terms are its own, not the hub's to replay).
    const issued = bulk.hubAnswer;
    if (issued !== null) this.later(() => this.outbox.bulkQuoteAnswer(bulk.payer, id, decode(issued) as BulkQuoteResponse));
    else this.later(() => this.route(id, message, inbound, bulk.payer, bulk.payee));
  }

  /** The individual quotes of a bulk to a bank: terms the hub issues and holds, recorded before the payer gets them. */
  private async answerForBank(id: string, message: BulkQuoteRequest, payer: string, payee: string): Promise<void> {
    const { expiration, terms } = await this.bankAgent!.termsForBank(message.Quotes, message.GrpHdr.PmtInstrXpryDtTm);
    const response: BulkQuoteResponse = {
      GrpHdr: { MsgId: id, CreDtTm: new Date().toISOString(), PmtInstrXpryDtTm: expiration },
      Results: terms.map((t) => ({ QuoteId: t.CdtTrfTxInf.PmtId.TxId, Terms: t })),
    };
    const text = encode(response);
    const checked = checkResults(response, await this.records.lines(id));
    if ('refusal' in checked) throw checked.refusal; // the hub's own terms are the line amounts, which passed the same check
    await this.records.answer({
      id,
      state: 'ANSWERED',
      responseHash: createHash('sha256').update(text).digest('base64url'),
      responseExpiration: expiration,
      hubAnswer: text,
      lines: checked.lines,
    });
    this.log.info({ bulkQuoteId: id, payer, payee, lines: terms.length, state: 'ANSWERED' }, 'bulk quote answered by the hub for a bank');
    const sent = await this.outbox.bulkQuoteAnswer(payer, id, response);
    if (!sent.ok) this.log.warn({ bulkQuoteId: id, payer, error: reasonText(this.deliveryFailure(payer, sent)!) }, 'bulk quote answer not delivered');
  }

  /** Terms for a bank could not be made (a line the bank's terms cannot carry, the database): the payer is told why. */
  private async bankTermsFailed(id: string, payer: string, err: unknown): Promise<void> {
    const reason = isDomainError(err) ? err : (translationRefusal(err) ?? new DomainError('UNEXPECTED_FAILURE'));
    if (isDomainError(reason) && reason.outcome === 'UNEXPECTED_FAILURE') this.log.error({ err, bulkQuoteId: id }, 'bulk quote terms for a bank failed');
    await this.records.refuse(id, isDomainError(reason) ? reason.outcome : (reason.Rsn.Prtry ?? reason.Rsn.Cd ?? ''));
    await this.outbox.bulkQuoteError(payer, id, reason);
  }

  /** PUT /bulkQuotes/{ID} (`response`) or PUT /bulkQuotes/{ID}/error (`error`). */
  async answer(id: string, answer: BulkQuoteAnswer, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    checkErrorCodes(answer);
    const bulk = await this.records.find(id);
    const refusal = this.answerRefusal(bulk, inbound);
    if (refusal || !bulk) {
      this.later(() => this.outbox.bulkQuoteError(inbound.source, id, refusal ?? new DomainError('BULK_QUOTE_NOT_FOUND')));
      return;
    }
    if (bulk.responseHash !== null && bulk.responseHash !== inbound.hash) return this.modifiedAnswer(bulk, inbound);
    if (answer.error) return this.recordAndForward(bulk, answer, inbound, { state: 'ERROR', errorCode: codeOf(answer.error) });
    const response = answer.response!;
    const expiration = response.GrpHdr.PmtInstrXpryDtTm;
    if (Date.parse(expiration) <= Date.now()) {
      return this.refuseAnswer(bulk, inbound, 'EXPIRED', new DomainError('QUOTE_EXPIRED', `the bulk quote expired at ${expiration}`));
    }
    const checked = checkResults(response, await this.records.lines(id));
    if ('refusal' in checked) return this.refuseAnswer(bulk, inbound, 'REJECTED', checked.refusal);
    return this.recordAndForward(bulk, answer, inbound, { state: 'ANSWERED', responseExpiration: expiration, lines: checked.lines });
  }

  private answerRefusal(bulk: BulkQuoteRecord | undefined, inbound: InboundMessage): DomainError | undefined {
    if (!bulk) return new DomainError('BULK_QUOTE_NOT_FOUND', 'Bulk quote ID not found');
    if (inbound.source !== bulk.payee) return new DomainError('SOURCE_IS_NOT_PAYEE', `FSPIOP-Source ${inbound.source} is not the payee of this bulk quote`);
    // The destination is the payer, or the hub (as for quotes).
    if (inbound.destination !== undefined && inbound.destination !== bulk.payer && !this.registry.isHubName(inbound.destination)) {
      return new DomainError('DESTINATION_IS_NOT_PAYER', `FSPIOP-Destination ${inbound.destination} is not the payer of this bulk quote`);
    }
    return undefined;
  }

  private modifiedAnswer(bulk: BulkQuoteRecord, inbound: InboundMessage): void {
    const modified = new DomainError('MODIFIED_DUPLICATE', 'a bulk quote answer with this bulk quote id and a different body was received before', {
      originalHash: bulk.responseHash!,
    });
    this.later(() => this.outbox.bulkQuoteError(inbound.source, bulk.id, modified));
  }

  /** The payee's answer cannot stand (expired, a bad line): recorded as such, and both sides are told. */
  private async refuseAnswer(bulk: BulkQuoteRecord, inbound: InboundMessage, state: 'EXPIRED' | 'REJECTED', refusal: DomainError): Promise<void> {
    const recorded = await this.records.answer({ id: bulk.id, state, responseHash: inbound.hash, errorCode: refusal.outcome });
    if (recorded.modified) return this.modifiedAnswer(bulk, inbound);
    this.log.info(
      { bulkQuoteId: bulk.id, payer: bulk.payer, payee: bulk.payee, state, outcome: refusal.outcome, reason: refusal.detail },
      'bulk quote answer refused',
    );
    this.later(() => this.outbox.bulkQuoteError(bulk.payer, bulk.id, refusal));
    this.later(() => this.outbox.bulkQuoteError(bulk.payee, bulk.id, refusal));
  }

  private async recordAndForward(
    bulk: BulkQuoteRecord,
    answer: BulkQuoteAnswer,
    inbound: InboundMessage,
    outcome: Omit<RecordedAnswer, 'id' | 'responseHash'> & { state: 'ANSWERED' | 'ERROR' },
  ): Promise<void> {
    const recorded = await this.records.answer({ id: bulk.id, responseHash: inbound.hash, ...outcome });
    if (recorded.modified) return this.modifiedAnswer(bulk, inbound);
    this.log.info({ bulkQuoteId: bulk.id, payer: bulk.payer, payee: bulk.payee, state: outcome.state }, 'bulk quote state');
    this.later(async () => {
      const sent = await this.outbox.forwardBulkQuoteAnswer(bulk.payer, bulk.id, answer, inbound);
      const failure = sent.refused || sent.noEndpoint ? this.deliveryFailure(bulk.payer, sent) : undefined;
      if (failure) await this.outbox.bulkQuoteError(inbound.source, bulk.id, failure);
    });
  }

  /** GET /bulkQuotes/{ID}: asked of the payee (the destination); terms the hub issued for a bank it sends again itself. */
  async get(id: string, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const to = inbound.destination;
    if (!to) throw new DomainError('DESTINATION_MISSING', 'FSPIOP-Destination is required');
    const bulk = await this.records.find(id);
    this.later(async () => {
      if (bulk && inbound.source !== bulk.payer && inbound.source !== bulk.payee) {
        const refusal = new DomainError('REQUESTER_NOT_A_PARTY', `${inbound.source} is not a party to bulk quote ${id}`);
        return this.outbox.bulkQuoteError(inbound.source, id, refusal);
      }
      if (bulk?.hubAnswer && to === bulk.payee) return this.outbox.bulkQuoteAnswer(inbound.source, id, decode(bulk.hubAnswer) as BulkQuoteResponse);
      const refusal = destinationRefusal(this.registry, to);
      if (refusal) return this.outbox.bulkQuoteError(inbound.source, id, refusal);
      if (this.participants.dialectOf(to) === 'iso20022-xml') {
        return this.outbox.bulkQuoteError(inbound.source, id, new DomainError('BULK_QUOTE_NOT_FOUND', `${to} holds no bulk quote ${id}`));
      }
      const sent = await this.outbox.forwardBulkQuoteGet(to, id, inbound);
      const failure = this.deliveryFailure(to, sent);
      if (failure) await this.outbox.bulkQuoteError(inbound.source, id, failure);
      return undefined;
    });
  }
}

function codeOf(error: Pacs002): string {
  const reason = error.TxInfAndSts.StsRsnInf?.Rsn;
  return reason?.Prtry ?? reason?.Cd ?? '';
}

/** Error codes a participant gives (of the bulk, or of an individual result) must be FSPIOP error codes. */
function checkErrorCodes(answer: BulkQuoteAnswer): void {
  const given = answer.error ? [codeOf(answer.error)] : (answer.response?.Results ?? []).flatMap((r) => (r.Error ? [codeOf(r.Error)] : []));
  for (const code of given) {
    if (!isValidReasonCode(code)) {
      throw new DomainError('RECEIVED_ERROR_CODE_INVALID', `The incoming error code: ${code} is not a valid mojaloop specification error code`);
    }
  }
}
