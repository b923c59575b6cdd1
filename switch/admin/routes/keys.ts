/**
 * Participants' signature keys (the store: security/jws-keys.ts).
 *
 *   GET    /participants/{name}/jwsKeys        → 200 [{kid, alg, createdDate, revokedDate?, publicKey, certificate?}]
 *   POST   /participants/{name}/jwsKeys        {publicKey: PEM, kid?} → 201 {kid, alg}
 *   DELETE /participants/{name}/jwsKeys/{kid}  → 204
 *
 * The same routes serve banks' XML-signature certificates under `xmlCertificates`, with `{certificate}` bodies.
 */
import { FspiopError } from '../../../schemas/errors.js';
import { KID_PATTERN, MAX_PEM_CHARS, type JwsKeyStore } from '../../security/jws-keys.js';
import { READ_OWN, type AdminRoute } from '../auth/roles.js';
import type { AdminDeps } from '../deps.js';
import { bodyFields, param, send } from '../request.js';

interface KeyRouteDeps {
  keys: JwsKeyStore;
  registry: { requireParticipant(name: string): unknown };
}

export function keyRoutes(deps: Pick<AdminDeps, 'registry' | 'jwsKeys' | 'xmlCertificates'>): AdminRoute[] {
  return [
    ...keyCollectionRoutes({ keys: deps.jwsKeys, registry: deps.registry }, 'jwsKeys'),
    ...keyCollectionRoutes({ keys: deps.xmlCertificates, registry: deps.registry }, 'xmlCertificates'),
  ];
}

export function keyCollectionRoutes({ keys, registry }: KeyRouteDeps, collection: 'jwsKeys' | 'xmlCertificates'): AdminRoute[] {
  const field = collection === 'jwsKeys' ? 'publicKey' : 'certificate';
  return [
    {
      method: 'GET',
      path: `/participants/:name/${collection}`,
      access: READ_OWN({ param: 'name', by: 'name' }),
      handler: async (request, reply) => {
        const name = param(request, 'name');
        registry.requireParticipant(name);
        return send(reply, 200, await keys.list(name));
      },
    },
    {
      method: 'POST',
      path: `/participants/:name/${collection}`,
      access: { roles: ['operator'], action: 'keys' },
      handler: async (request, reply) => {
        const name = param(request, 'name');
        registry.requireParticipant(name);
        const fields = bodyFields(request, field, 'kid');
        const pem = fields.string(field, { min: 1, max: MAX_PEM_CHARS });
        if (field === 'certificate' && !pem.includes('BEGIN CERTIFICATE')) {
          throw new FspiopError('3101', '/requestBody/certificate must be an X.509 certificate (PEM)');
        }
        const kid = fields.optionalString('kid', { pattern: KID_PATTERN });
        return send(reply, 201, await keys.add(name, pem, kid));
      },
    },
    {
      method: 'DELETE',
      path: `/participants/:name/${collection}/:kid`,
      access: { roles: ['operator'], action: 'keys' },
      handler: async (request, reply) => {
        const name = param(request, 'name');
        registry.requireParticipant(name);
        await keys.revoke(name, param(request, 'kid'));
        return send(reply, 204);
      },
    },
  ];
}
