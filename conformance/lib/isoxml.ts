// ISO 20022 XML on the wire, as a bank sees it (docs/iso20022.md): building the business messages a bank sends
// (head.001 AppHdr + Document in the `urn:mizani:xsd:envelope` wrapper), signing them (XMLDSig in AppHdr/Sgntr:
// exclusive c14n, RSA-SHA256, SHA-256 digests; references URI="" = the AppHdr with the enveloped-signature transform,
// no URI = the Document, "#<KeyInfo Id>" = the KeyInfo carrying the X.509 certificate), and reading and verifying what
// the hub sends. Element names and order follow the official XSDs (/work/shared/iso20022/xsd). Written from the
// schemas and docs only: nothing of the hub is imported.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign as cryptoSign,
  verify as cryptoVerify,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { DOMParser, XMLSerializer, type Document as XDocument, type Element as XElement, type Node as XNode } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';

export const ENVELOPE_NS = 'urn:mizani:xsd:envelope';
export const ISO_NS = 'urn:iso:std:iso:20022:tech:xsd:';
export const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
export const SUPPLEMENT_NS = 'urn:mizani:xsd:supplementary';

/** Message versions per profile (docs/iso20022.md, translators' catalog header). */
export type XmlProfile = 'iso-2019' | 'iso-2026';
export const PROFILE_VERSIONS: Record<
  XmlProfile,
  Record<'head' | 'pacs.008' | 'pacs.002' | 'pacs.028' | 'camt.056' | 'camt.029' | 'acmt.023' | 'acmt.024' | 'admi.002', string>
> = {
  'iso-2019': {
    head: 'head.001.001.02',
    'pacs.008': 'pacs.008.001.08',
    'pacs.002': 'pacs.002.001.10',
    'pacs.028': 'pacs.028.001.03',
    'camt.056': 'camt.056.001.08',
    'camt.029': 'camt.029.001.09',
    'acmt.023': 'acmt.023.001.04',
    'acmt.024': 'acmt.024.001.04',
    'admi.002': 'admi.002.001.01',
  },
  'iso-2026': {
    head: 'head.001.001.04',
    'pacs.008': 'pacs.008.001.14',
    'pacs.002': 'pacs.002.001.16',
    'pacs.028': 'pacs.028.001.07',
    'camt.056': 'camt.056.001.12',
    'camt.029': 'camt.029.001.14',
    'acmt.023': 'acmt.023.001.04',
    'acmt.024': 'acmt.024.001.04',
    'admi.002': 'admi.002.001.01',
  },
};

// ---- writing -------------------------------------------------------------------------------------------------

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\r/g, '&#xD;');
}

type Child = string | false | undefined | null;

/** `<name>children</name>`; falsy children are skipped. */
export function el(name: string, ...children: Child[]): string {
  return `<${name}>${children.filter((c): c is string => typeof c === 'string').join('')}</${name}>`;
}

/** An element that is left out when it would be empty. */
export function opt(name: string, ...children: Child[]): string {
  const inner = children.filter((c): c is string => typeof c === 'string').join('');
  return inner === '' ? '' : `<${name}>${inner}</${name}>`;
}

export function leaf(name: string, text: string | undefined): string {
  return text === undefined ? '' : `<${name}>${escapeXml(text)}</${name}>`;
}

export function amount(name: string, value: string, currency: string): string {
  return `<${name} Ccy="${escapeXml(currency)}">${escapeXml(value)}</${name}>`;
}

/**
 * How a message names a financial institution (docs/iso20022.md, "Identifying banks"): a string is the scheme's
 * FSP id (`Othr/Id`); `{bicfi}` a BIC; `{memberId, clearingSystemId?}` a clearing-system member id (`ClrSysMmbId`,
 * with `ClrSysId/Cd` when given, e.g. USABA and a routing number).
 */
export type Institution = string | { bicfi: string } | { memberId: string; clearingSystemId?: string };

/** `<FinInstnId>…</FinInstnId>` naming an institution one way. */
export function finInstnId(who: Institution): string {
  if (typeof who === 'string') return el('FinInstnId', el('Othr', leaf('Id', who)));
  if ('bicfi' in who) return el('FinInstnId', leaf('BICFI', who.bicfi));
  return el(
    'FinInstnId',
    el('ClrSysMmbId', who.clearingSystemId !== undefined && el('ClrSysId', leaf('Cd', who.clearingSystemId)), leaf('MmbId', who.memberId)),
  );
}

/** `Othr/Id fsp`, `BICFI X`, `ClrSysMmbId USABA/123`: one text for comparing how institutions are named. */
export function describeInstitution(who: Institution): string {
  if (typeof who === 'string') return `Othr/Id ${who}`;
  if ('bicfi' in who) return `BICFI ${who.bicfi}`;
  return `ClrSysMmbId ${who.clearingSystemId === undefined ? '' : `${who.clearingSystemId}/`}${who.memberId}`;
}

/** The same text for a received `FinInstnId` (the first identifier it carries: Othr/Id, BICFI, ClrSysMmbId). */
export function describeFinInstnId(v: XmlView | undefined): string | undefined {
  if (!v) return undefined;
  const othr = v.text('Othr/Id');
  if (othr !== undefined) return `Othr/Id ${othr}`;
  const bic = v.text('BICFI');
  if (bic !== undefined) return `BICFI ${bic}`;
  const member = v.text('ClrSysMmbId/MmbId');
  if (member === undefined) return undefined;
  const system = v.text('ClrSysMmbId/ClrSysId/Cd');
  return `ClrSysMmbId ${system === undefined ? '' : `${system}/`}${member}`;
}

/** `<X><FinInstnId>…</FinInstnId></X>` (an empty FinInstnId for `null`). */
export function agent(name: string, who: Institution | null): string {
  return el(name, who === null ? '<FinInstnId/>' : finInstnId(who));
}

/** Party40Choice with an agent: `<X><Agt><FinInstnId>…</FinInstnId></Agt></X>`. */
export function assignmentParty(name: string, who: Institution): string {
  return el(name, agent('Agt', who));
}

/** A valid ABA routing number (eight random digits and the check digit), e.g. for a USABA clearing member id. */
export function randomAbaRoutingNumber(): string {
  const d = [...randomBytes(8)].map((b) => b % 10);
  const partial = 3 * (d[0]! + d[3]! + d[6]!) + 7 * (d[1]! + d[4]! + d[7]!) + (d[2]! + d[5]!);
  return d.join('') + String((10 - (partial % 10)) % 10);
}

/** A random BIC8-shaped code (`XXXXUS33`-like; four letters, country, location). */
export function randomBic(country = 'US'): string {
  const letters = [...randomBytes(4)].map((b) => String.fromCharCode(65 + (b % 26))).join('');
  return `${letters}${country}${2 + (randomBytes(1)[0]! % 8)}${String.fromCharCode(65 + (randomBytes(1)[0]! % 26))}`;
}

export interface PartyRef {
  /** FSPIOP party id type, written as SchmeNm/Prtry (MSISDN, ACCOUNT_ID, …). */
  type: string;
  id: string;
  name?: string;
  /** OrgId instead of PrvtId (BUSINESS, ALIAS, DEVICE). Default: by type. */
  org?: boolean;
}

const ORG_TYPES = new Set(['BUSINESS', 'ALIAS', 'DEVICE']);

/** PartyIdentification: Nm, then Id/{PrvtId|OrgId}/Othr/{Id, SchmeNm/Prtry}. */
export function party(name: string, p: PartyRef | undefined): string {
  if (!p) return el(name);
  const branch = (p.org ?? ORG_TYPES.has(p.type)) ? 'OrgId' : 'PrvtId';
  return el(name, leaf('Nm', p.name), el('Id', el(branch, el('Othr', leaf('Id', p.id), el('SchmeNm', leaf('Prtry', p.type))))));
}

export function documentXml(version: string, body: string): string {
  return `<Document xmlns="${ISO_NS}${version}">${body}</Document>`;
}

export interface AppHdrFields {
  from: Institution;
  to: Institution;
  bizMsgIdr: string;
  msgDefIdr: string;
  creDt?: string;
  /** head.001 version; default head.001.001.02. */
  version?: string;
}

export function appHdrXml(h: AppHdrFields): string {
  const party = (n: string, who: Institution) => el(n, el('FIId', finInstnId(who)));
  return (
    `<AppHdr xmlns="${ISO_NS}${h.version ?? 'head.001.001.02'}">` +
    party('Fr', h.from) +
    party('To', h.to) +
    leaf('BizMsgIdr', h.bizMsgIdr) +
    leaf('MsgDefIdr', h.msgDefIdr) +
    leaf('CreDt', h.creDt ?? isoNow()) +
    `</AppHdr>`
  );
}

export function envelopeXml(appHdr: string, document: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Message xmlns="${ENVELOPE_NS}">${appHdr}${document}</Message>\n`;
}

/** ISODateTime without milliseconds (UTC). */
export function isoNow(d: Date = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A Max35Text id (32 hex characters). */
export function newMsgId(prefix = ''): string {
  return (prefix + randomBytes(16).toString('hex')).slice(0, 35);
}

// ---- reading (fast-xml-parser) ------------------------------------------------------------------------------------
// What the hub sends is read with fast-xml-parser, the project card's XML library, not with the DOM the signature
// code below needs: the hub parses with libxml2 and @xmldom/xmldom, so an independent parser reads its output here.
// fast-xml-parser does not resolve namespaces: XmlView does, from the xmlns declarations it keeps as attributes.

const PARSER = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  // turns on character references (`&#xD;`); the HTML names it also knows never get here (UNDEFINED_ENTITY)
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});
const BUILDER = new XMLBuilder({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', suppressEmptyNode: true });
const ATTRIBUTES = ':@';
const TEXT_NODE = '#text';
/** An `&` that starts none of the references XML defines without a DTD. */
const UNDEFINED_ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/;
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** fast-xml-parser's ordered form: `{Tag: [children], ':@': {attributes}}` or `{'#text': text}`. */
type OrderedNode = Record<string, unknown>;
/** Prefix ('' for the default namespace) → namespace URI in scope. */
type Namespaces = Readonly<Record<string, string>>;

function tagOf(node: OrderedNode): string | undefined {
  for (const key of Object.keys(node)) if (key !== ATTRIBUTES && key !== TEXT_NODE) return key;
  return undefined;
}

function attributesOf(node: OrderedNode): Record<string, string> {
  return (node[ATTRIBUTES] as Record<string, string> | undefined) ?? {};
}

function splitName(qname: string): [prefix: string, local: string] {
  const i = qname.indexOf(':');
  return i < 0 ? ['', qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

/** An element read by fast-xml-parser, its namespace resolved; navigation by local names. */
export class XmlView {
  readonly name: string;
  readonly namespace: string;
  private readonly kids: ReadonlyArray<XmlView | string>;

  private constructor(
    private readonly node: OrderedNode,
    qname: string,
    inScope: Namespaces,
  ) {
    const attributes = attributesOf(node);
    let scope = inScope;
    for (const [attr, value] of Object.entries(attributes)) {
      if (attr === 'xmlns' || attr.startsWith('xmlns:')) scope = { ...scope, [attr === 'xmlns' ? '' : attr.slice(6)]: value };
    }
    const [prefix, local] = splitName(qname);
    const namespace = prefix === 'xml' ? XML_NS : prefix === 'xmlns' ? XMLNS_NS : scope[prefix];
    if (namespace === undefined) throw new Error(`namespace prefix ${prefix} of <${qname}> is not declared`);
    this.name = local;
    this.namespace = namespace;
    const kids: Array<XmlView | string> = [];
    for (const child of (node[qname] as OrderedNode[] | undefined) ?? []) {
      const tag = tagOf(child);
      if (tag !== undefined) kids.push(new XmlView(child, tag, scope));
      else if (typeof child[TEXT_NODE] === 'string') kids.push(child[TEXT_NODE]);
    }
    this.kids = kids;
  }

  /** The document element of `text` (throws when the text is not well-formed XML or not namespace-well-formed). */
  static parse(text: string): XmlView {
    const verdict = XMLValidator.validate(text);
    if (verdict !== true) throw new Error(`not well-formed XML: ${verdict.err.msg} (line ${verdict.err.line})`);
    if (/<!DOCTYPE/i.test(text)) throw new Error('not accepted: the message has a DOCTYPE');
    if (UNDEFINED_ENTITY.test(text.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, '')))
      throw new Error('not well-formed XML: an undefined entity reference or a bare &');
    const top = (PARSER.parse(text) as OrderedNode[]).filter((n) => tagOf(n) !== undefined);
    if (top.length !== 1) throw new Error(`not well-formed XML: ${top.length} document elements`);
    return new XmlView(top[0]!, tagOf(top[0]!)!, { '': '' }); // unprefixed names start in no namespace
  }

  /** First descendant along `a/b/c` (local names; direct children at each step). */
  at(path: string): XmlView | undefined {
    let cur: XmlView | undefined = this;
    for (const step of path.split('/').filter(Boolean)) {
      cur = cur.children().find((c) => c.name === step);
      if (!cur) return undefined;
    }
    return cur;
  }

  all(path: string): XmlView[] {
    let level: XmlView[] = [this];
    for (const step of path.split('/').filter(Boolean)) level = level.flatMap((e) => e.children().filter((c) => c.name === step));
    return level;
  }

  /** Trimmed text of the element at `path` (undefined when absent): all its descendant text, in order. */
  text(path = ''): string | undefined {
    const v = path ? this.at(path) : this;
    return v === undefined ? undefined : v.textContent().trim();
  }

  private textContent(): string {
    return this.kids.map((k) => (typeof k === 'string' ? k : k.textContent())).join('');
  }

  /** An attribute (by its name as written) of the element at `path`. */
  attr(name: string, path = ''): string | undefined {
    const v = path ? this.at(path) : this;
    return v ? attributesOf(v.node)[name] : undefined;
  }

  children(): XmlView[] {
    return this.kids.filter((k): k is XmlView => typeof k !== 'string');
  }

  /** The Mizani supplementary data JSON among SplmtryData children at `path` (undefined when none). */
  supplement(path = ''): Record<string, any> | undefined {
    const v = path ? this.at(path) : this;
    if (!v) return undefined;
    for (const sd of v.all('SplmtryData')) {
      const envlp = sd.at('Envlp');
      for (const c of envlp?.children() ?? []) {
        if (c.name === 'Splmtry' && c.namespace === SUPPLEMENT_NS) {
          try {
            return JSON.parse(c.text() ?? '');
          } catch {
            return undefined;
          }
        }
      }
    }
    return undefined;
  }

  /** The element as XML text (for messages; namespace declarations of its ancestors are not repeated). */
  toString(): string {
    return BUILDER.build([this.node]) as string;
  }
}

/** The document element of an XML text, read with fast-xml-parser. */
export function parseXml(text: string): XmlView {
  return XmlView.parse(text);
}

export interface ParsedEnvelope {
  /** The `Message` wrapper. */
  root: XmlView;
  appHdr: XmlView;
  document: XmlView;
  /** `pacs.008.001.08` etc., from the Document namespace. */
  version: string;
  /** `pacs.008` etc. */
  kind: string;
  /** The one element under Document. */
  message: XmlView;
  headVersion: string;
}

function envelopeError(rootName: string, rootNs: string, kids: string[]): Error | undefined {
  if (rootName !== 'Message' || rootNs !== ENVELOPE_NS)
    return new Error(`root element is ${rootNs ? `{${rootNs}}` : ''}${rootName}, not {${ENVELOPE_NS}}Message`);
  if (kids.length !== 2 || kids[0] !== 'AppHdr' || kids[1] !== 'Document')
    return new Error(`the envelope must hold AppHdr then Document, holds ${kids.join(', ')}`);
  return undefined;
}

/** Splits a business message into its AppHdr and Document (the envelope rules of docs/iso20022.md). */
export function parseEnvelope(text: string): ParsedEnvelope {
  const root = parseXml(text);
  const kids = root.children();
  const wrong = envelopeError(
    root.name,
    root.namespace,
    kids.map((k) => k.name),
  );
  if (wrong) throw wrong;
  const appHdr = kids[0]!;
  const document = kids[1]!;
  const ns = document.namespace;
  if (!ns.startsWith(ISO_NS)) throw new Error(`Document namespace ${ns} is not an ISO 20022 one`);
  const version = ns.slice(ISO_NS.length);
  const messageEl = document.children()[0];
  if (!messageEl) throw new Error('empty Document');
  return {
    root,
    appHdr,
    document,
    version,
    kind: version.slice(0, 8),
    message: messageEl,
    headVersion: appHdr.namespace.slice(ISO_NS.length),
  };
}

// ---- the DOM the XML signatures are made and checked on (@xmldom/xmldom, xml-crypto's c14n) -----------------------

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;

function parseDom(text: string): XDocument {
  let failure: string | undefined;
  const dom = new DOMParser({
    locator: false,
    onError: (level: string, message: string) => {
      if (level !== 'warning') failure ??= message;
    },
  }).parseFromString(text, 'text/xml');
  if (failure !== undefined) throw new Error(`not well-formed XML: ${failure.split('\n')[0]}`);
  return dom;
}

function childElements(e: XElement): XElement[] {
  const out: XElement[] = [];
  for (let n: XNode | null = e.firstChild; n; n = n.nextSibling) if (n.nodeType === ELEMENT) out.push(n as XElement);
  return out;
}

function textContent(e: XElement): string {
  let s = '';
  for (let n: XNode | null = e.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === TEXT || n.nodeType === CDATA) s += (n as unknown as { data: string }).data;
    else if (n.nodeType === ELEMENT) s += textContent(n as XElement);
  }
  return s;
}

/** The envelope as a DOM: what signing and signature verification work on. */
function domEnvelope(text: string): { dom: XDocument; appHdr: XElement; document: XElement } {
  const dom = parseDom(text);
  const root = dom.documentElement;
  const kids = root ? childElements(root) : [];
  const wrong = envelopeError(
    root?.localName ?? '',
    root?.namespaceURI ?? '',
    kids.map((k) => k.localName ?? ''),
  );
  if (wrong) throw wrong;
  return { dom, appHdr: kids[0]!, document: kids[1]! };
}

// ---- signing and verification ---------------------------------------------------------------------------------

const C14N = new ExclusiveCanonicalization();

export function excC14n(e: XElement): string {
  return C14N.process(e as never, { inclusiveNamespacesPrefixList: [], ancestorNamespaces: [] }) as string;
}

const sha256b64 = (s: string) => createHash('sha256').update(s, 'utf8').digest('base64');

export interface XmlSigningKey {
  privateKey: KeyObject | string;
  /** Certificate PEM. */
  cert: string;
}

export interface SignOptions {
  /** Leave out the KeyInfo (and its reference). */
  noKeyInfo?: boolean;
  /** Leave out the reference to the Document (the hub must refuse: the Document would be unsigned). */
  omitDocumentReference?: boolean;
  /** Digest algorithm URI to write instead of SHA-256 (refused by the hub). */
  digestAlgorithm?: string;
  /** Signature algorithm URI to write instead of RSA-SHA256 (the value is still RSA-SHA256). */
  signatureAlgorithm?: string;
}

/** Signs an unsigned business message: inserts AppHdr/Sgntr/ds:Signature and returns the signed text. */
export function signEnvelope(xml: string, key: XmlSigningKey, o: SignOptions = {}): string {
  const env = domEnvelope(xml);
  const dom = env.dom;
  const appHdr = env.appHdr;
  const sgntr = dom.createElementNS(appHdr.namespaceURI!, appHdr.prefix ? `${appHdr.prefix}:Sgntr` : 'Sgntr');
  const rltd = childElements(appHdr).find((e) => e.localName === 'Rltd');
  appHdr.insertBefore(sgntr, rltd ?? null);
  const appHdrDigest = sha256b64(excC14n(appHdr));
  const documentDigest = sha256b64(excC14n(env.document));
  const der = new X509Certificate(key.cert).raw;
  const keyInfoId = `KeyInfo-${randomBytes(8).toString('hex')}`;
  const keyInfoXml = o.noKeyInfo
    ? ''
    : `<ds:KeyInfo Id="${keyInfoId}"><ds:X509Data><ds:X509Certificate>${der.toString('base64')}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>`;
  const open = `<ds:Signature xmlns:ds="${DS_NS}">`;
  const digestAlg = o.digestAlgorithm ?? SHA256;
  const reference = (uri: string | undefined, transforms: string[], digest: string) =>
    `<ds:Reference${uri === undefined ? '' : ` URI="${uri}"`}><ds:Transforms>${transforms.map((t) => `<ds:Transform Algorithm="${t}"/>`).join('')}</ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${digestAlg}"/><ds:DigestValue>${digest}</ds:DigestValue></ds:Reference>`;
  let refs = '';
  if (!o.noKeyInfo) {
    const keyInfoEl = childElements(parseDom(`${open}${keyInfoXml}</ds:Signature>`).documentElement!)[0]!;
    refs += reference(`#${keyInfoId}`, [EXC_C14N], sha256b64(excC14n(keyInfoEl)));
  }
  refs += reference('', [ENVELOPED, EXC_C14N], appHdrDigest);
  if (!o.omitDocumentReference) refs += reference(undefined, [EXC_C14N], documentDigest);
  const signedInfoXml = `<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="${EXC_C14N}"/><ds:SignatureMethod Algorithm="${o.signatureAlgorithm ?? RSA_SHA256}"/>${refs}</ds:SignedInfo>`;
  const signedInfo = childElements(parseDom(`${open}${signedInfoXml}</ds:Signature>`).documentElement!)[0]!;
  const pk = typeof key.privateKey === 'string' ? createPrivateKey(key.privateKey) : key.privateKey;
  const value = cryptoSign('sha256', Buffer.from(excC14n(signedInfo), 'utf8'), pk).toString('base64');
  const signature = parseDom(`${open}${signedInfoXml}<ds:SignatureValue>${value}</ds:SignatureValue>${keyInfoXml}</ds:Signature>`).documentElement!;
  sgntr.appendChild(dom.importNode(signature, true));
  return new XMLSerializer().serializeToString(dom).replace(/\r/g, '&#xD;');
}

export interface SignatureCheck {
  ok: boolean;
  detail: string;
}

function dsChildren(e: XElement): XElement[] {
  return childElements(e).filter((c) => c.namespaceURI === DS_NS);
}

/**
 * Verifies the hub's signature of a business message per the profile (docs/iso20022.md): exactly one ds:Signature
 * in AppHdr/Sgntr, exc-c14n, RSA-SHA256, SHA-256 digests, the AppHdr (URI="", enveloped), the Document (no URI) and
 * optionally the KeyInfo (#Id) referenced, KeyInfo's certificate = `certPem`, the value verifying with its key.
 */
export function verifyEnvelope(text: string, certPem: string): SignatureCheck {
  let env: ReturnType<typeof domEnvelope>;
  try {
    env = domEnvelope(text);
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
  const all = env.dom.getElementsByTagNameNS(DS_NS, 'Signature');
  const sgntr = childElements(env.appHdr).find((e) => e.localName === 'Sgntr');
  if (!sgntr) return { ok: false, detail: 'no AppHdr/Sgntr: the message is not signed' };
  const sig = dsChildren(sgntr).find((e) => e.localName === 'Signature');
  if (!sig || all.length !== 1) return { ok: false, detail: `expected exactly one ds:Signature, in AppHdr/Sgntr (found ${all.length})` };
  const [signedInfo, value, keyInfo] = dsChildren(sig);
  if (signedInfo?.localName !== 'SignedInfo' || value?.localName !== 'SignatureValue')
    return { ok: false, detail: 'Signature must hold SignedInfo and SignatureValue' };
  const si = dsChildren(signedInfo);
  const c14n = si.find((e) => e.localName === 'CanonicalizationMethod')?.getAttribute('Algorithm');
  const alg = si.find((e) => e.localName === 'SignatureMethod')?.getAttribute('Algorithm');
  if (c14n !== EXC_C14N) return { ok: false, detail: `canonicalization ${c14n}, expected exclusive c14n` };
  if (alg !== RSA_SHA256) return { ok: false, detail: `signature method ${alg}, expected RSA-SHA256` };
  const cert = new X509Certificate(certPem);
  const keyInfoId = keyInfo?.localName === 'KeyInfo' ? keyInfo.getAttribute('Id') : undefined;
  if (keyInfo) {
    const certText = keyInfo.getElementsByTagNameNS(DS_NS, 'X509Certificate')[0];
    if (certText) {
      const der = Buffer.from(textContent(certText).replace(/\s+/g, ''), 'base64');
      if (!der.equals(cert.raw)) return { ok: false, detail: 'KeyInfo carries a certificate other than the hub XML-signing certificate' };
    }
  }
  const seen = new Set<string>();
  for (const ref of si.filter((e) => e.localName === 'Reference')) {
    const hasUri = ref.hasAttribute('URI');
    const uri = ref.getAttribute('URI') ?? '';
    const transforms = ref.getElementsByTagNameNS(DS_NS, 'Transform');
    const tlist: string[] = [];
    for (let i = 0; i < transforms.length; i++) tlist.push(transforms.item(i)!.getAttribute('Algorithm') ?? '');
    const digestAlg = ref.getElementsByTagNameNS(DS_NS, 'DigestMethod')[0]?.getAttribute('Algorithm');
    if (digestAlg !== SHA256) return { ok: false, detail: `digest method ${digestAlg}, expected SHA-256` };
    const digestText = textContent(ref.getElementsByTagNameNS(DS_NS, 'DigestValue')[0]!).replace(/\s+/g, '');
    let canonical: string;
    let what: string;
    if (!hasUri) {
      what = 'Document';
      if (tlist.join(' ') !== EXC_C14N) return { ok: false, detail: `Document reference transforms ${tlist.join(', ')}` };
      canonical = excC14n(env.document);
    } else if (uri === '') {
      what = 'AppHdr';
      if (tlist.join(' ') !== `${ENVELOPED} ${EXC_C14N}`) return { ok: false, detail: `AppHdr reference transforms ${tlist.join(', ')}` };
      const copy = env.appHdr.cloneNode(true) as XElement;
      const sg = childElements(copy).find((e) => e.localName === 'Sgntr')!;
      for (const c of childElements(sg)) sg.removeChild(c);
      canonical = excC14n(copy);
    } else if (keyInfoId && uri === `#${keyInfoId}`) {
      what = 'KeyInfo';
      canonical = excC14n(keyInfo!);
    } else {
      return { ok: false, detail: `unexpected reference URI ${JSON.stringify(uri)}` };
    }
    if (sha256b64(canonical) !== digestText) return { ok: false, detail: `the ${what} digest does not match` };
    seen.add(what);
  }
  if (!seen.has('AppHdr') || !seen.has('Document'))
    return { ok: false, detail: `the signature does not cover ${seen.has('AppHdr') ? 'the Document' : 'the AppHdr'}` };
  const sv = Buffer.from(textContent(value).replace(/\s+/g, ''), 'base64');
  const ok = cryptoVerify('sha256', Buffer.from(excC14n(signedInfo), 'utf8'), cert.publicKey, sv);
  return ok
    ? { ok: true, detail: `RSA-SHA256 over ${[...seen].join(', ')}` }
    : { ok: false, detail: 'the signature value does not verify with the hub certificate' };
}

/** The public key of a certificate PEM (for tests). */
export function publicKeyOfCertificate(pem: string): KeyObject {
  return createPublicKey(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'pem' }));
}

// ---- the messages a bank sends ---------------------------------------------------------------------------------

export interface Pacs008Fields {
  msgId?: string;
  /** Absent: no PmtId/TxId (optional in .08 and .14; the hub then names the payment by the UETR, else the EndToEndId). */
  txId?: string;
  endToEndId?: string;
  instrId?: string;
  uetr?: string;
  /** Decimal text exactly as written (the suite also writes amounts the hub must refuse). */
  amount: string;
  currency: string;
  chargeBearer?: 'DEBT' | 'CRED' | 'SHAR' | 'SLEV';
  debtor?: PartyRef;
  debtorAgent: Institution;
  /** null: an empty FinInstnId (the creditor agent is not named: the hub looks the creditor up). */
  creditorAgent: Institution | null;
  creditor?: PartyRef;
  /** InstgAgt / InstdAgt (FedNow-style banks name both). */
  instructingAgent?: Institution;
  instructedAgent?: Institution;
  /** RmtInf/Ustrd lines (each ≤ 140 characters). */
  remittance?: string[];
  /** Purp/Cd (ExternalPurpose1Code). */
  purpose?: string;
  /** Expiry (pacs.008.001.14 GrpHdr/XpryDtTm; in .08 the Mizani supplementary data). */
  expiry?: string;
  creDtTm?: string;
  /** InstdAmt (a cross-currency payment: the amount in the payee's currency, docs/fx.md "Banks") and XchgRate. */
  instructed?: { amount: string; currency: string };
  exchangeRate?: string;
}

function supplementXml(place: string, data: Record<string, unknown>): string {
  return el('SplmtryData', leaf('PlcAndNm', place), el('Envlp', `<Splmtry xmlns="${SUPPLEMENT_NS}">${escapeXml(JSON.stringify(data))}</Splmtry>`));
}

export function pacs008Xml(f: Pacs008Fields, version = 'pacs.008.001.08'): string {
  const v14 = version.endsWith('.14');
  const grpHdr = el(
    'GrpHdr',
    leaf('MsgId', f.msgId ?? newMsgId()),
    leaf('CreDtTm', f.creDtTm ?? isoNow()),
    v14 && f.expiry ? leaf('XpryDtTm', f.expiry) : '',
    leaf('NbOfTxs', '1'),
    el('SttlmInf', leaf('SttlmMtd', 'CLRG')),
  );
  const tx = el(
    'CdtTrfTxInf',
    el('PmtId', leaf('InstrId', f.instrId), leaf('EndToEndId', f.endToEndId ?? 'NOTPROVIDED'), leaf('TxId', f.txId), leaf('UETR', f.uetr)),
    amount('IntrBkSttlmAmt', f.amount, f.currency),
    f.instructed ? amount('InstdAmt', f.instructed.amount, f.instructed.currency) : '',
    f.exchangeRate !== undefined ? leaf('XchgRate', f.exchangeRate) : '',
    leaf('ChrgBr', f.chargeBearer ?? 'SHAR'),
    f.instructingAgent !== undefined && agent('InstgAgt', f.instructingAgent),
    f.instructedAgent !== undefined && agent('InstdAgt', f.instructedAgent),
    party('Dbtr', f.debtor),
    agent('DbtrAgt', f.debtorAgent),
    agent('CdtrAgt', f.creditorAgent),
    party('Cdtr', f.creditor),
    f.purpose !== undefined && el('Purp', leaf('Cd', f.purpose)),
    f.remittance?.length ? el('RmtInf', ...f.remittance.map((line) => leaf('Ustrd', line))) : '',
    !v14 && f.expiry ? supplementXml('/Document/FIToFICstmrCdtTrf/CdtTrfTxInf', { PmtInstrXpryDtTm: f.expiry }) : '',
  );
  return documentXml(version, el('FIToFICstmrCdtTrf', grpHdr, tx));
}

export interface Pacs002Fields {
  msgId?: string;
  /** Absent when the pacs.008 had no TxId (the status then names it by OrgnlUETR / OrgnlEndToEndId). */
  originalTxId?: string;
  originalMsgId?: string;
  originalMsgNmId?: string;
  originalEndToEndId?: string;
  originalUetr?: string;
  /** ACSC, ACSP, RJCT, … */
  status: string;
  reason?: { prtry?: string; cd?: string };
  info?: string;
  /** StsRsnInf after the first (ISO repeats it), in order. */
  moreReasons?: StatusReasonFields[];
  /** .16: PrcgDt/Dt (a date) or PrcgDt/DtTm; .10: AccptncDtTm (a date-time only). */
  processingDate?: { date?: string; dateTime?: string };
}

export interface StatusReasonFields {
  prtry?: string;
  cd?: string;
  info?: string;
}

function statusReasonXml(r: StatusReasonFields): string {
  const rsn = r.prtry !== undefined ? el('Rsn', leaf('Prtry', r.prtry)) : r.cd !== undefined ? el('Rsn', leaf('Cd', r.cd)) : '';
  return el('StsRsnInf', rsn, leaf('AddtlInf', r.info));
}

function processingDateXml(d: Pacs002Fields['processingDate'], version: string): string {
  if (!d) return '';
  if (version === 'pacs.002.001.16') return el('PrcgDt', d.date !== undefined ? leaf('Dt', d.date) : leaf('DtTm', d.dateTime));
  if (d.date !== undefined) throw new Error(`${version} has no element for a processing date without a time`);
  return leaf('AccptncDtTm', d.dateTime);
}

export function pacs002Xml(f: Pacs002Fields, version = 'pacs.002.001.10'): string {
  const tx = el(
    'TxInfAndSts',
    f.originalMsgId && el('OrgnlGrpInf', leaf('OrgnlMsgId', f.originalMsgId), leaf('OrgnlMsgNmId', f.originalMsgNmId ?? 'pacs.008.001.08')),
    leaf('OrgnlEndToEndId', f.originalEndToEndId),
    leaf('OrgnlTxId', f.originalTxId),
    leaf('OrgnlUETR', f.originalUetr),
    leaf('TxSts', f.status),
    f.reason && statusReasonXml({ ...f.reason, info: f.info }),
    ...(f.moreReasons ?? []).map(statusReasonXml),
    processingDateXml(f.processingDate, version),
  );
  return documentXml(version, el('FIToFIPmtStsRpt', el('GrpHdr', leaf('MsgId', f.msgId ?? newMsgId()), leaf('CreDtTm', isoNow())), tx));
}

export interface Acmt024Fields {
  msgId?: string;
  /** The bank answering. */
  assigner: Institution;
  /** The FSP that asked (acmt.023 Assgnmt/Assgnr, named as it was there). */
  assignee: Institution;
  originalMsgId?: string;
  /** acmt.023 Vrfctn/Id (`<Type>/<ID>[/<SubId>]`). */
  originalId: string;
  verified: boolean;
  /** Reason when not verified (Rsn/Cd, e.g. 3204). */
  reason?: string;
  party?: PartyRef;
  currency?: string;
  /** Agt/FinInstnId of the party (the bank). */
  agentFsp?: Institution;
}

export function acmt024Xml(f: Acmt024Fields): string {
  const updated =
    f.verified && f.party
      ? el('UpdtdPtyAndAcctId', party('Pty', f.party), f.currency && el('Acct', leaf('Ccy', f.currency)), f.agentFsp && agent('Agt', f.agentFsp))
      : '';
  const body = el(
    'IdVrfctnRpt',
    el(
      'Assgnmt',
      leaf('MsgId', f.msgId ?? newMsgId()),
      leaf('CreDtTm', isoNow()),
      assignmentParty('Assgnr', f.assigner),
      assignmentParty('Assgne', f.assignee),
    ),
    f.originalMsgId && el('OrgnlAssgnmt', leaf('MsgId', f.originalMsgId)),
    el('Rpt', leaf('OrgnlId', f.originalId), leaf('Vrfctn', f.verified ? 'true' : 'false'), f.reason && el('Rsn', leaf('Cd', f.reason)), updated),
  );
  return documentXml('acmt.024.001.04', body);
}

export interface Acmt023Fields {
  msgId?: string;
  assigner: Institution;
  /** The FSP asked; the hub when the bank does not know. */
  assignee: Institution;
  party: PartyRef;
  /** Vrfctn/Id: the bank's own id for this verification (default: a fresh one). */
  verificationId?: string;
}

export function acmt023Xml(f: Acmt023Fields): string {
  const body = el(
    'IdVrfctnReq',
    el(
      'Assgnmt',
      leaf('MsgId', f.msgId ?? newMsgId()),
      leaf('CreDtTm', isoNow()),
      assignmentParty('Assgnr', f.assigner),
      assignmentParty('Assgne', f.assignee),
    ),
    el('Vrfctn', leaf('Id', f.verificationId ?? newMsgId()), el('PtyAndAcctId', party('Pty', f.party))),
  );
  return documentXml('acmt.023.001.04', body);
}

export interface Pacs028Fields {
  msgId?: string;
  /** At least one of the original ids. */
  originalTxId?: string;
  originalEndToEndId?: string;
  originalUetr?: string;
  statusRequestId?: string;
  instructingAgent?: Institution;
}

export function pacs028Xml(f: Pacs028Fields, version = 'pacs.028.001.03'): string {
  const body = el(
    'FIToFIPmtStsReq',
    el('GrpHdr', leaf('MsgId', f.msgId ?? newMsgId()), leaf('CreDtTm', isoNow()), f.instructingAgent && agent('InstgAgt', f.instructingAgent)),
    el(
      'TxInf',
      leaf('StsReqId', f.statusRequestId),
      leaf('OrgnlEndToEndId', f.originalEndToEndId),
      leaf('OrgnlTxId', f.originalTxId),
      leaf('OrgnlUETR', f.originalUetr),
    ),
  );
  return documentXml(version, body);
}

export interface Camt056Fields {
  id?: string;
  assigner: Institution;
  assignee: Institution;
  originalTxId: string;
  cancellationId?: string;
  reason?: { cd?: string; prtry?: string };
  info?: string;
}

export function camt056Xml(f: Camt056Fields, version = 'camt.056.001.08'): string {
  const body = el(
    'FIToFIPmtCxlReq',
    el('Assgnmt', leaf('Id', f.id ?? newMsgId()), assignmentParty('Assgnr', f.assigner), assignmentParty('Assgne', f.assignee), leaf('CreDtTm', isoNow())),
    el(
      'Undrlyg',
      el(
        'TxInf',
        leaf('CxlId', f.cancellationId),
        leaf('OrgnlTxId', f.originalTxId),
        (f.reason || f.info) &&
          el('CxlRsnInf', f.reason && el('Rsn', f.reason.cd !== undefined ? leaf('Cd', f.reason.cd) : leaf('Prtry', f.reason.prtry)), leaf('AddtlInf', f.info)),
      ),
    ),
  );
  return documentXml(version, body);
}

/** `<Type>/<ID>` of a `Vrfctn/Id` or `Rpt/OrgnlId`. */
export function splitPartyId(id: string): { type: string; id: string; subId?: string } {
  const [type = '', ident = '', subId] = id.split('/');
  return subId === undefined ? { type, id: ident } : { type, id: ident, subId };
}
