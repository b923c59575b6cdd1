/**
 * Structure the design asks for, checked on the sources: the HTTP kernel, the Admin API and the key
 * store import only downward (docs/DESIGN.md layering, issue 11), and functions in these modules fit
 * on a screen (at most 70 lines, TigerBeetle style).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const MAX_FUNCTION_LINES = 70;

function sources(path: string): string[] {
  const full = join(root, path);
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full).flatMap((entry) => sources(join(path, entry))).filter((f) => f.endsWith('.ts'));
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)[^;]*?from '(\.[^']+)'/gms)].map((m) => join(file, '..', m[1]!).replace(/\\/g, '/'));
}

const RULES: Array<{ files: string; mayNotImport: string[] }> = [
  { files: 'switch/http', mayNotImport: ['switch/edge/', 'switch/admin/', 'switch/core/', 'switch/notify/', 'switch/security/', 'switch/hub'] },
  { files: 'switch/admin', mayNotImport: ['switch/edge/', 'switch/notify/', 'switch/hub'] },
  { files: 'switch/security/jws-keys.ts', mayNotImport: ['switch/admin/', 'switch/edge/', 'switch/http/'] },
  { files: 'switch/lifecycle.ts', mayNotImport: ['switch/', 'ledger/', 'translators/', 'schemas/'] },
];

test('the HTTP kernel, the Admin API and the key store import only what lies below them', () => {
  const violations: string[] = [];
  for (const rule of RULES) {
    for (const file of sources(rule.files)) {
      for (const target of importsOf(file)) {
        if (rule.mayNotImport.some((p) => target.startsWith(p))) violations.push(`${file} imports ${target}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test(`functions of the hub, the lifecycle, the Admin API, the HTTP kernel and the key store fit in ${MAX_FUNCTION_LINES} lines`, () => {
  const files = ['switch/hub.ts', 'switch/lifecycle.ts', 'switch/security/jws-keys.ts', ...sources('switch/admin'), ...sources('switch/http')];
  const long: string[] = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
        const last = source.getLineAndCharacterOfPosition(node.end).line;
        if (last - first + 1 > MAX_FUNCTION_LINES) long.push(`${relative(root, join(root, file))}:${first + 1} (${last - first + 1} lines)`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  assert.deepEqual(long, []);
});
