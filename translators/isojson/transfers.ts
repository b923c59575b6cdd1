/**
 * Mojaloop ISO 20022 JSON transfer messages <-> canonical: POST /transfers (pacs.008), PUT and PATCH
 * /transfers/{ID} (pacs.002 status), PUT /transfers/{ID}/error and PUT /quotes/{ID}/error (pacs.002 error).
 * iso20022-mapping.md §3.4 and §4; docs/iso20022-mapping.md §4–5.
 */
import type { Account, StatusReason } from '../../schemas/iso/common.js';
import { conditionFromIlpV4Packet } from '../../schemas/iso/ilp.js';
import { furtherReasonsOf, processingDateOf, type Pacs002, type ProcessingDate, type TxSts } from '../../schemas/iso/pacs002.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import { TranslationError, isUlid } from '../../schemas/iso/translation.js';
import {
  AGENT_PROFILE,
  Envelope,
  AMOUNT_PROFILE,
  HISTORIC_AMOUNT_PROFILE,
  PARTY_PROFILE,
  SUPPLEMENT_PROFILE,
  Uncarried,
  Unsupported,
  agentFromIso,
  agentSubIdFromEnvelope,
  agentToIso,
  amountFromIso,
  amountToIso,
  chars,
  checkProfile,
  firstChars,
  fspParty,
  header,
  historicAmountFromIso,
  historicAmountToIso,
  onlyKeys,
  optionalExtensions,
  optionalObject,
  optionalString,
  partyFromIso,
  partySupplementFromEnvelope,
  partySupplementToEnvelope,
  partyToIso,
  putForeign,
  requireUlid,
  requiredString,
  withComplexName,
  supplementFromIso,
  supplementToIso,
  type IsoAgent,
  type IsoAmount,
  type IsoHistoricAmount,
  type IsoJsonReadOptions,
  type IsoJsonRenderOptions,
  type IsoParty,
  type IsoSupplementaryData,
} from './common.js';

// ------------------------------------------------------------------------------------------------ bodies

export interface IsoPacs008 {
  GrpHdr: {
    MsgId: string;
    CreDtTm: string;
    NbOfTxs: string;
    SttlmInf: { SttlmMtd: 'CLRG' | 'INDA' | 'INGA' | 'COVE' };
    PmtInstrXpryDtTm?: string;
  };
  CdtTrfTxInf: {
    PmtId: { TxId: string; InstrId?: string; EndToEndId?: string; UETR?: string };
    IntrBkSttlmAmt: IsoAmount;
    InstdAmt?: IsoHistoricAmount;
    /** BaseOneRate text (the dialect's pattern: ≤ 11 digits, ≤ 10 decimals). */
    XchgRate?: string;
    ChrgBr: 'DEBT' | 'CRED' | 'SHAR';
    Dbtr: IsoParty;
    DbtrAcct?: { Ccy: string };
    DbtrAgt: IsoAgent;
    CdtrAgt: IsoAgent;
    Cdtr: IsoParty;
    CdtrAcct?: { Ccy: string };
    Purp?: { Cd?: string; Prtry?: string };
    VrfctnOfTerms?: { IlpV4PrepPacket?: string };
    SplmtryData?: IsoSupplementaryData;
  };
}

export interface IsoPacs002 {
  GrpHdr: { MsgId: string; CreDtTm: string };
  TxInfAndSts?: {
    OrgnlTxId?: string;
    ExctnConf?: string;
    PrcgDt?: { DtTm?: string; Dt?: string };
    TxSts?: TxSts;
    StsRsnInf?: { Rsn?: { Prtry?: string; Cd?: string }; AddtlInf?: string };
    SplmtryData?: IsoSupplementaryData;
  };
  SplmtryData?: IsoSupplementaryData;
}

/** ISO AddtlInf is Max105Text. */
export const ADDITIONAL_INFO_MAX = 105;

// ------------------------------------------------------------------------------------------------ pacs.008

const PACS008_PROFILE = {
  GrpHdr: { MsgId: true, CreDtTm: true, NbOfTxs: true, SttlmInf: { SttlmMtd: true }, PmtInstrXpryDtTm: true },
  CdtTrfTxInf: {
    PmtId: { TxId: true, InstrId: true, EndToEndId: true, UETR: true },
    IntrBkSttlmAmt: AMOUNT_PROFILE,
    InstdAmt: HISTORIC_AMOUNT_PROFILE,
    XchgRate: true,
    ChrgBr: true,
    Dbtr: PARTY_PROFILE,
    DbtrAcct: { Ccy: true },
    DbtrAgt: AGENT_PROFILE,
    CdtrAgt: AGENT_PROFILE,
    Cdtr: PARTY_PROFILE,
    CdtrAcct: { Ccy: true },
    Purp: { Cd: true, Prtry: true },
    VrfctnOfTerms: { IlpV4PrepPacket: true },
    SplmtryData: SUPPLEMENT_PROFILE,
  },
} as const;

/** Envelope members of pacs.008 (docs/iso20022-mapping.md §5). */
const PACS008_ENVELOPE = [
  'PmtId',
  'InstgAgt',
  'InstdAgt',
  'Dbtr',
  'Cdtr',
  'DbtrAcct',
  'CdtrAcct',
  'DbtrAgt',
  'CdtrAgt',
  'ChrgBr',
  'RmtInf',
  'extensions',
] as const;

/** The execution condition of the packet, or a TranslationError naming `field`. */
export function conditionOf(packet: string | undefined, field: string): string {
  if (packet === undefined) throw new TranslationError(field, 'no ILP packet (VrfctnOfTerms.IlpV4PrepPacket): the condition cannot be derived', '3102');
  const result = conditionFromIlpV4Packet(packet);
  if (!result.ok) throw new TranslationError(field, result.reason);
  return result.condition;
}

/** The ISO dialect derives the condition from the packet: a canonical condition that differs cannot be carried. */
export function checkConditionCarried(packet: string | undefined, condition: string, field: string): void {
  const derived = conditionOf(packet, field);
  if (derived !== condition) {
    throw new TranslationError(
      field,
      `the condition ${condition} differs from the ILP packet's ${derived}; the ISO 20022 JSON dialect carries only the packet`,
    );
  }
}

/** InstrId and EndToEndId the envelope carries (ids ISO JSON cannot hold), never beside the element's own. */
function envelopeIdsInto(c: Pacs008['CdtTrfTxInf'], e: Record<string, unknown>, where: string): void {
  const ids = optionalObject(e.PmtId, `${where}.PmtId`);
  if (ids) {
    onlyKeys(ids, ['InstrId', 'EndToEndId'], `${where}.PmtId`);
    for (const id of ['InstrId', 'EndToEndId'] as const) {
      const value = optionalString(ids[id], `${where}.PmtId.${id}`);
      if (value === undefined) continue;
      if (c.PmtId[id] !== undefined) throw new TranslationError(`${where}.PmtId.${id}`, 'supplementary data: beside CdtTrfTxInf.PmtId.' + id);
      c.PmtId[id] = value;
    }
  }
}

/** Charge bearer SLEV, purpose, instructing / instructed agents and remittance lines the envelope carries. */
function envelopeRouteInto(c: Pacs008['CdtTrfTxInf'], e: Record<string, unknown>, tx: IsoPacs008['CdtTrfTxInf'], where: string): void {
  if (e.ChrgBr !== undefined) {
    if (e.ChrgBr !== 'SLEV' || tx.ChrgBr !== 'SHAR') throw new TranslationError(`${where}.ChrgBr`, 'supplementary data: only SLEV, beside ChrgBr SHAR');
    c.ChrgBr = 'SLEV';
  }
  if (tx.Purp) c.Purp = { ...tx.Purp };
  for (const name of ['InstgAgt', 'InstdAgt'] as const) {
    const a = optionalObject(e[name], `${where}.${name}`);
    if (a) c[name] = agentFromIso(isoAgentFromEnvelope(a, `${where}.${name}`));
  }
  const rmt = optionalObject(e.RmtInf, `${where}.RmtInf`);
  if (rmt) {
    onlyKeys(rmt, ['Ustrd'], `${where}.RmtInf`);
    const lines = rmt.Ustrd;
    if (!Array.isArray(lines) || lines.some((x) => typeof x !== 'string'))
      throw new TranslationError(`${where}.RmtInf.Ustrd`, 'supplementary data: not a list of texts');
    c.RmtInf = { Ustrd: [...(lines as string[])] };
  }
}

/** POST /transfers ISO JSON body -> pacs.008 (condition derived from the ILP v4 packet). */
export function isoTransferToCanonical(body: IsoPacs008, options: IsoJsonReadOptions = {}): Pacs008 {
  const unsupported = new Unsupported();
  checkProfile(body, PACS008_PROFILE, '', unsupported);
  const where = 'CdtTrfTxInf.SplmtryData.Envlp';
  const e = supplementFromIso(body.CdtTrfTxInf.SplmtryData, 'CdtTrfTxInf.SplmtryData', unsupported) ?? {};
  onlyKeys(e, PACS008_ENVELOPE, where);
  const foreign = unsupported.carry(options, 'POST /transfers');
  const g = body.GrpHdr;
  const tx = body.CdtTrfTxInf;
  const dbtrCarried = partySupplementFromEnvelope(e.Dbtr, `${where}.Dbtr`);
  const cdtrCarried = partySupplementFromEnvelope(e.Cdtr, `${where}.Cdtr`);
  const dbtr = partyFromIso(tx.Dbtr, dbtrCarried.Nm);
  const cdtr = partyFromIso(tx.Cdtr, cdtrCarried.Nm);
  if (g.NbOfTxs !== '1') throw new TranslationError('GrpHdr.NbOfTxs', `${JSON.stringify(g.NbOfTxs)} transactions: Mizani handles one per message`);
  if (g.PmtInstrXpryDtTm === undefined) throw new TranslationError('GrpHdr.PmtInstrXpryDtTm', 'a transfer needs its expiry', '3102');
  const message: Pacs008 = {
    GrpHdr: { MsgId: g.MsgId, CreDtTm: g.CreDtTm, NbOfTxs: '1', SttlmInf: { SttlmMtd: g.SttlmInf.SttlmMtd }, PmtInstrXpryDtTm: g.PmtInstrXpryDtTm },
    CdtTrfTxInf: {
      PmtId: { TxId: requireUlid(tx.PmtId.TxId, 'CdtTrfTxInf.PmtId.TxId') },
      IntrBkSttlmAmt: amountFromIso(tx.IntrBkSttlmAmt, 'CdtTrfTxInf.IntrBkSttlmAmt'),
      ChrgBr: tx.ChrgBr,
      Dbtr: dbtr.Pty,
      DbtrAgt: agentFromIso(tx.DbtrAgt),
      Cdtr: cdtr.Pty,
      CdtrAgt: agentFromIso(tx.CdtrAgt),
      ExctnCond: conditionOf(tx.VrfctnOfTerms?.IlpV4PrepPacket, 'CdtTrfTxInf.VrfctnOfTerms.IlpV4PrepPacket'),
      VrfctnOfTerms: { IlpV4PrepPacket: tx.VrfctnOfTerms!.IlpV4PrepPacket! },
    },
  };
  const c = message.CdtTrfTxInf;
  if (tx.PmtId.InstrId !== undefined) c.PmtId.InstrId = requireUlid(tx.PmtId.InstrId, 'CdtTrfTxInf.PmtId.InstrId');
  if (tx.PmtId.EndToEndId !== undefined) c.PmtId.EndToEndId = requireUlid(tx.PmtId.EndToEndId, 'CdtTrfTxInf.PmtId.EndToEndId');
  envelopeIdsInto(c, e, where);
  if (tx.PmtId.UETR !== undefined) c.PmtId.UETR = tx.PmtId.UETR;
  if (tx.InstdAmt) c.InstdAmt = historicAmountFromIso(tx.InstdAmt, 'CdtTrfTxInf.InstdAmt');
  if (tx.XchgRate !== undefined) c.XchgRate = tx.XchgRate;
  const dbtrAcct = accountFromIso(tx.DbtrAcct, e.DbtrAcct, `${where}.DbtrAcct`);
  if (dbtrAcct) c.DbtrAcct = dbtrAcct;
  const cdtrAcct = accountFromIso(tx.CdtrAcct, e.CdtrAcct, `${where}.CdtrAcct`);
  if (cdtrAcct) c.CdtrAcct = cdtrAcct;
  agentSubIdFromEnvelope(c.DbtrAgt, e.DbtrAgt, `${where}.DbtrAgt`);
  agentSubIdFromEnvelope(c.CdtrAgt, e.CdtrAgt, `${where}.CdtrAgt`);
  envelopeRouteInto(c, e, tx, where);
  const sd: NonNullable<Pacs008['CdtTrfTxInf']['SplmtryData']> = {};
  const dbtrSupplement = withComplexName(dbtrCarried.supplement, dbtr.complexName);
  const cdtrSupplement = withComplexName(cdtrCarried.supplement, cdtr.complexName);
  if (dbtrSupplement) sd.Dbtr = dbtrSupplement;
  if (cdtrSupplement) sd.Cdtr = cdtrSupplement;
  const extensions = optionalExtensions(e.extensions, `${where}.extensions`);
  if (extensions) sd.extensions = extensions;
  if (foreign) sd.iso = foreign;
  if (Object.keys(sd).length > 0) c.SplmtryData = sd;
  return message;
}

/**
 * pacs.008 -> POST /transfers ISO JSON body. Without canonical Dbtr/Cdtr (an FSPIOP prepare names none), the
 * parties are Mojaloop's stand-ins (`Id.OrgId.Othr.Id` = the FSP id). Refuses: non-ULID ids, amounts beyond ISO's
 * 18 digits, a condition other than the packet's, ChrgBr SLEV. What pacs.008 has no element for travels in
 * `CdtTrfTxInf.SplmtryData`: the extensionList, the parties' data other than the name, account identifiers, names
 * and sub-ids too long for ISO.
 */
export function isoTransferFromCanonical(message: Pacs008, options: IsoJsonRenderOptions = {}): IsoPacs008 {
  const tx = message.CdtTrfTxInf;
  const uncarried = new Uncarried();
  const envelope = new Envelope();
  const packet = tx.VrfctnOfTerms?.IlpV4PrepPacket;
  checkConditionCarried(packet, tx.ExctnCond, 'condition');
  const s = tx.SplmtryData;
  const out = {
    PmtId: { TxId: requireUlid(tx.PmtId.TxId, 'transferId (CdtTrfTxInf.PmtId.TxId)') },
  } as IsoPacs008['CdtTrfTxInf'];
  // InstrId and EndToEndId are optional here and must be ULIDs: a bank's own ids travel in the envelope instead.
  for (const id of ['InstrId', 'EndToEndId'] as const) {
    const value = tx.PmtId[id];
    if (value === undefined) continue;
    if (isUlid(value)) out.PmtId[id] = value;
    else envelope.put(['PmtId', id], value);
  }
  if (tx.PmtId.UETR !== undefined) out.PmtId.UETR = tx.PmtId.UETR;
  out.IntrBkSttlmAmt = amountToIso(tx.IntrBkSttlmAmt, 'amount (CdtTrfTxInf.IntrBkSttlmAmt)');
  if (tx.InstdAmt) out.InstdAmt = historicAmountToIso(tx.InstdAmt, 'CdtTrfTxInf.InstdAmt');
  if (tx.XchgRate !== undefined) out.XchgRate = tx.XchgRate;
  // SLEV (follow the service level: FedNow, SEPA) is not in this dialect's code list: SHAR, the dialect's neutral
  // value, in the element and SLEV in the envelope.
  out.ChrgBr = tx.ChrgBr === 'SLEV' ? 'SHAR' : tx.ChrgBr;
  if (tx.ChrgBr === 'SLEV') envelope.put(['ChrgBr'], 'SLEV');
  out.Dbtr = tx.Dbtr ? partyToIso(tx.Dbtr, s?.Dbtr, 'CdtTrfTxInf.Dbtr', 256, uncarried, { envelope, key: 'Dbtr' }) : fspParty(tx.DbtrAgt, 'CdtTrfTxInf.Dbtr');
  const dbtrAcct = accountToIso(tx.DbtrAcct, envelope, 'DbtrAcct');
  if (dbtrAcct) out.DbtrAcct = dbtrAcct;
  out.DbtrAgt = agentToIso(tx.DbtrAgt, 'CdtTrfTxInf.DbtrAgt', { envelope, key: 'DbtrAgt' });
  out.CdtrAgt = agentToIso(tx.CdtrAgt, 'CdtTrfTxInf.CdtrAgt', { envelope, key: 'CdtrAgt' });
  out.Cdtr = tx.Cdtr ? partyToIso(tx.Cdtr, s?.Cdtr, 'CdtTrfTxInf.Cdtr', 256, uncarried, { envelope, key: 'Cdtr' }) : fspParty(tx.CdtrAgt, 'CdtTrfTxInf.Cdtr');
  const cdtrAcct = accountToIso(tx.CdtrAcct, envelope, 'CdtrAcct');
  if (cdtrAcct) out.CdtrAcct = cdtrAcct;
  if (tx.Purp) out.Purp = { ...tx.Purp };
  out.VrfctnOfTerms = { IlpV4PrepPacket: packet! };
  // The bank leg's agents and the remittance information have no element in this dialect's pacs.008.
  if (tx.InstgAgt) envelope.put(['InstgAgt'], structuredClone(tx.InstgAgt));
  if (tx.InstdAgt) envelope.put(['InstdAgt'], structuredClone(tx.InstdAgt));
  if (tx.RmtInf) envelope.put(['RmtInf'], structuredClone(tx.RmtInf));
  for (const side of ['Dbtr', 'Cdtr'] as const) {
    const rest = partySupplementToEnvelope(s?.[side]);
    if (rest) envelope.put([side], rest);
  }
  if (s?.extensions)
    envelope.put(
      ['extensions'],
      s.extensions.map((e) => ({ key: e.key, value: e.value })),
    );
  const supplement = supplementToIso(envelope.data, options, uncarried, 'CdtTrfTxInf.SplmtryData');
  if (supplement) out.SplmtryData = supplement;
  uncarried.settle(options, 'POST /transfers');
  const GrpHdr: IsoPacs008['GrpHdr'] = {
    ...header(options),
    NbOfTxs: '1',
    SttlmInf: { SttlmMtd: message.GrpHdr.SttlmInf.SttlmMtd },
    PmtInstrXpryDtTm: message.GrpHdr.PmtInstrXpryDtTm,
  };
  const body = { GrpHdr, CdtTrfTxInf: out };
  putForeign(body as unknown as Record<string, unknown>, s?.iso);
  return body;
}

/** An agent carried in the envelope, shape-checked before it is read like an element. */
function isoAgentFromEnvelope(a: Record<string, unknown>, where: string): IsoAgent {
  onlyKeys(a, ['FinInstnId'], where);
  const fin = optionalObject(a.FinInstnId, `${where}.FinInstnId`);
  if (!fin) throw new TranslationError(where, 'supplementary data: an agent without FinInstnId');
  onlyKeys(fin, ['BICFI', 'ClrSysMmbId', 'Othr'], `${where}.FinInstnId`);
  const out: IsoAgent = { FinInstnId: {} };
  const bic = optionalString(fin.BICFI, `${where}.FinInstnId.BICFI`);
  if (bic !== undefined) out.FinInstnId.BICFI = bic;
  const clr = optionalObject(fin.ClrSysMmbId, `${where}.FinInstnId.ClrSysMmbId`);
  if (clr) {
    onlyKeys(clr, ['ClrSysId', 'MmbId'], `${where}.FinInstnId.ClrSysMmbId`);
    out.FinInstnId.ClrSysMmbId = { MmbId: requiredString(clr.MmbId, `${where}.FinInstnId.ClrSysMmbId.MmbId`) };
    const sys = optionalObject(clr.ClrSysId, `${where}.FinInstnId.ClrSysMmbId.ClrSysId`);
    if (sys) {
      onlyKeys(sys, ['Cd', 'Prtry'], `${where}.FinInstnId.ClrSysMmbId.ClrSysId`);
      const cd = optionalString(sys.Cd, `${where}.ClrSysId.Cd`);
      const prtry = optionalString(sys.Prtry, `${where}.ClrSysId.Prtry`);
      out.FinInstnId.ClrSysMmbId.ClrSysId = { ...(cd !== undefined ? { Cd: cd } : {}), ...(prtry !== undefined ? { Prtry: prtry } : {}) };
    }
  }
  const othr = optionalObject(fin.Othr, `${where}.FinInstnId.Othr`);
  if (othr) out.FinInstnId.Othr = { Id: requiredString(othr.Id, `${where}.FinInstnId.Othr.Id`) };
  return out;
}

/** An account: `Ccy` is the element (this dialect's CashAccount holds only it in Mizani's profile); its `Id` travels in the envelope. */
function accountToIso(account: Account | undefined, envelope: Envelope, key: string): { Ccy: string } | undefined {
  if (!account) return undefined;
  if (account.Id) envelope.put([key, 'Id'], structuredClone(account.Id));
  if (account.Ccy === undefined && !account.Id) envelope.put([key], {});
  return account.Ccy !== undefined ? { Ccy: account.Ccy } : undefined;
}

function accountFromIso(account: { Ccy: string } | undefined, carried: unknown, where: string): Account | undefined {
  const a = optionalObject(carried, where);
  if (!account && !a) return undefined;
  const out: Account = {};
  if (account) out.Ccy = account.Ccy;
  if (a) {
    onlyKeys(a, ['Id'], where);
    const id = optionalObject(a.Id, `${where}.Id`);
    if (id) {
      onlyKeys(id, ['IBAN', 'Othr'], `${where}.Id`);
      out.Id = {};
      const iban = optionalString(id.IBAN, `${where}.Id.IBAN`);
      if (iban !== undefined) out.Id.IBAN = iban;
      const othr = optionalObject(id.Othr, `${where}.Id.Othr`);
      if (othr) {
        onlyKeys(othr, ['Id', 'SchmeNm'], `${where}.Id.Othr`);
        out.Id.Othr = { Id: requiredString(othr.Id, `${where}.Id.Othr.Id`) };
        const scheme = optionalObject(othr.SchmeNm, `${where}.Id.Othr.SchmeNm`);
        if (scheme) {
          onlyKeys(scheme, ['Prtry', 'Cd'], `${where}.Id.Othr.SchmeNm`);
          out.Id.Othr.SchmeNm = {};
          const prtry = optionalString(scheme.Prtry, `${where}.Id.Othr.SchmeNm.Prtry`);
          const cd = optionalString(scheme.Cd, `${where}.Id.Othr.SchmeNm.Cd`);
          if (prtry !== undefined) out.Id.Othr.SchmeNm.Prtry = prtry;
          if (cd !== undefined) out.Id.Othr.SchmeNm.Cd = cd;
        }
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ pacs.002

const PACS002_PROFILE = {
  GrpHdr: { MsgId: true, CreDtTm: true },
  TxInfAndSts: {
    OrgnlTxId: true,
    ExctnConf: true,
    PrcgDt: { DtTm: true, Dt: true },
    TxSts: true,
    StsRsnInf: { Rsn: { Prtry: true, Cd: true }, AddtlInf: true },
    SplmtryData: SUPPLEMENT_PROFILE,
  },
  SplmtryData: SUPPLEMENT_PROFILE,
} as const;

function readEnvelope(body: IsoPacs002, unsupported: Unsupported) {
  const envelope = supplementFromIso(body.TxInfAndSts?.SplmtryData, 'TxInfAndSts.SplmtryData', unsupported);
  supplementFromIso(body.SplmtryData, 'SplmtryData', unsupported);
  if (!envelope) return {};
  const where = 'TxInfAndSts.SplmtryData.Envlp';
  onlyKeys(envelope, ['extensions', 'error', 'AddtlStsRsnInf', 'PrcgDt'], where);
  const error = optionalObject(envelope.error, `${where}.error`);
  if (error) onlyKeys(error, ['AddtlInf', 'extensions'], `${where}.error`);
  const further = envelope.AddtlStsRsnInf === undefined ? undefined : furtherReasonsOf(envelope.AddtlStsRsnInf);
  if (envelope.AddtlStsRsnInf !== undefined && !further) throw new TranslationError(`${where}.AddtlStsRsnInf`, 'not a list of status reasons {Rsn, AddtlInf}');
  const date = envelope.PrcgDt === undefined ? undefined : processingDateOf(envelope.PrcgDt);
  if (envelope.PrcgDt !== undefined && date?.Dt === undefined) throw new TranslationError(`${where}.PrcgDt`, 'not a date {Dt}');
  return {
    extensions: optionalExtensions(envelope.extensions, `${where}.extensions`),
    errorText: optionalString(error?.AddtlInf, `${where}.error.AddtlInf`),
    errorExtensions: optionalExtensions(error?.extensions, `${where}.error.extensions`),
    further,
    date,
  };
}

/** PrcgDt, a choice: the date-time, or a date alone (kept a date). */
function processingDateFromIso(d: NonNullable<NonNullable<IsoPacs002['TxInfAndSts']>['PrcgDt']>): ProcessingDate {
  if ((d.Dt === undefined) === (d.DtTm === undefined))
    throw new TranslationError('TxInfAndSts.PrcgDt', 'needs exactly one of Dt and DtTm: the ISO element is a choice');
  return d.Dt !== undefined ? { Dt: d.Dt } : { DtTm: d.DtTm! };
}

/** The dialect's ISODate is a plain date: one with a time zone (ISO XML allows it) travels in the envelope instead. */
function processingDateToIso(d: ProcessingDate, envelope: Record<string, unknown>): { DtTm: string } | { Dt: string } | undefined {
  if (d.DtTm !== undefined) return { DtTm: d.DtTm };
  if (/^\d{4}-\d{2}-\d{2}$/.test(d.Dt)) return { Dt: d.Dt };
  envelope.PrcgDt = { Dt: d.Dt };
  return undefined;
}

/**
 * PUT / PATCH /transfers/{ID} or the /error form (transfers and quotes) ISO JSON body -> pacs.002.
 * `id` is the path id (the body's OrgnlTxId, if any, must equal it).
 */
export function isoStatusToCanonical(id: string, body: IsoPacs002, options: IsoJsonReadOptions = {}): Pacs002 {
  const unsupported = new Unsupported();
  checkProfile(body, PACS002_PROFILE, '', unsupported);
  const envelope = readEnvelope(body, unsupported);
  unsupported.settle(options, 'pacs.002');
  const t = body.TxInfAndSts ?? {};
  if (t.OrgnlTxId !== undefined && t.OrgnlTxId !== id) {
    throw new TranslationError('TxInfAndSts.OrgnlTxId', `${JSON.stringify(t.OrgnlTxId)} differs from the id in the path ${JSON.stringify(id)}`);
  }
  const message: Pacs002 = { GrpHdr: { MsgId: body.GrpHdr.MsgId, CreDtTm: body.GrpHdr.CreDtTm }, TxInfAndSts: { OrgnlTxId: id } };
  const out = message.TxInfAndSts;
  if (t.ExctnConf !== undefined) out.ExctnConf = t.ExctnConf;
  if (t.PrcgDt && envelope.date) throw new TranslationError('TxInfAndSts.SplmtryData.Envlp.PrcgDt', 'the processing date is given twice (PrcgDt too)');
  const date = t.PrcgDt ? processingDateFromIso(t.PrcgDt) : envelope.date;
  if (date) out.PrcgDt = date;
  if (t.TxSts !== undefined) out.TxSts = t.TxSts;
  if (t.StsRsnInf) {
    const rsn = t.StsRsnInf.Rsn;
    if (!rsn || (rsn.Prtry === undefined && rsn.Cd === undefined))
      throw new TranslationError('TxInfAndSts.StsRsnInf.Rsn', 'the status reason has no code', '3102');
    const reason: StatusReason = { Rsn: {} };
    if (rsn.Prtry !== undefined) reason.Rsn.Prtry = rsn.Prtry;
    if (rsn.Cd !== undefined) reason.Rsn.Cd = rsn.Cd;
    const short = t.StsRsnInf.AddtlInf;
    const full = envelope.errorText;
    if (full !== undefined && (short === undefined || firstChars(full, ADDITIONAL_INFO_MAX) !== short)) {
      throw new TranslationError('TxInfAndSts.SplmtryData.Envlp.error.AddtlInf', 'the full description does not begin with StsRsnInf.AddtlInf');
    }
    const text = full ?? short;
    if (text !== undefined) reason.AddtlInf = text;
    if (envelope.errorExtensions) reason.extensions = envelope.errorExtensions;
    out.StsRsnInf = reason;
  } else if (envelope.errorText !== undefined || envelope.errorExtensions || envelope.further) {
    throw new TranslationError('TxInfAndSts.SplmtryData.Envlp', 'error supplementary data without a status reason');
  }
  if (envelope.further) out.AddtlStsRsnInf = envelope.further;
  if (envelope.extensions) out.SplmtryData = { extensions: envelope.extensions };
  if (out.TxSts === undefined && !out.StsRsnInf) throw new TranslationError('TxInfAndSts', 'neither a status (TxSts) nor a reason (StsRsnInf)', '3102');
  return message;
}

/**
 * pacs.002 -> ISO JSON body of PUT / PATCH /transfers/{ID} or of an /error callback. OrgnlTxId is not written
 * (the id is in the path, as in the MPD examples). An error description longer than Max105Text is written cut to
 * 105 characters in AddtlInf (what Mojaloop does) and in full in TxInfAndSts.SplmtryData, so nothing is lost.
 */
export function isoStatusFromCanonical(message: Pacs002, options: IsoJsonRenderOptions = {}): IsoPacs002 {
  const t = message.TxInfAndSts;
  const uncarried = new Uncarried();
  const body: IsoPacs002 = { GrpHdr: header(options), TxInfAndSts: {} };
  const out = body.TxInfAndSts!;
  if (t.TxSts === undefined && !t.StsRsnInf) throw new TranslationError('TxInfAndSts', 'neither a status (TxSts) nor a reason (StsRsnInf)', '3102');
  if (t.ExctnConf !== undefined) out.ExctnConf = t.ExctnConf;
  const envelope: Record<string, unknown> = {};
  const date = t.PrcgDt && processingDateToIso(t.PrcgDt, envelope);
  if (date) out.PrcgDt = date;
  if (t.TxSts !== undefined) out.TxSts = t.TxSts;
  if (t.StsRsnInf) {
    const r = t.StsRsnInf;
    const rsn: { Prtry?: string; Cd?: string } = {};
    if (r.Rsn.Prtry !== undefined) rsn.Prtry = r.Rsn.Prtry;
    else if (r.Rsn.Cd !== undefined) rsn.Cd = r.Rsn.Cd;
    else throw new TranslationError('errorInformation.errorCode', 'the status reason has no code', '3102');
    out.StsRsnInf = { Rsn: rsn };
    const error: Record<string, unknown> = {};
    if (r.AddtlInf !== undefined) {
      out.StsRsnInf.AddtlInf = firstChars(r.AddtlInf, ADDITIONAL_INFO_MAX);
      if (chars(r.AddtlInf) > ADDITIONAL_INFO_MAX) error.AddtlInf = r.AddtlInf;
    }
    if (r.extensions) error.extensions = r.extensions.map((e) => ({ key: e.key, value: e.value }));
    if (Object.keys(error).length > 0) envelope.error = error;
  }
  // The dialect has one StsRsnInf: the further ones travel in the envelope, in order.
  if (t.AddtlStsRsnInf?.length) {
    if (!t.StsRsnInf) throw new TranslationError('TxInfAndSts.AddtlStsRsnInf', 'further status reasons without a first one (StsRsnInf)');
    envelope.AddtlStsRsnInf = t.AddtlStsRsnInf.map((r) => ({ Rsn: { ...r.Rsn }, ...(r.AddtlInf !== undefined ? { AddtlInf: r.AddtlInf } : {}) }));
  }
  if (t.SplmtryData) envelope.extensions = t.SplmtryData.extensions.map((e) => ({ key: e.key, value: e.value }));
  const supplement = supplementToIso(envelope, options, uncarried, 'TxInfAndSts.SplmtryData');
  if (supplement) out.SplmtryData = supplement;
  uncarried.settle(options, 'pacs.002');
  return body;
}
