/**
 * pacs.008 FI-to-FI Customer Credit Transfer, XML (pacs.008.001.08 and .14) <-> canonical Pacs008.
 * Pure. One transaction per message (NbOfTxs 1), as the hub's transfers are one payment each; a bulk (many
 * `CdtTrfTxInf`) is bulk-pacs008.ts, which writes and reads each transaction with `transactionXml` /
 * `transactionFromXml` below.
 *
 * | canonical                         | pacs.008.001.08                  | pacs.008.001.14                       |
 * |-----------------------------------|----------------------------------|---------------------------------------|
 * | GrpHdr.MsgId, CreDtTm             | GrpHdr/MsgId, CreDtTm            | same                                  |
 * | GrpHdr.PmtInstrXpryDtTm (expiry)  | supplementary data               | GrpHdr/XpryDtTm                       |
 * | GrpHdr.NbOfTxs, SttlmInf.SttlmMtd | GrpHdr/NbOfTxs, SttlmInf/SttlmMtd| same                                  |
 * | PmtId.InstrId, EndToEndId         | PmtId/… (EndToEndId NOTPROVIDED when absent) | same                      |
 * | PmtId.TxId                        | PmtId/TxId, not written when it is the UETR (a UUID has 36 characters, TxId is Max35Text); read from an absent TxId: the UETR, else the EndToEndId | same |
 * | PmtId.UETR                        | PmtId/UETR (UUID v4; others in supplementary data) | same                |
 * | IntrBkSttlmAmt, InstdAmt          | amounts with Ccy                 | same                                  |
 * | XchgRate                          | XchgRate (BaseOneRate)           | same                                  |
 * | ChrgBr                            | ChrgBr                           | same                                  |
 * | InstgAgt, InstdAgt                | InstgAgt, InstdAgt               | same                                  |
 * | VrfctnOfTerms.IlpV4PrepPacket     | supplementary data               | PmtSgntr/ILPV4 (hex)                  |
 * | ExctnCond                         | supplementary data; with a packet it must be the packet's (else refused) | derived from ILPV4; without a packet PmtSgntr/Sgntr (hex) |
 * | Dbtr, Cdtr (Nm, Id)               | Dbtr, Cdtr (empty when unknown: required by the schema) | same           |
 * | DbtrAcct, CdtrAcct                | DbtrAcct, CdtrAcct (CashAccount38 needs Id: else supplementary data) | CashAccount40 |
 * | DbtrAgt, CdtrAgt                  | FinInstnId: BICFI, ClrSysMmbId (ClrSysId/Cd, MmbId), Othr/Id (= FSP id) | same |
 * | Purp                              | Purp/{Cd|Prtry}                  | same                                  |
 * | RmtInf.Ustrd                      | RmtInf/Ustrd (each Max140Text)   | same                                  |
 * | SplmtryData (FSPIOP extensions)   | supplementary data               | supplementary data                    |
 *
 * Banks send pacs.008 without an expiry or an ILP condition (the hub sets them, acting for the
 * bank): reading gives a `Pacs008FromXml` (schemas/iso/pacs008.ts) where both may be absent, and
 * `completePacs008` fills them in. Reading also gives the message's `OriginalTransactionReference` (its group header and
 * the ids exactly as the bank wrote them, TxId only when it sent one): the answers about the
 * payment refer to it the same way. ISO elements outside this table (structured remittance,
 * ultimate parties, postal addresses, intermediary agents, …) are not carried by the canonical
 * model and are not read (docs/iso20022.md lists them).
 */
import type { Pacs008, Pacs008FromXml } from '../../schemas/iso/pacs008.js';
import type { Account, VerificationOfTerms } from '../../schemas/iso/common.js';
import type { OriginalTransactionReference } from '../../schemas/iso/original.js';
import { conditionFromIlpV4Packet } from '../../schemas/iso/ilp.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { RATE_FRACTION_DIGITS, RATE_TOTAL_DIGITS } from '../../schemas/iso/exchange-rate.js';
import { schemaNamespace } from './catalog.js';
import {
  SupplementReader,
  accountFits,
  accountFromXml,
  accountXml,
  agentFromXml,
  agentXml,
  isJsonData,
  partyFromXml,
  partyXml,
  readSupplement,
  supplementXml,
} from './common.js';
import { amountXml, base64urlToHex, dateTimeText, hexToBase64url, maxText, readAmount, readDateTime } from './values.js';
import { XNode, documentElement, el, leaf, optLeaf } from './xml.js';

export type Pacs008Version = 'pacs.008.001.08' | 'pacs.008.001.14';

/** A pacs.008 as read from XML: the expiry and the ILP condition may be absent (banks do not send them). */
const NOT_PROVIDED = 'NOTPROVIDED';
const UUID_V4 = /^[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$/;
const PLACE = '/Document/FIToFICstmrCdtTrf/CdtTrfTxInf';
const SHA256_HEX = /^([0-9A-F][0-9A-F]){32}$/;

function conditionBytes(condition: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]{43}$/.test(condition)) return undefined;
  const b = Buffer.from(condition, 'base64url');
  return b.length === 32 && b.toString('base64url') === condition ? b : undefined;
}

/** ILP terms: PmtSgntr in .14, supplementary data in .08 (and what .14 has no element for). */
function ilpTermsXml(tx: (Pacs008 | Pacs008FromXml)['CdtTrfTxInf'], v14: boolean, supplement: Record<string, unknown>): string {
  let pmtSgntr = '';
  const packet = tx.VrfctnOfTerms?.IlpV4PrepPacket;
  const otherTerms: VerificationOfTerms | undefined =
    tx.VrfctnOfTerms && Object.keys(tx.VrfctnOfTerms).some((k) => k !== 'IlpV4PrepPacket') ? { ...tx.VrfctnOfTerms } : undefined;
  if (v14) {
    if (packet !== undefined) {
      const derived = conditionFromIlpV4Packet(packet);
      if (!derived.ok) throw new TranslationError('CdtTrfTxInf.VrfctnOfTerms.IlpV4PrepPacket', derived.reason);
      if (tx.ExctnCond !== undefined && tx.ExctnCond !== derived.condition) {
        throw new TranslationError('CdtTrfTxInf.ExctnCond', 'differs from the execution condition of the ILP packet');
      }
      pmtSgntr = el('PmtSgntr', leaf('ILPV4', base64urlToHex(packet, 'CdtTrfTxInf.VrfctnOfTerms.IlpV4PrepPacket')));
    } else if (tx.ExctnCond !== undefined) {
      const bytes = conditionBytes(tx.ExctnCond);
      if (bytes) pmtSgntr = el('PmtSgntr', leaf('Sgntr', bytes.toString('hex').toUpperCase()));
      else supplement['ExctnCond'] = tx.ExctnCond;
    }
    if (otherTerms) {
      delete otherTerms.IlpV4PrepPacket;
      supplement['VrfctnOfTerms'] = otherTerms;
    }
  } else {
    // .08 carries both in supplementary data; they must agree as .14's PmtSgntr makes them.
    if (packet !== undefined) {
      const derived = conditionFromIlpV4Packet(packet);
      if (!derived.ok) throw new TranslationError('CdtTrfTxInf.VrfctnOfTerms.IlpV4PrepPacket', derived.reason);
      if (tx.ExctnCond !== undefined && tx.ExctnCond !== derived.condition) {
        throw new TranslationError('CdtTrfTxInf.ExctnCond', 'differs from the execution condition of the ILP packet');
      }
    }
    if (tx.ExctnCond !== undefined) supplement['ExctnCond'] = tx.ExctnCond;
    if (tx.VrfctnOfTerms !== undefined) supplement['VrfctnOfTerms'] = tx.VrfctnOfTerms;
  }
  return pmtSgntr;
}

/** Identification: a UUID v4 UETR as UETR (else supplementary data); a transfer identified by its UETR has no TxId. */
function paymentIdXml(p: Pacs008['CdtTrfTxInf']['PmtId'], supplement: Record<string, unknown>): string {
  let uetr = '';
  if (p.UETR !== undefined) {
    if (UUID_V4.test(p.UETR)) uetr = leaf('UETR', p.UETR);
    else supplement['UETR'] = p.UETR;
  }
  if (p.EndToEndId === NOT_PROVIDED) throw new TranslationError('CdtTrfTxInf.PmtId.EndToEndId', `${NOT_PROVIDED} is reserved for "absent"`);
  // A transfer identified by its UETR (a bank that sent no TxId) is written without TxId, and reads back the same.
  const txIdIsUetr = uetr !== '' && p.TxId === p.UETR;
  return el(
    'PmtId',
    optLeaf('InstrId', p.InstrId === undefined ? undefined : maxText(p.InstrId, 35, 'CdtTrfTxInf.PmtId.InstrId')),
    leaf('EndToEndId', p.EndToEndId === undefined ? NOT_PROVIDED : maxText(p.EndToEndId, 35, 'CdtTrfTxInf.PmtId.EndToEndId')),
    txIdIsUetr ? '' : leaf('TxId', maxText(p.TxId, 35, 'CdtTrfTxInf.PmtId.TxId')),
    uetr,
  );
}

/** Renders the `Document` element of a pacs.008. */
export function pacs008ToXml(m: Pacs008 | Pacs008FromXml, version: Pacs008Version): string {
  const v14 = version === 'pacs.008.001.14';
  const g = m.GrpHdr;
  const supplement: Record<string, unknown> = {};
  if (g.NbOfTxs !== '1') throw new TranslationError('GrpHdr.NbOfTxs', 'one transaction per message');

  // Expiry.
  let expiry = '';
  if (g.PmtInstrXpryDtTm !== undefined) {
    if (v14) expiry = leaf('XpryDtTm', dateTimeText(g.PmtInstrXpryDtTm, 'GrpHdr.PmtInstrXpryDtTm'));
    else supplement['PmtInstrXpryDtTm'] = dateTimeText(g.PmtInstrXpryDtTm, 'GrpHdr.PmtInstrXpryDtTm');
  }
  const txXml = transactionXml(m.CdtTrfTxInf, v14, supplement);
  const grpHdr = el(
    'GrpHdr',
    leaf('MsgId', maxText(g.MsgId, 35, 'GrpHdr.MsgId')),
    leaf('CreDtTm', dateTimeText(g.CreDtTm, 'GrpHdr.CreDtTm')),
    expiry,
    leaf('NbOfTxs', '1'),
    el('SttlmInf', leaf('SttlmMtd', g.SttlmInf.SttlmMtd)),
  );
  return documentElement(schemaNamespace(version), el('FIToFICstmrCdtTrf', grpHdr, txXml));
}

/**
 * One `CdtTrfTxInf` element. `supplement`: what the transaction's supplementary data already holds (a single
 * transfer's .08 expiry); the transaction adds what it has no element for.
 */
export function transactionXml(tx: (Pacs008 | Pacs008FromXml)['CdtTrfTxInf'], v14: boolean, supplement: Record<string, unknown>): string {
  const pmtSgntr = ilpTermsXml(tx, v14, supplement);

  const pmtId = paymentIdXml(tx.PmtId, supplement);

  // Accounts (CashAccount38 of .08 requires an Id).
  const account = (name: 'DbtrAcct' | 'CdtrAcct', acct: Account | undefined) => {
    if (!acct) return '';
    if (!accountFits(acct, !v14)) {
      supplement[name] = acct;
      return '';
    }
    return accountXml(name, acct, `CdtTrfTxInf.${name}`);
  };
  const idMax = v14 ? 256 : 35;

  if (tx.SplmtryData !== undefined) supplement['SplmtryData'] = tx.SplmtryData;
  if (!isJsonData(supplement)) throw new TranslationError('CdtTrfTxInf', 'supplementary data holds values JSON cannot carry');

  return el(
    'CdtTrfTxInf',
    pmtId,
    amountXml('IntrBkSttlmAmt', tx.IntrBkSttlmAmt, 'CdtTrfTxInf.IntrBkSttlmAmt'),
    tx.InstdAmt && amountXml('InstdAmt', tx.InstdAmt, 'CdtTrfTxInf.InstdAmt'),
    tx.XchgRate !== undefined && leaf('XchgRate', rateText(tx.XchgRate)),
    leaf('ChrgBr', tx.ChrgBr),
    pmtSgntr,
    tx.InstgAgt && agentXml('InstgAgt', tx.InstgAgt, 'CdtTrfTxInf.InstgAgt'),
    tx.InstdAgt && agentXml('InstdAgt', tx.InstdAgt, 'CdtTrfTxInf.InstdAgt'),
    partyXml('Dbtr', tx.Dbtr, { idMax, required: true, field: 'CdtTrfTxInf.Dbtr' }),
    account('DbtrAcct', tx.DbtrAcct),
    agentXml('DbtrAgt', tx.DbtrAgt, 'CdtTrfTxInf.DbtrAgt'),
    agentXml('CdtrAgt', tx.CdtrAgt, 'CdtTrfTxInf.CdtrAgt'),
    partyXml('Cdtr', tx.Cdtr, { idMax, required: true, field: 'CdtTrfTxInf.Cdtr' }),
    account('CdtrAcct', tx.CdtrAcct),
    purposeXml(tx.Purp),
    remittanceXml(tx.RmtInf),
    supplementXml(PLACE, supplement),
  );
}

/** A canonical rate as BaseOneRate text; one the type cannot hold is refused, never rounded. */
function rateText(rate: string): string {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(rate);
  const fraction = (m?.[2] ?? '').replace(/0+$/, '');
  const digits = `${m?.[1] ?? ''}${fraction}`.replace(/^0+/, '');
  if (!m || fraction.length > RATE_FRACTION_DIGITS || digits.length > RATE_TOTAL_DIGITS) {
    throw new TranslationError('CdtTrfTxInf.XchgRate', `${rate} is not a BaseOneRate (at most ${RATE_FRACTION_DIGITS} decimals, ${RATE_TOTAL_DIGITS} digits)`);
  }
  return rate;
}

function purposeXml(purp: Pacs008['CdtTrfTxInf']['Purp']): string {
  if (!purp) return '';
  const field = 'CdtTrfTxInf.Purp';
  if ((purp.Cd === undefined) === (purp.Prtry === undefined))
    throw new TranslationError(field, 'needs exactly one of Cd and Prtry: the ISO element is a choice');
  return el('Purp', purp.Cd !== undefined ? leaf('Cd', maxText(purp.Cd, 4, `${field}.Cd`)) : leaf('Prtry', maxText(purp.Prtry!, 35, `${field}.Prtry`)));
}

function remittanceXml(rmt: Pacs008['CdtTrfTxInf']['RmtInf']): string {
  const lines = rmt?.Ustrd ?? [];
  return lines.length === 0 ? '' : el('RmtInf', ...lines.map((line, i) => leaf('Ustrd', maxText(line, 140, `CdtTrfTxInf.RmtInf.Ustrd[${i}]`))));
}

const SETTLEMENT_METHODS = ['CLRG', 'INDA', 'INGA', 'COVE'] as const;
type ChargeBearer = 'DEBT' | 'CRED' | 'SHAR' | 'SLEV';

/**
 * The transfer id of a payment: its TxId; without one (optional in .08 and .14), its UETR, else its EndToEndId
 * unless NOTPROVIDED. A payment with none of them cannot be told apart from others and is refused.
 */
function paymentIdentification(pmtId: XNode): Pacs008['CdtTrfTxInf']['PmtId'] {
  const e2e = pmtId.reqText('EndToEndId');
  const uetr = pmtId.textOf('UETR');
  const txId = pmtId.textOf('TxId') ?? uetr ?? (e2e !== NOT_PROVIDED ? e2e : undefined);
  if (txId === undefined) {
    throw pmtId.fail('PmtId names the payment by neither TxId, UETR nor EndToEndId (NOTPROVIDED): the hub cannot identify it');
  }
  const PmtId: Pacs008['CdtTrfTxInf']['PmtId'] = { TxId: txId };
  const instrId = pmtId.textOf('InstrId');
  if (instrId !== undefined) PmtId.InstrId = instrId;
  if (e2e !== NOT_PROVIDED) PmtId.EndToEndId = e2e;
  if (uetr !== undefined) PmtId.UETR = uetr;
  return PmtId;
}

/** How the bank named its payment, as the answers about it must name it (ids exactly as written). */
export function originalReference(groupHeader: XNode, pmtId: XNode, version: Pacs008Version): OriginalTransactionReference {
  const ref: OriginalTransactionReference = {
    OrgnlGrpInf: { OrgnlMsgId: groupHeader.reqText('MsgId'), OrgnlMsgNmId: version, OrgnlCreDtTm: readDateTime(groupHeader.req('CreDtTm')) },
    OrgnlEndToEndId: pmtId.reqText('EndToEndId'),
  };
  for (const [element, key] of [
    ['InstrId', 'OrgnlInstrId'],
    ['TxId', 'OrgnlTxId'],
    ['UETR', 'OrgnlUETR'],
  ] as const) {
    const value = pmtId.textOf(element);
    if (value !== undefined) ref[key] = value;
  }
  return ref;
}

/** InstgAgt, InstdAgt, Purp and RmtInf/Ustrd, when present. */
function readRouteAndPurpose(tx: XNode, out: Pacs008FromXml['CdtTrfTxInf']): void {
  for (const name of ['InstgAgt', 'InstdAgt'] as const) {
    const node = tx.child(name);
    if (node) out[name] = agentFromXml(node);
  }
  const purp = tx.child('Purp');
  if (purp) {
    const cd = purp.textOf('Cd');
    out.Purp = cd !== undefined ? { Cd: cd } : { Prtry: purp.reqText('Prtry') };
  }
  const ustrd =
    tx
      .child('RmtInf')
      ?.children('Ustrd')
      .map((n) => n.text()) ?? [];
  if (ustrd.length > 0) out.RmtInf = { Ustrd: ustrd };
}

/** ILP terms: PmtSgntr (ILPV4 packet, else a SHA-256 condition) in .14, supplementary data in .08. */
function readIlpTerms(tx: XNode, supplement: SupplementReader, out: Pacs008FromXml['CdtTrfTxInf']): void {
  const sgntr = tx.child('PmtSgntr');
  const terms: VerificationOfTerms = {
    ...(supplement.object<VerificationOfTerms>('VrfctnOfTerms', (v) => Object.values(v).every((x) => typeof x === 'string')) ?? {}),
  };
  let condition = supplement.string('ExctnCond');
  const ilp = sgntr?.child('ILPV4');
  if (ilp) terms.IlpV4PrepPacket = hexToBase64url(ilp.text(), ilp);
  // The packet (PmtSgntr/ILPV4 in .14, supplementary data in .08) states the condition; one given beside it must agree.
  if (terms.IlpV4PrepPacket !== undefined) {
    const where = ilp ? 'PmtSgntr/ILPV4' : 'supplementary data VrfctnOfTerms.IlpV4PrepPacket';
    const derived = conditionFromIlpV4Packet(terms.IlpV4PrepPacket);
    if (!derived.ok) throw (ilp ?? tx).fail(`${where}: ${derived.reason}`);
    if (condition !== undefined && condition !== derived.condition) {
      throw (ilp ?? tx).fail(`supplementary data ExctnCond differs from the execution condition of the ILP packet (${where})`);
    }
    condition = derived.condition;
  } else if (sgntr) {
    const sha = sgntr.child('Sgntr');
    if (sha) {
      const hex = sha.text();
      if (!SHA256_HEX.test(hex)) throw sha.fail('PmtSgntr/Sgntr must be 64 upper-case hexadecimal digits');
      condition = Buffer.from(hex, 'hex').toString('base64url');
    }
  }
  if (Object.keys(terms).length > 0) out.VrfctnOfTerms = terms;
  if (condition !== undefined) out.ExctnCond = condition;
}

/** Reads a schema-valid pacs.008 `Document`, and how it names the payment (see the header). */
export function pacs008FromXml(document: XNode, version: Pacs008Version): { message: Pacs008FromXml; reference: OriginalTransactionReference } {
  const root = document.req('FIToFICstmrCdtTrf');
  const g = root.req('GrpHdr');
  const txs = root.children('CdtTrfTxInf');
  const nb = g.reqText('NbOfTxs');
  if (txs.length !== 1 || nb !== '1') throw g.fail(`one transaction per message: NbOfTxs ${JSON.stringify(nb)} with ${txs.length} CdtTrfTxInf`);
  const tx = txs[0]!;
  const supplement = new SupplementReader(readSupplement(tx), tx);

  const GrpHdr: Pacs008FromXml['GrpHdr'] = {
    MsgId: g.reqText('MsgId'),
    CreDtTm: readDateTime(g.req('CreDtTm')),
    NbOfTxs: '1',
    SttlmInf: { SttlmMtd: settlementMethodFromXml(g) },
  };
  const xpry = g.child('XpryDtTm');
  const expiry = xpry ? readDateTime(xpry) : supplement.string('PmtInstrXpryDtTm');
  if (expiry !== undefined) GrpHdr.PmtInstrXpryDtTm = expiry;

  return { message: { GrpHdr, CdtTrfTxInf: transactionFromXml(tx, supplement) }, reference: originalReference(g, tx.req('PmtId'), version) };
}

/** The group's settlement method (GrpHdr/SttlmInf/SttlmMtd), one the hub supports. */
export function settlementMethodFromXml(g: XNode): Pacs008['GrpHdr']['SttlmInf']['SttlmMtd'] {
  const sttlmMtd = g.req('SttlmInf').reqText('SttlmMtd') as (typeof SETTLEMENT_METHODS)[number];
  if (!SETTLEMENT_METHODS.includes(sttlmMtd)) throw g.fail(`SttlmMtd ${JSON.stringify(sttlmMtd)} is not supported`);
  return sttlmMtd;
}

/** Reads one `CdtTrfTxInf` (`supplement`: its supplementary data). */
export function transactionFromXml(tx: XNode, supplement: SupplementReader): Pacs008FromXml['CdtTrfTxInf'] {
  const PmtId = paymentIdentification(tx.req('PmtId'));
  const uetr = supplement.string('UETR');
  if (PmtId.UETR === undefined && uetr !== undefined) PmtId.UETR = uetr;

  const chrgBr = tx.reqText('ChrgBr') as ChargeBearer;
  const out: Pacs008FromXml['CdtTrfTxInf'] = {
    PmtId,
    IntrBkSttlmAmt: readAmount(tx.req('IntrBkSttlmAmt')),
    ChrgBr: chrgBr,
    DbtrAgt: agentFromXml(tx.req('DbtrAgt')),
    CdtrAgt: agentFromXml(tx.req('CdtrAgt')),
  };
  const instd = tx.child('InstdAmt');
  if (instd) out.InstdAmt = readAmount(instd);
  const rate = tx.textOf('XchgRate');
  if (rate !== undefined) out.XchgRate = rate.trim();
  readRouteAndPurpose(tx, out);
  const dbtr = partyFromXml(tx.child('Dbtr'));
  if (dbtr) out.Dbtr = dbtr;
  const dbtrAcct = accountFromXml(tx.child('DbtrAcct')) ?? supplement.object<Account>('DbtrAcct');
  if (dbtrAcct) out.DbtrAcct = dbtrAcct;
  const cdtr = partyFromXml(tx.child('Cdtr'));
  if (cdtr) out.Cdtr = cdtr;
  const cdtrAcct = accountFromXml(tx.child('CdtrAcct')) ?? supplement.object<Account>('CdtrAcct');
  if (cdtrAcct) out.CdtrAcct = cdtrAcct;

  readIlpTerms(tx, supplement, out);
  // The canonical SplmtryData (FSPIOP extensions, party supplements) travels whole.
  const splmtry = supplement.object<NonNullable<Pacs008['CdtTrfTxInf']['SplmtryData']>>('SplmtryData', (v) => isJsonData(v));
  if (splmtry) {
    if (splmtry.extensions !== undefined) new SupplementReader(splmtry as Record<string, unknown>, tx).extensions('extensions');
    out.SplmtryData = splmtry;
  }
  return out;
}
