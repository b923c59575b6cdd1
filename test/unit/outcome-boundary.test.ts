// The wire vocabulary stays at the edge (DESIGN.md, "Errors: domain outcomes inside, wire codes at the edge"):
// ledger/ and switch/core raise domain outcomes (schemas/outcomes.ts), never FSPIOP errors or codes. A source scan
// until a dependency rule (dependency-cruiser) takes over.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Where only outcomes may be spoken; ilp.ts raises the ILP outcomes core/transfers.ts refuses a prepare with. */
const SCANNED = ['ledger', 'switch/core', 'switch/security/ilp.ts'];

function sourceFiles(path: string): string[] {
  const full = join(root, path);
  if (!statSync(full).isDirectory()) return [full];
  return readdirSync(full).flatMap((entry) => (entry.endsWith('.ts') || statSync(join(full, entry)).isDirectory() ? sourceFiles(join(path, entry)) : []));
}

/** The source without comments (block comments, and line comments that start a line). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

/** A string literal that is an FSPIOP error code, or starts with one as a cause does ('3100', "3303: ..."). */
const CODE_LITERAL = /(['"`])[1-6]\d{3}(?:\1|:)/;
const FORBIDDEN_IMPORT = /from\s+['"][^'"]*schemas\/errors(?:\.js)?['"]|\bFspiopError\b/;

function findings(): string[] {
  const found: string[] = [];
  for (const file of SCANNED.flatMap(sourceFiles)) {
    const lines = code(readFileSync(file, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      const where = `${relative(root, file)}:${i + 1}: ${line.trim()}`;
      if (FORBIDDEN_IMPORT.test(line)) found.push(`FSPIOP error type: ${where}`);
      if (CODE_LITERAL.test(line)) found.push(`FSPIOP code literal: ${where}`);
    });
  }
  return found;
}

test('ledger/ and switch/core speak domain outcomes: no FspiopError, no schemas/errors, no FSPIOP code literal', () => {
  assert.ok(sourceFiles('switch/core').length > 10, 'the scan sees the core');
  assert.deepEqual(findings(), []);
});

test('the scan would see a violation', () => {
  assert.ok(CODE_LITERAL.test(`throw new X('3100', 'detail')`));
  assert.ok(CODE_LITERAL.test("reason = '3100: cancelled'"));
  assert.ok(!CODE_LITERAL.test("code !== '23505'"), 'a PostgreSQL SQLSTATE is not an FSPIOP code');
  assert.ok(FORBIDDEN_IMPORT.test("import { isValidErrorCode } from '../../schemas/errors.js';"));
  assert.ok(FORBIDDEN_IMPORT.test('let e: FspiopError;'));
  assert.equal(code('/* FspiopError */ x;\n  // FspiopError\n'), ' x;\n\n');
});
