/**
 * Interoperability test: request to pay (FSPIOP transactionRequests, authorizations, then the
 * payer's quote and transfer) through the REAL Mizani hub between two Mojaloop SDK scheme adapters
 * 18.0.2 (npm, unmodified), each with its own core-banking simulator and Redis.
 *
 * What 18.0.2 can and cannot do here (its installed source, node_modules/@mojaloop/sdk-scheme-adapter):
 *
 * - Its two outbound request-to-pay operations send messages no FSPIOP party accepts, its own inbound
 *   API included. POST /requestToPay and POST /requestToPayTransfer take `scenario` as the whole
 *   TransactionType object (src/OutboundServer/api_template/components/schemas/
 *   requestToPayRequest.yaml:31 and requestToPayTransferRequest.yaml:31 reference api-snippets'
 *   TransactionType.yaml, and the outbound validator refuses a string: 400 "must be object"), and
 *   put it as it is under transactionType.scenario: OutboundRequestToPayModel.js:370 (POST
 *   /transactionRequests) and OutboundRequestToPayTransferModel.js:565 (POST /quotes). The hub
 *   refuses both (a type error: 3101), so neither the request nor the R2P quote can get through.
 *   This is mojaloop/project#3285, fixed in later releases. The first two tests show it.
 * - Everything else of the flow is in 18.0.2 and is run here through the hub: the payer adapter
 *   receiving POST /transactionRequests (its back office's answer becomes PUT /transactionRequests),
 *   the payee adapter receiving PUT /transactionRequests and answering GET /authorizations with its
 *   back office's OTP, the payer adapter's requestToPayTransfer OTP stage (GET /authorizations,
 *   PUT /authorizations, the back office accepting or refusing the OTP), its transfer, and the
 *   payee adapter's quote and transfer. The test stands in for the two messages 18.0.2 cannot build:
 *   it sends the payee's POST /transactionRequests to the hub itself (with the same members the
 *   adapter fills, scenario as a string), and the payer's quote goes through the payer adapter's
 *   plain outbound POST /quotes; the payer adapter's requestToPayTransfer record is then written as
 *   its model saves it after a quote (seedRequestToPayTransfer) and resumed with its own outbound
 *   PUT /requestToPayTransfer/{ID}.
 * - Other 18.0.2 defects met on the way, worked around or shown:
 *   - the payer's requestToPayTransfer reads the fulfilment from the wrong place
 *     (OutboundRequestToPayTransferModel.js:639 reads `message.data.fulfilment`; the inbound handler
 *     publishes `{ body, headers }`) and fails every transfer with a TypeError when CHECK_ILP is on:
 *     the payer runs with CHECK_ILP=false (the hub checks the fulfilment against the condition anyway);
 *   - its OTP pause answers `currentState: undefined` (SDKStateEnum has no WAITING_FOR_OTP_ACCEPTANCE,
 *     src/lib/model/common/Enums.js);
 *   - a refused OTP (PUT /requestToPayTransfer/{ID} with acceptOTP false) is sent by the payer as
 *     PUT /authorizations/{ID} {responseType: REJECTED} to the payee (rejectRequestToPay,
 *     OutboundRequestToPayTransferModel.js:233-242), the reverse of the API's direction (the payee
 *     answers an authorisation, fspiop.md §5): the hub refuses it with PUT /authorizations/{ID}/error
 *     (3100) to the payer, which has no handler for that either, and the payee is never told;
 *   - its inbound API has no handler for PUT /transactionRequests/{ID}/error nor
 *     PUT /authorizations/{ID}/error (src/InboundServer/handlers.js:876-963: 404 "Not found"), so a
 *     payee adapter never learns that its request failed;
 *   - OutboundRequestToPayModel.js:295 keeps `message.data.transactionRequestState`, which is
 *     undefined (the message is `{ body, headers }`): its requestToPayState is never set.
 *   - the SDK's own FSPIOP body puts its DFSP's customer (the requester) in `payer` and the party
 *     looked up in `payee` (OutboundRequestToPayModel.js:342-374), the reverse of the API's roles.
 *
 * Set MIZANI_SKIP_INTEROP=1 to skip.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { adapterLog, adapterSent, callOutbound, type OutboundResult } from '../support/sdk-adapter.js';
import type { InternalTransactionRequest } from '../support/sdk-adapter-core-banking-sim.js';
import {
  eventually,
  hubLog,
  publishedCallback,
  seedRequestToPayTransfer,
  startAdapterPair,
  type AdapterPair,
  type AdapterSide,
} from '../support/sdk-adapter-r2p-bulk.js';
import { addDecimal, negateDecimal, normalizeDecimal } from '../../conformance/lib/decimal.js';
import { conditionOf } from './ilp-v1.js';

const CURRENCY = 'USD';
const msisdn = () => `2557${String(randomBytes(4).readUInt32BE() % 100_000_000).padStart(8, '0')}`;
/** the payer's customer, asked to pay */
const CUSTOMER = msisdn();
/** the payee's customer: a merchant */
const MERCHANT = msisdn();
/** amounts the payer's back office answers with REJECTED, or with an error */
const REJECTED_AMOUNT = '66.6';
const FAILING_AMOUNT = '77.7';
const FSPIOP_1_0 = (resource: string) => `application/vnd.interoperability.${resource}+json;version=1.0`;
/** transactionType as 18.0.2's outbound API must be given `scenario` (and therefore sends it) */
const SCENARIO_OBJECT = { scenario: 'PAYMENT', initiator: 'PAYEE', initiatorType: 'CONSUMER' };

const skip = process.env.MIZANI_SKIP_INTEROP === '1' ? 'MIZANI_SKIP_INTEROP=1' : false;

describe('request to pay through the hub between two Mojaloop SDK scheme adapters 18.0.2', { skip, timeout: 50 * 60_000 }, () => {
  let pair: AdapterPair;
  let payer: AdapterSide;
  let payee: AdapterSide;
  const explain = () => pair?.explain() ?? '';

  before(
    async () => {
      pair = await startAdapterPair({
        database: 'mizani_sdk_r2p',
        currency: CURRENCY,
        payer: {
          sim: {
            parties: { [CUSTOMER]: 'Baraka Mushi' },
            transactionRequest: (r: InternalTransactionRequest) =>
              r.amount === FAILING_AMOUNT
                ? { httpStatus: 500, statusCode: '2001', message: 'core banking unavailable' }
                : { transactionId: randomUUID(), transactionRequestState: r.amount === REJECTED_AMOUNT ? 'REJECTED' : 'RECEIVED' },
          },
          // OutboundRequestToPayTransferModel.js:639 fails every transfer when the payer checks the fulfilment
          adapter: { checkIlp: false, env: { AUTO_ACCEPT_R2P_DEVICE_OTP: 'false', AUTO_ACCEPT_R2P_BUSINESS_QUOTES: 'false' } },
        },
        payee: { sim: { parties: { [MERCHANT]: 'Duka La Amina' } } },
      });
      payer = pair.payer;
      payee = pair.payee;
      // each side registers its customer in the hub's oracle through its own adapter (POST /participants)
      for (const [side, id] of [
        [payer, CUSTOMER],
        [payee, MERCHANT],
      ] as const) {
        const r = await callOutbound(side.adapter, 'POST', '/accounts', [{ idType: 'MSISDN', idValue: id, currency: CURRENCY }]);
        assert.equal(r.body.currentState, 'COMPLETED', `POST /accounts ${side.name}: ${JSON.stringify(r.body)}${pair.explain()}`);
      }
    },
    { timeout: 50 * 60_000 },
  );

  after(async () => {
    await pair?.stop();
  });

  /** An FSPIOP request to the hub as a DFSP sends it (no signature: the scheme runs without JWS here). */
  async function toHub(method: 'POST' | 'GET' | 'PUT', path: string, resource: string, source: string, destination: string, body?: unknown) {
    const headers: Record<string, string> = {
      'content-type': FSPIOP_1_0(resource),
      date: new Date().toUTCString(),
      'fspiop-source': source,
      'fspiop-destination': destination,
    };
    if (method !== 'PUT') headers.accept = `application/vnd.interoperability.${resource}+json;version=1`;
    const res = await fetch(`${pair.hub.fspiopUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, text: await res.text() };
  }

  /** The payee's POST /transactionRequests: what OutboundRequestToPayModel builds, with the API's roles and a string scenario. */
  function transactionRequest(id: string, amount: string, initiatorType: 'CONSUMER' | 'BUSINESS') {
    return {
      transactionRequestId: id,
      payee: {
        partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: MERCHANT, fspId: payee.name },
        personalInfo: { complexName: { firstName: 'Duka', lastName: 'La Amina' } },
      },
      payer: { partyIdType: 'MSISDN', partyIdentifier: CUSTOMER, fspId: payer.name },
      amount: { currency: CURRENCY, amount },
      transactionType: { scenario: 'PAYMENT', initiator: 'PAYEE', initiatorType },
      ...(initiatorType === 'CONSUMER' ? { authenticationType: 'OTP' } : {}),
    };
  }

  async function hubRequestRecord(id: string): Promise<Record<string, any> | undefined> {
    const r = await pair.db.query(
      'SELECT payee, payer, currency, amount::text AS amount, state, transaction_id, error_code FROM transaction_request WHERE id = $1',
      [id],
    );
    return r.rows[0];
  }

  /** Waits until the hub's record of transaction request `id` is in `state`. */
  async function hubRequestState(id: string, state: string): Promise<Record<string, any>> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const row = await hubRequestRecord(id);
      if (row?.state === state) return row;
      if (Date.now() > deadline) assert.fail(`the hub's transaction request ${id}: ${JSON.stringify(row)}, expected state ${state}${explain()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * The payee asks; the payer adapter's back office receives it and answers; the payee adapter
   * receives that answer. Returns the back office's answer.
   */
  async function askToPay(id: string, amount: string, initiatorType: 'CONSUMER' | 'BUSINESS') {
    const sent = await toHub('POST', '/transactionRequests', 'transactionRequests', payee.name, payer.name, transactionRequest(id, amount, initiatorType));
    assert.equal(sent.status, 202, `POST /transactionRequests: ${sent.status} ${sent.text}${explain()}`);
    const asked = await payer.sim.waitFor((r) => r.path === '/transactionrequests' && (r.body as InternalTransactionRequest).transactionRequestId === id);
    return { asked: asked.body as InternalTransactionRequest, answer: payer.sim.transactionRequests.get(id)?.answer };
  }

  /** The payer's quote of request `requestId`, through its adapter's outbound POST /quotes. */
  async function quoteFor(
    requestId: string,
    transactionId: string,
    amount: string,
    initiatorType: string,
  ): Promise<{ quoteId: string; result: OutboundResult }> {
    const quoteId = randomUUID();
    const result = await callOutbound(payer.adapter, 'POST', '/quotes', {
      fspId: payee.name,
      quotesPostRequest: {
        quoteId,
        transactionId,
        transactionRequestId: requestId,
        payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: MERCHANT, fspId: payee.name } },
        payer: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: CUSTOMER, fspId: payer.name } },
        amountType: 'RECEIVE',
        amount: { currency: CURRENCY, amount },
        transactionType: { scenario: 'PAYMENT', initiator: 'PAYEE', initiatorType },
      },
    });
    assert.equal(result.status, 200, `POST /quotes: ${JSON.stringify(result.body)}${explain()}`);
    assert.equal(result.body.quotes?.headers?.['fspiop-source'], payee.name, JSON.stringify(result.body));
    return { quoteId, result };
  }

  /** Puts the payer adapter's requestToPayTransfer at its quote-received stage, as its model would have. */
  async function afterQuote(requestId: string, transferId: string, quoteId: string, quote: OutboundResult, amount: string, initiatorType: string) {
    await seedRequestToPayTransfer(payer.redis, 0, {
      requestToPayTransactionId: requestId,
      transferId,
      quoteId,
      quoteResponse: quote.body.quotes.body,
      quoteResponseSource: quote.body.quotes.headers['fspiop-source'],
      from: { idType: 'MSISDN', idValue: CUSTOMER },
      to: { idType: 'MSISDN', idValue: MERCHANT, fspId: payee.name },
      amountType: 'RECEIVE',
      currency: CURRENCY,
      amount,
      scenario: { ...SCENARIO_OBJECT, initiatorType },
      initiator: 'PAYEE',
      initiatorType,
    });
  }

  async function transferRow(id: string): Promise<Record<string, any> | undefined> {
    const r = await pair.db.query('SELECT state, amount::text AS amount, payer, payee, fulfilment FROM transfer WHERE id = $1', [id]);
    return r.rows[0];
  }

  const published = (side: AdapterSide, channel: string) => side.published.waitFor(channel).then(publishedCallback);

  test("18.0.2's POST /requestToPay: the payee adapter finds the payer through the hub; its transaction request is refused (scenario an object)", async () => {
    const before = await pair.positions();
    const requestId = randomUUID();
    const result = await callOutbound(payee.adapter, 'POST', '/requestToPay', {
      homeTransactionId: `merchant-${requestId}`,
      transactionRequestId: requestId,
      from: { idType: 'MSISDN', idValue: MERCHANT },
      to: { idType: 'MSISDN', idValue: CUSTOMER },
      amountType: 'RECEIVE',
      currency: CURRENCY,
      amount: '5',
      scenario: SCENARIO_OBJECT,
      initiator: 'PAYEE',
      initiatorType: 'CONSUMER',
    });
    assert.equal(result.status, 500, `POST /requestToPay: ${JSON.stringify(result.body)}${explain()}`);
    assert.match(result.body.message, /status code 400/, JSON.stringify(result.body));
    const [sent] = adapterSent(payee.adapter, 'POST', '/transactionRequests').filter((r) => r.body?.transactionRequestId === requestId);
    assert.ok(sent, `the payee adapter sent POST /transactionRequests${explain()}`);
    assert.equal(sent.headers['fspiop-destination'], payer.name, 'its lookup through the hub found the payer');
    assert.deepEqual(
      sent.body.transactionType,
      { scenario: SCENARIO_OBJECT, initiator: 'PAYEE', initiatorType: 'CONSUMER' },
      'the whole TransactionType as scenario',
    );
    // and the API's roles reversed: its own customer as `payer`, the party it looked up as `payee`
    assert.deepEqual(
      [sent.body.payer.partyIdentifier, sent.body.payer.fspId, sent.body.payee.partyIdInfo.partyIdentifier, sent.body.payee.partyIdInfo.fspId],
      [MERCHANT, payee.name, CUSTOMER, payer.name],
    );
    const refused = hubLog(pair.hub, 'request refused', { url: '/transactionRequests', source: payee.name, code: '3101' });
    assert.ok(
      refused.some((e) => e.detail === '/requestBody/transactionType/scenario must be string'),
      `the hub refused it (400, 3101): ${JSON.stringify(refused)}${explain()}`,
    );
    assert.equal(await hubRequestRecord(requestId), undefined, 'the hub kept nothing of a request it refused');
    assert.ok(!payer.sim.requests.some((r) => r.path === '/transactionrequests'), "the payer's back office was never asked");
    assert.deepEqual(await pair.positions(), before);
  });

  test("18.0.2's POST /requestToPayTransfer: its quote (scenario an object) is refused by the hub; nothing is quoted", async () => {
    const before = await pair.positions();
    const requestId = randomUUID();
    const result = await callOutbound(payer.adapter, 'POST', '/requestToPayTransfer', {
      requestToPayTransactionId: requestId,
      from: { idType: 'MSISDN', idValue: CUSTOMER },
      to: { idType: 'MSISDN', idValue: MERCHANT, fspId: payee.name },
      amountType: 'RECEIVE',
      currency: CURRENCY,
      amount: '5',
      scenario: SCENARIO_OBJECT,
      initiator: 'PAYEE',
      initiatorType: 'CONSUMER',
    });
    assert.equal(result.status, 500, `POST /requestToPayTransfer: ${JSON.stringify(result.body)}${explain()}`);
    assert.match(result.body.message, /status code 400/, JSON.stringify(result.body));
    const [sent] = adapterSent(payer.adapter, 'POST', '/quotes').filter((r) => r.body?.transactionRequestId === requestId);
    assert.ok(sent, `the payer adapter sent POST /quotes${explain()}`);
    assert.deepEqual(sent.body.transactionType, { scenario: SCENARIO_OBJECT, initiator: 'PAYEE', initiatorType: 'CONSUMER' });
    const refused = hubLog(pair.hub, 'request refused', { url: '/quotes', source: payer.name, code: '3101' });
    assert.ok(
      refused.some((e) => e.detail === '/requestBody/transactionType/scenario must be string'),
      `the hub refused it (400, 3101): ${JSON.stringify(refused)}${explain()}`,
    );
    const quotes = await pair.db.query('SELECT id FROM quote WHERE transaction_request_id = $1', [requestId]);
    assert.equal(quotes.rowCount, 0, 'no quote recorded');
    assert.ok(!payee.sim.requests.some((r) => r.path === '/quoterequests'), "the payee's back office was never asked");
    assert.deepEqual(await pair.positions(), before);
  });

  /** The whole request to pay, from the payee's request to the transfer; OTP when CONSUMER. */
  async function payOnRequest(amount: string, initiatorType: 'CONSUMER' | 'BUSINESS') {
    const requestId = randomUUID();
    const { asked, answer } = await askToPay(requestId, amount, initiatorType);
    // the payer's back office sees the API's roles (18.0.2's internal form: `to` the payee, `from` the payer)
    assert.deepEqual([asked.to.idValue, asked.to.fspId, asked.from.idValue, asked.from.fspId], [MERCHANT, payee.name, CUSTOMER, payer.name]);
    assert.deepEqual([asked.amount, asked.currency, asked.initiatorType], [amount, CURRENCY, initiatorType]);
    const transactionId = answer?.transactionId as string;
    const told = await published(payee, `txnreq_${requestId}`);
    assert.deepEqual(told.body, { transactionId, transactionRequestState: 'RECEIVED' }, "the payee adapter got the payer's answer");
    assert.equal(told.headers['fspiop-source'], payer.name);
    const record = await hubRequestState(requestId, 'RECEIVED');
    assert.deepEqual([record.payee, record.payer, normalizeDecimal(record.amount), record.transaction_id], [payee.name, payer.name, amount, transactionId]);

    // the payer quotes (transaction id = the transfer id: the payee adapter finds its quote by it)
    const { quoteId, result: quote } = await quoteFor(requestId, transactionId, amount, initiatorType);
    const link = await pair.db.query('SELECT transaction_request_id, transaction_id FROM quote WHERE id = $1', [quoteId]);
    assert.deepEqual(link.rows, [{ transaction_request_id: requestId, transaction_id: transactionId }], 'the hub links the quote to the request');
    await afterQuote(requestId, transactionId, quoteId, quote, amount, initiatorType);
    return { requestId, transactionId, quoteId, quote };
  }

  test('request to pay with OTP: GET /authorizations answered with the payee back office OTP; the payer accepts it; the transfer commits', async (t) => {
    const before = await pair.positions();
    const amount = '12.34';
    const started = Date.now();
    const { requestId, transactionId, quoteId, quote } = await payOnRequest(amount, 'CONSUMER');

    // the payer adapter's OTP stage: GET /authorizations to the payee, through the hub
    const paused = await callOutbound(payer.adapter, 'PUT', `/requestToPayTransfer/${requestId}`, { acceptQuote: true });
    assert.equal(paused.status, 200, `accept quote: ${JSON.stringify(paused.body)}${explain()}`);
    const otp = payee.sim.otps.get(requestId);
    assert.match(otp ?? '', /^\d{6}$/, "the payee's back office handed out an OTP");
    assert.deepEqual(paused.body.otpResponse?.body, { authenticationInfo: { authentication: 'OTP', authenticationValue: otp }, responseType: 'ENTERED' });
    assert.equal(paused.body.otpResponse?.headers?.['fspiop-source'], payee.name);
    const asked = payee.sim.requests.find((r) => r.path === `/otp/${requestId}`);
    assert.ok(asked, 'the payee adapter asked its back office for the OTP');

    // the payer's back office checks the OTP the customer typed and accepts: the adapter transfers
    const done = await callOutbound(payer.adapter, 'PUT', `/requestToPayTransfer/${requestId}`, { acceptOTP: true });
    assert.equal(done.status, 200, `accept OTP: ${JSON.stringify(done.body)}${explain()}`);
    assert.equal(done.body.currentState, 'COMPLETED', JSON.stringify(done.body));
    assert.equal(done.body.fulfil?.body?.transferState, 'COMMITTED', JSON.stringify(done.body.fulfil));
    assert.equal(conditionOf(done.body.fulfil.body.fulfilment), quote.body.quotes.body.condition, 'the fulfilment matches the quote');
    t.diagnostic(`request to pay ${amount} ${CURRENCY} with OTP: ${Date.now() - started} ms from the request to the committed transfer`);

    const credited = await payee.sim.waitFor((r) => r.method === 'POST' && r.path === '/transfers' && (r.body as any)?.transferId === transactionId);
    assert.equal((credited.body as any).amount, amount);
    const row = await transferRow(transactionId);
    assert.deepEqual([row?.state, normalizeDecimal(row?.amount), row?.payer, row?.payee], ['COMMITTED', amount, payer.name, payee.name]);
    const now = await pair.positions();
    assert.equal(now.payer, addDecimal(before.payer, amount), JSON.stringify({ before, now }));
    assert.equal(now.payee, addDecimal(before.payee, negateDecimal(amount)), JSON.stringify({ before, now }));

    // an operator sees the request and the payment that answered it
    const view = await pair.admin.call('GET', `/transactionRequests/${requestId}`);
    assert.equal(view.status, 200, view.rawBody);
    assert.deepEqual([view.body.payee, view.body.payer, view.body.state, view.body.transactionId], [payee.name, payer.name, 'RECEIVED', transactionId]);
    assert.deepEqual(
      (view.body.quotes as Array<Record<string, any>>).map((q) => [q.quoteId, q.transfer?.transferId, q.transfer?.state, normalizeDecimal(q.transfer?.amount)]),
      [[quoteId, transactionId, 'COMMITTED', amount]],
      view.rawBody,
    );
  });

  test('request to pay from a business: no OTP; the payer accepts the quote and the transfer commits', async () => {
    const before = await pair.positions();
    const amount = '40';
    const { requestId, transactionId } = await payOnRequest(amount, 'BUSINESS');
    const done = await callOutbound(payer.adapter, 'PUT', `/requestToPayTransfer/${requestId}`, { acceptQuote: true });
    assert.equal(done.status, 200, `accept quote: ${JSON.stringify(done.body)}${explain()}`);
    assert.equal(done.body.currentState, 'COMPLETED', JSON.stringify(done.body));
    assert.equal(done.body.fulfil?.body?.transferState, 'COMMITTED');
    assert.ok(!payee.sim.requests.some((r) => r.path === `/otp/${requestId}`), 'no OTP was asked for');
    assert.equal((await transferRow(transactionId))?.state, 'COMMITTED');
    const now = await pair.positions();
    assert.deepEqual(now, { payer: addDecimal(before.payer, amount), payee: addDecimal(before.payee, negateDecimal(amount)) });
  });

  test('the payer refuses the OTP: 18.0.2 sends PUT /authorizations REJECTED itself, the hub refuses it (only the payee answers an authorisation); nothing moves', async () => {
    const before = await pair.positions();
    const { requestId, transactionId } = await payOnRequest('3.5', 'CONSUMER');
    const paused = await callOutbound(payer.adapter, 'PUT', `/requestToPayTransfer/${requestId}`, { acceptQuote: true });
    assert.equal(paused.status, 200, `accept quote: ${JSON.stringify(paused.body)}${explain()}`);
    const refused = await callOutbound(payer.adapter, 'PUT', `/requestToPayTransfer/${requestId}`, { acceptOTP: false });
    assert.equal(refused.status, 200, `refuse OTP: ${JSON.stringify(refused.body)}${explain()}`);
    const [sent] = adapterSent(payer.adapter, 'PUT', `/authorizations/${requestId}`);
    assert.deepEqual(sent?.body, { responseType: 'REJECTED' }, `the payer adapter's PUT /authorizations${explain()}`);
    assert.deepEqual([sent!.headers['fspiop-source'], sent!.headers['fspiop-destination']], [payer.name, payee.name]);
    // the hub answers the payer with PUT /authorizations/{ID}/error, for which 18.0.2 has no handler (404)
    const unhandled = await eventually(() => adapterLog(payer.adapter, `/authorizations/${requestId}/error`).find((e) => e.msg === 'No handler found'));
    assert.ok(unhandled, `the hub's PUT /authorizations/${requestId}/error reached the payer adapter${explain()}`);
    assert.ok(!payee.published.messages.some((m) => m.channel === `otp_${requestId}`), 'the payee was not told');
    assert.equal(await transferRow(transactionId), undefined, 'no transfer');
    assert.deepEqual(await pair.positions(), before);
  });

  test("the payer's back office rejects the request: PUT /transactionRequests REJECTED reaches the payee; nothing moves", async () => {
    const before = await pair.positions();
    const requestId = randomUUID();
    const { answer } = await askToPay(requestId, REJECTED_AMOUNT, 'BUSINESS');
    assert.equal(answer?.transactionRequestState, 'REJECTED');
    const told = await published(payee, `txnreq_${requestId}`);
    assert.equal(told.body.transactionRequestState, 'REJECTED');
    await hubRequestState(requestId, 'REJECTED');
    assert.deepEqual(await pair.positions(), before);
  });

  test("the payer's back office fails: the hub forwards PUT /transactionRequests/{ID}/error, which 18.0.2 cannot take (404)", async () => {
    const requestId = randomUUID();
    const sent = await toHub(
      'POST',
      '/transactionRequests',
      'transactionRequests',
      payee.name,
      payer.name,
      transactionRequest(requestId, FAILING_AMOUNT, 'BUSINESS'),
    );
    assert.equal(sent.status, 202, sent.text);
    const record = await hubRequestState(requestId, 'REJECTED');
    assert.equal(record.error_code, '2001', JSON.stringify(record));
    const unhandled = await eventually(() => adapterLog(payee.adapter, `/transactionRequests/${requestId}/error`).find((e) => e.msg === 'No handler found'));
    assert.ok(unhandled, `the payee adapter got PUT /transactionRequests/${requestId}/error and had no handler for it${explain()}`);
  });

  test('the hub and both adapters are still running', (t) => {
    const { install, hub, adapters, provision } = pair.timings;
    t.diagnostic(
      `adapter install ${install} ms (cached: ${pair.install.cached}); database + hub ${hub} ms; two adapters ${adapters} ms; provisioning ${provision} ms`,
    );
    for (const child of [pair.hub.child, payer.adapter.child, payee.adapter.child]) assert.equal(child.exitCode, null);
  });
});
