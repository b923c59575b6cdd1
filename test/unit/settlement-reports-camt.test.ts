/**
 * The camt messages banks get about their accounts (switch/notify/settlement-reports/camt.ts, docs/settlement-banks.md):
 * the sign conversion from the ledger (Mojaloop sign) to the bank's side for every movement kind, the camt.054 of a
 * movement, the camt.053 of a settled account and the camt.052 intraday report, rendered in both profiles, signed,
 * read back, and at the end validated against the OFFICIAL ISO 20022 schemas (Xerces, one JVM).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createPrivateKey } from 'node:crypto';
import { formatAmount } from '../../schemas/amount.js';
import type { Agent } from '../../schemas/iso/common.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { parseLedger, type LedgerUnits } from '../../ledger/units.js';
import type { BookedMovement, SettledAccountStatement } from '../../switch/core/settlement/reports.js';
import {
  availableLedger,
  bankSide,
  intradayReport,
  movementNotification,
  settledStatement,
  statementId,
  windowsPeriod,
  type AccountBalance,
  type ReportParties,
} from '../../switch/notify/settlement-reports/camt.js';
import { createCa, issueCertificate } from '../../switch/security/pki.js';
import type { XmlProfileName } from '../../translators/isoxml/catalog.js';
import { parseBusinessMessage } from '../../translators/isoxml/parse.js';
import { documentFromXml, renderBusinessMessage, type SettlementReport } from '../../translators/isoxml/render.js';
import { parseXmlSigningCertificate, verifyBusinessMessage, type XmlSigner } from '../../translators/isoxml/signature.js';
import { assertOfficiallyValid } from '../support/xsd-official.js';

const HUB = 'Hub';
const hub: Agent = { FinInstnId: { Othr: { Id: HUB } } };
const parties: ReportParties = { hubName: HUB, hub, participant: 'bank-a', participantBic: 'BANKUS33XXX' };
const PROFILES: XmlProfileName[] = ['iso-2019', 'iso-2026'];
const L = (text: string): LedgerUnits => parseLedger(text);
const stamp = { msgId: '01JQ0000000000000000000001', now: '2026-03-02T09:00:00.000Z' };

const emitted: string[] = [];
let signer: XmlSigner;

before(async () => {
  const ca = await createCa({ keyType: 'rsa2048' });
  const issued = await issueCertificate(ca, { name: HUB, kind: 'hub', keyType: 'rsa2048' });
  signer = { privateKey: createPrivateKey(issued.keyPem), certificate: parseXmlSigningCertificate(issued.certPem) };
});

after(async () => {
  await assertOfficiallyValid(emitted, 'settlement report');
});

/** Renders signed in `profile`, checks the signature and reads the Document back (it must give `doc` again). */
function render(doc: SettlementReport, profile: XmlProfileName): string {
  const xml = renderBusinessMessage(doc, {
    profile,
    hubFspId: HUB,
    header: { Fr: { FIId: { FinInstnId: { Othr: { Id: HUB } } } }, To: { FIId: { FinInstnId: { BICFI: 'BANKUS33XXX' } } }, BizMsgIdr: 'B1', CreDt: stamp.now },
    signer,
  });
  emitted.push(xml);
  const parsed = parseBusinessMessage(xml);
  assert.equal(verifyBusinessMessage(parsed, [signer.certificate], { required: true }).signed, true);
  const read = documentFromXml(parsed.document, parsed.definition, { hubFspId: HUB });
  assert.equal(read.kind, doc.kind);
  return xml;
}

const movement = (kind: BookedMovement['kind'], amount: string, balanceAfter: string, extra: Partial<BookedMovement> = {}): BookedMovement => ({
  participant: 'bank-a',
  currency: 'USD',
  ledgerAccountType: kind.startsWith('FUNDS') ? 'SETTLEMENT' : 'POSITION',
  accountId: 7,
  amount: L(amount),
  balanceAfter: L(balanceAfter),
  kind,
  transferId: '0b6e2a8c-7d51-4c1e-9f3a-5d2b8e4c1a70',
  bookedAt: '2026-03-02T08:59:59.250Z',
  ...extra,
});

test('the bank sees every ledger figure negated: CRDT when its liquidity grows or the hub owes it', () => {
  const side = (ledger: string) => {
    const s = bankSide(L(ledger), 'USD');
    return `${s.CdtDbtInd} ${formatAmount(s.Amt)}`;
  };
  // funds in: SETTLEMENT −X → CRDT X; funds-out reservation: SETTLEMENT +X → DBIT X; its abort: −X → CRDT X
  assert.equal(side('-150'), 'CRDT 150');
  assert.equal(side('40.5'), 'DBIT 40.5');
  // a net sender's position is reset by −net (its debt at the hub is discharged): CRDT; a net recipient's by +|net|: DBIT
  assert.equal(side('-90'), 'CRDT 90');
  assert.equal(side('70'), 'DBIT 70');
  // a window net (+ = the participant owes: net sender) in a statement: DBIT; a net recipient's negative net: CRDT
  assert.equal(side('0'), 'CRDT 0');
  // balances: SETTLEMENT −10000000 = liquidity deposited → CRDT; a position of +25.5 (it owes) → DBIT
  assert.equal(side('-10000000'), 'CRDT 10000000');
  assert.equal(side('25.5'), 'DBIT 25.5');
  assert.equal(side('0.0001'), 'DBIT 0.0001', 'the ledger scale is carried exactly (the codec refuses what the currency cannot carry)');
});

test('camt.054 of each funds movement: side, status, reversal, proprietary code, references, balance after', () => {
  const cases: Array<[BookedMovement, RegExp[]]> = [
    [movement('FUNDS_IN', '-150', '-10000150'), [/<Amt Ccy="USD">150\.00<\/Amt><CdtDbtInd>CRDT<\/CdtDbtInd><Sts><Cd>BOOK<\/Cd><\/Sts>/]],
    [movement('FUNDS_OUT_RESERVE', '40.5', '-10000109.5'), [/<Amt Ccy="USD">40\.50<\/Amt><CdtDbtInd>DBIT<\/CdtDbtInd><Sts><Cd>BOOK<\/Cd><\/Sts>/]],
    [movement('FUNDS_OUT_COMMIT', '40.5', '-10000109.5'), [/<Amt Ccy="USD">40\.50<\/Amt><CdtDbtInd>DBIT<\/CdtDbtInd><Sts><Cd>INFO<\/Cd><\/Sts>/]],
    [
      movement('FUNDS_OUT_ABORT', '-40.5', '-10000150'),
      [/<Amt Ccy="USD">40\.50<\/Amt><CdtDbtInd>CRDT<\/CdtDbtInd><RvslInd>true<\/RvslInd><Sts><Cd>BOOK<\/Cd><\/Sts>/],
    ],
  ];
  for (const [m, expected] of cases) {
    for (const profile of PROFILES) {
      const xml = render({ kind: 'camt.054', message: movementNotification(m, parties, stamp) }, profile);
      for (const re of expected) assert.match(xml, re, `${m.kind} in ${profile}`);
      assert.match(xml, new RegExp(`<BkTxCd><Prtry><Cd>${m.kind}</Cd><Issr>MIZANI</Issr></Prtry></BkTxCd>`));
      assert.match(xml, /<BookgDt><DtTm>2026-03-02T08:59:59\.250Z<\/DtTm><\/BookgDt><ValDt><DtTm>2026-03-02T08:59:59\.250Z<\/DtTm><\/ValDt>/);
      assert.match(xml, /<Refs><UETR>0b6e2a8c-7d51-4c1e-9f3a-5d2b8e4c1a70<\/UETR><\/Refs>/, 'a lower-case UUID v4 transfer id is the UETR');
      assert.match(xml, /<Acct><Id><Othr><Id>USD\/SETTLEMENT<\/Id>.*<Nm>bank-a\/USD\/SETTLEMENT<\/Nm><Ownr><Id><OrgId><AnyBIC>BANKUS33XXX<\/AnyBIC>/);
      assert.match(xml, /<Svcr><FinInstnId><Othr><Id>Hub<\/Id><\/Othr><\/FinInstnId><\/Svcr>/);
      assert.doesNotMatch(xml, /<TxsSummry>/, 'one movement: no summary');
    }
  }
  const after = render({ kind: 'camt.054', message: movementNotification(cases[0]![0], parties, stamp) }, 'iso-2019');
  assert.match(after, /<AddtlNtryInf>Balance after this entry: CRDT 10000150 USD<\/AddtlNtryInf>/);
});

test('camt.054 of a settlement movement: the position account, settlement and window ids as typed references', () => {
  const m = movement('SETTLEMENT_NET_SENDER', '-90', '0', { transferId: '01JQ0SETTLEMENT0000000000A1', settlementId: 12, windowIds: [3, 4] });
  const doc = movementNotification(m, parties, stamp);
  const entry = doc.Ntfctn[0]!.Ntry[0]!;
  assert.equal(entry.CdtDbtInd, 'CRDT', "a net sender's reset discharges its debt at the hub");
  assert.equal(entry.RvslInd, undefined);
  const xml = render({ kind: 'camt.054', message: doc }, 'iso-2026');
  assert.match(
    xml,
    /<Refs><TxId>01JQ0SETTLEMENT0000000000A1<\/TxId><Prtry><Tp>MIZANI_SETTLEMENT_ID<\/Tp><Ref>12<\/Ref><\/Prtry><Prtry><Tp>MIZANI_SETTLEMENT_WINDOW_ID<\/Tp><Ref>3<\/Ref><\/Prtry><Prtry><Tp>MIZANI_SETTLEMENT_WINDOW_ID<\/Tp><Ref>4<\/Ref><\/Prtry><\/Refs>/,
  );
  assert.match(xml, /<Id>USD\/POSITION<\/Id>/);
  const recipient = movementNotification(movement('SETTLEMENT_NET_RECIPIENT', '70', '0', { settlementId: 12, windowIds: [3] }), parties, stamp);
  assert.equal(recipient.Ntfctn[0]!.Ntry[0]!.CdtDbtInd, 'DBIT', 'what the hub owed the net recipient is discharged');
  render({ kind: 'camt.054', message: recipient }, 'iso-2019');
  const zero = movementNotification(movement('SETTLEMENT_NET_ZERO', '0', '0', { settlementId: 12, windowIds: [3] }), parties, stamp);
  assert.equal(zero.Ntfctn[0]!.Ntry[0]!.CdtDbtInd, 'CRDT');
  render({ kind: 'camt.054', message: zero }, 'iso-2019');
});

test('a figure the currency cannot carry is refused when rendered, never rounded', () => {
  const m = movement('FUNDS_IN', '-1.2345', '-1.2345');
  assert.throws(
    () => renderBusinessMessage({ kind: 'camt.054', message: movementNotification(m, parties, stamp) }, { hubFspId: HUB, header: hdr() }),
    (err: unknown) => err instanceof TranslationError && /Ntfctn\[0\]\.Ntry\[0\]\.Amt/.test(err.message),
  );
});

function hdr() {
  return { Fr: { FIId: { FinInstnId: { Othr: { Id: HUB } } } }, To: { FIId: { FinInstnId: { Othr: { Id: 'bank-a' } } } }, BizMsgIdr: 'B2', CreDt: stamp.now };
}

const statement = (windows: SettledAccountStatement['windows'], opening = '0', closing = '90'): SettledAccountStatement => ({
  settlementId: 12,
  participant: 'bank-a',
  currency: 'USD',
  ledgerAccountType: 'POSITION',
  accountId: 7,
  opening: L(opening),
  closing: L(closing),
  settledAt: '2026-03-02T12:00:00.000Z',
  windows,
});

test('camt.053 at SETTLED: OPBD and CLBD, one entry per window with its net, the summary, FrToDt over the windows', () => {
  const s = statement([
    { windowId: 4, net: L('120'), openedAt: '2026-03-02T10:00:00.000Z', closedAt: '2026-03-02T11:00:00.000Z' },
    { windowId: 3, net: L('-30'), openedAt: '2026-03-02T08:00:00.000Z', closedAt: '2026-03-02T10:00:00.000Z' },
  ]);
  assert.deepEqual(windowsPeriod(s.windows), { FrDtTm: '2026-03-02T08:00:00.000Z', ToDtTm: '2026-03-02T11:00:00.000Z' });
  const doc = settledStatement(s, parties, stamp);
  const stmt = doc.Stmt[0]!;
  assert.equal(stmt.Id, statementId(s));
  assert.deepEqual(
    stmt.Ntry.map((e) => [e.NtryRef, e.CdtDbtInd, formatAmount(e.Amt)]),
    [
      ['4', 'DBIT', '120'],
      ['3', 'CRDT', '30'],
    ],
    'a window net the participant owes is a debit',
  );
  for (const profile of PROFILES) {
    const xml = render({ kind: 'camt.053', message: doc }, profile);
    assert.match(xml, /<FrToDt><FrDtTm>2026-03-02T08:00:00\.000Z<\/FrDtTm><ToDtTm>2026-03-02T11:00:00\.000Z<\/ToDtTm><\/FrToDt>/);
    assert.match(
      xml,
      /<Bal><Tp><CdOrPrtry><Cd>OPBD<\/Cd><\/CdOrPrtry><\/Tp><Amt Ccy="USD">0\.00<\/Amt><CdtDbtInd>CRDT<\/CdtDbtInd><Dt><DtTm>2026-03-02T08:00:00\.000Z<\/DtTm><\/Dt><\/Bal>/,
    );
    assert.match(
      xml,
      /<Bal><Tp><CdOrPrtry><Cd>CLBD<\/Cd><\/CdOrPrtry><\/Tp><Amt Ccy="USD">90\.00<\/Amt><CdtDbtInd>DBIT<\/CdtDbtInd><Dt><DtTm>2026-03-02T12:00:00\.000Z<\/DtTm><\/Dt><\/Bal>/,
    );
    // OPBD 0 + (−120 + 30) = −90 = CLBD DBIT 90: the statement adds up the ISO way.
    assert.match(
      xml,
      /<TtlNtries><NbOfNtries>2<\/NbOfNtries><Sum>150\.00<\/Sum><TtlNetNtry><Amt>90\.00<\/Amt><CdtDbtInd>DBIT<\/CdtDbtInd><\/TtlNetNtry><\/TtlNtries>/,
    );
    assert.match(xml, /<BkTxCd><Prtry><Cd>WINDOW_NET<\/Cd><Issr>MIZANI<\/Issr><\/Prtry><\/BkTxCd>/);
    assert.match(xml, /<Prtry><Tp>MIZANI_SETTLEMENT_ID<\/Tp><Ref>12<\/Ref><\/Prtry><Prtry><Tp>MIZANI_SETTLEMENT_WINDOW_ID<\/Tp><Ref>4<\/Ref><\/Prtry>/);
    assert.match(xml, /<AddtlStmtInf>Settlement 12 SETTLED at 2026-03-02T12:00:00\.000Z; windows 4, 3<\/AddtlStmtInf>/);
  }
  // No window (nothing to list): no period, balances dated at the settlement, an empty summary.
  const empty = settledStatement(statement([], '0', '0'), parties, stamp);
  assert.equal(empty.Stmt[0]!.FrToDt, undefined);
  render({ kind: 'camt.053', message: empty }, 'iso-2019');
});

test('camt.052: ITBD per account, ITAV on the SETTLEMENT account = −SETTLEMENT − POSITION (reservations are in both values)', () => {
  const balances: AccountBalance[] = [
    { ledgerAccountType: 'POSITION', currency: 'USD', value: L('25.5') },
    { ledgerAccountType: 'SETTLEMENT', currency: 'USD', value: L('-1000') },
    { ledgerAccountType: 'POSITION', currency: 'XOF', value: L('-300') },
    { ledgerAccountType: 'SETTLEMENT', currency: 'XOF', value: L('0') },
  ];
  assert.equal(availableLedger(balances, 'USD'), L('-974.5'));
  assert.equal(availableLedger(balances, 'XOF'), L('-300'), 'a net recipient: its cover includes what the hub owes it');
  const doc = intradayReport(balances, parties, { ...stamp, reportIds: ['R1', 'R2', 'R3', 'R4'] });
  assert.deepEqual(
    doc.Rpt.map((r) => [r.Acct.Id.Othr.Id, r.Bal.map((b) => `${b.Tp.CdOrPrtry.Cd} ${b.CdtDbtInd} ${formatAmount(b.Amt)}`)]),
    [
      ['USD/POSITION', ['ITBD DBIT 25.5']],
      ['USD/SETTLEMENT', ['ITBD CRDT 1000', 'ITAV CRDT 974.5']],
      ['XOF/POSITION', ['ITBD CRDT 300']],
      ['XOF/SETTLEMENT', ['ITBD CRDT 0', 'ITAV CRDT 300']],
    ],
  );
  for (const profile of PROFILES) {
    const xml = render({ kind: 'camt.052', message: doc }, profile);
    assert.match(xml, /<Cd>ITAV<\/Cd><\/CdOrPrtry><\/Tp><Amt Ccy="USD">974\.50<\/Amt><CdtDbtInd>CRDT<\/CdtDbtInd>/);
    assert.match(xml, /<Cd>ITAV<\/Cd><\/CdOrPrtry><\/Tp><Amt Ccy="XOF">300<\/Amt><CdtDbtInd>CRDT<\/CdtDbtInd>/);
  }
  // Positions beyond the liquidity (a model without liquidity check): the available figure is a debit.
  const short = intradayReport(
    [
      { ledgerAccountType: 'SETTLEMENT', currency: 'USD', value: L('-10') },
      { ledgerAccountType: 'POSITION', currency: 'USD', value: L('15') },
    ],
    parties,
    { ...stamp, reportIds: ['S1', 'S2'] },
  );
  assert.equal(short.Rpt[0]!.Bal[1]!.CdtDbtInd, 'DBIT');
  render({ kind: 'camt.052', message: short }, 'iso-2019');
});
