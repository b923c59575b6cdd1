/**
 * Bulk quotes on the FSPIOP edge (docs/bulk.md): POST /bulkQuotes, GET and PUT /bulkQuotes/{ID}, PUT .../error, in
 * FSPIOP v1.1 and v2.0 (also under the ISO 20022 media type: bulk quotes have FSPIOP bodies only). Each message is
 * translated once into the canonical bulk agreement and handed to the core, which answers when it is recorded.
 */
import type { FastifyInstance } from 'fastify';
import type { BulkQuoteService } from '../core/agreement/bulk-quotes.js';
import {
  bulkQuoteRequestToCanonical,
  bulkQuoteResponseToCanonical,
  type FspiopBulkQuoteRequest,
  type FspiopBulkQuoteResponse,
} from '../../translators/fspiop/bulk-quotes.js';
import { errorToCanonical, type FspiopErrorBody } from '../../translators/fspiop/transfers.js';
import { route } from '../http/route.js';
import type { HeaderPolicy } from './fspiop-headers.js';
import type { Admit, pathId, receive } from './fspiop-server.js';
import type { EdgeSecurity } from './security.js';

export interface BulkQuoteEdgeDeps {
  bulkQuotes: BulkQuoteService;
  headerPolicy: HeaderPolicy;
  security: EdgeSecurity;
}

/** What the FSPIOP server lends the routes it registers (passed in: this module is a part of that server). */
export interface EdgeReception {
  admit: Admit;
  receive: typeof receive;
  pathId: typeof pathId;
}

export function bulkQuoteRoutes(server: FastifyInstance, deps: BulkQuoteEdgeDeps, { admit, receive, pathId }: EdgeReception): void {
  const { bulkQuotes, headerPolicy, security } = deps;
  route(server, '/bulkQuotes', {
    POST: async (request, reply) => {
      admit('agreement', request);
      const { body, inbound } = receive<FspiopBulkQuoteRequest>(request, 'bulkQuotes', '/bulkQuotes', headerPolicy, security);
      const message = bulkQuoteRequestToCanonical(body, inbound.source, inbound.destination ?? '', inbound.receivedAt);
      await bulkQuotes.request(message, inbound);
      return reply.code(202).send();
    },
  });

  route(server, '/bulkQuotes/:id', {
    GET: async (request, reply) => {
      const id = pathId(request);
      const { inbound } = receive(request, 'bulkQuotes', '/bulkQuotes/{ID}', headerPolicy, security);
      await bulkQuotes.get(id, inbound);
      return reply.code(202).send();
    },
    PUT: async (request, reply) => {
      const id = pathId(request);
      const { body, inbound } = receive<FspiopBulkQuoteResponse>(request, 'bulkQuotes', '/bulkQuotes/{ID}', headerPolicy, security);
      const response = bulkQuoteResponseToCanonical(id, body, inbound.receivedAt, { payer: inbound.destination, payee: inbound.source });
      await bulkQuotes.answer(id, { response }, inbound);
      return reply.code(200).send();
    },
  });

  route(server, '/bulkQuotes/:id/error', {
    PUT: async (request, reply) => {
      const id = pathId(request);
      const { body, inbound } = receive<FspiopErrorBody>(request, 'bulkQuotes', '/bulkQuotes/{ID}/error', headerPolicy, security);
      await bulkQuotes.answer(id, { error: errorToCanonical(id, body, inbound.receivedAt) }, inbound);
      return reply.code(200).send();
    },
  });
}
