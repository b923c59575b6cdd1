/**
 * `mizani validate` for integrators: check an ISO 20022 XML file before sending it to the hub.
 *
 *   mizani validate <file.xml> [--runtime | --official] [--schema <file.xsd>] [--xsd-dir <dir>]
 *
 * The file may be a bare `AppHdr` or `Document` (or a bare message root such as `FIToFICstmrCdtTrf`), the Mizani
 * envelope (AppHdr then Document), or a foreign wrapper (FedNow-style: any root whose children include a head.001
 * AppHdr, Documents or message roots); every part found is validated against the schema its namespace names, and
 * AppHdr/MsgDefIdr must name the message beside it (parts.ts). Any message ISO 20022 publishes a schema for can be
 * validated, not only the ones the hub takes:
 *   --runtime   (default) libxml2, the hub's own validator: the runtime schemas in schemas/xsd (what the edge runs),
 *               and for other messages their official schema;
 *   --official  Xerces (Java 17, through xsd-schema-validator) with the official schemas.
 * Official schemas: --xsd-dir, else MIZANI_ISO20022_XSD_DIR, else ../shared/iso20022/xsd beside the clone, else
 * schemas/xsd. Errors are printed as `<file>:<line>:<column>: <element path>: <message>`. The file is screened first
 * like any inbound message (no DTD or entities, UTF-8, size and depth limits).
 *
 * Exit codes: 0 valid, and a message the hub accepts; 1 invalid; 2 usage or I/O error; 3 valid against its official
 * schema, but a message or version the hub does not accept (a line says which) — the settlement reports the hub
 * sends banks (camt.052/053/054) included: validated against their official schema, and said to be the hub's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { XmlDocument } from 'libxml2-wasm';
import { HEAD_DEFINITIONS, MESSAGE_DEFINITIONS, XML_PROFILES, headByVersionId, messageByVersion, type MessageKind, type SchemaId } from './catalog.js';
import { ENVELOPE_ELEMENT } from './envelope.js';
import { screenXml } from './parse.js';
import { locateParts, type FileParts, type XmlPart } from './parts.js';
import { XmlRejection } from './rejection.js';
import { checkWith, parseLibxml, runtimeSchemas, type SchemaViolation } from './validate.js';
import { officialSchemaDir } from './xerces.js';
import { pathAt } from './xml.js';

type Print = (line: string) => void;

export const VALIDATE_USAGE = [
  'usage: mizani validate <file.xml> [--runtime | --official] [--schema <file.xsd>] [--xsd-dir <dir>]',
  '  validates an ISO 20022 XML file: a bare AppHdr or Document, the Mizani envelope, or the parts a foreign wrapper holds',
  "  --runtime        libxml2, the hub's runtime schemas (schemas/xsd), official schemas for other messages (default)",
  '  --official       Xerces (Java 17) with the official ISO 20022 schemas',
  '  --schema FILE    validate the whole file against this XSD instead',
  '  --xsd-dir DIR    the official schemas (default: MIZANI_ISO20022_XSD_DIR, ../shared/iso20022/xsd, schemas/xsd)',
  '  -h, --help       this text',
  'exit codes: 0 valid and accepted by the hub; 1 invalid; 2 usage or I/O error; 3 valid, but not a message or version the hub accepts',
];

export const EXIT_VALID = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;
export const EXIT_NOT_ACCEPTED = 3;

/** Limits for files on disk (larger than the edge's: integrators validate statements and test files too). */
const CLI_LIMITS = { maxBytes: 16 * 1024 * 1024, maxDepth: 64, maxElements: 1_000_000 };

interface Options {
  file: string;
  engine: 'runtime' | 'official';
  schema?: string;
  xsdDir: string;
}

/** The command line, `'help'`, or a usage error. */
function parseOptions(argv: string[]): Options | 'help' | { error: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        runtime: { type: 'boolean' },
        official: { type: 'boolean' },
        schema: { type: 'string' },
        'xsd-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    return { error: (e as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (values.runtime && values.official) return { error: '--runtime and --official exclude each other' };
  if (positionals.length === 0) return { error: 'a file to validate is required' };
  if (positionals.length > 1) return { error: 'one file at a time' };
  const o: Options = {
    file: positionals[0]!,
    engine: values.official ? 'official' : 'runtime',
    xsdDir: values['xsd-dir'] ? resolve(values['xsd-dir']) : officialSchemaDir(),
  };
  if (values.schema !== undefined) o.schema = values.schema;
  return o;
}

function line(file: string, v: SchemaViolation): string {
  return `${file}:${v.line ?? '?'}:${v.column ?? '?'}: ${v.path ?? '/'}: ${v.message}`;
}

/** Rules beyond each part's schema: the Mizani envelope's shape, AppHdr/MsgDefIdr, at least one part. */
function structureProblems(found: FileParts, doc: XmlDocument): SchemaViolation[] {
  const problems: SchemaViolation[] = [];
  const at = { line: doc.root.line, path: `/${doc.root.name}` };
  if (found.parts.length === 0) {
    problems.push({ ...at, message: `${found.root} holds no ISO 20022 part (a head.001 AppHdr, a Document or a message root)` });
  }
  if (found.kind === 'envelope') {
    const labels = [...found.parts.map((p) => p.label), ...found.skipped];
    if (labels.length !== 2 || found.parts[0]?.label !== 'AppHdr' || found.parts[1]?.label !== 'Document') {
      problems.push({ ...at, message: `the envelope must hold exactly AppHdr then Document, found ${labels.join(', ') || 'nothing'}` });
    }
  }
  const header = found.parts.find((p) => p.role === 'header');
  const messages = found.parts.filter((p) => p.role === 'message');
  if (header && messages.length === 1) {
    const defIdr = /<(?:[\w.-]+:)?MsgDefIdr>([^<]*)<\//.exec(header.text);
    if (defIdr && defIdr[1] !== messages[0]!.version) {
      const lineNo = header.text.slice(0, defIdr.index).split('\n').length;
      problems.push({
        line: lineNo,
        path: `${header.pathPrefix}/AppHdr/MsgDefIdr`,
        message: `AppHdr/MsgDefIdr ${JSON.stringify(defIdr[1])} does not name the message in ${messages[0]!.label} (${messages[0]!.version})`,
      });
    }
  }
  return problems;
}

/** A part's element path in the file (the part's own path without a synthetic Document, under its wrapper). */
function filePath(part: XmlPart, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  return part.pathPrefix + (part.wrapped ? path.replace(/^\/Document(?=\/|$)/, '') : path);
}

function officialXsd(dir: string, version: string): string | undefined {
  const file = join(dir, `${version}.xsd`);
  return existsSync(file) ? file : undefined;
}

const noSchema = (part: XmlPart, dir: string): SchemaViolation => ({
  line: part.line,
  path: part.pathPrefix + '/' + part.label,
  message: `no schema for ${part.version} in ${dir}: not a version ISO 20022 publishes, or --xsd-dir names another folder`,
});

/** A header or message version the hub accepts from banks (its own settlement reports are not). */
function accepted(part: XmlPart): boolean {
  return part.role === 'header' ? headByVersionId(part.version) !== undefined : messageByVersion(part.version)?.fromBanks === true;
}

/** libxml2: the runtime schema for what the edge accepts (what it validates with), else the official one. */
function validateRuntime(parts: readonly XmlPart[], dir: string): { violations: SchemaViolation[]; what: string } {
  const schemas = runtimeSchemas();
  const violations: SchemaViolation[] = [];
  let official = 0;
  for (const part of parts) {
    const runtime = accepted(part);
    const file = runtime ? undefined : officialXsd(dir, part.version);
    if (!runtime && !file) {
      violations.push(noSchema(part, dir));
      continue;
    }
    if (file) official++;
    const doc = parseLibxml(Buffer.from(part.text, 'utf8'));
    try {
      const validator = runtime ? schemas.validator(part.version as SchemaId) : schemas.validatorForFile(file!);
      for (const v of checkWith(validator, doc, doc)) violations.push({ ...v, path: filePath(part, v.path) ?? `${part.pathPrefix}/${part.label}` });
    } finally {
      doc.dispose();
    }
  }
  const what =
    official === 0
      ? 'runtime schemas, libxml2'
      : official === parts.length
        ? `official schemas in ${dir}, libxml2`
        : `runtime schemas and official schemas in ${dir}, libxml2`;
  return { violations, what };
}

/** Xerces with the official schemas, every part in one JVM; errors located in the file's own text. */
async function validateOfficial(parts: readonly XmlPart[], dir: string, text: string): Promise<{ violations: SchemaViolation[]; what: string }> {
  const violations: SchemaViolation[] = [];
  const known = parts.filter((p) => officialXsd(dir, p.version) !== undefined);
  for (const p of parts) if (!known.includes(p)) violations.push(noSchema(p, dir));
  const xerces = await import('./xerces.js');
  const verdicts = await xerces.validateBatchWithXerces(
    known.map((p) => p.text),
    dir,
    known.map((p) => p.version),
  );
  for (const verdict of verdicts) {
    for (const e of verdict.errors) {
      const v: SchemaViolation = { message: e.message };
      if (e.line !== undefined) v.line = e.line;
      if (e.column !== undefined) v.column = e.column;
      const path = e.line !== undefined ? pathAt(text, e.line, e.column ?? 1) : undefined;
      if (path) v.path = path;
      violations.push(v);
    }
  }
  return { violations, what: `official schemas in ${dir}, Xerces` };
}

/** The parts whose message or version the hub does not accept, each with a line saying so. */
function notAccepted(parts: readonly XmlPart[]): string[] {
  const lines: string[] = [];
  for (const p of parts) {
    if (accepted(p)) continue;
    const kind = p.version.slice(0, 8);
    if (p.role === 'message' && messageByVersion(p.version)) {
      const emitted = Object.values(XML_PROFILES).map((profile) => `${profile[kind as MessageKind]} in ${profile.name}`);
      lines.push(
        `${p.version} is valid against its official schema, but the hub does not accept ${p.version} from banks: it is a report the hub sends them (${kind} as ${emitted.join(', ')})`,
      );
      continue;
    }
    const same = (p.role === 'header' ? HEAD_DEFINITIONS : MESSAGE_DEFINITIONS).filter((d) => d.version.startsWith(kind)).map((d) => d.version);
    const takes = same.length > 0 ? `it takes ${kind} as ${same.join(', ')}` : `it takes no ${kind}`;
    lines.push(`${p.version} is valid against its official schema, but the hub does not accept ${p.version} (${takes})`);
  }
  return lines;
}

/** Validates the whole file against one XSD (`--schema`): valid or invalid, nothing said about the hub. */
async function validateWithSchema(
  options: Options & { schema: string },
  text: string,
  doc: XmlDocument,
): Promise<{ violations: SchemaViolation[]; what: string }> {
  if (options.engine === 'runtime') {
    return { violations: checkWith(runtimeSchemas().validatorForFile(resolve(options.schema)), doc, doc), what: `${options.schema} (runtime validator)` };
  }
  const xerces = await import('./xerces.js');
  const verdict = await xerces.validateWithXerces(text, resolve(options.schema));
  const violations = verdict.errors.map((e) => {
    const v: SchemaViolation = { message: e.message };
    if (e.line !== undefined) v.line = e.line;
    if (e.column !== undefined) v.column = e.column;
    const path = e.line !== undefined ? pathAt(text, e.line, e.column ?? 1) : undefined;
    if (path) v.path = path;
    return v;
  });
  return { violations, what: `${options.schema} (Xerces)` };
}

/** Screens and parses the file; a refusal is reported as an invalid file. */
function readXml(file: string, bytes: Buffer, err: Print): { text: string; doc: XmlDocument } | number {
  try {
    const screened = screenXml(bytes, CLI_LIMITS);
    return { text: screened.text, doc: parseLibxml(screened.bytes) };
  } catch (e) {
    if (!(e instanceof XmlRejection)) throw e;
    const loc = e.location ?? {};
    err(`${file}:${loc.line ?? '?'}:${loc.column ?? '?'}: ${loc.path ?? '/'}: ${e.description} [${e.reasonCode}]`);
    return EXIT_INVALID;
  }
}

/** What was found, for a file that is not a bare part or the Mizani envelope. */
function describeWrapper(file: string, found: FileParts): string {
  const parts = found.parts.map((p) => `${p.label} (${p.version}${p.wrapped ? ', as its Document' : ''}, line ${p.line})`).join(', ');
  const skipped = found.skipped.length > 0 ? `; skipped ${found.skipped.join(', ')}` : '';
  return `${file}: ${found.root} is not the Mizani envelope (${ENVELOPE_ELEMENT}): validating the parts it holds: ${parts || 'none'}${skipped}`;
}

export async function validateCommand(argv: string[], out: Print, err: Print = out): Promise<number> {
  const options = parseOptions(argv);
  if (options === 'help') {
    VALIDATE_USAGE.forEach((l) => out(l));
    return EXIT_VALID;
  }
  if ('error' in options) {
    err(`mizani validate: ${options.error}`);
    err(VALIDATE_USAGE[0]!);
    return EXIT_USAGE;
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(options.file);
  } catch (e) {
    err(`mizani validate: cannot read ${options.file}: ${(e as Error).message}`);
    return EXIT_USAGE;
  }
  const file = options.file;
  const read = readXml(file, bytes, err);
  if (typeof read === 'number') return read;
  const { text, doc } = read;
  let violations: SchemaViolation[];
  let what: string;
  let found: FileParts | undefined;
  try {
    if (options.schema !== undefined) {
      ({ violations, what } = await validateWithSchema({ ...options, schema: options.schema }, text, doc));
    } else {
      found = locateParts(text, doc);
      if (found.kind === 'wrapper') out(describeWrapper(file, found));
      const checked = options.engine === 'runtime' ? validateRuntime(found.parts, options.xsdDir) : await validateOfficial(found.parts, options.xsdDir, text);
      violations = [...structureProblems(found, doc), ...checked.violations];
      what = `${found.parts.map((p) => p.version).join(' + ')} (${checked.what})`;
    }
  } catch (e) {
    if (e instanceof XmlRejection) {
      err(`${file}: ${e.message}`);
      return EXIT_INVALID;
    }
    const message = (e as Error).message;
    err(
      `mizani validate: ${/Java|JAVA_HOME|xsd-schema-validator/.test(message) ? `the official validator needs Java and xsd-schema-validator: ${message}` : message}`,
    );
    return EXIT_USAGE;
  } finally {
    doc.dispose();
  }
  if (violations.length > 0) {
    for (const v of violations) err(line(file, v));
    err(`${file}: ${violations.length} error${violations.length === 1 ? '' : 's'} against ${what}`);
    return EXIT_INVALID;
  }
  out(`${file}: valid against ${what}`);
  const refused = found ? notAccepted(found.parts) : [];
  for (const l of refused) out(`${file}: ${l}`);
  return refused.length > 0 ? EXIT_NOT_ACCEPTED : EXIT_VALID;
}
