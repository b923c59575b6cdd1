/**
 * Outbound FSPIOP messages: forwarding a participant's message unchanged (original body bytes and
 * headers), and messages the hub authors itself (FSPIOP-Source = hub name, body serialised with
 * recursively sorted keys so that a signature over it verifies the way Mojaloop clients check it).
 */
import { configure } from 'safe-stable-stringify';
import type { Logger } from 'pino';
import type { ParticipantDirectory } from '../directory/participants.js';
import type { ProxyRoutes } from '../directory/proxies.js';
import type { Delivery, DeliveryOutcome } from './delivery.js';

const sortedJson = configure({ deterministic: true, bigint: false }) as (value: unknown) => string;

export type Resource =
  | 'transfers'
  | 'parties'
  | 'participants'
  | 'quotes'
  | 'bulkTransfers'
  | 'bulkQuotes'
  | 'transactionRequests'
  | 'authorizations'
  | 'fxQuotes'
  | 'services'
  | 'fxTransfers';

export interface HubMessageOptions {
  /** Participant that receives the message. */
  to: string;
  endpointType: string;
  vars: Record<string, string>;
  /** Appended to the endpoint for base-URL endpoint types (e.g. FSPIOP_CALLBACK_URL_QUOTES). */
  path?: string;
  method: 'PUT' | 'PATCH' | 'POST' | 'GET';
  resource: Resource;
  /** FSPIOP-URI: the path from the resource segment on, e.g. `/transfers/{ID}/error`. */
  uri: string;
  body?: unknown;
  /** Content-Type for the receiver's dialect (default: FSPIOP with the configured callback version). */
  contentType?: string;
  accept?: string;
}

export interface ForwardOptions {
  to: string;
  endpointType: string;
  vars: Record<string, string>;
  path?: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'GET';
  headers: Record<string, string | string[] | undefined>;
  body?: Buffer;
  /** Replaces Content-Type/Accept (a GET crossing dialect families: it has no body, only the media type differs). */
  mediaType?: { contentType: string; accept: string };
  /** A lookup sent to a proxy for another scheme to route (docs/interscheme.md): it names no FSPIOP-Destination. */
  broadcast?: true;
}

export type SendOutcome = DeliveryOutcome | { ok: false; noEndpoint: true };

// Never copied when forwarding: connection-level headers and those the HTTP client recomputes.
const DROPPED = new Set([
  'content-length',
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'expect',
]);

/** Signs what the hub authors (FSPIOP-Signature over the exact bytes sent). */
export interface HubSigner {
  sign(input: { method: string; uri: string; source: string; destination: string; date: string; body: string }): Promise<string>;
}

export interface FspiopNotifierConfig {
  hubName: string;
  /** Content-Type version of hub-authored callbacks, per resource (e.g. "1.0"). */
  callbackVersion: string;
  signer?: HubSigner;
  /**
   * Inter-scheme routes (docs/interscheme.md): a name that is not a participant is looked up (PostgreSQL on a miss:
   * another node may have learned it) before its endpoint is read, so any node reaches a remote DFSP's proxy.
   */
  routes?: Pick<ProxyRoutes, 'resolve'>;
}

/** Fills `{{name}}` placeholders; values are percent-encoded: an identifier is one path segment. */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (whole, name: string) => (vars[name] === undefined ? whole : encodeURIComponent(vars[name])));
}

export class FspiopNotifier {
  constructor(
    private readonly directory: ParticipantDirectory,
    private readonly delivery: Delivery,
    private readonly config: FspiopNotifierConfig,
    private readonly log: Logger,
  ) {}

  endpointUrl(participant: string, endpointType: string, vars: Record<string, string>, path?: string): string | undefined {
    const template = this.directory.endpoint(participant, endpointType);
    if (!template) return undefined;
    const url = renderTemplate(template, vars);
    return path ? url.replace(/\/+$/, '') + path : url;
  }

  /** Sends a participant's message on, byte for byte. */
  async forward(options: ForwardOptions): Promise<SendOutcome> {
    await this.config.routes?.resolve(options.to);
    const url = this.endpointUrl(options.to, options.endpointType, options.vars, options.path);
    if (!url) return this.noEndpoint(options.to, options.endpointType);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers)) {
      if (value === undefined || DROPPED.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    if (options.mediaType) {
      headers['content-type'] = options.mediaType.contentType;
      headers['accept'] = options.mediaType.accept;
    }
    if (options.method === 'PUT' || options.method === 'PATCH') delete headers['accept'];
    if (headers['fspiop-http-method'] !== undefined) headers['fspiop-http-method'] = options.method;
    // A GET routed by the oracle names its holder; signed messages (with bodies) carry their own
    // destination and must not gain a header their signature does not cover.
    if (options.broadcast) delete headers['fspiop-destination'];
    else if (options.method === 'GET' && !headers['fspiop-destination']) headers['fspiop-destination'] = options.to;
    return this.healed(options.to, await this.delivery.send({ to: options.to, url, method: options.method, headers, body: options.body }));
  }

  /** Sends a message the hub itself authors. */
  async hubMessage(options: HubMessageOptions): Promise<SendOutcome> {
    await this.config.routes?.resolve(options.to);
    const url = this.endpointUrl(options.to, options.endpointType, options.vars, options.path);
    if (!url) return this.noEndpoint(options.to, options.endpointType);
    const headers: Record<string, string> = {
      'content-type': options.contentType ?? `application/vnd.interoperability.${options.resource}+json;version=${this.config.callbackVersion}`,
      date: new Date().toUTCString(),
      'fspiop-source': this.config.hubName,
      'fspiop-destination': options.to,
      'fspiop-uri': options.uri,
      'fspiop-http-method': options.method,
    };
    if (options.method === 'GET' || options.method === 'POST') {
      headers['accept'] = options.accept ?? `application/vnd.interoperability.${options.resource}+json;version=${this.config.callbackVersion.split('.')[0]}`;
    }
    const body = options.body === undefined ? undefined : sortedJson(options.body);
    if (body !== undefined && this.config.signer) {
      headers['fspiop-signature'] = await this.config.signer.sign({
        method: options.method,
        uri: options.uri,
        source: this.config.hubName,
        destination: options.to,
        date: headers.date!,
        body,
      });
    }
    return this.healed(options.to, await this.delivery.send({ to: options.to, url, method: options.method, headers, body }));
  }

  /**
   * A message for a DFSP of another scheme that its proxy's hub refused synchronously with 3201 (it does not know the
   * DFSP): the route through that proxy is stale and goes (docs/interscheme.md); the next lookup finds it again.
   */
  private async healed(to: string, outcome: DeliveryOutcome): Promise<DeliveryOutcome> {
    if (outcome.errorCode === '3201') {
      await this.directory.forgetRoute(to).catch((err: unknown) => this.log.warn({ err, to }, 'a stale inter-scheme route could not be removed'));
    }
    return outcome;
  }

  private noEndpoint(participant: string, endpointType: string): SendOutcome {
    this.log.warn({ participant, endpointType }, 'participant has no endpoint of this type');
    return { ok: false, noEndpoint: true };
  }
}

export { sortedJson };
