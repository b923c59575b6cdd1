/**
 * camt.054 BankToCustomerDebitCreditNotification (camt.054.001.08 and .14) <-> canonical DebitCreditNotification:
 * what the hub tells a bank when a movement touches one of its accounts at the hub — a settlement transfer, funds
 * in, a funds-out reservation, commit or abort (contract settlement.md §7). One `Ntfctn` per account, one `Ntry`
 * per movement. Pure. Banks never send it to the hub; reading is for tests and tools.
 *
 * | canonical                                   | XML (BkToCstmrDbtCdtNtfctn, both versions)                     |
 * |---------------------------------------------|----------------------------------------------------------------|
 * | GrpHdr.MsgId, CreDtTm                       | GrpHdr/MsgId, CreDtTm                                          |
 * | Ntfctn[].Id, CreDtTm, FrToDt                | Ntfctn/Id, CreDtTm, FrToDt/FrDtTm, ToDtTm                      |
 * | Ntfctn[].Acct (id, currency, owner, hub)    | Ntfctn/Acct/Id/Othr, Ccy, Nm, Ownr, Svcr (camt-common.ts)      |
 * | Ntfctn[].TxsSummry                          | Ntfctn/TxsSummry (camt-common.ts)                              |
 * | Ntfctn[].Ntry[] (one per movement)          | Ntfctn/Ntry: Amt (Ccy), CdtDbtInd (the bank's side), Sts/Cd BOOK, BookgDt/DtTm, BkTxCd/Prtry/Cd (SETTLEMENT_NET_SENDER, FUNDS_IN, …) + Issr MIZANI, NtryDtls/TxDtls/Refs (settlement id, window ids, transfer id) — camt-common.ts |
 * | Ntfctn[].AddtlNtfctnInf                     | Ntfctn/AddtlNtfctnInf (Max500Text)                             |
 *
 * Versions: .08 and .14 write the same elements in the same order; .14 allows a longer `Ownr/Id/OrgId/Othr/Id`
 * (Max256Text against Max35Text) and makes `Acct/Id` optional (the hub always writes it).
 */
import type { AccountNotification, DebitCreditNotification } from '../../schemas/iso/camt.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { schemaNamespace } from './catalog.js';
import { generationOf, groupHeaderFromXml, groupHeaderXml, sectionFromXml, sectionXml, withOptional } from './camt-common.js';
import { XNode, documentElement, el } from './xml.js';

export type Camt054Version = 'camt.054.001.08' | 'camt.054.001.14';

export function camt054ToXml(m: DebitCreditNotification, version: Camt054Version): string {
  const g = generationOf(version);
  if (m.Ntfctn.length === 0) throw new TranslationError('Ntfctn', 'a notification names at least one account');
  const ntfctns = m.Ntfctn.map((n, i) => sectionXml('Ntfctn', n, g, `Ntfctn[${i}]`, { addtl: ['AddtlNtfctnInf', n.AddtlNtfctnInf] }));
  return documentElement(schemaNamespace(version), el('BkToCstmrDbtCdtNtfctn', groupHeaderXml(m.GrpHdr), ...ntfctns));
}

export function camt054FromXml(document: XNode, version: Camt054Version): DebitCreditNotification {
  generationOf(version);
  const root = document.req('BkToCstmrDbtCdtNtfctn');
  const Ntfctn = root.children('Ntfctn').map((n) => withOptional<AccountNotification>(sectionFromXml(n), { AddtlNtfctnInf: n.textOf('AddtlNtfctnInf') }));
  return { GrpHdr: groupHeaderFromXml(root.req('GrpHdr')), Ntfctn };
}
