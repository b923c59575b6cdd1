/**
 * A bulk as ISO 20022 XML: one pacs.008 (.08 and .14) with many `CdtTrfTxInf` <-> BulkPacs008. Pure.
 *
 * Each transaction is written and read exactly as the single payment's (pacs008.ts `transactionXml` /
 * `transactionFromXml`: the same table, its supplementary data per transaction). What belongs to the group:
 *
 * | canonical                          | pacs.008.001.08                          | pacs.008.001.14              |
 * |------------------------------------|------------------------------------------|------------------------------|
 * | GrpHdr.MsgId (bulkTransferId), CreDtTm | GrpHdr/MsgId, CreDtTm                | same                         |
 * | GrpHdr.PmtInstrXpryDtTm            | message supplementary data               | GrpHdr/XpryDtTm              |
 * | GrpHdr.NbOfTxs                     | GrpHdr/NbOfTxs: the number of CdtTrfTxInf (read: must be it) | same     |
 * | (the sum of the amounts)           | GrpHdr/CtrlSum when every amount has one currency and the sum fits DecimalNumber (18 digits); read: must be the exact sum | same |
 * | GrpHdr.SttlmInf.SttlmMtd           | GrpHdr/SttlmInf/SttlmMtd                 | same                         |
 * | SplmtryData (bulkQuoteId, extensions) | message supplementary data            | same                         |
 *
 * Reading also gives how the bank named each payment (`references`, in transaction order), as pacs008.ts does for one.
 */
import { formatUnits, type Amount } from '../../schemas/amount.js';
import type { BulkPacs008, BulkPacs008FromXml } from '../../schemas/iso/bulk-transfers.js';
import type { OriginalTransactionReference } from '../../schemas/iso/original.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { schemaNamespace } from './catalog.js';
import { SupplementReader, isJsonData, readSupplement, supplementXml } from './common.js';
import { originalReference, settlementMethodFromXml, transactionFromXml, transactionXml, type Pacs008Version } from './pacs008.js';
import { dateTimeText, decimalToUnits, maxText, readDateTime } from './values.js';
import { XNode, documentElement, el, leaf, optLeaf } from './xml.js';

const PLACE = '/Document/FIToFICstmrCdtTrf';
/** xs:decimal totalDigits of ISO DecimalNumber (CtrlSum). */
const DECIMAL_NUMBER_DIGITS = 18;

/** Is this pacs.008 `Document` a bulk (more than one transaction, or a count other than one)? */
export function isBulkPacs008(document: XNode): boolean {
  const root = document.req('FIToFICstmrCdtTrf');
  return root.children('CdtTrfTxInf').length > 1 || root.req('GrpHdr').reqText('NbOfTxs') !== '1';
}

/** The exact sum of the amounts as ISO DecimalNumber text; undefined with several currencies or more than 18 digits. */
export function controlSum(amounts: readonly Amount[]): string | undefined {
  const currency = amounts[0]?.currency;
  if (currency === undefined || amounts.some((a) => a.currency !== currency)) return undefined;
  const text = formatUnits(amounts.reduce((sum, a) => sum + a.units, 0n) as Amount['units']);
  const digits = text.replace(/^0\./, '.').replace('.', '').length;
  return digits <= DECIMAL_NUMBER_DIGITS ? text : undefined;
}

/** Names the transaction in what one line refuses (`CdtTrfTxInf[2].PmtId.TxId`). */
function asTransaction<T>(index: number, render: () => T): T {
  try {
    return render();
  } catch (err) {
    if (!(err instanceof TranslationError)) throw err;
    throw new TranslationError(err.field.replace(/^CdtTrfTxInf/, `CdtTrfTxInf[${index}]`), err.reason, err.code);
  }
}

/** Renders the `Document` element of a bulk's pacs.008. */
export function bulkPacs008ToXml(m: BulkPacs008 | BulkPacs008FromXml, version: Pacs008Version): string {
  const v14 = version === 'pacs.008.001.14';
  const g = m.GrpHdr;
  const count = m.CdtTrfTxInf.length;
  if (count === 0) throw new TranslationError('CdtTrfTxInf', 'a bulk holds at least one transaction', '3102');
  if (g.NbOfTxs !== String(count)) throw new TranslationError('GrpHdr.NbOfTxs', `${JSON.stringify(g.NbOfTxs)} with ${count} transactions`);
  const supplement: Record<string, unknown> = {};
  let expiry = '';
  if (g.PmtInstrXpryDtTm !== undefined) {
    if (v14) expiry = leaf('XpryDtTm', dateTimeText(g.PmtInstrXpryDtTm, 'GrpHdr.PmtInstrXpryDtTm'));
    else supplement['PmtInstrXpryDtTm'] = dateTimeText(g.PmtInstrXpryDtTm, 'GrpHdr.PmtInstrXpryDtTm');
  }
  if (m.SplmtryData !== undefined) supplement['SplmtryData'] = m.SplmtryData;
  if (!isJsonData(supplement)) throw new TranslationError('SplmtryData', 'supplementary data holds values JSON cannot carry');
  const grpHdr = el(
    'GrpHdr',
    leaf('MsgId', maxText(g.MsgId, 35, 'GrpHdr.MsgId')),
    leaf('CreDtTm', dateTimeText(g.CreDtTm, 'GrpHdr.CreDtTm')),
    expiry,
    leaf('NbOfTxs', String(count)),
    optLeaf('CtrlSum', controlSum(m.CdtTrfTxInf.map((tx) => tx.IntrBkSttlmAmt))),
    el('SttlmInf', leaf('SttlmMtd', g.SttlmInf.SttlmMtd)),
  );
  const transactions = m.CdtTrfTxInf.map((tx, i) => asTransaction(i, () => transactionXml(tx, v14, {})));
  return documentElement(schemaNamespace(version), el('FIToFICstmrCdtTrf', grpHdr, ...transactions, supplementXml(PLACE, supplement)));
}

/** The count and control sum a bank gave must be those of its transactions. */
function checkTotals(g: XNode, lines: BulkPacs008FromXml['CdtTrfTxInf']): void {
  const nb = g.reqText('NbOfTxs');
  if (!/^\d+$/.test(nb) || BigInt(nb) !== BigInt(lines.length))
    throw g.fail(`NbOfTxs ${JSON.stringify(nb)} is not the number of CdtTrfTxInf (${lines.length})`);
  const ctrlSum = g.child('CtrlSum');
  if (!ctrlSum) return;
  const sum = lines.reduce((total, tx) => total + tx.IntrBkSttlmAmt.units, 0n);
  let given: bigint | undefined;
  try {
    given = decimalToUnits(ctrlSum.collapsed());
  } catch {
    given = undefined; // more decimals than any amount has: it cannot be their sum
  }
  if (given !== sum) throw ctrlSum.fail(`CtrlSum ${ctrlSum.collapsed()} is not the sum of the transactions' amounts (${formatUnits(sum as Amount['units'])})`);
}

/** Reads a schema-valid pacs.008 `Document` holding a bulk, and how it names each payment (see the header). */
export function bulkPacs008FromXml(document: XNode, version: Pacs008Version): { message: BulkPacs008FromXml; references: OriginalTransactionReference[] } {
  const root = document.req('FIToFICstmrCdtTrf');
  const g = root.req('GrpHdr');
  const txs = root.children('CdtTrfTxInf');
  const CdtTrfTxInf = txs.map((tx) => transactionFromXml(tx, new SupplementReader(readSupplement(tx), tx)));
  checkTotals(g, CdtTrfTxInf);
  const group = new SupplementReader(readSupplement(root), root);
  const GrpHdr: BulkPacs008FromXml['GrpHdr'] = {
    MsgId: g.reqText('MsgId'),
    CreDtTm: readDateTime(g.req('CreDtTm')),
    NbOfTxs: String(txs.length),
    SttlmInf: { SttlmMtd: settlementMethodFromXml(g) },
  };
  const xpry = g.child('XpryDtTm');
  const expiry = xpry ? readDateTime(xpry) : group.string('PmtInstrXpryDtTm');
  if (expiry !== undefined) GrpHdr.PmtInstrXpryDtTm = expiry;
  const message: BulkPacs008FromXml = { GrpHdr, CdtTrfTxInf };
  const splmtry = group.object<NonNullable<BulkPacs008['SplmtryData']>>('SplmtryData', (v) => isJsonData(v));
  if (splmtry) {
    const reader = new SupplementReader(splmtry as Record<string, unknown>, root);
    reader.string('bulkQuoteId');
    if (splmtry.extensions !== undefined) reader.extensions('extensions');
    message.SplmtryData = splmtry;
  }
  return { message, references: txs.map((tx) => originalReference(g, tx.req('PmtId'), version)) };
}
