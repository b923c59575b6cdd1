/**
 * FSPIOP building blocks shared by the message translators: money (with the exactness check), extension lists,
 * parties. Pure.
 */
import { decimalPlaces, formatAmount, integerDigits, parseAmount, type Amount } from '../../schemas/amount.js';
import type { Agent, Charge, Extension, ForeignElements, Party, PartySupplement, SupportedCurrencies } from '../../schemas/iso/common.js';
import { partyIdentification, readPartyIdentification } from '../../schemas/iso/common.js';
import { FITS, TranslationError, type Fit } from '../../schemas/iso/translation.js';
import { ERROR_DESCRIPTION_MAX, describeError, detailExtensions } from '../../schemas/errors.js';

export interface FspiopMoney {
  currency: string;
  amount: string;
}

export interface FspiopExtensionList {
  extension: Extension[];
}

export interface FspiopPartyIdInfo {
  partyIdType: string;
  partyIdentifier: string;
  partySubIdOrType?: string;
  fspId?: string;
  extensionList?: FspiopExtensionList;
}

export interface FspiopComplexName {
  firstName?: string;
  middleName?: string;
  lastName?: string;
}

export interface FspiopParty {
  partyIdInfo: FspiopPartyIdInfo;
  merchantClassificationCode?: string;
  name?: string;
  personalInfo?: { complexName?: FspiopComplexName; dateOfBirth?: string; kycInformation?: string };
  supportedCurrencies?: string[];
}

export interface FspiopErrorInformation {
  errorCode: string;
  errorDescription: string;
  extensionList?: FspiopExtensionList;
}

export interface FspiopErrorBody {
  errorInformation: FspiopErrorInformation;
}

/** What the caller knows from the HTTP request around an FSPIOP body. */
export interface FspiopHeaders {
  /** FSPIOP-Source. */
  source: string;
  /** FSPIOP-Destination (absent on GET /parties when the requester does not know it). */
  destination?: string;
}

// ------------------------------------------------------------------------------------------------ amounts

export const FSPIOP_MAX_DECIMALS = 4;
export const FSPIOP_MAX_INTEGER_DIGITS = 18;

/**
 * Can FSPIOP's Amount type carry this amount exactly? (`^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$`:
 * not negative, at most 18 integer digits, at most 4 decimals.) Currency minor units are the hub's business rule,
 * not checked here.
 */
export function fspiopAmountFit(amount: Amount): Fit {
  if (amount.units < 0n) return { ok: false, reason: `amount ${formatAmount(amount)} is negative` };
  const decimals = decimalPlaces(amount.units);
  if (decimals > FSPIOP_MAX_DECIMALS) {
    return {
      ok: false,
      reason: `amount ${formatAmount(amount)} ${amount.currency} has ${decimals} decimal places, FSPIOP allows ${FSPIOP_MAX_DECIMALS}`,
    };
  }
  const digits = integerDigits(amount.units);
  if (digits > FSPIOP_MAX_INTEGER_DIGITS) {
    return {
      ok: false,
      reason: `amount ${formatAmount(amount)} ${amount.currency} has ${digits} integer digits, FSPIOP allows ${FSPIOP_MAX_INTEGER_DIGITS}`,
    };
  }
  return FITS;
}

/** FSPIOP Money -> canonical Amount (exact). A text that is not a plain decimal is a TranslationError. */
export function moneyToCanonical(money: FspiopMoney, field: string): Amount {
  try {
    return parseAmount(money.amount, money.currency);
  } catch (err) {
    throw new TranslationError(field, (err as Error).message);
  }
}

/** Canonical Amount -> FSPIOP Money, refused (never rounded) when FSPIOP cannot carry it. */
export function moneyFromCanonical(amount: Amount, field: string): FspiopMoney {
  const fit = fspiopAmountFit(amount);
  if (!fit.ok) throw new TranslationError(field, fit.reason);
  return { currency: amount.currency, amount: formatAmount(amount) };
}

// ------------------------------------------------------------------------------------------------ parties

/** The canonical pieces of one FSPIOP party. */
export interface CanonicalParty {
  Pty: Party;
  Acct?: SupportedCurrencies;
  Agt?: Agent;
  supplement?: PartySupplement;
}

/**
 * FSPIOP Party -> canonical. `headerFsp`: when given, the agent is always present and, if the party names no
 * fspId, carries this one (marked `fspIdFromHeader` so the FSPIOP renderer leaves it out again).
 */
export function partyToCanonical(party: FspiopParty, headerFsp?: string): CanonicalParty {
  const info = party.partyIdInfo;
  const Pty: Party = { Id: partyIdentification(info.partyIdType, info.partyIdentifier) };
  if (party.name !== undefined) Pty.Nm = party.name;
  const out: CanonicalParty = { Pty };
  if (party.supportedCurrencies !== undefined) out.Acct = { Ccys: [...party.supportedCurrencies] };
  const supplement: PartySupplement = {};
  const fsp = info.fspId ?? headerFsp;
  if (fsp !== undefined || info.partySubIdOrType !== undefined) {
    out.Agt = { FinInstnId: {} };
    if (fsp !== undefined) out.Agt.FinInstnId.Othr = { Id: fsp };
    if (info.partySubIdOrType !== undefined) out.Agt.FinInstnId.ClrSysMmbId = { MmbId: info.partySubIdOrType };
    if (info.fspId === undefined && headerFsp !== undefined) supplement.fspIdFromHeader = true;
  }
  if (info.extensionList) supplement.extensions = info.extensionList.extension.map((e) => ({ ...e }));
  if (party.merchantClassificationCode !== undefined) supplement.merchantClassificationCode = party.merchantClassificationCode;
  if (party.personalInfo !== undefined) {
    const pi = party.personalInfo;
    const personalInfo: NonNullable<PartySupplement['personalInfo']> = {};
    if (pi.complexName !== undefined) personalInfo.complexName = { ...pi.complexName };
    if (pi.dateOfBirth !== undefined) personalInfo.dateOfBirth = pi.dateOfBirth;
    if (pi.kycInformation !== undefined) personalInfo.kycInformation = pi.kycInformation;
    supplement.personalInfo = personalInfo;
  }
  if (Object.keys(supplement).length > 0) out.supplement = supplement;
  return out;
}

/** Canonical -> FSPIOP Party. `field` names the party in errors (e.g. "payer"). */
export function partyFromCanonical(c: CanonicalParty, field: string): FspiopParty {
  const { type, identifier } = readPartyIdentification(c.Pty.Id);
  if (type === undefined) throw new TranslationError(`${field}.partyIdInfo.partyIdType`, 'the party has no identifier type (SchmeNm)', '3102');
  if (identifier === undefined) throw new TranslationError(`${field}.partyIdInfo.partyIdentifier`, 'the party has no identifier', '3102');
  const info: FspiopPartyIdInfo = { partyIdType: type, partyIdentifier: identifier };
  const s = c.supplement;
  const fin = c.Agt?.FinInstnId;
  if (fin?.ClrSysMmbId) info.partySubIdOrType = fin.ClrSysMmbId.MmbId;
  if (fin?.Othr && !s?.fspIdFromHeader) info.fspId = fin.Othr.Id;
  if (s?.extensions) info.extensionList = { extension: s.extensions.map((e) => ({ ...e })) };
  const party: FspiopParty = { partyIdInfo: info };
  if (s?.merchantClassificationCode !== undefined) party.merchantClassificationCode = s.merchantClassificationCode;
  if (c.Pty.Nm !== undefined) party.name = c.Pty.Nm;
  if (s?.personalInfo !== undefined) {
    const pi = s.personalInfo;
    const personalInfo: NonNullable<FspiopParty['personalInfo']> = {};
    if (pi.complexName !== undefined) personalInfo.complexName = { ...pi.complexName };
    if (pi.dateOfBirth !== undefined) personalInfo.dateOfBirth = pi.dateOfBirth;
    if (pi.kycInformation !== undefined) personalInfo.kycInformation = pi.kycInformation;
    party.personalInfo = personalInfo;
  }
  if (c.Acct) party.supportedCurrencies = [...c.Acct.Ccys];
  return party;
}

export function extensionsOf(list: FspiopExtensionList | undefined): Extension[] | undefined {
  return list ? list.extension.map((e) => ({ ...e })) : undefined;
}

export function extensionListOf(extensions: Extension[] | undefined): FspiopExtensionList | undefined {
  return extensions ? { extension: extensions.map((e) => ({ ...e })) } : undefined;
}

/**
 * errorInformation from a canonical reason: the text is the description when it fits FSPIOP's 128 characters;
 * a longer one (ISO senders may write several AddtlInf) travels whole in the extension list after the standard
 * description, never cut. No text: the code's standard description.
 */
export function errorInformationOf(code: string, text: string | undefined, extensions: Extension[] | undefined): FspiopErrorInformation {
  const given = extensions?.map((e) => ({ ...e })) ?? [];
  const fits = text !== undefined && text.length > 0 && Array.from(text).length <= ERROR_DESCRIPTION_MAX;
  const info: FspiopErrorInformation = { errorCode: code, errorDescription: fits ? text : describeError(code) };
  const carried = fits ? [] : detailExtensions(code, text, 16 - given.length);
  if (given.length + carried.length > 0) info.extensionList = { extension: [...given, ...carried] };
  return info;
}

// ------------------------------------------------------------------------------------------------ carried data

/** FSPIOP caps an extension list at 16 items of 1..128 characters (keys 1..32). */
const EXTENSIONS_MAX = 16;
const EXTENSION_VALUE_MAX = 128;
/** Key prefix of the extension items in which canonical data without an FSPIOP element travels. */
export const CARRIED_PREFIX = 'iso:';

/**
 * Canonical data FSPIOP has no element for, as extension items after `given`: key `iso:<name>`, value the JSON
 * text of `value` in pieces of at most 128 characters (consecutive items with the same key join). Never dropped:
 * when FSPIOP's 16 items cannot hold it all, the message is refused naming what did not fit.
 */
export function withCarried(given: Extension[] | undefined, carried: Record<string, unknown>, field: string): Extension[] | undefined {
  const out = given ? given.map((e) => ({ ...e })) : [];
  for (const [name, value] of Object.entries(carried)) {
    if (value === undefined) continue;
    const chars = Array.from(JSON.stringify(value));
    for (let i = 0; i < chars.length; i += EXTENSION_VALUE_MAX) {
      out.push({ key: `${CARRIED_PREFIX}${name}`, value: chars.slice(i, i + EXTENSION_VALUE_MAX).join('') });
    }
  }
  if (out.length > EXTENSIONS_MAX) {
    throw new TranslationError(field, `${out.length} extension items needed to carry ${Object.keys(carried).join(', ')}; FSPIOP allows ${EXTENSIONS_MAX}`);
  }
  return out.length > 0 ? out : undefined;
}

/** Splits an extension list into the participant's own items and what `withCarried` wrote (parsed, by name). */
export function takeCarried(list: Extension[] | undefined, field: string): { own: Extension[] | undefined; carried: Record<string, unknown> } {
  if (!list) return { own: undefined, carried: {} };
  const own: Extension[] = [];
  const texts = new Map<string, string>();
  for (const e of list) {
    if (!e.key.startsWith(CARRIED_PREFIX)) own.push({ ...e });
    else texts.set(e.key.slice(CARRIED_PREFIX.length), (texts.get(e.key.slice(CARRIED_PREFIX.length)) ?? '') + e.value);
  }
  const carried: Record<string, unknown> = {};
  for (const [name, text] of texts) {
    try {
      carried[name] = JSON.parse(text);
    } catch {
      throw new TranslationError(`${field}.extensionList (${CARRIED_PREFIX}${name})`, 'not the JSON text Mizani writes there');
    }
  }
  return { own: own.length > 0 ? own : undefined, carried };
}

/** A charge as carried JSON (amount as decimal text). */
export function chargeToCarried(c: Charge): Record<string, unknown> {
  const out: Record<string, unknown> = { Amt: formatAmount(c.Amt), Ccy: c.Amt.currency, Agt: structuredClone(c.Agt) };
  if (c.Tp) out.Tp = { ...c.Tp };
  return out;
}

/** Carried charges back, checked (they come from the wire). */
export function chargesFromCarried(v: unknown, field: string): Charge[] {
  if (!Array.isArray(v)) throw new TranslationError(field, 'not a list of charges');
  return v.map((c, i) => {
    const where = `${field}[${i}]`;
    const ok =
      c &&
      typeof c === 'object' &&
      typeof c.Amt === 'string' &&
      typeof c.Ccy === 'string' &&
      c.Agt &&
      typeof c.Agt === 'object' &&
      c.Agt.FinInstnId &&
      typeof c.Agt.FinInstnId === 'object';
    if (!ok) throw new TranslationError(where, 'not a charge {Amt, Ccy, Agt}');
    const fin = c.Agt.FinInstnId as Record<string, unknown>;
    const agent: Agent = { FinInstnId: {} };
    if (typeof fin.BICFI === 'string') agent.FinInstnId.BICFI = fin.BICFI;
    const othr = fin.Othr as { Id?: unknown } | undefined;
    if (othr && typeof othr.Id === 'string') agent.FinInstnId.Othr = { Id: othr.Id };
    const clr = fin.ClrSysMmbId as { MmbId?: unknown } | undefined;
    if (clr && typeof clr.MmbId === 'string') agent.FinInstnId.ClrSysMmbId = { MmbId: clr.MmbId };
    const charge: Charge = { Amt: moneyToCanonical({ currency: c.Ccy, amount: c.Amt }, `${where}.Amt`), Agt: agent };
    const tp = c.Tp as { Cd?: unknown; Prtry?: unknown } | undefined;
    if (tp && typeof tp === 'object') {
      charge.Tp = {};
      if (typeof tp.Cd === 'string') charge.Tp.Cd = tp.Cd;
      if (typeof tp.Prtry === 'string') charge.Tp.Prtry = tp.Prtry;
    }
    return charge;
  });
}

/** Carried foreign ISO elements back (`iso:elements`), checked: an object whose keys are element paths. */
export function foreignElementsOf(v: unknown, field: string): ForeignElements {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new TranslationError(field, 'not an object of ISO element paths');
  for (const key of Object.keys(v)) {
    if (!/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(key)) throw new TranslationError(`${field}.${key}`, 'not an ISO element path');
  }
  return v as ForeignElements;
}
