/**
 * The inbound pipeline (receiveBusinessMessage): routing checks on the BAH, the sender handed to the
 * certificate lookup, and the content rules the schema cannot express (one transaction per message,
 * a TxId, financial-institution parties), each refused with a located reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
  assert.deepEqual(asked, { fspId: 'bank-a', bicfi: 'BANKAAAAXXX' });
  assert.deepEqual(got.sender, { fspId: 'bank-a', bicfi: 'BANKAAAAXXX' });
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

test('AppHdr/To must be the hub (by FSP id, or by the hub BIC when configured)', () => {
  const r = refused(TYPICAL_PACS008.replace('<To><FIId><FinInstnId><Othr><Id>hub</Id>', '<To><FIId><FinInstnId><Othr><Id>bank-b</Id>'), 'HEADER_MISMATCH');
  assert.equal(r.location?.path, '/Message/AppHdr/To');
  const byBic = TYPICAL_PACS008.replace('<To><FIId><FinInstnId><Othr><Id>hub</Id></Othr>', '<To><FIId><FinInstnId><BICFI>MIZAHUBXXXX</BICFI>');
  refused(byBic, 'HEADER_MISMATCH');
  assert.equal(receiveBusinessMessage(byBic, { ...options, hubBicfi: 'MIZAHUBXXXX' }).header.To.FIId.FinInstnId.BICFI, 'MIZAHUBXXXX');
});

test('content rules beyond the schema: FI parties, one transaction, a TxId', () => {
  const orgFr = TYPICAL_PACS008.replace(
    '<Fr><FIId><FinInstnId><BICFI>BANKAAAAXXX</BICFI><Othr><Id>bank-a</Id></Othr></FinInstnId></FIId></Fr>',
    '<Fr><OrgId><Nm>Some corporate</Nm></OrgId></Fr>',
  );
  assert.equal(refused(orgFr, 'CONTENT').location?.path, '/Message/AppHdr/Fr');
  const tx = /<CdtTrfTxInf>[\s\S]*<\/CdtTrfTxInf>/.exec(TYPICAL_PACS008)![0];
  const two = TYPICAL_PACS008.replace(tx, tx + tx).replace('<NbOfTxs>1</NbOfTxs>', '<NbOfTxs>2</NbOfTxs>');
  const r = refused(two, 'CONTENT');
  assert.equal(r.reasonCode, 'NARR');
  assert.match(r.description, /one transaction per message/);
  const noTxId = TYPICAL_PACS008.replace('<TxId>01JBVM16V1ZXP2DM3ZS6Z7Y8XX</TxId>', '');
  assert.equal(refused(noTxId, 'CONTENT').location?.path, '/Message/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/PmtId');
});

test('foreign supplementary data is ignored; a malformed Mizani block is refused', () => {
  const foreign = TYPICAL_PACS008.replace('</RmtInf>', '</RmtInf><SplmtryData><Envlp><x:Any xmlns:x="urn:bank:x">{"PmtInstrXpryDtTm":"2026-01-01T00:00:00Z"}</x:Any></Envlp></SplmtryData>');
  const got = receiveBusinessMessage(foreign, options);
  assert.ok(got.document.kind === 'pacs.008' && got.document.message.GrpHdr.PmtInstrXpryDtTm === undefined);
  const bad = TYPICAL_PACS008.replace('</RmtInf>', '</RmtInf><SplmtryData><Envlp><Splmtry xmlns="urn:mizani:xsd:supplementary">{"__proto__":{"x":1}}</Splmtry></Envlp></SplmtryData>');
  refused(bad, 'CONTENT');
  const wrongShape = TYPICAL_PACS008.replace('</RmtInf>', '</RmtInf><SplmtryData><Envlp><Splmtry xmlns="urn:mizani:xsd:supplementary">{"PmtInstrXpryDtTm":42}</Splmtry></Envlp></SplmtryData>');
  assert.match(refused(wrongShape, 'CONTENT').description, /PmtInstrXpryDtTm must be a string/);
});
