/**
 * How ISO 20022 names a financial institution (`FinInstnId`), as far as the hub identifies its participants by it:
 * a BIC (`BICFI`), a clearing-system member id (`ClrSysMmbId`: `ClrSysId/Cd` + `MmbId`, e.g. USABA + an ABA routing
 * number), or the scheme's own participant id (`Othr/Id` = the FSP id). Pure helpers shared by the registry (which
 * stores what each participant registered), the XML edge (which maps agents to participants) and the Admin API.
 */
import type { Agent, FinInstnId } from './common.js';

/** ISO BICFIDec2014Identifier. */
export const BICFI_PATTERN = /^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;

/** A code of ExternalClearingSystemIdentification1Code (USABA, GBDSC, DEBLZ, CACPA, …: five capital letters). */
export const CLEARING_SYSTEM_CODE = /^[A-Z]{5}$/;

/** Max35Text without leading or trailing white space (what a member id is compared as). */
export const MEMBER_ID_PATTERN = /^\S(?:.{0,33}\S)?$/;

/** A clearing-system member id as registered for a participant. */
export interface ClearingMemberId {
  /** ExternalClearingSystemIdentification1Code, e.g. `USABA`. */
  clearingSystemId: string;
  /** The member id in that system (Max35Text), e.g. a routing number. */
  memberId: string;
}

/** The ISO identifiers a participant registered (none by default: it is then named by `Othr/Id` only). */
export interface IsoIdentifiers {
  bicfi?: string;
  /** In the order registered; the first is the one the hub writes when the participant has no BIC. */
  clearingSystemMemberIds: ClearingMemberId[];
}

/**
 * The key a BIC is matched by: an 11-character BIC with branch code `XXX` (the primary office) names the same
 * institution as its 8-character form; other branch codes name a branch and stay distinct.
 */
export function bicKey(bicfi: string): string {
  return bicfi.length === 11 && bicfi.endsWith('XXX') ? bicfi.slice(0, 8) : bicfi;
}

/** ABA routing number: nine digits whose weighted sum (3, 7, 1, …) is a multiple of ten. */
export function isAbaRoutingNumber(text: string): boolean {
  if (!/^\d{9}$/.test(text)) return false;
  const d = [...text].map(Number);
  const sum = 3 * (d[0]! + d[3]! + d[6]!) + 7 * (d[1]! + d[4]! + d[7]!) + (d[2]! + d[5]! + d[8]!);
  return sum % 10 === 0;
}

/** Why a member id cannot be registered in its clearing system (undefined when it can). */
export function memberIdProblem(id: ClearingMemberId): string | undefined {
  if (!MEMBER_ID_PATTERN.test(id.memberId)) return 'must be 1 to 35 characters, no space first or last';
  if (id.clearingSystemId === 'USABA' && !isAbaRoutingNumber(id.memberId)) return 'is not an ABA routing number (check digit)';
  return undefined;
}

/** How a FinInstnId names its institution, for messages: `BICFI X`, `ClrSysMmbId USABA/011000015`, `Othr/Id x`. */
export function describeInstitution(id: FinInstnId | undefined): string {
  if (!id) return 'no institution';
  if (id.Othr) return `Othr/Id ${id.Othr.Id}`;
  const parts: string[] = [];
  if (id.BICFI !== undefined) parts.push(`BICFI ${id.BICFI}`);
  const member = id.ClrSysMmbId;
  if (member) {
    const system = member.ClrSysId?.Cd ?? (member.ClrSysId?.Prtry !== undefined ? `Prtry:${member.ClrSysId.Prtry}` : undefined);
    parts.push(`ClrSysMmbId ${system === undefined ? member.MmbId : `${system}/${member.MmbId}`}`);
  }
  return parts.length > 0 ? parts.join(' and ') : 'no identifier (Othr/Id, BICFI or ClrSysMmbId)';
}

/**
 * The FinInstnId the hub writes for a participant: its BIC when it registered one, else its first clearing-system
 * member id, else its FSP id in `Othr/Id` (one identifier only: a `ClrSysMmbId` beside `Othr/Id` would read as a
 * party sub-id in the Mojaloop mapping).
 */
export function registeredInstitution(fspId: string, ids: IsoIdentifiers | undefined): FinInstnId {
  if (ids?.bicfi !== undefined) return { BICFI: ids.bicfi };
  const first = ids?.clearingSystemMemberIds[0];
  if (first) return { ClrSysMmbId: { ClrSysId: { Cd: first.clearingSystemId }, MmbId: first.memberId } };
  return { Othr: { Id: fspId } };
}

/**
 * The FSP id an agent names (after `canonicalAgents`: its `Othr/Id`), a description of what it names when that is no
 * participant (`BICFI X`, `ClrSysMmbId USABA/…`: never a valid participant name, so lookups fail and the refusal says
 * what the bank wrote), or undefined when the agent names nothing at all (an empty `FinInstnId`).
 */
export function agentName(agent: Agent | undefined): string | undefined {
  const id = agent?.FinInstnId;
  if (!id) return undefined;
  if (id.Othr) return id.Othr.Id;
  return id.BICFI === undefined && id.ClrSysMmbId === undefined ? undefined : describeInstitution(id);
}
