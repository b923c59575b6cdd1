/**
 * Authoritative validation against the OFFICIAL ISO 20022 schemas with Xerces (the JDK's
 * javax.xml.validation), through `xsd-schema-validator`. It starts a JVM per call (≈0.3–1 s), so it
 * is for tests and the CLI, never the hot path (validate.ts is).
 *
 * Batching: the library validates one document per JVM, so `validateBatchWithXerces` validates
 * many in one JVM by wrapping them in a `<Batch>` of a small generated schema that imports the
 * official schemas UNMODIFIED and declares its content as strict wildcards: every envelope
 * (`Message`, through the envelope schema of envelope.ts), `AppHdr` or `Document` inside is
 * validated exactly as the official schema defines it. Errors are mapped back to each item's own
 * line and column.
 *
 * `xsd-schema-validator` is a development dependency: it is loaded on first use only.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HEAD_DEFINITIONS, ISO_NAMESPACE_PREFIX, MESSAGE_DEFINITIONS } from './catalog.js';
import { envelopeXsd } from './envelope.js';
import { RUNTIME_SCHEMA_DIR } from './validate.js';

export interface XercesError {
  level: 'warning' | 'error' | 'fatal';
  message: string;
  line?: number;
  column?: number;
}

export interface XercesVerdict {
  valid: boolean;
  errors: XercesError[];
}

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The directory of the official schemas: MIZANI_ISO20022_XSD_DIR, else `../shared/iso20022/xsd`
 * beside the repository, else the runtime copies in schemas/xsd/ (byte-identical, see its README).
 */
export function officialSchemaDir(): string {
  const env = process.env['MIZANI_ISO20022_XSD_DIR'];
  if (env) return resolve(env);
  const shared = resolve(REPO_ROOT, '../shared/iso20022/xsd');
  return existsSync(shared) ? shared : RUNTIME_SCHEMA_DIR;
}

interface Validator {
  validateXML(xml: string, schema: string): Promise<{ valid: boolean; messages: string[] }>;
}

let loaded: Promise<Validator> | undefined;

async function validator(): Promise<Validator> {
  loaded ??= import('xsd-schema-validator').then((m) => (m as { default?: Validator }).default ?? (m as unknown as Validator));
  return loaded;
}

const MESSAGE = /\[(warning|error|fatal)\]\s*([\s\S]*?)(?:\s*\((-?\d+):(-?\d+)\))?\s*$/;

function parseMessages(messages: readonly string[]): XercesError[] {
  const out: XercesError[] = [];
  for (const chunk of messages) {
    for (const part of chunk.split(/(?=\[(?:warning|error|fatal)\] )/)) {
      const m = MESSAGE.exec(part.trim());
      if (!m) continue;
      const e: XercesError = { level: m[1] as XercesError['level'], message: m[2]!.trim() };
      if (m[3] !== undefined && Number(m[3]) > 0) e.line = Number(m[3]);
      if (m[4] !== undefined && Number(m[4]) > 0) e.column = Number(m[4]);
      out.push(e);
    }
  }
  return out;
}

/** Validates one XML text against one XSD file (one JVM). */
export async function validateWithXerces(xml: string, xsdPath: string): Promise<XercesVerdict> {
  const v = await validator();
  try {
    const result = await v.validateXML(xml, resolve(xsdPath));
    const errors = parseMessages(result.messages ?? []).filter((e) => e.level !== 'warning');
    return { valid: result.valid && errors.length === 0, errors };
  } catch (err) {
    const messages = (err as { messages?: string[] }).messages;
    if (!messages) throw err;
    const errors = parseMessages(messages);
    return { valid: false, errors: errors.length > 0 ? errors : [{ level: 'fatal', message: (err as Error).message }] };
  }
}

const BATCH_NS = 'urn:mizani:test:batch';

/**
 * Writes the batch schema (importing the official files) and the envelope schema into a temporary directory. With
 * `versions`, the batch imports exactly those official schemas (`<version>.xsd`, any message ISO 20022 publishes)
 * and no envelope; without, every version of the catalog and the Mizani envelope.
 */
function batchSchemas(schemaDir: string, versions?: readonly string[]): { dir: string; batchXsd: string; envelopeXsdPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mizani-xsd-'));
  const location = (file: string) => pathToFileURL(join(schemaDir, file)).href;
  const envelopeXsdPath = join(dir, 'envelope.xsd');
  writeFileSync(envelopeXsdPath, envelopeXsd(location));
  const schemas = versions
    ? [...new Set(versions)].map((v) => ({ namespace: `${ISO_NAMESPACE_PREFIX}${v}`, xsdFile: `${v}.xsd` }))
    : [...HEAD_DEFINITIONS, ...MESSAGE_DEFINITIONS];
  const envelopeImport = versions ? '' : `  <xs:import namespace="urn:mizani:xsd:envelope" schemaLocation="${pathToFileURL(envelopeXsdPath).href}"/>\n`;
  const imports = schemas.map((d) => `  <xs:import namespace="${d.namespace}" schemaLocation="${location(d.xsdFile)}"/>`).join('\n');
  const batchXsd = join(dir, 'batch.xsd');
  writeFileSync(
    batchXsd,
    `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="${BATCH_NS}" elementFormDefault="qualified">
${envelopeImport}${imports}
  <xs:element name="Batch">
    <xs:complexType>
      <xs:sequence>
        <xs:any namespace="##other" processContents="strict" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
`,
  );
  return { dir, batchXsd, envelopeXsdPath };
}

/**
 * Validates an envelope (AppHdr + Document) or a bare AppHdr or Document against the official
 * schemas (one JVM), resolving the schemas from the namespaces.
 */
export async function validateOfficial(xml: string, schemaDir: string = officialSchemaDir()): Promise<XercesVerdict> {
  return (await validateBatchWithXerces([xml], schemaDir))[0]!;
}

/**
 * Validates many envelopes, AppHdrs or Documents against the official schemas in ONE JVM. Each
 * item's errors carry lines and columns of that item's own text. `versions`: the official schemas
 * the items need, when they are not (all) in the catalog (e.g. camt.053.001.08 for `mizani validate`).
 */
export async function validateBatchWithXerces(
  items: readonly string[],
  schemaDir: string = officialSchemaDir(),
  versions?: readonly string[],
): Promise<XercesVerdict[]> {
  if (items.length === 0) return [];
  const { dir, batchXsd } = batchSchemas(schemaDir, versions);
  try {
    const starts: number[] = [];
    let text = `<b:Batch xmlns:b="${BATCH_NS}">\n`;
    let line = 2;
    for (const item of items) {
      // The XML declaration cannot appear inside the batch: blank it out, keeping lines and columns.
      const body = item.replace(/^\uFEFF?<\?xml[^?]*\?>/, (d) => ' '.repeat(d.length));
      starts.push(line);
      text += body.endsWith('\n') ? body : `${body}\n`;
      line += (body.match(/\n/g)?.length ?? 0) + (body.endsWith('\n') ? 0 : 1);
    }
    text += '</b:Batch>\n';
    const verdict = await validateWithXerces(text, batchXsd);
    const out: XercesVerdict[] = items.map(() => ({ valid: true, errors: [] }));
    for (const e of verdict.errors) {
      let index = -1;
      if (e.line !== undefined) for (let k = 0; k < starts.length && starts[k]! <= e.line; k++) index = k;
      if (index < 0) {
        // Outside every item (or a fatal schema/batch error): every item fails.
        for (const o of out) {
          o.valid = false;
          o.errors.push(e);
        }
        continue;
      }
      const mapped: XercesError = { ...e, line: e.line! - starts[index]! + 1 };
      out[index]!.valid = false;
      out[index]!.errors.push(mapped);
      if (e.level === 'fatal') {
        // Xerces stops at a fatal error: the items after it were not validated.
        for (let k = index + 1; k < out.length; k++) {
          out[k]!.valid = false;
          out[k]!.errors.push({ level: 'fatal', message: `not validated: the batch stopped at a fatal error in item ${index + 1}` });
        }
        break;
      }
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
