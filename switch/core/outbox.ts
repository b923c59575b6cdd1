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
import type { Pacs009 } from '../../schemas/iso/pacs009.js';
import type { BulkPacs008, BulkTransferState } from '../../schemas/iso/bulk-transfers.js';
import type { PartyVerificationReport } from '../../schemas/iso/parties.js';
import type { QuoteRequest, QuoteResponse } from '../../schemas/iso/quotes.js';
import type { BulkQuoteRequest, BulkQuoteResponse } from '../../schemas/iso/bulk-quotes.js';
import type { FxQuoteRequest, FxQuoteResponse } from '../../schemas/iso/fx-quotes.js';
import type { Pain013 } from '../../schemas/iso/pain013.js';
import type { Pain014 } from '../../schemas/iso/pain014.js';
import type { AuthorizationRequest, AuthorizationResponse } from '../../schemas/iso/authorizations.js';

export type DialectName = 'fspiop' | 'iso20022-json' | 'iso20022-xml';

export interface InboundMessage {
  source: string;
  destination?: string;
  /**
   * The proxy participant that relayed the message from another scheme (FSPIOP-Proxy, checked at the edge):
   * `source` is then a DFSP of that scheme, represented here by the proxy (docs/interscheme.md).
   */
  proxy?: string;
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
  /** The FSPIOP error code of a 4xx answer, when its body had one. */
  errorCode?: string;
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

/** FX transfers (docs/fx.md): the conversion's messages, in the receiver's dialect. */
export interface FxTransferOutbox {
  /** The initiating FSP's POST /fxTransfers, to the FXP. */
  forwardFxPrepare(fxp: string, message: Pacs009, inbound: InboundMessage): Promise<DeliveryResult>;
  /** The FXP's PUT /fxTransfers/{ID} (its fulfilment), to the initiating FSP. */
  forwardFxFulfil(to: string, commitRequestId: string, message: Pacs002, inbound: InboundMessage): Promise<DeliveryResult>;
  /** The FXP's PUT /fxTransfers/{ID}/error, to the initiating FSP. */
  forwardFxError(to: string, commitRequestId: string, message: Pacs002, inbound: InboundMessage): Promise<DeliveryResult>;
  /** A status the hub authors (GET answers, duplicates), with why the hub aborted it when it did. */
  fxTransferState(to: string, commitRequestId: string, status: Pacs002, cause?: Reason): Promise<DeliveryResult>;
  /** PATCH /fxTransfers/{ID} to the FXP: the conversion committed or aborted with its dependent transfer. */
  fxTransferPatch(to: string, commitRequestId: string, status: Pacs002, cause?: Reason): Promise<DeliveryResult>;
  /** An error the hub authors. */
  fxTransferError(to: string, commitRequestId: string, reason: Reason): Promise<DeliveryResult>;
}

/**
 * A transfer forwarded to another scheme (docs/interscheme.md, "Expiry"): the hub asks the proxy for its state
 * (`GET /transfers/{ID}`, authored by the hub, to the remote payee) instead of aborting it at its expiration.
 */
export interface TransferInquiry {
  askTransferState(to: string, transferId: string): Promise<DeliveryResult>;
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
  /** `GET /parties/...` to a proxy, for another scheme to answer: headers as received (no FSPIOP-Destination added). */
  broadcastPartiesGet(proxy: string, party: PartyPath, inbound: InboundMessage): Promise<DeliveryResult>;
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

/** One transaction's outcome in a bulk's report: committed (its fulfilment), refused or aborted (why), or not final. */
export interface BulkLineOutcome {
  transferId: string;
  fulfilment?: string;
  /** An outcome the hub decided, or the reason the payee gave: the outbox words it in the receiver's dialect. */
  reason?: Reason;
}

/** A bulk's report the hub authors: its state, when it completed, and every transaction's outcome. */
export interface BulkReport {
  state: BulkTransferState;
  completedAt?: string;
  lines: BulkLineOutcome[];
}

export interface BulkTransferOutbox {
  /**
   * The bulk to the payee. `whole`: every transaction was reserved, so the payer's message may go byte for byte (its
   * signature intact) where the dialects allow; otherwise the hub authors one holding only `bulk.CdtTrfTxInf`.
   */
  forwardBulkPrepare(payee: string, bulk: BulkPacs008, inbound: InboundMessage, whole: boolean): Promise<DeliveryResult>;
  /** The bulk's report (PUT /bulkTransfers/{ID}), authored by the hub. */
  bulkReport(to: string, bulkTransferId: string, report: BulkReport): Promise<DeliveryResult>;
  /** An error about the whole bulk (PUT /bulkTransfers/{ID}/error), authored by the hub. */
  bulkError(to: string, bulkTransferId: string, reason: Reason): Promise<DeliveryResult>;
}

/**
 * Bulk quotes (docs/bulk.md). Every participant that takes part speaks FSPIOP bodies for them (no ISO definition
 * exists): a participant's message is forwarded byte for byte; the hub authors its errors and a bank payee's terms.
 */
export interface BulkQuoteOutbox {
  /** The payer's POST /bulkQuotes, on to the payee. */
  forwardBulkQuoteRequest(to: string, bulkQuoteId: string, message: BulkQuoteRequest, inbound: InboundMessage): Promise<DeliveryResult>;
  /** The payee's PUT /bulkQuotes/{ID} (or /error), on to the payer. */
  forwardBulkQuoteAnswer(
    to: string,
    bulkQuoteId: string,
    answer: { response?: BulkQuoteResponse; error?: Pacs002 },
    inbound: InboundMessage,
  ): Promise<DeliveryResult>;
  forwardBulkQuoteGet(to: string, bulkQuoteId: string, inbound: InboundMessage): Promise<DeliveryResult>;
  /** Terms the hub issued itself (for a bank payee), to the payer. */
  bulkQuoteAnswer(to: string, bulkQuoteId: string, response: BulkQuoteResponse): Promise<DeliveryResult>;
  /** An error the hub authors. */
  bulkQuoteError(to: string, bulkQuoteId: string, reason: Reason): Promise<DeliveryResult>;
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

/** The currencies of an FXP discovery (GET /services/FXP[/{SourceCurrency}/{TargetCurrency}]); none = any conversion. */
export interface FxpQuery {
  sourceCurrency?: string;
  targetCurrency?: string;
}

/**
 * FX agreement (docs/fx.md "Agreement: fxQuotes and FXP discovery"): conversion quotes between an FSP and an FXP, in
 * the receiver's dialect (FSPIOP v2.0 or ISO 20022 JSON pacs.091/092; FX resources exist in v2.0 only), and the hub's
 * answers to FXP discovery.
 */
export interface FxQuoteOutbox {
  /** POST /fxQuotes, on to the FXP. */
  forwardFxQuoteRequest(to: string, conversionRequestId: string, message: FxQuoteRequest, inbound: InboundMessage): Promise<DeliveryResult>;
  /** The FXP's PUT /fxQuotes/{ID} (or /error), on to the requester. */
  forwardFxQuoteAnswer(
    to: string,
    conversionRequestId: string,
    answer: { response?: FxQuoteResponse; error?: Pacs002 },
    inbound: InboundMessage,
  ): Promise<DeliveryResult>;
  forwardFxQuoteGet(to: string, conversionRequestId: string, inbound: InboundMessage): Promise<DeliveryResult>;
  /** An error the hub authors (PUT /fxQuotes/{ID}/error). */
  fxQuoteError(to: string, conversionRequestId: string, reason: Reason): Promise<DeliveryResult>;
  /** The hub's answer to FXP discovery: PUT /services/FXP[/{S}/{T}] {providers}. */
  fxpList(to: string, query: FxpQuery, providers: readonly string[]): Promise<DeliveryResult>;
  /** PUT /services/FXP[/{S}/{T}]/error. */
  fxpError(to: string, query: FxpQuery, reason: Reason): Promise<DeliveryResult>;
}
