#!/usr/bin/env node
// `npm run lint`: the checks docs/architecture.md agrees, each run to the end so one run shows every finding:
//   1. dependency-cruiser: the layers and the one door to the ledger writer (.dependency-cruiser.cjs);
//   2. ESLint: the small rule set of eslint.config.js (functions of product code fit in 70 lines, ...);
//   3. Prettier in check mode: the format of .prettierrc.json (`npm run format` writes it).
// Exit code 1 when any of them fails. `./mizani test` runs it before the test suite.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (pkg, file) => join(root, 'node_modules', pkg, file);
const CODE = '**/*.{ts,mjs,cjs,js}';

const checks = [
  [
    'dependency rules',
    bin('dependency-cruiser', 'bin/dependency-cruise.mjs'),
    ['--config', '.dependency-cruiser.cjs', 'schemas', 'translators', 'ledger', 'switch', 'conformance', 'test'],
  ],
  // Errors only: the warnings (explicit any, long test functions) are for `npx eslint .` to list while they are paid off.
  ['ESLint', bin('eslint', 'bin/eslint.js'), ['--quiet', '.']],
  ['Prettier', bin('prettier', 'bin/prettier.cjs'), ['--check', '--log-level', 'warn', CODE]],
];

let failed = 0;
for (const [name, script, args] of checks) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit' });
  const ok = result.status === 0;
  if (!ok) failed++;
  console.log(`lint: ${name} ${ok ? 'passed' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
process.exit(failed === 0 ? 0 : 1);
