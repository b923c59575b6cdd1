/**
 * FSPIOP request-body validation (contract fspiop.md §4, §6, §7), for the FSPIOP JSON dialect (v1.1, v2.0) and the
 * FSPIOP ISO 20022 JSON dialect (v2.0 ISO media types, contract iso20022-mapping.md).
 *
 * The JSON Schemas are generated from @mojaloop/api-snippets by scripts/gen-fspiop-schemas.mjs into
 * schemas/fspiop/v1.1.json, v2.0.json and iso20022-v2.0.json. Each file is read once, on first use, and each
 * validator is compiled once by ajv, on first use of its body schema (see warmFspiopValidators /
 * warmIsoJsonValidators to compile everything up front).
 *
 * Only the first schema error is reported (ajv allErrors: false), mapped to an FSPIOP code the way Mojaloop's
 * createFSPIOPErrorFromOpenapiError does (contract fspiop.md §4):
 *   required → 3102; additionalProperties → 3103; type/enum/const/format/pattern → 3101; anything else → 3100.
 */
import { describeError } from '../errors.js';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

export type FspiopVersion = '1.1' | '2.0';
/** Schema files: the FSPIOP versions and the ISO 20022 JSON dialect. */
type SchemaKey = FspiopVersion | 'iso20022-2.0';

export interface BodyIssue {
  code: '3100' | '3101' | '3102' | '3103';
  /** What is wrong and where (`/requestBody/...`); the FSPIOP description is made from it (describeError). */
  detail?: string;
}

interface SchemaFile {
  $id: string;
  $schema?: string;
  bodies: Record<string, { $ref: string }>;
  definitions: Record<string, unknown>;
}

interface LoadedVersion {
  readonly id: string;
  readonly bodies: ReadonlyMap<string, string>; // "<METHOD> <route>" -> definition name
  readonly byDefinition: Map<string, ValidateFunction>;
  readonly byKey: Map<string, ValidateFunction>;
}

const VERSIONS: readonly FspiopVersion[] = ['1.1', '2.0'];
const DEFINITION_REF = /^#\/definitions\/([A-Za-z0-9_]+)$/;

// One ajv instance for both versions (their schemas have distinct $ids). Strict mode stays on: the generator
// removes every OpenAPI-only keyword. allowUnionTypes only matters if a future api-snippets uses `nullable`.
const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });

const loaded = new Map<SchemaKey, LoadedVersion>();

function fileName(key: SchemaKey): string {
  return key === 'iso20022-2.0' ? 'iso20022-v2.0.json' : `v${key}.json`;
}

/**
 * The JSON files live in the source tree (schemas/fspiop/); compiled code runs from dist/schemas/fspiop/ (tsc does not
 * copy them). Look next to the module first, then three levels up from it (dist/schemas/fspiop → repo root).
 */
function schemaPath(version: SchemaKey): string {
  const name = fileName(version);
  const candidates = [new URL(`./${name}`, import.meta.url), new URL(`../../../schemas/fspiop/${name}`, import.meta.url)];
  for (const url of candidates) {
    const path = fileURLToPath(url);
    if (existsSync(path)) return path;
  }
  throw new Error(`FSPIOP ${version} schema file ${name} not found (run node scripts/gen-fspiop-schemas.mjs)`);
}

function load(version: SchemaKey): LoadedVersion {
  let entry = loaded.get(version);
  if (entry) return entry;
  if (version !== 'iso20022-2.0' && !VERSIONS.includes(version)) throw new Error(`unsupported FSPIOP schema version ${String(version)}`);
  const file = JSON.parse(readFileSync(schemaPath(version), 'utf8')) as SchemaFile;
  // Register only the schema part ("bodies" is not a JSON Schema keyword and strict mode would reject it).
  ajv.addSchema({ $id: file.$id, definitions: file.definitions });
  const bodies = new Map<string, string>();
  for (const [key, schema] of Object.entries(file.bodies)) {
    const m = DEFINITION_REF.exec(schema.$ref);
    if (!m) throw new Error(`FSPIOP ${version}: unexpected body schema for ${key}`);
    bodies.set(key, m[1]!);
  }
  entry = { id: file.$id, bodies, byDefinition: new Map(), byKey: new Map() };
  loaded.set(version, entry);
  return entry;
}

function validatorFor(version: SchemaKey, key: string): ValidateFunction | undefined {
  const entry = load(version);
  const cached = entry.byKey.get(key);
  if (cached) return cached;
  const definition = entry.bodies.get(key);
  if (definition === undefined) return undefined;
  let validate = entry.byDefinition.get(definition);
  if (!validate) {
    validate = ajv.compile({ $ref: `${entry.id}#/definitions/${definition}` });
    entry.byDefinition.set(definition, validate);
  }
  entry.byKey.set(key, validate);
  return validate;
}

function codeFor(keyword: string): BodyIssue['code'] {
  switch (keyword) {
    case 'required':
      return '3102';
    case 'additionalProperties':
      return '3103';
    case 'type':
    case 'enum':
    case 'const':
    case 'format':
    case 'pattern':
      return '3101';
    default:
      return '3100';
  }
}

function issueFrom(error: ErrorObject): BodyIssue {
  const code = codeFor(error.keyword);
  const detail = `/requestBody${error.instancePath} ${error.message ?? 'is invalid'}`;
  // A pattern can be hundreds of characters (DateTime): quoted only while the description stays whole.
  if (error.keyword === 'pattern' && describeError(code, detail) === describeError(code)) {
    return { code, detail: `/requestBody${error.instancePath} must match the pattern of the API definition` };
  }
  return { code, detail };
}

/**
 * route = OpenAPI path template, e.g. '/transfers/{ID}'. Returns null when valid. Unknown route+method: throws.
 */
export function validateFspiopBody(version: FspiopVersion, method: 'POST' | 'PUT' | 'PATCH', route: string, body: unknown): BodyIssue | null {
  const validate = validatorFor(version, `${method} ${route}`);
  if (!validate) throw new Error(`no FSPIOP ${version} body schema for ${method} ${route}`);
  if (validate(body)) return null;
  const first = validate.errors?.[0];
  return first ? issueFrom(first) : { code: '3100' };
}

export function hasBodySchema(version: FspiopVersion, method: string, route: string): boolean {
  if (!VERSIONS.includes(version)) return false;
  return load(version).bodies.has(`${method.toUpperCase()} ${route}`);
}

/**
 * FSPIOP ISO 20022 JSON dialect (v2.0, `application/vnd.interoperability.iso20022.{resource}+json;version=2.0`):
 * route = OpenAPI path template, e.g. '/transfers/{ID}'. Same error-code rules as validateFspiopBody. Returns null
 * when valid. Unknown route+method (e.g. /participants, which keeps FSPIOP bodies in this dialect): throws.
 */
export function validateIsoJsonBody(method: 'POST' | 'PUT' | 'PATCH', route: string, body: unknown): BodyIssue | null {
  const validate = validatorFor('iso20022-2.0', `${method} ${route}`);
  if (!validate) throw new Error(`no ISO 20022 JSON body schema for ${method} ${route}`);
  if (validate(body)) return null;
  const first = validate.errors?.[0];
  return first ? issueFrom(first) : { code: '3100' };
}

export function hasIsoJsonBodySchema(method: string, route: string): boolean {
  return load('iso20022-2.0').bodies.has(`${method.toUpperCase()} ${route}`);
}

/** Compile every ISO 20022 JSON body validator now instead of on first request. */
export function warmIsoJsonValidators(): void {
  for (const key of load('iso20022-2.0').bodies.keys()) validatorFor('iso20022-2.0', key);
}

/** Compile every body validator of the given versions now (e.g. at start-up) instead of on first request. */
export function warmFspiopValidators(versions: readonly FspiopVersion[] = VERSIONS): void {
  for (const version of versions) {
    for (const key of load(version).bodies.keys()) validatorFor(version, key);
  }
}
