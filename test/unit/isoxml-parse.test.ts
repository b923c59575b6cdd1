/**
 * ISO 20022 XML edge: secure parsing. Hostile and malformed input is refused BEFORE or by the parser
 * with a precise, typed reason (XmlRejection: ISO reason code, kind, location).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBusinessMessage, screenXml } from '../../translators/isoxml/parse.js';
import { XmlRejection, type XmlRejectionKind } from '../../translators/isoxml/rejection.js';
import { renderBusinessMessage } from '../../translators/isoxml/render.js';
import { bahParty } from '../../translators/isoxml/head001.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import { isoUnits } from '../../schemas/amount.js';

const pacs008: Pacs008 = {
  GrpHdr: { MsgId: 'MSG-1', CreDtTm: '2026-03-01T10:00:00.000Z', NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' }, PmtInstrXpryDtTm: '2026-03-01T10:01:00.000Z' },
  CdtTrfTxInf: {
    PmtId: { TxId: '01JBVM16V1ZXP2DM3ZS6Z7Y8XX', EndToEndId: 'E2E-1' },
    IntrBkSttlmAmt: { currency: 'EUR', units: isoUnits(1_250_000n) },
    ChrgBr: 'SHAR',
    Dbtr: { Nm: 'Alice' },
    DbtrAgt: { FinInstnId: { Othr: { Id: 'bank-a' } } },
    CdtrAgt: { FinInstnId: { Othr: { Id: 'bank-b' } } },
    Cdtr: { Nm: 'Bob' },
    ExctnCond: Buffer.alloc(32, 7).toString('base64url'),
  },
};

function message(profile: 'iso-2019' | 'iso-2026' = 'iso-2019'): string {
  return renderBusinessMessage(
    { kind: 'pacs.008', message: pacs008 },
    { profile, hubFspId: 'hub', header: { Fr: bahParty('bank-a'), To: bahParty('hub'), BizMsgIdr: 'BIZ-1', CreDt: '2026-03-01T10:00:00.000Z' } },
  );
}

function refused(input: string | Buffer, kind: XmlRejectionKind, options?: Parameters<typeof parseBusinessMessage>[1]): XmlRejection {
  let caught: unknown;
  try {
    parseBusinessMessage(input, options);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof XmlRejection, `expected an XmlRejection (${kind}), got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.kind, kind, `kind: ${caught.message}`);
  return caught;
}

test('a well-formed, valid, unsigned business message parses and identifies itself', () => {
  for (const profile of ['iso-2019', 'iso-2026'] as const) {
    const parsed = parseBusinessMessage(message(profile));
    assert.equal(parsed.definition.version, profile === 'iso-2019' ? 'pacs.008.001.08' : 'pacs.008.001.14');
    assert.equal(parsed.head.version, profile === 'iso-2019' ? 'head.001.001.02' : 'head.001.001.04');
    assert.equal(parsed.header.BizMsgIdr, 'BIZ-1');
    assert.equal(parsed.header.MsgDefIdr, parsed.definition.version);
    assert.equal(parsed.signature, undefined);
    // Bytes, a UTF-8 byte order mark and prefixes are all fine.
    assert.equal(parseBusinessMessage(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(message(profile))])).header.BizMsgIdr, 'BIZ-1');
  }
  const prefixed = message()
    .replace('<Message xmlns="urn:mizani:xsd:envelope">', '<env:Message xmlns:env="urn:mizani:xsd:envelope">')
    .replace('</Message>', '</env:Message>');
  assert.equal(parseBusinessMessage(prefixed).definition.version, 'pacs.008.001.08');
});

test('DOCTYPE, external entities (XXE) and entity declarations are refused before parsing', () => {
  const body = message().replace(/^<\?xml[^>]*>\n/, '');
  const xxe = `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE Message [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n${body.replace('BIZ-1', '&xxe;')}`;
  const r = refused(xxe, 'DTD');
  assert.equal(r.reasonCode, 'FF01');
  assert.deepEqual({ line: r.location?.line, column: r.location?.column }, { line: 2, column: 1 });
  refused(`<!DOCTYPE Message SYSTEM "http://attacker.example/evil.dtd">${body}`, 'DTD');
  refused(`<?xml version="1.0"?><!ENTITY x "y">${body}`, 'DTD');
  // A parameter entity or an ELEMENT declaration is just as refused.
  refused(`<!ELEMENT Message ANY>${body}`, 'DTD');
});

test('billion laughs is refused without expanding anything', () => {
  const lol = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE lolz [',
    ' <!ENTITY lol "lol">',
    ...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
    ']>',
    '<Message xmlns="urn:mizani:xsd:envelope">&lol9;</Message>',
  ].join('\n');
  const started = process.hrtime.bigint();
  refused(lol, 'DTD');
  assert.ok(process.hrtime.bigint() - started < 50_000_000n, 'refused at once');
  // Undeclared entity references never resolve either (there is no DTD to declare them).
  refused(message().replace('BIZ-1', '&lol9;'), 'NOT_WELL_FORMED');
});

test('processing instructions other than the XML declaration are refused', () => {
  const body = message().replace(/^<\?xml[^>]*>\n/, '');
  refused(`<?xml version="1.0"?><?xml-stylesheet href="x.xsl"?>${body}`, 'PROCESSING_INSTRUCTION');
  refused(message().replace('<BizMsgIdr>', '<?php echo 1 ?><BizMsgIdr>'), 'PROCESSING_INSTRUCTION');
  refused(`\n<?xml version="1.0"?>${body}`, 'PROCESSING_INSTRUCTION');
});

test('size and depth limits are checked on the raw text, before parsing', () => {
  const big = message().replace('<Nm>Alice</Nm>', `<Nm>Alice</Nm><!--${'x'.repeat(300 * 1024)}-->`);
  const r = refused(big, 'TOO_LARGE');
  assert.match(r.description, /262144/);
  refused(message(), 'TOO_LARGE', { limits: { maxBytes: 1000 } });
  const deep = message().replace('<Nm>Alice</Nm>', `${'<Nm>'.repeat(40)}x${'</Nm>'.repeat(40)}`);
  const d = refused(deep, 'TOO_DEEP');
  assert.equal(d.location?.line, 2);
  refused(message(), 'TOO_DEEP', { limits: { maxDepth: 6 } });
  refused(message(), 'TOO_MANY_ELEMENTS', { limits: { maxElements: 20 } });
  // A huge flat document is refused by size, never parsed.
  const screened = screenXml(message());
  assert.ok(screened.depth >= 7 && screened.elements > 30);
});

test('UTF-8 only: other encodings and invalid byte sequences are refused', () => {
  refused(message().replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'), 'ENCODING');
  refused(Buffer.from(`\ufeff${message()}`, 'utf16le'), 'ENCODING');
  const bad = Buffer.from(message());
  const at = bad.indexOf('Alice');
  bad[at] = 0xc3;
  bad[at + 1] = 0x28;
  refused(bad, 'ENCODING');
  refused(message().replace('Alice', 'Al\ud800ice'), 'ENCODING');
});

test('not well-formed XML is refused with line and column', () => {
  const r = refused(message().replace('</Nm>', '</Name>'), 'NOT_WELL_FORMED');
  assert.equal(r.location?.line, 2);
  assert.ok((r.location?.column ?? 0) > 0);
  refused('', 'NOT_WELL_FORMED');
  refused('<Message xmlns="urn:mizani:xsd:envelope"><AppHdr', 'NOT_WELL_FORMED');
});

test('the envelope: root, namespace, exactly AppHdr then Document', () => {
  const m = message();
  refused(m.replace('urn:mizani:xsd:envelope', 'urn:swift:xsd:envelope'), 'ENVELOPE');
  const docOnly = m.replace(/<AppHdr[\s\S]*<\/AppHdr>/, '');
  assert.match(refused(docOnly, 'ENVELOPE').description, /exactly AppHdr then Document, found Document/);
  const swapped = m.replace(/(<AppHdr[\s\S]*<\/AppHdr>)(<Document[\s\S]*<\/Document>)/, '$2$1');
  refused(swapped, 'ENVELOPE');
  refused(m.replace('</AppHdr>', '</AppHdr>stray text'), 'ENVELOPE');
  refused(m.replace('<Message xmlns="urn:mizani:xsd:envelope">', '<Message xmlns="urn:mizani:xsd:envelope" id="1">'), 'ENVELOPE');
  // A bare Document (no header) is not a business message.
  refused(`<?xml version="1.0"?>${/<Document[\s\S]*<\/Document>/.exec(m)![0]}`, 'ENVELOPE');
});

test('a second AppHdr or Document anywhere is refused (signature wrapping needs one)', () => {
  const m = message();
  const doc = /<Document[\s\S]*<\/Document>/.exec(m)![0];
  refused(m.replace('</Message>', `${doc}</Message>`), 'ENVELOPE');
  const hidden = m.replace('</CdtTrfTxInf>', `<SplmtryData><Envlp>${doc}</Envlp></SplmtryData></CdtTrfTxInf>`);
  assert.match(refused(hidden, 'ENVELOPE').description, /second Document/);
  const hdr = /<AppHdr[\s\S]*<\/AppHdr>/.exec(m)![0];
  refused(m.replace('</Message>', `${hdr}</Message>`), 'ENVELOPE');
});

test('wrong namespaces and unsupported versions are refused by name', () => {
  const m = message();
  const v09 = m.replace('tech:xsd:pacs.008.001.08', 'tech:xsd:pacs.008.001.09').replace('<MsgDefIdr>pacs.008.001.08', '<MsgDefIdr>pacs.008.001.09');
  const r = refused(v09, 'UNSUPPORTED_MESSAGE');
  assert.match(r.description, /pacs\.008\.001\.09 is not supported/);
  assert.equal(r.location?.path, '/Message/Document');
  refused(m.replace('tech:xsd:pacs.008.001.08', 'urn:example:pacs'), 'UNSUPPORTED_MESSAGE');
  refused(m.replace('tech:xsd:head.001.001.02', 'tech:xsd:head.001.001.01'), 'UNSUPPORTED_MESSAGE');
});

test('AppHdr/MsgDefIdr must name the message in the Document', () => {
  const r = refused(message().replace('<MsgDefIdr>pacs.008.001.08', '<MsgDefIdr>pacs.002.001.10'), 'HEADER_MISMATCH');
  assert.equal(r.location?.path, '/Message/AppHdr/MsgDefIdr');
  assert.equal(r.location?.line, 2);
  assert.match(r.description, /pacs\.002\.001\.10.*pacs\.008\.001\.08/);
});

test('schema violations are refused with line and element path', () => {
  const r = refused(message().replace('<ChrgBr>SHAR</ChrgBr>', '<ChrgBr>XXXX</ChrgBr>'), 'SCHEMA');
  assert.equal(r.reasonCode, 'FF01');
  assert.equal(r.location?.line, 2);
  assert.equal(r.location?.path, '/Message/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/ChrgBr');
  assert.match(r.description, /pacs\.008\.001\.08: Element 'ChrgBr'.*XXXX/);
  const missing = refused(message().replace(/<BizMsgIdr>[^<]*<\/BizMsgIdr>/, ''), 'SCHEMA');
  assert.match(missing.description, /head\.001\.001\.02/);
  assert.equal(missing.location?.path, '/Message/AppHdr/MsgDefIdr');
  const amount = refused(message().replace('>12.5<', '>12.123456<'), 'SCHEMA');
  assert.equal(amount.location?.path, '/Message/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmAmt');
  // Order matters: the XSD sequences are enforced.
  refused(message().replace(/(<DbtrAgt>[\s\S]*?<\/DbtrAgt>)(<CdtrAgt>[\s\S]*?<\/CdtrAgt>)/, '$2$1'), 'SCHEMA');
});

test('comments and whitespace between the parts are accepted; CDATA text reads as text', () => {
  const m = message().replace('</AppHdr>', '</AppHdr>\n  <!-- the document -->\n  ').replace('<Nm>Alice</Nm>', '<Nm><![CDATA[Alice & co]]></Nm>');
  const parsed = parseBusinessMessage(m);
  assert.equal(parsed.document.at('FIToFICstmrCdtTrf', 'CdtTrfTxInf', 'Dbtr', 'Nm')?.text(), 'Alice & co');
});
