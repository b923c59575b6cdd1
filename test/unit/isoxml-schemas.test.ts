/**
 * The runtime schemas (schemas/xsd/) are unmodified copies of the official ISO 20022 XSDs, each
 * listed in the README with its SHA-256, and every one the catalog names compiles with libxml2.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEAD_DEFINITIONS, MESSAGE_DEFINITIONS, RUNTIME_SCHEMAS, schemaNamespace } from '../../translators/isoxml/catalog.js';
import { RUNTIME_SCHEMA_DIR, RuntimeSchemas } from '../../translators/isoxml/validate.js';
import { officialDir } from '../support/xsd-official.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

test('every runtime schema is byte-identical to the official copy and listed in the README with its SHA-256', () => {
  const files = readdirSync(RUNTIME_SCHEMA_DIR)
    .filter((f) => f.endsWith('.xsd'))
    .sort();
  const expected = [...RUNTIME_SCHEMAS].map((id) => `${id}.xsd`).sort();
  assert.deepEqual(files, expected, 'schemas/xsd holds exactly the catalog');
  const readme = readFileSync(join(RUNTIME_SCHEMA_DIR, 'README.md'), 'utf8');
  const official = officialDir();
  for (const f of files) {
    const hash = sha256(join(RUNTIME_SCHEMA_DIR, f));
    assert.equal(hash, sha256(join(official, f)), `${f} differs from the official copy`);
    assert.match(readme, new RegExp(`\\| \`${f.replace(/\./g, '\\.')}\` \\|[^\\n]*\\| \`${hash}\` \\|`), `${f} row with its SHA-256 in the README`);
  }
});

test('each schema declares the namespace the catalog gives it', () => {
  for (const d of [...HEAD_DEFINITIONS, ...MESSAGE_DEFINITIONS]) {
    const text = readFileSync(join(RUNTIME_SCHEMA_DIR, d.xsdFile), 'utf8');
    assert.match(text, new RegExp(`targetNamespace="${schemaNamespace(d.version).replace(/\./g, '\\.')}"`), d.xsdFile);
  }
  for (const d of MESSAGE_DEFINITIONS) {
    const text = readFileSync(join(RUNTIME_SCHEMA_DIR, d.xsdFile), 'utf8');
    assert.match(text, new RegExp(`<xs:element name="${d.rootElement.replace(/\./g, '\\.')}" type=`), `${d.xsdFile}: Document holds ${d.rootElement}`);
  }
});

test('all runtime schemas compile once with libxml2', () => {
  const schemas = new RuntimeSchemas();
  try {
    schemas.compileAll();
    assert.equal(schemas.size, RUNTIME_SCHEMAS.length);
    // A second request returns the compiled validator, not a new one.
    assert.equal(schemas.validator('pacs.008.001.08'), schemas.validator('pacs.008.001.08'));
  } finally {
    schemas.dispose();
  }
});
