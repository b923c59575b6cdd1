/**
 * What the transfer lifecycle needs from the outside world: the inbound message as received (so a
 * forward can keep its original bytes and signature) and an outbox that delivers messages to
 * participants in THEIR dialect. The core never builds wire formats itself: it hands the outbox
 * its outcomes (DomainError) or the reasons others gave (canonical StatusReason), and the outbox
 * words them in the receiver's dialect (translators/<dialect>/outcomes.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { StatusReason } from '../../schemas/iso/common.js';
import type { DomainError, Reason } from '../../schemas/outcomes.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import type { PartyVerificationReport } from '../../schemas/iso/parties.js';
import type { QuoteRequest, QuoteResponse } from '../../schemas/iso/quotes.js';
import type { Pain013 } from '../../schemas/iso/pain013.js';
import type { Pain014 } from '../../schemas/iso/pain014.js';
import type { AuthorizationRequest, AuthorizationResponse } from '../../schemas/iso/authorizations.js';

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
  /** The receiver's dialect cannot carry the message; this is what the sender should be told (the translator's reason). */
  refused?: StatusReason;
  /** HTTP status the receiver answered with, when it answered. */
  status?: number;
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
  /**
   * A status the hub authors (GET answers, duplicate answers, commit on a RESERVED fulfil). `cause`: why an aborted
   * transfer was aborted, when the hub did it (carried as the status's `cause` extension, in the receiver's words).
   */
  transferState(to: string, transferId: string, status: Pacs002, cause?: Reason): Promise<DeliveryResult>;
  /** The commit (or abort) notification to a payee that answered RESERVED. */
  transferPatch(to: string, transferId: string, status: Pacs002, cause?: Reason): Promise<DeliveryResult>;
  /** An error the hub authors. */
  transferError(to: string, transferId: string, reason: Reason): Promise<DeliveryResult>;
}

/** Party path parameters, as used by the endpoint templates. */
export interface PartyPath {
  type: string;
  id: string;
  subId?: string;
}

/** One party of a batch registration (POST /participants) and, when it failed, why. */
export interface BatchPartyResult {
  partyId: Record<string, unknown>;
  error?: DomainError;
}

export interface DiscoveryOutbox {
  /** `GET /parties/...` on to the FSP that holds the party. */
  forwardPartiesGet(to: string, party: PartyPath, inbound: InboundMessage): Promise<DeliveryResult>;
  /** The holder's `PUT /parties/...` (or `/error`) back to the requester. */
  forwardPartiesAnswer(to: string, party: PartyPath, report: PartyVerificationReport, inbound: InboundMessage, isError: boolean): Promise<DeliveryResult>;
  partiesError(to: string, party: PartyPath, reason: Reason): Promise<DeliveryResult>;
  /** ALS answers (the hub is the author). */
  participantsAnswer(to: string, party: PartyPath, body: unknown): Promise<DeliveryResult>;
  participantsError(to: string, party: PartyPath, reason: Reason): Promise<DeliveryResult>;
  forwardParticipantsError(to: string, party: PartyPath, inbound: InboundMessage): Promise<DeliveryResult>;
  participantsBatchAnswer(to: string, requestId: string, answer: { partyList: BatchPartyResult[]; currency?: string }): Promise<DeliveryResult>;
  participantsBatchError(to: string, requestId: string, reason: Reason): Promise<DeliveryResult>;
}

export interface QuoteOutbox {
  forwardQuoteRequest(to: string, quoteId: string, message: QuoteRequest, inbound: InboundMessage): Promise<DeliveryResult>;
  forwardQuoteAnswer(to: string, quoteId: string, answer: { response?: QuoteResponse; error?: Pacs002 }, inbound: InboundMessage): Promise<DeliveryResult>;
  forwardQuoteGet(to: string, quoteId: string, inbound: InboundMessage): Promise<DeliveryResult>;
  quoteError(to: string, quoteId: string, reason: Reason): Promise<DeliveryResult>;
}

/** Request to pay (docs/r2p.md): transaction requests and their authorisation, in the receiver's dialect. */
export interface TransactionRequestOutbox {
  /** The request (POST /transactionRequests), to the payer. */
  forwardTransactionRequest(to: string, message: Pain013, inbound: InboundMessage): Promise<DeliveryResult>;
  /** GET /transactionRequests/{ID}, to the payer. */
  forwardTransactionRequestGet(to: string, id: string, inbound: InboundMessage): Promise<DeliveryResult>;
  /**
   * The payer's answer (PUT /transactionRequests/{ID} or its /error), to the payee. `requestMessageId`: the request
   * message's id as its sender named it (a bank's pain.014 names it).
   */
  forwardTransactionRequestAnswer(to: string, id: string, report: Pain014, inbound: InboundMessage, requestMessageId?: string): Promise<DeliveryResult>;
  /** An error the hub authors about a transaction request (PUT /transactionRequests/{ID}/error; a bank's pain.014 RJCT). */
  transactionRequestError(to: string, id: string, reason: Reason, requestMessageId?: string): Promise<DeliveryResult>;
  /** GET /authorizations/{ID}, to the payee. */
  forwardAuthorizationRequest(to: string, request: AuthorizationRequest, inbound: InboundMessage): Promise<DeliveryResult>;
  /** The payee's PUT /authorizations/{ID} (or its /error), to the payer. */
  forwardAuthorizationAnswer(
    to: string,
    id: string,
    answer: { response?: AuthorizationResponse; error?: Pacs002 },
    inbound: InboundMessage,
  ): Promise<DeliveryResult>;
  /** An error the hub authors about an authorisation (PUT /authorizations/{ID}/error). */
  authorizationError(to: string, id: string, reason: Reason): Promise<DeliveryResult>;
}
