/**
 * Admin API reports module (switch/admin/routes/reports.ts) with the intraday reports notify gives it
 * (switch/notify/settlement-reports/intraday.ts), on a real server and PostgreSQL: who may get a camt.052 and the
 * precise refusals; the report's balances are the durable ones, ITAV the liquidity cover left; the schedule.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { formatAmount } from '../../schemas/amount.js';
import type { AccountReportMessage } from '../../schemas/iso/camt.js';
import { ledgerNegated, parseLedger } from '../../ledger/units.js';
import { reportRoutes } from '../../switch/admin/routes/reports.js';
import type { DeliveryResult } from '../../switch/core/outbox.js';
import { IntradayReports } from '../../switch/notify/settlement-reports/intraday.js';
import type { BusinessDocument } from '../../translators/isoxml/render.js';
import { errorOf, seedCurrency, seedParticipant, startAdminApi, type AdminApi } from '../support/admin-api.js';

let api: AdminApi;
let intraday: IntradayReports;
const sent: Array<{ to: string; doc: BusinessDocument }> = [];
let gate: Promise<void> = Promise.resolve();

before(async () => {
  const banks = {
    async sendDocument(to: string, doc: BusinessDocument): Promise<DeliveryResult> {
      await gate;
      sent.push({ to, doc });
      return { ok: true, status: 202 };
    },
  };
  api = await startAdminApi('reports', (deps) => {
    intraday = new IntradayReports(deps.participants, deps.db, banks, 'Hub', pino({ level: 'silent' }));
    return reportRoutes({ ...deps, intradayReports: intraday });
  });
  await seedCurrency(api, 'USD');
  await seedCurrency(api, 'XOF');
  for (const name of ['bank-a', 'bank-b']) {
    await seedParticipant(api, name, 'USD', '1000');
    await api.participants.setDialect(name, 'iso20022-xml');
  }
  await seedParticipant(api, 'bank-a', 'XOF', '500000');
  await api.participants.setEndpoint('bank-a', 'ISO20022_CALLBACK_URL', 'http://bank-a.test/iso20022');
  await seedParticipant(api, 'wallet', 'USD', '1000');
  await api.participants.setEndpoint('wallet', 'ISO20022_CALLBACK_URL', 'http://wallet.test/iso20022');
  await api.engine.fundsIn('bank-a', 'USD', parseLedger('1000'), '01JQ000000000000000000FIN1', 'seed');
  await api.engine.openingPosition(api.registry.accountOf('bank-a', 'USD', 'POSITION')!, parseLedger('25.5'));
});

after(async () => {
  await api?.close();
});

const ask = (name: string, body?: unknown) => api.call('POST', `/participants/${name}/intradayReports`, body);

function balances(doc: BusinessDocument): string[] {
  assert.equal(doc.kind, 'camt.052');
  return (doc.message as AccountReportMessage).Rpt.flatMap((r) =>
    r.Bal.map((b) => `${r.Acct.Id.Othr.Id} ${b.Tp.CdOrPrtry.Cd} ${b.CdtDbtInd} ${formatAmount(b.Amt)}`),
  );
}

test('refusals: not a bank, no ISO 20022 endpoint, a currency the bank does not hold, a malformed body', async () => {
  const cases: Array<[string, unknown, string, string]> = [
    ['wallet', undefined, '3100', 'Generic validation error - participant wallet speaks fspiop/1.1: camt.052 reports go to iso20022-xml participants only'],
    ['Hub', undefined, '3100', 'Generic validation error - participant Hub is the hub: camt.052 reports go to iso20022-xml participants only'],
    ['bank-b', undefined, '3100', 'Generic validation error - participant bank-b has no ISO20022_CALLBACK_URL endpoint to send the camt.052 to'],
    ['bank-a', { currency: 'EUR' }, '3100', 'Generic validation error - participant bank-a has no EUR account (it holds USD, XOF)'],
    ['bank-a', { currency: 'usd' }, '3101', 'Malformed syntax - /requestBody/currency must match pattern "^[A-Z]{3}$"'],
    ['bank-a', { currency: 'USD', extra: 1 }, '3103', 'Too many elements - /requestBody/extra is not an allowed property'],
  ];
  for (const [name, body, errorCode, errorDescription] of cases) {
    const res = await ask(name, body);
    assert.equal(res.status, 400, `${name} ${JSON.stringify(body)}: ${res.text}`);
    assert.deepEqual(errorOf(res), { errorCode, errorDescription }, `${name} ${JSON.stringify(body)}`);
  }
  const unknown = await ask('nobody');
  assert.equal(unknown.status, 400);
  assert.deepEqual(errorOf(unknown), { errorCode: '3200', errorDescription: 'The requested resource could not be found.' });
  assert.equal(api.intradayReports.requests.length, 0, 'the recorded port of the support server was never used');
  await intraday.idle();
  assert.equal(sent.length, 0, 'no report for a refused request');
});

test('202, then a camt.052 to the bank: ITBD per account, ITAV = −SETTLEMENT − POSITION, from the durable values', async () => {
  sent.length = 0;
  let res = await ask('bank-a', { currency: 'USD' });
  assert.equal(res.status, 202, res.text);
  assert.equal(res.text, '');
  await intraday.idle();
  assert.deepEqual(
    sent.map((s) => s.to),
    ['bank-a'],
  );
  assert.deepEqual(balances(sent[0]!.doc), ['USD/POSITION ITBD DBIT 25.5', 'USD/SETTLEMENT ITBD CRDT 1000', 'USD/SETTLEMENT ITAV CRDT 974.5']);
  // Against the values PostgreSQL holds (what GET /participants/{name}/accounts shows).
  const rows = await api.db.query<{ ledger_account_type: string; value: string }>(
    `SELECT ledger_account_type, value::text AS value FROM account a JOIN participant p ON p.id = a.participant_id
      WHERE p.name = 'bank-a' AND a.currency = 'USD' ORDER BY ledger_account_type`,
  );
  const value = (type: string) => parseLedger(rows.rows.find((r) => r.ledger_account_type === type)!.value);
  assert.equal(ledgerNegated(value('SETTLEMENT')) - value('POSITION'), parseLedger('974.5'));

  sent.length = 0;
  res = await ask('bank-a'); // no body: every currency
  assert.equal(res.status, 202);
  res = await ask('bank-a', {}); // an empty object: the same
  assert.equal(res.status, 202);
  await intraday.idle();
  assert.equal(sent.length, 2);
  assert.deepEqual(balances(sent[0]!.doc), [
    'USD/POSITION ITBD DBIT 25.5',
    'USD/SETTLEMENT ITBD CRDT 1000',
    'USD/SETTLEMENT ITAV CRDT 974.5',
    'XOF/POSITION ITBD CRDT 0',
    'XOF/SETTLEMENT ITBD CRDT 0',
    'XOF/SETTLEMENT ITAV CRDT 0',
  ]);
  const message = sent[0]!.doc.message as AccountReportMessage;
  assert.equal(new Set([message.GrpHdr.MsgId, ...message.Rpt.map((r) => r.Id)]).size, 5, 'unique message and report ids');
});

test('the schedule: every bank with an endpoint, once per run; a bank still being delivered to is skipped', async () => {
  sent.length = 0;
  assert.deepEqual(intraday.banksToReport(), ['bank-a']);
  let release!: () => void;
  gate = new Promise((r) => (release = r));
  intraday.runOnce();
  intraday.runOnce(); // the first is still pending: skipped
  release();
  await intraday.idle();
  gate = Promise.resolve();
  assert.deepEqual(
    sent.map((s) => s.to),
    ['bank-a'],
  );
  sent.length = 0;
  intraday.start(20);
  try {
    const deadline = Date.now() + 5000;
    while (sent.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  } finally {
    intraday.stop();
  }
  assert.ok(sent.length >= 2, `the timer reports repeatedly, got ${sent.length}`);
  await intraday.idle();
  const count = sent.length;
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(sent.length, count, 'stopped');
  intraday.start(0); // 0: off
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(sent.length, count);
});
