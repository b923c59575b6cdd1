/**
 * The FSPIOP edge: HTTP in, headers and body validated, sender identified, the message translated
 * ONCE into canonical ISO 20022, handed to the core, and answered (202/200) only when the core says
 * the outcome is durable.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FspiopError } from '../../schemas/errors.js';
import { hasIsoJsonBodySchema, validateFspiopBody, validateIsoJsonBody, type FspiopVersion } from '../../schemas/fspiop/validators.js';
import {
  bulkErrorOf,
  bulkPrepareOf,
  bulkStatusOf,
  errorReportOf,
  partyReportOf,
  quoteRequestOf,
  quoteResponseOf,
  transferPrepareOf,
  transferStatusOf,
} from './canonical.js';
import type { InboundMessage, PartyPath } from '../core/outbox.js';
import type { DiscoveryService, BatchParty } from '../core/discovery/accounts.js';
import { isPartyIdType, PARTY_ID_TYPES } from '../../schemas/iso/parties.js';
import type { QuoteService } from '../core/agreement/quotes.js';
import type { BulkQuoteService } from '../core/agreement/bulk-quotes.js';
import type { Bus } from '../bus/bus.js';
import { bulkTopics, transferTopics } from '../core/topics.js';
import { bulkPayerOf } from '../../schemas/iso/bulk-transfers.js';
import { payerFspOf } from '../../schemas/iso/pacs008.js';
import { checkFspiopHeaders, type HeaderPolicy, type ParsedHeaders } from './fspiop-headers.js';
import { createServer, type ServerOptions } from '../http/server.js';
import { route } from '../http/route.js';
import { distinctHeaders, parseJsonBody } from './request.js';
import type { EdgeSecurity } from './security.js';
import type { AdmissionControl, NewWork } from './admission.js';
import { bulkQuoteRoutes } from './bulk-quotes.js';
import type { TransactionRequestService } from '../core/agreement/transaction-requests.js';
import { requestToPayRoutes } from './request-to-pay-routes.js';
import { fxTransferRoutes } from './fx-transfer-routes.js';
import { fxQuoteRoutes } from './fx-quotes.js';
import type { FxQuoteService } from '../core/agreement/fx-quotes.js';
import type { FxpDiscovery } from '../core/discovery/fxp.js';
import type { ProxyRoutes } from '../directory/proxies.js';
import { registerProxyHeaderCheck } from './proxy-header.js';

const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$|^[0-9A-HJKMNP-TV-Z]{26}$/;

export interface FspiopEdgeDeps {
  security: EdgeSecurity;
  bus: Bus;
  discovery: DiscoveryService;
  quotes: QuoteService;
  bulkQuotes: BulkQuoteService;
  /** Request to pay: transactionRequests and authorizations (edge/request-to-pay-routes.ts). */
  transactionRequests: TransactionRequestService;
  /** FX agreement and FXP discovery (edge/fx-quotes.ts). */
  fxQuotes: FxQuoteService;
  fxpDiscovery: FxpDiscovery;
  headerPolicy: HeaderPolicy;
  /** Inter-scheme routes: FSPIOP-Proxy checked and learned (edge/proxy-header.ts); bus keys of remote DFSPs. */
  proxies: ProxyRoutes;
  /** Health of what the edge depends on (database reachable, ledger not recovering). */
  health: () => Promise<{ ok: boolean; detail: Record<string, unknown> }>;
}

interface Parsed<T> {
  headers: ParsedHeaders;
  body: T;
  inbound: InboundMessage;
}

function schemaVersion(headers: ParsedHeaders): FspiopVersion {
  return headers.contentVersion && headers.contentVersion.major >= 2 ? '2.0' : '1.1';
}

export function pathId(request: FastifyRequest): string {
  const id = (request.params as { id: string }).id;
  if (!ID_PATTERN.test(id)) throw new FspiopError('3101', `/path/ID must match a UUID or ULID`);
  return id;
}

function partyPath(request: FastifyRequest): PartyPath {
  const params = request.params as { type: string; id: string; subId?: string };
  if (!isPartyIdType(params.type)) {
    throw new FspiopError('3101', `/path/Type must be one of ${PARTY_ID_TYPES.join(', ')}`);
  }
  for (const [name, value] of [
    ['ID', params.id],
    ['SubId', params.subId],
  ] as const) {
    if (value !== undefined && (value.length < 1 || value.length > 128)) {
      throw new FspiopError('3100', `/path/${name} must be 1 to 128 characters`);
    }
    // Control characters have no place in an identifier and could not be stored or forwarded.
    if (value !== undefined && /[\u0000-\u001f\u007f]/.test(value)) {
      throw new FspiopError('3101', `/path/${name} must not contain control characters`);
    }
  }
  return { type: params.type, id: params.id, ...(params.subId !== undefined ? { subId: params.subId } : {}) };
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function queryCurrency(request: FastifyRequest): string | undefined {
  const currency = (request.query as Record<string, unknown>).currency;
  if (currency === undefined) return undefined;
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) throw new FspiopError('3101', '/query/currency must be an ISO 4217 code');
  return currency;
}

/**
 * Header check, dialect gate, JSON decoding and schema validation: everything that needs no state.
 * `route` is the OpenAPI path template of the request.
 */
export function receive<T>(request: FastifyRequest, resource: string, routeTemplate: string, policy: HeaderPolicy, security: EdgeSecurity): Parsed<T> {
  const headers = checkFspiopHeaders(request.method, resource, distinctHeaders(request), policy);
  // ISO 20022 JSON bodies exist for parties, quotes and transfers; participants and the resources without an ISO
  // definition (bulk quotes, bulk transfers, transaction requests, authorizations) keep FSPIOP bodies under the ISO
  // media type (iso20022-mapping.md §1).
  const isoBody = headers.dialect === 'iso20022' && hasIsoJsonBodySchema(request.method, routeTemplate);
  const raw = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
  security.check(request, headers, raw, request.method === 'POST' && resource === 'transfers' ? '3202' : '3200');
  let body: unknown = undefined;
  if (request.method !== 'GET' && request.method !== 'DELETE') {
    body = parseJsonBody(raw);
    const issue = isoBody
      ? validateIsoJsonBody(request.method as 'POST', routeTemplate, body)
      : validateFspiopBody(schemaVersion(headers), request.method as 'POST', routeTemplate, body);
    if (issue) throw new FspiopError(issue.code, issue.detail);
  }
  const version = headers.contentVersion ?? { major: 1, minor: 0 };
  const proxy = request.headers['fspiop-proxy'];
  return {
    headers,
    body: body as T,
    inbound: {
      source: headers.source,
      destination: headers.destination,
      ...(typeof proxy === 'string' ? { proxy } : {}),
      dialect: headers.dialect === 'iso20022' ? 'iso20022-json' : 'fspiop',
      version,
      headers: request.headers,
      raw,
      hash: createHash('sha256').update(raw).digest('base64url'),
      receivedAt: new Date().toISOString(),
    },
  };
}

export type Admit = (work: NewWork, request: FastifyRequest) => void;

export function createFspiopServer(options: ServerOptions & { admission?: AdmissionControl }, deps: FspiopEdgeDeps): FastifyInstance {
  const server = createServer(options);
  // Past capacity, new work is refused before any parsing or signature check (admission.ts); also new work with a
  // participant whose callbacks are at their bound (named by the headers, as they are, before anything is checked).
  const admit: Admit = (work, request) => options.admission?.admit(work, headerValue(request, 'fspiop-source'), headerValue(request, 'fspiop-destination'));

  registerProxyHeaderCheck(server, deps.proxies.registry, deps.security, deps.proxies);
  server.get('/health', async (_request, reply) => {
    const health = await deps.health();
    return reply.code(health.ok ? 200 : 503).send({ status: health.ok ? 'OK' : 'DOWN', ...health.detail });
  });
  transferRoutes(server, deps, admit);
  bulkTransferRoutes(server, deps, admit);
  participantRoutes(server, deps);
  partyRoutes(server, deps, admit);
  quoteRoutes(server, deps, admit);
  bulkQuoteRoutes(server, deps, { admit, receive, pathId });
  requestToPayRoutes(server, deps, admit, { receive, pathId });
  fxTransferRoutes(server, deps, admit, { receive, pathId });
  fxQuoteRoutes(server, deps, { admit, receive, pathId });
  return server;
}

/** Transfers: every command goes on the bus, keyed by the participant whose position it changes (core/topics.ts). */
function transferRoutes(server: FastifyInstance, deps: FspiopEdgeDeps, admit: Admit): void {
  const { bus, headerPolicy } = deps;
  route(server, '/transfers', {
    POST: async (request, reply) => {
      admit('transfer', request);
      const { body, inbound } = receive<unknown>(request, 'transfers', '/transfers', headerPolicy, deps.security);
      const message = transferPrepareOf(inbound, body);
      await bus.request(transferTopics.prepare, positionKey(deps, payerFspOf(message)), { message, inbound });
      return reply.code(202).send();
    },
  });

  route(server, '/transfers/:id', {
    GET: async (request, reply) => {
      const id = pathId(request);
      const { inbound } = receive(request, 'transfers', '/transfers/{ID}', headerPolicy, deps.security);
      await bus.request(transferTopics.get, inbound.source, { transferId: id, inbound });
      return reply.code(202).send();
    },
    PUT: async (request, reply) => {
      const id = pathId(request);
      const { body, inbound } = receive<unknown>(request, 'transfers', '/transfers/{ID}', headerPolicy, deps.security);
      const message = transferStatusOf(id, inbound, body);
      await bus.request(transferTopics.fulfil, payerKey(deps, inbound), { transferId: id, message, inbound });
      return reply.code(200).send();
    },
    PATCH: async () => {
      throw new FspiopError('2002', 'PATCH /transfers/{ID} is sent by the hub only');
    },
  });

  route(server, '/transfers/:id/error', {
    PUT: async (request, reply) => {
      const id = pathId(request);
      const { body, inbound } = receive<unknown>(request, 'transfers', '/transfers/{ID}/error', headerPolicy, deps.security);
      const message = errorReportOf(id, inbound, body);
      await bus.request(transferTopics.reject, payerKey(deps, inbound), { transferId: id, message, inbound });
      return reply.code(200).send();
    },
  });
}

/** Bulk transfers: on the bus like a transfer's commands, keyed by the payer (switch/core/workers/bulk-transfers.ts). */
function bulkTransferRoutes(server: FastifyInstance, deps: FspiopEdgeDeps, admit: Admit): void {
  const { bus, headerPolicy } = deps;
  route(server, '/bulkTransfers', {
    POST: async (request, reply) => {
      admit('transfer', request);
      const { body, inbound } = receive<unknown>(request, 'bulkTransfers', '/bulkTransfers', headerPolicy, deps.security);
      const bulk = bulkPrepareOf(inbound, body);
      await bus.request(bulkTopics.prepare, bulkPayerOf(bulk), { bulk, inbound });
      return reply.code(202).send();
    },
  });

  route(server, '/bulkTransfers/:id', {
    GET: async (request, reply) => {
      const id = pathId(request);
      const { inbound } = receive(request, 'bulkTransfers', '/bulkTransfers/{ID}', headerPolicy, deps.security);
      await bus.request(bulkTopics.get, inbound.source, { bulkTransferId: id, inbound });
      return reply.code(202).send();
    },
    PUT: async (request, reply) => {
      const id = pathId(request);
      const { body, inbound } = receive<unknown>(request, 'bulkTransfers', '/bulkTransfers/{ID}', headerPolicy, deps.security);
      const status = bulkStatusOf(id, inbound, body);
      await bus.request(bulkTopics.fulfil, payerKey(deps, inbound), { bulkTransferId: id, status, inbound });
      return reply.code(200).send();
    },
  });

  route(server, '/bulkTransfers/:id/error', {
    PUT: async (request, reply) => {
      const id = pathId(request);
      const { body, inbound } = receive<unknown>(request, 'bulkTransfers', '/bulkTransfers/{ID}/error', headerPolicy, deps.security);
      const error = bulkErrorOf(id, inbound, body);
      await bus.request(bulkTopics.reject, payerKey(deps, inbound), { bulkTransferId: id, error, inbound });
      return reply.code(200).send();
    },
  });
}

/**
 * A fulfil or an error is finished by the payer's position owner (switch/core/topics.ts): its key is the payer, which
 * FSPIOP-Destination names. Without it, the sender's; the worker sends it on to the payer's owner if that is another.
 */
function payerKey(deps: FspiopEdgeDeps, inbound: InboundMessage): string {
  return positionKey(deps, inbound.destination ?? inbound.source);
}

/** A DFSP of another scheme has no position here: its proxy's position is the one moved, and the key (docs/interscheme.md). */
function positionKey(deps: FspiopEdgeDeps, name: string): string {
  return deps.proxies.proxyOf(name)?.name ?? name;
}

/** Account lookup: the hub answers. */
function participantRoutes(server: FastifyInstance, deps: FspiopEdgeDeps): void {
  const { discovery, headerPolicy } = deps;
  for (const suffix of ['', '/:subId']) {
    const template = `/participants/{Type}/{ID}${suffix ? '/{SubId}' : ''}`;
    const register = async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
      const path = partyPath(request);
      const { body, inbound } = receive<{ fspId: string; currency?: string }>(request, 'participants', template, headerPolicy, deps.security);
      await discovery.registerParty(path, body, inbound);
      return reply.code(request.method === 'PUT' ? 200 : 202).send();
    };
    route(server, `/participants/:type/:id${suffix}`, {
      POST: register,
      PUT: register,
      GET: async (request, reply) => {
        const path = partyPath(request);
        const { inbound } = receive(request, 'participants', template, headerPolicy, deps.security);
        await discovery.lookupParticipant(path, queryCurrency(request), inbound);
        return reply.code(202).send();
      },
      DELETE: async (request, reply) => {
        const path = partyPath(request);
        const { inbound } = receive(request, 'participants', template, headerPolicy, deps.security);
        await discovery.removeParty(path, queryCurrency(request), inbound);
        return reply.code(202).send();
      },
    });
    route(server, `/participants/:type/:id${suffix}/error`, {
      PUT: async (request, reply) => {
        const path = partyPath(request);
        const { inbound } = receive(request, 'participants', `${template}/error`, headerPolicy, deps.security);
        await discovery.forwardParticipantsError(path, inbound);
        return reply.code(200).send();
      },
    });
  }

  route(server, '/participants', {
    POST: async (request, reply) => {
      const { body, inbound } = receive<{ requestId: string; partyList: BatchParty[]; currency?: string }>(
        request,
        'participants',
        '/participants',
        headerPolicy,
        deps.security,
      );
      const bad = body.partyList.find((p) => !isPartyIdType(p.partyIdType));
      if (bad) throw new FspiopError('3101', `/requestBody/partyList partyIdType ${bad.partyIdType} is not a party id type`);
      await discovery.registerBatch(body, inbound);
      return reply.code(202).send();
    },
  });
}

/** Parties: the hub routes lookups to the FSP that holds the party, and its answers back. */
function partyRoutes(server: FastifyInstance, deps: FspiopEdgeDeps, admit: Admit): void {
  const { discovery, headerPolicy } = deps;
  for (const suffix of ['', '/:subId']) {
    const template = `/parties/{Type}/{ID}${suffix ? '/{SubId}' : ''}`;
    route(server, `/parties/:type/:id${suffix}`, {
      GET: async (request, reply) => {
        admit('discovery', request);
        const path = partyPath(request);
        const { inbound } = receive(request, 'parties', template, headerPolicy, deps.security);
        await discovery.lookupParty(path, inbound);
        return reply.code(202).send();
      },
      PUT: async (request, reply) => {
        const path = partyPath(request);
        const { body, inbound } = receive(request, 'parties', template, headerPolicy, deps.security);
        await discovery.forwardPartyAnswer(path, partyReportOf(path, inbound, body, false), inbound, false);
        return reply.code(200).send();
      },
    });
    route(server, `/parties/:type/:id${suffix}/error`, {
      PUT: async (request, reply) => {
        const path = partyPath(request);
        const { body, inbound } = receive(request, 'parties', `${template}/error`, headerPolicy, deps.security);
        await discovery.forwardPartyAnswer(path, partyReportOf(path, inbound, body, true), inbound, true);
        return reply.code(200).send();
      },
    });
  }
}

function quoteRoutes(server: FastifyInstance, deps: FspiopEdgeDeps, admit: Admit): void {
  const { quotes, headerPolicy } = deps;
  route(server, '/quotes', {
    POST: async (request, reply) => {
      admit('agreement', request);
      const { body, inbound } = receive<unknown>(request, 'quotes', '/quotes', headerPolicy, deps.security);
      const message = quoteRequestOf(inbound, body);
      await quotes.request(message, inbound);
      return reply.code(202).send();
    },
  });

  route(server, '/quotes/:id', {
    GET: async (request, reply) => {
      const id = pathId(request);
      const { inbound } = receive(request, 'quotes', '/quotes/{ID}', headerPolicy, deps.security);
      await quotes.get(id, inbound);
      return reply.code(202).send();
    },
    PUT: async (request, reply) => {
      const id = pathId(request);
      const { body, inbound } = receive<unknown>(request, 'quotes', '/quotes/{ID}', headerPolicy, deps.security);
      await quotes.answer(id, { response: quoteResponseOf(id, inbound, body) }, inbound);
      return reply.code(200).send();
    },
  });

  route(server, '/quotes/:id/error', {
    PUT: async (request, reply) => {
      const id = pathId(request);
      const { body, inbound } = receive<unknown>(request, 'quotes', '/quotes/{ID}/error', headerPolicy, deps.security);
      await quotes.answer(id, { error: errorReportOf(id, inbound, body) }, inbound);
      return reply.code(200).send();
    },
  });
}
