/**
 * The one door (docs/architecture.md): every topic of switch/core/topics.ts has its worker, and the expiry sweep
 * changes nothing itself: it publishes one expire command per due transfer, keyed by the payer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { InFlight, LedgerReader } from '../../ledger/reader.js';
import { InProcessBus, type Bus, type Topic } from '../../switch/bus/bus.js';
import { ExpirySweep } from '../../switch/core/expiry.js';
import { bulkTopics, fxTopics, liquidityTopics, ownerTopics, referenceTopics, settlementTopics, transferTopics } from '../../switch/core/topics.js';
import type { BulkTransferService } from '../../switch/core/workers/bulk-transfers.js';
import type { FxTransferService } from '../../switch/core/workers/fx-transfers.js';
import type { LiquidityWorker } from '../../switch/core/workers/liquidity.js';
import type { ReferenceWorker } from '../../switch/core/workers/reference.js';
import type { SettlementWorker } from '../../switch/core/workers/settlement.js';
import { serveWorkers } from '../../switch/core/workers/serve.js';
import type { TransferService } from '../../switch/core/workers/transfers.js';

test('every transfer, bulk transfer, fx transfer, liquidity, settlement, owner and reference topic has a worker, subscribed once', () => {
  const subscribed: string[] = [];
  const bus = { subscribe: (topic: Topic<unknown, unknown>) => void subscribed.push(topic.name) } as unknown as Bus;
  serveWorkers(bus, {
    transfers: {} as TransferService,
    bulks: {} as BulkTransferService,
    fx: {} as FxTransferService,
    liquidity: {} as LiquidityWorker,
    settlement: {} as SettlementWorker,
    reference: {} as ReferenceWorker,
  });
  const topics = [
    ...Object.values(transferTopics),
    ...Object.values(bulkTopics),
    ...Object.values(fxTopics),
    ...Object.values(liquidityTopics),
    ...Object.values(settlementTopics),
    ...Object.values(ownerTopics),
    ...Object.values(referenceTopics),
  ].map((t) => t.name);
  assert.deepEqual([...subscribed].sort(), [...topics].sort());
  assert.equal(new Set(subscribed).size, subscribed.length);
});

test('the expiry sweep publishes an expire command per due transfer, keyed by the position it reserved on (its payer, or a remote payer’s proxy), and aborts nothing itself', async () => {
  const due = [
    { id: 't1', kind: 'TRANSFER', payer: 'payerA', payee: 'payeeB', debtor: 'payerA' },
    { id: 'f1', kind: 'FUNDS_OUT', payer: 'Hub', payee: 'dfsp', debtor: 'Hub' },
    { id: 't2', kind: 'TRANSFER', payer: 'remotePayer', payee: 'payeeB', debtor: 'proxyC' },
    { id: 'x1', kind: 'FX_TRANSFER', payer: 'payerA', payee: 'fxp', debtor: 'payerA' },
  ] as InFlight[];
  const reader = { available: true, expired: (now: number) => (now >= 1000 ? due : []) } as unknown as LedgerReader;
  const bus = new InProcessBus();
  const published: Array<{ key: string; transferId: string; now: number }> = [];
  bus.subscribe(transferTopics.expire, async (command, key) => void published.push({ key, ...command }));
  const conversions: Array<{ key: string; commitRequestId: string; now: number }> = [];
  bus.subscribe(fxTopics.expire, async (command, key) => void conversions.push({ key, ...command }));
  const sweep = new ExpirySweep(reader, bus, 60_000, pino({ level: 'silent' }));
  assert.equal(await sweep.sweep(999), 0);
  assert.equal(await sweep.sweep(1000), 2);
  assert.deepEqual(published, [
    { key: 'payerA', transferId: 't1', now: 1000 },
    { key: 'proxyC', transferId: 't2', now: 1000 },
  ]);
  assert.deepEqual(conversions, [{ key: 'payerA', commitRequestId: 'x1', now: 1000 }], 'a conversion is expired by its initiating FSP');
  const recovering = new ExpirySweep({ ...reader, available: false } as LedgerReader, bus, 60_000, pino({ level: 'silent' }));
  assert.equal(await recovering.sweep(1000), 0, 'nothing is published while the ledger recovers');
});

test('the expiry sweep publishes an expire command per bulk past its expiration and not final, keyed by its payer', async () => {
  const reader = { available: true, expired: () => [] } as unknown as LedgerReader;
  const asked: string[] = [];
  const bulks = {
    openPastExpiration: async (before: string) => {
      asked.push(before);
      return [{ id: 'b1', payer: 'payerA' }];
    },
  };
  const bus = new InProcessBus();
  const published: Array<{ key: string; bulkTransferId: string; now: number }> = [];
  bus.subscribe(bulkTopics.expire, async (command, key) => void published.push({ key, ...command }));
  const sweep = new ExpirySweep(reader, bus, 60_000, pino({ level: 'silent' }), bulks);
  await sweep.sweep(10_000);
  assert.deepEqual(published, [{ key: 'payerA', bulkTransferId: 'b1', now: 10_000 }]);
  assert.ok(Date.parse(asked[0]!) < 10_000, 'a bulk is swept only some time after its expiration: its lines expire first');
});
