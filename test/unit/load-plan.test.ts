// The load generator's schedule (conformance/load/plan.ts): the ramp that warms a cold target up without a backlog
// (docs/benchmarks.md, "Stalls") plans the payments paymentsInSpan counts, in order, at the rate it says.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paymentsInSpan, plannedOffsetMs } from '../../conformance/load/plan.js';

const offsets = (rate: number, rampMs: number, spanMs: number, workers = 1): number[] => {
  const all: number[] = [];
  for (let worker = 0; worker < workers; worker++) {
    const n = paymentsInSpan(rate, spanMs, worker, workers, rampMs);
    for (let i = 0; i < n; i++) all.push(plannedOffsetMs({ rate, rampMs, worker, workers }, i));
  }
  return all.sort((a, b) => a - b);
};
const inside = (all: number[], from: number, to: number) => all.filter((o) => o >= from && o < to).length;

test('without a ramp: one payment every 1/rate, from 0', () => {
  assert.equal(paymentsInSpan(600, 15_000, 0, 1), 9000);
  assert.equal(plannedOffsetMs({ rate: 600, rampMs: 0, worker: 0, workers: 1 }, 600), 1000);
  assert.equal(paymentsInSpan(600, 15_000, 0, 1, 0), 9000);
});

test('with a ramp: the rate rises linearly to its value, then stays there; the planned offsets are inside the span', () => {
  const rate = 600;
  const all = offsets(rate, 5000, 15_000);
  assert.equal(all.length, 600 * 12.5); // rate × (span − ramp / 2)
  assert.ok(all.every((o, k) => o >= 0 && o < 15_000 && (k === 0 || o >= all[k - 1]!)));
  assert.equal(inside(all, 0, 1000), 60); // average rate over the first second: rate × 0.5 / 5
  assert.equal(inside(all, 4000, 5000), 540); // rate × 4.5 / 5
  for (let s = 5; s < 15; s++) assert.ok(Math.abs(inside(all, s * 1000, (s + 1) * 1000) - rate) <= 1, `second ${s}`);
});

test('with a ramp and several workers: the workers share the schedule, no payment planned twice or left out', () => {
  const one = offsets(300, 4000, 10_000);
  const three = offsets(300, 4000, 10_000, 3);
  assert.equal(three.length, one.length);
  three.forEach((o, k) => assert.ok(Math.abs(o - one[k]!) < 1e-6));
});
