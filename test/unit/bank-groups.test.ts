/**
 * Banks and bulks (docs/bulk.md, "Banks"), what is pure: a transaction's final status read from its payment and
 * transfer (`lineVerdict`), the statuses a bank's answer to a bulk decides (`decidedStatuses`), the group pacs.002 a
 * bank gets (`groupStatusReport`), pacs.028 about a whole message, and the conformance suite's multi-transaction
 * messages — schema-valid and read by the hub's XML reader into what they say.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { BulkPacs002 } from '../../schemas/iso/bulk-transfers.js';
import { DomainError, storedCause } from '../../schemas/outcomes.js';
import type { TransferRecord } from '../../ledger/reader.js';
import { decidedStatuses } from '../../switch/core/bridge/bank-bulk-payee.js';
import type { OwnLine } from '../../switch/core/bridge/bank-group-records.js';
import { GROUP_GRACE_MS, lineHash, lineMessage, lineVerdict } from '../../switch/core/bridge/bank-groups.js';
import { groupStatusReport } from '../../switch/notify/bank-group-status.js';
import { receiveBusinessMessage } from '../../translators/isoxml/inbound.js';
import { isGroupRequest, pacs028ToXml } from '../../translators/isoxml/pacs028.js';
import { runtimeSchemas } from '../../translators/isoxml/validate.js';
import { appHdrXml, envelopeXml } from '../../conformance/lib/isoxml.js';
import { bulkPacs008Xml, groupPacs002Xml, groupPacs028Xml } from '../../conformance/lib/isoxml-bulk.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');

function line(over: Partial<OwnLine> = {}): OwnLine {
  return {
    payer: 'bank-a',
    msgId: 'G1',
    lineNo: 0,
    paymentId: 'tx-1',
    status: null,
    paymentState: 'TRANSFERRING',
    paymentReason: null,
    transferId: 'tx-1',
    requestHash: 'h1',
    expiresAt: new Date(NOW + 60_000).toISOString(),
    ...over,
  };
}

function transfer(over: Partial<TransferRecord> = {}): TransferRecord {
  return {
    id: 'tx-1',
    kind: 'TRANSFER',
    payer: 'bank-a',
    payee: 'wallet',
    debtor: 'bank-a',
    creditor: 'wallet',
    fx: undefined,
    currency: 'USD',
    amount: 100_000n as TransferRecord['amount'],
    state: 'RESERVED',
    condition: 'c',
    expiration: null,
    prepareHash: 'h1',
    fulfilHash: null,
    errorHash: null,
    fulfilment: null,
    cause: null,
    completedAt: null,
    ...over,
  };
}

test('lineVerdict: a payment still agreeing or reserved is not final; committed is ACSC; aborted is RJCT with its cause', () => {
  assert.equal(lineVerdict(line({ paymentState: 'RECEIVED', transferId: null }), undefined, NOW), undefined);
  assert.equal(lineVerdict(line({ paymentState: 'QUOTING', transferId: null }), undefined, NOW), undefined);
  assert.equal(lineVerdict(line(), transfer(), NOW), undefined, 'reserved');
  assert.deepEqual(lineVerdict(line(), transfer({ state: 'COMMITTED' }), NOW), { status: 'ACSC', reason: null });
  assert.deepEqual(lineVerdict(line(), transfer({ state: 'ABORTED_REJECTED', cause: 'PAYER_LIMIT_EXCEEDED: cap' }), NOW), {
    status: 'RJCT',
    reason: 'PAYER_LIMIT_EXCEEDED: cap',
  });
  assert.deepEqual(lineVerdict(line(), transfer({ state: 'ABORTED_ERROR', cause: '5105: no' }), NOW), { status: 'RJCT', reason: '5105: no' });
  const unrecorded = lineVerdict(line(), transfer({ state: 'EXPIRED_RESERVED' }), NOW);
  assert.equal(unrecorded?.status, 'RJCT');
  assert.match(unrecorded.reason, /^ABORT_CAUSE_UNRECORDED/);
});

test('lineVerdict: rejected or cancelled by the bridge is RJCT with its reason; an id that is an earlier transfer is RJCT 3106', () => {
  assert.deepEqual(lineVerdict(line({ paymentState: 'REJECTED', paymentReason: '5101: quote refused' }), undefined, NOW), {
    status: 'RJCT',
    reason: '5101: quote refused',
  });
  const cancelled = storedCause(new DomainError('INSTRUCTION_CANCELLED', 'by the bank'));
  assert.deepEqual(lineVerdict(line({ paymentState: 'CANCELLED', paymentReason: cancelled }), undefined, NOW), { status: 'RJCT', reason: cancelled });
  const other = lineVerdict(line(), transfer({ state: 'COMMITTED', prepareHash: 'someone else' }), NOW);
  assert.equal(other?.status, 'RJCT');
  assert.match(other.reason, /^BULK_LINE_DUPLICATE: /);
  assert.equal(lineVerdict(line(), transfer({ state: 'COMMITTED', payer: 'bank-b' }), NOW)?.status, 'RJCT', 'another payer');
});

test('lineVerdict: a transfer that never reached the ledger is expired only past the expiry and the grace', () => {
  const expiresAt = new Date(NOW).toISOString();
  assert.equal(lineVerdict(line({ expiresAt }), undefined, NOW + GROUP_GRACE_MS), undefined);
  const expired = lineVerdict(line({ expiresAt }), undefined, NOW + GROUP_GRACE_MS + 1);
  assert.equal(expired?.status, 'RJCT');
  assert.match(expired.reason, /^TRANSFER_EXPIRED: /);
});

test('lineHash differs per line and per message; lineMessage is the transaction as a single pacs.008', () => {
  assert.notEqual(lineHash('m', 0), lineHash('m', 1));
  assert.notEqual(lineHash('m', 0), lineHash('n', 0));
  assert.equal(lineHash('m', 0), lineHash('m', 0));
  const tx = (id: string) => ({
    PmtId: { TxId: id },
    IntrBkSttlmAmt: { currency: 'USD', units: 10_000n as never },
    ChrgBr: 'SHAR' as const,
    DbtrAgt: { FinInstnId: { Othr: { Id: 'bank-a' } } },
    CdtrAgt: { FinInstnId: {} },
  });
  const message = {
    GrpHdr: { MsgId: 'G1', CreDtTm: '2030-01-01T00:00:00Z', NbOfTxs: '2', SttlmInf: { SttlmMtd: 'CLRG' as const } },
    CdtTrfTxInf: [tx('a'), tx('b')],
  };
  const second = lineMessage(message, 1);
  assert.deepEqual(second.GrpHdr, { MsgId: 'G1', CreDtTm: '2030-01-01T00:00:00Z', NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' } });
  assert.equal(second.CdtTrfTxInf.PmtId.TxId, 'b');
  const withExpiry = lineMessage({ ...message, GrpHdr: { ...message.GrpHdr, PmtInstrXpryDtTm: '2030-01-01T00:01:00Z' } }, 0);
  assert.equal(withExpiry.GrpHdr.PmtInstrXpryDtTm, '2030-01-01T00:01:00Z');
});

function bankAnswer(group: BulkPacs002['OrgnlGrpInfAndSts']['GrpSts'], lines: BulkPacs002['TxInfAndSts']): BulkPacs002 {
  const status: BulkPacs002 = {
    GrpHdr: { MsgId: 'S1', CreDtTm: '2030-01-01T00:00:00Z' },
    OrgnlGrpInfAndSts: { OrgnlMsgId: 'B1', BulkTransferState: 'COMPLETED' },
    TxInfAndSts: lines,
  };
  if (group) status.OrgnlGrpInfAndSts.GrpSts = group;
  return status;
}

test("decidedStatuses: the bank's own statuses; the group's ACCP or RJCT for the lines it does not name; pending lines left out", () => {
  const reason = { Rsn: { Cd: 'AC04' }, AddtlInf: 'closed' };
  const part = bankAnswer('PART', [{ OrgnlTxId: 'a', TxSts: 'ACSC' }, { OrgnlTxId: 'b', TxSts: 'RJCT', StsRsnInf: reason }, { OrgnlTxId: 'c' }]);
  assert.deepEqual(decidedStatuses(part, ['a', 'b', 'c', 'd']), [
    { OrgnlTxId: 'a', TxSts: 'ACSC' },
    { OrgnlTxId: 'b', TxSts: 'RJCT', StsRsnInf: reason },
  ]);
  assert.deepEqual(decidedStatuses(bankAnswer('ACCP', []), ['a', 'b']), [
    { OrgnlTxId: 'a', TxSts: 'ACSC' },
    { OrgnlTxId: 'b', TxSts: 'ACSC' },
  ]);
  assert.deepEqual(decidedStatuses(bankAnswer('RJCT', [{ OrgnlTxId: 'a', TxSts: 'RJCT' }]), ['a', 'b']), [
    { OrgnlTxId: 'a', TxSts: 'RJCT' },
    { OrgnlTxId: 'b', TxSts: 'RJCT' },
  ]);
  assert.deepEqual(decidedStatuses(bankAnswer(undefined, [{ OrgnlTxId: 'a' }]), ['a']), [], 'nothing decided');
});

test('groupStatusReport: a final group — GrpSts, each transaction named the bank’s way, reasons worded for a bank', () => {
  const { message, context } = groupStatusReport({
    group: { OrgnlMsgId: 'G1', OrgnlMsgNmId: 'pacs.008.001.14', OrgnlCreDtTm: '2030-01-01T00:00:00Z' },
    status: 'PART',
    completedAt: '2030-01-01T00:00:05Z',
    lines: [
      { id: 'tx-1', reference: { OrgnlTxId: 'tx-1', OrgnlEndToEndId: 'E1' }, status: 'ACSC' },
      {
        id: 'u-2',
        reference: { OrgnlEndToEndId: 'E2', OrgnlUETR: 'u-2' },
        status: 'RJCT',
        reason: new DomainError('PARTY_NOT_FOUND', 'MSISDN 1 is not registered'),
      },
      { id: 'tx-3', reference: { OrgnlTxId: 'tx-3' }, status: 'RJCT', reason: { Rsn: { Prtry: '5101' }, AddtlInf: 'Payee rejected quote' } },
    ],
  });
  assert.deepEqual(message.OrgnlGrpInfAndSts, { OrgnlMsgId: 'G1', BulkTransferState: 'COMPLETED', GrpSts: 'PART' });
  assert.deepEqual(message.PrcgDt, { DtTm: '2030-01-01T00:00:05Z' });
  assert.deepEqual(
    message.TxInfAndSts.map((t) => [t.OrgnlTxId, t.TxSts, t.StsRsnInf?.Rsn.Prtry]),
    [
      ['tx-1', 'ACSC', undefined],
      ['u-2', 'RJCT', '3204'],
      ['tx-3', 'RJCT', '5101'],
    ],
  );
  assert.match(message.TxInfAndSts[1]!.StsRsnInf!.AddtlInf ?? '', /MSISDN 1 is not registered/);
  assert.deepEqual(context, {
    OrgnlMsgNmId: 'pacs.008.001.14',
    OrgnlCreDtTm: '2030-01-01T00:00:00Z',
    references: { 'tx-1': { OrgnlTxId: 'tx-1', OrgnlEndToEndId: 'E1' }, 'u-2': { OrgnlEndToEndId: 'E2', OrgnlUETR: 'u-2' }, 'tx-3': { OrgnlTxId: 'tx-3' } },
  });
});

test('groupStatusReport: an open group has no GrpSts and its open transactions no TxSts; a refused message a group reason', () => {
  const open = groupStatusReport({
    group: { OrgnlMsgId: 'G1', OrgnlMsgNmId: 'pacs.008.001.08' },
    lines: [
      { id: 'a', reference: { OrgnlTxId: 'a' }, status: 'ACSC' },
      { id: 'b', reference: { OrgnlTxId: 'b' } },
    ],
  }).message;
  assert.equal(open.OrgnlGrpInfAndSts.GrpSts, undefined);
  assert.equal(open.OrgnlGrpInfAndSts.BulkTransferState, 'PROCESSING');
  assert.deepEqual(open.TxInfAndSts[1], { OrgnlTxId: 'b' });
  const refused = groupStatusReport({
    group: { OrgnlMsgId: 'G1', OrgnlMsgNmId: 'pacs.008.001.08' },
    status: 'RJCT',
    reason: new DomainError('MODIFIED_DUPLICATE', 'a message with this MsgId and a different content was received before'),
    lines: [],
  }).message;
  assert.equal(refused.OrgnlGrpInfAndSts.GrpSts, 'RJCT');
  assert.equal(refused.OrgnlGrpInfAndSts.BulkTransferState, 'REJECTED');
  assert.equal(refused.OrgnlGrpInfAndSts.StsRsnInf?.Rsn.Prtry, '3106');
  assert.deepEqual(refused.TxInfAndSts, []);
});

// ---- the conformance suite's messages, as the hub reads them ---------------------------------------------------

const schemas = runtimeSchemas();
after(() => schemas.dispose());

function received(document: string) {
  const ns = /xmlns="urn:iso:std:iso:20022:tech:xsd:([^"]+)"/.exec(document)![1]!;
  const text = envelopeXml(appHdrXml({ from: 'bank-a', to: 'hub', bizMsgIdr: 'B1', msgDefIdr: ns }), document);
  return receiveBusinessMessage(text, { hubFspId: 'hub', certificatesOf: () => [], requireSignature: false, schemas }).document;
}

test('pacs.028 about a whole message: OrgnlGrpInf and no TxInf, both ways, in both versions', () => {
  for (const version of ['pacs.028.001.03', 'pacs.028.001.07'] as const) {
    const request = { GrpHdr: { MsgId: 'R1', CreDtTm: '2030-01-01T00:00:00Z' }, TxInf: { OrgnlGrpInf: { OrgnlMsgId: 'G1', OrgnlMsgNmId: 'pacs.008.001.08' } } };
    assert.equal(isGroupRequest(request), true);
    const xml = pacs028ToXml(request, version);
    assert.match(
      xml,
      /<FIToFIPmtStsReq><GrpHdr>.*<\/GrpHdr><OrgnlGrpInf><OrgnlMsgId>G1<\/OrgnlMsgId><OrgnlMsgNmId>pacs.008.001.08<\/OrgnlMsgNmId><\/OrgnlGrpInf><\/FIToFIPmtStsReq>/,
    );
    const read = received(xml);
    assert.equal(read.kind, 'pacs.028');
    if (read.kind === 'pacs.028') assert.deepEqual(read.message, request);
  }
  assert.equal(isGroupRequest({ GrpHdr: { MsgId: 'R', CreDtTm: 'x' }, TxInf: { OrgnlGrpInf: { OrgnlMsgId: 'G', OrgnlMsgNmId: 'p' }, OrgnlTxId: 't' } }), false);
  assert.equal(isGroupRequest({ GrpHdr: { MsgId: 'R', CreDtTm: 'x' }, TxInf: { OrgnlTxId: 't' } }), false);
});

test("the suite's pacs.008 with many transactions is schema-valid (.08 and .14) and reads as the bank's group", () => {
  for (const version of ['pacs.008.001.08', 'pacs.008.001.14']) {
    const xml = bulkPacs008Xml(
      {
        msgId: 'G1',
        expiry: '2030-01-01T00:01:00Z',
        currency: 'USD',
        debtorAgent: 'bank-a',
        ctrlSum: '15.5',
        transactions: [
          { txId: 'a', amount: '10', creditorAgent: null, creditor: { type: 'MSISDN', id: '1' }, debtor: { type: 'MSISDN', id: '9', name: 'Alan' } },
          { uetr: '0a6b6c5e-5b1e-4b8f-9c38-2f8f1d4c9a01', endToEndId: 'E2', amount: '5.5', creditorAgent: 'bank-b', creditor: { type: 'MSISDN', id: '2' } },
        ],
      },
      version,
    );
    const doc = received(xml);
    assert.equal(doc.kind, 'pacs.008/bulk', version);
    if (doc.kind !== 'pacs.008/bulk') return;
    assert.equal(doc.message.GrpHdr.MsgId, 'G1');
    assert.equal(doc.message.GrpHdr.PmtInstrXpryDtTm, '2030-01-01T00:01:00Z');
    assert.deepEqual(
      doc.message.CdtTrfTxInf.map((t) => [t.PmtId.TxId, t.IntrBkSttlmAmt.units]),
      [
        ['a', 1_000_000n],
        ['0a6b6c5e-5b1e-4b8f-9c38-2f8f1d4c9a01', 550_000n],
      ],
    );
    assert.deepEqual(
      doc.references.map((r) => [r.OrgnlTxId, r.OrgnlEndToEndId, r.OrgnlUETR, r.OrgnlGrpInf?.OrgnlMsgNmId]),
      [
        ['a', 'NOTPROVIDED', undefined, version],
        [undefined, 'E2', '0a6b6c5e-5b1e-4b8f-9c38-2f8f1d4c9a01', version],
      ],
    );
  }
});

test("the suite's group pacs.002 and group pacs.028 are schema-valid and read as what they say", () => {
  const status = received(
    groupPacs002Xml({
      originalMsgId: 'B1',
      originalMsgNmId: 'pacs.008.001.08',
      groupStatus: 'PART',
      transactions: [
        { originalTxId: 'a', originalEndToEndId: 'E1', status: 'ACSC' },
        { originalTxId: 'b', status: 'RJCT', reason: { cd: 'AC04' }, info: 'closed' },
        { originalTxId: 'c', status: 'PDNG' },
      ],
    }),
  );
  assert.equal(status.kind, 'pacs.002/bulk');
  if (status.kind === 'pacs.002/bulk') {
    assert.equal(status.message.OrgnlGrpInfAndSts.GrpSts, 'PART');
    assert.deepEqual(
      status.message.TxInfAndSts.map((t) => [t.OrgnlTxId, t.TxSts, t.StsRsnInf?.Rsn.Cd]),
      [
        ['a', 'ACSC', undefined],
        ['b', 'RJCT', 'AC04'],
        ['c', undefined, undefined],
      ],
    );
  }
  const rejected = received(
    groupPacs002Xml({ originalMsgId: 'B1', originalMsgNmId: 'pacs.008.001.08', groupStatus: 'RJCT', groupReason: { prtry: '5104' }, transactions: [] }),
  );
  assert.equal(rejected.kind, 'pacs.002/bulk');
  if (rejected.kind === 'pacs.002/bulk') assert.equal(rejected.message.OrgnlGrpInfAndSts.StsRsnInf?.Rsn.Prtry, '5104');
  const request = received(groupPacs028Xml({ originalMsgId: 'G1', originalMsgNmId: 'pacs.008.001.08' }));
  assert.equal(request.kind, 'pacs.028');
  if (request.kind === 'pacs.028') assert.deepEqual(request.message.TxInf, { OrgnlGrpInf: { OrgnlMsgId: 'G1', OrgnlMsgNmId: 'pacs.008.001.08' } });
});
