/**
 * FSPIOP-Proxy at the edge (contract fspiop.md §12, docs/interscheme.md): a message relayed from another scheme names
 * the END DFSPs in FSPIOP-Source / FSPIOP-Destination and the proxy participant that relayed it in FSPIOP-Proxy. Before
 * the message is read, the proxy must be a registered, active participant created with isProxy, the source must not be
 * a participant of this scheme (a proxy never speaks for a local DFSP), the destination (when named) must be one (the
 * hub does not relay from one proxy to another), and with mTLS the client certificate must be the proxy's. The hub then
 * records that the source is reachable via the proxy (durable before the message is answered), so answers find it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FspiopError } from '../../schemas/errors.js';
import type { Participant, Registry } from '../../ledger/registry.js';
import type { ProxyRoutes } from '../directory/proxies.js';
import type { EdgeSecurity } from './security.js';

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The relaying proxy of a message that carries FSPIOP-Proxy, checked; undefined when the header is absent. */
export function checkProxyHeader(request: FastifyRequest, registry: Registry, security: EdgeSecurity): Participant | undefined {
  const raw = request.headers['fspiop-proxy'];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^[^\s]{1,32}$/.test(raw)) throw new FspiopError('3101', 'Invalid fspiop-proxy header');
  const proxy = registry.participant(raw);
  if (!proxy || proxy.isHub || !proxy.isProxy) throw new FspiopError('3100', `Invalid fspiop-proxy header - ${raw} is not a proxy participant of this scheme`);
  if (!proxy.isActive) throw new FspiopError('3100', `Invalid fspiop-proxy header - proxy ${raw} is inactive`);
  security.checkTransport(request);
  const source = header(request, 'fspiop-source');
  if (source === undefined) return proxy; // the header check refuses it (3102) before anything is recorded
  if (source === raw) throw new FspiopError('3100', 'Invalid fspiop-proxy header - FSPIOP-Proxy must differ from FSPIOP-Source');
  if (registry.participant(source)) {
    throw new FspiopError('3100', `Invalid fspiop-proxy header - ${source} is a participant of this scheme: no proxy relays for it`);
  }
  const destination = header(request, 'fspiop-destination');
  if (destination !== undefined && destination !== '' && !registry.participant(destination)) {
    throw new FspiopError('3201', `Destination FSP Error - ${destination} is not a participant of this scheme`);
  }
  return proxy;
}

/**
 * Every FSPIOP request with FSPIOP-Proxy is checked, and its source's route learned, before its route runs (a
 * preHandler: the body is read, nothing is decided yet). Messages without the header are untouched.
 */
export function registerProxyHeaderCheck(server: FastifyInstance, registry: Registry, security: EdgeSecurity, proxies: ProxyRoutes): void {
  // A callback hook, not an async one: the messages without the header (nearly all) pay no promise for it.
  server.addHook('preHandler', (request, _reply, done) => {
    let proxy: Participant | undefined;
    try {
      proxy = checkProxyHeader(request, registry, security);
    } catch (err) {
      done(err as Error);
      return;
    }
    const source = header(request, 'fspiop-source');
    if (!proxy || source === undefined) return done();
    proxies.learn(source, proxy).then(
      () => done(),
      (err: unknown) => done(err as Error),
    );
  });
}
