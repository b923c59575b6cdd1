/**
 * Account lookup (ALS) and party routing, per docs/discovery.md: the hub answers the
 * `/participants` resource itself from its party directory, and routes `/parties` between the
 * requester and the FSP that holds the party.
 */
import type { Logger } from 'pino';
import { DomainError, isDomainError, type Reason } from '../../../schemas/outcomes.js';
import type { Registry } from '../../../ledger/registry.js';
import { authenticateSender, runLater } from '../identity.js';
import type { BatchPartyResult, DeliveryResult, DiscoveryOutbox, InboundMessage, PartyPath } from '../outbox.js';
import type { PartyDirectory, PartyKey } from './directory.js';
import type { PartyVerificationReport } from '../../../schemas/iso/parties.js';
import type { ProxyRoutes } from '../../directory/proxies.js';
import type { ProxyBroadcasts } from './proxy-broadcast.js';

export interface BatchParty {
  partyIdType: string;
  partyIdentifier: string;
  partySubIdOrType?: string;
  fspId?: string;
}

function keyOf(path: PartyPath): PartyKey {
  return { type: path.type as PartyKey['type'], id: path.id, subId: path.subId };
}

function describePath(path: PartyPath): string {
  return `${path.type} ${path.id}${path.subId ? `/${path.subId}` : ''}`;
}

export class DiscoveryService {
  constructor(
    private readonly registry: Registry,
    private readonly directory: PartyDirectory,
    private readonly outbox: DiscoveryOutbox,
    private readonly log: Logger,
  ) {}

  private proxies?: ProxyRoutes;
  private broadcasts?: ProxyBroadcasts;

  /** Inter-scheme: remote DFSPs reached through their proxy, and lookups no oracle entry answers sent to every proxy. */
  useProxies(proxies: ProxyRoutes, broadcasts: ProxyBroadcasts): void {
    this.proxies = proxies;
    this.broadcasts = broadcasts;
  }

  private later(work: () => Promise<unknown> | unknown): void {
    runLater(this.log, work);
  }

  // ---------------------------------------------------------------- /participants (ALS)

  /** POST /participants/{Type}/{ID}[/{SubId}] {fspId, currency}. */
  async registerParty(path: PartyPath, body: { fspId: string; currency?: string }, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    this.later(async () => {
      if (body.fspId !== inbound.source) {
        return this.outbox.participantsError(
          inbound.source,
          path,
          new DomainError('REGISTRANT_IS_NOT_SOURCE', 'fspId must equal FSPIOP-Source: an FSP registers only its own parties'),
        );
      }
      const outcome = await this.safely(() => this.directory.register(keyOf(path), body.fspId, body.currency, inbound.source));
      if (!outcome.ok) return this.outbox.participantsError(inbound.source, path, outcome.error);
      this.log.info({ party: describePath(path), fspId: body.fspId }, 'party registered');
      const entry = {
        partyIdType: path.type,
        partyIdentifier: path.id,
        ...(path.subId ? { partySubIdOrType: path.subId } : {}),
        fspId: body.fspId,
      };
      return this.outbox.participantsAnswer(inbound.source, path, { partyList: [entry], ...(body.currency ? { currency: body.currency } : {}) });
    });
  }

  /** GET /participants/{Type}/{ID}[/{SubId}][?currency]. */
  async lookupParticipant(path: PartyPath, currency: string | undefined, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    this.later(async () => {
      const entries = await this.safelyEntries(() => this.directory.lookup(keyOf(path), currency, inbound.source));
      if ('error' in entries) return this.outbox.participantsError(inbound.source, path, entries.error);
      if (entries.length === 0) {
        return this.outbox.participantsError(inbound.source, path, new DomainError('PARTY_NOT_FOUND', `${describePath(path)} is not registered`));
      }
      return this.outbox.participantsAnswer(inbound.source, path, { fspId: entries[0]!.fspId });
    });
  }

  /** DELETE /participants/{Type}/{ID}[/{SubId}][?currency]. */
  async removeParty(path: PartyPath, currency: string | undefined, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    this.later(async () => {
      const outcome = await this.safely(() => this.directory.remove(keyOf(path), currency, inbound.source));
      if (!outcome.ok) return this.outbox.participantsError(inbound.source, path, outcome.error);
      this.log.info({ party: describePath(path), fspId: inbound.source }, 'party removed');
      return this.outbox.participantsAnswer(inbound.source, path, { fspId: inbound.source });
    });
  }

  /** POST /participants {requestId, partyList, currency}: each party on its own. */
  async registerBatch(body: { requestId: string; partyList: BatchParty[]; currency?: string }, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    this.later(async () => {
      const results: BatchPartyResult[] = [];
      for (const party of body.partyList) {
        const path: PartyPath = { type: party.partyIdType, id: party.partyIdentifier, subId: party.partySubIdOrType };
        let error: DomainError | undefined;
        if (party.fspId !== undefined && party.fspId !== inbound.source) {
          error = new DomainError('REGISTRANT_IS_NOT_SOURCE', 'fspId must equal FSPIOP-Source');
        } else {
          const outcome = await this.safely(() => this.directory.register(keyOf(path), inbound.source, body.currency, inbound.source));
          if (!outcome.ok) error = outcome.error;
        }
        const partyId = { ...party, fspId: party.fspId ?? inbound.source };
        results.push(error ? { partyId, error } : { partyId });
      }
      return this.outbox.participantsBatchAnswer(inbound.source, body.requestId, {
        partyList: results,
        ...(body.currency ? { currency: body.currency } : {}),
      });
    });
  }

  /** PUT /participants/{Type}/{ID}[/{SubId}]/error: a DFSP's error, on to the destination. */
  async forwardParticipantsError(path: PartyPath, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const to = this.requireDestination(inbound);
    this.later(async () => {
      const sent = await this.outbox.forwardParticipantsError(to, path, inbound);
      if (sent.noEndpoint) {
        await this.outbox.participantsError(inbound.source, path, new DomainError('DESTINATION_NO_ENDPOINT', `${to} has no participants callback endpoint`));
      }
    });
  }

  // ---------------------------------------------------------------- /parties

  /** GET /parties/{Type}/{ID}[/{SubId}]: to the destination, or to every FSP the oracle names. */
  async lookupParty(path: PartyPath, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound);
    this.later(async () => {
      let holders: string[];
      if (inbound.destination) {
        holders = [inbound.destination];
      } else {
        const entries = await this.safelyEntries(() => this.directory.lookup(keyOf(path), undefined, inbound.source));
        if ('error' in entries) return this.outbox.partiesError(inbound.source, path, entries.error);
        holders = [...new Set(entries.map((e) => e.fspId))];
        if (holders.length === 0) return this.notFoundHere(path, inbound);
      }
      await Promise.all(holders.map((holder) => this.proxies?.resolve(holder)));
      await Promise.all(
        holders.map(async (holder) => {
          const refusal = this.destinationRefusal(holder);
          if (refusal) return this.outbox.partiesError(inbound.source, path, refusal);
          const sent = await this.outbox.forwardPartiesGet(holder, path, inbound);
          const failure = deliveryError(holder, sent);
          if (failure) await this.outbox.partiesError(inbound.source, path, failure);
        }),
      );
    });
  }

  /** PUT /parties/... (or /error): the holder's answer, on to the requester. */
  async forwardPartyAnswer(path: PartyPath, report: PartyVerificationReport, inbound: InboundMessage, isError: boolean): Promise<void> {
    authenticateSender(this.registry, inbound);
    const to = this.requireDestination(inbound);
    this.later(async () => {
      if (inbound.proxy !== undefined && !(await this.broadcastAnswer(path, inbound, to, isError))) return;
      if (inbound.proxy !== undefined && !isError) await this.learnHolder(report, inbound.proxy);
      await this.proxies?.resolve(to);
      const refusal = this.destinationRefusal(to);
      if (refusal) return this.outbox.partiesError(inbound.source, path, refusal);
      const sent = await this.outbox.forwardPartiesAnswer(to, path, report, inbound, isError);
      if (sent.refused) {
        await this.outbox.partiesError(inbound.source, path, sent.refused);
      } else if (sent.noEndpoint) {
        await this.outbox.partiesError(inbound.source, path, new DomainError('DESTINATION_NO_ENDPOINT', `${to} has no parties callback endpoint`));
      }
    });
  }

  // ---------------------------------------------------------------- across schemes (docs/interscheme.md)

  /** No oracle entry: every active proxy but the one the request came from is asked; none → 3204 as before. */
  private async notFoundHere(path: PartyPath, inbound: InboundMessage): Promise<unknown> {
    const proxies = (this.proxies?.activeProxies() ?? []).map((p) => p.name).filter((name) => name !== inbound.proxy);
    if (proxies.length === 0 || !this.broadcasts) return this.outbox.partiesError(inbound.source, path, new DomainError('PARTY_NOT_FOUND'));
    const broadcasts = this.broadcasts;
    const startedAt = await broadcasts.open(inbound.source, path, proxies);
    if (!startedAt) {
      this.log.info({ party: describePath(path), requester: inbound.source }, 'party lookup already broadcast to the proxies: not sent again');
      return undefined;
    }
    this.log.info({ party: describePath(path), requester: inbound.source, proxies }, 'party not found here: lookup broadcast to the proxies');
    const timer = setTimeout(() => this.later(() => this.broadcastTimedOut(path, inbound.source, startedAt)), broadcasts.timeoutMs);
    timer.unref();
    await Promise.all(
      proxies.map(async (proxy) => {
        const sent = await this.outbox.broadcastPartiesGet(proxy, path, inbound);
        if (sent.ok) return;
        this.log.warn({ party: describePath(path), proxy, status: sent.status }, 'party lookup not delivered to a proxy');
        if ((await broadcasts.failed(inbound.source, path, proxy)) === 'all-failed') await this.noProxyAnswered(path, inbound.source, 'every proxy failed');
      }),
    );
    return undefined;
  }

  private async broadcastTimedOut(path: PartyPath, requester: string, startedAt: string): Promise<void> {
    if (await this.broadcasts!.timedOut(requester, path, startedAt)) {
      await this.noProxyAnswered(path, requester, `no proxy answered within ${this.broadcasts!.timeoutMs} ms`);
    }
  }

  private noProxyAnswered(path: PartyPath, requester: string, why: string): Promise<unknown> {
    this.log.info({ party: describePath(path), requester, why }, 'party lookup across schemes found nobody');
    return this.outbox.partiesError(requester, path, new DomainError('PARTY_NOT_FOUND', `not found in this scheme, and ${why}`));
  }

  /** A proxy's answer to a lookup: true to forward it (the first answer of a broadcast, or no broadcast's answer). */
  private async broadcastAnswer(path: PartyPath, inbound: InboundMessage, requester: string, isError: boolean): Promise<boolean> {
    if (!this.broadcasts) return true;
    const proxy = inbound.proxy!;
    const verdict = isError ? await this.broadcasts.failed(requester, path, proxy) : await this.broadcasts.answered(requester, path, proxy);
    if (verdict === 'unrelated' || verdict === 'first') return true;
    if (verdict === 'all-failed') await this.noProxyAnswered(path, requester, 'every proxy answered with an error');
    else this.log.info({ party: describePath(path), requester, proxy, verdict }, 'answer of a proxy to a broadcast lookup not forwarded');
    return false;
  }

  /**
   * The party another scheme found is held by a DFSP there (its `fspId`), which may not be the answer's source (that
   * scheme's hub answers for its banks): that DFSP is reachable via the proxy the answer came through.
   */
  private async learnHolder(report: PartyVerificationReport, proxyName: string): Promise<void> {
    const holder = report.Rpt.UpdtdPtyAndAcctId?.Agt?.FinInstnId?.Othr?.Id;
    const proxy = this.registry.participant(proxyName);
    if (holder && proxy && this.proxies) await this.proxies.learn(holder, proxy);
  }

  // ---------------------------------------------------------------- helpers

  private requireDestination(inbound: InboundMessage): string {
    if (!inbound.destination) throw new DomainError('DESTINATION_MISSING', 'FSPIOP-Destination is required');
    return inbound.destination;
  }

  private destinationRefusal(name: string): DomainError | undefined {
    const participant = this.registry.participant(name) ?? this.proxies?.proxyOf(name);
    if (!participant || participant.isHub) return new DomainError('DESTINATION_UNKNOWN', `${name} is not a participant`);
    if (!participant.isActive) return new DomainError('DESTINATION_INACTIVE', `${name} is inactive`);
    return undefined;
  }

  private async safely<T extends { ok: boolean }>(work: () => Promise<T>): Promise<T | { ok: false; error: DomainError }> {
    try {
      return await work();
    } catch (err) {
      return { ok: false, error: asDomainError(err, this.log) };
    }
  }

  private async safelyEntries<T>(work: () => Promise<T[]>): Promise<T[] | { error: DomainError }> {
    try {
      return await work();
    } catch (err) {
      return { error: asDomainError(err, this.log) };
    }
  }
}

/** An outcome thrown by the work is told as it is; anything else is logged and told as an unexpected failure. */
export function asDomainError(err: unknown, log: Logger): DomainError {
  if (isDomainError(err)) return err;
  log.error({ err }, 'unexpected failure');
  return new DomainError('UNEXPECTED_FAILURE');
}

/** What a requester is told when its message could not be delivered on (contract §13). */
export function deliveryError(to: string, sent: DeliveryResult): Reason | undefined {
  if (sent.ok) return undefined;
  if (sent.refused) return sent.refused;
  if (sent.noEndpoint) return new DomainError('DESTINATION_NO_ENDPOINT', `${to} has no callback endpoint for this request`);
  if (sent.status !== undefined && sent.status >= 400 && sent.status < 500) {
    return new DomainError('DESTINATION_REFUSED', `${to} refused the request with HTTP ${sent.status}`);
  }
  return new DomainError('DESTINATION_UNREACHABLE', `${to} could not be reached`);
}
