/** How the Admin API shows a participant (Mojaloop's central-ledger shape, admin.md §1.1). */
import type { FastifyRequest } from 'fastify';
import { CLEARING, type Participant } from '../../ledger/registry.js';
import type { ParticipantDirectory } from '../directory/participants.js';
import { baseUrl } from './request.js';
import { isoIdentifiersView } from './routes/iso-identifiers.js';

export function participantView(participants: ParticipantDirectory, request: FastifyRequest, participant: Participant) {
  const dialect = participants.dialectOf(participant.name);
  const self = `${baseUrl(request)}/participants/${participant.name}`;
  return {
    name: participant.name,
    id: self,
    created: participant.createdAt.toISOString(),
    isActive: participant.isActive ? 1 : 0,
    links: { self },
    accounts: participants.registry
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
    dialect,
    ...(dialect === 'iso20022-xml' ? { xmlProfile: participants.xmlProfileOf(participant.name) } : {}),
    ...isoIdentifiersMember(participants, participant.name),
  };
}

/** `isoIdentifiers` only for participants that registered some (the Mojaloop shape is unchanged otherwise). */
function isoIdentifiersMember(participants: ParticipantDirectory, name: string) {
  const ids = participants.isoIdentifiers(name);
  if (!ids || (ids.bicfi === undefined && ids.clearingSystemMemberIds.length === 0)) return {};
  return { isoIdentifiers: isoIdentifiersView(ids) };
}
