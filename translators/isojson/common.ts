/**
 * The Mojaloop FSPIOP ISO 20022 JSON dialect (v2.0 ISO media types): shared pieces of the translators — options,
 * amounts, parties and names, agents, identifiers, supplementary data, and the profile check of incoming bodies.
 * Pure (the clock and the id generator are injected; the defaults are the only impure parts).
 *
 * Policy (docs/iso20022-mapping.md §5):
 *  - Rendering (canonical -> ISO JSON): data the dialect has no place for is refused with a TranslationError (3100)
 *    naming every such field, unless the caller passes `onUncarried`, which then receives the list and the data is
 *    left out. Values that would change meaning if left out (ids that are not ULIDs, amounts ISO cannot hold exactly,
 *    a condition that differs from the ILP packet's, required elements too long) are always refused.
 *  - Reading (ISO JSON -> canonical): elements outside the supported profile are refused likewise, unless the caller
 *    passes `onUnsupported` (e.g. to forward the original to an ISO receiver and log). Foreign SplmtryData (not
 *    written by Mizani) is ignored, as the MPD §3.6 says, and reported to `onUnsupported` when given.
 */
import { ulid } from 'ulidx';
import { formatAmount, parseUnits, type Amount, type IsoUnits } from '../../schemas/amount.js';
import type { Agent, ComplexName, Extension, ForeignElements, Party, PartyId, PartySupplement } from '../../schemas/iso/common.js';
import { TranslationError, isUlid, isoAmountFit } from '../../schemas/iso/translation.js';

// ------------------------------------------------------------------------------------------------ JSON shapes

export interface IsoAmount {
  ActiveCurrencyAndAmount: string;
  Ccy: string;
}
export interface IsoHistoricAmount {
  ActiveOrHistoricCurrencyAndAmount: string;
  Ccy: string;
}
export interface IsoGenericId {
  Id: string;
  SchmeNm?: { Prtry?: string; Cd?: string };
}
export interface IsoParty {
  Nm?: string;
  Id: { PrvtId?: { Othr: IsoGenericId }; OrgId?: { Othr: IsoGenericId } };
}
export interface IsoAgent {
  FinInstnId: { BICFI?: string; ClrSysMmbId?: { ClrSysId?: { Cd?: string; Prtry?: string }; MmbId: string }; Othr?: { Id: string } };
}
export interface IsoSupplementaryData {
  PlcAndNm?: string;
  Envlp: Record<string, unknown>;
}

// ------------------------------------------------------------------------------------------------ options

export interface IsoJsonRenderOptions {
  /** New message id per rendering (GrpHdr.MsgId / Assgnmt.MsgId): a ULID by default. Inject for tests. */
  newMsgId?: () => string;
  /** Creation time (ISO date-time with milliseconds): now by default. Inject for tests. */
  now?: () => string;
  /**
   * When given, canonical data the dialect has no place for is left out and reported here (dialect field names)
   * instead of refused. Never used for values whose loss would change the message's meaning.
   */
  onUncarried?: (fields: string[]) => void;
  /**
   * false: write no SplmtryData (for a peer that validates with the unadjusted api-snippets schema, whose envelope
   * admits only `{}`); what would have gone there then counts as uncarried. Default true.
   */
  supplementaryData?: boolean;
}

export interface IsoJsonReadOptions {
  /** When given, body elements outside Mizani's supported profile are reported here and ignored instead of refused. */
  onUnsupported?: (paths: string[]) => void;
}

/** Collects "the dialect cannot carry this" findings during one rendering. */
export class Uncarried {
  readonly fields: string[] = [];
  add(field: string, why: string): void {
    this.fields.push(`${field} (${why})`);
  }
  /** Throws when anything was found and the caller did not opt into leaving it out. */
  settle(options: IsoJsonRenderOptions, message: string): void {
    if (this.fields.length === 0) return;
    if (options.onUncarried) {
      options.onUncarried([...this.fields]);
      return;
    }
    throw new TranslationError(message, `the ISO 20022 JSON dialect cannot carry: ${this.fields.join('; ')}`);
  }
}

export function header(options: IsoJsonRenderOptions): { MsgId: string; CreDtTm: string } {
  return { MsgId: (options.newMsgId ?? ulid)(), CreDtTm: (options.now ?? (() => new Date().toISOString()))() };
}

// ------------------------------------------------------------------------------------------------ ids, texts

/** The dialect requires ULIDs for TxId, InstrId and EndToEndId (iso20022-mapping.md §1). */
export function requireUlid(value: string, field: string): string {
  if (!isUlid(value)) {
    throw new TranslationError(field, `${JSON.stringify(value)} is not a ULID; the ISO 20022 JSON dialect requires ULIDs (^[0-9A-HJKMNP-TV-Z]{26}$)`);
  }
  return value;
}

/** Length in characters (Unicode code points), as ISO MaxNText and JSON Schema maxLength count them. */
export function chars(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** The first `max` characters (never splits a surrogate pair). */
export function firstChars(text: string, max: number): string {
  return Array.from(text).slice(0, max).join('');
}

/** A required text that must fit an ISO MaxNText. */
export function requireMax(value: string, max: number, field: string): string {
  const n = chars(value);
  if (n > max) throw new TranslationError(field, `${n} characters, the ISO element allows ${max}`);
  return value;
}

// ------------------------------------------------------------------------------------------------ amounts

export function amountToIso(amount: Amount, field: string): IsoAmount {
  const fit = isoAmountFit(amount);
  if (!fit.ok) throw new TranslationError(field, fit.reason);
  return { ActiveCurrencyAndAmount: formatAmount(amount), Ccy: amount.currency };
}

export function historicAmountToIso(amount: Amount, field: string): IsoHistoricAmount {
  const fit = isoAmountFit(amount);
  if (!fit.ok) throw new TranslationError(field, fit.reason);
  return { ActiveOrHistoricCurrencyAndAmount: formatAmount(amount), Ccy: amount.currency };
}

function units(text: string, field: string): IsoUnits {
  try {
    return parseUnits(text);
  } catch (err) {
    throw new TranslationError(field, (err as Error).message);
  }
}

export function amountFromIso(a: IsoAmount, field: string): Amount {
  return { currency: a.Ccy, units: units(a.ActiveCurrencyAndAmount, field) };
}

export function historicAmountFromIso(a: IsoHistoricAmount, field: string): Amount {
  return { currency: a.Ccy, units: units(a.ActiveOrHistoricCurrencyAndAmount, field) };
}

// ------------------------------------------------------------------------------------------------ names

const NAME_MAX = 140;

/** `first;middle;last;display` (iso20022-mapping.md §3.7); undefined when all four are empty. */
export function composeName(display: string | undefined, complex: ComplexName | undefined): string | undefined {
  const parts = [complex?.firstName ?? '', complex?.middleName ?? '', complex?.lastName ?? '', display ?? ''];
  return parts.every((p) => p === '') ? undefined : parts.join(';');
}

/**
 * Reads `Nm`: four `;`-separated parts (the display name keeps any further `;`); a plain text without `;` is the
 * first name, as Mojaloop reads it. Empty parts are absent.
 */
export function splitName(nm: string): { display?: string; complex?: ComplexName } {
  if (!nm.includes(';')) return { complex: { firstName: nm } };
  const [first = '', middle = '', last = '', ...rest] = nm.split(';');
  const display = rest.join(';');
  const complex: ComplexName = {};
  if (first) complex.firstName = first;
  if (middle) complex.middleName = middle;
  if (last) complex.lastName = last;
  const out: { display?: string; complex?: ComplexName } = {};
  if (display) out.display = display;
  if (Object.keys(complex).length > 0) out.complex = complex;
  return out;
}

// ------------------------------------------------------------------------------------------------ parties

export function partyIdToIso(id: PartyId | undefined, field: string, maxId: number): IsoParty['Id'] {
  const branch = id?.OrgId ? 'OrgId' : id?.PrvtId ? 'PrvtId' : undefined;
  if (!branch) throw new TranslationError(`${field}.Id`, 'the party has no identification', '3102');
  const othr = id![branch]!.Othr;
  const out: IsoGenericId = { Id: requireMax(othr.Id, maxId, `${field}.Id.${branch}.Othr.Id`) };
  if (othr.SchmeNm) {
    out.SchmeNm = {};
    if (othr.SchmeNm.Prtry !== undefined) out.SchmeNm.Prtry = requireMax(othr.SchmeNm.Prtry, 35, `${field}.Id.${branch}.Othr.SchmeNm.Prtry`);
    if (othr.SchmeNm.Cd !== undefined) out.SchmeNm.Cd = requireMax(othr.SchmeNm.Cd, 4, `${field}.Id.${branch}.Othr.SchmeNm.Cd`);
  }
  return branch === 'OrgId' ? { OrgId: { Othr: out } } : { PrvtId: { Othr: out } };
}

export function partyIdFromIso(id: IsoParty['Id']): PartyId {
  const copy = (o: IsoGenericId) => {
    const out: PartyId['PrvtId'] = { Othr: { Id: o.Id } };
    if (o.SchmeNm) out.Othr.SchmeNm = { ...o.SchmeNm };
    return out;
  };
  if (id.OrgId) return { OrgId: copy(id.OrgId.Othr) };
  if (id.PrvtId) return { PrvtId: copy(id.PrvtId.Othr) };
  return {};
}

/**
 * Canonical party (+ its supplement) -> ISO JSON party. The name parts go into `Nm` ("first;middle;last;display");
 * a name too long for Max140Text is written whole into the envelope member `key` (`Nm` and
 * `personalInfo.complexName`) instead, or, without an envelope, counted as uncarried.
 */
export function partyToIso(
  party: Party,
  supplement: PartySupplement | undefined,
  field: string,
  maxId: number,
  uncarried: Uncarried,
  carry?: { envelope: Envelope; key: string },
): IsoParty {
  const out: IsoParty = { Id: partyIdToIso(party.Id, field, maxId) };
  const complex = supplement?.personalInfo?.complexName;
  const nm = composeName(party.Nm, complex);
  if (nm === undefined) return out;
  if (chars(nm) <= NAME_MAX) {
    out.Nm = nm;
  } else if (carry) {
    if (party.Nm !== undefined) carry.envelope.put([carry.key, 'Nm'], party.Nm);
    if (complex) carry.envelope.put([carry.key, 'personalInfo', 'complexName'], { ...complex });
  } else {
    uncarried.add(`${field}.Nm`, `the name "first;middle;last;display" is ${chars(nm)} characters, ISO allows ${NAME_MAX}`);
  }
  return out;
}

/**
 * ISO JSON party -> canonical party and the name parts for its supplement. `carriedNm`: the display name the
 * envelope carried because `Nm` could not hold it (then `Nm` is absent).
 */
export function partyFromIso(p: IsoParty, carriedNm?: string): { Pty: Party; complexName?: ComplexName } {
  const Pty: Party = { Id: partyIdFromIso(p.Id) };
  const out: { Pty: Party; complexName?: ComplexName } = { Pty };
  if (carriedNm !== undefined) {
    if (p.Nm !== undefined) throw new TranslationError('Nm', 'supplementary data: a carried name beside Nm');
    Pty.Nm = carriedNm;
  } else if (p.Nm !== undefined) {
    const { display, complex } = splitName(p.Nm);
    if (display !== undefined) Pty.Nm = display;
    if (complex) out.complexName = complex;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ agents

/**
 * Canonical agent -> ISO JSON agent. A sub-id (FSPIOP partySubIdOrType, up to 128 characters) too long for
 * ClrSysMmbId/MmbId (Max35Text) goes whole into the envelope member `key` (`FinInstnId.ClrSysMmbId.MmbId`) when an
 * envelope is given; without one it is refused.
 */
export function agentToIso(agent: Agent | undefined, field: string, carry?: { envelope: Envelope; key: string }): IsoAgent {
  if (!agent) throw new TranslationError(field, 'the agent is unknown; the ISO 20022 JSON dialect requires it', '3102');
  const fin = agent.FinInstnId;
  const out: IsoAgent = { FinInstnId: {} };
  if (fin.BICFI !== undefined) out.FinInstnId.BICFI = fin.BICFI;
  if (fin.ClrSysMmbId) {
    if (chars(fin.ClrSysMmbId.MmbId) > 35 && carry) {
      carry.envelope.put([carry.key, 'FinInstnId', 'ClrSysMmbId', 'MmbId'], fin.ClrSysMmbId.MmbId);
    } else {
      out.FinInstnId.ClrSysMmbId = { MmbId: requireMax(fin.ClrSysMmbId.MmbId, 35, `${field}.FinInstnId.ClrSysMmbId.MmbId`) };
      const sys = fin.ClrSysMmbId.ClrSysId;
      if (sys) out.FinInstnId.ClrSysMmbId = { ClrSysId: { ...sys }, ...out.FinInstnId.ClrSysMmbId };
    }
  }
  if (fin.Othr) out.FinInstnId.Othr = { Id: requireMax(fin.Othr.Id, 35, `${field}.FinInstnId.Othr.Id`) };
  return out;
}

/** Reads an agent sub-id that the envelope carried (see agentToIso) into the agent read from the elements. */
export function agentSubIdFromEnvelope(agent: Agent, v: unknown, where: string): void {
  const a = optionalObject(v, where);
  if (!a) return;
  onlyKeys(a, ['FinInstnId'], where);
  const fin = optionalObject(a.FinInstnId, `${where}.FinInstnId`) ?? {};
  onlyKeys(fin, ['ClrSysMmbId'], `${where}.FinInstnId`);
  const clr = optionalObject(fin.ClrSysMmbId, `${where}.FinInstnId.ClrSysMmbId`) ?? {};
  onlyKeys(clr, ['MmbId'], `${where}.FinInstnId.ClrSysMmbId`);
  const id = optionalString(clr.MmbId, `${where}.FinInstnId.ClrSysMmbId.MmbId`);
  if (id === undefined) bad(where, 'no ClrSysMmbId.MmbId');
  if (agent.FinInstnId.ClrSysMmbId) bad(where, 'the agent already has a ClrSysMmbId');
  agent.FinInstnId.ClrSysMmbId = { MmbId: id };
}

export function agentFromIso(agent: IsoAgent): Agent {
  const fin = agent.FinInstnId;
  const out: Agent = { FinInstnId: {} };
  if (fin.BICFI !== undefined) out.FinInstnId.BICFI = fin.BICFI;
  if (fin.ClrSysMmbId) {
    out.FinInstnId.ClrSysMmbId = { MmbId: fin.ClrSysMmbId.MmbId };
    if (fin.ClrSysMmbId.ClrSysId) out.FinInstnId.ClrSysMmbId.ClrSysId = { ...fin.ClrSysMmbId.ClrSysId };
  }
  if (fin.Othr) out.FinInstnId.Othr = { Id: fin.Othr.Id };
  return out;
}

/** Mojaloop's stand-in party when the real one is unknown: the FSP itself (`Id.OrgId.Othr.Id` = FSP id). */
export function fspParty(agent: Agent | undefined, field: string): IsoParty {
  const id = agent?.FinInstnId.Othr?.Id;
  if (id === undefined) throw new TranslationError(field, 'neither the party nor its agent is known; the ISO 20022 JSON dialect requires the party', '3102');
  return { Id: { OrgId: { Othr: { Id: id } } } };
}

// ------------------------------------------------------------------------------------------------ supplementary data

/**
 * What the ISO elements of one message cannot hold, collected during a rendering for the message's Mizani
 * SplmtryData. Member names are canonical names (docs/iso20022-mapping.md §5).
 */
export class Envelope {
  readonly data: Record<string, unknown> = {};

  /** Sets `value` at `path`, creating the objects on the way (an existing object member is merged into). */
  put(path: readonly string[], value: unknown): void {
    let at = this.data;
    for (const key of path.slice(0, -1)) {
      const next = at[key];
      if (next === undefined) at[key] = {};
      else if (typeof next !== 'object' || next === null || Array.isArray(next)) throw new Error(`envelope: ${path.join('.')} crosses a value`);
      at = at[key] as Record<string, unknown>;
    }
    const last = path[path.length - 1]!;
    at[last] = merge(at[last], value);
  }

  get empty(): boolean {
    return Object.keys(this.data).length === 0;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge member by member (recursively); anything else replaces. */
function merge(existing: unknown, value: unknown): unknown {
  if (!isPlainObject(existing) || !isPlainObject(value)) return value;
  const out: Record<string, unknown> = { ...existing };
  for (const [k, v] of Object.entries(value)) out[k] = merge(out[k], v);
  return out;
}

/** Mizani's marker in `SplmtryData.PlcAndNm`: the envelope holds canonical FSPIOP data without an ISO element. */
export const SUPPLEMENT_PLACE = 'Mizani/FSPIOP';

export function supplementToIso(
  envelope: Record<string, unknown>,
  options: IsoJsonRenderOptions,
  uncarried: Uncarried,
  where: string,
): IsoSupplementaryData | undefined {
  const keys = Object.keys(envelope);
  if (keys.length === 0) return undefined;
  if (options.supplementaryData === false) {
    uncarried.add(`${where} (${keys.join(', ')})`, 'supplementary data is switched off for this receiver');
    return undefined;
  }
  return { PlcAndNm: SUPPLEMENT_PLACE, Envlp: envelope };
}

/** The envelope when the SplmtryData is Mizani's; foreign ones are ignored (MPD §3.6) and reported. */
export function supplementFromIso(data: IsoSupplementaryData | undefined, where: string, unsupported: Unsupported): Record<string, unknown> | undefined {
  if (!data) return undefined;
  if (data.PlcAndNm !== SUPPLEMENT_PLACE) {
    unsupported.ignored(`${where} (foreign supplementary data, ignored as MPD §3.6 says)`);
    return undefined;
  }
  return data.Envlp;
}

/**
 * The part of a party supplement that ISO elements do not hold, as an envelope member (`Nm` holds the name parts,
 * so `complexName` is written only when empty, to keep the shape). Undefined when nothing is left.
 */
export function partySupplementToEnvelope(party: PartySupplement | undefined): Record<string, unknown> | undefined {
  if (!party) return undefined;
  const rest: Record<string, unknown> = {};
  const pi = party.personalInfo;
  if (pi) {
    const info: Record<string, unknown> = {};
    if (pi.dateOfBirth !== undefined) info.dateOfBirth = pi.dateOfBirth;
    if (pi.kycInformation !== undefined) info.kycInformation = pi.kycInformation;
    if (pi.complexName && Object.keys(pi.complexName).length === 0) info.complexName = {};
    if (Object.keys(info).length > 0 || !pi.complexName) rest.personalInfo = info;
  }
  if (party.merchantClassificationCode !== undefined) rest.merchantClassificationCode = party.merchantClassificationCode;
  if (party.extensions) rest.extensions = party.extensions.map((e) => ({ key: e.key, value: e.value }));
  if (party.fspIdFromHeader) rest.fspIdFromHeader = true;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/**
 * Reads what `partySupplementToEnvelope` (and `partyToIso`, for a name too long for `Nm`) wrote, checked: it comes
 * from the wire. `Nm` is the display name carried outside the ISO element.
 */
export function partySupplementFromEnvelope(v: unknown, where: string): { supplement?: PartySupplement; Nm?: string } {
  const p = optionalObject(v, where);
  if (!p) return {};
  onlyKeys(p, ['Nm', 'personalInfo', 'merchantClassificationCode', 'extensions', 'fspIdFromHeader'], where);
  const party: PartySupplement = {};
  const pi = optionalObject(p.personalInfo, `${where}.personalInfo`);
  if (pi) {
    onlyKeys(pi, ['dateOfBirth', 'kycInformation', 'complexName'], `${where}.personalInfo`);
    party.personalInfo = {};
    const dob = optionalString(pi.dateOfBirth, `${where}.personalInfo.dateOfBirth`);
    const kyc = optionalString(pi.kycInformation, `${where}.personalInfo.kycInformation`);
    const cn = optionalObject(pi.complexName, `${where}.personalInfo.complexName`);
    if (cn) {
      onlyKeys(cn, ['firstName', 'middleName', 'lastName'], `${where}.personalInfo.complexName`);
      const name: ComplexName = {};
      for (const part of ['firstName', 'middleName', 'lastName'] as const) {
        const text = optionalString(cn[part], `${where}.personalInfo.complexName.${part}`);
        if (text !== undefined) name[part] = text;
      }
      party.personalInfo.complexName = name;
    }
    if (dob !== undefined) party.personalInfo.dateOfBirth = dob;
    if (kyc !== undefined) party.personalInfo.kycInformation = kyc;
  }
  const mcc = optionalString(p.merchantClassificationCode, `${where}.merchantClassificationCode`);
  if (mcc !== undefined) party.merchantClassificationCode = mcc;
  const ext = optionalExtensions(p.extensions, `${where}.extensions`);
  if (ext) party.extensions = ext;
  if (p.fspIdFromHeader !== undefined) {
    if (p.fspIdFromHeader !== true) bad(`${where}.fspIdFromHeader`, 'not true');
    party.fspIdFromHeader = true;
  }
  const Nm = optionalString(p.Nm, `${where}.Nm`);
  const out: { supplement?: PartySupplement; Nm?: string } = {};
  if (Object.keys(party).length > 0) out.supplement = party;
  if (Nm !== undefined) out.Nm = Nm;
  return out;
}

/** Merges name parts read from `Nm` into a party supplement read from the envelope. */
export function withComplexName(party: PartySupplement | undefined, complexName: ComplexName | undefined): PartySupplement | undefined {
  if (!complexName) return party;
  const out: PartySupplement = party ?? {};
  out.personalInfo = { ...out.personalInfo, complexName };
  return out;
}

// Checks of envelope contents (they come from the wire).
function bad(field: string, what: string): never {
  throw new TranslationError(field, `supplementary data: ${what}`);
}
export function optionalString(v: unknown, field: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') bad(field, 'not a string');
  return v;
}
export function requiredString(v: unknown, field: string): string {
  if (typeof v !== 'string') bad(field, 'not a string');
  return v;
}
/** An ISO amount object `{ActiveOrHistoricCurrencyAndAmount, Ccy}` from the envelope, shape-checked. */
export function historicAmountFromEnvelope(v: unknown, field: string): IsoHistoricAmount {
  const a = optionalObject(v, field);
  if (!a) bad(field, 'not an amount');
  onlyKeys(a, ['ActiveOrHistoricCurrencyAndAmount', 'Ccy'], field);
  const text = requiredString(a.ActiveOrHistoricCurrencyAndAmount, `${field}.ActiveOrHistoricCurrencyAndAmount`);
  const ccy = requiredString(a.Ccy, `${field}.Ccy`);
  if (!/^[A-Z]{3}$/.test(ccy)) bad(`${field}.Ccy`, 'not a currency code');
  return { ActiveOrHistoricCurrencyAndAmount: text, Ccy: ccy };
}
export function optionalExtensions(v: unknown, field: string): Extension[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0) bad(field, 'not a non-empty array');
  return v.map((e, i) => {
    if (!e || typeof e !== 'object' || typeof e.key !== 'string' || typeof e.value !== 'string' || Object.keys(e).length !== 2) {
      bad(`${field}[${i}]`, 'not a {key, value} pair of strings');
    }
    return { key: e.key as string, value: e.value as string };
  });
}
export function optionalObject(v: unknown, field: string): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  if (!v || typeof v !== 'object' || Array.isArray(v)) bad(field, 'not an object');
  return v as Record<string, unknown>;
}
export function onlyKeys(o: Record<string, unknown>, keys: readonly string[], field: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) bad(`${field}.${k}`, 'unknown member');
}

// ------------------------------------------------------------------------------------------------ profile check

/** A profile: the elements Mizani reads, by name; `true` = any value (checked by the schema and the reader). */
export type Profile = { readonly [key: string]: Profile | true };

/*
 * ForeignElements (schemas/iso/common.ts) are carried (docs/iso20022-mapping.md §5): written back at their path in
 * ISO JSON, in Mizani's supplementary data in XML, as `iso:elements` in FSPIOP.
 */
export class Unsupported {
  readonly paths: string[] = [];
  readonly elements: ForeignElements = {};
  ignored(path: string, value?: unknown): void {
    this.paths.push(path);
    if (value !== undefined && !path.includes('[') && !path.endsWith(')')) this.elements[path] = value;
  }
  /** Refuses (or, with `onUnsupported`, reports) what is outside the profile. */
  settle(options: IsoJsonReadOptions, message: string): void {
    if (this.paths.length === 0) return;
    if (options.onUnsupported) {
      options.onUnsupported([...this.paths]);
      return;
    }
    const refused = this.paths.filter((p) => !p.endsWith('ignored as MPD §3.6 says)'));
    if (refused.length > 0) {
      throw new TranslationError(message, `elements outside Mizani's ISO 20022 JSON profile: ${refused.join(', ')}`);
    }
  }
  /**
   * For the payment messages (pacs.008/081/082): what is outside the profile is carried, not refused (reported
   * too when `onUnsupported` is given). Elements inside a list cannot be placed back and are still refused.
   */
  carry(options: IsoJsonReadOptions, message: string): ForeignElements | undefined {
    if (options.onUnsupported && this.paths.length > 0) options.onUnsupported([...this.paths]);
    const unplaceable = this.paths.filter((p) => !p.endsWith('ignored as MPD §3.6 says)') && !(p in this.elements));
    if (unplaceable.length > 0 && !options.onUnsupported) {
      throw new TranslationError(message, `elements inside a list outside Mizani's ISO 20022 JSON profile: ${unplaceable.join(', ')}`);
    }
    return Object.keys(this.elements).length > 0 ? structuredClone(this.elements) : undefined;
  }
}

/** Records every element of `value` that `profile` does not name. */
export function checkProfile(value: unknown, profile: Profile, path: string, out: Unsupported): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkProfile(v, profile, `${path}[${i}]`, out));
    return;
  }
  if (!value || typeof value !== 'object') return;
  for (const [key, sub] of Object.entries(value)) {
    const allowed = profile[key];
    const where = path ? `${path}.${key}` : key;
    if (allowed === undefined) out.ignored(where, sub);
    else if (allowed !== true) checkProfile(sub, allowed, where, out);
  }
}

/** Writes carried foreign elements back at their paths (where the rendering has not written that element). */
export function putForeign(body: Record<string, unknown>, elements: ForeignElements | undefined): void {
  for (const [path, value] of Object.entries(elements ?? {})) {
    const keys = path.split('.');
    let at: Record<string, unknown> = body;
    for (const key of keys.slice(0, -1)) {
      if (at[key] === undefined) at[key] = {};
      if (!isPlainObject(at[key])) break;
      at = at[key] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1]!;
    if (at[last] === undefined) at[last] = structuredClone(value);
  }
}

/** Checks a carried `iso` member of an envelope or extension: an object of paths. */
export function foreignElementsFrom(v: unknown, field: string): ForeignElements | undefined {
  const o = optionalObject(v, field);
  if (!o) return undefined;
  for (const key of Object.keys(o)) if (!/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(key)) bad(`${field}.${key}`, 'not an element path');
  return o;
}

export const GENERIC_ID_PROFILE: Profile = { Id: true, SchmeNm: { Prtry: true, Cd: true } };
export const PARTY_PROFILE: Profile = { Nm: true, Id: { PrvtId: { Othr: GENERIC_ID_PROFILE }, OrgId: { Othr: GENERIC_ID_PROFILE } } };
export const AGENT_PROFILE: Profile = { FinInstnId: { BICFI: true, ClrSysMmbId: { ClrSysId: { Cd: true, Prtry: true }, MmbId: true }, Othr: { Id: true } } };
export const AMOUNT_PROFILE: Profile = { ActiveCurrencyAndAmount: true, Ccy: true };
export const HISTORIC_AMOUNT_PROFILE: Profile = { ActiveOrHistoricCurrencyAndAmount: true, Ccy: true };
export const SUPPLEMENT_PROFILE: Profile = { PlcAndNm: true, Envlp: true };
