/**
 * Banks name financial institutions the ISO 20022 way — by BIC (`BICFI`) or clearing-system member id (`ClrSysMmbId`:
 * `ClrSysId/Cd` + `MmbId`, e.g. USABA + a routing number) — where the hub names participants by FSP id (`Othr/Id`).
 * This module maps between the two with the identifiers participants registered (docs/iso20022.md, "Identifying
 * banks"):
 *   - inbound, `canonicalAgents` rewrites every agent of a bank's message that names a participant by BIC or clearing
 *     id into `Othr/Id` = its FSP id, so nothing behind the edge sees the difference; an agent that names no
 *     participant is left as written, for the precise refusal of whoever reads it (`agentName`, schemas/iso/institutions.ts);
 *   - outbound, `registeredAgents` writes every agent that names a participant by FSP id the way that participant
 *     registered (BIC, else its first clearing id, else `Othr/Id`), so a bank recognises itself and its peers.
 * The rule that keeps the Mojaloop mapping: a `ClrSysMmbId` beside `Othr/Id` is the FSPIOP partySubIdOrType and is
 * never read as an institution; a `ClrSysMmbId` is an institution's id only when the agent has no `Othr/Id`.
 */
import type { Agent, FinInstnId } from '../../schemas/iso/common.js';
import type { BahParty } from '../../schemas/iso/head001.js';
import { describeInstitution, registeredInstitution } from '../../schemas/iso/institutions.js';
import type { ParticipantDirectory } from './participants.js';
import type { BusinessDocument, InboundDocument } from '../../translators/isoxml/render.js';

export type InstitutionResolution = { ok: true; name: string } | { ok: false; reason: string };

const fail = (reason: string): InstitutionResolution => ({ ok: false, reason });

function byMember(directory: ParticipantDirectory, member: NonNullable<FinInstnId['ClrSysMmbId']>): InstitutionResolution {
  const what = describeInstitution({ ClrSysMmbId: member });
  if (member.ClrSysId?.Cd !== undefined) {
    const p = directory.participantOfMember(member.ClrSysId.Cd, member.MmbId);
    return p ? { ok: true, name: p.name } : fail(`${what} is not registered to any participant`);
  }
  if (member.ClrSysId !== undefined) return fail(`${what} is not registered to any participant (only ClrSysId/Cd clearing systems are registered)`);
  const holders = directory.participantsOfMemberId(member.MmbId);
  if (holders.length === 1) return { ok: true, name: holders[0]!.name };
  return fail(
    holders.length === 0 ? `${what} is not registered to any participant` : `${what} is registered in several clearing systems: name the system in ClrSysId/Cd`,
  );
}

/** The participant a FinInstnId names (by `Othr/Id`, `BICFI` or `ClrSysMmbId`), or why it names none. */
export function resolveInstitution(directory: ParticipantDirectory, id: FinInstnId): InstitutionResolution {
  if (id.Othr) {
    const byBic = id.BICFI === undefined ? undefined : directory.participantOfBic(id.BICFI);
    if (byBic && byBic.name !== id.Othr.Id) return fail(`Othr/Id ${id.Othr.Id} and BICFI ${id.BICFI} name different participants`);
    return { ok: true, name: id.Othr.Id };
  }
  const found: string[] = [];
  if (id.BICFI !== undefined) {
    const p = directory.participantOfBic(id.BICFI);
    if (!p) return fail(`BICFI ${id.BICFI} is not registered to any participant`);
    found.push(p.name);
  }
  if (id.ClrSysMmbId) {
    const r = byMember(directory, id.ClrSysMmbId);
    if (!r.ok) return r;
    found.push(r.name);
  }
  if (found.length === 0) return fail(`${describeInstitution(id)} names no institution`);
  if (found.some((n) => n !== found[0])) return fail(`${describeInstitution(id)} name different participants`);
  return { ok: true, name: found[0]! };
}

type AnyDocument = BusinessDocument | InboundDocument;
type AgentMap = (agent: Agent) => Agent;

function mapAssignment<A extends { Assgnr: Agent; Assgne?: Agent }>(a: A, f: AgentMap): A {
  return a.Assgne ? { ...a, Assgnr: f(a.Assgnr), Assgne: f(a.Assgne) } : { ...a, Assgnr: f(a.Assgnr) };
}

function mapRoute<T extends { InstgAgt?: Agent; InstdAgt?: Agent }>(t: T, f: AgentMap): T {
  const out = { ...t };
  if (t.InstgAgt) out.InstgAgt = f(t.InstgAgt);
  if (t.InstdAgt) out.InstdAgt = f(t.InstdAgt);
  return out;
}

/** Applies `f` to every agent of a message that names an institution (both directions use it). */
export function mapAgents<D extends AnyDocument>(doc: D, f: AgentMap): D {
  const d = doc as AnyDocument;
  switch (d.kind) {
    case 'pacs.008': {
      const tx = d.message.CdtTrfTxInf;
      return { ...d, message: { ...d.message, CdtTrfTxInf: mapRoute({ ...tx, DbtrAgt: f(tx.DbtrAgt), CdtrAgt: f(tx.CdtrAgt) }, f) } } as D;
    }
    case 'pacs.008/bulk': {
      const lines = d.message.CdtTrfTxInf.map((tx) => mapRoute({ ...tx, DbtrAgt: f(tx.DbtrAgt), CdtrAgt: f(tx.CdtrAgt) }, f));
      return { ...d, message: { ...d.message, CdtTrfTxInf: lines } } as D;
    }
    case 'pacs.028':
      return { ...d, message: { ...d.message, GrpHdr: mapRoute(d.message.GrpHdr, f) } } as D;
    case 'acmt.023':
      return { ...d, message: { ...d.message, Assgnmt: mapAssignment(d.message.Assgnmt, f) } } as D;
    case 'acmt.024': {
      const upd = d.message.Rpt.UpdtdPtyAndAcctId;
      const Rpt = upd?.Agt ? { ...d.message.Rpt, UpdtdPtyAndAcctId: { ...upd, Agt: f(upd.Agt) } } : d.message.Rpt;
      return { ...d, message: { ...d.message, Assgnmt: mapAssignment(d.message.Assgnmt, f), Rpt } } as D;
    }
    case 'camt.056': {
      const m = d.message;
      return { ...d, message: { ...m, Assgnmt: mapAssignment(m.Assgnmt, f), ...(m.Case ? { Case: { ...m.Case, Cretr: f(m.Case.Cretr) } } : {}) } } as D;
    }
    case 'pain.013': {
      const p = d.message.PmtInf;
      const CdtTrfTx = { ...p.CdtTrfTx, CdtrAgt: f(p.CdtTrfTx.CdtrAgt) };
      return { ...d, message: { ...d.message, PmtInf: { ...p, DbtrAgt: f(p.DbtrAgt), CdtTrfTx } } } as D;
    }
    case 'pain.014': {
      const g = { ...d.message.GrpHdr };
      if (g.DbtrAgt) g.DbtrAgt = f(g.DbtrAgt);
      if (g.CdtrAgt) g.CdtrAgt = f(g.CdtrAgt);
      return { ...d, message: { ...d.message, GrpHdr: g } } as D;
    }
    case 'camt.029': {
      const m = d.message;
      return {
        ...d,
        message: { ...m, Assgnmt: mapAssignment(m.Assgnmt, f), ...(m.RslvdCase ? { RslvdCase: { ...m.RslvdCase, Cretr: f(m.RslvdCase.Cretr) } } : {}) },
      } as D;
    }
    default:
      return doc;
  }
}

/** Inbound: agents naming a participant by BIC or clearing id become `Othr/Id` = its FSP id. */
export function canonicalAgents<D extends InboundDocument>(directory: ParticipantDirectory, doc: D): D {
  return mapAgents(doc, (agent) => {
    if (agent.FinInstnId.Othr) return agent;
    const r = resolveInstitution(directory, agent.FinInstnId);
    return r.ok ? { FinInstnId: { Othr: { Id: r.name } } } : agent;
  });
}

/** The FinInstnId the hub writes for participant `name`: as it registered, else its FSP id. */
export function registeredFinInstnId(directory: ParticipantDirectory, name: string): FinInstnId {
  return registeredInstitution(name, directory.isoIdentifiers(name));
}

/** Outbound: agents naming a participant by FSP id alone are written the way it registered. */
export function registeredAgents<D extends BusinessDocument>(directory: ParticipantDirectory, doc: D): D {
  return mapAgents(doc, (agent) => {
    const id = agent.FinInstnId;
    if (!id.Othr || id.BICFI !== undefined || id.ClrSysMmbId !== undefined) return agent;
    return { FinInstnId: registeredFinInstnId(directory, id.Othr.Id) };
  });
}

/** The BAH party (`FIId/FinInstnId`) for a participant, as it registered. */
export function registeredBahParty(directory: ParticipantDirectory, name: string): BahParty {
  return { FIId: { FinInstnId: registeredFinInstnId(directory, name) } };
}
