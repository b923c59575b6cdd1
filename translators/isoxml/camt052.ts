/**
 * camt.052 BankToCustomerAccountReport (camt.052.001.08 and .14) <-> canonical AccountReportMessage: interim
 * balances of a bank's accounts at the hub, on a schedule or on an operator's request (contract settlement.md
 * §7) — ITBD (interim booked) and ITAV (interim available: the liquidity cover left) — optionally with the entries
 * since the last report. Pure. Banks never send it to the hub; reading is for tests and tools.
 *
 * | canonical                                   | XML (BkToCstmrAcctRpt, both versions)                          |
 * |---------------------------------------------|----------------------------------------------------------------|
 * | GrpHdr.MsgId, CreDtTm                       | GrpHdr/MsgId, CreDtTm                                          |
 * | Rpt[].Id, CreDtTm, FrToDt                   | Rpt/Id, CreDtTm, FrToDt/FrDtTm, ToDtTm                         |
 * | Rpt[].Acct (id, currency, owner, hub)       | Rpt/Acct/Id/Othr, Ccy, Nm, Ownr, Svcr (camt-common.ts)         |
 * | Rpt[].Bal[] (ITBD, ITAV; may be empty)      | Rpt/Bal: Tp/CdOrPrtry/Cd, Amt (Ccy), CdtDbtInd, Dt/{Dt|DtTm}   |
 * | Rpt[].TxsSummry                             | Rpt/TxsSummry (camt-common.ts)                                 |
 * | Rpt[].Ntry[] (entries since the last report)| Rpt/Ntry (camt-common.ts)                                      |
 * | Rpt[].AddtlRptInf                           | Rpt/AddtlRptInf (Max500Text)                                   |
 *
 * Versions: as camt.054 (camt054.ts): the same elements and order; `Ownr/Id/OrgId/Othr/Id` Max35Text in .08,
 * Max256Text in .14.
 */
import type { AccountReport, AccountReportMessage } from '../../schemas/iso/camt.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { schemaNamespace } from './catalog.js';
import { balanceFromXml, generationOf, groupHeaderFromXml, groupHeaderXml, sectionFromXml, sectionXml, withOptional } from './camt-common.js';
import { XNode, documentElement, el } from './xml.js';

export type Camt052Version = 'camt.052.001.08' | 'camt.052.001.14';

export function camt052ToXml(m: AccountReportMessage, version: Camt052Version): string {
  const g = generationOf(version);
  if (m.Rpt.length === 0) throw new TranslationError('Rpt', 'an account report message holds at least one report');
  const rpts = m.Rpt.map((r, i) => sectionXml('Rpt', r, g, `Rpt[${i}]`, { balances: r.Bal, addtl: ['AddtlRptInf', r.AddtlRptInf] }));
  return documentElement(schemaNamespace(version), el('BkToCstmrAcctRpt', groupHeaderXml(m.GrpHdr), ...rpts));
}

export function camt052FromXml(document: XNode, version: Camt052Version): AccountReportMessage {
  generationOf(version);
  const root = document.req('BkToCstmrAcctRpt');
  const Rpt = root.children('Rpt').map((r) => {
    const { Ntry, TxsSummry, ...head } = sectionFromXml(r);
    return withOptional<AccountReport>({ ...head, Bal: r.children('Bal').map(balanceFromXml), Ntry }, { TxsSummry, AddtlRptInf: r.textOf('AddtlRptInf') });
  });
  return { GrpHdr: groupHeaderFromXml(root.req('GrpHdr')), Rpt };
}
