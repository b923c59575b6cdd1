/**
 * Which offsets the Kafka bus may commit (switch/bus/kafka-progress.ts): handlers start in offset order and finish
 * in any order; the committable offset is always the first offset whose handler has not finished (or one past the
 * last started, when all have), never past an unfinished one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PartitionProgress, type Started } from '../../switch/bus/kafka-progress.js';

test('the committable offset is the first unfinished one, whatever the finishing order (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 60 }),
      fc.infiniteStream(fc.nat()),
      (first, gaps, picks) => {
        const progress = new PartitionProgress('t', 0);
        let offset = BigInt(first);
        const started: Started[] = [];
        for (const gap of gaps) {
          started.push(progress.start(offset));
          offset += BigInt(gap); // offsets need not be consecutive (transaction markers, compaction)
        }
        assert.equal(progress.committable, undefined, 'nothing finished, nothing to commit');
        const open = [...started];
        const it = picks[Symbol.iterator]();
        while (open.length > 0) {
          const [entry] = open.splice(it.next().value % open.length, 1);
          progress.finish(entry!);
          let prefix = 0;
          while (prefix < started.length && started[prefix]!.done) prefix++;
          assert.equal(progress.committable, prefix === 0 ? undefined : started[prefix - 1]!.offset + 1n, 'one past the finished prefix');
          if (prefix < started.length && progress.committable !== undefined) {
            assert.ok(progress.committable <= started[prefix]!.offset, 'never past the first unfinished handler');
          }
          assert.equal(progress.running, open.length);
        }
        assert.equal(progress.committable, started[started.length - 1]!.offset + 1n);
      },
    ),
  );
});

test('a partition that goes back (a rebalance) is refused: the bus starts a new progress for it', () => {
  const progress = new PartitionProgress('t', 0);
  progress.start(5n);
  assert.equal(progress.follows(5n), false);
  assert.equal(progress.follows(4n), false);
  assert.equal(progress.follows(6n), true);
  assert.throws(() => progress.start(5n), /offset order/);
});

test('due: what moved since the last commit', () => {
  const progress = new PartitionProgress('t', 3);
  const a = progress.start(10n);
  assert.equal(progress.due, undefined);
  progress.finish(a);
  assert.equal(progress.due, 11n);
  progress.committed = 11n;
  assert.equal(progress.due, undefined);
});
