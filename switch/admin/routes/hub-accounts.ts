/**
 * The hub's own accounts (admin.md §1.5): POST /participants/{hub}/accounts {currency, type} → 201
 * the hub participant. Only the hub participant takes this call.
 */
import { FspiopError } from '../../../schemas/errors.js';
import { type AdminRoute } from '../auth/roles.js';
import type { AdminDeps } from '../deps.js';
import { bodyFields, currencyField, param, send } from '../request.js';
import { participantView } from '../views.js';

export function hubAccountRoutes(deps: Pick<AdminDeps, 'registry' | 'participants'>): AdminRoute[] {
  const { registry } = deps;
  return [
    {
      method: 'POST',
      path: '/participants/:name/accounts',
      access: { roles: ['operator'] },
      handler: async (request, reply) => {
        const participant = registry.requireParticipant(param(request, 'name'));
        if (!participant.isHub) {
          throw new FspiopError('3003', undefined, { description: 'Endpoint is reserved for creation of Hub account types only.' });
        }
        const fields = bodyFields(request, 'currency', 'type');
        const currency = currencyField(fields);
        const type = fields.string('type', { pattern: /^\w{2,30}$/ });
        await registry.createHubAccount(currency, type);
        return send(reply, 201, participantView(deps.participants, request, participant));
      },
    },
  ];
}
