#!/usr/bin/env node
// Installs Mojaloop's own FSPIOP <-> ISO 20022 JSON transformer (@mojaloop/ml-schema-transformer-lib@2.10.0,
// unmodified, from npm: what the SDK scheme adapter uses in ISO 20022 mode) into a cache folder OUTSIDE the repo,
// once per machine, for test/interop/mojaloop-transformer.test.ts. Not a dependency of the hub: it brings about
// 450 packages that `./mizani start` should not install.
//
//   node scripts/mojaloop-transformer-install.mjs          install if needed, print where
//   node scripts/mojaloop-transformer-install.mjs --json   same, and print one JSON line last: {"dir":…,"cached":…}
//
// Where: $MIZANI_SDK_ADAPTER_CACHE if set, else ${XDG_CACHE_HOME:-$HOME/.cache}/mizani, then
// ml-schema-transformer-lib-2.10.0/. The folder counts as installed only when its marker file (written last) names
// this package and version; the install goes into a temp folder and is renamed into place.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const PACKAGE = '@mojaloop/ml-schema-transformer-lib';
export const VERSION = '2.10.0';
const MARKER = '.mizani-install-complete';

export function installDir() {
  const root = process.env.MIZANI_SDK_ADAPTER_CACHE
    ? resolve(process.env.MIZANI_SDK_ADAPTER_CACHE)
    : join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mizani');
  return join(root, `ml-schema-transformer-lib-${VERSION}`);
}

function installed(dir) {
  try {
    const marker = JSON.parse(readFileSync(join(dir, MARKER), 'utf8'));
    return marker.package === PACKAGE && marker.version === VERSION && existsSync(join(dir, 'node_modules', PACKAGE, 'package.json'));
  } catch {
    return false;
  }
}

export function ensureInstalled() {
  const dir = installDir();
  if (installed(dir)) return { dir, cached: true };
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  try {
    writeFileSync(join(tmp, 'package.json'), JSON.stringify({ name: 'mizani-transformer-cache', version: '0.0.0', private: true }));
    const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--engine-strict=false', `${PACKAGE}@${VERSION}`], {
      cwd: tmp,
      encoding: 'utf8',
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
    if (npm.status !== 0) throw new Error(`npm install ${PACKAGE}@${VERSION} failed:\n${(npm.stderr || npm.stdout).slice(-2000)}`);
    writeFileSync(join(tmp, MARKER), JSON.stringify({ package: PACKAGE, version: VERSION, installedAt: new Date().toISOString() }));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { dir, cached: false };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { json } = parseArgs({ options: { json: { type: 'boolean' } }, strict: true }).values;
  const result = ensureInstalled();
  console.log(`${PACKAGE}@${VERSION} ${result.cached ? 'already installed' : 'installed'} in ${result.dir}`);
  if (json) console.log(JSON.stringify(result));
}
