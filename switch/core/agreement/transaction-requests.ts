/**
 * Request to pay (docs/r2p.md): the payee's FSP asks the payer's FSP to pay (POST /transactionRequests), the payer
 * answers (PUT /transactionRequests/{ID}, or /error), and the payer may have its customer authorise at the payee
 * (GET /authorizations/{ID}, answered with PUT /authorizations/{ID}). The hub routes each by FSPIOP-Destination,
 * refuses unknown and inactive participants, records the minimum of each request durably before it answers (ids,
 * parties, amount, expiry, state, body hashes, the payer's transaction id) and refuses modified duplicates and
 * answers from the wrong participant. The payment itself is the payer's ordinary quote (naming the request) and
 * transfer: the quote record keeps the link (QuoteService), the Admin API shows it.
 */
import type { Logger } from 'pino';
import { DomainError, reasonText, type Reason } from '../../../schemas/outcomes.js';
import type { AuthorizationRequest, AuthorizationResponse } from '../../../schemas/iso/authorizations.js';
import type { Pacs002 } from '../../../schemas/iso/pacs002.js';
import { transactionRequestIdOf, type Pain013 } from '../../../schemas/iso/pain013.js';
import { isRequestError, stateOfStatus, type Pain014, type TransactionRequestState } from '../../../schemas/iso/pain014.js';
import { isValidReasonCode } from '../../../schemas/iso/common.js';
import type { Registry } from '../../../ledger/registry.js';
import type { TransactionRequestRecord, TransactionRequestRecords } from '../../../ledger/transaction-requests.js';
import { ledgerText, toLedger } from '../../../ledger/units.js';
import type { ParticipantDirectory } from '../../directory/participants.js';
import { authenticateSender, runLater } from '../identity.js';
import type { DeliveryResult, InboundMessage, TransactionRequestOutbox } from '../outbox.js';

const FINAL = new Set<string>(['ACCEPTED', 'REJECTED']);
const RANK: Readonly<Record<string, number>> = { RECEIVED: 0, PENDING: 1, ACCEPTED: 2, REJECTED: 2 };

/** The endpoint type each resource is delivered through (admin.md §1.3), for the words of a "no endpoint" refusal. */
const ENDPOINT = { transactionRequests: 'FSPIOP_CALLBACK_URL_TRX_REQ_SERVICE', authorizations: 'FSPIOP_CALLBACK_URL_AUTHORIZATIONS' } as const;

/** Why a message could not be delivered, as the sender is told it (undefined when it was). */
function deliveryFailure(to: string, sent: DeliveryResult, resource: keyof typeof ENDPOINT): Reason | undefined {
  if (sent.ok) return undefined;
  if (sent.refused) return sent.refused;
  if (sent.noEndpoint) return new DomainError('DESTINATION_NO_ENDPOINT', `${to} has no ${ENDPOINT[resource]} endpoint`);
  if (sent.status !== undefined && sent.status >= 400 && sent.status < 500) {
    return new DomainError('DESTINATION_REFUSED', `${to} refused the message with HTTP ${sent.status}`);
  }
  return new DomainError('DESTINATION_UNREACHABLE', `${to} could not be reached`);
}

/** The amount as ledger text, or undefined when the ledger cannot hold it (the request still travels). */
function ledgerAmount(units: Parameters<typeof toLedger>[0]): string | undefined {
  try {
    return ledgerText(toLedger(units));
  } catch {
    return undefined;
  }
}

export class TransactionRequestService {
  constructor(
    private readonly registry: Registry,
    private readonly participants: ParticipantDirectory,
    private readonly records: TransactionRequestRecords,
    private readonly outbox: TransactionRequestOutbox,
    private readonly log: Logger,
  ) {}

  private later(work: () => Promise<unknown> | unknown): void {
    runLater(this.log, work);
  }

  // ---------------------------------------------------------------- POST /transactionRequests

  /** The payee's request. Resolves once it is recorded (or found to be a duplicate). */
  async request(message: Pain013, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const payee = inbound.source;
    const payer = inbound.destination;
    if (!payer) throw new DomainError('DESTINATION_MISSING', 'FSPIOP-Destination is required');
    const id = transactionRequestIdOf(message);
    const amount = message.PmtInf.CdtTrfTx.Amt.InstdAmt;
    const recorded = await this.records.record({
      id,
      payee,
      payer,
      currency: amount.currency,
      amount: ledgerAmount(amount.units),
      expiration: message.PmtInf.XpryDt?.DtTm,
      state: 'RECEIVED',
      request_hash: inbound.hash,
      message_id: message.GrpHdr.MsgId,
      created_at: inbound.receivedAt,
    });
    if (recorded.conflict) return this.duplicateRequest(id, message, inbound);
    this.later(() => this.routeRequest(id, message, inbound, payee, payer));
  }

  private async routeRequest(id: string, message: Pain013, inbound: InboundMessage, payee: string, payer: string): Promise<void> {
    const refusal = this.checkRequest(message, payer);
    const messageId = message.GrpHdr.MsgId;
    if (refusal) {
      await this.records.update({ id, state: 'REJECTED', error_code: refusal.outcome });
      this.log.info({ transactionRequestId: id, payee, payer, outcome: refusal.outcome, reason: refusal.detail }, 'transaction request refused');
      await this.outbox.transactionRequestError(payee, id, refusal, messageId);
      return;
    }
    const sent = await this.outbox.forwardTransactionRequest(payer, message, inbound);
    const failure = deliveryFailure(payer, sent, 'transactionRequests');
    if (failure) {
      this.log.warn({ transactionRequestId: id, payer, error: reasonText(failure) }, 'transaction request not delivered');
      await this.outbox.transactionRequestError(payee, id, failure, messageId);
    }
  }

  private checkRequest(message: Pain013, payer: string): DomainError | undefined {
    const refusal = this.destinationRefusal(payer, 'request');
    if (refusal) return refusal;
    const expiration = message.PmtInf.XpryDt?.DtTm;
    if (expiration !== undefined && Date.parse(expiration) <= Date.now()) {
      return new DomainError('TRANSACTION_REQUEST_EXPIRED', `the transaction request expired at ${expiration}`);
    }
    return undefined;
  }

  /**
   * The participant a request-to-pay message goes to must be an active participant other than the hub, reachable in
   * its dialect: a bank (ISO 20022 XML) takes a request (pain.013) but has no message for a status question or an
   * authorisation at the payee: it authenticates its own customer (docs/r2p.md).
   */
  private destinationRefusal(name: string, what: 'request' | 'status question' | 'authorisation'): DomainError | undefined {
    const participant = this.registry.participant(name);
    if (!participant || participant.isHub) return new DomainError('DESTINATION_UNKNOWN', `${name} is not an active participant`);
    if (!participant.isActive) return new DomainError('DESTINATION_INACTIVE', `${name} is not an active participant`);
    if (what !== 'request' && this.participants.dialectOf(name) === 'iso20022-xml') {
      return new DomainError('DESTINATION_DIALECT_UNSUPPORTED', `${name} is a bank (ISO 20022 XML): ISO 20022 has no message for this ${what}`);
    }
    return undefined;
  }

  private async duplicateRequest(id: string, message: Pain013, inbound: InboundMessage): Promise<void> {
    const record = await this.records.find(id);
    if (!record) throw new DomainError('RECORD_VANISHED', `transaction request ${id} vanished during its duplicate check`);
    if (record.requestHash !== inbound.hash || record.payee !== inbound.source || record.payer !== inbound.destination) {
      const error = modified('transaction request', id, record.requestHash);
      this.later(() => this.outbox.transactionRequestError(inbound.source, id, error, message.GrpHdr.MsgId));
      return;
    }
    // The same request again: checked again and, if it still passes, sent to the payer again (who answers again).
    this.later(() => this.routeRequest(id, message, inbound, record.payee, record.payer));
  }

  // ---------------------------------------------------------------- GET /transactionRequests/{ID}

  /** The payee asks the payer (the destination) about a request. */
  async get(id: string, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const to = inbound.destination;
    if (!to) throw new DomainError('DESTINATION_MISSING', 'FSPIOP-Destination is required');
    const record = await this.records.find(id);
    this.later(async () => {
      if (record && inbound.source !== record.payee && inbound.source !== record.payer) {
        const outsider = new DomainError('REQUESTER_NOT_A_PARTY', `${inbound.source} is not a party to transaction request ${id}`);
        return this.outbox.transactionRequestError(inbound.source, id, outsider);
      }
      const refusal = this.destinationRefusal(to, 'status question');
      if (refusal) return this.outbox.transactionRequestError(inbound.source, id, refusal);
      const failure = deliveryFailure(to, await this.outbox.forwardTransactionRequestGet(to, id, inbound), 'transactionRequests');
      if (failure) await this.outbox.transactionRequestError(inbound.source, id, failure);
      return undefined;
    });
  }

  // ---------------------------------------------------------------- PUT /transactionRequests/{ID} (+ /error)

  /** The payer's answer: a state (and its transaction id), or an error. Resolves once the new state is recorded. */
  async answer(id: string, report: Pain014, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const errorCode = checkedErrorCode(report);
    const state = isRequestError(report) ? 'REJECTED' : stateOfStatus(report.TxInfAndSts.TxSts);
    if (state === undefined) throw new DomainError('TRANSACTION_REQUEST_STATE_INVALID', `status ${report.TxInfAndSts.TxSts} is no transaction request state`);
    const record = await this.records.find(id);
    const refusal = this.checkAnswer(id, record, state, inbound);
    if (refusal || !record) {
      // A bank's report is refused in the answer to it (admi.002); an FSPIOP participant's in an error callback.
      if (inbound.dialect === 'iso20022-xml') throw refusal ?? notFound(id);
      this.later(() => this.outbox.transactionRequestError(inbound.source, id, refusal ?? notFound(id), report.GrpHdr.MsgId));
      return;
    }
    if (record.answerHash !== inbound.hash) {
      await this.records.update({ id, state, answer_hash: inbound.hash, transaction_id: report.TxInfAndSts.AcctSvcrRef, error_code: errorCode });
      this.log.info({ transactionRequestId: id, state, payer: record.payer, payee: record.payee, errorCode }, 'transaction request state');
    }
    this.later(async () => {
      const sent = await this.outbox.forwardTransactionRequestAnswer(record.payee, id, report, inbound, record.messageId ?? undefined);
      const failure = deliveryFailure(record.payee, sent, 'transactionRequests');
      if (failure) await this.outbox.transactionRequestError(inbound.source, id, failure, report.GrpHdr.MsgId);
    });
  }

  /**
   * An answer comes from the payer, to the payee (or the hub, when the hub rendered the request in another dialect),
   * and follows the request's state: the same final answer again is sent again; another one after it is a modified
   * duplicate; a state earlier than the one recorded, or any answer to a request the hub refused, is refused.
   */
  private checkAnswer(
    id: string,
    record: TransactionRequestRecord | undefined,
    state: TransactionRequestState,
    inbound: InboundMessage,
  ): DomainError | undefined {
    if (!record) return notFound(id);
    if (inbound.source !== record.payer) {
      return new DomainError('TRANSACTION_REQUEST_WRONG_SENDER', `FSPIOP-Source ${inbound.source} is not the payer of transaction request ${id}`);
    }
    if (inbound.destination !== undefined && inbound.destination !== record.payee && !this.registry.isHubName(inbound.destination)) {
      return new DomainError(
        'TRANSACTION_REQUEST_WRONG_DESTINATION',
        `FSPIOP-Destination ${inbound.destination} is not the payee of transaction request ${id}`,
      );
    }
    if (record.answerHash === inbound.hash) return undefined;
    if (FINAL.has(record.state)) {
      if (record.answerHash === null) {
        return new DomainError(
          'TRANSACTION_REQUEST_STATE_INVALID',
          `the hub refused transaction request ${id} (${record.errorCode ?? 'refused'}): it was not sent`,
        );
      }
      return modified('transaction request answer', id, record.answerHash);
    }
    if (RANK[state]! < RANK[record.state]!) {
      return new DomainError('TRANSACTION_REQUEST_STATE_INVALID', `transaction request ${id} is ${record.state}: it cannot go back to ${state}`);
    }
    return undefined;
  }

  // ---------------------------------------------------------------- /authorizations/{ID}

  /** GET /authorizations/{ID}: the payer asks the payee to have the payer's customer authorise. */
  async authorization(request: AuthorizationRequest, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    if (!inbound.destination) throw new DomainError('DESTINATION_MISSING', 'FSPIOP-Destination is required');
    const id = request.transactionRequestId;
    const record = await this.records.find(id);
    this.later(async () => {
      const refusal = this.checkParties(id, record, inbound, 'payer') ?? this.destinationRefusal(inbound.destination!, 'authorisation');
      if (refusal) return this.outbox.authorizationError(inbound.source, id, refusal);
      const sent = await this.outbox.forwardAuthorizationRequest(inbound.destination!, request, inbound);
      const failure = deliveryFailure(inbound.destination!, sent, 'authorizations');
      if (failure) await this.outbox.authorizationError(inbound.source, id, failure);
      return undefined;
    });
  }

  /** PUT /authorizations/{ID} (`response`) or its /error (`error`): the payee's answer, to the payer. */
  async authorizationAnswer(id: string, answer: { response?: AuthorizationResponse; error?: Pacs002 }, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const reason = answer.error?.TxInfAndSts.StsRsnInf?.Rsn;
    const code = answer.error ? (reason?.Prtry ?? reason?.Cd ?? '') : undefined;
    if (code !== undefined && !isValidReasonCode(code)) {
      throw new DomainError('RECEIVED_ERROR_CODE_INVALID', `The incoming error code: ${code} is not a valid mojaloop specification error code`);
    }
    const record = await this.records.find(id);
    this.later(async () => {
      const refusal = this.checkParties(id, record, inbound, 'payee');
      if (refusal || !record) return this.outbox.authorizationError(inbound.source, id, refusal ?? notFound(id));
      const sent = await this.outbox.forwardAuthorizationAnswer(record.payer, id, answer, inbound);
      const failure = deliveryFailure(record.payer, sent, 'authorizations');
      if (failure) await this.outbox.authorizationError(inbound.source, id, failure);
      return undefined;
    });
  }

  /** An authorisation is asked by the request's payer of its payee, and answered by the payee to its payer. */
  private checkParties(id: string, record: TransactionRequestRecord | undefined, inbound: InboundMessage, sender: 'payer' | 'payee'): DomainError | undefined {
    if (!record) return notFound(id);
    const receiver = sender === 'payer' ? 'payee' : 'payer';
    if (inbound.source !== record[sender]) {
      return new DomainError('TRANSACTION_REQUEST_WRONG_SENDER', `FSPIOP-Source ${inbound.source} is not the ${sender} of transaction request ${id}`);
    }
    const to = inbound.destination;
    if (to !== undefined && to !== record[receiver] && !(sender === 'payee' && this.registry.isHubName(to))) {
      return new DomainError('TRANSACTION_REQUEST_WRONG_DESTINATION', `FSPIOP-Destination ${to} is not the ${receiver} of transaction request ${id}`);
    }
    return undefined;
  }
}

function notFound(id: string): DomainError {
  return new DomainError('TRANSACTION_REQUEST_NOT_FOUND', `transaction request ${id} is not known`);
}

function modified(what: string, id: string, originalHash: string): DomainError {
  return new DomainError('MODIFIED_DUPLICATE', `a ${what} with transaction request id ${id} and a different body was received before`, { originalHash });
}

/** The payer's error code, checked as every received error code is (contract errors.md §1). */
function checkedErrorCode(report: Pain014): string | undefined {
  const reason = report.TxInfAndSts.StsRsnInf;
  if (!reason) return undefined;
  const code = reason.Rsn.Prtry ?? reason.Rsn.Cd ?? '';
  if (!isValidReasonCode(code)) {
    throw new DomainError('RECEIVED_ERROR_CODE_INVALID', `The incoming error code: ${code} is not a valid mojaloop specification error code`);
  }
  return code;
}
