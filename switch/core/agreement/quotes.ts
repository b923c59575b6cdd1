/**
 * Agreement (quotes), per docs/discovery.md: the hub checks the two parties can transact in the
 * currency, records the minimum of each quote (ids, parties, amount, expiry, body hashes, state)
 * durably before it answers, routes request and answer, and refuses expired, modified or misrouted
 * ones. The terms themselves (fees, ILP packet, condition) are the payee's and pass through untouched.
 */
import type { Logger } from 'pino';
import { formatUnits } from '../../../schemas/amount.js';
import { isValidReasonCode } from '../../../schemas/iso/common.js';
import { DomainError, reasonText } from '../../../schemas/outcomes.js';
import type { QuoteRequest, QuoteResponse } from '../../../schemas/iso/quotes.js';
import type { Pacs002 } from '../../../schemas/iso/pacs002.js';
import type { QuoteRecord, QuoteRecords } from '../../../ledger/quotes.js';
import type { Registry } from '../../../ledger/registry.js';
import type { ParticipantDirectory } from '../../directory/participants.js';
import type { ProxyRoutes } from '../../directory/proxies.js';
import { toLedger, ledgerText } from '../../../ledger/units.js';
import { deliveryError } from '../discovery/accounts.js';
import { authenticateSender, runLater } from '../identity.js';
import type { InboundMessage, QuoteOutbox } from '../outbox.js';

/** Where the hub agrees terms on a bank's behalf (switch/core/bridge). */
export interface BankAgent {
  answerQuoteForBank(quoteId: string, request: QuoteRequest, inbound: InboundMessage): Promise<void>;
  onQuoteAnswer(quote: QuoteRecord, answer: { response?: QuoteResponse; error?: Pacs002 }): Promise<void>;
}

export class QuoteService {
  private bankAgent?: BankAgent;

  private proxies?: ProxyRoutes;

  /** Inter-scheme (docs/interscheme.md): a DFSP of another scheme quotes through its proxy, whose accounts stand for it. */
  useProxies(proxies: ProxyRoutes): void {
    this.proxies = proxies;
  }

  /** Banks do not quote: quotes to and from them go to the bridge. */
  useBankAgent(agent: BankAgent): void {
    this.bankAgent = agent;
  }

  constructor(
    private readonly registry: Registry,
    private readonly participants: ParticipantDirectory,
    private readonly quotes: QuoteRecords,
    private readonly outbox: QuoteOutbox,
    private readonly log: Logger,
  ) {}

  private later(work: () => Promise<unknown> | unknown): void {
    runLater(this.log, work);
  }

  /** POST /quotes. Resolves once the quote is recorded (or found to be a duplicate). */
  async request(message: QuoteRequest, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound);
    const payer = inbound.source;
    const payee = inbound.destination;
    if (!payee) throw new DomainError('DESTINATION_MISSING', 'FSPIOP-Destination is required');
    await this.proxies?.resolve(payee);
    const quoteId = message.CdtTrfTxInf.PmtId.TxId;
    const amount = message.CdtTrfTxInf.IntrBkSttlmAmt;
    const expiration = message.GrpHdr.PmtInstrXpryDtTm;
    let ledgerAmount: string | undefined;
    try {
      ledgerAmount = ledgerText(toLedger(amount.units));
    } catch {
      ledgerAmount = undefined;
    }
    const recorded = await this.quotes.record({
      id: quoteId,
      payer,
      payee,
      currency: amount.currency,
      amount: ledgerAmount,
      expiration,
      state: 'RECEIVED',
      request_hash: inbound.hash,
      created_at: inbound.receivedAt,
      ...requestLink(message),
    });
    if (recorded.conflict) return this.duplicateRequest(quoteId, message, inbound);
    this.later(() => this.routeRequest(quoteId, message, inbound, payer, payee));
  }

  private async routeRequest(quoteId: string, message: QuoteRequest, inbound: InboundMessage, payer: string, payee: string) {
    const refusal = this.checkRequest(message, payer, payee);
    if (refusal) {
      // The record keeps the outcome (a participant's error keeps its code): the dialects word it, not the ledger.
      await this.quotes.update({ id: quoteId, state: 'REJECTED', error_code: refusal.outcome });
      this.log.info({ quoteId, payer, payee, outcome: refusal.outcome, reason: refusal.detail }, 'quote refused');
      return this.outbox.quoteError(payer, quoteId, refusal);
    }
    if (this.bankAgent && this.participants.dialectOf(payee) === 'iso20022-xml') {
      return this.bankAgent.answerQuoteForBank(quoteId, message, inbound);
    }
    return this.send(quoteId, message, payer, payee, inbound);
  }

  private async send(quoteId: string, message: QuoteRequest, payer: string, payee: string, inbound: InboundMessage) {
    const sent = await this.outbox.forwardQuoteRequest(payee, quoteId, message, inbound);
    const failure = deliveryError(payee, sent);
    if (failure) {
      this.log.warn({ quoteId, payee, error: reasonText(failure) }, 'quote request not delivered');
      await this.outbox.quoteError(payer, quoteId, failure);
    }
  }

  private checkRequest(message: QuoteRequest, payer: string, payee: string): DomainError | undefined {
    const currency = message.CdtTrfTxInf.IntrBkSttlmAmt.currency;
    const refusal = this.destinationRefusal(payee);
    if (refusal) return refusal;
    // A payer that converts (v2.0 `converter: PAYER`, docs/fx.md) pays in another currency: an FXP's position funds
    // the transfer in the quote's currency, so the payer needs no account in it.
    const payerConverts = message.CdtTrfTxInf.SplmtryData?.converter === 'PAYER';
    if (!payerConverts && !this.holds(payer, currency)) {
      return new DomainError('QUOTE_PAYER_ACCOUNT_UNAVAILABLE', `${payer} has no active ${currency} account`);
    }
    if (!this.holds(payee, currency)) return new DomainError('QUOTE_PAYEE_ACCOUNT_UNAVAILABLE', `${payee} has no active ${currency} account`);
    for (const supported of message.CdtTrfTxInf.DbtrAcct?.Ccys ?? []) {
      if (!this.holds(payer, supported)) return new DomainError('QUOTE_PAYER_ACCOUNT_UNAVAILABLE', `${payer} has no active ${supported} account`);
    }
    const expiration = message.GrpHdr.PmtInstrXpryDtTm;
    if (expiration !== undefined && Date.parse(expiration) <= Date.now()) {
      return new DomainError('QUOTE_EXPIRED', `the quote request expired at ${expiration}`);
    }
    return undefined;
  }

  private destinationRefusal(name: string): DomainError | undefined {
    return destinationRefusal(this.registry, this.proxies?.proxyOf(name)?.name ?? name);
  }

  /** The participant, or for a DFSP of another scheme its proxy, holds an active position in the currency. */
  private holds(participant: string, currency: string): boolean {
    const name = this.proxies?.representativeOf(participant)?.name ?? participant;
    return this.registry.accountOf(name, currency, 'POSITION')?.isActive === true;
  }

  private async duplicateRequest(quoteId: string, message: QuoteRequest, inbound: InboundMessage): Promise<void> {
    const quote = await this.quotes.find(quoteId);
    if (!quote) throw new DomainError('RECORD_VANISHED', `quote ${quoteId} vanished during its duplicate check`);
    if (quote.requestHash !== inbound.hash || quote.payer !== inbound.source) {
      this.later(() => this.outbox.quoteError(inbound.source, quoteId, modified('quote request', quote.requestHash)));
      return;
    }
    // Same request again: checked again and, if it still passes, sent to the payee again, who
    // answers again (the terms are the payee's, not the hub's to replay).
    this.later(() => this.routeRequest(quoteId, message, inbound, quote.payer, quote.payee));
  }

  /** PUT /quotes/{ID} (`response`) or PUT /quotes/{ID}/error (`error`). */
  async answer(quoteId: string, answer: { response?: QuoteResponse; error?: Pacs002 }, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound);
    const reason = answer.error?.TxInfAndSts.StsRsnInf?.Rsn;
    const errorCode = answer.error ? (reason?.Prtry ?? reason?.Cd ?? '') : undefined;
    if (errorCode !== undefined && !isValidReasonCode(errorCode)) {
      throw new DomainError('RECEIVED_ERROR_CODE_INVALID', `The incoming error code: ${errorCode} is not a valid mojaloop specification error code`);
    }
    const quote = await this.quotes.find(quoteId);
    const refusal = this.checkAnswer(quote, inbound);
    if (refusal || !quote) {
      this.later(() => this.outbox.quoteError(inbound.source, quoteId, refusal ?? new DomainError('QUOTE_NOT_FOUND')));
      return;
    }
    if (quote.responseHash) {
      if (quote.responseHash !== inbound.hash) {
        this.later(() => this.outbox.quoteError(inbound.source, quoteId, modified('quote response', quote.responseHash!)));
        return;
      }
    }
    const isError = errorCode !== undefined;
    if (answer.response) {
      // The record names the agents: an FSPIOP PUT /quotes that answered a hub-authored (cross-dialect) request
      // carries the hub as FSPIOP-Destination, not the payer FSP.
      answer.response.CdtTrfTxInf.DbtrAgt = { FinInstnId: { Othr: { Id: quote.payer } } };
      answer.response.CdtTrfTxInf.CdtrAgt = { FinInstnId: { Othr: { Id: quote.payee } } };
    }
    const responseExpiration = answer.response?.GrpHdr.PmtInstrXpryDtTm;
    if (!isError && responseExpiration !== undefined && Date.parse(responseExpiration) <= Date.now()) {
      const expired = new DomainError('QUOTE_EXPIRED', `the quote expired at ${responseExpiration}`);
      await this.quotes.update({ id: quoteId, state: 'EXPIRED', response_hash: inbound.hash, error_code: expired.outcome });
      this.later(() => this.outbox.quoteError(quote.payer, quoteId, expired));
      this.later(() => this.outbox.quoteError(quote.payee, quoteId, expired));
      return;
    }
    await this.quotes.update({
      id: quoteId,
      state: isError ? 'ERROR' : 'ANSWERED',
      response_hash: inbound.hash,
      error_code: errorCode,
      response_expiration: responseExpiration,
      ...requestCondition(quote, answer.response),
    });
    this.log.info(
      {
        quoteId,
        state: isError ? 'ERROR' : 'ANSWERED',
        payer: quote.payer,
        payee: quote.payee,
        ...(answer.response ? { transferAmount: formatUnits(answer.response.CdtTrfTxInf.IntrBkSttlmAmt.units) } : {}),
      },
      'quote state',
    );
    if (this.bankAgent && this.participants.dialectOf(quote.payer) === 'iso20022-xml') {
      const agent = this.bankAgent;
      this.later(() => agent.onQuoteAnswer(quote, answer));
      return;
    }
    this.later(async () => {
      const sent = await this.outbox.forwardQuoteAnswer(quote.payer, quoteId, answer, inbound);
      if (sent.refused) {
        await this.outbox.quoteError(inbound.source, quoteId, sent.refused);
      } else if (sent.noEndpoint) {
        await this.outbox.quoteError(
          inbound.source,
          quoteId,
          new DomainError('DESTINATION_NO_ENDPOINT', `${quote.payer} has no FSPIOP_CALLBACK_URL_QUOTES endpoint`),
        );
      }
    });
  }

  private checkAnswer(quote: QuoteRecord | undefined, inbound: InboundMessage): DomainError | undefined {
    if (!quote) return new DomainError('QUOTE_NOT_FOUND', 'Quote ID not found');
    // The payee's side is another scheme: its hub may answer for it (a bank payee's terms), and the proxy vouches.
    const viaPayeesProxy = inbound.proxy !== undefined && this.proxies?.proxyOf(quote.payee)?.name === inbound.proxy;
    if (inbound.source !== quote.payee && !viaPayeesProxy) {
      return new DomainError('SOURCE_IS_NOT_PAYEE', `FSPIOP-Source ${inbound.source} is not the payee of this quote`);
    }
    // The destination is the payer, or the hub when the hub rendered the request (dialects differ).
    if (inbound.destination !== undefined && inbound.destination !== quote.payer && !this.registry.isHubName(inbound.destination)) {
      return new DomainError('DESTINATION_IS_NOT_PAYER', `FSPIOP-Destination ${inbound.destination} is not the payer of this quote`);
    }
    return undefined;
  }

  /** GET /quotes/{ID}: asked of the payee (the destination). */
  async get(quoteId: string, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound);
    const to = inbound.destination;
    if (!to) throw new DomainError('DESTINATION_MISSING', 'FSPIOP-Destination is required');
    await this.proxies?.resolve(to);
    const quote = await this.quotes.find(quoteId);
    this.later(async () => {
      if (quote && inbound.source !== quote.payer && inbound.source !== quote.payee) {
        return this.outbox.quoteError(
          inbound.source,
          quoteId,
          new DomainError('REQUESTER_NOT_A_PARTY', `${inbound.source} is not a party to quote ${quoteId}`),
        );
      }
      const refusal = this.destinationRefusal(to);
      if (refusal) return this.outbox.quoteError(inbound.source, quoteId, refusal);
      const sent = await this.outbox.forwardQuoteGet(to, quoteId, inbound);
      const failure = deliveryError(to, sent);
      if (failure) await this.outbox.quoteError(inbound.source, quoteId, failure);
      return undefined;
    });
  }
}

/** The participant a quote message (or a bulk quote message) goes to must be an active participant other than the hub. */
export function destinationRefusal(registry: Registry, name: string): DomainError | undefined {
  const participant = registry.participant(name);
  if (!participant || participant.isHub) return new DomainError('DESTINATION_UNKNOWN', `${name} is not an active participant`);
  if (!participant.isActive) return new DomainError('DESTINATION_INACTIVE', `${name} is not an active participant`);
  return undefined;
}

/** A quote of a transaction request keeps its condition: the transfer that pays the request carries it (docs/r2p.md). */
function requestCondition(quote: QuoteRecord, response: QuoteResponse | undefined): { condition?: string } {
  return quote.transactionRequestId !== null && response ? { condition: response.CdtTrfTxInf.ExctnCond } : {};
}

/** The transaction request a quote answers (FSPIOP transactionRequestId) and its transaction id, for the quote record. */
function requestLink(message: QuoteRequest): { transaction_request_id?: string; transaction_id?: string } {
  const id = message.CdtTrfTxInf.PmtId;
  return id.InstrId === undefined ? {} : { transaction_request_id: id.InstrId, transaction_id: id.EndToEndId };
}

function modified(what: string, originalHash: string): DomainError {
  return new DomainError('MODIFIED_DUPLICATE', `a ${what} with this quote id and a different body was received before`, { originalHash });
}
