import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdmissionControl } from '../../switch/edge/admission.js';
import { followUpTasksPending, runLater } from '../../switch/core/identity.js';
import { Delivery } from '../../switch/notify/delivery.js';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { isDomainError } from '../../schemas/outcomes.js';
import { FSPIOP_FORMS } from '../../translators/fspiop/outcomes.js';

function refusal(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (err) {
    assert.ok(isDomainError(err) && err.outcome === 'SERVER_BUSY', String(err));
    return FSPIOP_FORMS[err.outcome].code;
  }
}

test('ledger wait: at its limit discoveries are refused, at 1.5 times it quotes, at twice it prepares too', () => {
  let waitMs = 0;
  const seen: string[] = [];
  const a = new AdmissionControl({ loopUtilisation: 0, loopLagMs: 0, ledgerQueueMs: 100, openRequests: 0 }, { ledgerQueueAgeMs: () => waitMs }, (work) =>
    seen.push(work),
  );
  try {
    for (const work of ['discovery', 'agreement', 'transfer'] as const)
      assert.equal(
        refusal(() => a.admit(work)),
        undefined,
      );
    waitMs = 120;
    assert.equal(
      refusal(() => a.admit('discovery')),
      '2005',
    );
    assert.equal(
      refusal(() => a.admit('agreement')),
      undefined,
      'quotes go on below 1.5',
    );
    waitMs = 150;
    assert.equal(
      refusal(() => a.admit('agreement')),
      '2005',
    );
    assert.equal(
      refusal(() => a.admit('transfer')),
      undefined,
    );
    waitMs = 200;
    assert.equal(
      refusal(() => a.admit('transfer')),
      '2005',
    );
    assert.deepEqual(seen, ['discovery', 'agreement', 'transfer']);
    assert.deepEqual(a.refused, { discovery: 1, agreement: 1, transfer: 1 });
    waitMs = 0;
    assert.equal(
      refusal(() => a.admit('discovery')),
      undefined,
    );
  } finally {
    a.close();
  }
});

test('open requests: the asking request itself does not count; closing twice counts once', () => {
  const a = new AdmissionControl({ loopUtilisation: 0, loopLagMs: 0, ledgerQueueMs: 0, openRequests: 2 }, { ledgerQueueAgeMs: () => 0 });
  try {
    const closers = [a.opened(), a.opened()];
    assert.equal(a.signals().pressure, 0.5);
    const asker = a.opened();
    assert.equal(a.signals().pressure, 1);
    assert.equal(
      refusal(() => a.admit('discovery')),
      '2005',
    );
    assert.equal(
      refusal(() => a.admit('transfer')),
      undefined,
    );
    closers[0]!();
    closers[0]!();
    assert.equal(a.signals().openRequests, 2);
    asker();
    closers[1]!();
    assert.equal(a.signals().openRequests, 0);
  } finally {
    a.close();
  }
});

test('event-loop lag: a blocked loop raises the pressure, an idle one lets it fall', async () => {
  const a = new AdmissionControl({ loopUtilisation: 0, loopLagMs: 50, ledgerQueueMs: 0, openRequests: 0 }, { ledgerQueueAgeMs: () => 0 });
  try {
    await new Promise((r) => setTimeout(r, 120));
    assert.ok(a.signals().loopLagMs < 20, `idle lag ${a.signals().loopLagMs}`);
    const until = Date.now() + 400;
    while (Date.now() < until); // block the loop
    await new Promise((r) => setTimeout(r, 60));
    assert.ok(a.signals().pressure >= 1, `lag after a 400 ms block: ${a.signals().loopLagMs} ms`);
    assert.equal(
      refusal(() => a.admit('discovery')),
      '2005',
    );
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(a.signals().pressure < 1, `lag after 1.5 s idle: ${a.signals().loopLagMs} ms`);
  } finally {
    a.close();
  }
});

test('event-loop utilisation: a loop kept busy with requests waiting refuses first stages (prepares taken); without waiting requests, or idle, it does not', async () => {
  const a = new AdmissionControl({ loopUtilisation: 0.8, loopLagMs: 0, ledgerQueueMs: 0, openRequests: 0 }, { ledgerQueueAgeMs: () => 0 });
  try {
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(a.signals().loopUtilisation < 0.5, `idle utilisation ${a.signals().loopUtilisation}`);
    // Busy in 40 ms slices for 2 s: the loop still turns (timers fire) but is almost never idle.
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      const slice = Date.now() + 40;
      while (Date.now() < slice);
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(a.signals().loopUtilisation >= 0.8, `utilisation after 2 s busy: ${a.signals().loopUtilisation}`);
    assert.equal(
      refusal(() => a.admit('discovery')),
      undefined,
      'a busy loop with nothing waiting is not overload',
    );
    const waiting = Array.from({ length: 10 }, () => a.opened());
    assert.equal(
      refusal(() => a.admit('discovery')),
      '2005',
    );
    assert.equal(
      refusal(() => a.admit('agreement')),
      undefined,
      'utilisation alone never refuses quotes',
    );
    assert.equal(
      refusal(() => a.admit('transfer')),
      undefined,
      'utilisation alone never refuses prepares',
    );
    for (const close of waiting) close();
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(a.signals().loopUtilisation < 0.8, `utilisation after 2 s idle: ${a.signals().loopUtilisation}`);
  } finally {
    a.close();
  }
});

test('every limit 0: admission control is off', () => {
  const a = new AdmissionControl({ loopUtilisation: 0, loopLagMs: 0, ledgerQueueMs: 0, openRequests: 0 }, { ledgerQueueAgeMs: () => 1e9 });
  try {
    assert.equal(a.enabled, false);
    assert.equal(
      refusal(() => a.admit('transfer')),
      undefined,
    );
  } finally {
    a.close();
  }
});

test('follow-up tasks: a bound, counted twice, so that at the bound new prepares are refused (half: discoveries, three quarters: quotes)', () => {
  let pending = 0;
  const a = new AdmissionControl(
    { loopUtilisation: 0, loopLagMs: 0, ledgerQueueMs: 0, openRequests: 0, followUpTasks: 100 },
    { ledgerQueueAgeMs: () => 0, followUpTasks: () => pending },
  );
  try {
    assert.equal(a.enabled, true);
    pending = 49;
    for (const work of ['discovery', 'agreement', 'transfer'] as const)
      assert.equal(
        refusal(() => a.admit(work)),
        undefined,
      );
    pending = 50;
    assert.equal(
      refusal(() => a.admit('discovery')),
      '2005',
    );
    assert.equal(
      refusal(() => a.admit('agreement')),
      undefined,
    );
    pending = 75;
    assert.equal(
      refusal(() => a.admit('agreement')),
      '2005',
    );
    assert.equal(
      refusal(() => a.admit('transfer')),
      undefined,
    );
    pending = 100;
    assert.equal(
      refusal(() => a.admit('transfer')),
      '2005',
    );
    assert.equal(a.signals().followUpTasks, 100);
  } finally {
    a.close();
  }
});

test('runLater counts its tasks until they settle, failed ones too', async () => {
  const log = { error: () => undefined } as unknown as Parameters<typeof runLater>[0];
  const base = followUpTasksPending();
  const gates: Array<() => void> = [];
  for (let i = 0; i < 3; i++) runLater(log, () => new Promise<void>((resolve) => gates.push(resolve)));
  runLater(log, () => Promise.reject(new Error('a failed callback')));
  assert.equal(followUpTasksPending(), base + 4, 'counted when scheduled');
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(followUpTasksPending(), base + 3, 'the failed one settled');
  for (const open of gates) open();
  await new Promise((r) => setImmediate(r));
  assert.equal(followUpTasksPending(), base);
});

test('callbacks per participant: at the bound, new work from or to that participant is refused at every stage; others go on', () => {
  const pending = new Map<string, number>([
    ['slowfsp', 3],
    ['okfsp', 2],
  ]);
  const seen: string[] = [];
  const a = new AdmissionControl(
    { loopUtilisation: 0, loopLagMs: 0, ledgerQueueMs: 0, openRequests: 0, callbacksPending: 3 },
    { ledgerQueueAgeMs: () => 0, callbacksPendingFor: (p) => pending.get(p) ?? 0 },
    (work) => seen.push(work),
  );
  try {
    for (const work of ['discovery', 'agreement', 'transfer'] as const) {
      assert.equal(
        refusal(() => a.admit(work, 'slowfsp', 'okfsp')),
        '2005',
        `${work} from it`,
      );
      assert.equal(
        refusal(() => a.admit(work, 'okfsp', 'slowfsp')),
        '2005',
        `${work} to it`,
      );
      assert.equal(
        refusal(() => a.admit(work, 'okfsp', 'otherfsp')),
        undefined,
        `${work} without it`,
      );
      assert.equal(
        refusal(() => a.admit(work)),
        undefined,
        `${work} naming nobody`,
      );
    }
    assert.throws(() => a.admit('transfer', undefined, 'slowfsp'), /3 callbacks to slowfsp are waiting \(CALLBACKS_PENDING_MAX\)/);
    pending.set('slowfsp', 2);
    assert.equal(
      refusal(() => a.admit('transfer', 'okfsp', 'slowfsp')),
      undefined,
      'below the bound again',
    );
    assert.equal(seen.length, 7);
  } finally {
    a.close();
  }
});

test('Delivery counts the requests to each participant until they are answered (or fail); nothing is dropped', async () => {
  const held: Array<ServerResponse> = [];
  const server = createHttpServer((_req, res) => void held.push(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`;
  const delivery = new Delivery({ retries: 0, timeoutMs: 5_000, connectionsPerOrigin: 1 }, pino({ level: 'silent' }));
  try {
    const sent = [1, 2, 3].map(() => delivery.send({ to: 'payee', url, method: 'PUT', headers: {} }));
    const other = delivery.send({ url, method: 'PUT', headers: {} });
    const unsendable = delivery.send({ to: 'payee', url: 'not a url', method: 'PUT', headers: {} });
    // Counted from the call: one in flight, two waiting for the only connection; the unsendable one is done already.
    assert.equal(delivery.pendingFor('payee'), 3);
    assert.equal((await unsendable).ok, false);
    for (let answered = 0; answered < 4; answered++) {
      while (held.length === 0) await new Promise((r) => setTimeout(r, 10));
      held.shift()!.writeHead(200).end();
    }
    assert.deepEqual(
      (await Promise.all([...sent, other])).map((o) => o.ok),
      [true, true, true, true],
      'every request delivered',
    );
    assert.equal(delivery.pendingFor('payee'), 0);
  } finally {
    await delivery.close();
    server.close();
  }
});
