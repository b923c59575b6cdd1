/**
 * Small XML helpers for the ISO 20022 XML edge.
 *
 * Writing: messages are rendered as strings by functions that emit elements in the order the XSD
 * sequences require (the order of the calls is the order on the wire). Text is escaped here and
 * nowhere else; characters XML 1.0 cannot carry are refused rather than dropped.
 *
 * Reading: `XNode` walks an already parsed, schema-valid @xmldom/xmldom element (the same DOM the
 * signature was verified on), matching children by local name within the parent's namespace.
 */
import { DOMParser, type Document as XmldomDocument, type Element as XmldomElement, type Node as XmldomNode } from '@xmldom/xmldom';
import { XmlRejection } from './rejection.js';

// ------------------------------------------------------------------------------------------- writing

/** XML 1.0 Char production, minus the characters that would not survive a round trip. */
const INVALID_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const TEXT_SPECIAL = /[&<>\r]/g;
const ATTR_SPECIAL = /[&<>"\t\n\r]/g;
const ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};

export class XmlWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlWriteError';
  }
}

function checkChars(value: string, where: string): void {
  if (INVALID_CHAR.test(value)) throw new XmlWriteError(`${where}: the value holds a character XML 1.0 cannot carry`);
}

/** Escapes element text (`&`, `<`, `>`, and CR so that it survives parsing). */
export function escapeText(value: string, where = 'text'): string {
  checkChars(value, where);
  return value.replace(TEXT_SPECIAL, (c) => ENTITY[c]!);
}

/** Escapes an attribute value (double-quoted), keeping whitespace characters as references. */
export function escapeAttr(value: string, where = 'attribute'): string {
  checkChars(value, where);
  return value.replace(ATTR_SPECIAL, (c) => ENTITY[c]!);
}

type Child = string | undefined | null | false;

function join(children: readonly Child[]): string {
  let out = '';
  for (const c of children) if (c) out += c;
  return out;
}

/** An element that is always written (possibly empty: `<X></X>`). */
export function el(name: string, ...children: Child[]): string {
  return `<${name}>${join(children)}</${name}>`;
}

/** An element written only when it has content. */
export function opt(name: string, ...children: Child[]): string {
  const inner = join(children);
  return inner ? `<${name}>${inner}</${name}>` : '';
}

/** A required text element. */
export function leaf(name: string, text: string): string {
  if (typeof text !== 'string') throw new XmlWriteError(`${name}: a value is required`);
  return `<${name}>${escapeText(text, name)}</${name}>`;
}

/** An optional text element (absent when the value is undefined). */
export function optLeaf(name: string, text: string | undefined | null): string {
  return text === undefined || text === null ? '' : leaf(name, text);
}

/** An element with attributes and text content, e.g. `<IntrBkSttlmAmt Ccy="EUR">12.5</IntrBkSttlmAmt>`. */
export function leafWithAttrs(name: string, attrs: Record<string, string>, text: string): string {
  let a = '';
  for (const [k, v] of Object.entries(attrs)) a += ` ${k}="${escapeAttr(v, `${name}/@${k}`)}"`;
  return `<${name}${a}>${escapeText(text, name)}</${name}>`;
}

/** `<Document xmlns="ns">…</Document>` */
export function documentElement(namespace: string, inner: string): string {
  return `<Document xmlns="${escapeAttr(namespace)}">${inner}</Document>`;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** Number of Unicode characters (what XSD length facets count). */
export function charLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** Cuts text to at most `max` Unicode characters (never splits a surrogate pair). */
/**
 * The longest start of `value` that a `MaxNText` of `max` holds for every validator: Xerces (the reference
 * validator banks use) counts UTF-16 code units, so a character outside the BMP counts twice; a surrogate pair is
 * never split.
 */
export function clipChars(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // a high surrogate without its pair
  return value.slice(0, end);
}

// ------------------------------------------------------------------------------------------- reading

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

/** A read-only view of one element of a parsed message. */
export class XNode {
  constructor(
    readonly element: XmldomElement,
    private readonly parent?: XNode,
    private readonly index?: number,
  ) {}

  get localName(): string {
    return this.element.localName ?? this.element.nodeName;
  }

  get namespace(): string {
    return this.element.namespaceURI ?? '';
  }

  /** Path of local names from the root, with a 1-based index where siblings share a name. */
  get path(): string {
    const own = this.index !== undefined && this.index > 0 ? `${this.localName}[${this.index}]` : this.localName;
    return this.parent ? `${this.parent.path}/${own}` : `/${own}`;
  }

  /** Element children (any name) in document order. */
  elements(): XNode[] {
    const out: XNode[] = [];
    for (let n: XmldomNode | null = this.element.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === ELEMENT_NODE) out.push(new XNode(n as XmldomElement, this));
    }
    return out;
  }

  /** Children with a local name, in the parent's namespace. */
  children(name: string): XNode[] {
    const ns = this.namespace;
    const found: XmldomElement[] = [];
    for (let n: XmldomNode | null = this.element.firstChild; n; n = n.nextSibling) {
      if (n.nodeType !== ELEMENT_NODE) continue;
      const e = n as XmldomElement;
      if ((e.localName ?? e.nodeName) === name && (e.namespaceURI ?? '') === ns) found.push(e);
    }
    return found.length <= 1 ? found.map((e) => new XNode(e, this)) : found.map((e, i) => new XNode(e, this, i + 1));
  }

  child(name: string): XNode | undefined {
    const ns = this.namespace;
    for (let n: XmldomNode | null = this.element.firstChild; n; n = n.nextSibling) {
      if (n.nodeType !== ELEMENT_NODE) continue;
      const e = n as XmldomElement;
      if ((e.localName ?? e.nodeName) === name && (e.namespaceURI ?? '') === ns) return new XNode(e, this);
    }
    return undefined;
  }

  /** A child the schema requires; its absence is a content error (schema validation normally catches it first). */
  req(name: string): XNode {
    const c = this.child(name);
    if (!c) throw new XmlRejection('CONTENT', `${name} is required in ${this.localName}`, { path: this.path });
    return c;
  }

  /** Character content (text and CDATA children), exactly as parsed. */
  text(): string {
    let out = '';
    for (let n: XmldomNode | null = this.element.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) out += (n as unknown as { data: string }).data;
    }
    return out;
  }

  /** Text of an optional child. */
  textOf(name: string): string | undefined {
    return this.child(name)?.text();
  }

  /** Text of a required child. */
  reqText(name: string): string {
    return this.req(name).text();
  }

  /** Text with XSD whitespace collapse (for decimal, dateTime, date, boolean values). */
  collapsed(): string {
    return this.text()
      .replace(/[\t\n\r ]+/g, ' ')
      .trim();
  }

  attr(name: string): string | undefined {
    return this.element.hasAttribute(name) ? (this.element.getAttribute(name) ?? undefined) : undefined;
  }

  /** Follows a chain of children; undefined as soon as one is missing. */
  at(...names: string[]): XNode | undefined {
    let node: XNode | undefined = this;
    for (const name of names) {
      node = node.child(name);
      if (!node) return undefined;
    }
    return node;
  }

  /** Text at the end of a chain of children. */
  textAt(...names: string[]): string | undefined {
    return this.at(...names)?.text();
  }

  /** A content error located at this element. */
  fail(description: string): XmlRejection {
    return new XmlRejection('CONTENT', description, { path: this.path });
  }
}

/**
 * Parses text into an @xmldom/xmldom DOM with XML 1.0 line-end handling only (xmldom's default also
 * folds U+0085 and U+2028 into line feeds, the XML 1.1 rule, which would change what was signed).
 * Used on text that has already passed `screenXml` and libxml2, or on the hub's own output.
 */
export function domOf(xml: string): XmldomDocument {
  let failure: string | undefined;
  const dom = new DOMParser({
    locator: false,
    normalizeLineEndings: (s: string) => s.replace(/\r\n?/g, '\n'),
    onError: (level, message) => {
      if (level !== 'warning') failure ??= message;
    },
  }).parseFromString(xml, 'text/xml');
  if (failure !== undefined) throw new XmlRejection('NOT_WELL_FORMED', `not well-formed XML: ${failure.split('\n')[0]}`);
  return dom;
}

/**
 * The element path (local names; `[n]` for the n-th, n > 1, of same-named siblings) at a line and column
 * of an XML text: the innermost element open there, or the element whose end tag ends right
 * there (validators such as Xerces report value errors at the end of the element). Used to turn a
 * validator's line:column into a path; the text must be well-formed.
 */
export function pathAt(text: string, line: number, column: number): string | undefined {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl === -1) return undefined;
    offset = nl + 1;
  }
  offset += Math.max(0, column - 1);
  interface Frame {
    name: string;
    counts: Map<string, number>;
    index: number;
  }
  const stack: Frame[] = [];
  const rootCounts = new Map<string, number>();
  const path = (frames: Frame[]) => '/' + frames.map((f) => (f.index > 1 ? `${f.name}[${f.index}]` : f.name)).join('/');
  let i = 0;
  let lastClosed: { end: number; path: string } | undefined;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt === -1 || lt >= offset) break;
    if (text.startsWith('<!--', lt)) {
      i = text.indexOf('-->', lt) + 3;
      if (i < 3) break;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      i = text.indexOf(']]>', lt) + 3;
      if (i < 3) break;
      continue;
    }
    if (text.startsWith('<?', lt) || text.startsWith('<!', lt)) {
      i = text.indexOf('>', lt) + 1;
      if (i < 1) break;
      continue;
    }
    let j = lt + 1;
    let quote = '';
    while (j < text.length) {
      const ch = text[j]!;
      if (quote) {
        if (ch === quote) quote = '';
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '>') break;
      j++;
    }
    const tag = text.slice(lt + 1, j);
    if (tag.startsWith('/')) {
      const closed = path(stack);
      stack.pop();
      lastClosed = { end: j + 1, path: closed };
    } else {
      const full = /^[^\s/>]+/.exec(tag)?.[0] ?? '';
      const name = full.includes(':') ? full.slice(full.indexOf(':') + 1) : full;
      const counts = stack.length > 0 ? stack[stack.length - 1]!.counts : rootCounts;
      const index = (counts.get(name) ?? 0) + 1;
      counts.set(name, index);
      const frame = { name, counts: new Map<string, number>(), index };
      if (tag.endsWith('/')) {
        lastClosed = { end: j + 1, path: path([...stack, frame]) };
      } else {
        stack.push(frame);
        lastClosed = undefined;
      }
    }
    i = j + 1;
  }
  if (lastClosed && lastClosed.end >= offset - 1 && !/\S/.test(text.slice(lastClosed.end, offset))) return lastClosed.path;
  return stack.length > 0 ? path(stack) : undefined;
}
