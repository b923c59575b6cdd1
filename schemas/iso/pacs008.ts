/** pacs.008 FI-to-FI Customer Credit Transfer: the canonical payment instruction (transfer prepare). */
import type { Amount } from '../amount.js';
import type { Account, Agent, Extension, Party, VerificationOfTerms } from './common.js';

export interface Pacs008 {
  GrpHdr: {
    MsgId: string;
    CreDtTm: string;
    NbOfTxs: '1';
    SttlmInf: { SttlmMtd: 'CLRG' | 'INDA' | 'INGA' | 'COVE' };
    /** Expiry of the instruction (FSPIOP `expiration`). */
    PmtInstrXpryDtTm: string;
  };
  CdtTrfTxInf: {
    PmtId: { TxId: string; InstrId?: string; EndToEndId?: string; UETR?: string };
    IntrBkSttlmAmt: Amount;
    InstdAmt?: Amount;
    ChrgBr: 'DEBT' | 'CRED' | 'SHAR' | 'SLEV';
    Dbtr?: Party;
    DbtrAcct?: Account;
    DbtrAgt: Agent;
    Cdtr?: Party;
    CdtrAcct?: Account;
    CdtrAgt: Agent;
    /** Execution condition: base64url SHA-256 of the fulfilment. */
    ExctnCond: string;
    VrfctnOfTerms?: VerificationOfTerms;
    SplmtryData?: { extensions: Extension[] };
  };
}

export function payerFspOf(p: Pacs008): string {
  return p.CdtTrfTxInf.DbtrAgt.FinInstnId.Othr?.Id ?? '';
}

export function payeeFspOf(p: Pacs008): string {
  return p.CdtTrfTxInf.CdtrAgt.FinInstnId.Othr?.Id ?? '';
}
