/**
 * The settlement reports port as notify implements it (switch/notify/settlement-reports/reporter.ts, fspiop.ts):
 * which participant gets what (camt.054/053 for banks; Mojaloop's settlement position-change notice for the others,
 * as a log line and JSON POSTs, with the operator's copy), in booking order per participant, never throwing into the
 * worker that reports.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { parseLedger } from '../../ledger/units.js';
import type { BookedMovement, SettledAccountStatement } from '../../switch/core/settlement/reports.js';
import type { DeliveryResult } from '../../switch/core/outbox.js';
import type { ParticipantDirectory } from '../../switch/directory/participants.js';
import type { OutboundRequest } from '../../switch/notify/delivery.js';
import { NOTICE_URI, SettlementNotices } from '../../switch/notify/settlement-reports/fspiop.js';
import { SettlementReporter, type BankChannel } from '../../switch/notify/settlement-reports/reporter.js';
import type { BusinessDocument } from '../../translators/isoxml/render.js';

const HUB = 'Hub';

interface Fixture {
  reporter: SettlementReporter;
  sent: Array<{ to: string; doc: BusinessDocument }>;
  posted: OutboundRequest[];
  lines: Array<Record<string, unknown>>;
  /** Makes the next sends to banks wait for this promise. */
  hold(p: Promise<void>): void;
  failNext(): void;
}

function fixture(): Fixture {
  const dialects: Record<string, string> = { 'bank-a': 'iso20022-xml', 'bank-b': 'iso20022-xml', wallet: 'fspiop/1.1', iso: 'iso20022-json/2.0' };
  const endpoints: Record<string, Record<string, string>> = {
    wallet: { SETTLEMENT_NOTIFICATION_URL: 'http://wallet.test/notices', SETTLEMENT_TRANSFER_POSITION_CHANGE_EMAIL: 'ops@wallet.test' },
    [HUB]: { SETTLEMENT_NOTIFICATION_URL: 'http://operator.test/notices', SETTLEMENT_TRANSFER_POSITION_CHANGE_EMAIL: 'settlement@hub.test' },
  };
  const directory = {
    registry: { isHubName: (n: string) => n === HUB },
    dialectOf: (n: string) => dialects[n] ?? 'fspiop/1.1',
    endpoint: (n: string, type: string) => endpoints[n]?.[type],
    isoIdentifiers: (n: string) => (n === 'bank-a' ? { bicfi: 'BANKUS33', clearingSystemMemberIds: [] } : undefined),
  } as unknown as ParticipantDirectory;
  const sent: Fixture['sent'] = [];
  const posted: OutboundRequest[] = [];
  const lines: Array<Record<string, unknown>> = [];
  let gate: Promise<void> = Promise.resolve();
  let fail = false;
  const banks: BankChannel = {
    async sendDocument(to, doc): Promise<DeliveryResult> {
      await gate;
      if (fail) {
        fail = false;
        throw new Error('channel broke');
      }
      sent.push({ to, doc });
      return { ok: true, status: 202 };
    },
  };
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    }),
  );
  const delivery = {
    send: async (r: OutboundRequest) => {
      posted.push(r);
      return { ok: true, status: 200, attempts: 1 };
    },
  };
  const signer = { sign: async (input: { uri: string; destination: string }) => `signed:${input.uri}:${input.destination}` };
  const notices = new SettlementNotices(directory, delivery, { hubName: HUB, signer }, log);
  return {
    reporter: new SettlementReporter(directory, banks, notices, HUB, log),
    sent,
    posted,
    lines,
    hold: (p) => (gate = p),
    failNext: () => (fail = true),
  };
}

const movement = (participant: string, kind: BookedMovement['kind'], amount: string, after: string, extra: Partial<BookedMovement> = {}): BookedMovement => ({
  participant,
  currency: 'USD',
  ledgerAccountType: kind.startsWith('FUNDS') ? 'SETTLEMENT' : 'POSITION',
  accountId: 3,
  amount: parseLedger(amount),
  balanceAfter: parseLedger(after),
  kind,
  transferId: '01JQ0000000000000000000001',
  bookedAt: '2026-03-02T10:00:00.000Z',
  ...extra,
});

test('banks: a camt.054 per movement in booking order, even when an earlier delivery is slow; the hub gets nothing', async () => {
  const f = fixture();
  let release!: () => void;
  f.hold(new Promise((r) => (release = r)));
  f.reporter.movementBooked(movement('bank-a', 'FUNDS_OUT_RESERVE', '10', '-90'));
  f.reporter.movementBooked(movement('bank-a', 'FUNDS_OUT_COMMIT', '10', '-90'));
  f.reporter.movementBooked(movement(HUB, 'FUNDS_IN', '-5', '-5'));
  assert.equal(f.sent.length, 0, 'movementBooked returns at once');
  release();
  await f.reporter.idle();
  assert.deepEqual(
    f.sent.map((s) => [s.to, s.doc.kind, s.doc.kind === 'camt.054' ? s.doc.message.Ntfctn[0]!.Ntry[0]!.BkTxCd.Prtry?.Cd : '']),
    [
      ['bank-a', 'camt.054', 'FUNDS_OUT_RESERVE'],
      ['bank-a', 'camt.054', 'FUNDS_OUT_COMMIT'],
    ],
  );
  const doc = f.sent[0]!.doc;
  assert.ok(doc.kind === 'camt.054');
  const acct = doc.message.Ntfctn[0]!.Acct;
  assert.equal(acct.Ownr?.Id?.OrgId.AnyBIC, 'BANKUS33', 'the owner as it registered');
  assert.deepEqual(acct.Svcr, { FinInstnId: { Othr: { Id: HUB } } }, 'the hub is the account servicer');
  assert.equal(f.posted.length, 0, 'funds movements are no settlement position change: no notice');
});

test('a report that fails is logged and the next one for that participant still goes', async () => {
  const f = fixture();
  f.failNext();
  f.reporter.movementBooked(movement('bank-b', 'FUNDS_IN', '-1', '-1'));
  f.reporter.movementBooked(movement('bank-b', 'FUNDS_IN', '-2', '-3'));
  await f.reporter.idle();
  assert.equal(f.sent.length, 1);
  assert.ok(
    f.lines.some((l) => l.msg === 'settlement report failed' && l.participant === 'bank-b' && (l.err as { message: string }).message === 'channel broke'),
  );
});

test("FSPIOP participants: Mojaloop's settlement position change as a log line and signed JSON POSTs (theirs and the operator's)", async () => {
  const f = fixture();
  f.reporter.movementBooked(movement('wallet', 'FUNDS_IN', '-100', '-100'));
  f.reporter.movementBooked(movement('wallet', 'SETTLEMENT_NET_SENDER', '-90', '0', { settlementId: 7, windowIds: [2, 3], transferId: 'stl-7-3' }));
  await f.reporter.idle();
  assert.equal(f.sent.length, 0, 'no XML for a wallet');
  const line = f.lines.find((l) => l.msg === 'Settlement Position Change');
  assert.ok(line, 'the log line');
  assert.equal(line.event, 'settlement-transfer-position-change');
  assert.equal(line.notifyEmail, 'ops@wallet.test');
  assert.equal(line.hubNotifyEmail, 'settlement@hub.test');
  assert.deepEqual(
    f.posted.map((r) => [r.to, r.url, r.headers['fspiop-signature']]),
    [
      ['wallet', 'http://wallet.test/notices', `signed:${NOTICE_URI}:wallet`],
      [HUB, 'http://operator.test/notices', `signed:${NOTICE_URI}:${HUB}`],
    ],
  );
  const r = f.posted[0]!;
  assert.equal(r.method, 'POST');
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.headers['fspiop-source'], HUB);
  assert.equal(r.headers['fspiop-uri'], NOTICE_URI);
  assert.deepEqual(JSON.parse(String(r.body)), {
    event: 'settlement-transfer-position-change',
    participant: 'wallet',
    currency: 'USD',
    value: '0',
    changedDate: '2026-03-02T10:00:00.000Z',
    kind: 'SETTLEMENT_NET_SENDER',
    ledgerAccountType: 'POSITION',
    change: '-90',
    transferId: 'stl-7-3',
    settlementId: 7,
    settlementWindowIds: [2, 3],
  });
});

test("banks' settlement movements: the camt.054 and the operator's notice, no JSON to the bank", async () => {
  const f = fixture();
  f.reporter.movementBooked(movement('bank-a', 'SETTLEMENT_NET_RECIPIENT', '70', '0', { settlementId: 7, windowIds: [3] }));
  await f.reporter.idle();
  assert.equal(f.sent.length, 1);
  assert.equal(f.sent[0]!.doc.kind, 'camt.054');
  assert.deepEqual(
    f.posted.map((r) => r.to),
    [HUB],
  );
});

test('statements: a camt.053 to a bank; a log line for the others (Mojaloop sends them nothing)', async () => {
  const f = fixture();
  const s = (participant: string): SettledAccountStatement => ({
    settlementId: 7,
    participant,
    currency: 'USD',
    ledgerAccountType: 'POSITION',
    accountId: 3,
    opening: parseLedger('0'),
    closing: parseLedger('0'),
    settledAt: '2026-03-02T11:00:00.000Z',
    windows: [{ windowId: 3, net: parseLedger('90'), openedAt: '2026-03-02T09:00:00.000Z', closedAt: '2026-03-02T10:00:00.000Z' }],
  });
  f.reporter.statementSettled(s('bank-a'));
  f.reporter.statementSettled(s('wallet'));
  f.reporter.statementSettled(s('iso'));
  await f.reporter.idle();
  assert.deepEqual(
    f.sent.map((x) => [x.to, x.doc.kind]),
    [['bank-a', 'camt.053']],
  );
  assert.equal(f.posted.length, 0);
  const logged = f.lines.filter((l) => l.msg === 'settled account statement').map((l) => [l.participant, l.settlementId, l.closing, l.windows]);
  assert.deepEqual(logged, [
    ['wallet', 7, '0', [3]],
    ['iso', 7, '0', [3]],
  ]);
});
