/**
 * FX agreement messages in the receiver's dialect (docs/fx.md "Agreement: fxQuotes and FXP discovery"). FX resources
 * exist in FSPIOP v2.0 only: a participant of the FSPIOP family gets them as FSPIOP 2.0 whatever version it is
 * registered with, an ISO 20022 JSON participant as pacs.091 / pacs.092 / pacs.002. Within a family a participant's
 * message is forwarded byte for byte (its signature intact); across families the hub renders the canonical message
 * and authors it. Banks (ISO 20022 XML) take no part in FX agreement here: they have no such endpoint.
 * FXP discovery answers (PUT /services/FXP...) keep the FSPIOP body `{providers}` in both dialects, as the account
 * lookup's answers do (iso20022-mapping.md §1), under the receiver's media type.
 */
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { FxQuoteRequest, FxQuoteResponse } from '../../schemas/iso/fx-quotes.js';
import { DomainError, type Reason } from '../../schemas/outcomes.js';
import { fxQuoteRequestFromCanonical, fxQuoteResponseFromCanonical } from '../../translators/fspiop/fx-quotes.js';
import { errorFromCanonical } from '../../translators/fspiop/transfers.js';
import { fspiopErrorInformationOf } from '../../translators/fspiop/outcomes.js';
import { isoFxQuoteRequestFromCanonical, isoFxQuoteResponseFromCanonical } from '../../translators/isojson/fx-quotes.js';
import { isoStatusFromCanonical } from '../../translators/isojson/transfers.js';
import type { DeliveryResult, FxpQuery, FxQuoteOutbox, InboundMessage } from '../core/outbox.js';
import { newMessageId } from '../core/status.js';
import type { Dialect, ParticipantDirectory } from '../directory/participants.js';
import { familyOf, reasonIn, tryRender } from './dialects.js';
import type { FspiopNotifier } from './fspiop.js';
import { errorReportFor } from './transfer-outbox.js';

const ENDPOINT = 'FSPIOP_CALLBACK_URL_FX_QUOTES';
const RENDER = { newMsgId: newMessageId };

/** Content-Type of an FX message for a participant speaking `dialect`: always version 2.0. */
function fxMediaType(dialect: Dialect, resource: 'fxQuotes' | 'services'): string {
  const iso = familyOf(dialect) === 'iso20022-json' ? 'iso20022.' : '';
  return `application/vnd.interoperability.${iso}${resource}+json;version=2.0`;
}

function fxAccept(dialect: Dialect, resource: 'fxQuotes' | 'services'): string {
  return fxMediaType(dialect, resource).replace(/;version=2\.0$/, ';version=2');
}

/** PUT /services/FXP[/{S}/{T}] (FSPIOP-URI and the path under the requester's endpoint). */
function servicesPath(query: FxpQuery, suffix = ''): string {
  const pair = query.sourceCurrency !== undefined ? `/${query.sourceCurrency}/${query.targetCurrency}` : '';
  return `/services/FXP${pair}${suffix}`;
}

export class DialectFxQuoteOutbox implements FxQuoteOutbox {
  constructor(
    private readonly directory: ParticipantDirectory,
    private readonly notifier: FspiopNotifier,
  ) {}

  forwardFxQuoteRequest(to: string, conversionRequestId: string, message: FxQuoteRequest, inbound: InboundMessage): Promise<DeliveryResult> {
    if (this.sameFamily(to, inbound)) return this.forward(to, 'POST', '/fxQuotes', inbound, true);
    return this.author(to, conversionRequestId, 'POST', { request: message });
  }

  forwardFxQuoteAnswer(to: string, conversionRequestId: string, answer: { response?: FxQuoteResponse; error?: Pacs002 }, inbound: InboundMessage) {
    if (this.sameFamily(to, inbound)) return this.forward(to, 'PUT', `/fxQuotes/${conversionRequestId}${answer.error ? '/error' : ''}`, inbound, true);
    return this.author(to, conversionRequestId, 'PUT', answer);
  }

  forwardFxQuoteGet(to: string, conversionRequestId: string, inbound: InboundMessage): Promise<DeliveryResult> {
    const dialect = this.directory.dialectOf(to);
    if (dialect === 'iso20022-xml') return Promise.resolve({ ok: false, noEndpoint: true });
    const cross = familyOf(dialect) !== inbound.dialect;
    return this.notifier.forward({
      to,
      endpointType: ENDPOINT,
      vars: {},
      path: `/fxQuotes/${conversionRequestId}`,
      method: 'GET',
      headers: inbound.headers,
      ...(cross ? { mediaType: { contentType: fxMediaType(dialect, 'fxQuotes'), accept: fxAccept(dialect, 'fxQuotes') } } : {}),
    });
  }

  fxQuoteError(to: string, conversionRequestId: string, reason: Reason): Promise<DeliveryResult> {
    return this.author(to, conversionRequestId, 'PUT', { error: errorReportFor(this.directory.dialectOf(to), conversionRequestId, reason) });
  }

  fxpList(to: string, query: FxpQuery, providers: readonly string[]): Promise<DeliveryResult> {
    return this.services(to, servicesPath(query), { providers: [...providers] });
  }

  fxpError(to: string, query: FxpQuery, reason: Reason): Promise<DeliveryResult> {
    return this.services(to, servicesPath(query, '/error'), { errorInformation: fspiopErrorInformationOf(reason) });
  }

  private sameFamily(receiver: string, inbound: InboundMessage): boolean {
    return familyOf(this.directory.dialectOf(receiver)) === inbound.dialect && inbound.dialect !== 'iso20022-xml';
  }

  private forward(to: string, method: 'POST' | 'PUT', path: string, inbound: InboundMessage, withBody: boolean): Promise<DeliveryResult> {
    return this.notifier.forward({ to, endpointType: ENDPOINT, vars: {}, path, method, headers: inbound.headers, ...(withBody ? { body: inbound.raw } : {}) });
  }

  private async author(
    to: string,
    conversionRequestId: string,
    method: 'POST' | 'PUT',
    content: { request?: FxQuoteRequest; response?: FxQuoteResponse; error?: Pacs002 },
  ): Promise<DeliveryResult> {
    const dialect = this.directory.dialectOf(to);
    if (dialect === 'iso20022-xml' && content.request) {
      // docs/fx.md "Banks": no official ISO 20022 message asks an FI for conversion terms.
      const why = `${to} speaks ISO 20022 XML, which has no message for conversion terms (pacs.091/092 are Mojaloop's, not ISO 20022's): a bank cannot be asked for an FX quote`;
      // Worded as FSPIOP and ISO JSON both word it (3201): only they send fxQuotes.
      return { ok: false, refused: reasonIn('fspiop/2.0', new DomainError('DESTINATION_DIALECT_UNSUPPORTED', why)) };
    }
    if (dialect === 'iso20022-xml') return { ok: false, noEndpoint: true };
    const iso = familyOf(dialect) === 'iso20022-json';
    const rendered = tryRender<unknown>(() => {
      if (content.request) return iso ? isoFxQuoteRequestFromCanonical(content.request, RENDER) : fxQuoteRequestFromCanonical(content.request);
      if (content.response) return iso ? isoFxQuoteResponseFromCanonical(content.response, RENDER) : fxQuoteResponseFromCanonical(content.response);
      return iso ? isoStatusFromCanonical(content.error!, RENDER) : errorFromCanonical(content.error!);
    });
    if (!rendered.ok) return { ok: false, refused: rendered.refused };
    const path = content.request ? '/fxQuotes' : `/fxQuotes/${conversionRequestId}${content.error ? '/error' : ''}`;
    return this.notifier.hubMessage({
      to,
      endpointType: ENDPOINT,
      vars: {},
      path,
      method,
      resource: 'fxQuotes',
      uri: path,
      body: rendered.value,
      contentType: fxMediaType(dialect, 'fxQuotes'),
      accept: fxAccept(dialect, 'fxQuotes'),
    });
  }

  /** FXP discovery answers go to the requester's FX quotes endpoint: the FX endpoint every FX participant holds. */
  private services(to: string, path: string, body: unknown): Promise<DeliveryResult> {
    const dialect = this.directory.dialectOf(to);
    if (dialect === 'iso20022-xml') return Promise.resolve({ ok: false, noEndpoint: true });
    return this.notifier.hubMessage({
      to,
      endpointType: ENDPOINT,
      vars: {},
      path,
      method: 'PUT',
      resource: 'services',
      uri: path,
      body,
      contentType: fxMediaType(dialect, 'services'),
    });
  }
}
