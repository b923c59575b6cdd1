/**
 * What every Mizani HTTP server shares (fastify): raw-body capture (the original bytes are needed
 * for forwarding and signatures), strict body decoding, FSPIOP-shaped errors for everything that
 * goes wrong, 404/405 answers, and request metrics.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import sjson from 'secure-json-parse';
import type { Logger } from 'pino';
import { FspiopError } from '../../schemas/errors.js';
import type { Metrics } from '../observability/metrics.js';

export interface ServerOptions {
  api: 'fspiop' | 'admin';
  maxBodyBytes: number;
  log: Logger;
  metrics: Metrics;
  /** Header block limit (FSPIOP: 64 KiB). */
  maxHeaderBytes?: number;
  /** HTTPS (and client-certificate) options; plain HTTP when absent. */
  https?: Record<string, unknown>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a JSON body strictly: UTF-8 only, no prototype-polluting keys. Throws 3101. */
export function parseJsonBody(raw: Buffer | undefined): unknown {
  if (!raw || raw.length === 0) throw new FspiopError('3101', 'request body is empty');
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new FspiopError('3101', 'request body is not valid UTF-8');
  }
  try {
    return sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    const reason = err instanceof SyntaxError ? 'request body is not valid JSON' : 'request body contains a forbidden key';
    throw new FspiopError('3101', reason);
  }
}

export function sendError(reply: FastifyReply, error: FspiopError): FastifyReply {
  return reply.code(error.httpStatus).header('content-type', 'application/json').send(JSON.stringify(error.toBody()));
}

export function createServer(options: ServerOptions): FastifyInstance {
  const server = Fastify({
    ...(options.https ? { https: options.https } : {}),
    logger: false,
    bodyLimit: options.maxBodyBytes,
    return503OnClosing: true,
    http: { maxHeaderSize: options.maxHeaderBytes ?? 65536 },
    routerOptions: { maxParamLength: 256, ignoreTrailingSlash: false },
  });
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (_req, body, done) =>
    done(null, body),
  );

  server.setErrorHandler((err: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (err instanceof FspiopError) {
      // Refusals are part of the audit trail (who sent what that was refused, and why); never bodies.
      options.log.info(
        { api: options.api, method: request.method, url: request.url, source: request.headers['fspiop-source'], remote: request.ip, code: err.code, reason: err.description },
        'request refused',
      );
      return sendError(reply, err);
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, new FspiopError('3104', `body exceeds ${options.maxBodyBytes} bytes`));
    }
    if (err.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return sendError(reply, new FspiopError('3101', err.message));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, new FspiopError('3000', err.message));
    }
    options.log.error({ err, url: request.url, method: request.method }, 'unhandled error');
    return sendError(reply, new FspiopError('2001'));
  });

  server.setNotFoundHandler((request, reply) => {
    sendError(reply, new FspiopError('3002', `${request.method} ${request.url.split('?')[0]}`));
  });

  server.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    options.metrics.httpRequests.inc({ api: options.api, route, method: request.method, status: reply.statusCode });
    options.metrics.httpDuration.observe({ api: options.api, route, method: request.method }, reply.elapsedTime / 1000);
    done();
  });
  return server;
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * Registers a path with its handlers; any other method on that path is answered 405 with Allow
 * (contract fspiop.md §4).
 */
export function route(server: FastifyInstance, url: string, handlers: Partial<Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', Handler>>): void {
  const allowed = Object.keys(handlers);
  for (const [method, handler] of Object.entries(handlers)) {
    server.route({ method: method as 'GET', url, handler: handler as Handler });
  }
  const others = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].filter((m) => !allowed.includes(m));
  if (allowed.includes('GET')) others.splice(others.indexOf('HEAD'), 1);
  server.route({
    method: others as ['POST'],
    url,
    handler: async (_request, reply) =>
      sendError(reply.header('allow', allowed.join(', ')), new FspiopError('3000', undefined, {
        description: 'Generic client error - Method Not Allowed',
        httpStatus: 405,
      })),
  });
}
