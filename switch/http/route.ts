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
  /** Handed to the server's hooks as fastify's route config (the Admin API: who may call it, whether it needs approval). */
  config?: object;
}

const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** Registers a path with its handlers; any other method on that path is answered 405 with Allow. */
export function route(server: FastifyInstance, url: string, handlers: Partial<Record<Method, Handler>>): void {
  routePath(
    server,
    url,
    Object.entries(handlers).map(([method, handler]) => ({ method: method as Method, path: url, handler: handler as Handler })),
  );
}

function routePath(server: FastifyInstance, url: string, routes: readonly Route[]): void {
  const allowed = routes.map((r) => r.method as string);
  for (const r of routes) server.route({ method: r.method, url, handler: r.handler, ...(r.config ? { config: r.config } : {}) });
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
  const byPath = new Map<string, Route[]>();
  for (const r of routes) {
    if (r.plain) {
      server.route({ method: r.method, url: r.path, handler: r.handler, ...(r.config ? { config: r.config } : {}) });
      continue;
    }
    const declared = byPath.get(r.path) ?? [];
    if (declared.some((d) => d.method === r.method)) throw new Error(`${r.method} ${r.path} is declared twice`);
    declared.push(r);
    byPath.set(r.path, declared);
  }
  for (const [path, declared] of byPath) routePath(server, path, declared);
}
