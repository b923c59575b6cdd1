/**
 * Mojaloop ISO 20022 JSON fxTransfers <-> canonical: POST /fxTransfers is a pacs.009 (iso20022-mapping.md §3.6);
 * PUT, PATCH and the error of /fxTransfers/{ID} are pacs.002 exactly as a transfer's (translators/isojson/transfers.ts
 * isoStatusToCanonical / isoStatusFromCanonical).
 */
import type { Pacs009 } from '../../schemas/iso/pacs009.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import {
  AGENT_PROFILE,
  AMOUNT_PROFILE,
  HISTORIC_AMOUNT_PROFILE,
  PARTY_PROFILE,
  Unsupported,
  agentFromIso,
  agentToIso,
  amountFromIso,
  amountToIso,
  checkProfile,
  fspParty,
  header,
  historicAmountFromIso,
  historicAmountToIso,
  requireUlid,
  type IsoAgent,
  type IsoAmount,
  type IsoHistoricAmount,
  type IsoJsonReadOptions,
  type IsoJsonRenderOptions,
  type IsoParty,
} from './common.js';

export interface IsoPacs009 {
  GrpHdr: { MsgId: string; CreDtTm: string; NbOfTxs: string; SttlmInf: { SttlmMtd: 'CLRG' | 'INDA' | 'INGA' | 'COVE' }; PmtInstrXpryDtTm?: string };
  CdtTrfTxInf: {
    PmtId: { TxId: string; InstrId?: string; EndToEndId?: string };
    IntrBkSttlmAmt: IsoAmount;
    UndrlygCstmrCdtTrf?: { InstdAmt?: IsoHistoricAmount; Dbtr: IsoParty; Cdtr: IsoParty; DbtrAgt: IsoAgent; CdtrAgt: IsoAgent };
    Dbtr: IsoAgent;
    Cdtr: IsoAgent;
    InstrForCdtrAgt?: { InstrInf?: string };
    VrfctnOfTerms?: { Sh256Sgntr?: string };
  };
}

const PACS009_PROFILE = {
  GrpHdr: { MsgId: true, CreDtTm: true, NbOfTxs: true, SttlmInf: { SttlmMtd: true }, PmtInstrXpryDtTm: true },
  CdtTrfTxInf: {
    PmtId: { TxId: true, InstrId: true, EndToEndId: true },
    IntrBkSttlmAmt: AMOUNT_PROFILE,
    // The underlying parties and agents repeat Dbtr and Cdtr (the transformer writes them so): read, not kept.
    UndrlygCstmrCdtTrf: { InstdAmt: HISTORIC_AMOUNT_PROFILE, Dbtr: PARTY_PROFILE, Cdtr: PARTY_PROFILE, DbtrAgt: AGENT_PROFILE, CdtrAgt: AGENT_PROFILE },
    Dbtr: AGENT_PROFILE,
    Cdtr: AGENT_PROFILE,
    InstrForCdtrAgt: { InstrInf: true },
    VrfctnOfTerms: { Sh256Sgntr: true },
  },
} as const;

/** POST /fxTransfers ISO JSON body -> pacs.009. */
export function isoFxTransferToCanonical(body: IsoPacs009, options: IsoJsonReadOptions = {}): Pacs009 {
  const unsupported = new Unsupported();
  checkProfile(body, PACS009_PROFILE, '', unsupported);
  unsupported.settle(options, 'POST /fxTransfers');
  const g = body.GrpHdr;
  const tx = body.CdtTrfTxInf;
  if (g.NbOfTxs !== '1') throw new TranslationError('GrpHdr.NbOfTxs', `${JSON.stringify(g.NbOfTxs)} transactions: Mizani handles one per message`);
  const source = tx.UndrlygCstmrCdtTrf?.InstdAmt;
  if (!source) throw new TranslationError('CdtTrfTxInf.UndrlygCstmrCdtTrf.InstdAmt', 'the source amount of the conversion is missing', '3102');
  const condition = tx.VrfctnOfTerms?.Sh256Sgntr;
  if (condition === undefined) throw new TranslationError('CdtTrfTxInf.VrfctnOfTerms.Sh256Sgntr', 'the condition of the conversion is missing', '3102');
  const message: Pacs009 = {
    GrpHdr: { MsgId: g.MsgId, CreDtTm: g.CreDtTm, NbOfTxs: '1', SttlmInf: { SttlmMtd: g.SttlmInf.SttlmMtd } },
    CdtTrfTxInf: {
      PmtId: { TxId: requireUlid(tx.PmtId.TxId, 'CdtTrfTxInf.PmtId.TxId') },
      IntrBkSttlmAmt: amountFromIso(tx.IntrBkSttlmAmt, 'CdtTrfTxInf.IntrBkSttlmAmt'),
      UndrlygCstmrCdtTrf: { InstdAmt: historicAmountFromIso(source, 'CdtTrfTxInf.UndrlygCstmrCdtTrf.InstdAmt') },
      Dbtr: agentFromIso(tx.Dbtr),
      Cdtr: agentFromIso(tx.Cdtr),
      VrfctnOfTerms: { Sh256Sgntr: condition },
    },
  };
  const c = message.CdtTrfTxInf;
  if (g.PmtInstrXpryDtTm !== undefined) message.GrpHdr.PmtInstrXpryDtTm = g.PmtInstrXpryDtTm;
  if (tx.PmtId.EndToEndId !== undefined) c.PmtId.EndToEndId = requireUlid(tx.PmtId.EndToEndId, 'CdtTrfTxInf.PmtId.EndToEndId');
  if (tx.PmtId.InstrId !== undefined) c.PmtId.InstrId = requireUlid(tx.PmtId.InstrId, 'CdtTrfTxInf.PmtId.InstrId');
  const amountType = tx.InstrForCdtrAgt?.InstrInf;
  if (amountType !== undefined) {
    if (amountType !== 'SEND' && amountType !== 'RECEIVE')
      throw new TranslationError('CdtTrfTxInf.InstrForCdtrAgt.InstrInf', 'must be SEND or RECEIVE', '3101');
    c.InstrForCdtrAgt = { InstrInf: amountType };
  }
  return message;
}

/**
 * pacs.009 -> POST /fxTransfers ISO JSON body: the underlying transfer's parties and agents are the FSPs themselves,
 * as Mojaloop's transformer writes them. Refuses non-ULID ids and amounts beyond ISO's 18 digits.
 */
export function isoFxTransferFromCanonical(message: Pacs009, options: IsoJsonRenderOptions = {}): IsoPacs009 {
  const tx = message.CdtTrfTxInf;
  if (tx.SplmtryData?.extensions?.length) throw new TranslationError('extensionList', 'the ISO 20022 JSON pacs.009 has no place for an extension list');
  const dbtr = agentToIso(tx.Dbtr, 'CdtTrfTxInf.Dbtr');
  const cdtr = agentToIso(tx.Cdtr, 'CdtTrfTxInf.Cdtr');
  const out: IsoPacs009['CdtTrfTxInf'] = {
    PmtId: { TxId: requireUlid(tx.PmtId.TxId, 'commitRequestId (CdtTrfTxInf.PmtId.TxId)') },
    IntrBkSttlmAmt: amountToIso(tx.IntrBkSttlmAmt, 'targetAmount (CdtTrfTxInf.IntrBkSttlmAmt)'),
    UndrlygCstmrCdtTrf: {
      InstdAmt: historicAmountToIso(tx.UndrlygCstmrCdtTrf.InstdAmt, 'sourceAmount (CdtTrfTxInf.UndrlygCstmrCdtTrf.InstdAmt)'),
      Dbtr: fspParty(tx.Dbtr, 'CdtTrfTxInf.UndrlygCstmrCdtTrf.Dbtr'),
      Cdtr: fspParty(tx.Cdtr, 'CdtTrfTxInf.UndrlygCstmrCdtTrf.Cdtr'),
      DbtrAgt: dbtr,
      CdtrAgt: cdtr,
    },
    Dbtr: dbtr,
    Cdtr: cdtr,
    VrfctnOfTerms: { Sh256Sgntr: tx.VrfctnOfTerms.Sh256Sgntr },
  };
  if (tx.PmtId.EndToEndId !== undefined) out.PmtId.EndToEndId = requireUlid(tx.PmtId.EndToEndId, 'determiningTransferId (CdtTrfTxInf.PmtId.EndToEndId)');
  if (tx.PmtId.InstrId !== undefined) out.PmtId.InstrId = requireUlid(tx.PmtId.InstrId, 'CdtTrfTxInf.PmtId.InstrId');
  if (tx.InstrForCdtrAgt) out.InstrForCdtrAgt = { InstrInf: tx.InstrForCdtrAgt.InstrInf };
  const GrpHdr: IsoPacs009['GrpHdr'] = { ...header(options), NbOfTxs: '1', SttlmInf: { SttlmMtd: message.GrpHdr.SttlmInf.SttlmMtd } };
  if (message.GrpHdr.PmtInstrXpryDtTm !== undefined) GrpHdr.PmtInstrXpryDtTm = message.GrpHdr.PmtInstrXpryDtTm;
  return { GrpHdr, CdtTrfTxInf: out };
}
