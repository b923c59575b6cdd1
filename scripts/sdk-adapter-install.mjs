#!/usr/bin/env node
// Installs the Mojaloop SDK scheme adapter (@mojaloop/sdk-scheme-adapter@18.0.2, unmodified, from
// npm) into a cache folder OUTSIDE the repo, once per machine, for the interoperability tests.
//
//   node scripts/sdk-adapter-install.mjs          install if needed, print a summary
//   node scripts/sdk-adapter-install.mjs --json   same, and print one JSON line last:
//        {"dir":…,"entry":…,"version":…,"cached":true|false,"seconds":…}
//
// Where: $MIZANI_SDK_ADAPTER_CACHE if set, else ${XDG_CACHE_HOME:-$HOME/.cache}/mizani, then
// sdk-scheme-adapter-18.0.2/ inside it. The folder counts as installed only when its marker file
// (.mizani-install-complete, written last) names this package, this version and the running
// Node's module ABI: the release compiles a native module (grpc@1.24.9, about 740 C/C++ files)
// that only loads in the Node ABI it was built for. Otherwise the install goes into a temp folder
// next to it, is load-tested, and is renamed into place (atomic on one file system), so an
// interrupted install never looks complete. See docs/interop.md, "Installing the adapter".
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, createWriteStream, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const PACKAGE = '@mojaloop/sdk-scheme-adapter';
export const VERSION = '18.0.2';
const MARKER = '.mizani-install-complete';

export function cacheRoot() {
  if (process.env.MIZANI_SDK_ADAPTER_CACHE) return resolve(process.env.MIZANI_SDK_ADAPTER_CACHE);
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'mizani');
}

export function installDir() {
  return join(cacheRoot(), `sdk-scheme-adapter-${VERSION}`);
}

export function entryPoint(dir = installDir()) {
  return join(dir, 'node_modules', '@mojaloop', 'sdk-scheme-adapter', 'src', 'index.js');
}

function expectedMarker() {
  return { package: PACKAGE, version: VERSION, nodeModulesAbi: process.versions.modules, platform: process.platform, arch: process.arch };
}

/** Returns the marker if `dir` holds a complete install usable by this Node, else undefined. */
export function completeInstall(dir = installDir()) {
  try {
    const marker = JSON.parse(readFileSync(join(dir, MARKER), 'utf8'));
    const want = expectedMarker();
    for (const [k, v] of Object.entries(want)) if (marker[k] !== v) return undefined;
    if (!existsSync(entryPoint(dir))) return undefined;
    return marker;
  } catch {
    return undefined;
  }
}

/**
 * node-gyp needs the Node headers. Without a `nodedir` it downloads them from nodejs.org, which
 * this machine (and CI) cannot reach. Debian's nodejs ships them under <prefix>/include/node, so
 * point node-gyp there unless the caller already chose.
 */
function buildEnv() {
  const env = { ...process.env };
  const prefix = resolve(dirname(process.execPath), '..');
  if (!env.npm_config_nodedir && !env.NPM_CONFIG_NODEDIR && existsSync(join(prefix, 'include', 'node', 'node.h'))) {
    env.npm_config_nodedir = prefix;
  }
  // node-gyp runs one compiler process at a time unless told otherwise; grpc has ~740 files.
  if (!env.JOBS) env.JOBS = 'max';
  env.npm_config_engine_strict = 'false'; // the package says node "=16.x"; it works on 20 (see docs)
  env.npm_config_update_notifier = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_audit = 'false';
  return env;
}

function run(cmd, args, opts, logStream) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(logStream, { end: false });
    child.stderr.pipe(logStream, { end: false });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal }));
  });
}

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Removes temp folders of installs that died (their pid is gone). */
function removeStaleTemps(root, base) {
  for (const name of readdirSync(root)) {
    const m = name.match(new RegExp(`^${base.replace(/\./g, '\\.')}\\.tmp-(\\d+)-`));
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = pid !== process.pid;
    } catch {
      alive = false;
    }
    if (!alive) rmSync(join(root, name), { recursive: true, force: true });
  }
}

export async function ensureInstalled({ log = (s) => console.log(s) } = {}) {
  const started = Date.now();
  const dir = installDir();
  const found = completeInstall(dir);
  if (found) {
    const seconds = (Date.now() - started) / 1000;
    log(
      `${PACKAGE}@${VERSION} already installed in ${dir} (installed ${found.installedAt}, took ${found.installSeconds} s then); check took ${seconds.toFixed(3)} s`,
    );
    return { dir, entry: entryPoint(dir), version: VERSION, cached: true, seconds };
  }

  const root = cacheRoot();
  mkdirSync(root, { recursive: true });
  const base = `sdk-scheme-adapter-${VERSION}`;
  removeStaleTemps(root, base);
  const tmp = join(root, `${base}.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  const onSignal = (signal) => {
    rmSync(tmp, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const logFile = join(root, `${base}.install.log`);
  const logStream = createWriteStream(logFile);
  log(`installing ${PACKAGE}@${VERSION} into ${dir} (log: ${logFile}); the first install compiles grpc and takes minutes`);
  try {
    writeFileSync(
      join(tmp, 'package.json'),
      JSON.stringify(
        {
          name: 'mizani-sdk-adapter-cache',
          version: '0.0.0',
          private: true,
          // npm >= 11.x reviews install scripts against this policy (only warns today). grpc's is
          // the one that matters: it compiles the native binding. The others print banners or
          // set up CLIs the adapter does not use, but are allowed so that nothing differs from a
          // plain install.
          allowScripts: { grpc: true, protobufjs: true, ejs: true, 'core-js': true },
        },
        null,
        2,
      ) + '\n',
    );
    const env = buildEnv();
    logStream.write(`nodedir=${env.npm_config_nodedir ?? '(npm config)'} JOBS=${env.JOBS} node=${process.version}\n`);
    const npmCli = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const res = await run(
      npmCli,
      ['install', '--no-audit', '--no-fund', '--omit=dev', '--foreground-scripts', `${PACKAGE}@${VERSION}`],
      { cwd: tmp, env },
      logStream,
    );
    if (res.code !== 0) throw new Error(`npm install exited with ${res.code ?? res.signal}:\n${tail(logFile)}`);

    // Load test: requiring the package (not running it) loads every module it needs, the native
    // grpc binding included (via @mojaloop/central-services-shared -> @mojaloop/event-sdk).
    const check = spawnSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(PACKAGE)}); const g = Object.keys(require.cache).filter((k) => k.endsWith('.node')); console.log('load ok; native modules: ' + g.join(' '))`,
      ],
      {
        cwd: tmp,
        env: { PATH: process.env.PATH ?? '', PEER_ENDPOINT: '127.0.0.1:1', BACKEND_ENDPOINT: '127.0.0.1:1' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    logStream.write(`load test: exit ${check.status}\n${check.stdout}\n${check.stderr}\n`);
    if (check.status !== 0) throw new Error(`the installed adapter does not load:\n${check.stderr.slice(-3000)}`);

    const seconds = (Date.now() - started) / 1000;
    // The marker is written last, still inside the temp folder; then one rename makes the complete
    // folder appear under its final name, so no reader ever sees a marked but partial install.
    const marker = { ...expectedMarker(), node: process.version, installedAt: new Date().toISOString(), installSeconds: Math.round(seconds) };
    writeFileSync(join(tmp, MARKER), JSON.stringify(marker, null, 2) + '\n');
    if (completeInstall(dir)) {
      rmSync(tmp, { recursive: true, force: true }); // another installer finished first; keep theirs
    } else {
      rmSync(dir, { recursive: true, force: true }); // an unmarked leftover, if any
      try {
        renameSync(tmp, dir);
      } catch (err) {
        if (!completeInstall(dir)) throw err; // lost a race to another complete install: fine
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    log(`installed ${PACKAGE}@${VERSION} in ${seconds.toFixed(1)} s`);
    return { dir, entry: entryPoint(dir), version: VERSION, cached: false, seconds };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await new Promise((r) => logStream.end(r));
  }
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const json = parseArgs({ options: { json: { type: 'boolean' } }, strict: true }).values.json ?? false;
  try {
    const result = await ensureInstalled({ log: (s) => console.log(s) });
    if (json) console.log(JSON.stringify(result));
  } catch (err) {
    console.error(`sdk-adapter-install: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
