// The conformance suite's XML reader (conformance/lib/isoxml.ts: fast-xml-parser, namespaces resolved by XmlView) and
// its signing/verification round trip (xml-crypto c14n on an @xmldom/xmldom DOM). No hub needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appHdrXml,
  describeFinInstnId,
  envelopeXml,
  pacs008Xml,
  parseEnvelope,
  parseXml,
  signEnvelope,
  verifyEnvelope,
  ENVELOPE_NS,
  ISO_NS,
  SUPPLEMENT_NS,
} from '../../conformance/lib/isoxml.js';
import { selfSignedRsaCertificate } from '../../conformance/lib/x509.js';

const PACS008 = pacs008Xml({
  txId: 'tx-1',
  uetr: '0a6b6c5e-5b1e-4b8f-9c38-2f8f1d4c9a01',
  amount: '100.5',
  currency: 'USD',
  debtorAgent: { memberId: '021000021', clearingSystemId: 'USABA' },
  creditorAgent: 'walletfsp',
  creditor: { type: 'MSISDN', id: '27713803912', name: 'Ada & "Bob" <Lovelace>\r' },
  remittance: ['line one', 'line two'],
  expiry: '2030-01-01T00:00:00Z',
});

function message(document = PACS008): string {
  return envelopeXml(appHdrXml({ from: { bicfi: 'BANKUS33' }, to: 'Hub', bizMsgIdr: 'B1', msgDefIdr: 'pacs.008.001.08' }), document);
}

test('XmlView reads an envelope by local names, with namespaces resolved and text decoded', () => {
  const env = parseEnvelope(message());
  assert.equal(env.root.namespace, ENVELOPE_NS);
  assert.equal(env.kind, 'pacs.008');
  assert.equal(env.version, 'pacs.008.001.08');
  assert.equal(env.headVersion, 'head.001.001.02');
  assert.equal(env.appHdr.text('BizMsgIdr'), 'B1');
  assert.equal(describeFinInstnId(env.appHdr.at('Fr/FIId/FinInstnId')), 'BICFI BANKUS33');
  const tx = env.message.at('CdtTrfTxInf')!;
  assert.equal(tx.attr('Ccy', 'IntrBkSttlmAmt'), 'USD');
  assert.equal(tx.text('IntrBkSttlmAmt'), '100.5');
  assert.equal(describeFinInstnId(tx.at('DbtrAgt/FinInstnId')), 'ClrSysMmbId USABA/021000021');
  assert.equal(tx.at('Cdtr/Nm')!.toString().includes('&amp;'), true, 'toString escapes again');
  assert.equal(tx.text('Cdtr/Nm'), 'Ada & "Bob" <Lovelace>', 'entities and &#xD; decoded (then trimmed)');
  assert.deepEqual(
    tx.all('RmtInf/Ustrd').map((u) => u.text()),
    ['line one', 'line two'],
  );
  assert.deepEqual(tx.supplement(), { PmtInstrXpryDtTm: '2030-01-01T00:00:00Z' });
  assert.equal(tx.at('Nothing/Here'), undefined);
  assert.equal(tx.text('Nothing'), undefined);
});

test('XmlView resolves prefixes and default namespaces like a namespace-aware parser', () => {
  const root = parseXml(
    `<e:Message xmlns:e="${ENVELOPE_NS}"><h:AppHdr xmlns:h="${ISO_NS}head.001.001.04"><h:BizMsgIdr>x</h:BizMsgIdr></h:AppHdr>` +
      `<Document xmlns="${ISO_NS}pacs.002.001.10"><A><s:Splmtry xmlns:s="${SUPPLEMENT_NS}">{"a":1}</s:Splmtry><B xmlns="urn:other">t<![CDATA[<&>]]>u</B></A></Document></e:Message>`,
  );
  assert.equal(root.name, 'Message');
  assert.equal(root.namespace, ENVELOPE_NS);
  const [hdr, doc] = root.children();
  assert.equal(hdr!.namespace, `${ISO_NS}head.001.001.04`);
  assert.equal(hdr!.text('BizMsgIdr'), 'x');
  assert.equal(doc!.at('A')!.namespace, `${ISO_NS}pacs.002.001.10`);
  assert.equal(doc!.at('A/Splmtry')!.namespace, SUPPLEMENT_NS);
  assert.equal(doc!.at('A/B')!.namespace, 'urn:other');
  assert.equal(doc!.text('A/B'), 't<&>u');
  assert.equal(parseEnvelope(`<e:Message xmlns:e="${ENVELOPE_NS}">${hdr!.toString()}${doc!.toString()}</e:Message>`).kind, 'pacs.002');
});

test('the reader refuses what is not a well-formed, DTD-free, single-rooted, namespace-well-formed document', () => {
  for (const [text, reason] of [
    ['<a><b></a>', /not well-formed/],
    ['<a>&nbsp;</a>', /undefined entity/],
    ['<a>R&D</a>', /not well-formed/],
    ['<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', /DOCTYPE/],
    ['<a></a><b/>', /2 document elements/],
    ['<p:a/>', /prefix p/],
    ['', /not well-formed/],
  ] as const) {
    assert.throws(() => parseXml(text), reason, text);
  }
  assert.equal(parseXml('<a><![CDATA[R&D]]><!-- & --></a>').text(), 'R&D');
  assert.throws(() => parseEnvelope(`<Message xmlns="urn:x"><AppHdr/><Document/></Message>`), /not \{urn:mizani:xsd:envelope\}Message/);
  assert.throws(() => parseEnvelope(`<Message xmlns="${ENVELOPE_NS}"><Document/></Message>`), /AppHdr then Document/);
});

test('a message signed by the suite verifies, and a change to the Document does not', async () => {
  const { privateKey, cert } = await selfSignedRsaCertificate({ commonName: 'bank' });
  const signed = signEnvelope(message(), { privateKey, cert });
  const env = parseEnvelope(signed);
  assert.ok(env.appHdr.at('Sgntr/Signature'), 'AppHdr/Sgntr/ds:Signature');
  assert.deepEqual(verifyEnvelope(signed, cert), { ok: true, detail: 'RSA-SHA256 over KeyInfo, AppHdr, Document' });
  const tampered = signed.replace('>100.5<', '>100.6<');
  assert.equal(verifyEnvelope(tampered, cert).ok, false);
  assert.match(verifyEnvelope(tampered, cert).detail, /Document digest/);
});
