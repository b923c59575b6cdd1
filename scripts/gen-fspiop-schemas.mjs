#!/usr/bin/env node
/**
 * Generates the FSPIOP request-body JSON Schemas used by schemas/fspiop/validators.ts.
 *
 *   node scripts/gen-fspiop-schemas.mjs
 *
 * Input: the OpenAPI 3.0 files bundled with @mojaloop/api-snippets (docs/fspiop-rest-v1.1-openapi3-snippets.yaml,
 * docs/fspiop-rest-v2.0-openapi3-snippets.yaml and, for the FSPIOP ISO 20022 JSON dialect,
 * docs/fspiop-rest-v2.0-ISO20022-openapi3-snippets.yaml).
 * Output: schemas/fspiop/v1.1.json, schemas/fspiop/v2.0.json and schemas/fspiop/iso20022-v2.0.json (committed;
 * regeneration is diff-free because the
 * output only depends on the input: definitions are sorted by name, bodies by key, and every schema keeps the key
 * order of the source YAML, which matters because it decides which error ajv reports first).
 *
 * Output shape (draft-07, ajv strict-mode clean):
 *   {
 *     "$comment": "...", "$schema": "http://json-schema.org/draft-07/schema#", "$id": "...",
 *     "bodies": { "<METHOD> <path template>": { "$ref": "#/definitions/<Name>" }, ... },
 *     "definitions": { "<Name>": <schema>, ... }     // only the definitions reachable from a request body
 *   }
 * "bodies" is not a JSON Schema keyword: the loader registers { $id, definitions } with ajv and compiles one
 * validator per body $ref.
 *
 * OpenAPI 3.0 -> JSON Schema draft-07 conversion:
 *   - `$ref: #/components/schemas/X` -> `$ref: #/definitions/X`; a $ref with non-annotation siblings becomes allOf.
 *   - annotations that ajv strict mode rejects or that carry no validation (`example`, `examples`, `description`,
 *     `title`, `externalDocs`, `xml`, `deprecated`, `readOnly`, `writeOnly`, `default`) are dropped.
 *   - `nullable: true` adds "null" to `type` (and to `enum` when present).
 *   - boolean `exclusiveMinimum`/`exclusiveMaximum` (3.0) become the numeric draft-07 form.
 *   - type-specific keywords on a schema without `type` (e.g. AuthenticationValue: anyOf + `pattern`) are moved into
 *     `if: {type: T}, then: {type: T, ...}` — same semantics (the keyword only constrains values of that type),
 *     but no strictTypes warning from ajv.
 *   - any keyword this script does not know makes it fail, so a new api-snippets release cannot slip through silently.
 *
 * Adjustments to the api-snippets definitions (everything else, in particular every `pattern` — Amount, DateTime,
 * IlpCondition, ... — is kept exactly as api-snippets states it):
 *   1. v1.1 `CorrelationId` also accepts ULIDs: its pattern is replaced by the v2.0 pattern
 *      (UUID v1–v7 lower case, or upper-case Crockford ULID), because real clients send ULIDs on version 1.x
 *      (contract fspiop.md §15: "Adapter 18.0.2 requires UUID ids ...; v24 and the testing toolkit use ULIDs.
 *      Accept both.").
 *   2. v2.0 `FxTransfersPostRequest` accepts an optional `amountType` (AmountType): the Mojaloop testing toolkit sends
 *      it in POST /fxTransfers and ml-api-adapter does not reject it (contract fspiop.md §7), whereas api-snippets
 *      declares `additionalProperties: false` on that object (which would answer 3103).
 *   3. ISO 20022 `ISODate` (`format: date`, the only `format` in that file) becomes the calendar-checking pattern of
 *      the FSPIOP v2.0 `DateOfBirth` type: same meaning (YYYY-MM-DD, a real date), and no ajv format plugin is needed
 *      (the validators run ajv in strict mode without ajv-formats).
 *   4. ISO 20022 `GroupHeader113` (pacs.009/091/092 group header) accepts the optional `PmtInstrXpryDtTm` (ISODateTime):
 *      the MPD examples and Mojaloop's transformer put the FX expiry there (contract iso20022-mapping.md §2), whereas
 *      api-snippets declares `additionalProperties: false` without it.
 *   5. ISO 20022 choice components (`Party40Choice`, `Party52Choice`, `StatusReason6Choice`, `DateAndDateTime2Choice`,
 *      ... 30-odd of them) are written in api-snippets as `type: object, additionalProperties: false` with the
 *      alternatives only inside `anyOf` branches. In JSON Schema `additionalProperties` sees only sibling
 *      `properties`, so every element of every branch counts as "additional" and NO instance validates (the MPD's
 *      own examples fail with 3103). The generator lifts the branches' properties into the component's `properties`
 *      (the same schema per element, checked) and keeps the `anyOf`: at least one alternative must be present,
 *      nothing else is allowed — the evident intent, and what the MPD examples need.
 *   6. ISO 20022 `SupplementaryDataEnvelope1` (the `Envlp` of every `SplmtryData`) is written as
 *      `type: object, additionalProperties: false` with no properties, so only `{}` validates. In ISO 20022 the
 *      envelope is `xs:any` (any well-formed content), and the MPD §3.6 says supplementary data is "accepted and
 *      ignored", which an always-empty envelope cannot mean. The generator opens it (`type: object`): Mizani carries
 *      FSPIOP data without an ISO element there (docs/iso20022-mapping.md §5). A peer that validates with the
 *      unadjusted api-snippets schema would refuse a non-empty envelope: the ISO JSON renderers can be told not to
 *      write one (`supplementaryData: false`).
 *   7. ISO 20022 `CreditTransferTransaction67` (the transaction of pacs.008, pacs.081 and pacs.082) accepts an optional
 *      `SplmtryData` (SupplementaryData1), as ISO 20022's own CreditTransferTransaction does (pacs.008.001.13
 *      CdtTrfTxInf/SplmtryData, 0..n) and as the MPD §3.6 says a switch must ("will not reject the message").
 *      Mizani carries there what the quote and transfer messages of this dialect have no element for (a second
 *      charge, a date of birth, FSPIOP extensions, ...) instead of refusing the payment (docs/iso20022-mapping.md §5).
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load as loadYaml } from 'js-yaml';

const require = createRequire(import.meta.url);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const snippetsPkgPath = require.resolve('@mojaloop/api-snippets/package.json');
const snippetsDir = dirname(snippetsPkgPath);
const snippetsVersion = JSON.parse(readFileSync(snippetsPkgPath, 'utf8')).version;

const CORRELATION_ID_V2 = '^[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$|^[0-9A-HJKMNP-TV-Z]{26}$';

/** FSPIOP v2.0 `DateOfBirth`/`Date` pattern (calendar-checked YYYY-MM-DD), used for ISO `format: date` (adjustment 3). */
const DATE_PATTERN =
  '^(?:[1-9]\\d{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)|(?:[1-9]\\d(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)-02-29)$';

const VERSIONS = [
  {
    version: '1.1',
    file: 'docs/fspiop-rest-v1.1-openapi3-snippets.yaml',
    adjust(schemas) {
      // Adjustment 1 (see header): ULIDs on v1.1.
      const cid = schemas.CorrelationId;
      if (!cid || typeof cid.pattern !== 'string') throw new Error('v1.1: CorrelationId.pattern not found');
      cid.pattern = CORRELATION_ID_V2;
    },
  },
  {
    version: '2.0',
    file: 'docs/fspiop-rest-v2.0-openapi3-snippets.yaml',
    adjust(schemas) {
      const cid = schemas.CorrelationId;
      if (!cid || cid.pattern !== CORRELATION_ID_V2) throw new Error('v2.0: CorrelationId.pattern changed upstream');
      // Adjustment 2 (see header): optional amountType in POST /fxTransfers.
      const fx = schemas.FxTransfersPostRequest;
      if (!fx || !fx.properties || !schemas.AmountType) throw new Error('v2.0: FxTransfersPostRequest/AmountType not found');
      if (!fx.properties.amountType) fx.properties.amountType = { $ref: '#/components/schemas/AmountType' };
    },
  },
  {
    version: '2.0',
    name: 'iso20022-v2.0',
    file: 'docs/fspiop-rest-v2.0-ISO20022-openapi3-snippets.yaml',
    adjust(schemas) {
      // Adjustment 3 (see header): ISODate format -> calendar pattern.
      const date = schemas.ISODate;
      if (!date || date.format !== 'date') throw new Error('iso20022: ISODate.format changed upstream');
      delete date.format;
      date.pattern = DATE_PATTERN;
      for (const [name, schema] of Object.entries(schemas)) {
        if (JSON.stringify(schema).includes('"format"')) throw new Error(`iso20022: unexpected format keyword in ${name}`);
      }
      // Adjustment 4 (see header): PmtInstrXpryDtTm in the FX group header.
      const gh = schemas.GroupHeader113;
      if (!gh || !gh.properties || !schemas.ISODateTime) throw new Error('iso20022: GroupHeader113/ISODateTime not found');
      if (!gh.properties.PmtInstrXpryDtTm) gh.properties.PmtInstrXpryDtTm = { $ref: '#/components/schemas/ISODateTime' };
      // Adjustment 5 (see header): lift choice alternatives into `properties`.
      let lifted = 0;
      for (const [name, schema] of Object.entries(schemas)) {
        const branches = schema.anyOf ?? schema.oneOf;
        if (schema.additionalProperties !== false || schema.properties || !Array.isArray(branches)) continue;
        const properties = {};
        for (const branch of branches) {
          if (!branch.properties) throw new Error(`iso20022: choice ${name} has a branch without properties`);
          for (const [prop, sub] of Object.entries(branch.properties)) {
            if (properties[prop] && JSON.stringify(properties[prop]) !== JSON.stringify(sub)) {
              throw new Error(`iso20022: choice ${name} declares ${prop} twice, differently`);
            }
            properties[prop] = sub;
          }
        }
        schema.properties = properties;
        lifted++;
      }
      if (lifted === 0) throw new Error('iso20022: no choice component found to adjust (upstream changed?)');
      // Adjustment 6 (see header): open the supplementary data envelope.
      const envelope = schemas.SupplementaryDataEnvelope1;
      if (!envelope || envelope.additionalProperties !== false || envelope.properties) {
        throw new Error('iso20022: SupplementaryDataEnvelope1 changed upstream');
      }
      delete envelope.additionalProperties;
      // Adjustment 7 (see header): supplementary data in the credit transfer transaction.
      const tx = schemas.CreditTransferTransaction67;
      if (!tx || !tx.properties || tx.properties.SplmtryData || !schemas.SupplementaryData1) {
        throw new Error('iso20022: CreditTransferTransaction67/SupplementaryData1 changed upstream');
      }
      tx.properties.SplmtryData = { $ref: '#/components/schemas/SupplementaryData1' };
      const ulid = schemas.ULIDIdentifier;
      if (!ulid || ulid.pattern !== '^[0-9A-HJKMNP-TV-Z]{26}$') throw new Error('iso20022: ULIDIdentifier.pattern changed upstream');
    },
  },
];

const BODY_METHODS = ['post', 'put', 'patch'];

/** Keywords dropped: annotations (or OpenAPI-only annotations that ajv strict mode would reject). */
const DROP = new Set(['example', 'examples', 'description', 'title', 'externalDocs', 'xml', 'deprecated', 'readOnly', 'writeOnly', 'default']);
/** Keywords copied verbatim (their value is not a schema). */
const COPY = new Set([
  'type',
  'enum',
  'const',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'required',
]);
/** Keywords whose value is a schema / array of schemas / map of schemas. */
const SUB_SCHEMA = new Set(['items', 'not', 'additionalProperties']);
const SUB_SCHEMA_ARRAY = new Set(['allOf', 'anyOf', 'oneOf']);
const SUB_SCHEMA_MAP = new Set(['properties']);
/** Type-specific keywords (for the "no type" rewrite). */
const TYPE_SPECIFIC = {
  string: ['pattern', 'minLength', 'maxLength', 'format'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  array: ['items', 'minItems', 'maxItems', 'uniqueItems'],
  object: ['properties', 'required', 'additionalProperties', 'minProperties', 'maxProperties'],
};

const COMPONENT_PREFIX = '#/components/schemas/';

function convertDocument({ version, name = `v${version}`, file, adjust }) {
  const doc = loadYaml(readFileSync(join(snippetsDir, file), 'utf8'));
  if (!doc || typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.0')) throw new Error(`${file}: not an OpenAPI 3.0 file`);
  const components = structuredClone(doc.components?.schemas ?? {});
  adjust(components);

  const needed = new Set();
  const queue = [];
  const need = (name) => {
    if (!Object.prototype.hasOwnProperty.call(components, name)) throw new Error(`${file}: unknown schema ${name}`);
    if (!needed.has(name)) {
      needed.add(name);
      queue.push(name);
    }
  };

  const convert = (node, where) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) throw new Error(`${where}: schema is not an object`);
    if (typeof node.$ref === 'string') {
      if (!node.$ref.startsWith(COMPONENT_PREFIX)) throw new Error(`${where}: unsupported $ref ${node.$ref}`);
      const name = node.$ref.slice(COMPONENT_PREFIX.length);
      need(name);
      const ref = { $ref: `#/definitions/${name}` };
      const { $ref: _ignored, ...siblings } = node;
      const rest = convert(siblings, where);
      return Object.keys(rest).length === 0 ? ref : { allOf: [ref, rest] };
    }
    const out = {};
    for (const [key, value] of Object.entries(node)) {
      if (DROP.has(key) || key.startsWith('x-')) continue;
      if (COPY.has(key)) out[key] = structuredClone(value);
      else if (SUB_SCHEMA.has(key)) out[key] = typeof value === 'boolean' ? value : convert(value, `${where}/${key}`);
      else if (SUB_SCHEMA_ARRAY.has(key)) out[key] = value.map((s, i) => convert(s, `${where}/${key}/${i}`));
      else if (SUB_SCHEMA_MAP.has(key)) {
        const map = {};
        for (const [prop, sub] of Object.entries(value)) map[prop] = convert(sub, `${where}/${key}/${prop}`);
        out[key] = map;
      } else if (key === 'nullable') {
        // handled below
      } else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
        // handled below
      } else {
        throw new Error(`${where}: unsupported OpenAPI keyword "${key}" (extend scripts/gen-fspiop-schemas.mjs)`);
      }
    }
    for (const [flag, bound] of [
      ['exclusiveMinimum', 'minimum'],
      ['exclusiveMaximum', 'maximum'],
    ]) {
      if (node[flag] === true) {
        if (typeof node[bound] !== 'number') throw new Error(`${where}: ${flag} without ${bound}`);
        out[flag] = node[bound];
        delete out[bound];
      } else if (typeof node[flag] === 'number') {
        out[flag] = node[flag];
      }
    }
    if (node.nullable === true) {
      if (typeof out.type === 'string') out.type = [out.type, 'null'];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    }
    if (out.type === undefined) {
      for (const [type, keywords] of Object.entries(TYPE_SPECIFIC)) {
        const present = keywords.filter((k) => k in out);
        if (present.length === 0) continue;
        const then = { type };
        for (const k of present) {
          then[k] = out[k];
          delete out[k];
        }
        if (out.if !== undefined) throw new Error(`${where}: keywords of several types without "type"`);
        out.if = { type };
        out.then = then;
      }
    }
    return out;
  };

  const bodies = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of BODY_METHODS) {
      const op = item[method];
      if (!op || !op.requestBody) continue;
      let requestBody = op.requestBody;
      if (requestBody.$ref) throw new Error(`${method} ${path}: $ref requestBody not supported`);
      const media = requestBody.content?.['application/json'];
      if (!media || !media.schema) continue; // no JSON body
      const key = `${method.toUpperCase()} ${path}`;
      let schema = media.schema;
      if (typeof schema.$ref !== 'string' || Object.keys(schema).length !== 1) {
        // Inline body schema: give it a synthetic component name so every body is a single $ref.
        const name = `Body_${method.toUpperCase()}_${path.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '')}`;
        components[name] = schema;
        schema = { $ref: COMPONENT_PREFIX + name };
      }
      bodies[key] = convert(schema, key);
    }
  }

  const definitions = {};
  while (queue.length > 0) {
    const name = queue.shift();
    definitions[name] = convert(components[name], `${COMPONENT_PREFIX}${name}`);
  }

  return {
    $comment: `GENERATED by scripts/gen-fspiop-schemas.mjs from @mojaloop/api-snippets@${snippetsVersion} ${file} - do not edit by hand`,
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://mizani.invalid/schemas/fspiop/${name}.json`,
    bodies: sortKeys(bodies),
    definitions: sortKeys(definitions),
  };
}

function sortKeys(obj) {
  const out = {};
  for (const key of Object.keys(obj).sort()) out[key] = obj[key];
  return out;
}

const outDir = join(repoRoot, 'schemas', 'fspiop');
mkdirSync(outDir, { recursive: true });
for (const spec of VERSIONS) {
  const result = convertDocument(spec);
  const target = join(outDir, `${spec.name ?? `v${spec.version}`}.json`);
  writeFileSync(target, JSON.stringify(result, null, 2) + '\n');
  console.log(`${target}: ${Object.keys(result.bodies).length} bodies, ${Object.keys(result.definitions).length} definitions`);
}
