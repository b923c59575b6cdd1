/**
 * camt.053 BankToCustomerStatement (camt.053.001.08 and .14) <-> canonical BankToCustomerStatement: the statement
 * of a bank's account at the hub when a settlement reaches SETTLED (and, for the position account, at window
 * close; contract settlement.md §7). Per account and currency: the opening and closing booked balances, a
 * transaction summary, one `Ntry` per settled window with its net, `FrToDt` covering the windows. Pure. Banks never
 * send it to the hub; reading is for tests and tools.
 *
 * | canonical                                   | XML (BkToCstmrStmt, both versions)                             |
 * |---------------------------------------------|----------------------------------------------------------------|
 * | GrpHdr.MsgId, CreDtTm                       | GrpHdr/MsgId, CreDtTm                                          |
 * | Stmt[].Id, CreDtTm                          | Stmt/Id, CreDtTm                                               |
 * | Stmt[].FrToDt (the windows covered)         | Stmt/FrToDt/FrDtTm, ToDtTm                                     |
 * | Stmt[].Acct (id, currency, owner, hub)      | Stmt/Acct/Id/Othr, Ccy, Nm, Ownr, Svcr (camt-common.ts)        |
 * | Stmt[].Bal[] (OPBD, CLBD; at least one)     | Stmt/Bal: Tp/CdOrPrtry/Cd, Amt (Ccy), CdtDbtInd, Dt/{Dt|DtTm}  |
 * | Stmt[].TxsSummry                            | Stmt/TxsSummry: TtlNtries (NbOfNtries, Sum, TtlNetNtry), TtlCdtNtries, TtlDbtNtries |
 * | Stmt[].Ntry[] (one per settled window)      | Stmt/Ntry (camt-common.ts): the window's net, BkTxCd/Prtry/Cd WINDOW_NET or the settlement entry type, Refs/Prtry settlement and window ids |
 * | Stmt[].AddtlStmtInf                         | Stmt/AddtlStmtInf (Max500Text)                                 |
 *
 * Versions: as camt.054 (camt054.ts): the same elements and order; `Ownr/Id/OrgId/Othr/Id` Max35Text in .08,
 * Max256Text in .14.
 */
import type { AccountStatement, BankToCustomerStatement } from '../../schemas/iso/camt.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { schemaNamespace } from './catalog.js';
import { balanceFromXml, generationOf, groupHeaderFromXml, groupHeaderXml, sectionFromXml, sectionXml, withOptional } from './camt-common.js';
import { XNode, documentElement, el } from './xml.js';

export type Camt053Version = 'camt.053.001.08' | 'camt.053.001.14';

export function camt053ToXml(m: BankToCustomerStatement, version: Camt053Version): string {
  const g = generationOf(version);
  if (m.Stmt.length === 0) throw new TranslationError('Stmt', 'a statement message holds at least one statement');
  const stmts = m.Stmt.map((s, i) => {
    if (s.Bal.length === 0) throw new TranslationError(`Stmt[${i}].Bal`, 'a statement gives at least one balance (opening and closing booked)');
    return sectionXml('Stmt', s, g, `Stmt[${i}]`, { balances: s.Bal, addtl: ['AddtlStmtInf', s.AddtlStmtInf] });
  });
  return documentElement(schemaNamespace(version), el('BkToCstmrStmt', groupHeaderXml(m.GrpHdr), ...stmts));
}

export function camt053FromXml(document: XNode, version: Camt053Version): BankToCustomerStatement {
  generationOf(version);
  const root = document.req('BkToCstmrStmt');
  const Stmt = root.children('Stmt').map((s) => {
    const { Ntry, TxsSummry, ...head } = sectionFromXml(s);
    return withOptional<AccountStatement>({ ...head, Bal: s.children('Bal').map(balanceFromXml), Ntry }, { TxsSummry, AddtlStmtInf: s.textOf('AddtlStmtInf') });
  });
  return { GrpHdr: groupHeaderFromXml(root.req('GrpHdr')), Stmt };
}
