/**
 * The settlement reports the hub sends banks (contract settlement.md §7): camt.054 debit/credit notification,
 * camt.053 statement, camt.052 account report, in the .08 (`iso-2019`) and .14 (`iso-2026`) versions.
 *
 *   - worked examples of each kind (a settlement, funds in and out, interim balances) render, sign and verify;
 *   - generated reports (fast-check: several accounts, 0/2/3-decimal currencies, long and Unicode text) render
 *     valid against the runtime schemas (libxml2, while parsing) and read back to exactly the canonical report;
 *   - amounts that cannot be carried are refused, never rounded;
 *   - a bank cannot send one to the hub; `mizani validate` says the hub emits them;
 *   - at the end, everything rendered here validates against the OFFICIAL schemas (Xerces, one JVM).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { isoUnits, type Amount } from '../../schemas/amount.js';
import { currencyDecimals } from '../../schemas/currency.js';
import {
  creditDebit,
  ledgerAccount,
  movementReferences,
  transactionSummary,
  type AccountOwner,
  type AccountReportMessage,
  type BankToCustomerStatement,
  type CashBalance,
  type DebitCreditNotification,
  type EntryTransaction,
  type ReportEntry,
  type ReportedAccount,
  type TransactionReferences,
} from '../../schemas/iso/camt.js';
import type { Agent } from '../../schemas/iso/common.js';
import type { BusinessApplicationHeader } from '../../schemas/iso/head001.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { createCa, issueCertificate } from '../../switch/security/pki.js';
import { XML_PROFILES, type XmlProfileName } from '../../translators/isoxml/catalog.js';
import { camt053FromXml } from '../../translators/isoxml/camt053.js';
import { camt054FromXml } from '../../translators/isoxml/camt054.js';
import { validateCommand } from '../../translators/isoxml/cli.js';
import { receiveBusinessMessage } from '../../translators/isoxml/inbound.js';
import { parseBusinessMessage } from '../../translators/isoxml/parse.js';
import { XmlRejection } from '../../translators/isoxml/rejection.js';
import { documentFromXml, renderBusinessMessage, type SettlementReport } from '../../translators/isoxml/render.js';
import { parseXmlSigningCertificate, verifyBusinessMessage, type XmlSigner } from '../../translators/isoxml/signature.js';
import { XNode, domOf } from '../../translators/isoxml/xml.js';
import { assertOfficiallyValid } from '../support/xsd-official.js';

const RUNS = Number(process.env['MIZANI_ISOXML_RUNS'] ?? 20);
const HUB = 'hub';
const PROFILES: XmlProfileName[] = ['iso-2019', 'iso-2026'];
const hubAgent: Agent = { FinInstnId: { Othr: { Id: HUB } } };

/** Everything rendered here, validated against the official schemas at the end (one JVM). */
const emitted: string[] = [];
let signer: XmlSigner;

before(async () => {
  const ca = await createCa({ keyType: 'rsa2048' });
  const issued = await issueCertificate(ca, { name: HUB, kind: 'hub', keyType: 'rsa2048' });
  signer = { privateKey: createPrivateKey(issued.keyPem), certificate: parseXmlSigningCertificate(issued.certPem) };
});

const hubHeader = (to: string, id = 'CAMT-1'): Omit<BusinessApplicationHeader, 'MsgDefIdr'> => ({
  Fr: { FIId: { FinInstnId: { Othr: { Id: HUB } } } },
  To: { FIId: { FinInstnId: { Othr: { Id: to } } } },
  BizMsgIdr: id,
  CreDt: '2026-03-01T10:00:05.000Z',
});

/** JSON with bigints as strings, to compare canonical values. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)));

/** Renders (signed or not), parses with the runtime schemas, verifies, reads back; returns the XML and what was read. */
function roundTrip(doc: SettlementReport, profile: XmlProfileName, header = hubHeader('dfsp-a'), sign = true): { xml: string; read: unknown } {
  const options = { profile, hubFspId: HUB, header, ...(sign ? { signer } : {}) };
  const xml = renderBusinessMessage(doc, options);
  emitted.push(xml);
  const parsed = parseBusinessMessage(xml);
  assert.equal(parsed.definition.version, XML_PROFILES[profile][doc.kind]);
  const signature = verifyBusinessMessage(parsed, [signer.certificate], { required: sign });
  assert.equal(signature.signed, sign);
  const read = documentFromXml(parsed.document, parsed.definition, { hubFspId: HUB });
  assert.deepEqual(plain(read), plain(doc));
  // canonical -> XML -> canonical -> XML gives the same bytes (rendering and signing are deterministic).
  assert.equal(renderBusinessMessage(read as SettlementReport, options), xml);
  return { xml, read };
}

// ------------------------------------------------------------------------------------ worked examples

const usd = (text: string): Amount => ({ currency: 'USD', units: isoUnits(BigInt(Math.round(Number(text) * 100)) * 1000n) });
const accountOf = (participant: string, currency: string, type: string): ReportedAccount =>
  ledgerAccount({ participant, currency, ledgerAccountType: type, hub: hubAgent, hubName: HUB });

test('camt.054: a net recipient is credited, a funds-out reservation debited and its abort reversed (both profiles, signed)', () => {
  const settled: ReportEntry = {
    NtryRef: 'ST-12-7',
    ...creditDebit(usd('250')), // net recipient: its position falls, it is owed → CRDT
    Sts: { Cd: 'BOOK' },
    BookgDt: { DtTm: '2026-03-01T10:00:04.120Z' },
    AcctSvcrRef: '01JNQ9ZB3V4Y8T6R2M1K0H7G5F',
    BkTxCd: { Prtry: { Cd: 'SETTLEMENT_NET_RECIPIENT', Issr: 'MIZANI' } },
    NtryDtls: [{ TxDtls: [{ Refs: movementReferences({ settlementId: 12, windowIds: [3, 4], transferId: '01JNQ9ZB3V4Y8T6R2M1K0H7G5F' }) }] }],
  };
  const reserve: ReportEntry = {
    ...creditDebit(usd('-40.5')),
    Sts: { Cd: 'BOOK' },
    BookgDt: { DtTm: '2026-03-01T10:01:00Z' },
    BkTxCd: { Prtry: { Cd: 'FUNDS_OUT_RESERVE', Issr: 'MIZANI' } },
    NtryDtls: [
      { TxDtls: [{ Refs: movementReferences({ transferId: '7f1c3e2a-9b4d-4c6e-8f1a-2b3c4d5e6f70' }), AddtlTxInf: 'Withdrawal to the bank’s RTGS account' }] },
    ],
  };
  const abort: ReportEntry = { ...reserve, CdtDbtInd: 'CRDT', RvslInd: true, BkTxCd: { Prtry: { Cd: 'FUNDS_OUT_ABORT', Issr: 'MIZANI' } } };
  const position = accountOf('dfsp-a', 'USD', 'POSITION');
  const settlement = accountOf('dfsp-a', 'USD', 'SETTLEMENT');
  const message: DebitCreditNotification = {
    GrpHdr: { MsgId: '01JNQA0000000000000000NTF1', CreDtTm: '2026-03-01T10:01:01Z' },
    Ntfctn: [
      { Id: 'NTF1-POSITION', CreDtTm: '2026-03-01T10:01:01Z', Acct: position, Ntry: [settled] },
      { Id: 'NTF1-SETTLEMENT', Acct: settlement, TxsSummry: transactionSummary('USD', [reserve, abort]), Ntry: [reserve, abort] },
    ],
  };
  for (const profile of PROFILES) {
    const { xml } = roundTrip({ kind: 'camt.054', message }, profile);
    assert.match(xml, /<MsgDefIdr>camt\.054\.001\.(08|14)<\/MsgDefIdr>/);
    assert.match(
      xml,
      /<Ntry><NtryRef>ST-12-7<\/NtryRef><Amt Ccy="USD">250\.00<\/Amt><CdtDbtInd>CRDT<\/CdtDbtInd><Sts><Cd>BOOK<\/Cd><\/Sts><BookgDt><DtTm>2026-03-01T10:00:04\.120Z<\/DtTm><\/BookgDt>/,
    );
    assert.match(xml, /<BkTxCd><Prtry><Cd>SETTLEMENT_NET_RECIPIENT<\/Cd><Issr>MIZANI<\/Issr><\/Prtry><\/BkTxCd>/);
    assert.match(
      xml,
      /<Refs><TxId>01JNQ9ZB3V4Y8T6R2M1K0H7G5F<\/TxId><Prtry><Tp>MIZANI_SETTLEMENT_ID<\/Tp><Ref>12<\/Ref><\/Prtry><Prtry><Tp>MIZANI_SETTLEMENT_WINDOW_ID<\/Tp><Ref>3<\/Ref><\/Prtry><Prtry><Tp>MIZANI_SETTLEMENT_WINDOW_ID<\/Tp><Ref>4<\/Ref><\/Prtry><\/Refs>/,
    );
    assert.match(xml, /<Amt Ccy="USD">40\.50<\/Amt><CdtDbtInd>CRDT<\/CdtDbtInd><RvslInd>true<\/RvslInd>/);
    assert.match(xml, /<Refs><UETR>7f1c3e2a-9b4d-4c6e-8f1a-2b3c4d5e6f70<\/UETR><\/Refs>/);
    assert.match(
      xml,
      /<Acct><Id><Othr><Id>USD\/SETTLEMENT<\/Id><SchmeNm><Prtry>MIZANI_LEDGER_ACCOUNT<\/Prtry><\/SchmeNm><Issr>hub<\/Issr><\/Othr><\/Id><Ccy>USD<\/Ccy><Nm>dfsp-a\/USD\/SETTLEMENT<\/Nm><Ownr><Id><OrgId><Othr><Id>dfsp-a<\/Id><SchmeNm><Prtry>MIZANI_PARTICIPANT<\/Prtry><\/SchmeNm><\/Othr><\/OrgId><\/Id><\/Ownr><Svcr><FinInstnId><Othr><Id>hub<\/Id><\/Othr><\/FinInstnId><\/Svcr><\/Acct>/,
    );
    // Reserve (40.50 DBIT) and its reversal (40.50 CRDT): two entries, 81.00 in all, net zero.
    assert.match(
      xml,
      /<TxsSummry><TtlNtries><NbOfNtries>2<\/NbOfNtries><Sum>81\.00<\/Sum><TtlNetNtry><Amt>0\.00<\/Amt><CdtDbtInd>CRDT<\/CdtDbtInd><\/TtlNetNtry><\/TtlNtries><TtlCdtNtries><NbOfNtries>1<\/NbOfNtries><Sum>40\.50<\/Sum><\/TtlCdtNtries><TtlDbtNtries><NbOfNtries>1<\/NbOfNtries><Sum>40\.50<\/Sum><\/TtlDbtNtries><\/TxsSummry>/,
    );
  }
});

test('camt.053: a statement per account and currency with opening and closing booked balances and one entry per settled window', () => {
  const windows: ReportEntry[] = [
    {
      ...creditDebit({ currency: 'XOF', units: isoUnits(-15_000n * 100_000n) }),
      Sts: { Cd: 'BOOK' },
      BookgDt: { DtTm: '2026-03-01T12:00:00Z' },
      ValDt: { Dt: '2026-03-01' },
      BkTxCd: { Prtry: { Cd: 'WINDOW_NET', Issr: 'MIZANI' } },
      NtryDtls: [{ TxDtls: [{ Refs: movementReferences({ settlementId: 12, windowIds: [3] }) }] }],
    },
    {
      ...creditDebit({ currency: 'XOF', units: isoUnits(2_500n * 100_000n) }),
      Sts: { Cd: 'BOOK' },
      BookgDt: { DtTm: '2026-03-01T12:00:00Z' },
      ValDt: { Dt: '2026-03-01' },
      BkTxCd: { Prtry: { Cd: 'WINDOW_NET', Issr: 'MIZANI' } },
      NtryDtls: [{ TxDtls: [{ Refs: movementReferences({ settlementId: 12, windowIds: [4] }) }] }],
    },
  ];
  const bhd: ReportEntry = {
    ...creditDebit({ currency: 'BHD', units: isoUnits(1_250_00n) }),
    Sts: { Cd: 'BOOK' },
    BookgDt: { Dt: '2026-03-01' },
    BkTxCd: { Prtry: { Cd: 'SETTLEMENT_NET_SENDER', Issr: 'MIZANI' } },
  };
  const balance = (code: string, signed: Amount, dt: string): CashBalance => ({ Tp: { CdOrPrtry: { Cd: code } }, ...creditDebit(signed), Dt: { DtTm: dt } });
  const message: BankToCustomerStatement = {
    GrpHdr: { MsgId: 'STMT-12', CreDtTm: '2026-03-01T12:00:01Z' },
    Stmt: [
      {
        Id: 'STMT-12-XOF',
        CreDtTm: '2026-03-01T12:00:01Z',
        FrToDt: { FrDtTm: '2026-03-01T08:00:00Z', ToDtTm: '2026-03-01T11:59:59.999Z' },
        Acct: accountOf('dfsp-a', 'XOF', 'POSITION'),
        Bal: [
          balance('OPBD', { currency: 'XOF', units: isoUnits(12_500n * 100_000n) }, '2026-03-01T08:00:00Z'),
          balance('CLBD', { currency: 'XOF', units: isoUnits(0n) }, '2026-03-01T12:00:00Z'),
        ],
        TxsSummry: transactionSummary('XOF', windows),
        Ntry: windows,
        AddtlStmtInf: 'Settlement 12 (windows 3, 4): SETTLED',
      },
      {
        Id: 'STMT-12-BHD',
        Acct: accountOf('dfsp-a', 'BHD', 'POSITION'),
        Bal: [balance('CLBD', { currency: 'BHD', units: isoUnits(-1_250_00n) }, '2026-03-01T12:00:00Z')],
        Ntry: [bhd],
      },
    ],
  };
  for (const profile of PROFILES) {
    const { xml } = roundTrip({ kind: 'camt.053', message }, profile);
    assert.match(
      xml,
      /<Bal><Tp><CdOrPrtry><Cd>OPBD<\/Cd><\/CdOrPrtry><\/Tp><Amt Ccy="XOF">12500<\/Amt><CdtDbtInd>CRDT<\/CdtDbtInd><Dt><DtTm>2026-03-01T08:00:00Z<\/DtTm><\/Dt><\/Bal>/,
    );
    assert.match(xml, /<Amt Ccy="XOF">15000<\/Amt><CdtDbtInd>DBIT<\/CdtDbtInd>/);
    assert.match(
      xml,
      /<TtlNtries><NbOfNtries>2<\/NbOfNtries><Sum>17500<\/Sum><TtlNetNtry><Amt>12500<\/Amt><CdtDbtInd>DBIT<\/CdtDbtInd><\/TtlNetNtry><\/TtlNtries>/,
    );
    assert.match(xml, /<Amt Ccy="BHD">1\.250<\/Amt><CdtDbtInd>CRDT<\/CdtDbtInd>/);
    assert.match(xml, /<Amt Ccy="BHD">1\.250<\/Amt><CdtDbtInd>DBIT<\/CdtDbtInd><Dt>/);
    assert.match(xml, /<FrToDt><FrDtTm>2026-03-01T08:00:00Z<\/FrDtTm><ToDtTm>2026-03-01T11:59:59\.999Z<\/ToDtTm><\/FrToDt>/);
  }
  assert.throws(
    () =>
      renderBusinessMessage(
        { kind: 'camt.053', message: { ...message, Stmt: [{ ...message.Stmt[0]!, Bal: [] }] } },
        { hubFspId: HUB, header: hubHeader('dfsp-a') },
      ),
    /at least one balance/,
  );
});

test('camt.052: interim booked and available balances, with or without entries', () => {
  const report: AccountReportMessage = {
    GrpHdr: { MsgId: 'RPT-2026-03-01T10', CreDtTm: '2026-03-01T10:00:00Z' },
    Rpt: [
      {
        Id: 'RPT-1',
        Acct: accountOf('dfsp-b', 'MWK', 'SETTLEMENT'),
        Bal: [
          {
            Tp: { CdOrPrtry: { Cd: 'ITBD' } },
            ...creditDebit({ currency: 'MWK', units: isoUnits(1_000_000_00n * 1000n) }),
            Dt: { DtTm: '2026-03-01T10:00:00Z' },
          },
          {
            Tp: { CdOrPrtry: { Cd: 'ITAV' } },
            ...creditDebit({ currency: 'MWK', units: isoUnits(987_654_32n * 1000n) }),
            Dt: { DtTm: '2026-03-01T10:00:00Z' },
          },
        ],
        Ntry: [],
      },
      {
        Id: 'RPT-2',
        FrToDt: { FrDtTm: '2026-03-01T09:00:00Z', ToDtTm: '2026-03-01T10:00:00Z' },
        Acct: accountOf('dfsp-b', 'MWK', 'POSITION'),
        Bal: [],
        Ntry: [
          { ...creditDebit({ currency: 'MWK', units: isoUnits(5_00n * 1000n) }), Sts: { Cd: 'BOOK' }, BkTxCd: { Prtry: { Cd: 'FUNDS_IN', Issr: 'MIZANI' } } },
        ],
        AddtlRptInf: 'On request of the operator',
      },
    ],
  };
  for (const profile of PROFILES) {
    const { xml } = roundTrip({ kind: 'camt.052', message: report }, profile, hubHeader('dfsp-b', 'RPT-BIZ-1'), false);
    assert.match(xml, /<Tp><CdOrPrtry><Cd>ITAV<\/Cd><\/CdOrPrtry><\/Tp><Amt Ccy="MWK">987654\.32<\/Amt><CdtDbtInd>CRDT<\/CdtDbtInd>/);
    assert.doesNotMatch(xml, /<Sgntr>/);
  }
});

// ------------------------------------------------------------------------------------- generators

/** XML-safe text: letters, digits, characters that need escaping, whitespace, non-ASCII (an emoji counts twice). */
const textChar = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split('')) },
  { weight: 2, arbitrary: fc.constantFrom('&', '<', '>', '"', "'", ' ', '-', '/', '.', ';', ':', '\r', '\n', '\t', ']]>') },
  { weight: 1, arbitrary: fc.constantFrom('é', 'ß', 'Ω', 'ü', '中', '😀', '\u00a0', '’') },
);
const text = (min: number, max: number) =>
  fc
    .oneof(
      { weight: 4, arbitrary: fc.array(textChar, { minLength: min, maxLength: max }).map((a) => a.join('')) },
      // exactly as long as the element allows (in UTF-16 code units, as Xerces counts)
      {
        weight: 1,
        arbitrary: fc.array(textChar, { minLength: max, maxLength: max }).map((a) =>
          a
            .join('')
            .slice(0, max)
            .replace(/[\ud800-\udbff]$/, 'x'),
        ),
      },
    )
    .filter((s) => s.length >= min && s.length <= max);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const list = <T>(a: fc.Arbitrary<T>, maxLength: number) => opt(fc.array(a, { minLength: 1, maxLength }));

/** Drops undefined members (canonical objects never hold `undefined`). */
function clean<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clean) as T;
  if (v && typeof v === 'object' && typeof v !== 'bigint') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = clean(x);
    return out as T;
  }
  return v;
}

const dateTime = fc
  .tuple(
    fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.constantFrom('Z', '+02:00', '-05:30', ''),
    fc.boolean(),
  )
  .map(([d, zone, ms]) => (ms ? d.toISOString().slice(0, 23) : d.toISOString().slice(0, 19)) + zone);
const date = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const dateChoice = fc.oneof(
  date.map((Dt) => ({ Dt })),
  dateTime.map((DtTm) => ({ DtTm })),
);
const sideOf = fc.constantFrom('CRDT', 'DBIT') as fc.Arbitrary<'CRDT' | 'DBIT'>;

/** Currencies with 0, 2 and 3 minor-unit digits. */
const CURRENCIES = ['XOF', 'JPY', 'USD', 'EUR', 'MWK', 'BHD', 'KWD'];
/** An amount exact in the currency's minor unit, at most `maxDigits` digits in all. */
const amountIn = (currency: string, maxDigits = 16): fc.Arbitrary<Amount> => {
  const d = currencyDecimals(currency)!;
  const scale = 10n ** BigInt(5 - d);
  return fc
    .oneof(fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.bigInt({ min: 0n, max: 10n ** BigInt(maxDigits) - 1n }))
    .map((minor) => ({ currency, units: isoUnits(minor * scale) }));
};
const bic = fc.stringMatching(/^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/);
const code4 = fc.stringMatching(/^[A-Z]{4}$/);
const choice = (cd: fc.Arbitrary<string>) =>
  fc.oneof(
    cd.map((Cd) => ({ Cd })),
    text(1, 35).map((Prtry) => ({ Prtry })),
  );
const genericId = (idMax: number) => fc.record({ Id: text(1, idMax), SchmeNm: opt(choice(code4)), Issr: opt(text(1, 35)) }).map(clean);

const servicer: fc.Arbitrary<Agent> = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9-]{1,31}$/).map((Id) => ({ FinInstnId: { Othr: { Id } } })),
  bic.map((BICFI) => ({ FinInstnId: { BICFI } })),
  fc
    .tuple(
      opt(
        fc.oneof(
          fc.constantFrom('USABA', 'GBDSC').map((Cd) => ({ Cd })),
          text(1, 35).map((Prtry) => ({ Prtry })),
        ),
      ),
      text(1, 35),
    )
    .map(([ClrSysId, MmbId]) => ({ FinInstnId: { ClrSysMmbId: clean({ ClrSysId, MmbId }) } })),
);
const owner = (idMax: number): fc.Arbitrary<AccountOwner> =>
  fc
    .record({
      Nm: opt(text(1, 140)),
      Id: opt(
        fc
          .record({ AnyBIC: opt(bic), LEI: opt(fc.stringMatching(/^[A-Z0-9]{18}[0-9]{2}$/)), Othr: list(genericId(idMax), 2) })
          .map((OrgId) => ({ OrgId: clean(OrgId) })),
      ),
    })
    .map(clean);
const account = (currency: string, idMax: number): fc.Arbitrary<ReportedAccount> =>
  fc.oneof(
    fc
      .record({ Id: genericId(34).map((Othr) => ({ Othr })), Nm: opt(text(1, 70)), Ownr: opt(owner(idMax)), Svcr: opt(servicer) })
      .map((a) => clean({ ...a, Ccy: currency })),
    // the hub's own convention, with the longest participant and account-type names the Admin API allows
    fc
      .tuple(fc.stringMatching(/^[a-z0-9-]{1,32}$/), fc.stringMatching(/^\w{2,30}$/), opt(bic))
      .map(([participant, type, participantBic]) =>
        ledgerAccount(clean({ participant, currency, ledgerAccountType: type, hub: hubAgent, hubName: HUB, participantBic })),
      ),
  );

const ulid = fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/);
const refs: fc.Arbitrary<TransactionReferences> = fc.oneof(
  fc
    .record({
      MsgId: opt(text(1, 35)),
      AcctSvcrRef: opt(text(1, 35)),
      PmtInfId: opt(text(1, 35)),
      InstrId: opt(text(1, 35)),
      EndToEndId: opt(text(1, 35)),
      UETR: opt(fc.uuid({ version: 4 })),
      TxId: opt(text(1, 35)),
      ClrSysRef: opt(text(1, 35)),
      Prtry: list(fc.record({ Tp: text(1, 35), Ref: text(1, 35) }), 3),
    })
    .map(clean),
  fc
    .record({
      settlementId: opt(fc.nat()),
      windowIds: opt(fc.array(fc.nat(), { maxLength: 4 })),
      transferId: opt(fc.oneof(ulid, fc.uuid({ version: 4 }), fc.uuid({ version: 1 }), fc.uuid({ version: 7 }))),
      endToEndId: opt(text(1, 35)),
    })
    .map((ids) => movementReferences(clean(ids))),
);
const transaction: fc.Arbitrary<EntryTransaction> = fc.record({ Refs: opt(refs), AddtlTxInf: opt(text(1, 500)) }).map(clean);
const MOVEMENTS = [
  'SETTLEMENT_NET_SENDER',
  'SETTLEMENT_NET_RECIPIENT',
  'SETTLEMENT_NET_ZERO',
  'FUNDS_IN',
  'FUNDS_OUT_RESERVE',
  'FUNDS_OUT_COMMIT',
  'FUNDS_OUT_ABORT',
  'WINDOW_NET',
];
const bankTransactionCode = fc
  .record({
    Domn: opt(fc.record({ Cd: code4, Fmly: fc.record({ Cd: code4, SubFmlyCd: code4 }) })),
    Prtry: opt(fc.record({ Cd: fc.oneof(fc.constantFrom(...MOVEMENTS), text(1, 35)), Issr: opt(fc.oneof(fc.constant('MIZANI'), text(1, 35))) }).map(clean)),
  })
  .map(clean);
const entry = (currency: string): fc.Arbitrary<ReportEntry> =>
  fc
    .record({
      NtryRef: opt(text(1, 35)),
      Amt: amountIn(currency),
      CdtDbtInd: sideOf,
      RvslInd: opt(fc.boolean()),
      Sts: choice(fc.constantFrom('BOOK', 'PDNG', 'INFO', 'FUTR')),
      BookgDt: opt(dateChoice),
      ValDt: opt(dateChoice),
      AcctSvcrRef: opt(text(1, 35)),
      BkTxCd: bankTransactionCode,
      NtryDtls: list(
        fc.array(transaction, { maxLength: 2 }).map((TxDtls) => ({ TxDtls })),
        2,
      ),
      AddtlNtryInf: opt(text(1, 500)),
    })
    .map(clean);
const balance = (currency: string): fc.Arbitrary<CashBalance> =>
  fc.record({
    Tp: choice(fc.constantFrom('OPBD', 'CLBD', 'ITBD', 'ITAV')).map((CdOrPrtry) => ({ CdOrPrtry })),
    Amt: amountIn(currency, 18),
    CdtDbtInd: sideOf,
    Dt: dateChoice,
  });
const numberAndSum = (currency: string) => fc.record({ NbOfNtries: opt(fc.stringMatching(/^[0-9]{1,15}$/)), Sum: opt(amountIn(currency, 18)) }).map(clean);
const anySummary = (currency: string) =>
  fc
    .record({
      TtlNtries: opt(
        fc
          .tuple(numberAndSum(currency), opt(fc.record({ Amt: amountIn(currency, 18), CdtDbtInd: sideOf })))
          .map(([s, TtlNetNtry]) => clean({ ...s, TtlNetNtry })),
      ),
      TtlCdtNtries: opt(numberAndSum(currency)),
      TtlDbtNtries: opt(numberAndSum(currency)),
    })
    .map(clean);

/** Per account section (Ntfctn, Stmt, Rpt): a currency, the account, entries and a summary (none, computed, any). */
const section = (idMax: number, balances: { min: number }) =>
  fc.constantFrom(...CURRENCIES).chain((currency) =>
    fc
      .record({
        Id: text(1, 35),
        CreDtTm: opt(dateTime),
        FrToDt: opt(fc.record({ FrDtTm: dateTime, ToDtTm: dateTime })),
        Acct: account(currency, idMax),
        Bal: fc.array(balance(currency), { minLength: balances.min, maxLength: 3 }),
        Ntry: fc.array(entry(currency), { maxLength: 4 }),
        summary: fc.constantFrom('none', 'computed', 'any'),
        anySummary: anySummary(currency),
        addtl: opt(text(1, 500)),
      })
      .map((s) => ({ ...s, TxsSummry: s.summary === 'none' ? undefined : s.summary === 'computed' ? transactionSummary(currency, s.Ntry) : s.anySummary })),
  );
const groupHeader = fc.record({ MsgId: text(1, 35), CreDtTm: dateTime });

const notification = (idMax: number): fc.Arbitrary<DebitCreditNotification> =>
  fc.record({ GrpHdr: groupHeader, sections: fc.array(section(idMax, { min: 0 }), { minLength: 1, maxLength: 3 }) }).map(({ GrpHdr, sections }) => ({
    GrpHdr,
    Ntfctn: sections.map((s) =>
      clean({ Id: s.Id, CreDtTm: s.CreDtTm, FrToDt: s.FrToDt, Acct: s.Acct, TxsSummry: s.TxsSummry, Ntry: s.Ntry, AddtlNtfctnInf: s.addtl }),
    ),
  }));
const statement = (idMax: number): fc.Arbitrary<BankToCustomerStatement> =>
  fc.record({ GrpHdr: groupHeader, sections: fc.array(section(idMax, { min: 1 }), { minLength: 1, maxLength: 3 }) }).map(({ GrpHdr, sections }) => ({
    GrpHdr,
    Stmt: sections.map((s) =>
      clean({ Id: s.Id, CreDtTm: s.CreDtTm, FrToDt: s.FrToDt, Acct: s.Acct, Bal: s.Bal, TxsSummry: s.TxsSummry, Ntry: s.Ntry, AddtlStmtInf: s.addtl }),
    ),
  }));
const accountReport = (idMax: number): fc.Arbitrary<AccountReportMessage> =>
  fc.record({ GrpHdr: groupHeader, sections: fc.array(section(idMax, { min: 0 }), { minLength: 1, maxLength: 3 }) }).map(({ GrpHdr, sections }) => ({
    GrpHdr,
    Rpt: sections.map((s) =>
      clean({ Id: s.Id, CreDtTm: s.CreDtTm, FrToDt: s.FrToDt, Acct: s.Acct, Bal: s.Bal, TxsSummry: s.TxsSummry, Ntry: s.Ntry, AddtlRptInf: s.addtl }),
    ),
  }));

/** The owner's `Othr/Id` is Max35Text in .08 and Max256Text in .14: each profile gets what its version holds. */
const idMaxOf = (profile: XmlProfileName) => (profile === 'iso-2019' ? 35 : 256);

const KINDS: Array<[SettlementReport['kind'], (idMax: number) => fc.Arbitrary<SettlementReport>]> = [
  ['camt.054', (n) => notification(n).map((message) => ({ kind: 'camt.054', message }))],
  ['camt.053', (n) => statement(n).map((message) => ({ kind: 'camt.053', message }))],
  ['camt.052', (n) => accountReport(n).map((message) => ({ kind: 'camt.052', message }))],
];

for (const [kind, arbitrary] of KINDS) {
  test(`${kind}: generated reports render valid, signed or not, and read back exactly in both profiles (property, ${RUNS} runs)`, () => {
    for (const profile of PROFILES) {
      fc.assert(
        fc.property(arbitrary(idMaxOf(profile)), fc.boolean(), (doc, sign) => {
          roundTrip(doc, profile, hubHeader('dfsp-a', `${kind}-${profile}`), sign);
        }),
        { numRuns: RUNS },
      );
    }
  });
}

// ------------------------------------------------------------------------------------------ exactness

const oneEntry = (amt: Amount, ccy = amt.currency): SettlementReport => ({
  kind: 'camt.054',
  message: {
    GrpHdr: { MsgId: 'M', CreDtTm: '2026-03-01T10:00:00Z' },
    Ntfctn: [
      {
        Id: 'N',
        Acct: accountOf('dfsp-a', ccy, 'SETTLEMENT'),
        Ntry: [{ Amt: amt, CdtDbtInd: 'CRDT', Sts: { Cd: 'BOOK' }, BkTxCd: { Prtry: { Cd: 'FUNDS_IN', Issr: 'MIZANI' } } }],
      },
    ],
  },
});
const render = (doc: SettlementReport, profile: XmlProfileName = 'iso-2019') =>
  renderBusinessMessage(doc, { profile, hubFspId: HUB, header: hubHeader('dfsp-a') });
const refusedAt = (field: RegExp) => (e: unknown) => e instanceof TranslationError && field.test(e.field);

test('amounts are written with the currency minor unit digits, exactly, up to 18 digits', () => {
  const cases: Array<[Amount, string]> = [
    [{ currency: 'USD', units: isoUnits(0n) }, '0.00'],
    [{ currency: 'USD', units: isoUnits(1_000n) }, '0.01'],
    [{ currency: 'USD', units: isoUnits(12_550_000n) }, '125.50'],
    [{ currency: 'XOF', units: isoUnits(150_000_000n) }, '1500'],
    [{ currency: 'JPY', units: isoUnits((10n ** 18n - 1n) * 100_000n) }, '999999999999999999'],
    [{ currency: 'BHD', units: isoUnits(125_000n) }, '1.250'],
    [{ currency: 'USD', units: isoUnits((10n ** 18n - 1n) * 1_000n) }, '9999999999999999.99'],
    [{ currency: 'KWD', units: isoUnits(9_007_199_254_740_993n * 100n) }, '9007199254740.993'],
  ];
  for (const [amount, lexical] of cases) {
    for (const profile of PROFILES) {
      const { xml } = roundTrip(oneEntry(amount), profile, hubHeader('dfsp-a'), false);
      assert.ok(xml.includes(`<Amt Ccy="${amount.currency}">${lexical}</Amt>`), `${lexical} in ${xml}`);
    }
  }
});

test('amounts that cannot be carried are refused with the field named, never rounded', () => {
  const refused: Array<[Amount, RegExp]> = [
    [{ currency: 'USD', units: isoUnits(100_500n) }, /3 decimal places but USD has 2/], // 1.005 USD
    [{ currency: 'XOF', units: isoUnits(150_000n) }, /1 decimal places but XOF has 0/], // 1.5 XOF
    [{ currency: 'BHD', units: isoUnits(100_050n) }, /4 decimal places but BHD has 3/], // 1.0005 BHD
    [{ currency: 'JPY', units: isoUnits(10n ** 18n * 100_000n) }, /19 digits, ISO 20022 allows 18/],
    [{ currency: 'USD', units: isoUnits(-100_000n) }, /negative/],
    [{ currency: 'ABC', units: isoUnits(100_000n) }, /not a currency the hub knows/],
  ];
  for (const [amount, reason] of refused) {
    for (const profile of PROFILES) {
      assert.throws(
        () => render(oneEntry(amount), profile),
        (e: unknown) => refusedAt(/^Ntfctn\[0\]\.Ntry\[0\]\.Amt$/)(e) && reason.test((e as TranslationError).reason),
        `${amount.currency} ${amount.units}`,
      );
    }
  }
  // An entry in another currency than its account is a defect upstream, not something to convert.
  assert.throws(
    () => render(oneEntry({ currency: 'EUR', units: isoUnits(100_000n) }, 'USD')),
    (e: unknown) => refusedAt(/Ntry\[0\]\.Amt$/)(e) && /EUR is not the account's USD/.test((e as Error).message),
  );
  // Sums of the summary too: a computed sum past 18 digits is refused, not cut.
  const big: ReportEntry = { Amt: { currency: 'USD', units: isoUnits((10n ** 18n - 1n) * 1_000n) }, CdtDbtInd: 'CRDT', Sts: { Cd: 'BOOK' }, BkTxCd: {} };
  const doc = oneEntry(big.Amt) as Extract<SettlementReport, { kind: 'camt.054' }>;
  const n = doc.message.Ntfctn[0]!;
  const twice = { ...doc, message: { ...doc.message, Ntfctn: [{ ...n, Ntry: [big, big], TxsSummry: transactionSummary('USD', [big, big]) }] } };
  assert.throws(() => render(twice), refusedAt(/^Ntfctn\[0\]\.TxsSummry\.TtlNtries\.Sum$/));
});

test('what a version cannot hold is refused with the field named', () => {
  const base = oneEntry({ currency: 'USD', units: isoUnits(100_000n) }) as Extract<SettlementReport, { kind: 'camt.054' }>;
  const n = base.message.Ntfctn[0]!;
  const withAcct = (Acct: ReportedAccount): SettlementReport => ({ ...base, message: { ...base.message, Ntfctn: [{ ...n, Acct }] } });
  const withEntry = (e: Partial<ReportEntry>): SettlementReport => ({
    ...base,
    message: { ...base.message, Ntfctn: [{ ...n, Ntry: [{ ...n.Ntry[0]!, ...e }] }] },
  });
  const longOwner = withAcct({ ...n.Acct, Ownr: { Id: { OrgId: { Othr: [{ Id: 'p'.repeat(36) }] } } } });
  assert.throws(() => render(longOwner, 'iso-2019'), refusedAt(/^Ntfctn\[0\]\.Acct\.Ownr\.Id\.OrgId\.Othr\[0\]\.Id$/));
  emitted.push(render(longOwner, 'iso-2026')); // .14 holds 256
  assert.throws(() => render(withAcct({ ...n.Acct, Id: { Othr: { Id: 'x'.repeat(35) } } })), refusedAt(/Acct\.Id\.Othr\.Id$/));
  assert.throws(() => render(withAcct({ ...n.Acct, Nm: 'x'.repeat(71) })), refusedAt(/Acct\.Nm$/));
  assert.throws(() => render(withAcct({ ...n.Acct, Ccy: 'usd' })), refusedAt(/Acct\.Ccy$/));
  assert.throws(
    () => render(withAcct({ ...n.Acct, Svcr: { FinInstnId: { ClrSysMmbId: { ClrSysId: { Cd: 'USABA1' }, MmbId: '1' } } } })),
    refusedAt(/ClrSysId\.Cd$/),
  );
  assert.throws(() => render(withEntry({ Sts: { Cd: 'BOOK', Prtry: 'X' } })), /exactly one of Cd and Prtry/);
  assert.throws(() => render(withEntry({ BookgDt: {} })), /exactly one of Dt and DtTm/);
  assert.throws(() => render(withEntry({ BookgDt: { DtTm: '2026-02-30T10:00:00Z' } })), /ISODateTime/);
  assert.throws(() => render(withEntry({ CdtDbtInd: 'PLUS' as 'CRDT' })), /not CRDT or DBIT/);
  assert.throws(() => render(withEntry({ NtryDtls: [] })), /empty list/);
  assert.throws(() => render(withEntry({ NtryDtls: [{ TxDtls: [{ Refs: { UETR: '7F1C3E2A-9B4D-4C6E-8F1A-2B3C4D5E6F70' } }] }] })), /UUID v4/);
  assert.throws(() => render(withEntry({ NtryDtls: [{ TxDtls: [{ Refs: { TxId: 'x'.repeat(36) } }] }] })), refusedAt(/TxDtls\[0\]\.Refs\.TxId$/));
  assert.throws(() => render(withEntry({ BkTxCd: { Prtry: { Cd: 'c'.repeat(36) } } })), refusedAt(/BkTxCd\.Prtry\.Cd$/));
  assert.throws(() => render(withEntry({ AddtlNtryInf: '😀'.repeat(251) })), /UTF-16 code units/);
  assert.throws(() => render({ ...base, message: { ...base.message, Ntfctn: [] } }), /at least one account/);
});

// ------------------------------------------------------------------------------------ helpers, edges

test('helpers: the side of a signed figure, the summary, where the identifiers go, the documented account', () => {
  assert.deepEqual(creditDebit({ currency: 'USD', units: isoUnits(-5n) }), { Amt: { currency: 'USD', units: isoUnits(5n) }, CdtDbtInd: 'DBIT' });
  assert.deepEqual(creditDebit({ currency: 'USD', units: isoUnits(0n) }), { Amt: { currency: 'USD', units: isoUnits(0n) }, CdtDbtInd: 'CRDT' });
  assert.throws(() => transactionSummary('USD', [{ Amt: { currency: 'EUR', units: isoUnits(1n) }, CdtDbtInd: 'CRDT' }]), TranslationError);
  assert.deepEqual(
    plain(transactionSummary('USD', [])),
    plain({
      TtlNtries: {
        NbOfNtries: '0',
        Sum: { currency: 'USD', units: isoUnits(0n) },
        TtlNetNtry: { Amt: { currency: 'USD', units: isoUnits(0n) }, CdtDbtInd: 'CRDT' },
      },
      TtlCdtNtries: { NbOfNtries: '0', Sum: { currency: 'USD', units: isoUnits(0n) } },
      TtlDbtNtries: { NbOfNtries: '0', Sum: { currency: 'USD', units: isoUnits(0n) } },
    }),
  );
  assert.deepEqual(movementReferences({ transferId: '7f1c3e2a-9b4d-4c6e-8f1a-2b3c4d5e6f70' }), { UETR: '7f1c3e2a-9b4d-4c6e-8f1a-2b3c4d5e6f70' });
  assert.deepEqual(movementReferences({ transferId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' }), { TxId: '6ba7b8109dad11d180b400c04fd430c8' });
  assert.deepEqual(movementReferences({ transferId: '01JNQ9ZB3V4Y8T6R2M1K0H7G5F', endToEndId: 'E2E', acctSvcrRef: 'R' }), {
    AcctSvcrRef: 'R',
    EndToEndId: 'E2E',
    TxId: '01JNQ9ZB3V4Y8T6R2M1K0H7G5F',
  });
  assert.deepEqual(movementReferences({}), {});
  // The longest names the Admin API allows still fit: FSP id ≤ 32, ledger account type ≤ 30 characters.
  const longest = ledgerAccount({
    participant: 'p'.repeat(32),
    currency: 'USD',
    ledgerAccountType: 'INTERCHANGE_FEE_SETTLEMENT_XXX',
    hub: hubAgent,
    hubName: HUB,
    participantBic: 'BANKUS33XXX',
  });
  assert.equal(longest.Id.Othr.Id.length, 34);
  assert.equal(longest.Nm!.length, 67);
  for (const profile of PROFILES) {
    const doc = oneEntry({ currency: 'USD', units: isoUnits(100_000n) }) as Extract<SettlementReport, { kind: 'camt.054' }>;
    roundTrip({ ...doc, message: { ...doc.message, Ntfctn: [{ ...doc.message.Ntfctn[0]!, Acct: longest }] } }, profile, hubHeader('p'.repeat(32)), false);
  }
});

test('a bank cannot send a settlement report to the hub (FF01), though it parses and validates', () => {
  const bankHeader = {
    Fr: { FIId: { FinInstnId: { Othr: { Id: 'dfsp-a' } } } },
    To: { FIId: { FinInstnId: { Othr: { Id: HUB } } } },
    BizMsgIdr: 'B-1',
    CreDt: '2026-03-01T10:00:00Z',
  };
  for (const profile of PROFILES) {
    const xml = renderBusinessMessage(oneEntry({ currency: 'USD', units: isoUnits(100_000n) }), { profile, hubFspId: HUB, header: bankHeader });
    assert.throws(
      () => receiveBusinessMessage(xml, { hubFspId: HUB, certificatesOf: () => [], requireSignature: false }),
      (e: unknown) =>
        e instanceof XmlRejection &&
        e.kind === 'UNSUPPORTED_MESSAGE' &&
        e.reasonCode === 'FF01' &&
        /report the hub sends to banks/.test(e.description) &&
        e.about?.bizMsgIdr === 'B-1',
    );
  }
});

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/iso20022/', import.meta.url));
const fixtureDocument = (name: string) => new XNode(domOf(readFileSync(join(FIXTURES, name), 'utf8')).documentElement!);

test('the readers take a bank-written statement and notification (fixtures), skipping what the hub does not type', () => {
  const stmt = camt053FromXml(fixtureDocument('camt.053.001.08-statement.xml'), 'camt.053.001.08').Stmt[0]!;
  assert.equal(stmt.Acct.Id.Othr.Id, '4471009921');
  assert.deepEqual(stmt.Acct.Svcr, { FinInstnId: { ClrSysMmbId: { ClrSysId: { Cd: 'USABA' }, MmbId: '011000015' } } });
  assert.deepEqual(stmt.Acct.Ownr, { Nm: 'Amina Wanjiku Trading LLC' });
  assert.deepEqual(
    stmt.Bal.map((b) => [b.Tp.CdOrPrtry.Cd, b.Amt.units, b.CdtDbtInd, b.Dt.Dt]),
    [
      ['OPBD', 1_825_040_000n, 'CRDT', '2026-03-01'],
      ['CLBD', 1_700_830_000n, 'CRDT', '2026-03-01'],
    ],
  );
  assert.deepEqual(
    plain(stmt.TxsSummry),
    plain({ TtlNtries: { NbOfNtries: '2', Sum: usd('1492.10'), TtlNetNtry: { Amt: usd('1242.10'), CdtDbtInd: 'DBIT' } } }),
  );
  assert.deepEqual(stmt.Ntry[0]!.BkTxCd, { Domn: { Cd: 'PMNT', Fmly: { Cd: 'ICDT', SubFmlyCd: 'ESCT' } } });
  assert.deepEqual(stmt.Ntry[0]!.NtryDtls, [{ TxDtls: [{ Refs: { EndToEndId: 'INV-2026-0042', UETR: '5c1f0e8a-7d2b-4e69-9a43-0b7c2f6d8e15' } }] }]);
  const ntfctn = camt054FromXml(fixtureDocument('camt.054.001.08-credit-notification.xml'), 'camt.054.001.08').Ntfctn[0]!;
  assert.deepEqual([ntfctn.Ntry[0]!.Amt, ntfctn.Ntry[0]!.CdtDbtInd, ntfctn.Ntry[0]!.ValDt], [usd('125'), 'CRDT', { Dt: '2026-03-01' }]);
});

test('mizani validate: a report the hub rendered is valid, and said to be one the hub sends (exit 3)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mizani-camt-'));
  try {
    for (const profile of PROFILES) {
      const file = join(dir, `camt054-${profile}.xml`);
      writeFileSync(file, render(oneEntry({ currency: 'USD', units: isoUnits(100_000n) }), profile));
      const out: string[] = [];
      const err: string[] = [];
      const code = await validateCommand(
        [file],
        (l) => out.push(l),
        (l) => err.push(l),
      );
      const version = XML_PROFILES[profile]['camt.054'];
      assert.equal(code, 3, [...out, ...err].join('\n'));
      assert.deepEqual(err, []);
      assert.match(
        out.at(-1)!,
        new RegExp(
          `${version.replace(/\./g, '\\.')} is valid against its official schema, but the hub does not accept ${version.replace(/\./g, '\\.')} from banks: it is a report the hub sends them \\(camt\\.054 as camt\\.054\\.001\\.08 in iso-2019, camt\\.054\\.001\\.14 in iso-2026\\)`,
        ),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Registered last so that it runs after every property has filled `emitted`.
test('every report rendered here validates against the OFFICIAL schemas (Xerces, one JVM)', async (t) => {
  assert.ok(emitted.length >= RUNS * 3 * 2, `rendered ${emitted.length} messages`);
  const started = Date.now();
  await assertOfficiallyValid(emitted, 'settlement report');
  t.diagnostic(`${emitted.length} reports validated against the official XSDs in ${Date.now() - started} ms`);
});
