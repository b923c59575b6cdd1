/**
 * Interoperability test: bulk payments (FSPIOP bulkQuotes, bulkTransfers) through the REAL Mizani
 * hub between two Mojaloop SDK scheme adapters 18.0.2 (npm, unmodified), each with its own
 * core-banking simulator and Redis; positions checked line by line through the Admin API.
 *
 * 18.0.2 has the first bulk API only (outbound POST /bulkQuotes and POST /bulkTransfers, one payee
 * DFSP per bulk; no /bulkTransactions, which came with the Kafka-based bulk services of later
 * releases). It needs nothing beyond a switch and Redis, but it cannot complete a bulk against any
 * switch (its installed source, node_modules/@mojaloop/sdk-scheme-adapter):
 *
 * - A payee adapter cannot receive a bulk quote: its inbound API has no POST /bulkQuotes
 *   (src/InboundServer/api_template.yaml:60-69 and the generated api.yaml list /bulkQuotes/{ID} and
 *   /bulkQuotes/{ID}/error only), so its request validator answers 404 with 3002 "Unknown URI"
 *   before the handler that handlers.js:884 maps would run.
 * - Nor can a payer adapter receive one's answer: its inbound header validator, which is also
 *   what parses request bodies, skips every resource not in central-services-shared's list
 *   (src/InboundServer/middlewares.js:183-188; headerValidation.js:13-21 has no bulkQuotes), so a
 *   PUT /bulkQuotes/{ID} or /error reaches the request validator without a body: 400 "must have
 *   required property 'body'".
 * - And if it could, the outbound model would not see it: it waits on the Redis
 *   channel `bulkQuote_<id>` (OutboundBulkQuotesModel.js:144) while its inbound PUT /bulkQuotes/{ID}
 *   (and /error) publish on `bulkQuotes_<id>` (handlers.js:738, 754). Every outbound POST /bulkQuotes
 *   ends in 504.
 * - Nor its bulk transfer's: the outbound model takes only messages of type `bulkTransferFulfil`
 *   or `bulkTransferError` (OutboundBulkTransfersModel.js:151-160) while its inbound
 *   PUT /bulkTransfers/{ID} (and /error) publish `bulkTransferResponse` / `bulkTransferResponseError`
 *   (handlers.js:842-864). Every outbound POST /bulkTransfers ends in 504, whatever happened.
 * - Its outbound POST /bulkTransfers validates a body of another shape than the one its model
 *   reads: api.yaml's bulkTransferRequest (src/OutboundServer/api.yaml:1688: bulkHomeTransactionID,
 *   options, Party-shaped `from` and `to`, homeTransactionId per line) against
 *   OutboundBulkTransfersModel.js:230-270 (bulkTransferId, bulkQuoteId, `to.fspId`, transferId,
 *   ilpPacket, condition per line). The back office here sends both.
 * - Its POST /bulkTransfers goes with FSPIOP-Destination = the `from` party's fspId
 *   (OutboundBulkTransfersModel.js:208), not the payee's; the back office here leaves `from.fspId`
 *   unset, so no FSPIOP-Destination is sent and the hub routes by payeeFsp.
 * - Outbound GET /bulkQuotes/{ID} and GET /bulkTransfers/{ID} call model methods that do not exist
 *   (handlers.js:246 getBulkTransfer(), :306 getBulkQuote()): 500 at once.
 *
 * What runs here: the payer adapter's POST /bulkQuotes through the hub to the payee adapter, which
 * refuses it (the hub tells the payer, which refuses that too); then the payer adapter's POST
 * /bulkTransfers through the hub, every line reserved or refused by the hub on its own, the payee
 * adapter taking the reserved lines (ALLOW_TRANSFER_WITHOUT_QUOTE, since no bulk quote can reach
 * it) to its back office and answering with a fulfilment per accepted line, the hub committing
 * those, aborting the line the payee left out, and reporting every line to both adapters (read
 * from their Redis, since their models drop it). The payee's conditions are made by the adapter's
 * own ILP code with the payee's secret, as its bulk quote answer would have carried them.
 *
 * Set MIZANI_SKIP_INTEROP=1 to skip.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { adapterLog, callOutbound } from '../support/sdk-adapter.js';
import type { InternalBulkTransfer } from '../support/sdk-adapter-core-banking-sim.js';
import { eventually, publishedCallback, sdkAdapterIlp, startAdapterPair, type AdapterPair, type AdapterSide } from '../support/sdk-adapter-r2p-bulk.js';
import { addDecimal, negateDecimal, normalizeDecimal } from '../../conformance/lib/decimal.js';
import { conditionOf } from './ilp-v1.js';

const CURRENCY = 'USD';
const msisdn = () => `2557${String(randomBytes(4).readUInt32BE() % 100_000_000).padStart(8, '0')}`;
const EMPLOYER = msisdn();
const EMPLOYEES = [msisdn(), msisdn(), msisdn(), msisdn()];
const PAYER_NDC = '1000';
/** a line the payee's back office leaves out of its answer */
const LEFT_OUT_AMOUNT = '13.13';
/** the outbound calls end in 504 after this (see above): keep it short */
const ADAPTER_TIMEOUT_SECONDS = 5;

const skip = process.env.MIZANI_SKIP_INTEROP === '1' ? 'MIZANI_SKIP_INTEROP=1' : false;

describe('bulk payments through the hub between two Mojaloop SDK scheme adapters 18.0.2', { skip, timeout: 50 * 60_000 }, () => {
  let pair: AdapterPair;
  let payer: AdapterSide;
  let payee: AdapterSide;
  const explain = () => pair?.explain() ?? '';

  before(
    async () => {
      pair = await startAdapterPair({
        database: 'mizani_sdk_bulk',
        currency: CURRENCY,
        payer: { sim: { parties: { [EMPLOYER]: 'Wizara ya Fedha' } }, ndc: PAYER_NDC, adapter: { requestTimeoutSeconds: ADAPTER_TIMEOUT_SECONDS } },
        payee: {
          sim: {
            parties: Object.fromEntries(EMPLOYEES.map((m, i) => [m, `Mfanyakazi ${i + 1}`])),
            bulkTransfer: (b: InternalBulkTransfer) => ({
              homeTransactionId: `payroll-${b.bulkTransferId}`,
              individualTransferResults: b.individualTransfers.filter((l) => l.amount !== LEFT_OUT_AMOUNT).map((l) => ({ transferId: l.transferId })),
            }),
          },
          adapter: { requestTimeoutSeconds: ADAPTER_TIMEOUT_SECONDS, env: { ALLOW_TRANSFER_WITHOUT_QUOTE: 'true' } },
        },
      });
      payer = pair.payer;
      payee = pair.payee;
    },
    { timeout: 50 * 60_000 },
  );

  after(async () => {
    await pair?.stop();
  });

  const published = (side: AdapterSide, channel: string) => side.published.waitFor(channel, 20_000).then(publishedCallback);

  test("the payer adapter's POST /bulkQuotes: the payee adapter has no route for it; the hub's error is refused by the payer adapter", async () => {
    const bulkQuoteId = randomUUID();
    const lines = EMPLOYEES.slice(0, 2).map((m) => ({
      quoteId: randomUUID(),
      to: { idType: 'MSISDN', idValue: m, fspId: payee.name },
      amountType: 'SEND',
      currency: CURRENCY,
      amount: '25',
      transactionType: 'TRANSFER',
    }));
    const result = await callOutbound(payer.adapter, 'POST', '/bulkQuotes', {
      homeTransactionId: `payroll-quote-${bulkQuoteId}`,
      bulkQuoteId,
      from: { idType: 'MSISDN', idValue: EMPLOYER },
      individualQuotes: lines,
    });
    assert.equal(result.status, 504, `POST /bulkQuotes: ${JSON.stringify(result.body)}${explain()}`);
    assert.equal(result.body.bulkQuoteState?.currentState, 'ERROR_OCCURRED');
    // the hub recorded and forwarded it; the payee adapter refused the path (404, 3002 "Unknown URI")
    const recorded = await pair.db.query('SELECT payer, payee, line_count FROM bulk_quote WHERE id = $1', [bulkQuoteId]);
    assert.deepEqual(recorded.rows, [{ payer: payer.name, payee: payee.name, line_count: 2 }]);
    const unmatched = adapterLog(payee.adapter, '/bulkQuotes').find((e) => /Couldn't match path \/bulkQuotes/.test(JSON.stringify(e)));
    assert.ok(unmatched, `the payee adapter could not route POST /bulkQuotes${explain()}`);
    // the hub told the payer (PUT /bulkQuotes/{ID}/error); 18.0.2 never parses a bulkQuotes body and refuses it (400)
    const refused = await eventually(() =>
      adapterLog(payer.adapter, `/bulkQuotes/${bulkQuoteId}/error`).find((e) => JSON.stringify(e).includes("must have required property 'body'")),
    );
    assert.ok(refused, `the payer adapter got the hub's PUT /bulkQuotes/${bulkQuoteId}/error and refused it${explain()}`);
    assert.ok(
      pair.hub.logs.some((l) => l.includes(`/bulkQuotes/${bulkQuoteId}/error`) && l.includes('"status":400')),
      `the hub saw the payer adapter's 400${explain()}`,
    );
    assert.deepEqual(
      payer.published.messages.filter((m) => m.channel.includes(bulkQuoteId)),
      [],
      "nothing reached the payer adapter's models",
    );
    assert.ok(!payee.sim.requests.some((r) => r.path === '/bulkQuotes'), "the payee's back office was never asked");
  });

  test('a bulk transfer from the payer adapter: each line reserved or refused by the hub, fulfilled or left out by the payee, reported line by line', async (t) => {
    const before = await pair.positions();
    const ilp = sdkAdapterIlp(payee.adapter.env.ILP_SECRET!, pair.install.entry);
    // committed, committed, over the payer's net debit cap (4200), left out by the payee (5000)
    const amounts = ['10.5', '3', '2000', LEFT_OUT_AMOUNT];
    const lines = amounts.map((amount, i) => {
      const transferId = randomUUID();
      const payeeParty = { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: EMPLOYEES[i]!, fspId: payee.name } };
      const terms = ilp.getQuoteResponseIlp(
        {
          transactionId: transferId,
          quoteId: randomUUID(),
          payee: payeeParty,
          payer: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: EMPLOYER, fspId: payer.name } },
          transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'BUSINESS' },
        },
        { transferAmount: { amount, currency: CURRENCY } },
      );
      return { transferId, amount, msisdn: EMPLOYEES[i]!, ...terms };
    });
    const bulkTransferId = randomUUID();
    const started = Date.now();
    // Both shapes at once: what the outbound validator requires (api.yaml's bulkTransferRequest) and
    // what OutboundBulkTransfersModel reads (bulkTransferId, bulkQuoteId, to.fspId, ilpPacket, condition).
    const result = await callOutbound(payer.adapter, 'POST', '/bulkTransfers', {
      bulkHomeTransactionID: `payroll-${bulkTransferId}`,
      options: { autoAcceptParty: { enabled: true }, autoAcceptQuote: { enabled: true }, bulkExpiration: new Date(Date.now() + 60_000).toISOString() },
      bulkTransferId,
      bulkQuoteId: randomUUID(),
      from: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: EMPLOYER } },
      individualTransfers: lines.map((l) => ({
        homeTransactionId: randomUUID(),
        transferId: l.transferId,
        to: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: l.msisdn, fspId: payee.name }, fspId: payee.name },
        amountType: 'SEND',
        currency: CURRENCY,
        amount: l.amount,
        ilpPacket: l.ilpPacket,
        condition: l.condition,
      })),
    });
    assert.equal(result.status, 504, `POST /bulkTransfers: ${JSON.stringify(result.body)}${explain()}`);

    // the hub's report, as it reached each adapter
    const [toPayer, toPayee] = await Promise.all([published(payer, `bulkTransfer_${bulkTransferId}`), published(payee, `bulkTransfer_${bulkTransferId}`)]);
    const reported = Math.max(...payer.published.messages.filter((m) => m.channel === `bulkTransfer_${bulkTransferId}`).map((m) => m.at)) - started;
    t.diagnostic(`bulk of ${lines.length} lines: the hub's report reached the payer adapter ${reported} ms after its outbound call`);
    assert.equal(toPayer.type, 'bulkTransferResponse', 'a type the outbound model does not take');
    for (const report of [toPayer, toPayee]) {
      assert.equal(report.body.bulkTransferState, 'COMPLETED', JSON.stringify(report.body));
      const results = report.body.individualTransferResults as Array<Record<string, any>>;
      assert.deepEqual(
        results.map((r) => r.transferId),
        lines.map((l) => l.transferId),
        'one result per line, in order',
      );
      assert.equal(conditionOf(results[0]!.fulfilment), lines[0]!.condition);
      assert.equal(conditionOf(results[1]!.fulfilment), lines[1]!.condition);
      assert.equal(results[2]!.errorInformation?.errorCode, '4200', JSON.stringify(results[2]));
      assert.equal(results[3]!.errorInformation?.errorCode, '5000', JSON.stringify(results[3]));
    }
    assert.equal(toPayee.headers['fspiop-destination'], payee.name);

    // the payee's back office got the reserved lines only
    const taken = payee.sim.bulkTransfers.get(bulkTransferId);
    assert.ok(taken, `the payee's back office got the bulk${explain()}`);
    assert.deepEqual(
      taken.request.individualTransfers.map((l) => [l.transferId, l.amount]),
      [0, 1, 3].map((i) => [lines[i]!.transferId, lines[i]!.amount]),
    );

    // every line is a transfer of its own at the hub; the positions moved by the committed lines only
    const rows = await pair.db.query('SELECT id, state, amount::text AS amount FROM transfer WHERE id = ANY($1::text[])', [lines.map((l) => l.transferId)]);
    const state = new Map(rows.rows.map((r: any) => [r.id as string, r.state as string]));
    assert.deepEqual(
      lines.map((l) => state.get(l.transferId)),
      ['COMMITTED', 'COMMITTED', 'ABORTED_REJECTED', 'ABORTED_ERROR'],
      JSON.stringify(rows.rows),
    );
    const committed = addDecimal(lines[0]!.amount, lines[1]!.amount);
    const now = await pair.positions();
    assert.equal(now.payer, addDecimal(before.payer, committed), JSON.stringify({ before, now }));
    assert.equal(now.payee, addDecimal(before.payee, negateDecimal(committed)), JSON.stringify({ before, now }));
    assert.equal(normalizeDecimal(committed), '13.5');
  });

  test('the hub and both adapters are still running', (t) => {
    const { install, hub, adapters, provision } = pair.timings;
    t.diagnostic(
      `adapter install ${install} ms (cached: ${pair.install.cached}); database + hub ${hub} ms; two adapters ${adapters} ms; provisioning ${provision} ms`,
    );
    for (const child of [pair.hub.child, payer.adapter.child, payee.adapter.child]) assert.equal(child.exitCode, null);
  });
});
