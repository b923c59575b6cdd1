/**
 * The one translation on the way in: a JSON body in the sender's dialect (FSPIOP or Mojaloop's
 * ISO 20022 JSON) to the canonical ISO 20022 object. What a translator cannot take is refused with
 * its TranslationError (an FSPIOP 3100 naming the field).
 */
import type { BulkPacs002, BulkPacs008 } from '../../schemas/iso/bulk-transfers.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import type { PartyVerificationReport } from '../../schemas/iso/parties.js';
import type { QuoteRequest, QuoteResponse } from '../../schemas/iso/quotes.js';
import {
  bulkPrepareToCanonical,
  bulkStatusToCanonical,
  type FspiopBulkTransferPrepare,
  type FspiopBulkTransferStatus,
} from '../../translators/fspiop/bulk-transfers.js';
import { partiesErrorToCanonical, partiesPutToCanonical, type FspiopPartiesPut } from '../../translators/fspiop/parties.js';
import { quoteRequestToCanonical, quoteResponseToCanonical, type FspiopQuoteRequest, type FspiopQuoteResponse } from '../../translators/fspiop/quotes.js';
import {
  errorToCanonical,
  prepareToCanonical,
  statusToCanonical,
  type FspiopErrorBody,
  type FspiopTransferFulfil,
  type FspiopTransferPrepare,
} from '../../translators/fspiop/transfers.js';
import { isoPartyReportToCanonical, type IsoAcmt024 } from '../../translators/isojson/parties.js';
import { isoQuoteRequestToCanonical, isoQuoteResponseToCanonical, type IsoTermsMessage } from '../../translators/isojson/quotes.js';
import { isoStatusToCanonical, isoTransferToCanonical, type IsoPacs002, type IsoPacs008 } from '../../translators/isojson/transfers.js';
import type { InboundMessage, PartyPath } from '../core/outbox.js';
import { traced } from '../observability/tracing.js';

const iso = (inbound: InboundMessage) => inbound.dialect === 'iso20022-json';

/** A translation in a span of its own when tracing is on (docs/tracing.md). */
function translated<T>(message: string, inbound: InboundMessage, translate: () => T): T {
  return traced('translate to canonical', { 'mizani.dialect': inbound.dialect, 'mizani.message': message }, translate);
}

export function transferPrepareOf(inbound: InboundMessage, body: unknown): Pacs008 {
  return translated('pacs.008', inbound, () =>
    iso(inbound) ? isoTransferToCanonical(body as IsoPacs008) : prepareToCanonical(body as FspiopTransferPrepare, inbound.receivedAt),
  );
}

export function transferStatusOf(transferId: string, inbound: InboundMessage, body: unknown): Pacs002 {
  return translated('pacs.002', inbound, () =>
    iso(inbound) ? isoStatusToCanonical(transferId, body as IsoPacs002) : statusToCanonical(transferId, body as FspiopTransferFulfil, inbound.receivedAt),
  );
}

/** PUT /transfers/{ID}/error and PUT /quotes/{ID}/error: both are a pacs.002 with a status reason. */
export function errorReportOf(id: string, inbound: InboundMessage, body: unknown): Pacs002 {
  return translated('pacs.002', inbound, () =>
    iso(inbound) ? isoStatusToCanonical(id, body as IsoPacs002) : errorToCanonical(id, body as FspiopErrorBody, inbound.receivedAt),
  );
}

export function quoteRequestOf(inbound: InboundMessage, body: unknown): QuoteRequest {
  return iso(inbound)
    ? isoQuoteRequestToCanonical(body as IsoTermsMessage)
    : quoteRequestToCanonical(body as FspiopQuoteRequest, inbound.source, inbound.destination ?? '', inbound.receivedAt);
}

export function quoteResponseOf(quoteId: string, inbound: InboundMessage, body: unknown): QuoteResponse {
  return iso(inbound)
    ? isoQuoteResponseToCanonical(quoteId, body as IsoTermsMessage)
    : quoteResponseToCanonical(quoteId, body as FspiopQuoteResponse, inbound.receivedAt, { payer: inbound.destination, payee: inbound.source });
}

export function partyReportOf(path: PartyPath, inbound: InboundMessage, body: unknown, isError: boolean): PartyVerificationReport {
  const pathId = { Type: path.type, ID: path.id, ...(path.subId !== undefined ? { SubId: path.subId } : {}) };
  if (iso(inbound)) return isoPartyReportToCanonical(pathId, body as IsoAcmt024);
  const headers = { source: inbound.source, ...(inbound.destination ? { destination: inbound.destination } : {}) };
  return isError
    ? partiesErrorToCanonical(pathId, body as FspiopErrorBody, headers, inbound.receivedAt)
    : partiesPutToCanonical(pathId, body as FspiopPartiesPut, headers, inbound.receivedAt);
}

// Bulk transfers have no Mojaloop ISO 20022 JSON definition (contract iso20022-mapping.md §1): whatever media type a
// participant labels them with, their bodies are FSPIOP's.

export function bulkPrepareOf(inbound: InboundMessage, body: unknown): BulkPacs008 {
  return bulkPrepareToCanonical(body as FspiopBulkTransferPrepare, inbound.receivedAt);
}

export function bulkStatusOf(bulkTransferId: string, inbound: InboundMessage, body: unknown): BulkPacs002 {
  return bulkStatusToCanonical(bulkTransferId, body as FspiopBulkTransferStatus, inbound.receivedAt);
}

/** PUT /bulkTransfers/{ID}/error: a pacs.002 with a status reason, as a transfer's error. */
export function bulkErrorOf(bulkTransferId: string, inbound: InboundMessage, body: unknown): Pacs002 {
  return errorToCanonical(bulkTransferId, body as FspiopErrorBody, inbound.receivedAt);
}
