#!/usr/bin/env node
// Builds, then runs the load generator (conformance/load, docs/benchmarks.md) with a preset or your own options.
//   node scripts/bench.mjs quick                 30 s at 100/s, signed, hub + relay (a smoke run)
//   node scripts/bench.mjs baseline              60 s at 100, 200 and 300/s, signed, hub + relay
//   node scripts/bench.mjs knee                  ramp until the latency bar fails, hub + relay (efficiency of knees)
//   node scripts/bench.mjs sustained [RATE]      10 minutes at RATE (default 1000/s), signed, hub + relay
//   node scripts/bench.mjs hour [RATE]           60 minutes at RATE (default 1000/s), signed
//   node scripts/bench.mjs overload [RATE]       2x RATE (default 368/s, the knee measured so far), signed
//   node scripts/bench.mjs -- <run.js options>   anything else (see --help)
// Extra options after the preset are passed through (e.g. `node scripts/bench.mjs baseline --workers 2`).
// --no-build skips `tsc`.
// Settlement (issue 12: close and settle a window of 1,000,000 transfers under load) is scripts/bench-settlement.mjs:
// it fills the ledger with the hub stopped and drives the hub between steps, so it is a script of its own, not a preset.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
// node:util parseArgs in token mode finds this script's own parts (--no-build, the preset, RATE, `--`); every
// other argument goes to run.js untouched and in order (run.js checks them with its own parseArgs).
const { tokens } = parseArgs({ args: argv, options: { 'no-build': { type: 'boolean' } }, strict: false, allowPositionals: true, tokens: true });
const isNoBuild = (t) => (t.kind === 'option' && t.name === 'no-build') || (t.kind === 'positional' && t.value === '--no-build');
const noBuild = tokens.some(isNoBuild);
const rest = tokens.filter((t) => !isNoBuild(t));
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const common = ['--start-hub', '--sign', '--dfsps', '10', '--parties', '100'];
const preset = rest[0]?.kind === 'positional' && !rest[0].value.startsWith('-') ? rest.shift().value : undefined;
const rateArg = rest[0]?.kind === 'positional' && /^\d+(\.\d+)?$/.test(rest[0].value) ? rest.shift().value : undefined;
if (rest[0]?.kind === 'option-terminator') rest.shift();
// Options of run.js are unknown here, so their values came out as separate tokens: pass the raw arguments on.
const args = argv.filter((_, index) => rest.some((t) => t.index === index));
const presets = {
  quick: [...common, '--relay', '--rate', '100', '--duration', '30', '--warmup', '5'],
  baseline: [...common, '--relay', '--rates', '100,200,300', '--duration', '60', '--warmup', '10', '--verify-sample', '20'],
  knee: [...common, '--relay', '--knee', '--rate', '150', '--knee-factor', '1.25', '--knee-steps', '10', '--duration', '30', '--warmup', '5'],
  sustained: [...common, '--relay', '--rate', rateArg ?? '1000', '--duration', '600', '--warmup', '30'],
  hour: [...common, '--rate', rateArg ?? '1000', '--duration', '3600', '--warmup', '30'],
  overload: [...common, '--overload', '--rate', rateArg ?? '368', '--duration', '60', '--warmup', '10'],
};
if (preset && !presets[preset]) {
  console.error(`unknown preset ${preset} (${Object.keys(presets).join(', ')})`);
  process.exit(2);
}
const runArgs = [...(preset ? presets[preset] : []), ...args];
if (!runArgs.includes('--out')) runArgs.push('--out', `load-results/${preset ?? 'custom'}-${stamp}`);
if (!noBuild) {
  const b = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) console.error('tsc reported errors (continuing with what was emitted)');
}
console.log(`node dist/conformance/load/run.js ${runArgs.join(' ')}`);
const r = spawnSync(process.execPath, ['dist/conformance/load/run.js', ...runArgs], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
