#!/usr/bin/env node
// Summarises a V8 .cpuprofile (e.g. the hub run with `--hub-node-args "--cpu-prof --cpu-prof-dir=DIR"`):
// top functions by self time, and self time grouped by package / area.
//   node scripts/bench-cpuprofile.mjs DIR/CPU.…cpuprofile [--top 30] [--inclusive REGEX]
// --inclusive: also the inclusive (self + callees) time of the functions whose "name file:line" matches REGEX.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const USAGE = 'usage: node scripts/bench-cpuprofile.mjs FILE.cpuprofile [--top N]';
let parsed;
try {
  parsed = parseArgs({ options: { top: { type: 'string' }, inclusive: { type: 'string' } }, allowPositionals: true, strict: true });
} catch (err) {
  console.error(`${err.message.split('\n')[0]}\n${USAGE}`);
  process.exit(2);
}
const { values, positionals } = parsed;
const file = positionals[0];
if (!file) {
  console.error(USAGE);
  process.exit(2);
}
const top = values.top !== undefined ? Number(values.top) : 30;
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const deltas = prof.timeDeltas ?? [];
for (let k = 0; k < prof.samples.length; k++) {
  const id = prof.samples[k];
  self.set(id, (self.get(id) ?? 0) + (deltas[k] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = [...self.entries()].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, v]) => a + v, 0);
const busy = total - idle;

function area(cf) {
  const url = cf.url || '';
  const fn = cf.functionName;
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)') return '(program: native / not JS)';
  if (fn === '(idle)') return '(idle)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `npm:${nm[1]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const d = /dist\/([^/]+\/(?:[^/]+\/)?)/.exec(url);
  if (d) return `mizani:${d[1]}`;
  return url ? url : '(native)';
}

const fnAgg = new Map();
const areaAgg = new Map();
for (const [id, us] of self) {
  const n = byId.get(id);
  if (!n) continue;
  const cf = n.callFrame;
  const key = `${cf.functionName || '(anonymous)'}  ${(cf.url || '').replace(/^.*\/(node_modules|dist)\//, '$1/')}:${cf.lineNumber + 1}`;
  fnAgg.set(key, (fnAgg.get(key) ?? 0) + us);
  const a = area(cf);
  areaAgg.set(a, (areaAgg.get(a) ?? 0) + us);
}
const ms = (us) => (us / 1000).toFixed(0).padStart(8);
const pct = (us) => `${((us / busy) * 100).toFixed(1).padStart(5)}%`;
console.log(
  `profile ${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (idle ${(idle / 1e6).toFixed(1)} s); shares are of busy time`,
);
console.log('\nself time by area:');
for (const [k, v] of [...areaAgg]
  .filter(([k]) => k !== '(idle)')
  .sort((a, b) => b[1] - a[1])
  .slice(0, 25))
  console.log(`${ms(v)} ms ${pct(v)}  ${k}`);
console.log(`\ntop ${top} functions by self time:`);
for (const [k, v] of [...fnAgg]
  .filter(([k]) => !k.startsWith('(idle)'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, top))
  console.log(`${ms(v)} ms ${pct(v)}  ${k}`);

if (values.inclusive !== undefined) {
  const re = new RegExp(values.inclusive);
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n) =>
    `${n.callFrame.functionName || '(anonymous)'}  ${(n.callFrame.url || '').replace(/^.*\/(node_modules|dist)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  const incl = new Map();
  for (const [id, us] of self) {
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = keyOf(byId.get(cur));
      if (seen.has(k) || !re.test(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + us);
    }
  }
  console.log(`\ninclusive time of functions matching ${re}:`);
  for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(v)} ms ${pct(v)}  ${k}`);
}
