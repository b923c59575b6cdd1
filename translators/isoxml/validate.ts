/**
 * XSD validation on the hot path: libxml2 (compiled to WebAssembly, `libxml2-wasm`) with each
 * runtime schema in `schemas/xsd/` compiled ONCE into an `XsdValidator` and reused for every
 * message. The envelope's two parts are validated as subtrees of the one parsed document: the
 * `AppHdr` against its head.001 schema, the `Document` against its message schema.
 *
 * Memory: libxml2 objects live in the WASM heap and are not garbage collected; every document
 * parsed here is disposed in a `finally`, and the compiled schemas live until `dispose()`.
 * Measured figures (µs per validation, heap before/after 100k runs) are in docs/isoxml.md.
 *
 * The authoritative check against the official schemas (Xerces, a JVM per call) is for tests and
 * the CLI only (`test/support/xsd-official.ts`, `cli.ts`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParseOption, XmlDocument, XmlElement, XmlParseError, XmlValidateError, XsdValidator, type XmlTreeNode } from 'libxml2-wasm';
import type { ErrorDetail } from 'libxml2-wasm';
import { RUNTIME_SCHEMAS, type SchemaId } from './catalog.js';
import { XmlRejection, type XmlLocation } from './rejection.js';

/** `schemas/xsd/` of the repository, from the compiled module (dist/translators/isoxml/) or its source. */
export const RUNTIME_SCHEMA_DIR = fileURLToPath(new URL('../../../schemas/xsd/', import.meta.url));

/**
 * Safe libxml2 parse options for untrusted input: no network, no external entities or DTD loading,
 * no entity substitution (XML_PARSE_NOENT is deliberately absent), default (non-huge) limits.
 */
export const SAFE_PARSE_OPTIONS = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_NO_SYS_CATALOG;

export interface SchemaViolation {
  message: string;
  line?: number;
  column?: number;
  /** Element path with local names, e.g. `/Message/Document/FIToFICstmrCdtTrf/GrpHdr/SttlmInf/SttlmMtd`. */
  path?: string;
}

interface Compiled {
  schemaDoc: XmlDocument;
  validator: XsdValidator;
}

function cleanMessage(message: string): string {
  return message
    .replace(/\{urn:iso:std:iso:20022:tech:xsd:[^}]*\}/g, '')
    .replace(/\s+$/g, '')
    .trim();
}

/** libxml2 reports `/*\/*\/*[2]/*[3]` for namespaced documents; this gives the element names. */
export function namedPath(doc: XmlDocument, xpath: string | undefined): string | undefined {
  if (!xpath) return undefined;
  const steps = xpath.split('/').slice(1);
  if (steps.length === 0 || steps.some((s) => !/^(\*|[A-Za-z_][\w.-]*)(\[\d+\])?$/.test(s))) return xpath;
  let node: XmlElement | null = null;
  const names: string[] = [];
  for (const [i, step] of steps.entries()) {
    const m = /^(\*|[A-Za-z_][\w.-]*)(?:\[(\d+)\])?$/.exec(step)!;
    const nth = m[2] ? Number(m[2]) : 1;
    if (i === 0) {
      node = doc.root;
    } else {
      let count = 0;
      let found: XmlElement | null = null;
      for (let c: XmlTreeNode | null = node!.firstChild; c; c = c.next) {
        if (c instanceof XmlElement && (m[1] === '*' || c.name === m[1]) && ++count === nth) {
          found = c;
          break;
        }
      }
      if (!found) return xpath;
      node = found;
    }
    const sameName = countSiblingsNamed(node!);
    names.push(sameName > 1 ? `${node!.name}[${indexAmongNamed(node!)}]` : node!.name);
  }
  return '/' + names.join('/');
}

function countSiblingsNamed(node: XmlElement): number {
  const parent = node.parent;
  if (!parent) return 1;
  let n = 0;
  for (let c: XmlTreeNode | null = parent.firstChild; c; c = c.next) if (c instanceof XmlElement && c.name === node.name) n++;
  return n;
}

function indexAmongNamed(node: XmlElement): number {
  const parent = node.parent;
  if (!parent) return 1;
  let n = 0;
  for (let c: XmlTreeNode | null = parent.firstChild; c; c = c.next) {
    if (c instanceof XmlElement && c.name === node.name) {
      n++;
      if (c.isSameNode(node)) return n;
    }
  }
  return n;
}

export function violationsOf(doc: XmlDocument | undefined, details: readonly ErrorDetail[]): SchemaViolation[] {
  return details
    .filter((d) => d.level >= 2)
    .map((d) => {
      const v: SchemaViolation = { message: cleanMessage(d.message) };
      if (d.line > 0) v.line = d.line;
      if (d.col > 0) v.column = d.col;
      const path = doc ? namedPath(doc, d.xpath) : d.xpath;
      if (path) v.path = path;
      return v;
    });
}

export function locationOf(v: SchemaViolation): XmlLocation {
  const loc: XmlLocation = {};
  if (v.line !== undefined) loc.line = v.line;
  if (v.column !== undefined) loc.column = v.column;
  if (v.path !== undefined) loc.path = v.path;
  return loc;
}

/**
 * The compiled runtime schemas. One instance per process is enough (`runtimeSchemas()`); each
 * schema is compiled on first use, or all at start with `compileAll()`.
 */
export class RuntimeSchemas {
  private readonly compiled = new Map<string, Compiled>();
  private disposed = false;

  constructor(private readonly dir: string = RUNTIME_SCHEMA_DIR) {}

  /** The validator of a runtime schema (compiled on first use). */
  validator(id: SchemaId): XsdValidator {
    return this.compile(id, join(this.dir, `${id}.xsd`)).validator;
  }

  /** A validator for any XSD file (the CLI's --schema); cached by path. */
  validatorForFile(path: string): XsdValidator {
    return this.compile(path, path).validator;
  }

  private compile(key: string, file: string): Compiled {
    if (this.disposed) throw new Error('RuntimeSchemas has been disposed');
    const existing = this.compiled.get(key);
    if (existing) return existing;
    const schemaDoc = XmlDocument.fromBuffer(readFileSync(file), { url: file, option: SAFE_PARSE_OPTIONS });
    try {
      const validator = XsdValidator.fromDoc(schemaDoc);
      const entry = { schemaDoc, validator };
      this.compiled.set(key, entry);
      return entry;
    } catch (err) {
      schemaDoc.dispose();
      throw err;
    }
  }

  /** Compiles every runtime schema now (at start, so the first message does not pay for it). */
  compileAll(): void {
    for (const id of RUNTIME_SCHEMAS) this.validator(id);
  }

  /** Validates an element subtree of a parsed document; returns the violations (empty when valid). */
  check(id: SchemaId, element: XmlElement, doc: XmlDocument): SchemaViolation[] {
    return checkWith(this.validator(id), element, doc);
  }

  /** Validates an element subtree; throws an XmlRejection (SCHEMA) with the first violation's location. */
  assertValid(id: SchemaId, element: XmlElement, doc: XmlDocument): void {
    const violations = this.check(id, element, doc);
    if (violations.length > 0) throw rejectionOf(id, violations);
  }

  get size(): number {
    return this.compiled.size;
  }

  dispose(): void {
    for (const { validator, schemaDoc } of this.compiled.values()) {
      validator.dispose();
      schemaDoc.dispose();
    }
    this.compiled.clear();
    this.disposed = true;
  }
}

export function checkWith(validator: XsdValidator, target: XmlElement | XmlDocument, doc: XmlDocument): SchemaViolation[] {
  try {
    if (target instanceof XmlDocument) validator.validate(target);
    else validator.validate(target);
    return [];
  } catch (err) {
    if (err instanceof XmlValidateError) {
      const v = violationsOf(doc, err.details);
      return v.length > 0 ? v : [{ message: cleanMessage(err.message) }];
    }
    throw err;
  }
}

export function rejectionOf(id: string, violations: readonly SchemaViolation[]): XmlRejection {
  const first = violations[0]!;
  const more = violations.length > 1 ? ` (+${violations.length - 1} more)` : '';
  return new XmlRejection('SCHEMA', `${id}: ${first.message}${more}`, locationOf(first));
}

let shared: RuntimeSchemas | undefined;

/** The process-wide compiled runtime schemas. */
export function runtimeSchemas(): RuntimeSchemas {
  shared ??= new RuntimeSchemas();
  return shared;
}

/** Parses untrusted XML with the safe options; a parse error becomes an XmlRejection (NOT_WELL_FORMED). */
export function parseLibxml(bytes: Uint8Array): XmlDocument {
  try {
    return XmlDocument.fromBuffer(bytes, { option: SAFE_PARSE_OPTIONS });
  } catch (err) {
    if (err instanceof XmlParseError) {
      const d = err.details.find((x) => x.level >= 2) ?? err.details[0];
      const loc: XmlLocation = {};
      if (d && d.line > 0) loc.line = d.line;
      if (d && d.col > 0) loc.column = d.col;
      throw new XmlRejection('NOT_WELL_FORMED', `not well-formed XML: ${cleanMessage(d?.message ?? err.message)}`, loc);
    }
    throw err;
  }
}
