/**
 * ISO 20022 XML edge: XML signatures in AppHdr/Sgntr. The hub's own signatures verify (and match an
 * independent canonicalizer, libxml2's); tampering, wrong certificates, wrapping and weak or foreign
 * algorithms are refused with typed reasons.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createHash, createHmac, createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { XmlC14NMode, XmlDocument, XmlElement } from 'libxml2-wasm';
import { createCa, issueCertificate, type IssuedCertificate } from '../../switch/security/pki.js';
import { bahParty } from '../../translators/isoxml/head001.js';
import { parseBusinessMessage } from '../../translators/isoxml/parse.js';
import { XmlRejection, type XmlRejectionKind } from '../../translators/isoxml/rejection.js';
import { renderBusinessMessage } from '../../translators/isoxml/render.js';
import {
  ENVELOPED_SIGNATURE,
  EXC_C14N,
  RSA_SHA256,
  SHA256,
  XmlCertificateError,
  excC14n,
  parseXmlSigningCertificate,
  signBusinessMessage,
  verifyBusinessMessage,
  type XmlSigningCertificate,
} from '../../translators/isoxml/signature.js';
import { domOf } from '../../translators/isoxml/xml.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';

const DS = 'http://www.w3.org/2000/09/xmldsig#';

interface Party {
  issued: IssuedCertificate;
  cert: XmlSigningCertificate;
  key: KeyObject;
}

let bank: Party;
let otherBank: Party;
let expired: Party;
let ecPem: string;

async function party(ca: IssuedCertificate, name: string, options: { now?: Date; days?: number } = {}): Promise<Party> {
  const issued = await issueCertificate(ca, { name, kind: 'participant', keyType: 'rsa2048', ...options });
  return { issued, cert: parseXmlSigningCertificate(issued.certPem), key: createPrivateKey(issued.keyPem) };
}

before(async () => {
  const ca = await createCa({ keyType: 'rsa2048' });
  bank = await party(ca, 'bank-a');
  otherBank = await party(ca, 'bank-b');
  expired = await party(ca, 'bank-old', { now: new Date(Date.now() - 400 * 86_400_000), days: 30 });
  ecPem = (await issueCertificate(ca, { name: 'bank-ec', kind: 'participant', keyType: 'ec' })).certPem;
});

const status: Pacs002 = {
  GrpHdr: { MsgId: 'STS-1', CreDtTm: '2026-03-01T10:00:02.000Z' },
  TxInfAndSts: { OrgnlTxId: '01JBVM16V1ZXP2DM3ZS6Z7Y8XX', TxSts: 'RESV', PrcgDt: { DtTm: '2026-03-01T10:00:02.000Z' } },
};

function unsigned(profile: 'iso-2019' | 'iso-2026' = 'iso-2019', bizMsgIdr = 'BIZ-7'): string {
  return renderBusinessMessage(
    { kind: 'pacs.002', message: status },
    { profile, hubFspId: 'hub', header: { Fr: bahParty('bank-a'), To: bahParty('hub'), BizMsgIdr: bizMsgIdr, CreDt: '2026-03-01T10:00:02.000Z' } },
  );
}

function signed(profile: 'iso-2019' | 'iso-2026' = 'iso-2019', signer: Party = bank, keyInfo: 'certificate' | 'ski' = 'certificate'): string {
  return signBusinessMessage(unsigned(profile), { privateKey: signer.key, certificate: signer.cert, keyInfo });
}

function verify(xml: string, certs: readonly XmlSigningCertificate[], options?: Parameters<typeof verifyBusinessMessage>[2]) {
  return verifyBusinessMessage(parseBusinessMessage(xml), certs, options);
}

function refused(fn: () => unknown, kind: XmlRejectionKind): XmlRejection {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof XmlRejection, `expected XmlRejection ${kind}, got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  return caught;
}

// ------------------------------------------------------------------ a signer for foreign/attack forms

interface Craft {
  digestUri?: string;
  hash?: 'sha256' | 'sha1';
  signatureUri?: string;
  sign?: (data: Buffer) => Buffer;
  c14nUri?: string;
  appHdrTransforms?: string[];
  documentTransforms?: string[];
  /** Extra Reference elements (already digested or not: they are refused before digests). */
  extraReferences?: string;
  /** KeyInfo content; null = no KeyInfo and no KeyInfo reference. */
  keyInfo?: string | null;
  /** Pretty-print the signature (newlines and indentation between its elements). */
  pretty?: boolean;
  /** Extra children of ds:Signature after KeyInfo (e.g. an Object). */
  trailer?: string;
  documentUri?: string | null;
}

/** Signs like a bank's own XMLDSig library would, with the given choices, using the bank's key. */
function craft(xml: string, key: KeyObject, cert: XmlSigningCertificate, c: Craft = {}): string {
  const nl = c.pretty ? '\n        ' : '';
  const hash = c.hash ?? 'sha256';
  const digestUri = c.digestUri ?? SHA256;
  const dom = domOf(xml);
  const appHdr =
    dom.getElementsByTagNameNS('urn:iso:std:iso:20022:tech:xsd:head.001.001.02', 'AppHdr')[0] ?? dom.documentElement!.getElementsByTagName('*')[0]!;
  const ns = appHdr.namespaceURI!;
  const prefix = appHdr.prefix ? `${appHdr.prefix}:` : '';
  appHdr.appendChild(dom.createElementNS(ns, `${prefix}Sgntr`));
  const document = dom.getElementsByTagNameNS(dom.documentElement!.lastChild!.namespaceURI ?? '', 'Document')[0]!;
  const digest = (text: string) => createHash(hash).update(text).digest('base64');
  const ref = (uri: string | null, transforms: string[], value: string) =>
    `<ds:Reference${uri === null ? '' : ` URI="${uri}"`}>${nl}<ds:Transforms>${transforms.map((t) => `<ds:Transform Algorithm="${t}"/>`).join('')}</ds:Transforms>${nl}<ds:DigestMethod Algorithm="${digestUri}"/>${nl}<ds:DigestValue>${value}</ds:DigestValue>${nl}</ds:Reference>`;
  const keyInfoContent =
    c.keyInfo === undefined ? `<ds:X509Data><ds:X509Certificate>${cert.der.toString('base64')}</ds:X509Certificate></ds:X509Data>` : c.keyInfo;
  const keyInfo = keyInfoContent === null ? '' : `<ds:KeyInfo Id="KI-1">${keyInfoContent}</ds:KeyInfo>`;
  const open = `<ds:Signature xmlns:ds="${DS}">`;
  const keyInfoRef =
    keyInfoContent === null ? '' : ref('#KI-1', [EXC_C14N], digest(excC14n(domOf(`${open}${keyInfo}</ds:Signature>`).documentElement!.firstChild as never)));
  const signedInfo =
    `<ds:SignedInfo>${nl}<ds:CanonicalizationMethod Algorithm="${c.c14nUri ?? EXC_C14N}"/>${nl}<ds:SignatureMethod Algorithm="${c.signatureUri ?? RSA_SHA256}"/>${nl}` +
    keyInfoRef +
    ref('', c.appHdrTransforms ?? [ENVELOPED_SIGNATURE, EXC_C14N], digest(excC14n(appHdr))) +
    ref(c.documentUri === undefined ? null : c.documentUri, c.documentTransforms ?? [EXC_C14N], digest(excC14n(document))) +
    (c.extraReferences ?? '') +
    `</ds:SignedInfo>`;
  const canonical = Buffer.from(excC14n(domOf(`${open}${signedInfo}</ds:Signature>`).documentElement!.firstChild as never));
  const value = (c.sign ?? ((d: Buffer) => cryptoSign('sha256', d, key)))(canonical).toString('base64');
  const signature = `${open}${nl}${signedInfo}${nl}<ds:SignatureValue>${value}</ds:SignatureValue>${nl}${keyInfo}${c.trailer ?? ''}</ds:Signature>`;
  const text = dom.toString();
  return text.replace(new RegExp(`<${prefix}Sgntr/>`), `<${prefix}Sgntr>${signature}</${prefix}Sgntr>`);
}

// ------------------------------------------------------------------------------------------- tests

test('the hub signs a business message and it verifies against the registered certificate', () => {
  for (const profile of ['iso-2019', 'iso-2026'] as const) {
    const xml = signed(profile);
    const parsed = parseBusinessMessage(xml);
    assert.ok(parsed.signature, 'AppHdr/Sgntr/ds:Signature present');
    const v = verifyBusinessMessage(parsed, [bank.cert]);
    assert.deepEqual(v.signed && [v.keyInfo, v.certificate.fingerprint], ['certificate', bank.cert.fingerprint]);
    // Profile shape: three references, in the BAH convention.
    const refs = [...xml.matchAll(/<ds:Reference( URI="([^"]*)")?>/g)].map((m) => (m[1] === undefined ? '(none)' : m[2]));
    assert.deepEqual(refs, ['#KeyInfo-' + /KeyInfo-([0-9a-f]+)/.exec(xml)![1], '', '(none)']);
  }
  const ski = signed('iso-2019', bank, 'ski');
  const v = verify(ski, [otherBank.cert, bank.cert]);
  assert.equal(v.signed && v.keyInfo, 'ski');
});

test('the digests match an independent canonicalizer (libxml2 exclusive c14n)', () => {
  const xml = signed('iso-2026');
  const doc = XmlDocument.fromString(xml);
  try {
    const [appHdr, document] = [...doc.root.find('./*')] as XmlElement[];
    const digestOf = (el: XmlElement) =>
      createHash('sha256')
        .update(el.canonicalizeToString({ mode: XmlC14NMode.XML_C14N_EXCLUSIVE_1_0 }))
        .digest('base64');
    const documentDigest = digestOf(document!);
    // The enveloped-signature transform: the AppHdr without its ds:Signature (Sgntr stays, empty).
    const sig = appHdr!.get('.//ds:Signature', { ds: DS })!;
    sig.remove();
    const appHdrDigest = digestOf(appHdr!);
    const values = [...xml.matchAll(/<ds:DigestValue>([^<]+)<\/ds:DigestValue>/g)].map((m) => m[1]);
    assert.equal(values[1], appHdrDigest, 'AppHdr digest');
    assert.equal(values[2], documentDigest, 'Document digest');
  } finally {
    doc.dispose();
  }
});

test('a bank signature in the same profile, pretty-printed, prefixed, with X509SKI or no KeyInfo, verifies', () => {
  const base = unsigned('iso-2019')
    .replace('<AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02">', '<h:AppHdr xmlns:h="urn:iso:std:iso:20022:tech:xsd:head.001.001.02">')
    .replace('</AppHdr>', '</h:AppHdr>')
    .replace(/<(\/?)(Fr|To|FIId|FinInstnId|Othr|Id|BizMsgIdr|MsgDefIdr|CreDt)>/g, '<$1h:$2>');
  assert.equal(parseBusinessMessage(base).header.BizMsgIdr, 'BIZ-7');
  const pretty = craft(base, bank.key, bank.cert, { pretty: true });
  assert.equal(verify(pretty, [bank.cert]).signed, true);
  const ski = craft(unsigned(), bank.key, bank.cert, { keyInfo: `<ds:X509Data><ds:X509SKI>${bank.cert.subjectKeyIdentifier}</ds:X509SKI></ds:X509Data>` });
  assert.equal(verify(ski, [bank.cert]).signed, true);
  const none = craft(unsigned(), bank.key, bank.cert, { keyInfo: null });
  const v = verify(none, [otherBank.cert, bank.cert]);
  assert.equal(v.signed && v.keyInfo, 'absent');
  assert.equal(v.signed && v.certificate.fingerprint, bank.cert.fingerprint);
});

test('one changed character in the Document or in the AppHdr is detected', () => {
  const xml = signed();
  const doc = refused(() => verify(xml.replace('<TxSts>ACSP</TxSts>', '<TxSts>ACSC</TxSts>'), [bank.cert]), 'SIGNATURE_DIGEST');
  assert.equal(doc.reasonCode, 'DS0B');
  assert.equal(doc.location?.path, '/Message/Document');
  const hdr = refused(() => verify(xml.replace('<BizMsgIdr>BIZ-7</BizMsgIdr>', '<BizMsgIdr>BIZ-8</BizMsgIdr>'), [bank.cert]), 'SIGNATURE_DIGEST');
  assert.equal(hdr.location?.path, '/Message/AppHdr');
  // The signature value itself.
  const value = /<ds:SignatureValue>([^<]+)</.exec(xml)![1]!;
  const flipped = value.slice(0, 10) + (value[10] === 'A' ? 'B' : 'A') + value.slice(11);
  refused(() => verify(xml.replace(value, flipped), [bank.cert]), 'SIGNATURE_VALUE');
  // Whitespace added inside the signed Document changes its digest too.
  refused(() => verify(xml.replace('<TxSts>', '\n<TxSts>'), [bank.cert]), 'SIGNATURE_DIGEST');
});

test('only the registered certificate verifies: wrong, foreign and expired certificates are refused', () => {
  const xml = signed();
  const wrong = refused(() => verify(xml, [otherBank.cert]), 'SIGNATURE_CERTIFICATE');
  assert.equal(wrong.reasonCode, 'DS0E');
  refused(() => verify(xml, []), 'SIGNATURE_CERTIFICATE');
  // Signed by another key, KeyInfo claiming the registered certificate: the KeyInfo is the bank's,
  // the signature value is not.
  const forged = craft(unsigned(), otherBank.key, bank.cert);
  refused(() => verify(forged, [bank.cert]), 'SIGNATURE_VALUE');
  // No KeyInfo, signed by someone else.
  refused(() => verify(craft(unsigned(), otherBank.key, otherBank.cert, { keyInfo: null }), [bank.cert]), 'SIGNATURE_VALUE');
  // Registered but expired.
  const old = craft(unsigned(), expired.key, expired.cert);
  const e = refused(() => verify(old, [expired.cert]), 'CERTIFICATE_NOT_VALID');
  assert.equal(e.reasonCode, 'DS0D');
  // Rotation: two registered certificates, either one signs.
  assert.equal(verify(xml, [otherBank.cert, bank.cert]).signed, true);
  // Key sources other than X509Data are refused.
  const keyValue = craft(unsigned(), bank.key, bank.cert, {
    keyInfo: '<ds:KeyValue><ds:RSAKeyValue><ds:Modulus>AA==</ds:Modulus><ds:Exponent>AQAB</ds:Exponent></ds:RSAKeyValue></ds:KeyValue>',
  });
  refused(() => verify(keyValue, [bank.cert]), 'SIGNATURE_CERTIFICATE');
  const retrieval = craft(unsigned(), bank.key, bank.cert, { keyInfo: '<ds:RetrievalMethod URI="http://attacker.example/key"/>' });
  refused(() => verify(retrieval, [bank.cert]), 'SIGNATURE_CERTIFICATE');
});

test('unsigned messages: refused when a signature is required (DS0A), reported otherwise', () => {
  const r = refused(() => verify(unsigned(), [bank.cert]), 'SIGNATURE_MISSING');
  assert.equal(r.reasonCode, 'DS0A');
  assert.deepEqual(verify(unsigned(), [bank.cert], { required: false }), { signed: false });
});

test('SHA-1, HMAC, inclusive c14n and other transforms are refused even when the math is right', () => {
  const sha1Digest = craft(unsigned(), bank.key, bank.cert, { hash: 'sha1', digestUri: 'http://www.w3.org/2000/09/xmldsig#sha1' });
  assert.match(refused(() => verify(sha1Digest, [bank.cert]), 'SIGNATURE_ALGORITHM').description, /only SHA-256/);
  const rsaSha1 = craft(unsigned(), bank.key, bank.cert, {
    signatureUri: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
    sign: (d) => cryptoSign('sha1', d, bank.key),
  });
  assert.match(refused(() => verify(rsaSha1, [bank.cert]), 'SIGNATURE_ALGORITHM').description, /only RSA-SHA256/);
  const secret = bank.cert.der; // HMAC keyed with public data: the classic key-confusion attack
  const hmac = craft(unsigned(), bank.key, bank.cert, {
    signatureUri: 'http://www.w3.org/2000/09/xmldsig#hmac-sha1',
    sign: (d) => createHmac('sha1', secret).update(d).digest(),
  });
  refused(() => verify(hmac, [bank.cert]), 'SIGNATURE_ALGORITHM');
  const inclusive = craft(unsigned(), bank.key, bank.cert, { c14nUri: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315' });
  refused(() => verify(inclusive, [bank.cert]), 'SIGNATURE_ALGORITHM');
  const xpath = craft(unsigned(), bank.key, bank.cert, { documentTransforms: ['http://www.w3.org/TR/1999/REC-xpath-19991116'] });
  refused(() => verify(xpath, [bank.cert]), 'SIGNATURE_ALGORITHM');
  const noEnveloped = craft(unsigned(), bank.key, bank.cert, { appHdrTransforms: [EXC_C14N] });
  refused(() => verify(noEnveloped, [bank.cert]), 'SIGNATURE_REFERENCE');
});

test('external and unknown references are refused before anything is dereferenced', () => {
  const external = craft(unsigned(), bank.key, bank.cert, {
    extraReferences: `<ds:Reference URI="http://attacker.example/x"><ds:DigestMethod Algorithm="${SHA256}"/><ds:DigestValue>AA==</ds:DigestValue></ds:Reference>`,
  });
  assert.match(refused(() => verify(external, [bank.cert]), 'SIGNATURE_REFERENCE').description, /http:\/\/attacker/);
  const file = craft(unsigned(), bank.key, bank.cert, { documentUri: 'file:///etc/passwd' });
  refused(() => verify(file, [bank.cert]), 'SIGNATURE_REFERENCE');
  const xpointer = craft(unsigned(), bank.key, bank.cert, { documentUri: '#xpointer(/)' });
  refused(() => verify(xpointer, [bank.cert]), 'SIGNATURE_REFERENCE');
  // The Document must be covered.
  const onlyHeader = signed().replace(/<ds:Reference><ds:Transforms>[\s\S]*?<\/ds:Reference>/, '');
  refused(() => verify(onlyHeader, [bank.cert]), 'SIGNATURE_REFERENCE');
});

test('signature wrapping is refused: moved, duplicated or hidden signed content', () => {
  const xml = signed();
  const doc = /<Document[\s\S]*<\/Document>/.exec(xml)![0];
  const evil = doc.replace('<TxSts>ACSP</TxSts>', '<TxSts>RJCT</TxSts>');
  // 1. Attacker's Document in place, the signed one kept as a second Document after it.
  refused(() => verify(xml.replace(doc, `${evil}${doc}`), [bank.cert]), 'ENVELOPE');
  // 2. The signed Document hidden in supplementary data of the attacker's.
  const hidden = xml.replace(doc, evil.replace('</TxInfAndSts>', `<SplmtryData><Envlp>${doc}</Envlp></SplmtryData></TxInfAndSts>`));
  refused(() => verify(hidden, [bank.cert]), 'ENVELOPE');
  // 3. The signed Document hidden in a ds:Object of the signature.
  const inObject = xml.replace(doc, evil).replace('</ds:KeyInfo>', `</ds:KeyInfo><ds:Object>${doc}</ds:Object>`);
  refused(() => verify(inObject, [bank.cert]), 'ENVELOPE');
  // 4. A ds:Object (even harmless) is outside the profile.
  const object = craft(unsigned(), bank.key, bank.cert, { trailer: '<ds:Object>x</ds:Object>' });
  refused(() => verify(object, [bank.cert]), 'SIGNATURE_MALFORMED');
  // 5. A second signature anywhere.
  const sig = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(xml)![0];
  refused(() => verify(xml.replace('</TxInfAndSts>', `<SplmtryData><Envlp>${sig}</Envlp></SplmtryData></TxInfAndSts>`), [bank.cert]), 'ENVELOPE');
  // 6. The signature moved out of AppHdr/Sgntr into the Document's supplementary data.
  const moved = xml.replace(/<Sgntr>[\s\S]*<\/Sgntr>/, '').replace('</TxInfAndSts>', `<SplmtryData><Envlp>${sig}</Envlp></SplmtryData></TxInfAndSts>`);
  refused(() => verify(moved, [bank.cert]), 'SIGNATURE_MALFORMED');
  // 7. The whole signed message re-wrapped: still exactly one AppHdr and one Document, and the
  //    signature covers them independently of the wrapper, so a re-wrap with another prefix verifies.
  const rewrapped = xml
    .replace('<Message xmlns="urn:mizani:xsd:envelope">', '<m:Message xmlns:m="urn:mizani:xsd:envelope" xmlns:x="urn:other">')
    .replace('</Message>', '</m:Message>');
  assert.equal(verify(rewrapped, [bank.cert]).signed, true);
});

test('certificates: RSA of at least 2048 bits; EC and garbage refused; signing needs a valid certificate', () => {
  assert.throws(() => parseXmlSigningCertificate(ecPem), XmlCertificateError);
  assert.throws(() => parseXmlSigningCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'), XmlCertificateError);
  assert.throws(() => signBusinessMessage(unsigned(), { privateKey: expired.key, certificate: expired.cert }), XmlCertificateError);
  assert.throws(() => signBusinessMessage(signed(), { privateKey: bank.key, certificate: bank.cert }), /already signed/);
  assert.ok(bank.cert.subjectKeyIdentifier && bank.cert.serialNumber.length > 0);
});

test('a signed rendering is deterministic for a given BizMsgIdr and creation time', () => {
  const render = () =>
    renderBusinessMessage(
      { kind: 'pacs.002', message: status },
      {
        hubFspId: 'hub',
        header: { Fr: bahParty('hub'), To: bahParty('bank-a'), BizMsgIdr: 'H-1', CreDt: '2026-03-01T10:00:03Z' },
        signer: { privateKey: bank.key, certificate: bank.cert },
      },
    );
  assert.equal(render(), render());
  assert.equal(
    verify(render().replace('<Id>bank-a</Id></Othr></FinInstnId></FIId></To>', '<Id>bank-a</Id></Othr></FinInstnId></FIId></To>'), [bank.cert]).signed,
    true,
  );
});
