/**
 * Admin API: the ISO 20022 identifiers of a participant, so banks can name it (and be addressed) the way they name
 * financial institutions: a BIC and/or clearing-system member ids (docs/iso20022.md, "Identifying banks").
 *
 *   GET /participants/{name}/isoIdentifiers   → 200 {bicfi?, clearingSystemMemberIds: [{clearingSystemId, memberId}]}
 *   PUT /participants/{name}/isoIdentifiers   {bicfi?, clearingSystemMemberIds?} → 200 the same shape
 *
 * PUT replaces the whole set (`{}` clears it), like the participant's other settings. Plain JSON; refusals are FSPIOP
 * errorInformation bodies: unknown participant 3200, missing or malformed values 3101/3102, unexpected members 3103,
 * an identifier another participant holds 3003.
 */
import { FspiopError } from '../../../schemas/errors.js';
import { BICFI_PATTERN, CLEARING_SYSTEM_CODE, memberIdProblem, type ClearingMemberId, type IsoIdentifiers } from '../../../schemas/iso/institutions.js';
import { READ_OWN, type AdminRoute } from '../auth/roles.js';
import { Fields, parseAdminBody, type Body } from '../body.js';
import type { AdminDeps } from '../deps.js';
import { param, send } from '../request.js';

/** Most clearing-system member ids one participant may register (a bank rarely has more than a few). */
export const MAX_CLEARING_MEMBER_IDS = 10;

/** The view of a participant's identifiers in responses. */
export function isoIdentifiersView(ids: IsoIdentifiers): { bicfi?: string; clearingSystemMemberIds: ClearingMemberId[] } {
  const clearingSystemMemberIds = ids.clearingSystemMemberIds.map((m) => ({ clearingSystemId: m.clearingSystemId, memberId: m.memberId }));
  return ids.bicfi === undefined ? { clearingSystemMemberIds } : { bicfi: ids.bicfi, clearingSystemMemberIds };
}

function memberOf(item: unknown, index: number): ClearingMemberId {
  const where = `clearingSystemMemberIds.${index}`;
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new FspiopError('3101', `/requestBody/clearingSystemMemberIds/${index} must be an object`);
  }
  const fields = new Fields(item as Body, where).only('clearingSystemId', 'memberId');
  const member = {
    clearingSystemId: fields.string('clearingSystemId', { pattern: CLEARING_SYSTEM_CODE }),
    memberId: fields.string('memberId', { min: 1, max: 35 }),
  };
  const problem = memberIdProblem(member);
  if (problem) throw new FspiopError('3101', `/requestBody/clearingSystemMemberIds/${index}/memberId ${JSON.stringify(member.memberId)} ${problem}`);
  return member;
}

/** Reads and checks a PUT body (everything but uniqueness across participants, which the registry checks). */
export function parseIsoIdentifiers(raw: Buffer | undefined): IsoIdentifiers {
  const fields = new Fields(parseAdminBody(raw)).only('bicfi', 'clearingSystemMemberIds');
  const bicfi = fields.optionalString('bicfi', { pattern: BICFI_PATTERN });
  const list = fields.has('clearingSystemMemberIds') ? fields.array('clearingSystemMemberIds') : [];
  if (list.length > MAX_CLEARING_MEMBER_IDS) {
    throw new FspiopError('3103', `/requestBody/clearingSystemMemberIds must have at most ${MAX_CLEARING_MEMBER_IDS} items`);
  }
  const members = list.map(memberOf);
  const seen = new Set<string>();
  for (const m of members) {
    const key = `${m.clearingSystemId}/${m.memberId}`;
    if (seen.has(key)) throw new FspiopError('3100', `/requestBody/clearingSystemMemberIds lists ${key} twice`);
    seen.add(key);
  }
  return bicfi === undefined ? { clearingSystemMemberIds: members } : { bicfi, clearingSystemMemberIds: members };
}

export function isoIdentifierRoutes(deps: Pick<AdminDeps, 'registry' | 'participants'>): AdminRoute[] {
  const { registry, participants } = deps;
  return [
    {
      method: 'GET',
      path: '/participants/:name/isoIdentifiers',
      access: READ_OWN({ param: 'name', by: 'name' }),
      handler: async (request, reply) => {
        registry.requireParticipant(param(request, 'name'));
        return send(reply, 200, isoIdentifiersView(participants.isoIdentifiers(param(request, 'name'))!));
      },
    },
    {
      method: 'PUT',
      path: '/participants/:name/isoIdentifiers',
      access: { roles: ['operator'] },
      handler: async (request, reply) => {
        registry.requireParticipant(param(request, 'name'));
        const ids = parseIsoIdentifiers(request.body as Buffer | undefined);
        return send(reply, 200, isoIdentifiersView(await participants.setIsoIdentifiers(param(request, 'name'), ids)));
      },
    },
  ];
}
