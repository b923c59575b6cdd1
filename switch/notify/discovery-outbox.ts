/**
 * Discovery (ALS, parties) and agreement (quotes) messages in the receiver's dialect: forwards keep
 * the sender's bytes and headers within a dialect family; across families the hub renders the
 * canonical message and authors it (docs/iso20022.md).
 */
import type { StatusReason } from '../../schemas/iso/common.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { Reason } from '../../schemas/outcomes.js';
import type { PartyVerificationReport } from '../../schemas/iso/parties.js';
import type { QuoteRequest, QuoteResponse } from '../../schemas/iso/quotes.js';
import type { ParticipantDirectory } from '../directory/participants.js';
import { partiesErrorFromCanonical, partiesPutFromCanonical, partyRequestToCanonical } from '../../translators/fspiop/parties.js';
import { quoteRequestFromCanonical, quoteResponseFromCanonical } from '../../translators/fspiop/quotes.js';
import { errorFromCanonical } from '../../translators/fspiop/transfers.js';
import { fspiopErrorInformationOf } from '../../translators/fspiop/outcomes.js';
import { isoPartyReportFromCanonical } from '../../translators/isojson/parties.js';
import { isoQuoteRequestFromCanonical, isoQuoteResponseFromCanonical } from '../../translators/isojson/quotes.js';
import { isoStatusFromCanonical } from '../../translators/isojson/transfers.js';
import type { BatchPartyResult, DeliveryResult, DiscoveryOutbox, InboundMessage, PartyPath, QuoteOutbox } from '../core/outbox.js';
import { newMessageId } from '../core/status.js';
import type { VerificationIds } from './verification-ids.js';
import { lookupHeadersForBank, sendPartyReportToBank } from './bank-lookups.js';
import { acceptFor, familyOf, mediaTypeFor, reasonIn, tryRender } from './dialects.js';
import type { FspiopNotifier } from './fspiop.js';
import { errorReportFor } from './transfer-outbox.js';
import type { XmlChannel } from './xml-channel.js';

const RENDER = { newMsgId: newMessageId };

function partyVars(party: PartyPath): Record<string, string> {
  return {
    partyIdType: party.type,
    partyIdentifier: party.id,
    ...(party.subId !== undefined ? { partySubIdOrType: party.subId } : {}),
  };
}

/** FSPIOP-URI of a party resource: identifiers percent-encoded, as on the request line. */
function partyUri(resource: 'parties' | 'participants', party: PartyPath, suffix = ''): string {
  const sub = party.subId !== undefined ? `/${encodeURIComponent(party.subId)}` : '';
  return `/${resource}/${party.type}/${encodeURIComponent(party.id)}${sub}${suffix}`;
}

/** FSPIOP_CALLBACK_URL_<kind>[_SUB_ID]_<action>, e.g. PARTIES_SUB_ID_PUT_ERROR. */
function endpointType(kind: 'PARTIES' | 'PARTICIPANT', party: PartyPath, action: 'GET' | 'PUT' | 'PUT_ERROR'): string {
  return `FSPIOP_CALLBACK_URL_${kind}${party.subId !== undefined ? '_SUB_ID' : ''}_${action}`;
}

/** The canonical error form of a party lookup, as the hub reports it. */
function partyErrorReport(party: PartyPath, to: string, hubName: string, reason: StatusReason): PartyVerificationReport {
  const extensions = reason.extensions?.length ? { extensions: reason.extensions } : {};
  return {
    Assgnmt: {
      MsgId: newMessageId(),
      CreDtTm: new Date().toISOString(),
      Assgnr: { FinInstnId: { Othr: { Id: hubName } } },
      Assgne: { FinInstnId: { Othr: { Id: to } } },
    },
    Rpt: {
      OrgnlId: `${party.type}/${party.id}${party.subId !== undefined ? `/${party.subId}` : ''}`,
      Vrfctn: false,
      Rsn: { Cd: reason.Rsn.Prtry ?? reason.Rsn.Cd },
    },
    SplmtryData: { error: { AddtlInf: reason.AddtlInf, ...extensions } },
  };
}

export class DialectDiscoveryOutbox implements DiscoveryOutbox {
  constructor(
    private readonly directory: ParticipantDirectory,
    private readonly notifier: FspiopNotifier,
    private readonly callbackVersion: string,
    private readonly hubName: string,
    private readonly xml?: XmlChannel,
    private readonly verificationIds?: VerificationIds,
  ) {}

  async forwardPartiesGet(to: string, party: PartyPath, inbound: InboundMessage): Promise<DeliveryResult> {
    const dialect = this.directory.dialectOf(to);
    if (dialect === 'iso20022-xml') {
      if (!this.xml || !this.verificationIds) return { ok: false, noEndpoint: true };
      const request = partyRequestToCanonical(
        { Type: party.type, ID: party.id, ...(party.subId !== undefined ? { SubId: party.subId } : {}) },
        { source: inbound.source, destination: to },
        inbound.receivedAt,
      );
      // An XML message has its own id (Max35Text); the path the FSPIOP translator puts there may be longer.
      request.Assgnmt.MsgId = newMessageId();
      request.Vrfctn.Id = await this.verificationIds.idFor(party);
      return this.xml.send(to, { kind: 'acmt.023', message: request });
    }
    // A GET has no body: across families only its media type changes, and it stays the requester's.
    const cross = familyOf(dialect) !== inbound.dialect;
    return this.notifier.forward({
      to,
      endpointType: endpointType('PARTIES', party, 'GET'),
      vars: partyVars(party),
      method: 'GET',
      headers: inbound.dialect === 'iso20022-xml' ? lookupHeadersForBank(inbound.source, to, partyUri('parties', party)) : inbound.headers,
      mediaType: cross
        ? { contentType: mediaTypeFor(dialect, 'parties', this.callbackVersion), accept: acceptFor(dialect, 'parties', this.callbackVersion) }
        : undefined,
    });
  }

  broadcastPartiesGet(proxy: string, party: PartyPath, inbound: InboundMessage): Promise<DeliveryResult> {
    const dialect = this.directory.dialectOf(proxy);
    const cross = familyOf(dialect) !== inbound.dialect;
    return this.notifier.forward({
      to: proxy,
      endpointType: endpointType('PARTIES', party, 'GET'),
      vars: partyVars(party),
      method: 'GET',
      headers: inbound.dialect === 'iso20022-xml' ? lookupHeadersForBank(inbound.source, proxy, partyUri('parties', party)) : inbound.headers,
      mediaType: cross
        ? { contentType: mediaTypeFor(dialect, 'parties', this.callbackVersion), accept: acceptFor(dialect, 'parties', this.callbackVersion) }
        : undefined,
      broadcast: true,
    });
  }

  forwardPartiesAnswer(to: string, party: PartyPath, report: PartyVerificationReport, inbound: InboundMessage, isError: boolean): Promise<DeliveryResult> {
    if (familyOf(this.directory.dialectOf(to)) === inbound.dialect && inbound.dialect !== 'iso20022-xml') {
      return this.notifier.forward({
        to,
        endpointType: endpointType('PARTIES', party, isError ? 'PUT_ERROR' : 'PUT'),
        vars: partyVars(party),
        method: 'PUT',
        headers: inbound.headers,
        body: inbound.raw,
      });
    }
    return this.partyReport(to, party, report);
  }

  partiesError(to: string, party: PartyPath, reason: Reason): Promise<DeliveryResult> {
    return this.partyReport(to, party, partyErrorReport(party, to, this.hubName, reasonIn(this.directory.dialectOf(to), reason)));
  }

  /** A party report the hub authors in the receiver's dialect. */
  private async partyReport(to: string, party: PartyPath, report: PartyVerificationReport): Promise<DeliveryResult> {
    const dialect = this.directory.dialectOf(to);
    if (dialect === 'iso20022-xml') {
      if (!this.xml) return { ok: false, noEndpoint: true };
      return sendPartyReportToBank(this.xml, this.verificationIds, to, party, report);
    }
    const isError = !report.Rpt.Vrfctn;
    const rendered = tryRender<unknown>(() =>
      dialect === 'iso20022-json/2.0'
        ? isoPartyReportFromCanonical(report, RENDER)
        : isError
          ? partiesErrorFromCanonical(report)
          : partiesPutFromCanonical(report),
    );
    if (!rendered.ok) return { ok: false, refused: rendered.refused };
    return this.notifier.hubMessage({
      to,
      endpointType: endpointType('PARTIES', party, isError ? 'PUT_ERROR' : 'PUT'),
      vars: partyVars(party),
      method: 'PUT',
      resource: 'parties',
      uri: partyUri('parties', party, isError ? '/error' : ''),
      body: rendered.value,
      contentType: mediaTypeFor(dialect, 'parties', this.callbackVersion),
    });
  }

  // ALS answers keep FSPIOP bodies in every dialect (iso20022-mapping.md §1); only the media type follows.

  participantsAnswer(to: string, party: PartyPath, body: unknown): Promise<DeliveryResult> {
    return this.notifier.hubMessage({
      to,
      endpointType: endpointType('PARTICIPANT', party, 'PUT'),
      vars: partyVars(party),
      method: 'PUT',
      resource: 'participants',
      uri: partyUri('participants', party),
      body,
      contentType: mediaTypeFor(this.directory.dialectOf(to), 'participants', this.callbackVersion),
    });
  }

  participantsError(to: string, party: PartyPath, reason: Reason): Promise<DeliveryResult> {
    return this.notifier.hubMessage({
      to,
      endpointType: endpointType('PARTICIPANT', party, 'PUT_ERROR'),
      vars: partyVars(party),
      method: 'PUT',
      resource: 'participants',
      uri: partyUri('participants', party, '/error'),
      body: { errorInformation: fspiopErrorInformationOf(reason) },
      contentType: mediaTypeFor(this.directory.dialectOf(to), 'participants', this.callbackVersion),
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

  participantsBatchAnswer(to: string, requestId: string, answer: { partyList: BatchPartyResult[]; currency?: string }): Promise<DeliveryResult> {
    const partyList = answer.partyList.map(({ partyId, error }) => (error ? { partyId, errorInformation: fspiopErrorInformationOf(error) } : { partyId }));
    const body = { partyList, ...(answer.currency ? { currency: answer.currency } : {}) };
    return this.notifier.hubMessage({
      to,
      endpointType: 'FSPIOP_CALLBACK_URL_PARTICIPANT_BATCH_PUT',
      vars: { requestId },
      method: 'PUT',
      resource: 'participants',
      uri: `/participants/${requestId}`,
      body,
      contentType: mediaTypeFor(this.directory.dialectOf(to), 'participants', this.callbackVersion),
    });
  }

  participantsBatchError(to: string, requestId: string, reason: Reason): Promise<DeliveryResult> {
    return this.notifier.hubMessage({
      to,
      endpointType: 'FSPIOP_CALLBACK_URL_PARTICIPANT_BATCH_PUT_ERROR',
      vars: { requestId },
      method: 'PUT',
      resource: 'participants',
      uri: `/participants/${requestId}/error`,
      body: { errorInformation: fspiopErrorInformationOf(reason) },
      contentType: mediaTypeFor(this.directory.dialectOf(to), 'participants', this.callbackVersion),
    });
  }
}

export class DialectQuoteOutbox implements QuoteOutbox {
  constructor(
    private readonly directory: ParticipantDirectory,
    private readonly notifier: FspiopNotifier,
    private readonly callbackVersion: string,
  ) {}

  forwardQuoteRequest(to: string, quoteId: string, message: QuoteRequest, inbound: InboundMessage): Promise<DeliveryResult> {
    if (this.sameFamily(to, inbound)) {
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
    return this.author(to, quoteId, 'POST', { request: message });
  }

  forwardQuoteAnswer(to: string, quoteId: string, answer: { response?: QuoteResponse; error?: Pacs002 }, inbound: InboundMessage): Promise<DeliveryResult> {
    if (this.sameFamily(to, inbound)) {
      return this.notifier.forward({
        to,
        endpointType: 'FSPIOP_CALLBACK_URL_QUOTES',
        vars: {},
        path: `/quotes/${quoteId}${answer.error ? '/error' : ''}`,
        method: 'PUT',
        headers: inbound.headers,
        body: inbound.raw,
      });
    }
    return this.author(to, quoteId, 'PUT', answer);
  }

  forwardQuoteGet(to: string, quoteId: string, inbound: InboundMessage): Promise<DeliveryResult> {
    const dialect = this.directory.dialectOf(to);
    const cross = familyOf(dialect) !== inbound.dialect;
    return this.notifier.forward({
      to,
      endpointType: 'FSPIOP_CALLBACK_URL_QUOTES',
      vars: {},
      path: `/quotes/${quoteId}`,
      method: 'GET',
      headers: inbound.headers,
      mediaType: cross
        ? { contentType: mediaTypeFor(dialect, 'quotes', this.callbackVersion), accept: acceptFor(dialect, 'quotes', this.callbackVersion) }
        : undefined,
    });
  }

  quoteError(to: string, quoteId: string, reason: Reason): Promise<DeliveryResult> {
    return this.author(to, quoteId, 'PUT', { error: errorReportFor(this.directory.dialectOf(to), quoteId, reason) });
  }

  private sameFamily(receiver: string, inbound: InboundMessage): boolean {
    return familyOf(this.directory.dialectOf(receiver)) === inbound.dialect && inbound.dialect !== 'iso20022-xml';
  }

  private async author(
    to: string,
    quoteId: string,
    method: 'POST' | 'PUT',
    content: { request?: QuoteRequest; response?: QuoteResponse; error?: Pacs002 },
  ): Promise<DeliveryResult> {
    const dialect = this.directory.dialectOf(to);
    // Banks never take part in agreement: the hub answers quotes for them (docs/iso20022.md).
    if (dialect === 'iso20022-xml') return { ok: true };
    const iso = dialect === 'iso20022-json/2.0';
    const rendered = tryRender<unknown>(() => {
      if (content.request) return iso ? isoQuoteRequestFromCanonical(content.request, RENDER) : quoteRequestFromCanonical(content.request);
      if (content.response) return iso ? isoQuoteResponseFromCanonical(content.response, RENDER) : quoteResponseFromCanonical(content.response);
      return iso ? isoStatusFromCanonical(content.error!, RENDER) : errorFromCanonical(content.error!);
    });
    if (!rendered.ok) return { ok: false, refused: rendered.refused };
    const path = content.request ? '/quotes' : `/quotes/${quoteId}${content.error ? '/error' : ''}`;
    return this.notifier.hubMessage({
      to,
      endpointType: 'FSPIOP_CALLBACK_URL_QUOTES',
      vars: {},
      path,
      method,
      resource: 'quotes',
      uri: path,
      body: rendered.value,
      contentType: mediaTypeFor(dialect, 'quotes', this.callbackVersion),
      accept: acceptFor(dialect, 'quotes', this.callbackVersion),
    });
  }
}
