/**
 * pain.013 Creditor Payment Activation Request (.001.07 and .001.12) <-> canonical Pain013 (request to pay,
 * docs/r2p.md). Pure. One payment instruction of one transaction per message.
 *
 * | canonical                              | XML (both versions)                                                       |
 * |----------------------------------------|---------------------------------------------------------------------------|
 * | GrpHdr.MsgId, CreDtTm                  | GrpHdr/MsgId, CreDtTm; NbOfTxs 1; PmtInf/PmtInfId = MsgId                 |
 * | GrpHdr.InitgPty                        | GrpHdr/InitgPty (required: the creditor when absent)                      |
 * | PmtInf.ReqdExctnDt, XpryDt             | PmtInf/ReqdExctnDt (written as CreDtTm when absent), XpryDt               |
 * | PmtInf.Dbtr, DbtrAgt                   | PmtInf/Dbtr, DbtrAgt                                                      |
 * | CdtTrfTx.PmtId.InstrId (the request id)| PmtId/InstrId when it fits Max35Text (a ULID); a UUID v4 as PmtId/UETR   |
 * | CdtTrfTx.PmtId.EndToEndId              | PmtId/EndToEndId (the request id when absent and it fits, else NOTPROVIDED) |
 * | CdtTrfTx.Amt.InstdAmt, ChrgBr          | Amt/InstdAmt, ChrgBr (SLEV when absent: required in .07)                  |
 * | CdtTrfTx.CdtrAgt, Cdtr                 | CdtrAgt, Cdtr                                                             |
 * | CdtTrfTx.Purp.Prtry (scenario)         | Purp/Prtry                                                                |
 * | CdtTrfTx.RmtInf.Ustrd                  | RmtInf/Ustrd (each Max140Text)                                            |
 * | CdtrAcct (supportedCurrencies), SplmtryData | Mizani supplementary data of CdtTrfTx, with the elements written by default |
 * Reading, the request id is PmtId/InstrId when it is a ULID or UUID (what FSPIOP payers take), else the UETR; a
 * request naming neither is refused. A UETR or InstrId not used as the id travels as a foreign element.
 */
import type { Pain013, TransactionRequestSupplement } from '../../schemas/iso/pain013.js';
import { isAuthenticationType } from '../../schemas/iso/pain013.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { schemaNamespace } from './catalog.js';
import { SupplementReader, agentFromXml, agentXml, isJsonData, partyFromXml, partyXml, readSupplement, supplementXml } from './common.js';
import { amountXml, dateText, dateTimeText, maxText, readAmount, readDateTime } from './values.js';
import { XNode, documentElement, el, leaf } from './xml.js';

export type Pain013Version = 'pain.013.001.07' | 'pain.013.001.12';

const PLACE = '/Document/CdtrPmtActvtnReq/PmtInf/CdtTrfTx';
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const NOT_PROVIDED = 'NOTPROVIDED';

/** PmtId of a request id: InstrId when it fits Max35Text, UETR for a UUID v4. */
function paymentIdXml(id: string, endToEndId: string | undefined, defaults: string[]): string {
  const fits = [...id].length <= 35;
  if (!fits && !UUID_V4.test(id)) {
    throw new TranslationError('PmtInf.CdtTrfTx.PmtId.InstrId', `transaction request id ${id} fits neither InstrId (Max35Text) nor UETR (a UUID v4)`);
  }
  if (endToEndId === undefined) defaults.push('EndToEndId');
  const e2e = endToEndId ?? (fits ? id : NOT_PROVIDED);
  return el('PmtId', fits ? leaf('InstrId', id) : '', leaf('EndToEndId', maxText(e2e, 35, 'PmtInf.CdtTrfTx.PmtId.EndToEndId')), fits ? '' : leaf('UETR', id));
}

function dateChoiceXml(name: string, d: { Dt?: string; DtTm?: string }, field: string): string {
  if (d.Dt !== undefined && d.DtTm !== undefined) throw new TranslationError(field, 'holds both Dt and DtTm: the ISO element is a choice');
  return el(name, d.Dt !== undefined ? leaf('Dt', dateText(d.Dt, `${field}.Dt`)) : leaf('DtTm', dateTimeText(d.DtTm ?? '', `${field}.DtTm`)));
}

/** The canonical data of CdtTrfTx the XML has no element for, and which elements the renderer wrote by default. */
function supplementOf(m: Pain013, defaults: string[]): Record<string, unknown> {
  const tx = m.PmtInf.CdtTrfTx;
  const s: TransactionRequestSupplement = tx.SplmtryData ?? {};
  return {
    extensions: s.extensions,
    Dbtr: s.Dbtr,
    Cdtr: s.Cdtr,
    transactionType: s.transactionType,
    geoCode: s.geoCode,
    authenticationType: s.authenticationType,
    iso: s.iso,
    CdtrAcct: tx.CdtrAcct?.Ccys,
    defaults: defaults.length > 0 ? defaults : undefined,
  };
}

export function pain013ToXml(m: Pain013, version: Pain013Version): string {
  const idMax = version === 'pain.013.001.07' ? 35 : 256;
  const p = m.PmtInf;
  const tx = p.CdtTrfTx;
  const defaults: string[] = [];
  const grpHdr = el(
    'GrpHdr',
    leaf('MsgId', maxText(m.GrpHdr.MsgId, 35, 'GrpHdr.MsgId')),
    leaf('CreDtTm', dateTimeText(m.GrpHdr.CreDtTm, 'GrpHdr.CreDtTm')),
    leaf('NbOfTxs', '1'),
    partyXml('InitgPty', m.GrpHdr.InitgPty ?? tx.Cdtr, { idMax, required: true, field: 'GrpHdr.InitgPty' }),
  );
  if (!m.GrpHdr.InitgPty) defaults.push('InitgPty');
  if (!p.ReqdExctnDt) defaults.push('ReqdExctnDt');
  if (!tx.ChrgBr) defaults.push('ChrgBr');
  const cdtTrfTx = el(
    'CdtTrfTx',
    paymentIdXml(tx.PmtId.InstrId, tx.PmtId.EndToEndId, defaults),
    el('Amt', amountXml('InstdAmt', tx.Amt.InstdAmt, 'PmtInf.CdtTrfTx.Amt.InstdAmt')),
    leaf('ChrgBr', tx.ChrgBr ?? 'SLEV'),
    agentXml('CdtrAgt', tx.CdtrAgt, 'PmtInf.CdtTrfTx.CdtrAgt'),
    partyXml('Cdtr', tx.Cdtr, { idMax, required: true, field: 'PmtInf.CdtTrfTx.Cdtr' }),
    el('Purp', leaf('Prtry', maxText(tx.Purp.Prtry, 35, 'PmtInf.CdtTrfTx.Purp.Prtry'))),
    tx.RmtInf ? el('RmtInf', ...tx.RmtInf.Ustrd.map((line, i) => leaf('Ustrd', maxText(line, 140, `PmtInf.CdtTrfTx.RmtInf.Ustrd[${i}]`)))) : '',
    supplementXml(PLACE, supplementOf(m, defaults)),
  );
  const pmtInf = el(
    'PmtInf',
    leaf('PmtInfId', maxText(m.GrpHdr.MsgId, 35, 'GrpHdr.MsgId')),
    leaf('PmtMtd', p.PmtMtd),
    dateChoiceXml('ReqdExctnDt', p.ReqdExctnDt ?? { DtTm: m.GrpHdr.CreDtTm }, 'PmtInf.ReqdExctnDt'),
    p.XpryDt ? dateChoiceXml('XpryDt', p.XpryDt, 'PmtInf.XpryDt') : '',
    partyXml('Dbtr', p.Dbtr, { idMax, required: true, field: 'PmtInf.Dbtr' }),
    agentXml('DbtrAgt', p.DbtrAgt, 'PmtInf.DbtrAgt'),
    cdtTrfTx,
  );
  return documentElement(schemaNamespace(version), el('CdtrPmtActvtnReq', grpHdr, pmtInf));
}

function dateChoiceFromXml(node: XNode | undefined): { Dt?: string; DtTm?: string } | undefined {
  if (!node) return undefined;
  const dtTm = node.child('DtTm');
  return dtTm ? { DtTm: readDateTime(dtTm) } : { Dt: node.reqText('Dt') };
}

/** The request id (InstrId when FSPIOP takes it, else UETR) and the identification not used as it (foreign). */
function requestIdFromXml(pmtId: XNode): { id: string; foreign?: Record<string, string> } {
  const instrId = pmtId.textOf('InstrId');
  const uetr = pmtId.textOf('UETR');
  if (instrId !== undefined && (ULID.test(instrId) || UUID.test(instrId))) {
    return uetr === undefined ? { id: instrId } : { id: instrId, foreign: { 'PmtInf.CdtTrfTx.PmtId.UETR': uetr } };
  }
  if (uetr !== undefined) return instrId === undefined ? { id: uetr } : { id: uetr, foreign: { 'PmtInf.CdtTrfTx.PmtId.InstrId': instrId } };
  throw pmtId.fail('a request to pay is named by PmtId/InstrId (a ULID or UUID, what FSPIOP payers take) or PmtId/UETR');
}

export function pain013FromXml(document: XNode, version: Pain013Version): Pain013 {
  void version;
  const root = document.req('CdtrPmtActvtnReq');
  const g = root.req('GrpHdr');
  const infs = root.children('PmtInf');
  if (infs.length !== 1) throw root.fail(`one payment instruction per request to pay: ${infs.length} PmtInf`);
  const p = infs[0]!;
  if (p.reqText('PmtMtd') !== 'TRF') throw p.fail('PmtMtd must be TRF: the hub carries credit transfers, not cheques');
  const txs = p.children('CdtTrfTx');
  if (txs.length !== 1) throw p.fail(`one transaction per request to pay: ${txs.length} CdtTrfTx`);
  const t = txs[0]!;
  const pmtId = t.req('PmtId');
  const { id, foreign } = requestIdFromXml(pmtId);
  const purp = t.child('Purp');
  const scenario = purp?.textOf('Prtry') ?? purp?.textOf('Cd');
  if (scenario === undefined) throw t.fail('Purp names the transaction scenario (FSPIOP transactionType.scenario, e.g. PAYMENT)');
  const cdtr = partyFromXml(t.req('Cdtr')) ?? {};
  const m: Pain013 = {
    GrpHdr: { MsgId: g.reqText('MsgId'), CreDtTm: readDateTime(g.req('CreDtTm')), NbOfTxs: '1' },
    PmtInf: {
      PmtMtd: 'TRF',
      Dbtr: partyFromXml(p.req('Dbtr')) ?? {},
      DbtrAgt: agentFromXml(p.req('DbtrAgt')),
      CdtTrfTx: {
        PmtId: { InstrId: id },
        Amt: { InstdAmt: readAmount(t.req('Amt').req('InstdAmt')) },
        CdtrAgt: agentFromXml(t.req('CdtrAgt')),
        Cdtr: cdtr,
        Purp: { Prtry: scenario },
      },
    },
  };
  readOptional(m, g, p, t, pmtId);
  readSupplementOf(m, t, foreign);
  return m;
}

function readOptional(m: Pain013, g: XNode, p: XNode, t: XNode, pmtId: XNode): void {
  const tx = m.PmtInf.CdtTrfTx;
  const initg = partyFromXml(g.child('InitgPty'));
  if (initg) m.GrpHdr.InitgPty = initg;
  const reqd = dateChoiceFromXml(p.child('ReqdExctnDt'));
  if (reqd) m.PmtInf.ReqdExctnDt = reqd;
  const xpry = dateChoiceFromXml(p.child('XpryDt'));
  if (xpry) m.PmtInf.XpryDt = xpry;
  const e2e = pmtId.reqText('EndToEndId');
  tx.PmtId.EndToEndId = e2e;
  const chrgBr = t.textOf('ChrgBr') ?? p.textOf('ChrgBr');
  if (chrgBr !== undefined) tx.ChrgBr = chrgBr as NonNullable<typeof tx.ChrgBr>;
  const ustrd = t
    .child('RmtInf')
    ?.children('Ustrd')
    .map((n) => n.text());
  if (ustrd && ustrd.length > 0) tx.RmtInf = { Ustrd: ustrd };
}

/** The Mizani supplementary data back (what a hub wrote), the defaults it wrote removed again. */
function readSupplementOf(m: Pain013, t: XNode, foreign: Record<string, string> | undefined): void {
  const tx = m.PmtInf.CdtTrfTx;
  const data = readSupplement(t);
  const r = new SupplementReader(data, t);
  const s: TransactionRequestSupplement = {};
  const extensions = r.extensions('extensions');
  if (extensions) s.extensions = extensions;
  for (const who of ['Dbtr', 'Cdtr'] as const) {
    const party = r.object<NonNullable<TransactionRequestSupplement['Dbtr']>>(who, isJsonData);
    if (party) s[who] = party;
  }
  const type = r.object<NonNullable<TransactionRequestSupplement['transactionType']>>('transactionType', isJsonData);
  if (type) s.transactionType = type;
  const geo = r.object<NonNullable<TransactionRequestSupplement['geoCode']>>(
    'geoCode',
    (v) => typeof v.latitude === 'string' && typeof v.longitude === 'string',
  );
  if (geo) s.geoCode = { latitude: geo.latitude, longitude: geo.longitude };
  const auth = r.string('authenticationType');
  if (auth !== undefined) {
    if (!isAuthenticationType(auth)) throw t.fail(`Mizani supplementary data: authenticationType ${auth} is not OTP, QRCODE or U2F`);
    s.authenticationType = auth;
  }
  const iso = { ...(r.object<Record<string, unknown>>('iso', isJsonData) ?? {}), ...(foreign ?? {}) };
  if (Object.keys(iso).length > 0) s.iso = iso;
  const ccys = r.strings('CdtrAcct');
  if (ccys) tx.CdtrAcct = { Ccys: ccys };
  if (Object.keys(s).length > 0) tx.SplmtryData = s;
  for (const element of r.strings('defaults') ?? []) {
    if (element === 'InitgPty') delete m.GrpHdr.InitgPty;
    else if (element === 'ReqdExctnDt') delete m.PmtInf.ReqdExctnDt;
    else if (element === 'ChrgBr') delete tx.ChrgBr;
    else if (element === 'EndToEndId') delete tx.PmtId.EndToEndId;
  }
}
