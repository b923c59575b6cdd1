/**
 * What every Mizani HTTP server shares (fastify): raw-body capture (the original bytes are needed
 * for forwarding and signatures), FSPIOP-shaped errors for everything that goes wrong, 404 answers,
 * request timeouts and request metrics. Routes and their 405 answers: `route.ts`.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { FspiopError } from '../../schemas/errors.js';
import { wireErrorOf } from '../../translators/fspiop/outcomes.js';
import type { Metrics } from '../observability/metrics.js';

/** Counts requests open on a server (the FSPIOP edge's admission control). */
export interface OpenRequests {
  /** A request arrived; the returned function is called once it has been answered or its connection closed. */
  opened(): () => void;
}

export interface ServerOptions {
  api: 'fspiop' | 'admin';
  maxBodyBytes: number;
  log: Logger;
  metrics: Metrics;
  /** Header block limit (FSPIOP: 64 KiB). */
  maxHeaderBytes?: number;
  /** HTTPS (and client-certificate) options; plain HTTP when absent. */
  https?: Record<string, unknown>;
  /** Counts the requests open on this server (and refuses new work past capacity, in the routes). */
  admission?: OpenRequests;
}

/** A request cut off before it was complete, or a client that never finishes one. */
const REQUEST_TIMEOUT_MS = 10_000;

export function sendError(reply: FastifyReply, error: FspiopError): FastifyReply {
  return reply.code(error.httpStatus).header('content-type', 'application/json').send(JSON.stringify(error.toBody()));
}

export function createServer(options: ServerOptions): FastifyInstance {
  const server = Fastify({
    ...(options.https ? { https: options.https } : {}),
    logger: false,
    bodyLimit: options.maxBodyBytes,
    return503OnClosing: true,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Node takes the larger of headersTimeout and requestTimeout: keep headersTimeout below it, and
    // check connections often enough for the timeout to bite.
    http: { maxHeaderSize: options.maxHeaderBytes ?? 65536, headersTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1000 } as never,
    routerOptions: { maxParamLength: 256, ignoreTrailingSlash: false },
    frameworkErrors,
    clientErrorHandler,
  });
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (_req, body, done) => done(null, body));

  server.setErrorHandler((err: Error & { code?: string; statusCode?: number }, request, reply) => {
    err = wireErrorOf(err); // a domain outcome (core, ledger) in its FSPIOP form
    if (err instanceof FspiopError) {
      // Refusals are part of the audit trail (who sent what that was refused, and why); never bodies.
      // Busy refusals are summarised by admission control (one warning a second, with counts): past
      // capacity a line per refusal would cost what refusing is meant to save.
      if (err.code !== '2005')
        options.log.info(
          {
            api: options.api,
            method: request.method,
            url: request.url,
            source: request.headers['fspiop-source'],
            remote: request.ip,
            code: err.code,
            reason: err.description,
            ...(err.detail ? { detail: err.detail } : {}),
          },
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

  addRequestHooks(server, options);
  return server;
}

/** Errors fastify raises before routing (bad percent-encoding, over-long path parameters). */
function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const code = (err as { code?: string }).code;
  const error =
    code === 'FST_ERR_MAX_PARAM_LENGTH' || code === 'FST_ERR_BAD_URL'
      ? new FspiopError('3101', `the request path is malformed (${code === 'FST_ERR_BAD_URL' ? 'bad percent-encoding' : 'path parameter too long'})`)
      : new FspiopError('3000', err.message);
  void sendError(reply, error);
}

/** Requests Node cannot parse never reach fastify: answer them in FSPIOP form before closing. */
function clientErrorHandler(err: Error, socket: Socket): void {
  const code = (err as { code?: string }).code;
  const error =
    code === 'HPE_HEADER_OVERFLOW'
      ? new FspiopError('3104', 'the header block exceeds 64 KiB')
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new FspiopError('3000', undefined, { description: 'Generic client error - the request was not completed in time', httpStatus: 408 })
        : new FspiopError('3101', 'the HTTP request could not be parsed');
  const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : error.httpStatus;
  if (socket.writable) {
    const body = JSON.stringify(error.toBody());
    socket.end(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  } else {
    socket.destroy();
  }
}

/** Open-request counting, refusal of transfer codings we do not apply, 404, request metrics. */
function addRequestHooks(server: FastifyInstance, options: ServerOptions): void {
  const { admission } = options;
  server.addHook('onRequest', (request, reply, done) => {
    if (admission) reply.raw.once('close', admission.opened());
    const coding = request.headers['transfer-encoding'];
    if (coding !== undefined && coding.trim().toLowerCase() !== 'chunked') {
      // RFC 9112 §6.1: a coding the server does not apply must not be read as identity.
      void sendError(reply, new FspiopError('2002', `Transfer-Encoding ${coding} is not supported`));
      return;
    }
    done();
  });

  server.setNotFoundHandler((request, reply) => {
    sendError(reply, new FspiopError('3002', `${request.method} ${request.url.split('?')[0]}`));
  });

  server.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    options.metrics.httpRequests.inc({ api: options.api, route, method: request.method, status: reply.statusCode });
    options.metrics.httpDuration.observe({ api: options.api, route, method: request.method }, reply.elapsedTime / 1000);
    if (options.api === 'fspiop') options.metrics.refusals.answered(reply.statusCode);
    done();
  });
}
