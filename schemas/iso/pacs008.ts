/** pacs.008 FI-to-FI Customer Credit Transfer: the canonical payment instruction (transfer prepare). */
import type { Amount } from '../amount.js';
import type { Account, Agent, Extension, ForeignElements, Party, PartySupplement, VerificationOfTerms } from './common.js';

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
    /** TxId = FSPIOP transferId. */
    PmtId: { TxId: string; InstrId?: string; EndToEndId?: string; UETR?: string };
    /** FSPIOP `amount`. */
    IntrBkSttlmAmt: Amount;
    /**
     * The instructed amount, when it is not the settlement amount: in a cross-currency payment, the amount in the
     * source currency that the conversion turns into `IntrBkSttlmAmt` (docs/fx.md "Banks").
     */
    InstdAmt?: Amount;
    /**
     * ISO `XchgRate` (BaseOneRate: ≤ 10 fraction digits, ≤ 11 digits): `IntrBkSttlmAmt = InstdAmt × XchgRate`, the
     * FXP's rate as the exact ratio of its two amounts (schemas/iso/exchange-rate.ts); absent when not exact.
     */
    XchgRate?: string;
    /** Not in FSPIOP (the FSPIOP translator writes SHAR, as Mojaloop does without the quote); ISO senders give it. */
    ChrgBr: 'DEBT' | 'CRED' | 'SHAR' | 'SLEV';
    /**
     * The agent that instructed this leg and the agent instructed (ISO `InstgAgt` / `InstdAgt`, e.g. the routing
     * numbers a FedNow-style bank writes). Not in FSPIOP. Named by FSP id inside the hub like every agent.
     */
    InstgAgt?: Agent;
    InstdAgt?: Agent;
    /**
     * The payer party, when known (e.g. from the agreed quote, or from an ISO sender). FSPIOP POST /transfers does
     * not carry parties; the ISO JSON renderer, which requires them, falls back to Mojaloop's form
     * `Id.OrgId.Othr.Id = payerFsp` when absent.
     */
    Dbtr?: Party;
    DbtrAcct?: Account;
    /** `FinInstnId.Othr.Id` = FSPIOP payerFsp. */
    DbtrAgt: Agent;
    /** The payee party, when known (as Dbtr). */
    Cdtr?: Party;
    CdtrAcct?: Account;
    /** `FinInstnId.Othr.Id` = FSPIOP payeeFsp. */
    CdtrAgt: Agent;
    /** Execution condition: base64url SHA-256 of the fulfilment (FSPIOP `condition`; ISO derives it from the packet). */
    ExctnCond: string;
    /** IlpV4PrepPacket = FSPIOP ilpPacket. */
    VrfctnOfTerms?: VerificationOfTerms;
    /**
     * ISO `Purp` (Purpose2Choice): `Cd` from ExternalPurpose1Code (≤ 4 characters) or `Prtry` (≤ 35), as the debtor's
     * bank gave it. Not in FSPIOP POST /transfers.
     */
    Purp?: { Cd?: string; Prtry?: string };
    /**
     * ISO `RmtInf`: the unstructured remittance information (`Ustrd`, each ≤ 140 characters, in order) the debtor
     * gave for the creditor. Not in FSPIOP POST /transfers. (Structured remittance, `Strd`, is not carried.)
     */
    RmtInf?: { Ustrd?: string[] };
    /**
     * `extensions`: FSPIOP `extensionList` (no pacs.008 element; the ISO JSON dialect has no place for it either).
     * `Dbtr`/`Cdtr`: party data without an ISO element, when the parties are known (e.g. complexName from an ISO
     * sender's `Nm` "first;middle;last;display").
     */
    SplmtryData?: { extensions?: Extension[]; Dbtr?: PartySupplement; Cdtr?: PartySupplement; iso?: ForeignElements };
  };
}

/**
 * A bank's instruction as read from XML (translators/isoxml/pacs008.ts): banks send pacs.008 without an expiry or an
 * ILP condition, which the hub sets acting for the bank.
 */
export type Pacs008FromXml = Omit<Pacs008, 'GrpHdr' | 'CdtTrfTxInf'> & {
  GrpHdr: Omit<Pacs008['GrpHdr'], 'PmtInstrXpryDtTm'> & { PmtInstrXpryDtTm?: string };
  CdtTrfTxInf: Omit<Pacs008['CdtTrfTxInf'], 'ExctnCond'> & { ExctnCond?: string };
};

/** Fills what the hub decides for a bank's instruction (expiry, condition) where the message had none. */
export function completePacs008(m: Pacs008FromXml, defaults: { PmtInstrXpryDtTm: string; ExctnCond: string }): Pacs008 {
  return {
    ...m,
    GrpHdr: { ...m.GrpHdr, PmtInstrXpryDtTm: m.GrpHdr.PmtInstrXpryDtTm ?? defaults.PmtInstrXpryDtTm },
    CdtTrfTxInf: { ...m.CdtTrfTxInf, ExctnCond: m.CdtTrfTxInf.ExctnCond ?? defaults.ExctnCond },
  };
}

export function payerFspOf(p: Pacs008): string {
  return p.CdtTrfTxInf.DbtrAgt.FinInstnId.Othr?.Id ?? '';
}

export function payeeFspOf(p: Pacs008): string {
  return p.CdtTrfTxInf.CdtrAgt.FinInstnId.Othr?.Id ?? '';
}
