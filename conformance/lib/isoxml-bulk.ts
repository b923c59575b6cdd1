// Multi-transaction messages a bank writes (docs/bulk.md, "Banks"): a pacs.008 with many CdtTrfTxInf, a pacs.002 with
// a group status (OrgnlGrpInfAndSts/GrpSts ACCP, PART, RJCT) and one TxInfAndSts per transaction, and a pacs.028 asking
// about a whole message (OrgnlGrpInf, no TxInf). Written from the ISO 20022 schemas, as isoxml.ts writes the single
// payment's messages; nothing of the hub is used.
import {
  agent,
  amount,
  documentXml,
  el,
  escapeXml,
  isoNow,
  leaf,
  newMsgId,
  party,
  SUPPLEMENT_NS,
  type Institution,
  type Pacs008Fields,
  type XmlView,
} from './isoxml.js';

/** One transaction of a bank's pacs.008 (its debtor agent and currency default to the message's). */
export type BulkTransactionFields = Omit<Pacs008Fields, 'msgId' | 'creDtTm' | 'expiry' | 'debtorAgent' | 'currency'> & {
  debtorAgent?: Institution;
  currency?: string;
};

export interface BulkPacs008Fields {
  msgId?: string;
  creDtTm?: string;
  /** Expiry of every transaction (pacs.008.001.14 GrpHdr/XpryDtTm; in .08 the message's Mizani supplementary data). */
  expiry?: string;
  currency: string;
  debtorAgent: Institution;
  transactions: BulkTransactionFields[];
  /** GrpHdr/NbOfTxs as written (default: the number of transactions). */
  nbOfTxs?: string;
  /** GrpHdr/CtrlSum as written (default: none). */
  ctrlSum?: string;
}

function supplement(place: string, data: Record<string, unknown>): string {
  return el('SplmtryData', leaf('PlcAndNm', place), el('Envlp', `<Splmtry xmlns="${SUPPLEMENT_NS}">${escapeXml(JSON.stringify(data))}</Splmtry>`));
}

function transactionXml(f: BulkTransactionFields, debtorAgent: Institution, currency: string): string {
  return el(
    'CdtTrfTxInf',
    el('PmtId', leaf('InstrId', f.instrId), leaf('EndToEndId', f.endToEndId ?? 'NOTPROVIDED'), leaf('TxId', f.txId), leaf('UETR', f.uetr)),
    amount('IntrBkSttlmAmt', f.amount, f.currency ?? currency),
    leaf('ChrgBr', f.chargeBearer ?? 'SHAR'),
    f.instructingAgent !== undefined && agent('InstgAgt', f.instructingAgent),
    f.instructedAgent !== undefined && agent('InstdAgt', f.instructedAgent),
    party('Dbtr', f.debtor),
    agent('DbtrAgt', f.debtorAgent ?? debtorAgent),
    agent('CdtrAgt', f.creditorAgent),
    party('Cdtr', f.creditor),
    f.purpose !== undefined && el('Purp', leaf('Cd', f.purpose)),
    f.remittance?.length ? el('RmtInf', ...f.remittance.map((line) => leaf('Ustrd', line))) : '',
  );
}

/** A pacs.008 with one CdtTrfTxInf per transaction. */
export function bulkPacs008Xml(f: BulkPacs008Fields, version = 'pacs.008.001.08'): string {
  const v14 = version.endsWith('.14');
  const grpHdr = el(
    'GrpHdr',
    leaf('MsgId', f.msgId ?? newMsgId()),
    leaf('CreDtTm', f.creDtTm ?? isoNow()),
    v14 && f.expiry ? leaf('XpryDtTm', f.expiry) : '',
    leaf('NbOfTxs', f.nbOfTxs ?? String(f.transactions.length)),
    leaf('CtrlSum', f.ctrlSum),
    el('SttlmInf', leaf('SttlmMtd', 'CLRG')),
  );
  const txs = f.transactions.map((tx) => transactionXml(tx, f.debtorAgent, f.currency));
  const expiry = !v14 && f.expiry ? supplement('/Document/FIToFICstmrCdtTrf', { PmtInstrXpryDtTm: f.expiry }) : '';
  return documentXml(version, el('FIToFICstmrCdtTrf', grpHdr, ...txs, expiry));
}

/** One transaction's status in a bank's group pacs.002, naming it the way the pacs.008 did. */
export interface GroupTransactionStatus {
  originalTxId?: string;
  originalEndToEndId?: string;
  originalUetr?: string;
  /** ACSC, ACSP, RJCT, PDNG, … */
  status: string;
  reason?: { prtry?: string; cd?: string };
  info?: string;
}

export interface GroupPacs002Fields {
  msgId?: string;
  originalMsgId: string;
  originalMsgNmId: string;
  /** ACCP, PART, RJCT, … (absent: no group status). */
  groupStatus?: string;
  groupReason?: { prtry?: string; cd?: string };
  groupInfo?: string;
  transactions: GroupTransactionStatus[];
}

function reasonXml(reason: { prtry?: string; cd?: string } | undefined, info: string | undefined): string | false {
  return (
    (reason !== undefined || info !== undefined) &&
    el('StsRsnInf', reason && el('Rsn', reason.prtry !== undefined ? leaf('Prtry', reason.prtry) : leaf('Cd', reason.cd)), leaf('AddtlInf', info))
  );
}

/** A pacs.002 about a whole message: OrgnlGrpInfAndSts (with the group status) and one TxInfAndSts per transaction. */
export function groupPacs002Xml(f: GroupPacs002Fields, version = 'pacs.002.001.10'): string {
  const group = el(
    'OrgnlGrpInfAndSts',
    leaf('OrgnlMsgId', f.originalMsgId),
    leaf('OrgnlMsgNmId', f.originalMsgNmId),
    leaf('GrpSts', f.groupStatus),
    reasonXml(f.groupReason, f.groupInfo),
  );
  const txs = f.transactions.map((t) =>
    el(
      'TxInfAndSts',
      leaf('OrgnlEndToEndId', t.originalEndToEndId),
      leaf('OrgnlTxId', t.originalTxId),
      leaf('OrgnlUETR', t.originalUetr),
      leaf('TxSts', t.status),
      reasonXml(t.reason, t.info),
    ),
  );
  return documentXml(version, el('FIToFIPmtStsRpt', el('GrpHdr', leaf('MsgId', f.msgId ?? newMsgId()), leaf('CreDtTm', isoNow())), group, ...txs));
}

/** A pacs.028 about a whole message the bank sent: OrgnlGrpInf and no TxInf. */
export function groupPacs028Xml(f: { msgId?: string; originalMsgId: string; originalMsgNmId: string }, version = 'pacs.028.001.03'): string {
  const body = el(
    'FIToFIPmtStsReq',
    el('GrpHdr', leaf('MsgId', f.msgId ?? newMsgId()), leaf('CreDtTm', isoNow())),
    el('OrgnlGrpInf', leaf('OrgnlMsgId', f.originalMsgId), leaf('OrgnlMsgNmId', f.originalMsgNmId)),
  );
  return documentXml(version, body);
}

/** What a group pacs.002 the hub sent says, read the way a bank reads it. */
export interface GroupStatusView {
  originalMsgId?: string;
  originalMsgNmId?: string;
  groupStatus?: string;
  groupReason?: { prtry?: string; cd?: string; info: string };
  /** In document order, each named by its OrgnlTxId, else OrgnlUETR, else OrgnlEndToEndId. */
  transactions: Array<{
    id?: string;
    txId?: string;
    endToEndId?: string;
    uetr?: string;
    status?: string;
    prtry?: string;
    cd?: string;
    info: string;
  }>;
}

function reasonOf(v: XmlView | undefined): { prtry?: string; cd?: string; info: string } | undefined {
  if (!v) return undefined;
  return {
    prtry: v.text('Rsn/Prtry'),
    cd: v.text('Rsn/Cd'),
    info: v
      .all('AddtlInf')
      .map((x) => x.text() ?? '')
      .join(''),
  };
}

/** Reads the `FIToFIPmtStsRpt` of a pacs.002 (the message under Document). */
export function readGroupStatus(report: XmlView): GroupStatusView {
  const group = report.at('OrgnlGrpInfAndSts');
  const groupReason = reasonOf(group?.at('StsRsnInf'));
  return {
    originalMsgId: group?.text('OrgnlMsgId'),
    originalMsgNmId: group?.text('OrgnlMsgNmId'),
    groupStatus: group?.text('GrpSts'),
    ...(groupReason ? { groupReason } : {}),
    transactions: report.all('TxInfAndSts').map((t) => {
      const reason = reasonOf(t.at('StsRsnInf'));
      const txId = t.text('OrgnlTxId');
      const uetr = t.text('OrgnlUETR');
      const endToEndId = t.text('OrgnlEndToEndId');
      return {
        id: txId ?? uetr ?? endToEndId,
        txId,
        endToEndId,
        uetr,
        status: t.text('TxSts'),
        prtry: reason?.prtry,
        cd: reason?.cd,
        info: reason?.info ?? '',
      };
    }),
  };
}
