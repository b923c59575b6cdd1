/**
 * Secure parsing of one inbound business message (see envelope.ts for the wire format).
 *
 * Order of the checks, cheapest and most dangerous first:
 *   1. raw bytes, BEFORE any parser sees them (`screenXml`): size limit; UTF-8 only (no UTF-16/32,
 *      a declared encoding other than UTF-8 is refused, invalid UTF-8 sequences are refused);
 *      `<!DOCTYPE`, `<!ENTITY` or any other `<!` declaration refused; processing instructions
 *      refused except the XML declaration at the very start; nesting depth and element count
 *      limits; at most one AppHdr, one Document and one ds:Signature element anywhere.
 *   2. libxml2 parse with no network, no external entities, no DTD loading and no entity
 *      substitution (nothing external is ever resolved: step 1 already refused any DTD);
 *   3. the envelope: root `{urn:mizani:xsd:envelope}Message` with exactly `AppHdr` then `Document`;
 *   4. identification: the Document namespace names the message (e.g.
 *      `urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08`), the AppHdr namespace the header version;
 *      both must be supported and `AppHdr/MsgDefIdr` must name the same message;
 *   5. XSD validation of both parts against the compiled runtime schemas (validate.ts);
 *   6. a second, DOM parse (@xmldom/xmldom) of the same text: the tree the signature is verified on
 *      and the mappings read, so what is verified is exactly what is used.
 * Every refusal is an XmlRejection with an ISO reason code and a location when one is known.
 */
import type { Document as XmldomDocument, Element as XmldomElement } from '@xmldom/xmldom';
import { XmlComment, XmlElement, XmlText, XmlCData, type XmlDocument } from 'libxml2-wasm';
import {
  HEAD_DEFINITIONS,
  MESSAGE_DEFINITIONS,
  headByNamespaceUri,
  messageByNamespace,
  versionOfNamespace,
  type HeadDefinition,
  type MessageDefinition,
} from './catalog.js';
import { ENVELOPE_ELEMENT, ENVELOPE_NAMESPACE, locateEnvelopeParts } from './envelope.js';
import type { BusinessApplicationHeader } from '../../schemas/iso/head001.js';
import { headerFromXml } from './head001.js';
import { XmlRejection, type XmlLocation } from './rejection.js';
import { parseLibxml, runtimeSchemas, type RuntimeSchemas } from './validate.js';
import { XNode, domOf } from './xml.js';

export interface XmlLimits {
  /** Largest accepted message, in bytes of UTF-8. */
  maxBytes: number;
  /** Deepest element nesting (the envelope root is depth 1). */
  maxDepth: number;
  /** Most elements in one message. */
  maxElements: number;
}

/**
 * Defaults: a typical pacs.008 is 2–6 KB and a signed one about 2 KB more; 256 KiB leaves room for
 * long remittance information while bounding work per request. The deepest path of the supported
 * messages is 14 levels under the envelope (ISO address and remittance structures); 32 is ample.
 */
export const DEFAULT_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({ maxBytes: 256 * 1024, maxDepth: 32, maxElements: 5000 });

export interface ScreenedXml {
  /** UTF-8 bytes without a byte order mark. */
  bytes: Buffer;
  text: string;
  elements: number;
  depth: number;
}

const UTF8_DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function columnAt(text: string, index: number): number {
  return index - text.lastIndexOf('\n', index - 1);
}

function at(text: string, index: number): XmlLocation {
  return { line: lineAt(text, index), column: columnAt(text, index) };
}

const NAME_START = /[A-Za-z_:\u00C0-\uFFFF]/;
const XML_DECL = /^<\?xml(\s+[^?]*)?\?>/;

function checkDeclaration(text: string): number {
  if (!text.startsWith('<?xml')) return 0;
  const next = text.charAt(5);
  if (next !== ' ' && next !== '\t' && next !== '\r' && next !== '\n' && next !== '?') {
    throw new XmlRejection('PROCESSING_INSTRUCTION', 'processing instructions are not accepted', at(text, 0));
  }
  const m = XML_DECL.exec(text);
  if (!m) throw new XmlRejection('NOT_WELL_FORMED', 'the XML declaration is not terminated', at(text, 0));
  const pseudo = m[1] ?? '';
  const version = /\bversion\s*=\s*(["'])([^"']*)\1/.exec(pseudo);
  if (!version || version[2] !== '1.0') {
    throw new XmlRejection('NOT_WELL_FORMED', `XML version ${version ? JSON.stringify(version[2]) : '(missing)'} is not accepted: only 1.0`, at(text, 0));
  }
  const encoding = /\bencoding\s*=\s*(["'])([^"']*)\1/.exec(pseudo);
  if (encoding && encoding[2]!.toUpperCase() !== 'UTF-8') {
    throw new XmlRejection('ENCODING', `encoding ${JSON.stringify(encoding[2]!.slice(0, 40))} is not accepted: only UTF-8`, at(text, 0));
  }
  return m[0].length;
}

/** The local part of a tag name (`ds:Signature` → `Signature`). */
function localPart(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/** The message as UTF-8 text and bytes (BOM removed); too large, UTF-16/32 or invalid UTF-8 is refused. */
function decodeInput(input: Buffer | Uint8Array | string, maxBytes: number): { bytes: Buffer; text: string } {
  let bytes: Buffer;
  let text: string;
  if (typeof input === 'string') {
    if (input.length > maxBytes || Buffer.byteLength(input, 'utf8') > maxBytes) {
      throw new XmlRejection('TOO_LARGE', `message larger than ${maxBytes} bytes`);
    }
    if (!(input as unknown as { isWellFormed(): boolean }).isWellFormed()) {
      throw new XmlRejection('ENCODING', 'the text holds an unpaired surrogate: not encodable as UTF-8');
    }
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
    bytes = Buffer.from(text, 'utf8');
  } else {
    if (input.length > maxBytes) throw new XmlRejection('TOO_LARGE', `message of ${input.length} bytes, larger than ${maxBytes}`);
    let buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.length);
    if ((buf[0] === 0xfe && buf[1] === 0xff) || (buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0 && buf[1] === 0)) {
      throw new XmlRejection('ENCODING', 'UTF-16/UTF-32 input is not accepted: only UTF-8');
    }
    if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    try {
      text = UTF8_DECODER.decode(buf);
    } catch {
      throw new XmlRejection('ENCODING', 'the message is not valid UTF-8');
    }
    bytes = buf;
  }
  return { bytes, text };
}

/** The start tag at `i`: its local name, and the index of its closing '>' (quoted attribute values may hold '>'). */
function scanStartTag(text: string, i: number): { local: string; end: number } {
  const n = text.length;
  let j = i + 1;
  if (j >= n || !NAME_START.test(text.charAt(j))) throw new XmlRejection('NOT_WELL_FORMED', "'<' not followed by a tag name", at(text, i));
  while (j < n) {
    const ch = text.charCodeAt(j);
    if (ch === 0x20 || ch === 0x09 || ch === 0x0a || ch === 0x0d || ch === 0x3e /* > */ || ch === 0x2f /* / */) break;
    j++;
  }
  const local = localPart(text.slice(i + 1, j));
  let quote = 0;
  while (j < n) {
    const ch = text.charCodeAt(j);
    if (quote) {
      if (ch === quote) quote = 0;
    } else if (ch === 0x22 || ch === 0x27) {
      quote = ch;
    } else if (ch === 0x3e) {
      break;
    }
    j++;
  }
  if (j >= n) throw new XmlRejection('NOT_WELL_FORMED', 'unterminated start tag', at(text, i));
  return { local, end: j };
}

/**
 * Checks the raw message before any XML parser sees it. Returns the UTF-8 text and bytes.
 * Refuses: too large, not UTF-8, DTD or entity declarations, processing instructions, too deep,
 * too many elements, and a second AppHdr, Document or Signature element anywhere (signature
 * wrapping needs a second copy of what was signed).
 */
export function screenXml(input: Buffer | Uint8Array | string, limits: Partial<XmlLimits> = {}): ScreenedXml {
  const max = { ...DEFAULT_XML_LIMITS, ...limits };
  const { bytes, text } = decodeInput(input, max.maxBytes);
  if (text.length === 0) throw new XmlRejection('NOT_WELL_FORMED', 'empty message');

  let i = checkDeclaration(text);
  let depth = 0;
  let deepest = 0;
  let elements = 0;
  let appHdrs = 0;
  let documents = 0;
  let signatures = 0;
  for (;;) {
    i = text.indexOf('<', i);
    if (i === -1) break;
    const c = text.charCodeAt(i + 1);
    if (c === 0x3f /* ? */) {
      throw new XmlRejection('PROCESSING_INSTRUCTION', 'processing instructions are not accepted (only the XML declaration, at the start)', at(text, i));
    }
    if (c === 0x21 /* ! */) {
      if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i + 4);
        if (end === -1) throw new XmlRejection('NOT_WELL_FORMED', 'unterminated comment', at(text, i));
        i = end + 3;
        continue;
      }
      if (text.startsWith('<![CDATA[', i)) {
        const end = text.indexOf(']]>', i + 9);
        if (end === -1) throw new XmlRejection('NOT_WELL_FORMED', 'unterminated CDATA section', at(text, i));
        i = end + 3;
        continue;
      }
      const word = /^<!([A-Za-z]*)/.exec(text.slice(i, i + 12))![1]!.toUpperCase();
      throw new XmlRejection('DTD', `${word ? `<!${word}` : '<!'} is not accepted: no DTD, entity or markup declarations`, at(text, i));
    }
    if (c === 0x2f /* / */) {
      depth--;
      const end = text.indexOf('>', i + 2);
      if (end === -1) throw new XmlRejection('NOT_WELL_FORMED', 'unterminated end tag', at(text, i));
      i = end + 1;
      continue;
    }
    // start tag: read the name, then skip attributes (quoted values may hold '>')
    const { local, end: j } = scanStartTag(text, i);
    const selfClosing = text.charCodeAt(j - 1) === 0x2f;
    elements++;
    if (elements > max.maxElements) throw new XmlRejection('TOO_MANY_ELEMENTS', `more than ${max.maxElements} elements`, at(text, i));
    const level = depth + 1;
    if (level > max.maxDepth) throw new XmlRejection('TOO_DEEP', `elements nested deeper than ${max.maxDepth} levels`, at(text, i));
    if (level > deepest) deepest = level;
    if (local === 'AppHdr' && ++appHdrs > 1) throw new XmlRejection('ENVELOPE', 'a second AppHdr element: exactly one is accepted', at(text, i));
    if (local === 'Document' && ++documents > 1) throw new XmlRejection('ENVELOPE', 'a second Document element: exactly one is accepted', at(text, i));
    if (local === 'Signature' && ++signatures > 1) throw new XmlRejection('ENVELOPE', 'a second Signature element: exactly one is accepted', at(text, i));
    if (!selfClosing) depth = level;
    i = j + 1;
  }
  return { bytes, text, elements, depth: deepest };
}

// ------------------------------------------------------------------------------------------ the parse

export interface ParsedBusinessMessage {
  /** The received text (UTF-8 decoded, BOM removed). */
  text: string;
  head: HeadDefinition;
  definition: MessageDefinition;
  /** The business application header, canonical. */
  header: BusinessApplicationHeader;
  /** The DOM (xmldom) the signature is verified on and the mappings read. */
  dom: XmldomDocument;
  appHdr: XNode;
  /** The `Document` element. */
  document: XNode;
  /** `AppHdr/Sgntr/ds:Signature`, when the message is signed. */
  signature?: XmldomElement;
}

export interface ParseOptions {
  limits?: Partial<XmlLimits>;
  /** Compiled schemas (defaults to the process-wide ones). */
  schemas?: RuntimeSchemas;
  /** XSD validation (default true). Turn it off only for tools that validate separately. */
  validate?: boolean;
}

function elementChildren(el: XmlElement): { elements: XmlElement[]; strayText?: string } {
  const elements: XmlElement[] = [];
  let strayText: string | undefined;
  for (let c = el.firstChild; c; c = c.next) {
    if (c instanceof XmlElement) elements.push(c);
    else if ((c instanceof XmlText || c instanceof XmlCData) && /\S/.test(c.content)) strayText ??= c.content.trim().slice(0, 40);
    else if (!(c instanceof XmlText) && !(c instanceof XmlComment)) strayText ??= '(unexpected node)';
  }
  return strayText === undefined ? { elements } : { elements, strayText };
}

/** What a bank may send (the hub's own reports, which parse too, are not offered). */
function supportedList(): string {
  return [...HEAD_DEFINITIONS.map((d) => d.version), ...MESSAGE_DEFINITIONS.filter((d) => d.fromBanks).map((d) => d.version)].join(', ');
}

/** Identifies the message from the libxml2 tree and validates both parts. */
function checkLibxml(doc: XmlDocument, schemas: RuntimeSchemas | undefined): { head: HeadDefinition; definition: MessageDefinition } {
  const root = doc.root;
  if (root.name !== ENVELOPE_ELEMENT || root.namespaceUri !== ENVELOPE_NAMESPACE) {
    const ns = root.namespaceUri ? `{${root.namespaceUri}}` : '';
    throw new XmlRejection(
      'ENVELOPE',
      `the root element must be {${ENVELOPE_NAMESPACE}}${ENVELOPE_ELEMENT} holding AppHdr and Document, found ${ns}${root.name}`,
      { line: root.line, path: `/${root.name}` },
    );
  }
  for (const a of root.attrs) {
    throw new XmlRejection('ENVELOPE', `the envelope takes no attributes, found ${a.name}`, { line: root.line, path: `/${ENVELOPE_ELEMENT}` });
  }
  const { elements, strayText } = elementChildren(root);
  if (strayText !== undefined) {
    throw new XmlRejection('ENVELOPE', `text in the envelope outside AppHdr and Document: ${JSON.stringify(strayText)}`, { path: `/${ENVELOPE_ELEMENT}` });
  }
  const [appHdr, document] = elements;
  if (elements.length !== 2 || appHdr!.name !== 'AppHdr' || document!.name !== 'Document') {
    const found = elements.map((e) => e.name).join(', ') || 'nothing';
    throw new XmlRejection('ENVELOPE', `the envelope must hold exactly AppHdr then Document, found ${found}`, {
      line: root.line,
      path: `/${ENVELOPE_ELEMENT}`,
    });
  }
  const head = headByNamespaceUri(appHdr!.namespaceUri);
  if (!head) {
    const v = versionOfNamespace(appHdr!.namespaceUri);
    throw new XmlRejection(
      'UNSUPPORTED_MESSAGE',
      v
        ? `header ${v} is not supported (supported: ${HEAD_DEFINITIONS.map((d) => d.version).join(', ')})`
        : `AppHdr namespace ${JSON.stringify(appHdr!.namespaceUri.slice(0, 80))} is not a head.001 namespace`,
      { line: appHdr!.line, path: `/${ENVELOPE_ELEMENT}/AppHdr` },
    );
  }
  const definition = messageByNamespace(document!.namespaceUri);
  if (!definition) {
    const v = versionOfNamespace(document!.namespaceUri);
    throw new XmlRejection(
      'UNSUPPORTED_MESSAGE',
      v
        ? `message ${v} is not supported (supported: ${supportedList()})`
        : `Document namespace ${JSON.stringify(document!.namespaceUri.slice(0, 80))} is not an ISO 20022 message namespace`,
      { line: document!.line, path: `/${ENVELOPE_ELEMENT}/Document` },
    );
  }
  // AppHdr/MsgDefIdr must name the message in the Document (checked before the schema so that a
  // mismatch gets its own, precise reason).
  let msgDefIdr: XmlElement | undefined;
  for (let c = appHdr!.firstChild; c; c = c.next) {
    if (c instanceof XmlElement && c.name === 'MsgDefIdr' && c.namespaceUri === head.namespace) {
      msgDefIdr = c;
      break;
    }
  }
  if (msgDefIdr && msgDefIdr.content !== definition.version) {
    throw new XmlRejection(
      'HEADER_MISMATCH',
      `AppHdr/MsgDefIdr ${JSON.stringify(msgDefIdr.content.slice(0, 35))} does not name the message in Document (${definition.version})`,
      { line: msgDefIdr.line, path: `/${ENVELOPE_ELEMENT}/AppHdr/MsgDefIdr` },
    );
  }
  if (schemas) {
    schemas.assertValid(head.version, appHdr!, doc);
    schemas.assertValid(definition.version, document!, doc);
  }
  return { head, definition };
}

/**
 * Parses, identifies and validates one inbound business message. Throws XmlRejection.
 * The signature is not checked here (signature.ts, with the sender's registered certificate).
 */
export function parseBusinessMessage(input: Buffer | Uint8Array | string, options: ParseOptions = {}): ParsedBusinessMessage {
  const screened = screenXml(input, options.limits);
  const schemas = options.validate === false ? undefined : (options.schemas ?? runtimeSchemas());
  const doc = parseLibxml(screened.bytes);
  let ids: { head: HeadDefinition; definition: MessageDefinition };
  try {
    ids = checkLibxml(doc, schemas);
  } finally {
    doc.dispose();
  }
  const dom = domOf(screened.text);
  const parts = locateEnvelopeParts(dom);
  const appHdr = new XNode(parts.appHdr, new XNode(parts.root));
  const document = new XNode(parts.document, new XNode(parts.root));
  const header = headerFromXml(appHdr);
  const parsed: ParsedBusinessMessage = { text: screened.text, head: ids.head, definition: ids.definition, header, dom, appHdr, document };
  if (parts.signature) parsed.signature = parts.signature;
  return parsed;
}
