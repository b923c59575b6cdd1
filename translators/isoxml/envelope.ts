/**
 * The wire format of one ISO 20022 business message on the hub's XML edge.
 *
 * A business message is the Business Application Header (head.001 `AppHdr`) plus the message
 * (`Document`). ISO 20022 puts the header BESIDE the Document, not inside it, so one XML document
 * needs a wrapper root; ISO does not define one (SWIFT uses `urn:swift:xsd:envelope`, FedNow and
 * others their own). Mizani's wrapper is:
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <Message xmlns="urn:mizani:xsd:envelope">
 *     <AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02">…<Sgntr><ds:Signature …/></Sgntr></AppHdr>
 *     <Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">…</Document>
 *   </Message>
 *
 * Rules (enforced by parse.ts): the root is `{urn:mizani:xsd:envelope}Message`, with no attributes
 * other than namespace declarations, holding exactly two elements, `AppHdr` then `Document`, and
 * nothing else but whitespace and comments. Prefixes are free (`<env:Message xmlns:env=…>`,
 * `<h:AppHdr …>` are the same message). The XML signature lives in `AppHdr/Sgntr` and covers the
 * AppHdr and the Document independently of the wrapper (exclusive canonicalization), so a bank may
 * re-wrap a signed message in its own transport envelope and unwrap it again without breaking the
 * signature. HTTP: `POST` with `Content-Type: application/xml; charset=utf-8` (the lead wires the
 * endpoint); one business message per request and per callback.
 *
 * The wrapper has a formal definition for tools, `envelopeXsd()` below: an XSD 1.0 schema that
 * imports the official head.001 and message schemas unmodified and declares `Message` as a
 * sequence of two strict wildcards (any head.001 `AppHdr`, then any supported `Document`).
 */
import type { Document as XmldomDocument, Element as XmldomElement, Node as XmldomNode } from '@xmldom/xmldom';
import { HEAD_DEFINITIONS, MESSAGE_DEFINITIONS } from './catalog.js';
import { XmlRejection } from './rejection.js';
import { XML_DECLARATION, escapeAttr } from './xml.js';

export const ENVELOPE_NAMESPACE = 'urn:mizani:xsd:envelope';
export const ENVELOPE_ELEMENT = 'Message';
export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

/** Wraps a rendered AppHdr and Document (each with its own default namespace) into one message. */
export function emitEnvelope(appHdrXml: string, documentXml: string): string {
  return `${XML_DECLARATION}\n<${ENVELOPE_ELEMENT} xmlns="${ENVELOPE_NAMESPACE}">${appHdrXml}${documentXml}</${ENVELOPE_ELEMENT}>\n`;
}

export interface EnvelopeParts {
  root: XmldomElement;
  appHdr: XmldomElement;
  document: XmldomElement;
  /** `AppHdr/Sgntr`, when present. */
  sgntr?: XmldomElement;
  /** `AppHdr/Sgntr/ds:Signature`, when present. */
  signature?: XmldomElement;
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const COMMENT_NODE = 8;

function elementChildren(parent: XmldomElement): XmldomElement[] {
  const out: XmldomElement[] = [];
  for (let n: XmldomNode | null = parent.firstChild; n; n = n.nextSibling) if (n.nodeType === ELEMENT_NODE) out.push(n as XmldomElement);
  return out;
}

/**
 * Finds the parts of a parsed envelope (xmldom), with the same structural rules as the libxml2 pass,
 * and the signature: at most one ds:Signature in the whole message, and only at AppHdr/Sgntr.
 */
export function locateEnvelopeParts(dom: XmldomDocument): EnvelopeParts {
  const root = dom.documentElement;
  if (!root || root.localName !== ENVELOPE_ELEMENT || root.namespaceURI !== ENVELOPE_NAMESPACE) {
    throw new XmlRejection('ENVELOPE', `the root element must be {${ENVELOPE_NAMESPACE}}${ENVELOPE_ELEMENT}`);
  }
  for (let n: XmldomNode | null = root.firstChild; n; n = n.nextSibling) {
    const t = n.nodeType;
    if (t === ELEMENT_NODE || t === COMMENT_NODE) continue;
    if ((t === TEXT_NODE || t === CDATA_SECTION_NODE) && !/\S/.test((n as unknown as { data: string }).data)) continue;
    throw new XmlRejection('ENVELOPE', 'content in the envelope outside AppHdr and Document', { path: `/${ENVELOPE_ELEMENT}` });
  }
  const children = elementChildren(root);
  const [appHdr, document] = children;
  if (children.length !== 2 || appHdr!.localName !== 'AppHdr' || document!.localName !== 'Document') {
    throw new XmlRejection('ENVELOPE', 'the envelope must hold exactly AppHdr then Document', { path: `/${ENVELOPE_ELEMENT}` });
  }
  const parts: EnvelopeParts = { root, appHdr: appHdr!, document: document! };
  const sgntr = elementChildren(appHdr!).find((e) => e.localName === 'Sgntr' && e.namespaceURI === appHdr!.namespaceURI);
  const all = dom.getElementsByTagNameNS(XMLDSIG_NS, 'Signature');
  if (sgntr) {
    parts.sgntr = sgntr;
    const inside = elementChildren(sgntr);
    if (inside.length !== 1 || inside[0]!.localName !== 'Signature' || inside[0]!.namespaceURI !== XMLDSIG_NS) {
      throw new XmlRejection('SIGNATURE_MALFORMED', 'AppHdr/Sgntr must hold exactly one ds:Signature', { path: `/${ENVELOPE_ELEMENT}/AppHdr/Sgntr` });
    }
    parts.signature = inside[0]!;
  }
  if (all.length > (parts.signature ? 1 : 0)) {
    throw new XmlRejection('SIGNATURE_MALFORMED', 'a ds:Signature outside AppHdr/Sgntr: the only accepted signature is the one in the header');
  }
  return parts;
}

/**
 * A formal XSD for the envelope (for tools: the CLI and the official-schema test helper). It
 * imports each official schema it needs from `schemaLocationOf(file)`; the wildcards are strict,
 * so the AppHdr and the Document are validated exactly as the official schemas define them.
 */
export function envelopeXsd(schemaLocationOf: (xsdFile: string) => string, only?: { head: string[]; messages: string[] }): string {
  const heads = HEAD_DEFINITIONS.filter((d) => !only || only.head.includes(d.version));
  const messages = MESSAGE_DEFINITIONS.filter((d) => !only || only.messages.includes(d.version));
  const imports = [...heads, ...messages]
    .map((d) => `  <xs:import namespace="${escapeAttr(d.namespace)}" schemaLocation="${escapeAttr(schemaLocationOf(d.xsdFile))}"/>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- The Mizani business-message envelope (not an ISO 20022 schema): AppHdr then Document. -->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="${ENVELOPE_NAMESPACE}" elementFormDefault="qualified">
${imports}
  <xs:element name="${ENVELOPE_ELEMENT}">
    <xs:complexType>
      <xs:sequence>
        <xs:any namespace="${heads.map((d) => d.namespace).join(' ')}" processContents="strict"/>
        <xs:any namespace="${messages.map((d) => d.namespace).join(' ')}" processContents="strict"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
`;
}
