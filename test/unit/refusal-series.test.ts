/** The refusal ring behind GET /stats/series: counts per 10-second slot, unknown before counting began, 24 h deep. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RefusalSeries, SLOT_SECONDS } from '../../switch/observability/refusal-series.js';

const SLOT = SLOT_SECONDS * 1000;

test('errors are counted in the slot they happened in; successes are not', () => {
  let now = 1_000 * SLOT + 3_000;
  const series = new RefusalSeries(() => now);
  series.answered(200);
  series.answered(202);
  series.answered(400);
  series.answered(503);
  now += SLOT;
  series.answered(404);
  assert.equal(series.between(1_000 * SLOT, 1_001 * SLOT), 2);
  assert.equal(series.between(1_001 * SLOT, 1_002 * SLOT), 1);
  assert.equal(series.between(1_000 * SLOT, 1_006 * SLOT), 3, 'a bucket of several slots sums them');
  assert.equal(series.between(1_002 * SLOT, 1_003 * SLOT), 0, 'a quiet slot after counting began is 0');
});

test('time before counting began is null, not 0', () => {
  const now = 5_000 * SLOT + 1;
  const series = new RefusalSeries(() => now);
  assert.equal(series.between(4_990 * SLOT, 5_000 * SLOT), null);
  assert.equal(series.between(4_990 * SLOT, 5_001 * SLOT), 0, 'a bucket reaching into the counted time counts what it has');
});

test('a slot reused a day later starts again from zero; beyond the ring is null', () => {
  let now = 10_000 * SLOT;
  const series = new RefusalSeries(() => now);
  series.answered(500);
  series.answered(500);
  const day = 24 * 3600 * 1000;
  now += day;
  series.answered(500);
  assert.equal(series.between(10_000 * SLOT + day, 10_001 * SLOT + day), 1, 'the old count does not leak into the new day');
  assert.equal(series.between(10_000 * SLOT, 10_001 * SLOT), null, 'a day ago is out of the ring');
});
