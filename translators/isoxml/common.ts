/**
 * Building blocks shared by the ISO 20022 XML message mappings: agents, parties, accounts, status
 * reasons, repeated Max105Text, and the Mizani supplementary data block.
 *
 * Supplementary data. Canonical data an XML version has no element for (e.g. the expiry and ILP
 * condition in pacs.008.001.08, the fulfilment in pacs.002.001.10, FSPIOP extensions) is carried in
 * the message's ISO `SplmtryData`, never dropped:
 *
 *   <SplmtryData><PlcAndNm>/Document/FIToFICstmrCdtTrf/CdtTrfTxInf</PlcAndNm>
 *     <Envlp><Splmtry xmlns="urn:mizani:xsd:supplementary">{"PmtInstrXpryDtTm":"…"}</Splmtry></Envlp>
 *   </SplmtryData>
 *
 * The content is a JSON object (strings, booleans, arrays, objects) whose members are named after
 * the canonical members they hold. Banks may ignore it (ISO's `Envlp` is a lax wildcard); a hub
 * reading it back restores the canonical message exactly. Other parties' SplmtryData is ignored.
 */
import sjson from 'secure-json-parse';
import type { Account, Agent, Extension, FinInstnId, GenericId, Party, PartyId, StatusReason } from '../../schemas/iso/common.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { finInstnIdFromXml, finInstnIdXml } from './head001.js';
import { maxText } from './values.js';
import { XNode, el, escapeAttr, escapeText, leaf, opt, optLeaf } from './xml.js';

export const SUPPLEMENT_NAMESPACE = 'urn:mizani:xsd:supplementary';

// -------------------------------------------------------------------------------------------- agents

/** `<name><FinInstnId>…</FinInstnId></name>` (BranchAndFinancialInstitutionIdentification). */
export function agentXml(name: string, agent: Agent, field: string): string {
  checkFinInstnId(agent.FinInstnId, field);
  return el(name, finInstnIdXml(agent.FinInstnId));
}

function checkFinInstnId(id: FinInstnId, field: string): void {
  if (id.Othr) maxText(id.Othr.Id, 35, `${field}.FinInstnId.Othr.Id`);
  if (id.ClrSysMmbId) maxText(id.ClrSysMmbId.MmbId, 35, `${field}.FinInstnId.ClrSysMmbId.MmbId`);
  if (id.BICFI !== undefined && !/^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(id.BICFI)) {
    throw new TranslationError(`${field}.FinInstnId.BICFI`, `${JSON.stringify(id.BICFI)} is not a BIC`);
  }
}

export function agentFromXml(node: XNode): Agent {
  return { FinInstnId: finInstnIdFromXml(node.req('FinInstnId')) };
}

/** Party40/50Choice holding an agent: `<name><Agt><FinInstnId>…</FinInstnId></Agt></name>`. */
export function assignmentPartyXml(name: string, agent: Agent, field: string): string {
  return el(name, agentXml('Agt', agent, field));
}

export function assignmentPartyFromXml(node: XNode): Agent {
  const agt = node.child('Agt');
  if (!agt) throw node.fail(`${node.localName} must identify a financial institution (Agt): Pty is not accepted`);
  return agentFromXml(agt);
}

// ------------------------------------------------------------------------------------------- parties

function genericIdXml(id: GenericId, idMax: number, field: string): string {
  let scheme = '';
  if (id.SchmeNm) {
    const { Prtry, Cd } = id.SchmeNm;
    if (Prtry !== undefined && Cd !== undefined) throw new TranslationError(`${field}.SchmeNm`, 'holds both Prtry and Cd: the ISO element is a choice');
    if (Prtry !== undefined) scheme = el('SchmeNm', leaf('Prtry', maxText(Prtry, 35, `${field}.SchmeNm.Prtry`)));
    else if (Cd !== undefined) scheme = el('SchmeNm', leaf('Cd', maxText(Cd, 4, `${field}.SchmeNm.Cd`)));
    else scheme = '';
  }
  return el('Othr', leaf('Id', maxText(id.Id, idMax, `${field}.Id`)), scheme);
}

function genericIdFromXml(node: XNode): GenericId {
  const g: GenericId = { Id: node.reqText('Id') };
  const scheme = node.child('SchmeNm');
  if (scheme) {
    const prtry = scheme.textOf('Prtry');
    const cd = scheme.textOf('Cd');
    g.SchmeNm = prtry !== undefined ? { Prtry: prtry } : { Cd: cd! };
  }
  return g;
}

function partyIdXml(id: PartyId, idMax: number, field: string): string {
  if (id.OrgId && id.PrvtId) throw new TranslationError(`${field}.Id`, 'holds both OrgId and PrvtId: the ISO element is a choice');
  if (id.OrgId) return el('Id', el('OrgId', genericIdXml(id.OrgId.Othr, idMax, `${field}.Id.OrgId.Othr`)));
  if (id.PrvtId) return el('Id', el('PrvtId', genericIdXml(id.PrvtId.Othr, idMax, `${field}.Id.PrvtId.Othr`)));
  return '';
}

/**
 * PartyIdentification135/272: Nm, PstlAdr, Id, CtryOfRes, CtctDtls. Written even when empty where
 * the schema requires the element (`required`), so an absent canonical party round-trips as absent.
 */
export function partyXml(name: string, party: Party | undefined, options: { idMax: number; required: boolean; field: string }): string {
  if (!party) return options.required ? el(name) : '';
  const inner =
    optLeaf('Nm', party.Nm === undefined ? undefined : maxText(party.Nm, 140, `${options.field}.Nm`)) +
    (party.Id ? partyIdXml(party.Id, options.idMax, options.field) : '');
  return options.required ? el(name, inner) : opt(name, inner);
}

/** Reads a party; an empty element reads as undefined. Only the first `Othr` of an id is kept. */
export function partyFromXml(node: XNode | undefined): Party | undefined {
  if (!node) return undefined;
  const p: Party = {};
  const nm = node.textOf('Nm');
  if (nm !== undefined) p.Nm = nm;
  const id = node.child('Id');
  if (id) {
    const org = id.at('OrgId', 'Othr');
    const prv = id.at('PrvtId', 'Othr');
    if (org) p.Id = { OrgId: { Othr: genericIdFromXml(org) } };
    else if (prv) p.Id = { PrvtId: { Othr: genericIdFromXml(prv) } };
  }
  return p.Nm === undefined && p.Id === undefined ? undefined : p;
}

// ------------------------------------------------------------------------------------------ accounts

/** Can this version's CashAccount hold the account? (CashAccount38 requires `Id`.) */
export function accountFits(acct: Account, idRequired: boolean): boolean {
  return !idRequired || acct.Id !== undefined;
}

/** CashAccount38/40: Id (IBAN | Othr), Tp, Ccy, Nm, Prxy. */
export function accountXml(name: string, acct: Account, field: string): string {
  let id = '';
  if (acct.Id) {
    if (acct.Id.IBAN !== undefined && acct.Id.Othr) throw new TranslationError(`${field}.Id`, 'holds both IBAN and Othr: the ISO element is a choice');
    if (acct.Id.IBAN !== undefined) {
      if (!/^[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}$/.test(acct.Id.IBAN)) throw new TranslationError(`${field}.Id.IBAN`, 'not an IBAN');
      id = el('Id', leaf('IBAN', acct.Id.IBAN));
    } else if (acct.Id.Othr) {
      const o = acct.Id.Othr;
      let scheme = '';
      if (o.SchmeNm?.Prtry !== undefined && o.SchmeNm.Cd !== undefined) throw new TranslationError(`${field}.Id.Othr.SchmeNm`, 'holds both Prtry and Cd');
      if (o.SchmeNm?.Prtry !== undefined) scheme = el('SchmeNm', leaf('Prtry', maxText(o.SchmeNm.Prtry, 35, `${field}.Id.Othr.SchmeNm.Prtry`)));
      else if (o.SchmeNm?.Cd !== undefined) scheme = el('SchmeNm', leaf('Cd', maxText(o.SchmeNm.Cd, 4, `${field}.Id.Othr.SchmeNm.Cd`)));
      id = el('Id', el('Othr', leaf('Id', maxText(o.Id, 34, `${field}.Id.Othr.Id`)), scheme));
    } else {
      throw new TranslationError(`${field}.Id`, 'needs IBAN or Othr');
    }
  }
  if (acct.Ccy !== undefined && !/^[A-Z]{3}$/.test(acct.Ccy)) throw new TranslationError(`${field}.Ccy`, `${JSON.stringify(acct.Ccy)} is not a currency code`);
  return el(name, id, optLeaf('Ccy', acct.Ccy));
}

export function accountFromXml(node: XNode | undefined): Account | undefined {
  if (!node) return undefined;
  const a: Account = {};
  const id = node.child('Id');
  if (id) {
    const iban = id.textOf('IBAN');
    const othr = id.child('Othr');
    if (iban !== undefined) a.Id = { IBAN: iban };
    else if (othr) a.Id = { Othr: genericIdFromXml(othr) };
  }
  const ccy = node.textOf('Ccy');
  if (ccy !== undefined) a.Ccy = ccy;
  return a;
}

// ----------------------------------------------------------------------------------------- free text

const MAX105 = 105;

/** Splits text into Max105Text pieces (by Unicode characters) for a repeatable AddtlInf. */
export function max105Pieces(text: string): string[] {
  const chars = [...text];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += MAX105) out.push(chars.slice(i, i + MAX105).join(''));
  return out;
}

export function addtlInfXml(texts: readonly string[] | undefined, field: string): string {
  if (!texts) return '';
  return texts.map((t, i) => leaf('AddtlInf', maxText(t, MAX105, `${field}[${i}]`))).join('');
}

export function addtlInfFromXml(node: XNode): string[] | undefined {
  const all = node.children('AddtlInf').map((n) => n.text());
  return all.length > 0 ? all : undefined;
}

/** A reason choice `Rsn/{Cd|Prtry}` (Cd: at most 4 characters). */
export function reasonXml(rsn: { Cd?: string; Prtry?: string } | undefined, field: string): string {
  if (!rsn) return '';
  if (rsn.Cd !== undefined && rsn.Prtry !== undefined) throw new TranslationError(field, 'holds both Cd and Prtry: the ISO element is a choice');
  if (rsn.Prtry !== undefined) return el('Rsn', leaf('Prtry', maxText(rsn.Prtry, 35, `${field}.Prtry`)));
  if (rsn.Cd !== undefined) return el('Rsn', leaf('Cd', maxText(rsn.Cd, 4, `${field}.Cd`)));
  return '';
}

export function reasonFromXml(node: XNode | undefined): { Cd?: string; Prtry?: string } | undefined {
  if (!node) return undefined;
  const cd = node.textOf('Cd');
  if (cd !== undefined) return { Cd: cd };
  const prtry = node.textOf('Prtry');
  return prtry !== undefined ? { Prtry: prtry } : undefined;
}

/** StatusReasonInformation: Rsn then AddtlInf (the canonical text split into Max105Text pieces). */
export function statusReasonXml(name: string, r: StatusReason, field: string): string {
  return el(
    name,
    reasonXml(r.Rsn, `${field}.Rsn`),
    r.AddtlInf === undefined || r.AddtlInf === '' ? '' : addtlInfXml(max105Pieces(r.AddtlInf), `${field}.AddtlInf`),
  );
}

export function statusReasonFromXml(node: XNode): StatusReason {
  const r: StatusReason = { Rsn: reasonFromXml(node.child('Rsn')) ?? {} };
  const info = addtlInfFromXml(node);
  if (info) r.AddtlInf = info.join('');
  return r;
}

// ------------------------------------------------------------------------------------- supplementary

/** A plain JSON object with the undefined members removed (undefined when nothing is left). */
export function compact(data: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The Mizani SplmtryData block (empty string when there is nothing to carry). */
export function supplementXml(place: string, data: Record<string, unknown> | undefined): string {
  const body = data && compact(data);
  if (!body) return '';
  return el(
    'SplmtryData',
    leaf('PlcAndNm', place),
    el('Envlp', `<Splmtry xmlns="${escapeAttr(SUPPLEMENT_NAMESPACE)}">${escapeText(JSON.stringify(body), 'SplmtryData')}</Splmtry>`),
  );
}

/** Reads the Mizani supplementary data among `parent`'s SplmtryData children (undefined when none). */
export function readSupplement(parent: XNode): Record<string, unknown> | undefined {
  for (const sd of parent.children('SplmtryData')) {
    const envlp = sd.child('Envlp');
    if (!envlp) continue;
    for (const e of envlp.elements()) {
      if (e.localName !== 'Splmtry' || e.namespace !== SUPPLEMENT_NAMESPACE) continue;
      let value: unknown;
      try {
        value = sjson.parse(e.text(), undefined, { protoAction: 'error', constructorAction: 'error' });
      } catch (err) {
        throw e.fail(`Mizani supplementary data is not valid JSON: ${(err as Error).message}`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw e.fail('Mizani supplementary data must be a JSON object');
      return value as Record<string, unknown>;
    }
  }
  return undefined;
}

/** Shape checks for values read from supplementary data (a bank may send anything). */
export class SupplementReader {
  constructor(
    private readonly data: Record<string, unknown> | undefined,
    private readonly where: XNode,
  ) {}

  private fail(name: string, what: string): never {
    throw this.where.fail(`Mizani supplementary data: ${name} must be ${what}`);
  }

  has(name: string): boolean {
    return this.data !== undefined && this.data[name] !== undefined;
  }

  string(name: string): string | undefined {
    const v = this.data?.[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') this.fail(name, 'a string');
    return v;
  }

  object<T>(name: string, check: (v: Record<string, unknown>) => boolean = () => true): T | undefined {
    const v = this.data?.[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !check(v as Record<string, unknown>)) this.fail(name, 'an object of the canonical shape');
    return v as T;
  }

  extensions(name: string): Extension[] | undefined {
    const v = this.data?.[name];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'object' && x !== null && typeof x.key === 'string' && typeof x.value === 'string')) {
      this.fail(name, 'a list of {key, value} strings');
    }
    return (v as Extension[]).map((x) => ({ key: x.key, value: x.value }));
  }

  strings(name: string): string[] | undefined {
    const v = this.data?.[name];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) this.fail(name, 'a list of strings');
    return [...(v as string[])];
  }
}

/** Only strings, booleans, arrays and plain objects (what canonical supplements are made of). */
export function isJsonData(v: unknown, depth = 0): boolean {
  if (depth > 8) return false;
  if (typeof v === 'string' || typeof v === 'boolean') return true;
  if (Array.isArray(v)) return v.every((x) => isJsonData(x, depth + 1));
  if (typeof v === 'object' && v !== null) return Object.values(v).every((x) => isJsonData(x, depth + 1));
  return false;
}
