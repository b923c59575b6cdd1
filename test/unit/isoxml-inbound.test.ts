/**
 * The inbound pipeline (receiveBusinessMessage): routing checks on the BAH, the sender handed to the
 * certificate lookup, and the content rules the schema cannot express (NbOfTxs the number of transactions,
 * a TxId, financial-institution parties), each refused with a located reason.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FinInstnId } from '../../schemas/iso/common.js';
import { TYPICAL_PACS008 } from '../../translators/isoxml/bench.js';
import { receiveBusinessMessage, type ReceiveOptions } from '../../translators/isoxml/inbound.js';
import { XmlRejection, type XmlRejectionKind } from '../../translators/isoxml/rejection.js';

const options: ReceiveOptions = { hubFspId: 'hub', certificatesOf: () => [], requireSignature: false };

function refused(xml: string, kind: XmlRejectionKind, opts: ReceiveOptions = options): XmlRejection {
  let caught: unknown;
  try {
    receiveBusinessMessage(xml, opts);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof XmlRejection, `expected ${kind}, got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  return caught;
}

test('a typical bank pacs.008 reads into the canonical instruction, without expiry or condition', () => {
  let asked: unknown;
  const got = receiveBusinessMessage(TYPICAL_PACS008, { ...options, certificatesOf: (s) => ((asked = s), []) });
  assert.equal(asked, 'bank-a');
  assert.equal(got.sender, 'bank-a');
  assert.equal(got.senderDescription, 'Othr/Id bank-a');
  assert.equal(got.document.kind, 'pacs.008');
  if (got.document.kind !== 'pacs.008') return;
  const m = got.document.message;
  assert.equal(m.CdtTrfTxInf.PmtId.TxId, '01JBVM16V1ZXP2DM3ZS6Z7Y8XX');
  assert.equal(m.CdtTrfTxInf.PmtId.UETR, '8a562c67-ca16-48ba-b074-65581be6f011');
  assert.deepEqual(m.CdtTrfTxInf.IntrBkSttlmAmt, { currency: 'EUR', units: 125_075_000n });
  assert.deepEqual(m.CdtTrfTxInf.DbtrAgt, { FinInstnId: { BICFI: 'BANKAAAAXXX', Othr: { Id: 'bank-a' } } });
  assert.deepEqual(m.CdtTrfTxInf.Cdtr, { Nm: 'Chikondi Banda', Id: { PrvtId: { Othr: { Id: '+265991234567', SchmeNm: { Prtry: 'MSISDN' } } } } });
  assert.deepEqual(m.CdtTrfTxInf.DbtrAcct, { Id: { IBAN: 'DE89370400440532013000' }, Ccy: 'EUR' });
  assert.equal(m.GrpHdr.PmtInstrXpryDtTm, undefined);
  assert.equal(m.CdtTrfTxInf.ExctnCond, undefined);
});

test('AppHdr/To must be the hub (by FSP id, or as the edge maps registered identifiers)', () => {
  const r = refused(TYPICAL_PACS008.replace('<To><FIId><FinInstnId><Othr><Id>hub</Id>', '<To><FIId><FinInstnId><Othr><Id>bank-b</Id>'), 'HEADER_MISMATCH');
  assert.equal(r.location?.path, '/Message/AppHdr/To');
  assert.match(r.description, /not Othr\/Id bank-b/);
  const byBic = TYPICAL_PACS008.replace('<To><FIId><FinInstnId><Othr><Id>hub</Id></Othr>', '<To><FIId><FinInstnId><BICFI>MIZAHUBXXXX</BICFI>');
  refused(byBic, 'HEADER_MISMATCH');
  const namesHub = (id: FinInstnId) => id.BICFI === 'MIZAHUBXXXX';
  assert.equal(receiveBusinessMessage(byBic, { ...options, namesHub }).header.To.FIId.FinInstnId.BICFI, 'MIZAHUBXXXX');
});

test('AppHdr/Fr by clearing-system member id: the participant the edge maps it to gets its certificates asked for', () => {
  const byRouting = TYPICAL_PACS008.replace(
    '<Fr><FIId><FinInstnId><BICFI>BANKAAAAXXX</BICFI><Othr><Id>bank-a</Id></Othr></FinInstnId></FIId></Fr>',
    '<Fr><FIId><FinInstnId><ClrSysMmbId><ClrSysId><Cd>USABA</Cd></ClrSysId><MmbId>011000015</MmbId></ClrSysMmbId></FinInstnId></FIId></Fr>',
  );
  const asked: string[] = [];
  const participantOf = (id: FinInstnId) => (id.ClrSysMmbId?.ClrSysId?.Cd === 'USABA' && id.ClrSysMmbId.MmbId === '011000015' ? 'bank-a' : undefined);
  const got = receiveBusinessMessage(byRouting, { ...options, participantOf, certificatesOf: (s) => (asked.push(s), []) });
  assert.equal(got.sender, 'bank-a');
  assert.deepEqual(asked, ['bank-a']);
  assert.deepEqual(got.header.Fr.FIId.FinInstnId, { ClrSysMmbId: { ClrSysId: { Cd: 'USABA' }, MmbId: '011000015' } });
  const unknown = receiveBusinessMessage(byRouting.replace('011000015', '021000021'), {
    ...options,
    participantOf,
    certificatesOf: (s) => (asked.push(s), []),
  });
  assert.equal(unknown.sender, undefined);
  assert.equal(unknown.senderDescription, 'ClrSysMmbId USABA/021000021');
  assert.deepEqual(asked, ['bank-a'], 'no certificate lookup for a sender that names no participant');
});

test("content rules beyond the schema: FI parties, a count that is the transactions', a TxId", () => {
  const orgFr = TYPICAL_PACS008.replace(
    '<Fr><FIId><FinInstnId><BICFI>BANKAAAAXXX</BICFI><Othr><Id>bank-a</Id></Othr></FinInstnId></FIId></Fr>',
    '<Fr><OrgId><Nm>Some corporate</Nm></OrgId></Fr>',
  );
  assert.equal(refused(orgFr, 'CONTENT').location?.path, '/Message/AppHdr/Fr');
  const tx = /<CdtTrfTxInf>[\s\S]*<\/CdtTrfTxInf>/.exec(TYPICAL_PACS008)![0];
  const two = TYPICAL_PACS008.replace(tx, tx + tx).replace('<NbOfTxs>1</NbOfTxs>', '<NbOfTxs>2</NbOfTxs>');
  assert.equal(receiveBusinessMessage(two, options).document.kind, 'pacs.008/bulk', 'many transactions: a bulk (bulk-pacs008.ts)');
  const r = refused(TYPICAL_PACS008.replace(tx, tx + tx), 'CONTENT');
  assert.equal(r.reasonCode, 'NARR');
  assert.match(r.description, /NbOfTxs "1" is not the number of CdtTrfTxInf \(2\)/);
  const noId = TYPICAL_PACS008.replace('<TxId>01JBVM16V1ZXP2DM3ZS6Z7Y8XX</TxId>', '')
    .replace('<UETR>8a562c67-ca16-48ba-b074-65581be6f011</UETR>', '')
    .replace('<EndToEndId>E2E-2026-000000123</EndToEndId>', '<EndToEndId>NOTPROVIDED</EndToEndId>');
  const r2 = refused(noId, 'CONTENT');
  assert.equal(r2.location?.path, '/Message/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/PmtId');
  assert.match(r2.description, /neither TxId, UETR nor EndToEndId/);
});

test('a pacs.008 without TxId is identified by its UETR, else its EndToEndId; the reference keeps what the bank sent', () => {
  const noTxId = TYPICAL_PACS008.replace('<TxId>01JBVM16V1ZXP2DM3ZS6Z7Y8XX</TxId>', '');
  const byUetr = receiveBusinessMessage(noTxId, options).document;
  assert.ok(byUetr.kind === 'pacs.008');
  assert.equal(byUetr.message.CdtTrfTxInf.PmtId.TxId, '8a562c67-ca16-48ba-b074-65581be6f011');
  assert.deepEqual(byUetr.reference, {
    OrgnlGrpInf: { OrgnlMsgId: '20260301BANKA000000123', OrgnlMsgNmId: 'pacs.008.001.08', OrgnlCreDtTm: '2026-03-01T10:00:00.123Z' },
    OrgnlEndToEndId: 'E2E-2026-000000123',
    OrgnlInstrId: 'INSTR-000000123',
    OrgnlUETR: '8a562c67-ca16-48ba-b074-65581be6f011',
  });
  const byE2e = receiveBusinessMessage(noTxId.replace('<UETR>8a562c67-ca16-48ba-b074-65581be6f011</UETR>', ''), options).document;
  assert.ok(byE2e.kind === 'pacs.008');
  assert.equal(byE2e.message.CdtTrfTxInf.PmtId.TxId, 'E2E-2026-000000123');
  assert.equal(byE2e.reference.OrgnlTxId, undefined);
  const withTxId = receiveBusinessMessage(TYPICAL_PACS008, options).document;
  assert.ok(withTxId.kind === 'pacs.008');
  assert.equal(withTxId.reference.OrgnlTxId, '01JBVM16V1ZXP2DM3ZS6Z7Y8XX');
});

test('remittance information, purpose and the instructing/instructed agents are read, not dropped', () => {
  const got = receiveBusinessMessage(TYPICAL_PACS008, options).document;
  assert.ok(got.kind === 'pacs.008');
  const tx = got.message.CdtTrfTxInf;
  assert.deepEqual(tx.RmtInf, { Ustrd: ['Invoice 2026-0042, delivery of 40 bags of maize'] });
  assert.deepEqual(tx.Purp, { Cd: 'GDDS' });
  const routed = TYPICAL_PACS008.replace(
    '<ChrgBr>SLEV</ChrgBr>',
    '<ChrgBr>SLEV</ChrgBr><InstgAgt><FinInstnId><ClrSysMmbId><ClrSysId><Cd>USABA</Cd></ClrSysId><MmbId>011000015</MmbId></ClrSysMmbId></FinInstnId></InstgAgt><InstdAgt><FinInstnId><ClrSysMmbId><MmbId>021000021</MmbId></ClrSysMmbId></FinInstnId></InstdAgt>',
  );
  const r = receiveBusinessMessage(routed, options).document;
  assert.ok(r.kind === 'pacs.008');
  assert.deepEqual(r.message.CdtTrfTxInf.InstgAgt, { FinInstnId: { ClrSysMmbId: { ClrSysId: { Cd: 'USABA' }, MmbId: '011000015' } } });
  assert.deepEqual(r.message.CdtTrfTxInf.InstdAgt, { FinInstnId: { ClrSysMmbId: { MmbId: '021000021' } } });
});

test('foreign supplementary data is ignored; a malformed Mizani block is refused', () => {
  const foreign = TYPICAL_PACS008.replace(
    '</RmtInf>',
    '</RmtInf><SplmtryData><Envlp><x:Any xmlns:x="urn:bank:x">{"PmtInstrXpryDtTm":"2026-01-01T00:00:00Z"}</x:Any></Envlp></SplmtryData>',
  );
  const got = receiveBusinessMessage(foreign, options);
  assert.ok(got.document.kind === 'pacs.008' && got.document.message.GrpHdr.PmtInstrXpryDtTm === undefined);
  const bad = TYPICAL_PACS008.replace(
    '</RmtInf>',
    '</RmtInf><SplmtryData><Envlp><Splmtry xmlns="urn:mizani:xsd:supplementary">{"__proto__":{"x":1}}</Splmtry></Envlp></SplmtryData>',
  );
  refused(bad, 'CONTENT');
  const wrongShape = TYPICAL_PACS008.replace(
    '</RmtInf>',
    '</RmtInf><SplmtryData><Envlp><Splmtry xmlns="urn:mizani:xsd:supplementary">{"PmtInstrXpryDtTm":42}</Splmtry></Envlp></SplmtryData>',
  );
  assert.match(refused(wrongShape, 'CONTENT').description, /PmtInstrXpryDtTm must be a string/);
});

test('a FedNow-style bank file (routing numbers, no TxId), put in the Mizani envelope, reads into the canonical instruction', () => {
  const text = readFileSync(fileURLToPath(new URL('../../../test/fixtures/iso20022/fednow-style-pacs.008.001.08-no-txid.xml', import.meta.url)), 'utf8');
  const appHdr = /<AppHdr[\s\S]*<\/AppHdr>/.exec(text)![0];
  const message = /<FIToFICstmrCdtTrf[\s\S]*<\/FIToFICstmrCdtTrf>/.exec(text)![0].replace(/ xmlns="[^"]+"/, '');
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Message xmlns="urn:mizani:xsd:envelope">${appHdr}<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">${message}</Document></Message>`;
  const routing = (id: FinInstnId) => id.ClrSysMmbId?.MmbId;
  const got = receiveBusinessMessage(xml, {
    ...options,
    namesHub: (id) => routing(id) === '111111118',
    participantOf: (id) => (routing(id) === '011000015' ? 'first-bank' : undefined),
  });
  assert.equal(got.sender, 'first-bank');
  assert.ok(got.document.kind === 'pacs.008');
  const tx = got.document.message.CdtTrfTxInf;
  assert.deepEqual(tx.PmtId, {
    TxId: '5c1f0e8a-7d2b-4e69-9a43-0b7c2f6d8e15',
    InstrId: 'AWT-0042',
    EndToEndId: 'INV-2026-0042',
    UETR: '5c1f0e8a-7d2b-4e69-9a43-0b7c2f6d8e15',
  });
  const usaba = (MmbId: string) => ({ FinInstnId: { ClrSysMmbId: { ClrSysId: { Cd: 'USABA' }, MmbId } } });
  assert.deepEqual([tx.DbtrAgt, tx.CdtrAgt, tx.InstgAgt, tx.InstdAgt], [usaba('011000015'), usaba('021000021'), usaba('011000015'), usaba('021000021')]);
  assert.deepEqual(tx.RmtInf, { Ustrd: ['Invoice 2026-0042, delivery of 40 bags of maize'] });
  assert.deepEqual(tx.Purp, { Cd: 'GDDS' });
  assert.deepEqual(tx.IntrBkSttlmAmt, { currency: 'USD', units: 136_710_000n });
  assert.equal(got.document.reference.OrgnlTxId, undefined);
  assert.equal(got.document.reference.OrgnlEndToEndId, 'INV-2026-0042');
  assert.deepEqual(got.document.reference.OrgnlGrpInf, {
    OrgnlMsgId: '20260301011000015FT00431',
    OrgnlMsgNmId: 'pacs.008.001.08',
    OrgnlCreDtTm: '2026-03-01T10:14:02-05:00',
  });
});
