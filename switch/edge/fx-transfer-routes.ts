/**
 * FX transfers on the FSPIOP edge (docs/fx.md): /fxTransfers, FSPIOP v2.0 and Mojaloop's ISO 20022 JSON only (FX
 * resources exist from v2.0 on: an older Content-Type is answered 406/3001). Each message is translated once into
 * its canonical form (pacs.009, pacs.002) and put on the bus keyed by the initiating FSP, whose position the
 * conversion reserves; 202/200 once the worker has made what it decided durable.
 */
import type { FastifyInstance } from 'fastify';
import { FspiopError } from '../../schemas/errors.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import { initiatingFspOf, type Pacs009 } from '../../schemas/iso/pacs009.js';
import { fxPrepareToCanonical, fxStatusToCanonical, type FspiopFxTransferPrepare, type FspiopFxTransferStatus } from '../../translators/fspiop/fx-transfers.js';
import { errorToCanonical, type FspiopErrorBody } from '../../translators/fspiop/transfers.js';
import { isoFxTransferToCanonical, type IsoPacs009 } from '../../translators/isojson/fx-transfers.js';
import { isoStatusToCanonical, type IsoPacs002 } from '../../translators/isojson/transfers.js';
import type { InboundMessage } from '../core/outbox.js';
import { fxTopics } from '../core/topics.js';
import { route } from '../http/route.js';
import type { HeaderPolicy } from './fspiop-headers.js';
import type { Admit, FspiopEdgeDeps } from './fspiop-server.js';
import type { EdgeReaders } from './request-to-pay-routes.js';

const iso = (inbound: InboundMessage) => inbound.dialect === 'iso20022-json';

function fxPrepareOf(inbound: InboundMessage, body: unknown): Pacs009 {
  return iso(inbound) ? isoFxTransferToCanonical(body as IsoPacs009) : fxPrepareToCanonical(body as FspiopFxTransferPrepare, inbound.receivedAt);
}

function fxStatusOf(id: string, inbound: InboundMessage, body: unknown): Pacs002 {
  return iso(inbound) ? isoStatusToCanonical(id, body as IsoPacs002) : fxStatusToCanonical(id, body as FspiopFxTransferStatus, inbound.receivedAt);
}

function fxErrorOf(id: string, inbound: InboundMessage, body: unknown): Pacs002 {
  return iso(inbound) ? isoStatusToCanonical(id, body as IsoPacs002) : errorToCanonical(id, body as FspiopErrorBody, inbound.receivedAt);
}

/** The scheme's versions from 2.0 on: FX resources have no v1. */
function fxPolicy(policy: HeaderPolicy): HeaderPolicy {
  return { ...policy, supportedVersions: policy.supportedVersions.filter((v) => v.major >= 2) };
}

/** The FXP's answers are finished by the initiating FSP's position owner: FSPIOP-Destination names it. */
function initiatorKey(inbound: InboundMessage): string {
  return inbound.destination ?? inbound.source;
}

export function fxTransferRoutes(server: FastifyInstance, deps: FspiopEdgeDeps, admit: Admit, read: EdgeReaders): void {
  const { bus, security } = deps;
  const policy = fxPolicy(deps.headerPolicy);
  route(server, '/fxTransfers', {
    POST: async (request, reply) => {
      admit('transfer', request);
      const { body, inbound } = read.receive<unknown>(request, 'fxTransfers', '/fxTransfers', policy, security);
      const message = fxPrepareOf(inbound, body);
      await bus.request(fxTopics.prepare, initiatingFspOf(message), { message, inbound });
      return reply.code(202).send();
    },
  });

  route(server, '/fxTransfers/:id', {
    GET: async (request, reply) => {
      const id = read.pathId(request);
      const { inbound } = read.receive(request, 'fxTransfers', '/fxTransfers/{ID}', policy, security);
      await bus.request(fxTopics.get, inbound.source, { commitRequestId: id, inbound });
      return reply.code(202).send();
    },
    PUT: async (request, reply) => {
      const id = read.pathId(request);
      const { body, inbound } = read.receive<unknown>(request, 'fxTransfers', '/fxTransfers/{ID}', policy, security);
      const message = fxStatusOf(id, inbound, body);
      await bus.request(fxTopics.fulfil, initiatorKey(inbound), { commitRequestId: id, message, inbound });
      return reply.code(200).send();
    },
    PATCH: async () => {
      throw new FspiopError('2002', 'PATCH /fxTransfers/{ID} is sent by the hub only');
    },
  });

  route(server, '/fxTransfers/:id/error', {
    PUT: async (request, reply) => {
      const id = read.pathId(request);
      const { body, inbound } = read.receive<unknown>(request, 'fxTransfers', '/fxTransfers/{ID}/error', policy, security);
      const message = fxErrorOf(id, inbound, body);
      await bus.request(fxTopics.reject, initiatorKey(inbound), { commitRequestId: id, message, inbound });
      return reply.code(200).send();
    },
  });
}
