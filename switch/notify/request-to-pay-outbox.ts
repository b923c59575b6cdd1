/**
 * Request to pay in the receiver's dialect (docs/r2p.md). Transaction requests and authorisations are FSPIOP-only in
 * Mojaloop (contract iso20022-mapping.md §1: the SDK sends them in the plain FSPIOP dialect even in ISO mode), so a
 * participant registered for ISO 20022 JSON sends and gets them as FSPIOP: between such participants and FSPIOP ones
 * the hub forwards the sender's bytes and signature, under the plain FSPIOP media type. What the hub authors (its
 * errors, and phase 2's messages of banks) is rendered from the canonical message in FSPIOP.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthorizationRequest, AuthorizationResponse } from '../../schemas/iso/authorizations.js';
import type { StatusReason } from '../../schemas/iso/common.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { Pain013 } from '../../schemas/iso/pain013.js';
import { isRequestError, REQUEST_STATUS, type Pain014 } from '../../schemas/iso/pain014.js';
import type { Reason } from '../../schemas/outcomes.js';
import { authorizationQueryFromCanonical, authorizationResponseFromCanonical } from '../../translators/fspiop/authorizations.js';
import {
  transactionRequestAnswerFromCanonical,
  transactionRequestErrorFromCanonical,
  transactionRequestFromCanonical,
} from '../../translators/fspiop/transaction-requests.js';
import { errorFromCanonical } from '../../translators/fspiop/transfers.js';
import { XML_PROFILES } from '../../translators/isoxml/catalog.js';
import type { Pain014Context } from '../../translators/isoxml/pain014.js';
import type { XmlChannel } from './xml-channel.js';
import type { DeliveryResult, InboundMessage, TransactionRequestOutbox } from '../core/outbox.js';
import { newMessageId } from '../core/status.js';
import type { Dialect, ParticipantDirectory } from '../directory/participants.js';
import { acceptFor, mediaTypeFor, reasonIn, tryRender } from './dialects.js';
import type { FspiopNotifier, Resource } from './fspiop.js';
import { errorReport } from './transfer-outbox.js';

type R2pResource = Extract<Resource, 'transactionRequests' | 'authorizations'>;

const ENDPOINT: Record<R2pResource, string> = {
  transactionRequests: 'FSPIOP_CALLBACK_URL_TRX_REQ_SERVICE',
  authorizations: 'FSPIOP_CALLBACK_URL_AUTHORIZATIONS',
};

/** The FSPIOP dialect a participant gets these resources in: ISO 20022 JSON participants get FSPIOP 2.0. */
function fspiopDialectOf(dialect: Dialect): Dialect {
  return dialect === 'iso20022-json/2.0' ? 'fspiop/2.0' : dialect;
}

/** A sender that used the ISO media type for an FSPIOP body: the same version under the plain FSPIOP media type. */
function plainMediaType(headers: IncomingHttpHeaders): { contentType: string; accept: string } | undefined {
  const contentType = headers['content-type'];
  if (typeof contentType !== 'string' || !contentType.includes('.iso20022.')) return undefined;
  const plain = contentType.replace('.iso20022.', '.');
  const accept = typeof headers.accept === 'string' ? headers.accept.replace(/\.iso20022\./g, '.') : plain.replace(/;\s?version=(\d+)\.\d+$/, ';version=$1');
  return { contentType: plain, accept };
}

/** The canonical error report of a transaction request: pain.014 rejecting it, with the reason. */
export function requestErrorReport(id: string, reason: StatusReason): Pain014 {
  const StsRsnInf: StatusReason = { Rsn: { ...reason.Rsn } };
  if (reason.AddtlInf !== undefined) StsRsnInf.AddtlInf = reason.AddtlInf;
  if (reason.extensions?.length) StsRsnInf.extensions = reason.extensions;
  return {
    GrpHdr: { MsgId: newMessageId(), CreDtTm: new Date().toISOString() },
    TxInfAndSts: { OrgnlInstrId: id, TxSts: REQUEST_STATUS.REJECTED, StsRsnInf },
  };
}

export class DialectTransactionRequestOutbox implements TransactionRequestOutbox {
  constructor(
    private readonly directory: ParticipantDirectory,
    private readonly notifier: FspiopNotifier,
    private readonly callbackVersion: string,
    private readonly xml?: XmlChannel,
  ) {}

  forwardTransactionRequest(to: string, message: Pain013, inbound: InboundMessage): Promise<DeliveryResult> {
    if (this.isBank(to)) return this.toBank(to, { kind: 'pain.013', message });
    if (this.forwardable(to, inbound)) return this.forward(to, 'transactionRequests', 'POST', '/transactionRequests', inbound);
    return this.author(to, 'transactionRequests', 'POST', '/transactionRequests', () => transactionRequestFromCanonical(message));
  }

  forwardTransactionRequestGet(to: string, id: string, inbound: InboundMessage): Promise<DeliveryResult> {
    if (!this.reachable(to)) return Promise.resolve({ ok: false, noEndpoint: true });
    return this.forward(to, 'transactionRequests', 'GET', `/transactionRequests/${encodeURIComponent(id)}`, inbound);
  }

  forwardTransactionRequestAnswer(to: string, id: string, report: Pain014, inbound: InboundMessage, requestMessageId?: string): Promise<DeliveryResult> {
    if (this.isBank(to)) return this.toBank(to, { kind: 'pain.014', message: report, context: this.requestContext(to, id, requestMessageId) });
    const path = `/transactionRequests/${encodeURIComponent(id)}${isRequestError(report) ? '/error' : ''}`;
    if (this.forwardable(to, inbound)) return this.forward(to, 'transactionRequests', 'PUT', path, inbound);
    return this.author(to, 'transactionRequests', 'PUT', path, () =>
      isRequestError(report) ? transactionRequestErrorFromCanonical(report) : transactionRequestAnswerFromCanonical(report),
    );
  }

  transactionRequestError(to: string, id: string, reason: Reason, requestMessageId?: string): Promise<DeliveryResult> {
    const report = requestErrorReport(id, reasonIn(fspiopDialectOf(this.directory.dialectOf(to)), reason));
    if (this.isBank(to)) return this.toBank(to, { kind: 'pain.014', message: report, context: this.requestContext(to, id, requestMessageId) });
    return this.author(to, 'transactionRequests', 'PUT', `/transactionRequests/${encodeURIComponent(id)}/error`, () =>
      transactionRequestErrorFromCanonical(report),
    );
  }

  forwardAuthorizationRequest(to: string, request: AuthorizationRequest, inbound: InboundMessage): Promise<DeliveryResult> {
    if (!this.reachable(to)) return Promise.resolve({ ok: false, noEndpoint: true });
    const rendered = tryRender(() => authorizationQueryFromCanonical(request));
    if (!rendered.ok) return Promise.resolve({ ok: false, refused: rendered.refused });
    const path = `/authorizations/${encodeURIComponent(request.transactionRequestId)}?${rendered.value}`;
    return this.forward(to, 'authorizations', 'GET', path, inbound);
  }

  forwardAuthorizationAnswer(
    to: string,
    id: string,
    answer: { response?: AuthorizationResponse; error?: Pacs002 },
    inbound: InboundMessage,
  ): Promise<DeliveryResult> {
    const path = `/authorizations/${encodeURIComponent(id)}${answer.error ? '/error' : ''}`;
    if (this.forwardable(to, inbound)) return this.forward(to, 'authorizations', 'PUT', path, inbound);
    return this.author(to, 'authorizations', 'PUT', path, () =>
      answer.error ? errorFromCanonical(answer.error) : authorizationResponseFromCanonical(answer.response!),
    );
  }

  authorizationError(to: string, id: string, reason: Reason): Promise<DeliveryResult> {
    const report: Pacs002 = errorReport(id, reasonIn(fspiopDialectOf(this.directory.dialectOf(to)), reason));
    return this.author(to, 'authorizations', 'PUT', `/authorizations/${encodeURIComponent(id)}/error`, () => errorFromCanonical(report));
  }

  private isBank(to: string): boolean {
    return this.directory.dialectOf(to) === 'iso20022-xml';
  }

  /** Banks take requests (pain.013) and their answers (pain.014): no status question, no authorisation (docs/r2p.md). */
  private reachable(to: string): boolean {
    return !this.isBank(to);
  }

  private async toBank(to: string, message: Parameters<XmlChannel['send']>[1]): Promise<DeliveryResult> {
    if (!this.xml) return { ok: false, noEndpoint: true };
    return this.xml.send(to, message);
  }

  /** The request a pain.014 answers: its message id as its sender named it, in the bank's pain.013 version. */
  private requestContext(to: string, id: string, requestMessageId: string | undefined): Pain014Context {
    const version = XML_PROFILES[this.directory.xmlProfileOf(to)]['pain.013'];
    return { OrgnlMsgId: requestMessageId ?? ([...id].length <= 35 ? id : 'NOTPROVIDED'), OrgnlMsgNmId: version };
  }

  /** Both sides speak FSPIOP bodies for these resources (FSPIOP and ISO 20022 JSON participants): the bytes go on. */
  private forwardable(to: string, inbound: InboundMessage): boolean {
    return inbound.dialect !== 'iso20022-xml' && this.reachable(to);
  }

  private forward(to: string, resource: R2pResource, method: 'POST' | 'PUT' | 'GET', path: string, inbound: InboundMessage): Promise<DeliveryResult> {
    return this.notifier.forward({
      to,
      endpointType: ENDPOINT[resource],
      vars: {},
      path,
      method,
      headers: inbound.headers,
      ...(method === 'GET' ? {} : { body: inbound.raw }),
      mediaType: plainMediaType(inbound.headers),
    });
  }

  /** A message the hub authors, rendered in FSPIOP for the receiver. */
  private async author(to: string, resource: R2pResource, method: 'POST' | 'PUT', path: string, render: () => unknown): Promise<DeliveryResult> {
    if (!this.reachable(to)) return { ok: false, noEndpoint: true };
    const rendered = tryRender(render);
    if (!rendered.ok) return { ok: false, refused: rendered.refused };
    const dialect = fspiopDialectOf(this.directory.dialectOf(to));
    return this.notifier.hubMessage({
      to,
      endpointType: ENDPOINT[resource],
      vars: {},
      path,
      method,
      resource,
      uri: path,
      body: rendered.value,
      contentType: mediaTypeFor(dialect, resource, this.callbackVersion),
      accept: acceptFor(dialect, resource, this.callbackVersion),
    });
  }
}
