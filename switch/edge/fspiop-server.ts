/**
 * The FSPIOP edge: HTTP in, headers and body validated, sender identified, the message translated
 * ONCE into canonical ISO 20022, handed to the core, and answered (202/200) only when the core says
 * the outcome is durable.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FspiopError } from '../../schemas/errors.js';
import { validateFspiopBody, type FspiopVersion } from '../../schemas/fspiop/validators.js';
import {
  errorToCanonical,
  prepareToCanonical,
  statusToCanonical,
  type FspiopErrorBody,
  type FspiopTransferFulfil,
  type FspiopTransferPrepare,
} from '../../translators/fspiop/transfers.js';
import type { InboundMessage } from '../core/outbox.js';
import type { Bus } from '../bus/bus.js';
import { transferTopics } from '../core/topics.js';
import { payerFspOf } from '../../schemas/iso/pacs008.js';
import { checkFspiopHeaders, type HeaderPolicy, type ParsedHeaders } from './fspiop-headers.js';
import { createServer, parseJsonBody, route, type ServerOptions } from './http.js';

const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$|^[0-9A-HJKMNP-TV-Z]{26}$/;

export interface FspiopEdgeDeps {
  bus: Bus;
  headerPolicy: HeaderPolicy;
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

function pathId(request: FastifyRequest): string {
  const id = (request.params as { id: string }).id;
  if (!ID_PATTERN.test(id)) throw new FspiopError('3101', `/path/ID must match a UUID or ULID`);
  return id;
}

/**
 * Header check, dialect gate, JSON decoding and schema validation: everything that needs no state.
 * `route` is the OpenAPI path template of the request.
 */
function receive<T>(request: FastifyRequest, resource: string, routeTemplate: string, policy: HeaderPolicy): Parsed<T> {
  const headers = checkFspiopHeaders(request.method, resource, request.headers, policy);
  if (headers.dialect !== 'fspiop') {
    throw new FspiopError('3001', undefined, {
      httpStatus: 406,
      description: 'Unacceptable version requested - the ISO 20022 JSON dialect is not served on this resource',
    });
  }
  const raw = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
  let body: unknown = undefined;
  if (request.method !== 'GET' && request.method !== 'DELETE') {
    body = parseJsonBody(raw);
    const issue = validateFspiopBody(schemaVersion(headers), request.method as 'POST', routeTemplate, body);
    if (issue) throw new FspiopError(issue.code, undefined, { description: issue.description });
  }
  const version = headers.contentVersion ?? { major: 1, minor: 0 };
  return {
    headers,
    body: body as T,
    inbound: {
      source: headers.source,
      destination: headers.destination,
      dialect: 'fspiop',
      version,
      headers: request.headers,
      raw,
      hash: createHash('sha256').update(raw).digest('base64url'),
      receivedAt: new Date().toISOString(),
    },
  };
}

export function createFspiopServer(options: ServerOptions, deps: FspiopEdgeDeps): FastifyInstance {
  const server = createServer(options);
  const { bus, headerPolicy } = deps;

  server.get('/health', async (_request, reply) => {
    const health = await deps.health();
    return reply.code(health.ok ? 200 : 503).send({ status: health.ok ? 'OK' : 'DOWN', ...health.detail });
  });

  route(server, '/transfers', {
    POST: async (request, reply) => {
      const { body, inbound } = receive<FspiopTransferPrepare>(request, 'transfers', '/transfers', headerPolicy);
      const message = prepareToCanonical(body, inbound.receivedAt);
      await bus.request(transferTopics.prepare, payerFspOf(message), { message, inbound });
      return reply.code(202).send();
    },
  });

  route(server, '/transfers/:id', {
    GET: async (request, reply) => {
      const id = pathId(request);
      const { inbound } = receive(request, 'transfers', '/transfers/{ID}', headerPolicy);
      await bus.request(transferTopics.get, inbound.source, { transferId: id, inbound });
      return reply.code(202).send();
    },
    PUT: async (request, reply) => {
      const id = pathId(request);
      const { body, inbound } = receive<FspiopTransferFulfil>(request, 'transfers', '/transfers/{ID}', headerPolicy);
      const message = statusToCanonical(id, body, inbound.receivedAt);
      await bus.request(transferTopics.fulfil, inbound.source, { transferId: id, message, inbound });
      return reply.code(200).send();
    },
    PATCH: async () => {
      throw new FspiopError('2002', 'PATCH /transfers/{ID} is sent by the hub only');
    },
  });

  route(server, '/transfers/:id/error', {
    PUT: async (request, reply) => {
      const id = pathId(request);
      const { body, inbound } = receive<FspiopErrorBody>(request, 'transfers', '/transfers/{ID}/error', headerPolicy);
      const message = errorToCanonical(id, body, inbound.receivedAt);
      await bus.request(transferTopics.reject, inbound.source, { transferId: id, message, inbound });
      return reply.code(200).send();
    },
  });

  return server;
}
