/**
 * The ISO 20022 parts of an XML file, for validation (`mizani validate`): a bare `AppHdr` or `Document`, the Mizani
 * envelope (`{urn:mizani:xsd:envelope}Message` = AppHdr then Document), or a foreign wrapper — any root element in any
 * other namespace (FedNow-style transport envelopes) whose children include a head.001 `AppHdr`, ISO `Document`s, or
 * message roots such as `FIToFICstmrCdtTrf` in an ISO namespace without the `Document` around them.
 *
 * Each part becomes a standalone text with the SAME line numbers as the file (everything outside the part is blanked,
 * newlines kept), so any validator's `line:column` points into the file. A message root without `Document` is wrapped
 * in a synthetic `<Document xmlns="…">` (on its first line); namespace declarations the part inherits from the wrapper
 * are copied onto its start tag. Columns on a part's first line may then be off; lines never are.
 */
import { XmlElement, type XmlDocument } from 'libxml2-wasm';
import { ENVELOPE_ELEMENT, ENVELOPE_NAMESPACE } from './envelope.js';
import { ISO_NAMESPACE_PREFIX, versionOfNamespace } from './catalog.js';
import { escapeAttr } from './xml.js';

export interface XmlPart {
  /** `AppHdr`, `Document`, or the message root's name (`FIToFICstmrCdtTrf`). */
  label: string;
  /** `head.001.001.02`, `pacs.008.001.08`, … (from the namespace). */
  version: string;
  role: 'header' | 'message';
  /** A standalone document (root AppHdr or Document) with the file's line numbers. */
  text: string;
  /** Where its elements are in the file: prepended to the part's own element paths (e.g. `/Message`). */
  pathPrefix: string;
  /** The part's root was wrapped in a synthetic Document (its paths drop that `/Document`). */
  wrapped: boolean;
  /** Line of the part's start tag in the file. */
  line: number;
}

export interface FileParts {
  kind: 'AppHdr' | 'Document' | 'message' | 'envelope' | 'wrapper';
  /** The root element, `{namespace}name`. */
  root: string;
  parts: XmlPart[];
  /** Children of a wrapper that are no ISO 20022 part (reported, not validated). */
  skipped: string[];
}

interface Span {
  start: number;
  /** End of the start tag (index of its `>`), and whether it is `<…/>`. */
  tagEnd: number;
  end: number;
}

/** Offsets of the root element's child elements, in document order (the text is well-formed and screened). */
export function childSpans(text: string): Span[] {
  const spans: Span[] = [];
  let depth = 0;
  let open: { start: number; tagEnd: number } | undefined;
  let i = 0;
  for (;;) {
    i = text.indexOf('<', i);
    if (i === -1) return spans;
    if (text.startsWith('<!--', i)) i = text.indexOf('-->', i) + 3;
    else if (text.startsWith('<![CDATA[', i)) i = text.indexOf(']]>', i) + 3;
    else if (text.startsWith('<?', i)) i = text.indexOf('?>', i) + 2;
    else if (text.charAt(i + 1) === '/') {
      const end = text.indexOf('>', i) + 1;
      depth--;
      if (depth === 1 && open) spans.push({ ...open, end });
      i = end;
    } else {
      const tagEnd = startTagEnd(text, i);
      const selfClosing = text.charAt(tagEnd - 1) === '/';
      if (depth === 1 && selfClosing) spans.push({ start: i, tagEnd, end: tagEnd + 1 });
      else if (depth === 1) open = { start: i, tagEnd };
      if (!selfClosing) depth++;
      i = tagEnd + 1;
    }
  }
}

/** Index of the `>` closing the start tag at `start` (quoted attribute values may hold `>`). */
function startTagEnd(text: string, start: number): number {
  let quote = '';
  for (let j = start + 1; j < text.length; j++) {
    const c = text.charAt(j);
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return j;
  }
  return text.length - 1;
}

/** The root element's span: from its start tag to the end of the text's last tag. */
function rootSpan(text: string): Span {
  let i = text.indexOf('<');
  while (i !== -1 && (text.startsWith('<?', i) || text.startsWith('<!--', i))) {
    i = text.indexOf('<', text.startsWith('<?', i) ? text.indexOf('?>', i) + 2 : text.indexOf('-->', i) + 3);
  }
  const start = Math.max(0, i);
  return { start, tagEnd: startTagEnd(text, start), end: text.lastIndexOf('>') + 1 };
}

/** Everything but `[from, to)` blanked (newlines kept), so lines and columns stay the file's. */
function keepOnly(text: string, from: number, to: number): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  return blank(text.slice(0, from)) + text.slice(from, to) + blank(text.slice(to));
}

/** Namespace declarations in scope at `element` from its ancestors that it does not redeclare itself. */
function inheritedDeclarations(element: XmlElement, except: Set<string>): string {
  const own = element.nsDeclarations;
  const out: string[] = [];
  for (let a = element.parent; a instanceof XmlElement; a = a.parent) {
    for (const [prefix, uri] of Object.entries(a.nsDeclarations)) {
      if (prefix in own || except.has(prefix) || out.some((d) => d.startsWith(prefix === '' ? 'xmlns=' : `xmlns:${prefix}=`))) continue;
      out.push(`${prefix === '' ? 'xmlns' : `xmlns:${prefix}`}="${escapeAttr(uri)}"`);
    }
  }
  return out.join(' ');
}

function partOf(text: string, element: XmlElement, span: Span, pathPrefix: string): XmlPart | undefined {
  const version = versionOfNamespace(element.namespaceUri);
  if (!version) return undefined;
  const isHead = version.startsWith('head.001.');
  if (isHead && element.name !== 'AppHdr') return undefined;
  const base = { version, pathPrefix, line: element.line };
  if (isHead || element.name === 'Document') {
    const inherited = inheritedDeclarations(element, new Set());
    const nameEnd = span.start + 1 + /^[^\s/>]*/.exec(text.slice(span.start + 1))![0].length;
    const body = inherited ? text.slice(0, nameEnd) + ` ${inherited}` + text.slice(nameEnd) : text;
    const shift = body.length - text.length;
    return { ...base, label: element.name, role: isHead ? 'header' : 'message', text: keepOnly(body, span.start, span.end + shift), wrapped: false };
  }
  // A message root without its Document (FedNow-style wrappers): validated as the Document's one child.
  const inherited = inheritedDeclarations(element, new Set(['']));
  const open = `<Document xmlns="${escapeAttr(ISO_NAMESPACE_PREFIX + version)}"${inherited ? ` ${inherited}` : ''}>`;
  const kept = keepOnly(text, span.start, span.end);
  const wrapped = kept.slice(0, span.start) + open + kept.slice(span.start, span.end) + '</Document>' + kept.slice(span.end);
  return { ...base, label: element.name, role: 'message', text: wrapped, wrapped: true };
}

function elementChildren(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let c = el.firstChild; c; c = c.next) if (c instanceof XmlElement) out.push(c);
  return out;
}

/** The parts of a parsed file (`doc` is the libxml2 parse of `text`). */
export function locateParts(text: string, doc: XmlDocument): FileParts {
  const root = doc.root;
  const rootName = `{${root.namespaceUri}}${root.name}`;
  const asPart = partOf(text, root, rootSpan(text), '');
  if (asPart) {
    const kind = asPart.role === 'header' ? 'AppHdr' : asPart.wrapped ? 'message' : 'Document';
    return { kind, root: rootName, parts: [asPart], skipped: [] };
  }
  const children = elementChildren(root);
  const spans = childSpans(text);
  const parts: XmlPart[] = [];
  const skipped: string[] = [];
  children.forEach((child, i) => {
    const part = spans[i] && partOf(text, child, spans[i]!, `/${root.name}`);
    if (part) parts.push(part);
    else skipped.push(`{${child.namespaceUri}}${child.name} (line ${child.line})`);
  });
  const mizani = root.name === ENVELOPE_ELEMENT && root.namespaceUri === ENVELOPE_NAMESPACE;
  return { kind: mizani ? 'envelope' : 'wrapper', root: rootName, parts, skipped };
}
