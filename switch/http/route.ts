/**
 * Routes as data: a server module declares what it answers (method, path, handler) and one call
 * registers them. Every other method on a declared path is answered 405 with Allow (contract
 * fspiop.md §4); a path nobody declared gets the server's 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FspiopError } from '../../schemas/errors.js';
import { sendError } from './server.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export interface Route {
  method: Method;
  path: string;
  handler: Handler;
  /** Registered alone: other methods on its path get the 404 of unknown paths, not 405 (health, metrics). */
  plain?: boolean;
}

const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** Registers a path with its handlers; any other method on that path is answered 405 with Allow. */
export function route(server: FastifyInstance, url: string, handlers: Partial<Record<Method, Handler>>): void {
  const allowed = Object.keys(handlers);
  for (const [method, handler] of Object.entries(handlers)) {
    server.route({ method: method as 'GET', url, handler: handler as Handler });
  }
  const others = ALL_METHODS.filter((m) => !allowed.includes(m));
  if (allowed.includes('GET')) others.splice(others.indexOf('HEAD'), 1);
  server.route({
    method: others as ['POST'],
    url,
    handler: async (_request, reply) =>
      sendError(
        reply.header('allow', allowed.join(', ')),
        new FspiopError('3000', undefined, {
          description: 'Generic client error - Method Not Allowed',
          httpStatus: 405,
        }),
      ),
  });
}

/**
 * Registers declared routes, grouped by path (several modules may serve one path with different
 * methods); Allow lists a path's methods in the order they were declared.
 */
export function registerRoutes(server: FastifyInstance, routes: readonly Route[]): void {
  const byPath = new Map<string, Partial<Record<Method, Handler>>>();
  for (const r of routes) {
    if (r.plain) {
      server.route({ method: r.method, url: r.path, handler: r.handler });
      continue;
    }
    const handlers = byPath.get(r.path) ?? {};
    if (handlers[r.method]) throw new Error(`${r.method} ${r.path} is declared twice`);
    handlers[r.method] = r.handler;
    byPath.set(r.path, handlers);
  }
  for (const [path, handlers] of byPath) route(server, path, handlers);
}
