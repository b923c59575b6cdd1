/**
 * FX agreement on the FSPIOP edge (docs/fx.md "Agreement: fxQuotes and FXP discovery"): POST /fxQuotes, GET and PUT
 * /fxQuotes/{ID}, PUT .../error, in FSPIOP v2.0 or its ISO 20022 JSON dialect (pacs.091/092/002), and FXP discovery
 * (GET /services/FXP[/{SourceCurrency}/{TargetCurrency}]). FX resources exist only in v2.0: a 1.x media type is
 * refused with 406/3001 naming 2.0 as the version supported. Each message is translated once into its canonical form
 * and handed to the core, which answers when it is recorded.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FspiopError } from '../../schemas/errors.js';
import type { FxQuoteRequest, FxQuoteResponse } from '../../schemas/iso/fx-quotes.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import {
  fxQuoteRequestToCanonical,
  fxQuoteResponseToCanonical,
  type FspiopFxQuoteRequest,
  type FspiopFxQuoteResponse,
} from '../../translators/fspiop/fx-quotes.js';
import { errorToCanonical, type FspiopErrorBody } from '../../translators/fspiop/transfers.js';
import { isoFxQuoteRequestToCanonical, isoFxQuoteResponseToCanonical, type IsoFxQuoteMessage } from '../../translators/isojson/fx-quotes.js';
import { isoStatusToCanonical, type IsoPacs002 } from '../../translators/isojson/transfers.js';
import type { FxQuoteService } from '../core/agreement/fx-quotes.js';
import type { FxpDiscovery } from '../core/discovery/fxp.js';
import type { FxpQuery, InboundMessage } from '../core/outbox.js';
import { route } from '../http/route.js';
import type { EdgeReception } from './bulk-quotes.js';
import type { HeaderPolicy } from './fspiop-headers.js';
import type { EdgeSecurity } from './security.js';

export interface FxQuoteEdgeDeps {
  fxQuotes: FxQuoteService;
  fxpDiscovery: FxpDiscovery;
  security: EdgeSecurity;
}

/** FX resources are v2.0 only (contract fspiop.md §2): one policy object, long-lived (its 406 extensions are cached). */
export const FX_HEADER_POLICY: HeaderPolicy = Object.freeze({ supportedVersions: [{ major: 2, minor: 0 }] }) as HeaderPolicy;

const iso = (inbound: InboundMessage) => inbound.dialect === 'iso20022-json';

function requestOf(inbound: InboundMessage, body: unknown): FxQuoteRequest {
  return iso(inbound) ? isoFxQuoteRequestToCanonical(body as IsoFxQuoteMessage) : fxQuoteRequestToCanonical(body as FspiopFxQuoteRequest, inbound.receivedAt);
}

function responseOf(id: string, inbound: InboundMessage, body: unknown): FxQuoteResponse {
  return iso(inbound)
    ? isoFxQuoteResponseToCanonical(id, body as IsoFxQuoteMessage)
    : fxQuoteResponseToCanonical(id, body as FspiopFxQuoteResponse, inbound.receivedAt);
}

function errorOf(id: string, inbound: InboundMessage, body: unknown): Pacs002 {
  return iso(inbound) ? isoStatusToCanonical(id, body as IsoPacs002) : errorToCanonical(id, body as FspiopErrorBody, inbound.receivedAt);
}

/** A currency in the path: three upper-case letters (whether the hub supports it is the core's check). */
function pathCurrency(value: string, name: string): string {
  if (!/^[A-Z]{3}$/.test(value)) throw new FspiopError('3101', `/path/${name} must be an ISO 4217 currency code`);
  return value;
}

export function fxQuoteRoutes(server: FastifyInstance, deps: FxQuoteEdgeDeps, { admit, receive, pathId }: EdgeReception): void {
  const { fxQuotes, fxpDiscovery, security } = deps;
  const policy = FX_HEADER_POLICY;
  route(server, '/fxQuotes', {
    POST: async (request, reply) => {
      admit('agreement', request);
      const { body, inbound } = receive<unknown>(request, 'fxQuotes', '/fxQuotes', policy, security);
      const message = requestOf(inbound, body);
      await fxQuotes.request(message, inbound);
      return reply.code(202).send();
    },
  });

  route(server, '/fxQuotes/:id', {
    GET: async (request, reply) => {
      const id = pathId(request);
      const { inbound } = receive(request, 'fxQuotes', '/fxQuotes/{ID}', policy, security);
      await fxQuotes.get(id, inbound);
      return reply.code(202).send();
    },
    PUT: async (request, reply) => {
      const id = pathId(request);
      const { body, inbound } = receive<unknown>(request, 'fxQuotes', '/fxQuotes/{ID}', policy, security);
      await fxQuotes.answer(id, { response: responseOf(id, inbound, body) }, inbound);
      return reply.code(200).send();
    },
  });

  route(server, '/fxQuotes/:id/error', {
    PUT: async (request, reply) => {
      const id = pathId(request);
      const { body, inbound } = receive<unknown>(request, 'fxQuotes', '/fxQuotes/{ID}/error', policy, security);
      await fxQuotes.answer(id, { error: errorOf(id, inbound, body) }, inbound);
      return reply.code(200).send();
    },
  });

  const discover =
    (template: string, query: (request: FastifyRequest) => FxpQuery) => async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
      admit('discovery', request);
      const wanted = query(request);
      const { inbound } = receive(request, 'services', template, policy, security);
      await fxpDiscovery.lookup(wanted, inbound);
      return reply.code(202).send();
    };
  route(server, '/services/FXP', { GET: discover('/services/FXP', () => ({})) });
  route(server, '/services/FXP/:source/:target', {
    GET: discover('/services/FXP/{SourceCurrency}/{TargetCurrency}', (request) => {
      const params = request.params as { source: string; target: string };
      return { sourceCurrency: pathCurrency(params.source, 'SourceCurrency'), targetCurrency: pathCurrency(params.target, 'TargetCurrency') };
    }),
  });
}
