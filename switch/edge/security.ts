/**
 * Who is speaking, checked before a message is read: the TLS client certificate must name the
 * FSPIOP-Source (or the FSPIOP-Proxy relaying for it), the Date must be near the hub clock (a
 * replayed or pre-dated message is refused), and a message with a body must carry a valid
 * FSPIOP-Signature made with one of its sender's registered keys.
 */
import type { FastifyRequest } from 'fastify';
import { FspiopError } from '../../schemas/errors.js';
import type { Registry } from '../../ledger/registry.js';
import type { JwsKeyStore } from '../security/jws-keys.js';
import { verifyFspiopSignature } from '../security/jws.js';
import { checkSourceBinding, participantOfCertificate } from '../security/tls.js';
import type { ParsedHeaders } from './fspiop-headers.js';

export interface EdgeSecurityOptions {
  mtls: boolean;
  jwsVerify: boolean;
  /** 0 = no Date window. */
  dateWindowMs: number;
}

export class EdgeSecurity {
  constructor(
    private readonly options: EdgeSecurityOptions,
    private readonly registry: Registry,
    private readonly keys: JwsKeyStore,
  ) {}

  /** `unknownSourceCode`: the code for a sender that is not a participant (3202 on a prepare, else 3200). */
  check(request: FastifyRequest, headers: ParsedHeaders, body: Buffer, unknownSourceCode = '3200'): void {
    this.checkTransport(request);
    if (this.options.dateWindowMs > 0) this.checkDate(request.headers.date as string);
    if (this.options.jwsVerify && body.length > 0) {
      if (this.remoteVouchedByProxy(request, headers.source)) return;
      const participant = this.registry.participant(headers.source);
      if (!participant || participant.isHub) {
        throw new FspiopError(unknownSourceCode, `FSPIOP-Source ${headers.source} is not a registered participant`);
      }
      const keys = this.keys.keysOf(headers.source);
      if (keys.length === 0) throw new FspiopError('3105', `no signature key is registered for ${headers.source}`);
      verifyFspiopSignature({ method: request.method, headers: request.headers, body, keys });
    }
  }

  /** With mTLS, the client certificate must name FSPIOP-Source, or the FSPIOP-Proxy relaying for it. */
  checkTransport(request: FastifyRequest): void {
    if (this.options.mtls) checkSourceBinding(participantOfCertificate(request.raw.socket), request.headers);
  }

  /**
   * A message relayed by a proxy (FSPIOP-Proxy, checked by edge/proxy-header.ts) from a DFSP of another scheme: the hub
   * holds no key of that DFSP, so the proxy's certificate (mTLS, checked above) vouches for the hop and the receiving
   * DFSP verifies the signature end to end (docs/interscheme.md, "Trust"). Without mTLS nothing authenticates the
   * proxy: such a message must be signed with a key the hub holds, which it does not, so it is refused (3105).
   */
  private remoteVouchedByProxy(request: FastifyRequest, source: string): boolean {
    if (request.headers['fspiop-proxy'] === undefined || this.registry.participant(source)) return false;
    if (this.keys.keysOf(source).length > 0) return false;
    if (!this.options.mtls)
      throw new FspiopError('3105', `no signature key is held for ${source} (another scheme's DFSP) and without mTLS no proxy vouches for it`);
    return true;
  }

  private checkDate(text: string): void {
    const skew = Date.now() - Date.parse(text);
    const window = this.options.dateWindowMs;
    if (skew > window) throw new FspiopError('3100', `Date header ${text} is more than ${window / 1000} s in the past`);
    if (-skew > window) throw new FspiopError('3100', `Date header ${text} is more than ${window / 1000} s in the future`);
  }
}
