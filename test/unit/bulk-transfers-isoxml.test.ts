/**
 * Bulks as ISO 20022 XML (translators/isoxml/bulk-pacs008.ts, bulk-pacs002.ts) in both profiles: a pacs.008 with
 * many transactions and a pacs.002 with a group status render schema-valid (libxml2 at parse, the OFFICIAL XSDs in
 * one Xerces JVM at the end) and read back exactly; a one-transaction pacs.008 still reads as a single payment; a
 * wallet's FSPIOP bulk crosses to a bank and back without loss; totals a bank gives that are not its transactions'
 * are refused; the bulk outbox reaches banks through the XML channel.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { pino } from 'pino';
import { isoUnits, parseAmount } from '../../schemas/amount.js';
import type { BulkPacs002, BulkPacs008, BulkTransactionStatus } from '../../schemas/iso/bulk-transfers.js';
import { partyIdentification, type Agent } from '../../schemas/iso/common.js';
import type { BusinessApplicationHeader } from '../../schemas/iso/head001.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { DomainError } from '../../schemas/outcomes.js';
import type { DeliveryResult } from '../../switch/core/outbox.js';
import type { ParticipantDirectory } from '../../switch/directory/participants.js';
import { DialectBulkTransferOutbox } from '../../switch/notify/bulk-transfer-outbox.js';
import type { Delivery, OutboundRequest } from '../../switch/notify/delivery.js';
import type { FspiopNotifier } from '../../switch/notify/fspiop.js';
import type { XmlChannel, XmlOutboundMessage } from '../../switch/notify/xml-channel.js';
import { XmlOutbox } from '../../switch/notify/xml-outbox.js';
import {
  bulkPrepareFromCanonical,
  bulkPrepareToCanonical,
  bulkStatusFromCanonical,
  bulkStatusToCanonical,
  type FspiopBulkTransferPrepare,
} from '../../translators/fspiop/bulk-transfers.js';
import { bulkPacs002FromXml, type BulkPacs002Context } from '../../translators/isoxml/bulk-pacs002.js';
import { bulkPacs008FromXml, controlSum } from '../../translators/isoxml/bulk-pacs008.js';
import { XML_PROFILES, type XmlProfileName } from '../../translators/isoxml/catalog.js';
import { receiveBusinessMessage } from '../../translators/isoxml/inbound.js';
import { parseBusinessMessage } from '../../translators/isoxml/parse.js';
import { documentFromXml, renderBusinessMessage, type BusinessDocument, type InboundDocument } from '../../translators/isoxml/render.js';
import { assertOfficiallyValid } from '../support/xsd-official.js';
import * as arb from './translator-arbitraries.js';

const RUNS = Number(process.env['MIZANI_ISOXML_RUNS'] ?? 20);
const HUB = 'hub';
const PROFILES: XmlProfileName[] = ['iso-2019', 'iso-2026'];
const AT = '2026-03-02T10:00:00.000Z';
/** Everything rendered here, validated against the official schemas at the end (one JVM). */
const emitted: string[] = [];

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const text = (min: number, max: number) =>
  fc.string({ minLength: min, maxLength: max, unit: fc.constantFrom('a', 'Z', '0', ' ', '&', '<', '"', 'é', '中', '-', '/') });
const ulid = fc.stringMatching(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
const id35 = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,34}$/).filter((s) => s !== 'NOTPROVIDED');
const fsp = fc.stringMatching(/^[a-z][a-z0-9-]{1,20}$/);
const dateTime = arb.dateTime;
const extensions = fc.array(fc.record({ key: text(1, 32), value: text(1, 128) }), { minLength: 1, maxLength: 3 });
const base64url = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('base64url'));
const canonical = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)));

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

const agentOf = (Id: string): Agent => ({ FinInstnId: { Othr: { Id } } });

/** One transaction of a bulk, everything the single payment's mapping carries. */
const line = (payer: string, payee: string, currency: fc.Arbitrary<string>) =>
  fc
    .record({
      TxId: ulid,
      InstrId: opt(id35),
      EndToEndId: opt(id35),
      UETR: opt(fc.uuid({ version: 4 })),
      currency,
      units: fc.bigInt({ min: 1n, max: 10n ** 14n }),
      ChrgBr: fc.constantFrom('DEBT', 'CRED', 'SHAR', 'SLEV') as fc.Arbitrary<'SHAR'>,
      Dbtr: opt(text(1, 20).map((id) => ({ Nm: 'Payer', Id: partyIdentification('MSISDN', id) }))),
      Cdtr: opt(text(1, 20).map((id) => ({ Id: partyIdentification('BUSINESS', id) }))),
      terms: fc.oneof(
        arb.ilpTerms.map((t) => ({ ExctnCond: t.condition, VrfctnOfTerms: { IlpV4PrepPacket: t.ilpPacket } })),
        base64url(32).map((ExctnCond) => ({ ExctnCond })),
      ),
      Ustrd: opt(fc.array(text(1, 140), { minLength: 1, maxLength: 2 })),
      extensions: opt(extensions),
    })
    .map((r): Pacs008['CdtTrfTxInf'] =>
      clean({
        PmtId: { TxId: r.TxId, InstrId: r.InstrId, EndToEndId: r.EndToEndId, UETR: r.UETR },
        IntrBkSttlmAmt: { currency: r.currency, units: isoUnits(r.units) },
        ChrgBr: r.ChrgBr,
        Dbtr: r.Dbtr,
        DbtrAgt: agentOf(payer),
        CdtrAgt: agentOf(payee),
        Cdtr: r.Cdtr,
        ...r.terms,
        RmtInf: r.Ustrd && { Ustrd: r.Ustrd },
        SplmtryData: r.extensions && { extensions: r.extensions },
      }),
    );

const bulk = (min: number): fc.Arbitrary<BulkPacs008> =>
  fc
    .tuple(fsp, fsp, fc.constantFrom('USD', 'XOF', 'BHD'), fc.boolean())
    .chain(([payer, payee, ccy, mixed]) =>
      fc.record({
        MsgId: ulid,
        CreDtTm: dateTime,
        SttlmMtd: fc.constantFrom('CLRG', 'INDA', 'INGA', 'COVE') as fc.Arbitrary<'CLRG'>,
        expiry: dateTime,
        lines: fc.uniqueArray(line(payer, payee, mixed ? fc.constantFrom('USD', 'EUR') : fc.constant(ccy)), {
          minLength: min,
          maxLength: 6,
          selector: (tx) => tx.PmtId.TxId,
        }),
        SplmtryData: opt(fc.record({ bulkQuoteId: opt(ulid), extensions: opt(extensions) }).map(clean)),
      }),
    )
    .map((r) =>
      clean({
        GrpHdr: { MsgId: r.MsgId, CreDtTm: r.CreDtTm, NbOfTxs: String(r.lines.length), SttlmInf: { SttlmMtd: r.SttlmMtd }, PmtInstrXpryDtTm: r.expiry },
        CdtTrfTxInf: r.lines,
        SplmtryData: r.SplmtryData,
      }),
    );

const reason = fc
  .record({ Prtry: fc.stringMatching(/^[1-5]\d{3}$/), AddtlInf: opt(text(1, 200)), extensions: opt(extensions) })
  .map((r) => clean({ Rsn: { Prtry: r.Prtry }, AddtlInf: r.AddtlInf, extensions: r.extensions }));

/** A status line, and (sometimes) how the original bank named it: by TxId, or by its UETR alone. */
const statusLine = fc
  .record({
    id: ulid,
    uetr: fc.uuid({ version: 4 }),
    ref: fc.constantFrom('none', 'txid', 'uetr'),
    e2e: id35,
    TxSts: opt(fc.constantFrom('ACSC', 'RJCT') as fc.Arbitrary<'ACSC'>),
    ExctnConf: opt(fc.oneof(base64url(32), fc.constant('not-a-fulfilment'))),
    StsRsnInf: opt(reason),
    amount: opt(fc.bigInt({ min: 0n, max: 10n ** 15n })),
    extensions: opt(extensions),
  })
  .map((r) => {
    const OrgnlTxId = r.ref === 'uetr' ? r.uetr : r.id;
    const status: BulkTransactionStatus = clean({
      OrgnlTxId,
      TxSts: r.TxSts,
      ExctnConf: r.ExctnConf,
      StsRsnInf: r.StsRsnInf,
      IntrBkSttlmAmt: r.amount === undefined ? undefined : { currency: 'USD', units: isoUnits(r.amount) },
      SplmtryData: r.extensions && { extensions: r.extensions },
    });
    const ref = r.ref === 'txid' ? { OrgnlEndToEndId: r.e2e, OrgnlTxId: r.id } : r.ref === 'uetr' ? { OrgnlEndToEndId: r.e2e, OrgnlUETR: r.uetr } : undefined;
    return { status, ref };
  });

const bulkStatus: fc.Arbitrary<{ message: BulkPacs002; context: BulkPacs002Context }> = fc
  .record({
    MsgId: id35,
    CreDtTm: dateTime,
    OrgnlMsgId: ulid,
    GrpSts: opt(fc.constantFrom('ACCP', 'PART', 'RJCT') as fc.Arbitrary<'ACCP'>),
    state: fc.constantFrom('RECEIVED', 'PENDING', 'ACCEPTED', 'PROCESSING', 'COMPLETED', 'REJECTED') as fc.Arbitrary<'COMPLETED'>,
    groupReason: opt(reason),
    PrcgDt: opt(dateTime),
    lines: fc.uniqueArray(statusLine, { maxLength: 6, selector: (l) => l.status.OrgnlTxId }),
    extensions: opt(extensions),
    OrgnlCreDtTm: opt(dateTime),
  })
  .map((r) => {
    const references = Object.fromEntries(r.lines.flatMap((l) => (l.ref ? [[l.status.OrgnlTxId, l.ref]] : [])));
    const message: BulkPacs002 = clean({
      GrpHdr: { MsgId: r.MsgId, CreDtTm: r.CreDtTm },
      OrgnlGrpInfAndSts: { OrgnlMsgId: r.OrgnlMsgId, GrpSts: r.GrpSts, BulkTransferState: r.state, StsRsnInf: r.groupReason },
      PrcgDt: r.PrcgDt === undefined ? undefined : { DtTm: r.PrcgDt },
      TxInfAndSts: r.lines.map((l) => l.status),
      SplmtryData: r.extensions && { extensions: r.extensions },
    });
    const context: BulkPacs002Context = clean({ OrgnlCreDtTm: r.OrgnlCreDtTm, references: Object.keys(references).length > 0 ? references : undefined });
    return { message, context };
  });

const header = (bizMsgIdr: string): Omit<BusinessApplicationHeader, 'MsgDefIdr'> => ({
  Fr: { FIId: { FinInstnId: { Othr: { Id: 'bank-a' } } } },
  To: { FIId: { FinInstnId: { Othr: { Id: HUB } } } },
  BizMsgIdr: bizMsgIdr,
  CreDt: AT,
});

/** Rendered for a profile, received as the hub receives a bank's message (libxml2 validation included). */
function renderAndReceive(doc: BusinessDocument, profile: XmlProfileName): { xml: string; read: InboundDocument } {
  const xml = renderBusinessMessage(doc, { profile, hubFspId: HUB, header: header('B-1') });
  emitted.push(xml);
  const received = receiveBusinessMessage(xml, { hubFspId: HUB, certificatesOf: () => [], requireSignature: false });
  return { xml, read: received.document };
}

test(`a bulk renders as one pacs.008 with many CdtTrfTxInf in both profiles and reads back exactly (property, ${RUNS} runs)`, () => {
  for (const profile of PROFILES) {
    fc.assert(
      fc.property(bulk(2), (message) => {
        const { xml, read } = renderAndReceive({ kind: 'pacs.008/bulk', message }, profile);
        assert.equal(read.kind, 'pacs.008/bulk');
        assert.deepEqual(canonical(read.message), canonical(message));
        const version = XML_PROFILES[profile]['pacs.008'];
        assert.ok(read.kind === 'pacs.008/bulk');
        assert.deepEqual(
          read.references.map((r) => r.OrgnlTxId),
          message.CdtTrfTxInf.map((tx) => tx.PmtId.TxId),
        );
        assert.ok(read.references.every((r) => r.OrgnlGrpInf?.OrgnlMsgId === message.GrpHdr.MsgId && r.OrgnlGrpInf.OrgnlMsgNmId === version));
        assert.match(xml, new RegExp(`<NbOfTxs>${message.CdtTrfTxInf.length}</NbOfTxs>`));
        const sum = controlSum(message.CdtTrfTxInf.map((tx) => tx.IntrBkSttlmAmt));
        assert.equal(xml.includes('<CtrlSum>'), sum !== undefined);
        if (sum !== undefined) assert.ok(xml.includes(`<CtrlSum>${sum}</CtrlSum>`));
      }),
      { numRuns: RUNS },
    );
  }
});

test(`a bulk's status renders as a pacs.002 with a group status and one TxInfAndSts per transaction, and reads back exactly (property, ${RUNS} runs)`, () => {
  for (const profile of PROFILES) {
    fc.assert(
      fc.property(bulkStatus, fc.boolean(), ({ message, context }, withContext) => {
        const given = withContext ? context : {};
        const { xml, read } = renderAndReceive({ kind: 'pacs.002/bulk', message, context: given }, profile);
        assert.equal(read.kind, 'pacs.002/bulk');
        assert.ok(read.kind === 'pacs.002/bulk');
        assert.deepEqual(canonical(read.message), canonical(message));
        const sameGeneration = profile === 'iso-2019' ? 'pacs.008.001.08' : 'pacs.008.001.14';
        assert.deepEqual(read.context, clean({ OrgnlMsgNmId: sameGeneration, ...given }));
        assert.equal((xml.match(/<TxInfAndSts>/g) ?? []).length, message.TxInfAndSts.length);
      }),
      { numRuns: RUNS },
    );
  }
});

test('a pacs.008 with one transaction is still a single payment; a bulk of one is read as a bulk by the bulk reader', () => {
  const [one] = fc
    .sample(bulk(1), { numRuns: 1, seed: 5 })
    .map((b) => ({ ...b, CdtTrfTxInf: b.CdtTrfTxInf.slice(0, 1), GrpHdr: { ...b.GrpHdr, NbOfTxs: '1' } }));
  for (const profile of PROFILES) {
    const { read } = renderAndReceive({ kind: 'pacs.008/bulk', message: one! }, profile);
    assert.equal(read.kind, 'pacs.008');
    assert.ok(read.kind === 'pacs.008');
    assert.deepEqual(canonical(read.message.CdtTrfTxInf), canonical(one!.CdtTrfTxInf[0]));
    const xml = renderBusinessMessage({ kind: 'pacs.008/bulk', message: one! }, { profile, hubFspId: HUB, header: header('B-2') });
    const parsed = parseBusinessMessage(xml);
    const version = XML_PROFILES[profile]['pacs.008'];
    assert.deepEqual(canonical(bulkPacs008FromXml(parsed.document, version).message), canonical(one));
  }
});

/** The bank's message with its Document edited (no signature: the bank's own words). */
function edited(message: BulkPacs008, edit: (xml: string) => string): ReturnType<typeof documentFromXml> {
  const xml = edit(renderBusinessMessage({ kind: 'pacs.008/bulk', message }, { hubFspId: HUB, header: header('B-3') }));
  const parsed = parseBusinessMessage(xml);
  return documentFromXml(parsed.document, parsed.definition, { hubFspId: HUB });
}

test("a bank's totals must be its transactions': NbOfTxs and CtrlSum that are not are refused; CtrlSum only when it is exact", () => {
  const [message] = fc.sample(bulk(3), { numRuns: 1, seed: 8 });
  const m = { ...message!, CdtTrfTxInf: message!.CdtTrfTxInf.map((tx) => ({ ...tx, IntrBkSttlmAmt: parseAmount('10.25', 'USD') })) };
  const n = m.CdtTrfTxInf.length;
  const read = edited(m, (xml) => xml.replace(/<CtrlSum>[^<]*<\/CtrlSum>/, '<CtrlSum>+0' + (10.25 * n).toFixed(2) + '000</CtrlSum>'));
  assert.equal(read.kind, 'pacs.008/bulk', 'any xs:decimal form of the exact sum');
  assert.throws(
    () => edited(m, (xml) => xml.replace(/<CtrlSum>[^<]*<\/CtrlSum>/, '<CtrlSum>1.000001</CtrlSum>')),
    (e: unknown) => e instanceof Error && /CtrlSum 1\.000001 is not the sum of the transactions' amounts/.test(e.message),
  );
  assert.throws(
    () => edited(m, (xml) => xml.replace(`<NbOfTxs>${n}</NbOfTxs>`, `<NbOfTxs>${n + 1}</NbOfTxs>`)),
    (e: unknown) => e instanceof Error && /NbOfTxs "\d+" is not the number of CdtTrfTxInf/.test(e.message),
  );
  assert.equal(controlSum([parseAmount('1', 'USD'), parseAmount('2', 'EUR')]), undefined, 'several currencies: no control sum');
  assert.equal(controlSum([parseAmount('999999999999999999', 'USD'), parseAmount('1', 'USD')]), undefined, '19 digits: no control sum');
  assert.equal(controlSum([parseAmount('0.00001', 'USD'), parseAmount('0.5', 'USD')]), '0.50001');
  const wrongCount = { ...m, GrpHdr: { ...m.GrpHdr, NbOfTxs: '7' } };
  assert.throws(() => renderBusinessMessage({ kind: 'pacs.008/bulk', message: wrongCount }, { hubFspId: HUB, header: header('B-4') }), TranslationError);
  const inexact = {
    ...m,
    CdtTrfTxInf: m.CdtTrfTxInf.map((tx, i) => (i === 2 ? { ...tx, IntrBkSttlmAmt: { currency: 'USD', units: isoUnits(10n ** 24n) } } : tx)),
  };
  assert.throws(
    () => renderBusinessMessage({ kind: 'pacs.008/bulk', message: inexact }, { hubFspId: HUB, header: header('B-5') }),
    (e: unknown) => e instanceof TranslationError && e.field === 'CdtTrfTxInf[2].IntrBkSttlmAmt',
  );
});

test("a wallet's FSPIOP bulk crosses to a bank as XML and back to FSPIOP unchanged; the bank's answer crosses back too (property)", () => {
  const individual = fc.record({ transferId: ulid, transferAmount: arb.money({ iso: true }), terms: arb.ilpTerms, extensionList: opt(arb.extensionList) });
  const body: fc.Arbitrary<FspiopBulkTransferPrepare> = fc
    .record({
      bulkTransferId: ulid,
      bulkQuoteId: ulid,
      payerFsp: arb.fspId,
      payeeFsp: arb.fspId,
      individualTransfers: fc.uniqueArray(individual, { minLength: 2, maxLength: 5, selector: (t) => t.transferId }),
      expiration: arb.dateTime,
      extensionList: opt(arb.extensionList),
    })
    .map((b) =>
      arb.compact({
        ...b,
        individualTransfers: b.individualTransfers.map((t) =>
          arb.compact({
            transferId: t.transferId,
            transferAmount: t.transferAmount,
            ilpPacket: t.terms.ilpPacket,
            condition: t.terms.condition,
            extensionList: t.extensionList,
          }),
        ),
      }),
    );
  for (const profile of PROFILES) {
    fc.assert(
      fc.property(body, (b) => {
        const { read } = renderAndReceive({ kind: 'pacs.008/bulk', message: bulkPrepareToCanonical(b, AT) }, profile);
        assert.ok(read.kind === 'pacs.008/bulk');
        const back = bulkPrepareFromCanonical({
          ...read.message,
          GrpHdr: { ...read.message.GrpHdr, PmtInstrXpryDtTm: read.message.GrpHdr.PmtInstrXpryDtTm! },
        } as BulkPacs008);
        assert.deepEqual(arb.plain(back), arb.plain(b));
      }),
      { numRuns: Math.max(5, RUNS / 2) },
    );
  }
  const [status] = fc.sample(bulkStatus, { numRuns: 1, seed: 13 });
  const fspiopReady: BulkPacs002 = {
    ...status!.message,
    TxInfAndSts: status!.message.TxInfAndSts.map((t) => ({ ...t, ...(t.StsRsnInf ? { StsRsnInf: { ...t.StsRsnInf, AddtlInf: 'Payee rejected' } } : {}) })),
  };
  const { read } = renderAndReceive({ kind: 'pacs.002/bulk', message: fspiopReady }, 'iso-2026');
  assert.ok(read.kind === 'pacs.002/bulk');
  const viaFspiop = bulkStatusToCanonical(fspiopReady.OrgnlGrpInfAndSts.OrgnlMsgId, bulkStatusFromCanonical(read.message), AT);
  assert.deepEqual(canonical({ ...viaFspiop, GrpHdr: undefined }), canonical({ ...fspiopReady, GrpHdr: undefined }));
});

test('a bank names its statuses the way it wrote its payments: by TxId, or by UETR and end-to-end id when it sent no TxId; a transaction named by none is refused', () => {
  const message: BulkPacs002 = {
    GrpHdr: { MsgId: 'S-1', CreDtTm: AT },
    OrgnlGrpInfAndSts: { OrgnlMsgId: 'BANK-BULK-7', GrpSts: 'PART', BulkTransferState: 'COMPLETED' },
    PrcgDt: { DtTm: AT },
    TxInfAndSts: [{ OrgnlTxId: 'T-1', TxSts: 'ACSC' }],
  };
  const xml = renderBusinessMessage({ kind: 'pacs.002/bulk', message }, { hubFspId: HUB, header: header('S-1') });
  const parsed = parseBusinessMessage(xml.replace('<OrgnlTxId>T-1</OrgnlTxId>', ''));
  assert.throws(() => bulkPacs002FromXml(parsed.document, 'pacs.002.001.10'), /names its transaction by neither OrgnlTxId, OrgnlUETR nor OrgnlEndToEndId/);
  // A bank's own report: no Mizani supplementary data, its own codes.
  const bank = parseBusinessMessage(
    xml
      .replace(/<SplmtryData>.*<\/SplmtryData>/s, '')
      .replace('<GrpSts>PART</GrpSts>', '<GrpSts>ACSP</GrpSts>')
      .replace('<TxSts>ACSC</TxSts>', '<TxSts>ACCC</TxSts>'),
  );
  const read = bulkPacs002FromXml(bank.document, 'pacs.002.001.10');
  assert.deepEqual(read.message.OrgnlGrpInfAndSts, { OrgnlMsgId: 'BANK-BULK-7', GrpSts: 'ACCP', BulkTransferState: 'COMPLETED' });
  assert.deepEqual(read.message.TxInfAndSts, [{ OrgnlTxId: 'T-1', TxSts: 'ACSC' }]);
  assert.deepEqual(read.message.PrcgDt, { DtTm: AT }, 'the acceptance time of its final transactions');
  // Which reader: a group part beside one transaction is a single payment's status, as before; a group alone is a bulk's.
  assert.equal(documentFromXml(bank.document, bank.definition, { hubFspId: HUB }).kind, 'pacs.002');
  const groupOnly = parseBusinessMessage(bank.text.replace(/<TxInfAndSts>.*<\/TxInfAndSts>/s, '').replace('<GrpSts>ACSP</GrpSts>', '<GrpSts>RJCT</GrpSts>'));
  const rejected = documentFromXml(groupOnly.document, groupOnly.definition, { hubFspId: HUB });
  assert.ok(rejected.kind === 'pacs.002/bulk');
  assert.deepEqual(rejected.message.OrgnlGrpInfAndSts, { OrgnlMsgId: 'BANK-BULK-7', GrpSts: 'RJCT', BulkTransferState: 'REJECTED' });
});

// ------------------------------------------------------------------------------------------------ the outbox

function bankFixture() {
  const sent: Array<{ to: string; message: XmlOutboundMessage }> = [];
  const xml: XmlChannel = {
    async send(to, message): Promise<DeliveryResult> {
      sent.push({ to, message });
      return { ok: true, status: 202 };
    },
  };
  const directory = { dialectOf: (n: string) => (n.startsWith('bank') ? 'iso20022-xml' : 'fspiop/1.1') } as unknown as ParticipantDirectory;
  const outbox = new DialectBulkTransferOutbox(directory, {} as FspiopNotifier, '1.0', xml);
  return { outbox, sent };
}

test('the bulk outbox to banks: the bulk as one multi-transaction pacs.008 with the parties of each ILP transaction, reports and errors as group pacs.002', async () => {
  // The packet's data is the transaction a wallet's quote put there: it names the parties the bank is told.
  const transaction = {
    payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '255700000001' }, name: 'Amina' },
    payer: { partyIdInfo: { partyIdType: 'BUSINESS', partyIdentifier: 'ACME' } },
  };
  const fulfilment = Buffer.alloc(32, 7);
  const condition = createHash('sha256').update(fulfilment).digest();
  const data = Buffer.from(Buffer.from(JSON.stringify(transaction)).toString('base64url'));
  const ilpPacket = arb.ilpV4Packet(condition, 1250n, 'g.mizani.bank-b', data);
  const f = bankFixture();
  const body: FspiopBulkTransferPrepare = {
    bulkTransferId: '01JQ0000000000000000000001',
    bulkQuoteId: '01JQ0000000000000000000002',
    payerFsp: 'wallet',
    payeeFsp: 'bank-b',
    expiration: '2026-03-02T11:00:00.000Z',
    individualTransfers: ['3', '4'].map((n) => ({
      transferId: `01JQ000000000000000000000${n}`,
      transferAmount: { currency: 'USD', amount: '12.5' },
      ilpPacket,
      condition: condition.toString('base64url'),
    })),
  };
  await f.outbox.forwardBulkPrepare('bank-b', bulkPrepareToCanonical(body, AT), {} as never, true);
  await f.outbox.bulkReport('bank-a', body.bulkTransferId, {
    state: 'COMPLETED',
    completedAt: '2026-03-02T10:00:01.000Z',
    lines: [
      { transferId: body.individualTransfers[0]!.transferId, fulfilment: fulfilment.toString('base64url') },
      { transferId: body.individualTransfers[1]!.transferId, reason: new DomainError('PAYER_LIMIT_EXCEEDED') },
    ],
  });
  await f.outbox.bulkError('bank-a', body.bulkTransferId, new DomainError('MODIFIED_DUPLICATE'));
  assert.deepEqual(
    f.sent.map((s) => [s.to, s.message.kind]),
    [
      ['bank-b', 'pacs.008/bulk'],
      ['bank-a', 'pacs.002/bulk'],
      ['bank-a', 'pacs.002/bulk'],
    ],
  );
  const prepare = f.sent[0]!.message;
  assert.ok(prepare.kind === 'pacs.008/bulk');
  assert.deepEqual(
    prepare.message.CdtTrfTxInf.map((tx) => [tx.Dbtr?.Id?.OrgId?.Othr.Id, tx.Cdtr?.Nm, tx.Cdtr?.Id?.PrvtId?.Othr.Id]),
    [
      ['ACME', 'Amina', '255700000001'],
      ['ACME', 'Amina', '255700000001'],
    ],
  );
  const report = f.sent[1]!.message;
  assert.ok(report.kind === 'pacs.002/bulk');
  assert.equal(report.message.OrgnlGrpInfAndSts.GrpSts, 'PART');
  assert.deepEqual(
    report.message.TxInfAndSts.map((t) => t.TxSts),
    ['ACSC', 'RJCT'],
  );
  assert.equal(report.message.TxInfAndSts[1]!.StsRsnInf?.Rsn.Prtry, '4200', 'worded for a bank (translators/isoxml/outcomes.ts)');
  const error = f.sent[2]!.message;
  assert.ok(error.kind === 'pacs.002/bulk');
  assert.deepEqual(
    { ...error.message.OrgnlGrpInfAndSts, StsRsnInf: undefined },
    { OrgnlMsgId: body.bulkTransferId, GrpSts: 'RJCT', BulkTransferState: 'REJECTED', StsRsnInf: undefined },
  );
  assert.ok(error.message.OrgnlGrpInfAndSts.StsRsnInf?.Rsn);
  for (const { message } of f.sent) {
    for (const profile of PROFILES) emitted.push(renderBusinessMessage(message as BusinessDocument, { profile, hubFspId: HUB, header: header('O-1') }));
  }
});

test('XmlOutbox: a bulk status is the hub own message (fresh MsgId) naming the bulk and its payments as the payer bank did', async () => {
  const posted: OutboundRequest[] = [];
  const directory = {
    endpoint: () => 'http://bank-a.test/iso20022',
    registry: { participant: () => ({ name: 'bank-a' }) },
    xmlProfileOf: () => 'iso-2019',
    isoIdentifiers: () => undefined,
  } as unknown as ParticipantDirectory;
  const delivery = {
    send: async (r: OutboundRequest) => {
      posted.push(r);
      return { ok: true, status: 202, attempts: 1 };
    },
  } as unknown as Delivery;
  const outbox = new XmlOutbox(directory, delivery, HUB, undefined, pino({ level: 'silent' }));
  const asked: string[] = [];
  outbox.useBulkReferences(async (bank, id) => {
    asked.push(`${bank}:${id}`);
    return {
      OrgnlMsgNmId: 'pacs.008.001.14',
      OrgnlCreDtTm: AT,
      references: { 'T-1': { OrgnlEndToEndId: 'E2E-1', OrgnlUETR: '9b2f4c3e-8d6a-4f1b-9c2d-3e4f5a6b7c8d' } },
    };
  });
  const status: BulkPacs002 = {
    GrpHdr: { MsgId: 'BULK-1', CreDtTm: AT },
    OrgnlGrpInfAndSts: { OrgnlMsgId: 'BULK-1', GrpSts: 'ACCP', BulkTransferState: 'COMPLETED' },
    TxInfAndSts: [{ OrgnlTxId: 'T-1', TxSts: 'ACSC' }],
  };
  assert.equal((await outbox.send('bank-a', { kind: 'pacs.002/bulk', message: status })).ok, true);
  assert.deepEqual(asked, ['bank-a:BULK-1']);
  const xml = String(posted[0]!.body);
  emitted.push(xml);
  assert.doesNotMatch(xml, /<MsgId>BULK-1<\/MsgId>/);
  assert.match(xml, /<OrgnlMsgId>BULK-1<\/OrgnlMsgId><OrgnlMsgNmId>pacs\.008\.001\.14<\/OrgnlMsgNmId>/);
  assert.match(xml, /<OrgnlEndToEndId>E2E-1<\/OrgnlEndToEndId><OrgnlUETR>9b2f4c3e-8d6a-4f1b-9c2d-3e4f5a6b7c8d<\/OrgnlUETR><TxSts>ACSC<\/TxSts>/);
});

test('a bulk of 1,000 transactions: rendered, validated and read back; its size is what the edge limits must allow', (t) => {
  const [one] = fc.sample(line('bank-a', 'wallet', fc.constant('USD')), { numRuns: 1, seed: 2 });
  const lines = Array.from({ length: 1000 }, (_, i) => ({ ...one!, PmtId: { ...one!.PmtId, TxId: `01JQ${String(i).padStart(22, '0')}` } }));
  const message: BulkPacs008 = {
    GrpHdr: { MsgId: '01JQ0000000000000000009999', CreDtTm: AT, NbOfTxs: '1000', SttlmInf: { SttlmMtd: 'CLRG' }, PmtInstrXpryDtTm: AT },
    CdtTrfTxInf: lines,
  };
  for (const profile of PROFILES) {
    let started = process.hrtime.bigint();
    const xml = renderBusinessMessage({ kind: 'pacs.008/bulk', message }, { profile, hubFspId: HUB, header: header('K-1') });
    const renderMs = Number(process.hrtime.bigint() - started) / 1e6;
    assert.throws(() => parseBusinessMessage(xml), /larger than|more than 5000 elements/, 'the default limits are a single payment');
    started = process.hrtime.bigint();
    const parsed = parseBusinessMessage(xml, { limits: { maxBytes: 4 * 1024 * 1024, maxElements: 100_000 } });
    const read = documentFromXml(parsed.document, parsed.definition, { hubFspId: HUB });
    const readMs = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(read.kind === 'pacs.008/bulk');
    assert.equal(read.message.CdtTrfTxInf.length, 1000);
    t.diagnostic(`${profile}: ${xml.length} bytes, render ${renderMs.toFixed(0)} ms, parse + validate + read ${readMs.toFixed(0)} ms`);
  }
});

// Registered last so that it runs after every property has filled `emitted`.
test('every emitted bulk message validates against the OFFICIAL schemas (Xerces, one JVM)', async (t) => {
  assert.ok(emitted.length >= RUNS * 4, `rendered ${emitted.length} messages`);
  const started = Date.now();
  await assertOfficiallyValid(emitted, 'emitted message');
  t.diagnostic(`${emitted.length} messages validated against the official XSDs in ${Date.now() - started} ms`);
});
