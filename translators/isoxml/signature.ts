/**
 * XML signatures of business messages (XMLDSig, with xml-crypto's canonicalization).
 *
 * Profile — the "signature in the Business Application Header" practice of ISO 20022 messaging
 * (SWIFT and the market infrastructures that follow it): one enveloped ds:Signature in
 * `AppHdr/Sgntr`, with
 *   SignedInfo
 *     CanonicalizationMethod  http://www.w3.org/2001/10/xml-exc-c14n#
 *     SignatureMethod         http://www.w3.org/2001/04/xmldsig-more#rsa-sha256
 *     Reference URI="#<KeyInfo Id>"  transforms: exc-c14n                      → the KeyInfo (signed, so it cannot be swapped)
 *     Reference URI=""               transforms: enveloped-signature, exc-c14n → the AppHdr, minus the ds:Signature
 *                                                                               (the then empty `Sgntr` element stays)
 *     Reference (no URI attribute)   transforms: exc-c14n                      → the Document beside the AppHdr
 *     DigestMethod of each: http://www.w3.org/2001/04/xmlenc#sha256
 *   SignatureValue
 *   KeyInfo Id="…"  X509Data/X509Certificate (the signer's certificate; X509SKI is also accepted)
 * URI="" means "the AppHdr" and a Reference without URI means "the Document" — the BAH convention,
 * not the general XMLDSig "whole document" reading: the two parts are signed independently of the
 * wrapper, so the envelope can change in transport. Exclusive canonicalization makes each digest
 * independent of namespace declarations inherited from the wrapper.
 *
 * Verification is deliberately narrower than XMLDSig: everything outside this profile is refused,
 * which closes the classic attacks instead of detecting them:
 *   - algorithms: only exc-c14n, RSA-SHA256 and SHA-256 (SHA-1, HMAC, inclusive c14n, XPath/XSLT
 *     transforms are refused; RSA keys of at least 2048 bits);
 *   - references: exactly the ones above (the AppHdr and Document ones required, the KeyInfo one
 *     optional); any other URI — external (`http:`, `file:`), another fragment, XPointer — is refused
 *     before anything is dereferenced; references are resolved structurally to THE AppHdr and THE
 *     Document of the envelope (never by searching for an Id), and parse.ts has already refused a
 *     second AppHdr, Document or Signature anywhere in the message (wrapping attacks);
 *   - no ds:Object, no ds:Manifest, no other signature;
 *   - the key: always the participant's registered certificate, never one taken from the message;
 *     KeyInfo, when present, must name a registered certificate (same DER bytes, or same SKI, or
 *     same issuer and serial), else the message is refused (DS0E); the certificate must be within
 *     its validity period (DS0D).
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import {
  createHash,
  createPrivateKey,
  randomBytes,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { XMLSerializer, type Element as XmldomElement, type Node as XmldomNode } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { locateEnvelopeParts, XMLDSIG_NS } from './envelope.js';
import type { ParsedBusinessMessage } from './parse.js';
import { XmlRejection, type XmlRejectionKind } from './rejection.js';
import { domOf } from './xml.js';

export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ENVELOPED_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';

const MIN_RSA_BITS = 2048;
const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const COMMENT_NODE = 8;

// -------------------------------------------------------------------------------------- certificates

/** A participant's (or the hub's) XML-signing certificate, decoded once. */
export interface XmlSigningCertificate {
  /** PEM of the certificate. */
  pem: string;
  der: Buffer;
  publicKey: KeyObject;
  subject: string;
  issuer: string;
  /** Serial number, upper-case hex without leading zeros. */
  serialNumber: string;
  /** Subject key identifier (base64), when the certificate has the extension. */
  subjectKeyIdentifier?: string;
  /** base64url SHA-256 of the DER certificate. */
  fingerprint: string;
  validFrom: Date;
  validTo: Date;
}

export class XmlCertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlCertificateError';
  }
}

function normalSerial(hex: string): string {
  return hex.toUpperCase().replace(/^0+(?=.)/, '');
}

/**
 * Decodes an X.509 certificate (PEM) for XML signing: RSA, at least 2048 bits. Expiry is checked
 * when a signature is verified or made, not here (the key store may hold a future certificate).
 */
export function parseXmlSigningCertificate(pem: string): XmlSigningCertificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new XmlCertificateError('not an X.509 certificate (PEM)');
  }
  const publicKey = cert.publicKey;
  if (publicKey.asymmetricKeyType !== 'rsa') {
    throw new XmlCertificateError(`XML signing needs an RSA key (RSA-SHA256); this certificate holds ${publicKey.asymmetricKeyType}`);
  }
  const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) throw new XmlCertificateError(`RSA key of ${bits} bits: at least ${MIN_RSA_BITS} are required`);
  const out: XmlSigningCertificate = {
    pem: cert.toString(),
    der: cert.raw,
    publicKey,
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: normalSerial(cert.serialNumber),
    fingerprint: createHash('sha256').update(cert.raw).digest('base64url'),
    validFrom: new Date(cert.validFrom),
    validTo: new Date(cert.validTo),
  };
  try {
    const ski = new x509.X509Certificate(cert.raw).getExtension(x509.SubjectKeyIdentifierExtension);
    if (ski) out.subjectKeyIdentifier = Buffer.from(ski.keyId, 'hex').toString('base64');
  } catch {
    // no readable SKI extension: KeyInfo X509SKI cannot name this certificate
  }
  return out;
}

function withinValidity(cert: XmlSigningCertificate, now: Date): boolean {
  return cert.validFrom.getTime() <= now.getTime() && now.getTime() <= cert.validTo.getTime();
}

// ------------------------------------------------------------------------------------ canonicalization

const C14N = new ExclusiveCanonicalization();

/** Exclusive XML canonicalization 1.0 without comments (xml-crypto). */
export function excC14n(element: XmldomElement): string {
  return C14N.process(element as never, { inclusiveNamespacesPrefixList: [], ancestorNamespaces: [] });
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

// -------------------------------------------------------------------------------------------- signing

export interface XmlSigner {
  /** RSA private key (KeyObject or PEM). */
  privateKey: KeyObject | string;
  certificate: XmlSigningCertificate;
  /** What KeyInfo carries: the whole certificate (default) or only its subject key identifier. */
  keyInfo?: 'certificate' | 'ski';
  /** The KeyInfo Id (an XML NCName); random when absent. */
  keyInfoId?: string;
}

function dsChildren(parent: XmldomElement): XmldomElement[] {
  const out: XmldomElement[] = [];
  for (let n: XmldomNode | null = parent.firstChild; n; n = n.nextSibling) if (n.nodeType === ELEMENT_NODE) out.push(n as XmldomElement);
  return out;
}

function signatureDom(signatureXml: string): XmldomElement {
  return domOf(signatureXml).documentElement!;
}

/**
 * Signs a business message (the envelope text the hub rendered, unsigned): inserts
 * `AppHdr/Sgntr/ds:Signature` per the profile above and returns the signed text.
 */
export function signBusinessMessage(xml: string, signer: XmlSigner, now: Date = new Date()): string {
  const cert = signer.certificate;
  if (!withinValidity(cert, now))
    throw new XmlCertificateError(`the signing certificate is not valid now (valid ${cert.validFrom.toISOString()} to ${cert.validTo.toISOString()})`);
  const key = typeof signer.privateKey === 'string' ? createPrivateKey(signer.privateKey) : signer.privateKey;
  const dom = domOf(xml);
  const parts = locateEnvelopeParts(dom);
  if (parts.sgntr) throw new XmlCertificateError('the message is already signed');
  const appHdr = parts.appHdr;
  const ns = appHdr.namespaceURI!;
  const sgntr = dom.createElementNS(ns, appHdr.prefix ? `${appHdr.prefix}:Sgntr` : 'Sgntr');
  const rltd = dsChildren(appHdr).find((e) => e.localName === 'Rltd');
  appHdr.insertBefore(sgntr, rltd ?? null);

  // Digests: the AppHdr with its (still empty) Sgntr, exactly what the enveloped-signature transform
  // leaves on the receiving side; the Document; the KeyInfo.
  const appHdrDigest = sha256(excC14n(appHdr)).toString('base64');
  const documentDigest = sha256(excC14n(parts.document)).toString('base64');
  const keyInfoId = signer.keyInfoId ?? `KeyInfo-${randomBytes(12).toString('hex')}`;
  if (!/^[A-Za-z_][A-Za-z0-9._-]*$/.test(keyInfoId)) throw new XmlCertificateError('keyInfoId must be an XML NCName');
  const keyInfoContent =
    signer.keyInfo === 'ski'
      ? `<ds:X509Data><ds:X509SKI>${requireSki(cert)}</ds:X509SKI></ds:X509Data>`
      : `<ds:X509Data><ds:X509Certificate>${cert.der.toString('base64')}</ds:X509Certificate></ds:X509Data>`;
  const keyInfoXml = `<ds:KeyInfo Id="${keyInfoId}">${keyInfoContent}</ds:KeyInfo>`;
  const open = `<ds:Signature xmlns:ds="${XMLDSIG_NS}">`;
  const keyInfoDigest = sha256(excC14n(dsChildren(signatureDom(`${open}${keyInfoXml}</ds:Signature>`))[0]!)).toString('base64');
  const reference = (uri: string | undefined, transforms: string[], digest: string) =>
    `<ds:Reference${uri === undefined ? '' : ` URI="${uri}"`}><ds:Transforms>${transforms
      .map((t) => `<ds:Transform Algorithm="${t}"/>`)
      .join('')}</ds:Transforms><ds:DigestMethod Algorithm="${SHA256}"/><ds:DigestValue>${digest}</ds:DigestValue></ds:Reference>`;
  const signedInfoXml =
    `<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="${EXC_C14N}"/><ds:SignatureMethod Algorithm="${RSA_SHA256}"/>` +
    reference(`#${keyInfoId}`, [EXC_C14N], keyInfoDigest) +
    reference('', [ENVELOPED_SIGNATURE, EXC_C14N], appHdrDigest) +
    reference(undefined, [EXC_C14N], documentDigest) +
    `</ds:SignedInfo>`;
  const signedInfoCanonical = excC14n(dsChildren(signatureDom(`${open}${signedInfoXml}</ds:Signature>`))[0]!);
  const value = cryptoSign('sha256', Buffer.from(signedInfoCanonical, 'utf8'), key).toString('base64');
  const signature = signatureDom(`${open}${signedInfoXml}<ds:SignatureValue>${value}</ds:SignatureValue>${keyInfoXml}</ds:Signature>`);
  sgntr.appendChild(dom.importNode(signature, true));
  // A CR can only be in the DOM through a character reference; written raw it would parse back as
  // a line feed and change what was signed (xmldom escapes it in attributes, not in text).
  return new XMLSerializer().serializeToString(dom).replace(/\r/g, '&#xD;');
}

function requireSki(cert: XmlSigningCertificate): string {
  if (!cert.subjectKeyIdentifier) throw new XmlCertificateError('the certificate has no subject key identifier extension');
  return cert.subjectKeyIdentifier;
}

// -------------------------------------------------------------------------------------- verification

export interface VerifyOptions {
  /** Refuse an unsigned message (default true). */
  required?: boolean;
  now?: Date;
}

export type VerifiedSignature =
  | { signed: false }
  | {
      signed: true;
      /** The registered certificate the signature verified with. */
      certificate: XmlSigningCertificate;
      /** How KeyInfo named it. */
      keyInfo: 'certificate' | 'ski' | 'issuer-serial' | 'absent';
    };

function fail(kind: XmlRejectionKind, description: string, path = '/Message/AppHdr/Sgntr/Signature'): XmlRejection {
  return new XmlRejection(kind, description, { path });
}

/** Element children in the ds namespace; refuses other elements and non-whitespace text. */
function dsElements(parent: XmldomElement, where: string): XmldomElement[] {
  const out: XmldomElement[] = [];
  for (let n: XmldomNode | null = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === ELEMENT_NODE) {
      const e = n as XmldomElement;
      if (e.namespaceURI !== XMLDSIG_NS) throw fail('SIGNATURE_MALFORMED', `${where}: unexpected element ${e.nodeName}`);
      out.push(e);
    } else if (n.nodeType === TEXT_NODE) {
      if (/\S/.test((n as unknown as { data: string }).data)) throw fail('SIGNATURE_MALFORMED', `${where}: unexpected text`);
    } else if (n.nodeType !== COMMENT_NODE) {
      throw fail('SIGNATURE_MALFORMED', `${where}: unexpected content`);
    }
  }
  return out;
}

function textOf(e: XmldomElement): string {
  let out = '';
  for (let n: XmldomNode | null = e.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === TEXT_NODE || n.nodeType === 4) out += (n as unknown as { data: string }).data;
    else if (n.nodeType === ELEMENT_NODE) throw fail('SIGNATURE_MALFORMED', `${e.localName}: unexpected element inside`);
  }
  return out;
}

function onlyAttributes(e: XmldomElement, allowed: readonly string[], where: string): void {
  for (let i = 0; i < e.attributes.length; i++) {
    const a = e.attributes.item(i)!;
    if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) continue;
    if (!allowed.includes(a.name)) throw fail('SIGNATURE_MALFORMED', `${where}: attribute ${a.name} is not accepted`);
  }
}

function algorithmOf(e: XmldomElement, where: string): string {
  onlyAttributes(e, ['Algorithm'], where);
  if (dsElements(e, where).length > 0) throw fail('SIGNATURE_ALGORITHM', `${where}: parameters are not accepted`);
  if (/\S/.test(textOf(e))) throw fail('SIGNATURE_MALFORMED', `${where}: unexpected text`);
  return e.getAttribute('Algorithm') ?? '';
}

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

function base64Value(e: XmldomElement, where: string): Buffer {
  const text = textOf(e);
  if (!BASE64.test(text)) throw fail('SIGNATURE_MALFORMED', `${where} is not base64`);
  return Buffer.from(text.replace(/\s+/g, ''), 'base64');
}

type RefKind = 'appHdr' | 'document' | 'keyInfo';

interface ParsedReference {
  kind: RefKind;
  digest: Buffer;
}

function parseReference(ref: XmldomElement, keyInfoId: string | undefined): ParsedReference {
  onlyAttributes(ref, ['URI', 'Id', 'Type'], 'Reference');
  const hasUri = ref.hasAttribute('URI');
  const uri = ref.getAttribute('URI') ?? '';
  let kind: RefKind;
  if (!hasUri) kind = 'document';
  else if (uri === '') kind = 'appHdr';
  else if (keyInfoId !== undefined && uri === `#${keyInfoId}`) kind = 'keyInfo';
  else
    throw fail(
      'SIGNATURE_REFERENCE',
      `Reference URI ${JSON.stringify(uri.slice(0, 80))} is not accepted: only "" (AppHdr), no URI (Document) and "#<KeyInfo Id>"`,
    );

  const children = dsElements(ref, 'Reference');
  let i = 0;
  const transforms: string[] = [];
  if (children[i]?.localName === 'Transforms') {
    for (const t of dsElements(children[i]!, 'Transforms')) {
      if (t.localName !== 'Transform') throw fail('SIGNATURE_MALFORMED', `Transforms: unexpected ${t.localName}`);
      transforms.push(algorithmOf(t, 'Transform'));
    }
    i++;
  }
  const method = children[i++];
  const value = children[i++];
  if (method?.localName !== 'DigestMethod' || value?.localName !== 'DigestValue' || i !== children.length) {
    throw fail('SIGNATURE_MALFORMED', 'Reference must hold Transforms, DigestMethod and DigestValue');
  }
  const digestAlgorithm = algorithmOf(method, 'DigestMethod');
  if (digestAlgorithm !== SHA256)
    throw fail('SIGNATURE_ALGORITHM', `digest algorithm ${JSON.stringify(digestAlgorithm.slice(0, 80))} is not accepted: only SHA-256`);
  const expected = kind === 'appHdr' ? [ENVELOPED_SIGNATURE, EXC_C14N] : [EXC_C14N];
  if (transforms.length !== expected.length || transforms.some((t, k) => t !== expected[k])) {
    const bad = transforms.find((t) => t !== ENVELOPED_SIGNATURE && t !== EXC_C14N);
    throw fail(
      bad ? 'SIGNATURE_ALGORITHM' : 'SIGNATURE_REFERENCE',
      bad
        ? `transform ${JSON.stringify(bad.slice(0, 80))} is not accepted`
        : `the ${kind === 'appHdr' ? 'AppHdr' : kind === 'document' ? 'Document' : 'KeyInfo'} reference must use the transforms ${expected.join(', ')}`,
    );
  }
  return { kind, digest: base64Value(value, 'DigestValue') };
}

function sameDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function rdnSet(dn: string): string {
  return dn
    .split(/\s*[,\n+]\s*/)
    .map((p) =>
      p
        .trim()
        .replace(/\s*=\s*/, '=')
        .toUpperCase(),
    )
    .filter(Boolean)
    .sort()
    .join('|');
}

interface KeyInfoMatch {
  how: 'certificate' | 'ski' | 'issuer-serial';
  candidates: XmlSigningCertificate[];
}

/** Which registered certificates KeyInfo names (refuses any KeyInfo content outside X509Data). */
function matchKeyInfo(keyInfo: XmldomElement, registered: readonly XmlSigningCertificate[]): KeyInfoMatch {
  onlyAttributes(keyInfo, ['Id'], 'KeyInfo');
  const data = dsElements(keyInfo, 'KeyInfo');
  if (data.length !== 1 || data[0]!.localName !== 'X509Data') {
    throw fail('SIGNATURE_CERTIFICATE', 'KeyInfo must hold exactly one X509Data (KeyValue, RetrievalMethod and other key sources are not accepted)');
  }
  const items = dsElements(data[0]!, 'X509Data');
  if (items.length === 0) throw fail('SIGNATURE_MALFORMED', 'X509Data is empty');
  const certs = items.filter((e) => e.localName === 'X509Certificate');
  const skis = items.filter((e) => e.localName === 'X509SKI');
  const issuerSerials = items.filter((e) => e.localName === 'X509IssuerSerial');
  const other = items.find((e) => !['X509Certificate', 'X509SKI', 'X509IssuerSerial', 'X509SubjectName'].includes(e.localName ?? ''));
  if (other) throw fail('SIGNATURE_CERTIFICATE', `X509Data/${other.localName} is not accepted`);
  if (certs.length > 0) {
    // The signer's certificate comes first; any chain certificates after it are ignored.
    const der = base64Value(certs[0]!, 'X509Certificate');
    return { how: 'certificate', candidates: registered.filter((c) => c.der.equals(der)) };
  }
  if (skis.length > 0) {
    const ski = base64Value(skis[0]!, 'X509SKI').toString('base64');
    return { how: 'ski', candidates: registered.filter((c) => c.subjectKeyIdentifier === ski) };
  }
  if (issuerSerials.length > 0) {
    const parts = dsElements(issuerSerials[0]!, 'X509IssuerSerial');
    const name = parts.find((e) => e.localName === 'X509IssuerName');
    const serial = parts.find((e) => e.localName === 'X509SerialNumber');
    if (!name || !serial) throw fail('SIGNATURE_MALFORMED', 'X509IssuerSerial needs X509IssuerName and X509SerialNumber');
    const serialText = textOf(serial).trim();
    if (!/^\d{1,100}$/.test(serialText)) throw fail('SIGNATURE_MALFORMED', 'X509SerialNumber is not a decimal integer');
    const serialHex = normalSerial(BigInt(serialText).toString(16));
    const issuer = rdnSet(textOf(name));
    return { how: 'issuer-serial', candidates: registered.filter((c) => c.serialNumber === serialHex && rdnSet(c.issuer) === issuer) };
  }
  throw fail('SIGNATURE_CERTIFICATE', 'KeyInfo/X509Data names no certificate (X509Certificate, X509SKI or X509IssuerSerial)');
}

/** Signature → SignedInfo, SignatureValue, KeyInfo? (no Object); exclusive c14n and RSA-SHA256 only. */
function signatureParts(signature: XmldomElement): {
  signedInfo: XmldomElement;
  signatureValue: XmldomElement;
  keyInfo?: XmldomElement;
  refs: XmldomElement[];
} {
  onlyAttributes(signature, ['Id'], 'Signature');
  const top = dsElements(signature, 'Signature');
  const [signedInfo, signatureValue, keyInfo] = top;
  if (
    signedInfo?.localName !== 'SignedInfo' ||
    signatureValue?.localName !== 'SignatureValue' ||
    (keyInfo !== undefined && keyInfo.localName !== 'KeyInfo') ||
    top.length > 3
  ) {
    throw fail('SIGNATURE_MALFORMED', 'Signature must hold SignedInfo, SignatureValue and optionally KeyInfo (no Object)');
  }
  onlyAttributes(signedInfo, ['Id'], 'SignedInfo');
  onlyAttributes(signatureValue, ['Id'], 'SignatureValue');
  const si = dsElements(signedInfo, 'SignedInfo');
  const [c14nMethod, sigMethod, ...refs] = si;
  if (c14nMethod?.localName !== 'CanonicalizationMethod' || sigMethod?.localName !== 'SignatureMethod' || refs.some((r) => r.localName !== 'Reference')) {
    throw fail('SIGNATURE_MALFORMED', 'SignedInfo must hold CanonicalizationMethod, SignatureMethod and References');
  }
  const c14nAlg = algorithmOf(c14nMethod, 'CanonicalizationMethod');
  if (c14nAlg !== EXC_C14N) throw fail('SIGNATURE_ALGORITHM', `canonicalization ${JSON.stringify(c14nAlg.slice(0, 80))} is not accepted: only exclusive c14n`);
  const sigAlg = algorithmOf(sigMethod, 'SignatureMethod');
  if (sigAlg !== RSA_SHA256) throw fail('SIGNATURE_ALGORITHM', `signature algorithm ${JSON.stringify(sigAlg.slice(0, 80))} is not accepted: only RSA-SHA256`);
  return { signedInfo, signatureValue, keyInfo, refs };
}

/** Each reference's digest, resolved structurally (the AppHdr without its Sgntr, the Document, the KeyInfo). */
function checkDigests(
  parsedRefs: ReturnType<typeof parseReference>[],
  parts: ReturnType<typeof locateEnvelopeParts>,
  keyInfo: XmldomElement | undefined,
): void {
  for (const r of parsedRefs) {
    let canonical: string;
    if (r.kind === 'document') canonical = excC14n(parts.document);
    else if (r.kind === 'keyInfo') canonical = excC14n(keyInfo!);
    else {
      const copy = parts.appHdr.cloneNode(true) as XmldomElement;
      const sg = dsChildren(copy).find((e) => e.localName === 'Sgntr' && e.namespaceURI === copy.namespaceURI)!;
      for (const s of dsChildren(sg)) sg.removeChild(s);
      canonical = excC14n(copy);
    }
    if (!sameDigest(sha256(canonical), r.digest)) {
      const what = r.kind === 'appHdr' ? 'AppHdr' : r.kind === 'document' ? 'Document' : 'KeyInfo';
      throw fail(
        'SIGNATURE_DIGEST',
        `the ${what} does not match its digest: it was changed after signing`,
        r.kind === 'document' ? '/Message/Document' : r.kind === 'appHdr' ? '/Message/AppHdr' : undefined,
      );
    }
  }
}

/**
 * Verifies the signature of a parsed business message against the sender's registered
 * certificates (at most a few: rotation). Throws XmlRejection (DS0A, DS0B, DS0D, DS0E).
 */
export function verifyBusinessMessage(
  message: Pick<ParsedBusinessMessage, 'dom'>,
  registered: readonly XmlSigningCertificate[],
  options: VerifyOptions = {},
): VerifiedSignature {
  const now = options.now ?? new Date();
  const parts = locateEnvelopeParts(message.dom);
  const signature = parts.signature;
  if (!signature) {
    if (options.required === false) return { signed: false };
    throw fail('SIGNATURE_MISSING', 'the message must be signed: AppHdr/Sgntr is missing', '/Message/AppHdr');
  }
  const { signedInfo, signatureValue, keyInfo, refs } = signatureParts(signature);

  const keyInfoId = keyInfo?.getAttribute('Id') || undefined;
  if (refs.length > 8) throw fail('SIGNATURE_REFERENCE', `${refs.length} references: at most three are accepted`);
  const parsedRefs = refs.map((r) => parseReference(r, keyInfoId));
  const seen = new Set<RefKind>();
  for (const r of parsedRefs) {
    if (seen.has(r.kind))
      throw fail('SIGNATURE_REFERENCE', `two references to the ${r.kind === 'appHdr' ? 'AppHdr' : r.kind === 'document' ? 'Document' : 'KeyInfo'}`);
    seen.add(r.kind);
  }
  if (!seen.has('appHdr') || !seen.has('document'))
    throw fail('SIGNATURE_REFERENCE', 'the signature must cover the AppHdr (URI="") and the Document (Reference without URI)');

  // The key: a registered certificate, named by KeyInfo when present.
  let candidates: XmlSigningCertificate[] = [...registered];
  let how: 'certificate' | 'ski' | 'issuer-serial' | 'absent' = 'absent';
  if (keyInfo) {
    const match = matchKeyInfo(keyInfo, registered);
    how = match.how;
    candidates = match.candidates;
    if (candidates.length === 0) throw fail('SIGNATURE_CERTIFICATE', `KeyInfo names a certificate that is not registered for the sender (by ${match.how})`);
  }
  if (candidates.length === 0) throw fail('SIGNATURE_CERTIFICATE', 'no XML-signing certificate is registered for the sender');
  const valid = candidates.filter((c) => withinValidity(c, now));
  if (valid.length === 0) {
    const c = candidates[0]!;
    throw fail(
      'CERTIFICATE_NOT_VALID',
      `the registered certificate is not valid at ${now.toISOString()} (valid ${c.validFrom.toISOString()} to ${c.validTo.toISOString()})`,
    );
  }

  checkDigests(parsedRefs, parts, keyInfo);

  const signedInfoCanonical = Buffer.from(excC14n(signedInfo), 'utf8');
  const value = base64Value(signatureValue, 'SignatureValue');
  for (const cert of valid) {
    if (cryptoVerify('sha256', signedInfoCanonical, cert.publicKey, value)) return { signed: true, certificate: cert, keyInfo: how };
  }
  throw fail('SIGNATURE_VALUE', 'the signature value does not verify with the registered certificate');
}
