/**
 * Request to pay on the FSPIOP edge (docs/r2p.md): /transactionRequests and /authorizations, v1.1 and v2.0. Headers,
 * versions and bodies are checked as for every resource (fspiop-server.ts `receive`: an ISO 20022 JSON participant
 * sends these resources with FSPIOP bodies); each message is translated once into its canonical form and handed to
 * the core, and answered 202/200 only when the core has recorded what it must.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authorizationQueryToCanonical, authorizationResponseToCanonical, type FspiopAuthorizationResponse } from '../../translators/fspiop/authorizations.js';
import {
  transactionRequestAnswerToCanonical,
  transactionRequestErrorToCanonical,
  transactionRequestToCanonical,
  type FspiopTransactionRequest,
  type FspiopTransactionRequestAnswer,
} from '../../translators/fspiop/transaction-requests.js';
import { errorToCanonical, type FspiopErrorBody } from '../../translators/fspiop/transfers.js';
import { route } from '../http/route.js';
import type { Admit, FspiopEdgeDeps, pathId, receive } from './fspiop-server.js';

/** The edge's readers, handed in by fspiop-server.ts (which registers these routes). */
export interface EdgeReaders {
  receive: typeof receive;
  pathId: typeof pathId;
}

export function requestToPayRoutes(server: FastifyInstance, deps: FspiopEdgeDeps, admit: Admit, read: EdgeReaders): void {
  transactionRequestRoutes(server, deps, admit, read);
  authorizationRoutes(server, deps, read);
}

function transactionRequestRoutes(server: FastifyInstance, deps: FspiopEdgeDeps, admit: Admit, read: EdgeReaders): void {
  const { transactionRequests, headerPolicy, security } = deps;
  route(server, '/transactionRequests', {
    POST: async (request, reply) => {
      admit('agreement', request);
      const { body, inbound } = read.receive<FspiopTransactionRequest>(request, 'transactionRequests', '/transactionRequests', headerPolicy, security);
      const message = transactionRequestToCanonical(body, inbound.source, inbound.destination ?? '', inbound.receivedAt);
      await transactionRequests.request(message, inbound);
      return reply.code(202).send();
    },
  });

  route(server, '/transactionRequests/:id', {
    GET: async (request, reply) => {
      const id = read.pathId(request);
      const { inbound } = read.receive(request, 'transactionRequests', '/transactionRequests/{ID}', headerPolicy, security);
      await transactionRequests.get(id, inbound);
      return reply.code(202).send();
    },
    PUT: async (request, reply) => {
      const id = read.pathId(request);
      const { body, inbound } = read.receive<FspiopTransactionRequestAnswer>(
        request,
        'transactionRequests',
        '/transactionRequests/{ID}',
        headerPolicy,
        security,
      );
      await transactionRequests.answer(id, transactionRequestAnswerToCanonical(id, body, inbound.receivedAt), inbound);
      return reply.code(200).send();
    },
  });

  route(server, '/transactionRequests/:id/error', {
    PUT: async (request, reply) => {
      const id = read.pathId(request);
      const { body, inbound } = read.receive<FspiopErrorBody>(request, 'transactionRequests', '/transactionRequests/{ID}/error', headerPolicy, security);
      await transactionRequests.answer(id, transactionRequestErrorToCanonical(id, body, inbound.receivedAt), inbound);
      return reply.code(200).send();
    },
  });
}

function authorizationRoutes(server: FastifyInstance, deps: FspiopEdgeDeps, read: EdgeReaders): void {
  const { transactionRequests, headerPolicy, security } = deps;
  route(server, '/authorizations/:id', {
    GET: async (request: FastifyRequest, reply) => {
      const id = read.pathId(request);
      const { inbound } = read.receive(request, 'authorizations', '/authorizations/{ID}', headerPolicy, security);
      const query = authorizationQueryToCanonical(id, request.query as Record<string, unknown>);
      await transactionRequests.authorization(query, inbound);
      return reply.code(202).send();
    },
    PUT: async (request, reply) => {
      const id = read.pathId(request);
      const { body, inbound } = read.receive<FspiopAuthorizationResponse>(request, 'authorizations', '/authorizations/{ID}', headerPolicy, security);
      await transactionRequests.authorizationAnswer(id, { response: authorizationResponseToCanonical(id, body) }, inbound);
      return reply.code(200).send();
    },
  });

  route(server, '/authorizations/:id/error', {
    PUT: async (request, reply) => {
      const id = read.pathId(request);
      const { body, inbound } = read.receive<FspiopErrorBody>(request, 'authorizations', '/authorizations/{ID}/error', headerPolicy, security);
      await transactionRequests.authorizationAnswer(id, { error: errorToCanonical(id, body, inbound.receivedAt) }, inbound);
      return reply.code(200).send();
    },
  });
}
