/**
 * Discovery (ALS, parties) and agreement (quotes) messages to FSPIOP participants: forwards keep the
 * sender's bytes and headers; the hub's own answers and errors are rendered here.
 */
import type { FspiopError } from '../../schemas/errors.js';
import type { DeliveryResult, DiscoveryOutbox, InboundMessage, PartyPath, QuoteOutbox } from '../core/outbox.js';
import type { FspiopNotifier } from './fspiop.js';

function partyVars(party: PartyPath): Record<string, string> {
  return {
    partyIdType: party.type,
    partyIdentifier: party.id,
    ...(party.subId !== undefined ? { partySubIdOrType: party.subId } : {}),
  };
}

function partyUri(resource: 'parties' | 'participants', party: PartyPath, suffix = ''): string {
  return `/${resource}/${party.type}/${party.id}${party.subId !== undefined ? `/${party.subId}` : ''}${suffix}`;
}

/** FSPIOP_CALLBACK_URL_<kind>[_SUB_ID]_<action>, e.g. PARTIES_SUB_ID_PUT_ERROR. */
function endpointType(kind: 'PARTIES' | 'PARTICIPANT', party: PartyPath, action: 'GET' | 'PUT' | 'PUT_ERROR'): string {
  return `FSPIOP_CALLBACK_URL_${kind}${party.subId !== undefined ? '_SUB_ID' : ''}_${action}`;
}

export class FspiopDiscoveryOutbox implements DiscoveryOutbox {
  constructor(private readonly notifier: FspiopNotifier) {}

  forwardPartiesGet(to: string, party: PartyPath, inbound: InboundMessage): Promise<DeliveryResult> {
    return this.notifier.forward({
      to,
      endpointType: endpointType('PARTIES', party, 'GET'),
      vars: partyVars(party),
      method: 'GET',
      headers: inbound.headers,
    });
  }

  forwardPartiesAnswer(to: string, party: PartyPath, inbound: InboundMessage, isError: boolean): Promise<DeliveryResult> {
    return this.notifier.forward({
      to,
      endpointType: endpointType('PARTIES', party, isError ? 'PUT_ERROR' : 'PUT'),
      vars: partyVars(party),
      method: 'PUT',
      headers: inbound.headers,
      body: inbound.raw,
    });
  }

  partiesError(to: string, party: PartyPath, error: FspiopError): Promise<DeliveryResult> {
    return this.notifier.hubMessage({
      to,
      endpointType: endpointType('PARTIES', party, 'PUT_ERROR'),
      vars: partyVars(party),
      method: 'PUT',
      resource: 'parties',
      uri: partyUri('parties', party, '/error'),
      body: error.toBody(),
    });
  }

  participantsAnswer(to: string, party: PartyPath, body: unknown): Promise<DeliveryResult> {
    return this.notifier.hubMessage({
      to,
      endpointType: endpointType('PARTICIPANT', party, 'PUT'),
      vars: partyVars(party),
      method: 'PUT',
      resource: 'participants',
      uri: partyUri('participants', party),
      body,
    });
  }

  participantsError(to: string, party: PartyPath, error: FspiopError): Promise<DeliveryResult> {
    return this.notifier.hubMessage({
      to,
      endpointType: endpointType('PARTICIPANT', party, 'PUT_ERROR'),
      vars: partyVars(party),
      method: 'PUT',
      resource: 'participants',
      uri: partyUri('participants', party, '/error'),
      body: error.toBody(),
    });
  }

  forwardParticipantsError(to: string, party: PartyPath, inbound: InboundMessage): Promise<DeliveryResult> {
    return this.notifier.forward({
      to,
      endpointType: endpointType('PARTICIPANT', party, 'PUT_ERROR'),
      vars: partyVars(party),
      method: 'PUT',
      headers: inbound.headers,
      body: inbound.raw,
    });
  }

  participantsBatchAnswer(to: string, requestId: string, body: unknown): Promise<DeliveryResult> {
    return this.notifier.hubMessage({
      to,
      endpointType: 'FSPIOP_CALLBACK_URL_PARTICIPANT_BATCH_PUT',
      vars: { requestId },
      method: 'PUT',
      resource: 'participants',
      uri: `/participants/${requestId}`,
      body,
    });
  }

  participantsBatchError(to: string, requestId: string, error: FspiopError): Promise<DeliveryResult> {
    return this.notifier.hubMessage({
      to,
      endpointType: 'FSPIOP_CALLBACK_URL_PARTICIPANT_BATCH_PUT_ERROR',
      vars: { requestId },
      method: 'PUT',
      resource: 'participants',
      uri: `/participants/${requestId}/error`,
      body: error.toBody(),
    });
  }
}

export class FspiopQuoteOutbox implements QuoteOutbox {
  constructor(private readonly notifier: FspiopNotifier) {}

  forwardQuoteRequest(to: string, _quoteId: string, inbound: InboundMessage): Promise<DeliveryResult> {
    return this.notifier.forward({
      to,
      endpointType: 'FSPIOP_CALLBACK_URL_QUOTES',
      vars: {},
      path: '/quotes',
      method: 'POST',
      headers: inbound.headers,
      body: inbound.raw,
    });
  }

  forwardQuoteAnswer(to: string, quoteId: string, inbound: InboundMessage, isError: boolean): Promise<DeliveryResult> {
    return this.notifier.forward({
      to,
      endpointType: 'FSPIOP_CALLBACK_URL_QUOTES',
      vars: {},
      path: `/quotes/${quoteId}${isError ? '/error' : ''}`,
      method: 'PUT',
      headers: inbound.headers,
      body: inbound.raw,
    });
  }

  forwardQuoteGet(to: string, quoteId: string, inbound: InboundMessage): Promise<DeliveryResult> {
    return this.notifier.forward({
      to,
      endpointType: 'FSPIOP_CALLBACK_URL_QUOTES',
      vars: {},
      path: `/quotes/${quoteId}`,
      method: 'GET',
      headers: inbound.headers,
    });
  }

  quoteError(to: string, quoteId: string, error: FspiopError): Promise<DeliveryResult> {
    return this.notifier.hubMessage({
      to,
      endpointType: 'FSPIOP_CALLBACK_URL_QUOTES',
      vars: {},
      path: `/quotes/${quoteId}/error`,
      method: 'PUT',
      resource: 'quotes',
      uri: `/quotes/${quoteId}/error`,
      body: error.toBody(),
    });
  }
}
