/**
 * Bulk quote messages (docs/bulk.md). No ISO 20022 form of them exists, so every participant taking part gets FSPIOP
 * bodies: a participant's message is forwarded byte for byte, signature intact, to any other (an ISO 20022 JSON
 * participant included, with the plain FSPIOP media type: iso20022-mapping.md §1); what the hub authors (its errors,
 * the terms it issues for a bank payee) is rendered in FSPIOP, version 2.0 for FSPIOP 2.0 and ISO JSON participants,
 * the configured callback version for FSPIOP 1.1 ones. Banks never receive bulk quotes: the hub answers for them.
 */
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { BulkQuoteRequest, BulkQuoteResponse } from '../../schemas/iso/bulk-quotes.js';
import type { Reason } from '../../schemas/outcomes.js';
import { bulkQuoteResponseFromCanonical } from '../../translators/fspiop/bulk-quotes.js';
import { errorFromCanonical } from '../../translators/fspiop/transfers.js';
import type { BulkQuoteOutbox, DeliveryResult, InboundMessage } from '../core/outbox.js';
import type { Dialect, ParticipantDirectory } from '../directory/participants.js';
import { acceptFor, mediaTypeFor, tryRender } from './dialects.js';
import type { FspiopNotifier } from './fspiop.js';
import { errorReportFor } from './transfer-outbox.js';

const ENDPOINT = 'FSPIOP_CALLBACK_URL_BULK_QUOTES';
const RESOURCE = 'bulkQuotes';

/** The dialect whose FSPIOP form a participant gets bulk quote messages in (ISO JSON participants: FSPIOP 2.0). */
function fspiopDialectOf(dialect: Dialect): Dialect {
  return dialect === 'iso20022-json/2.0' ? 'fspiop/2.0' : dialect;
}

/** The plain FSPIOP form of a media type a sender labelled `iso20022.` (its body is FSPIOP all the same). */
function plainMediaType(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value.includes('.iso20022.') ? value.replace('.iso20022.', '.') : undefined;
}

export class DialectBulkQuoteOutbox implements BulkQuoteOutbox {
  constructor(
    private readonly directory: ParticipantDirectory,
    private readonly notifier: FspiopNotifier,
    private readonly callbackVersion: string,
  ) {}

  forwardBulkQuoteRequest(to: string, _bulkQuoteId: string, _message: BulkQuoteRequest, inbound: InboundMessage): Promise<DeliveryResult> {
    return this.forward(to, 'POST', '/bulkQuotes', inbound, true);
  }

  forwardBulkQuoteAnswer(to: string, bulkQuoteId: string, answer: { response?: BulkQuoteResponse; error?: Pacs002 }, inbound: InboundMessage) {
    return this.forward(to, 'PUT', `/bulkQuotes/${encodeURIComponent(bulkQuoteId)}${answer.error ? '/error' : ''}`, inbound, true);
  }

  forwardBulkQuoteGet(to: string, bulkQuoteId: string, inbound: InboundMessage): Promise<DeliveryResult> {
    return this.forward(to, 'GET', `/bulkQuotes/${encodeURIComponent(bulkQuoteId)}`, inbound, false);
  }

  bulkQuoteAnswer(to: string, bulkQuoteId: string, response: BulkQuoteResponse): Promise<DeliveryResult> {
    const rendered = tryRender(() => bulkQuoteResponseFromCanonical(response));
    if (!rendered.ok) return Promise.resolve({ ok: false, refused: rendered.refused });
    return this.author(to, `/bulkQuotes/${encodeURIComponent(bulkQuoteId)}`, rendered.value);
  }

  bulkQuoteError(to: string, bulkQuoteId: string, reason: Reason): Promise<DeliveryResult> {
    const dialect = fspiopDialectOf(this.directory.dialectOf(to));
    return this.author(to, `/bulkQuotes/${encodeURIComponent(bulkQuoteId)}/error`, errorFromCanonical(errorReportFor(dialect, bulkQuoteId, reason)));
  }

  /** A participant's message on, byte for byte; an `iso20022.` label becomes the plain FSPIOP one its body is. */
  private async forward(to: string, method: 'POST' | 'PUT' | 'GET', path: string, inbound: InboundMessage, withBody: boolean): Promise<DeliveryResult> {
    if (this.directory.dialectOf(to) === 'iso20022-xml') return { ok: false, noEndpoint: true };
    const contentType = plainMediaType(inbound.headers['content-type']);
    const accept = plainMediaType(inbound.headers['accept']) ?? (contentType ? acceptFor('fspiop/2.0', RESOURCE, this.callbackVersion) : undefined);
    return this.notifier.forward({
      to,
      endpointType: ENDPOINT,
      vars: {},
      path,
      method,
      headers: inbound.headers,
      ...(withBody ? { body: inbound.raw } : {}),
      ...(contentType ? { mediaType: { contentType, accept: accept! } } : {}),
    });
  }

  private author(to: string, path: string, body: unknown): Promise<DeliveryResult> {
    const dialect = this.directory.dialectOf(to);
    if (dialect === 'iso20022-xml') return Promise.resolve({ ok: true });
    return this.notifier.hubMessage({
      to,
      endpointType: ENDPOINT,
      vars: {},
      path,
      method: 'PUT',
      resource: RESOURCE,
      uri: path,
      body,
      contentType: mediaTypeFor(fspiopDialectOf(dialect), RESOURCE, this.callbackVersion),
    });
  }
}
