import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdmissionControl } from '../../switch/edge/admission.js';
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
  const a = new AdmissionControl({ loopUtilisation: 0, loopLagMs: 0, ledgerQueueMs: 100, openRequests: 0 }, () => waitMs, (work) => seen.push(work));
  try {
    for (const work of ['discovery', 'agreement', 'transfer'] as const) assert.equal(refusal(() => a.admit(work)), undefined);
    waitMs = 120;
    assert.equal(refusal(() => a.admit('discovery')), '2005');
    assert.equal(refusal(() => a.admit('agreement')), undefined, 'quotes go on below 1.5');
    waitMs = 150;
    assert.equal(refusal(() => a.admit('agreement')), '2005');
    assert.equal(refusal(() => a.admit('transfer')), undefined);
    waitMs = 200;
    assert.equal(refusal(() => a.admit('transfer')), '2005');
    assert.deepEqual(seen, ['discovery', 'agreement', 'transfer']);
    assert.deepEqual(a.refused, { discovery: 1, agreement: 1, transfer: 1 });
    waitMs = 0;
    assert.equal(refusal(() => a.admit('discovery')), undefined);
  } finally {
    a.close();
  }
});

test('open requests: the asking request itself does not count; closing twice counts once', () => {
  const a = new AdmissionControl({ loopUtilisation: 0, loopLagMs: 0, ledgerQueueMs: 0, openRequests: 2 }, () => 0);
  try {
    const closers = [a.opened(), a.opened()];
    assert.equal(a.signals().pressure, 0.5);
    const asker = a.opened();
    assert.equal(a.signals().pressure, 1);
    assert.equal(refusal(() => a.admit('discovery')), '2005');
    assert.equal(refusal(() => a.admit('transfer')), undefined);
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
  const a = new AdmissionControl({ loopUtilisation: 0, loopLagMs: 50, ledgerQueueMs: 0, openRequests: 0 }, () => 0);
  try {
    await new Promise((r) => setTimeout(r, 120));
    assert.ok(a.signals().loopLagMs < 20, `idle lag ${a.signals().loopLagMs}`);
    const until = Date.now() + 400;
    while (Date.now() < until); // block the loop
    await new Promise((r) => setTimeout(r, 60));
    assert.ok(a.signals().pressure >= 1, `lag after a 400 ms block: ${a.signals().loopLagMs} ms`);
    assert.equal(refusal(() => a.admit('discovery')), '2005');
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(a.signals().pressure < 1, `lag after 1.5 s idle: ${a.signals().loopLagMs} ms`);
  } finally {
    a.close();
  }
});

test('event-loop utilisation: a loop kept busy with requests waiting refuses first stages (prepares taken); without waiting requests, or idle, it does not', async () => {
  const a = new AdmissionControl({ loopUtilisation: 0.8, loopLagMs: 0, ledgerQueueMs: 0, openRequests: 0 }, () => 0);
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
    assert.equal(refusal(() => a.admit('discovery')), undefined, 'a busy loop with nothing waiting is not overload');
    const waiting = Array.from({ length: 10 }, () => a.opened());
    assert.equal(refusal(() => a.admit('discovery')), '2005');
    assert.equal(refusal(() => a.admit('agreement')), undefined, 'utilisation alone never refuses quotes');
    assert.equal(refusal(() => a.admit('transfer')), undefined, 'utilisation alone never refuses prepares');
    for (const close of waiting) close();
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(a.signals().loopUtilisation < 0.8, `utilisation after 2 s idle: ${a.signals().loopUtilisation}`);
  } finally {
    a.close();
  }
});

test('every limit 0: admission control is off', () => {
  const a = new AdmissionControl({ loopUtilisation: 0, loopLagMs: 0, ledgerQueueMs: 0, openRequests: 0 }, () => 1e9);
  try {
    assert.equal(a.enabled, false);
    assert.equal(refusal(() => a.admit('transfer')), undefined);
  } finally {
    a.close();
  }
});
