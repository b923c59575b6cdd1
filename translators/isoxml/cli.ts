/**
 * `mizani validate` for integrators: check an ISO 20022 XML file before sending it to the hub.
 *
 *   mizani validate <file.xml> [--runtime | --official] [--schema <file.xsd>] [--xsd-dir <dir>]
 *
 * The file may be a business message in the Mizani envelope (AppHdr + Document: both parts are
 * validated, and AppHdr/MsgDefIdr must name the Document's message), a bare `AppHdr`, or a bare
 * `Document`; the schema is chosen from the namespace unless `--schema` names one.
 *   --runtime   (default) the hub's own validator: libxml2 with the runtime schemas in schemas/xsd,
 *               exactly what the hub's edge runs;
 *   --official  Xerces (Java 17, through xsd-schema-validator) with the official ISO 20022 schemas
 *               (../shared/iso20022/xsd, MIZANI_ISO20022_XSD_DIR or --xsd-dir).
 * Every error is printed as `<file>:<line>:<column>: <element path>: <message>`.
 * The file is screened first like any inbound message (no DTD or entities, UTF-8, size and depth
 * limits): the validators never see a DOCTYPE. Exit codes: 0 valid, 1 invalid, 2 usage or I/O error.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { XmlElement, type XmlDocument } from 'libxml2-wasm';
import { headByNamespaceUri, messageByNamespace, versionOfNamespace, type SchemaId } from './catalog.js';
import { ENVELOPE_ELEMENT, ENVELOPE_NAMESPACE } from './envelope.js';
import { screenXml } from './parse.js';
import { XmlRejection } from './rejection.js';
import { checkWith, parseLibxml, runtimeSchemas, type SchemaViolation } from './validate.js';
import { pathAt } from './xml.js';

type Print = (line: string) => void;

const USAGE = 'usage: mizani validate <file.xml> [--runtime | --official] [--schema <file.xsd>] [--xsd-dir <dir>]';

/** Limits for files on disk (larger than the edge's: integrators validate batches and test files too). */
const CLI_LIMITS = { maxBytes: 16 * 1024 * 1024, maxDepth: 64, maxElements: 1_000_000 };

interface Target {
  /** What is validated against which schema. */
  parts: Array<{ label: string; schema: SchemaId; element: XmlElement }>;
  /** Consistency problems found before schema validation (e.g. MsgDefIdr). */
  problems: SchemaViolation[];
  kind: 'envelope' | 'AppHdr' | 'Document';
}

interface Options {
  file: string;
  engine: 'runtime' | 'official';
  schema?: string;
  xsdDir?: string;
}

function parseArgs(argv: string[]): Options | string {
  let file: string | undefined;
  let engine: Options['engine'] | undefined;
  let schema: string | undefined;
  let xsdDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runtime' || a === '--official') {
      const e = a === '--runtime' ? 'runtime' : 'official';
      if (engine && engine !== e) return '--runtime and --official exclude each other';
      engine = e;
    } else if (a === '--schema' || a === '--xsd-dir') {
      const v = argv[++i];
      if (!v) return `${a} needs a value`;
      if (a === '--schema') schema = v;
      else xsdDir = v;
    } else if (a === '--help' || a === '-h') {
      return '';
    } else if (a.startsWith('-')) {
      return `unknown option ${a}`;
    } else if (file === undefined) {
      file = a;
    } else {
      return 'one file at a time';
    }
  }
  if (!file) return 'a file to validate is required';
  const o: Options = { file, engine: engine ?? 'runtime' };
  if (schema) o.schema = schema;
  if (xsdDir) o.xsdDir = xsdDir;
  return o;
}

function elementChildren(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let c = el.firstChild; c; c = c.next) if (c instanceof XmlElement) out.push(c);
  return out;
}

function schemaOf(el: XmlElement): SchemaId | undefined {
  return (headByNamespaceUri(el.namespaceUri)?.version ?? messageByNamespace(el.namespaceUri)?.version) as SchemaId | undefined;
}

function unsupported(el: XmlElement): string {
  const v = versionOfNamespace(el.namespaceUri);
  return v ? `${v} is not a version the hub supports (see schemas/xsd/README.md)` : `namespace ${JSON.stringify(el.namespaceUri)} is not an ISO 20022 message namespace`;
}

/** What the file holds and which schema validates which part. */
function targetOf(doc: XmlDocument): Target | string {
  const root = doc.root;
  if (root.name === ENVELOPE_ELEMENT && root.namespaceUri === ENVELOPE_NAMESPACE) {
    const kids = elementChildren(root);
    const [appHdr, document] = kids;
    if (kids.length !== 2 || appHdr!.name !== 'AppHdr' || document!.name !== 'Document') {
      return `the envelope must hold exactly AppHdr then Document, found ${kids.map((k) => k.name).join(', ') || 'nothing'}`;
    }
    const head = schemaOf(appHdr!);
    const msg = schemaOf(document!);
    if (!head) return unsupported(appHdr!);
    if (!msg) return unsupported(document!);
    const problems: SchemaViolation[] = [];
    const defIdr = elementChildren(appHdr!).find((e) => e.name === 'MsgDefIdr');
    if (defIdr && defIdr.content !== msg) {
      problems.push({ message: `AppHdr/MsgDefIdr ${JSON.stringify(defIdr.content)} does not name the message in Document (${msg})`, line: defIdr.line, path: `/${ENVELOPE_ELEMENT}/AppHdr/MsgDefIdr` });
    }
    return {
      kind: 'envelope',
      parts: [
        { label: 'AppHdr', schema: head, element: appHdr! },
        { label: 'Document', schema: msg, element: document! },
      ],
      problems,
    };
  }
  if (root.name === 'AppHdr' || root.name === 'Document') {
    const schema = schemaOf(root);
    if (!schema) return unsupported(root);
    return { kind: root.name, parts: [{ label: root.name, schema, element: root }], problems: [] };
  }
  return `the root element {${root.namespaceUri}}${root.name} is neither a Mizani envelope (Message), an AppHdr nor a Document`;
}

function line(file: string, v: SchemaViolation): string {
  return `${file}:${v.line ?? '?'}:${v.column ?? '?'}: ${v.path ?? '/'}: ${v.message}`;
}

export async function validateCommand(argv: string[], out: Print, err: Print = out): Promise<number> {
  const options = parseArgs(argv);
  if (typeof options === 'string') {
    if (options) err(`mizani validate: ${options}`);
    (options ? err : out)(USAGE);
    return options ? 2 : 0;
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(options.file);
  } catch (e) {
    err(`mizani validate: cannot read ${options.file}: ${(e as Error).message}`);
    return 2;
  }
  const file = options.file;
  let text: string;
  let target: Target | undefined;
  let doc: XmlDocument | undefined;
  try {
    const screened = screenXml(bytes, CLI_LIMITS);
    text = screened.text;
    doc = parseLibxml(screened.bytes);
    if (!options.schema) {
      const t = targetOf(doc);
      if (typeof t === 'string') {
        err(`${file}: ${t}`);
        return 1;
      }
      target = t;
    }
  } catch (e) {
    doc?.dispose();
    if (e instanceof XmlRejection) {
      const loc = e.location ?? {};
      err(`${file}:${loc.line ?? '?'}:${loc.column ?? '?'}: ${loc.path ?? '/'}: ${e.description} [${e.reasonCode}]`);
      return 1;
    }
    throw e;
  }

  const violations: SchemaViolation[] = [...(target?.problems ?? [])];
  let what: string;
  try {
    if (options.engine === 'runtime') {
      const schemas = runtimeSchemas();
      if (options.schema) {
        violations.push(...checkWith(schemas.validatorForFile(resolve(options.schema)), doc, doc));
        what = `${options.schema} (runtime validator)`;
      } else {
        for (const p of target!.parts) violations.push(...schemas.check(p.schema, p.element, doc));
        what = `${target!.parts.map((p) => p.schema).join(' + ')} (runtime schemas, libxml2)`;
      }
    } else {
      doc.dispose();
      doc = undefined;
      const xerces = await import('./xerces.js');
      const dir = options.xsdDir ? resolve(options.xsdDir) : xerces.officialSchemaDir();
      let verdict;
      if (options.schema) {
        verdict = await xerces.validateWithXerces(text, resolve(options.schema));
        what = `${options.schema} (Xerces)`;
      } else if (target!.kind === 'envelope') {
        verdict = await xerces.validateOfficial(text, dir);
        what = `${target!.parts.map((p) => p.schema).join(' + ')} (official schemas in ${dir}, Xerces)`;
      } else {
        verdict = await xerces.validateWithXerces(text, join(dir, `${target!.parts[0]!.schema}.xsd`));
        what = `${target!.parts[0]!.schema} (official schema in ${dir}, Xerces)`;
      }
      for (const e of verdict.errors) {
        const v: SchemaViolation = { message: e.message };
        if (e.line !== undefined) v.line = e.line;
        if (e.column !== undefined) v.column = e.column;
        const path = e.line !== undefined ? pathAt(text, e.line, e.column ?? 1) : undefined;
        if (path) v.path = path;
        violations.push(v);
      }
    }
  } catch (e) {
    const message = (e as Error).message;
    err(`mizani validate: ${/Java|JAVA_HOME|xsd-schema-validator/.test(message) ? `the official validator needs Java and xsd-schema-validator: ${message}` : message}`);
    return 2;
  } finally {
    doc?.dispose();
  }
  if (violations.length === 0) {
    out(`${file}: valid against ${what}`);
    return 0;
  }
  for (const v of violations) err(line(file, v));
  err(`${file}: ${violations.length} error${violations.length === 1 ? '' : 's'} against ${what}`);
  return 1;
}

