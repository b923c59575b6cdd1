/** How the Admin API shows a participant (Mojaloop's central-ledger shape, admin.md §1.1). */
import type { FastifyRequest } from 'fastify';
import { CLEARING, type Participant, type Registry } from '../../ledger/registry.js';
import { baseUrl } from './request.js';
import { isoIdentifiersView } from './routes/iso-identifiers.js';

export function participantView(registry: Registry, request: FastifyRequest, participant: Participant) {
  const self = `${baseUrl(request)}/participants/${participant.name}`;
  return {
    name: participant.name,
    id: self,
    created: participant.createdAt.toISOString(),
    isActive: participant.isActive ? 1 : 0,
    links: { self },
    accounts: registry
      .accountsOf(participant.id)
      .filter((a) => a.type !== CLEARING)
      .map((a) => ({
        id: a.id,
        ledgerAccountType: a.type,
        currency: a.currency,
        isActive: a.isActive ? 1 : 0,
        createdDate: a.createdAt.toISOString(),
        createdBy: a.createdBy,
      })),
    isProxy: participant.isProxy,
    dialect: participant.dialect,
    ...(participant.dialect === 'iso20022-xml' ? { xmlProfile: participant.xmlProfile } : {}),
    ...isoIdentifiersMember(registry, participant.name),
  };
}

/** `isoIdentifiers` only for participants that registered some (the Mojaloop shape is unchanged otherwise). */
function isoIdentifiersMember(registry: Registry, name: string) {
  const ids = registry.isoIdentifiers(name);
  if (!ids || (ids.bicfi === undefined && ids.clearingSystemMemberIds.length === 0)) return {};
  return { isoIdentifiers: isoIdentifiersView(ids) };
}
