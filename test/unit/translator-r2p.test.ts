/**
 * Request to pay in FSPIOP <-> canonical pain.013 / pain.014 and the authorisation messages (docs/r2p.md): lossless
 * both ways (properties over bodies valid against the api-snippets v2.0 schemas, and over canonical messages an ISO
 * sender could give), amounts FSPIOP cannot carry refused, and the query of GET /authorizations checked with the
 * codes the contract gives (missing 3102, malformed 3101, an authentication type outside the enumeration 3100).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseAmount } from '../../schemas/amount.js';
import { validateFspiopBody } from '../../schemas/fspiop/validators.js';
import type { Pain013 } from '../../schemas/iso/pain013.js';
import { REQUEST_STATUS, stateOfStatus, type Pain014 } from '../../schemas/iso/pain014.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import {
  authorizationQueryFromCanonical,
  authorizationQueryToCanonical,
  authorizationResponseFromCanonical,
  authorizationResponseToCanonical,
  type FspiopAuthorizationResponse,
} from '../../translators/fspiop/authorizations.js';
import {
  transactionRequestAnswerFromCanonical,
  transactionRequestAnswerToCanonical,
  transactionRequestErrorFromCanonical,
  transactionRequestErrorToCanonical,
  transactionRequestFromCanonical,
  transactionRequestToCanonical,
  type FspiopTransactionRequest,
  type FspiopTransactionRequestAnswer,
} from '../../translators/fspiop/transaction-requests.js';
import * as arb from './translator-arbitraries.js';

const { plain, compact } = arb;
/** A canonical message as plain data (bigint amounts as text), for deep comparison. */
const canonical = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)));
const RUNS = Number(process.env.TRANSLATOR_RUNS ?? 300);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const text = (min: number, max: number) =>
  fc.string({ minLength: min, maxLength: max, unit: fc.constantFrom('a', 'B', ' ', ';', '/', 'é', '中', '😀', '-', '"', '\\', 'z', '0') });
const geoCode = fc.record({
  latitude: fc.tuple(fc.integer({ min: -89, max: 89 }), fc.integer({ min: 0, max: 999999 })).map(([a, b]) => `${a}.${b}`),
  longitude: fc.tuple(fc.integer({ min: -179, max: 179 }), fc.integer({ min: 0, max: 999999 })).map(([a, b]) => `${a}.${b}`),
});
const authenticationType = fc.constantFrom('OTP', 'QRCODE', 'U2F') as fc.Arbitrary<'OTP' | 'QRCODE' | 'U2F'>;

const transactionType = fc
  .record({
    scenario: fc.constantFrom('DEPOSIT', 'WITHDRAWAL', 'TRANSFER', 'PAYMENT', 'REFUND'),
    subScenario: opt(fc.stringMatching(/^[A-Z_]{1,32}$/)),
    initiator: fc.constantFrom('PAYER', 'PAYEE') as fc.Arbitrary<'PAYER' | 'PAYEE'>,
    initiatorType: fc.constantFrom('CONSUMER', 'AGENT', 'BUSINESS', 'DEVICE') as fc.Arbitrary<'CONSUMER' | 'AGENT' | 'BUSINESS' | 'DEVICE'>,
    refundInfo: opt(fc.record({ originalTransactionId: arb.correlationId({}), refundReason: opt(text(1, 128)) }).map(compact)),
    balanceOfPayments: opt(fc.stringMatching(/^[1-9]\d{2}$/)),
  })
  .map(compact);

const transactionRequest: fc.Arbitrary<FspiopTransactionRequest> = fc
  .record({
    transactionRequestId: arb.correlationId({}),
    payee: arb.party({}),
    payer: arb.party({}).map((p) => p.partyIdInfo),
    amount: arb.money({}),
    transactionType,
    note: opt(text(1, 128)),
    geoCode: opt(geoCode),
    authenticationType: opt(authenticationType),
    expiration: opt(arb.dateTime),
    extensionList: opt(arb.extensionList),
  })
  .map((r) => compact(r) as FspiopTransactionRequest);

const answer: fc.Arbitrary<FspiopTransactionRequestAnswer> = fc
  .record({
    transactionId: opt(arb.correlationId({})),
    transactionRequestState: fc.constantFrom('RECEIVED', 'PENDING', 'ACCEPTED', 'REJECTED') as fc.Arbitrary<
      FspiopTransactionRequestAnswer['transactionRequestState']
    >,
    extensionList: opt(arb.extensionList),
  })
  .map(compact);

const authorizationResponse: fc.Arbitrary<FspiopAuthorizationResponse> = fc
  .record({
    authenticationInfo: opt(
      fc.oneof(
        fc.record({ authentication: fc.constant('OTP' as const), authenticationValue: fc.stringMatching(/^\d{3,10}$/) }),
        fc.record({ authentication: fc.constant('QRCODE' as const), authenticationValue: fc.stringMatching(/^\S{1,64}$/) }),
        fc.record({
          authentication: fc.constant('U2F' as const),
          authenticationValue: fc.record({ pinValue: fc.stringMatching(/^\S{1,64}$/), counter: fc.stringMatching(/^[1-9]\d{0,5}$/) }),
        }),
      ),
    ),
    responseType: fc.constantFrom('ENTERED', 'REJECTED', 'RESEND') as fc.Arbitrary<FspiopAuthorizationResponse['responseType']>,
  })
  .map(compact);

function valid(method: 'POST' | 'PUT', route: string, body: unknown): void {
  const issue = validateFspiopBody('2.0', method, route, body);
  assert.equal(issue, null, `generator: ${method} ${route} ${JSON.stringify(body)}: ${issue?.detail}`);
}

test('POST /transactionRequests survives FSPIOP -> pain.013 -> FSPIOP (property)', () => {
  fc.assert(
    fc.property(transactionRequest, arb.fspId, arb.fspId, arb.dateTime, (body, payee, payer, at) => {
      valid('POST', '/transactionRequests', body);
      const message = transactionRequestToCanonical(body, payee, payer, at);
      const tx = message.PmtInf.CdtTrfTx;
      assert.equal(tx.PmtId.InstrId, body.transactionRequestId, 'the request id is PmtId.InstrId');
      assert.equal(message.PmtInf.DbtrAgt.FinInstnId.Othr?.Id, body.payer.fspId ?? payer, 'payer FSP: payer.fspId, else FSPIOP-Destination');
      assert.equal(tx.CdtrAgt.FinInstnId.Othr?.Id, body.payee.partyIdInfo.fspId ?? payee, 'payee FSP: payee.fspId, else FSPIOP-Source');
      assert.equal(tx.Purp.Prtry, body.transactionType.scenario);
      assert.deepEqual(tx.RmtInf?.Ustrd ?? null, body.note === undefined ? null : [body.note], 'the note is the remittance line');
      const back = transactionRequestFromCanonical(message);
      valid('POST', '/transactionRequests', back);
      assert.deepEqual(plain(back), plain(body));
    }),
    { numRuns: RUNS },
  );
});

test('PUT /transactionRequests/{ID} and its error survive FSPIOP -> pain.014 -> FSPIOP (property)', () => {
  fc.assert(
    fc.property(arb.correlationId({}), answer, arb.dateTime, (id, body, at) => {
      valid('PUT', '/transactionRequests/{ID}', body);
      const report = transactionRequestAnswerToCanonical(id, body, at);
      assert.equal(report.TxInfAndSts.OrgnlInstrId, id);
      assert.equal(report.TxInfAndSts.TxSts, REQUEST_STATUS[body.transactionRequestState]);
      assert.equal(report.TxInfAndSts.AcctSvcrRef, body.transactionId, 'the payer transaction id is AcctSvcrRef');
      assert.deepEqual(plain(transactionRequestAnswerFromCanonical(report)), plain(body));
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(arb.correlationId({}), arb.errorBody, arb.dateTime, (id, body, at) => {
      valid('PUT', '/transactionRequests/{ID}/error', body);
      const report = transactionRequestErrorToCanonical(id, body, at);
      assert.equal(report.TxInfAndSts.TxSts, 'RJCT', 'an error rejects the request');
      assert.equal(report.TxInfAndSts.StsRsnInf?.Rsn.Prtry, body.errorInformation.errorCode);
      assert.deepEqual(plain(transactionRequestErrorFromCanonical(report)), plain(body));
    }),
    { numRuns: RUNS },
  );
});

/** A pain.013 as a bank could send it: elements FSPIOP has no member for, which must travel and come back. */
const isoRequest: fc.Arbitrary<Pain013> = fc
  .record({
    body: transactionRequest,
    msgId: fc.stringMatching(/^[A-Z0-9]{1,35}$/),
    reqd: fc.oneof(fc.record({ Dt: fc.constant('2030-01-31') }), fc.record({ DtTm: fc.constant('2030-01-31T10:00:00Z') })),
    xpry: opt(fc.record({ Dt: fc.constant('2030-02-28') })),
    endToEnd: opt(fc.stringMatching(/^[A-Za-z0-9]{1,35}$/)),
    chrgBr: opt(fc.constantFrom('DEBT', 'CRED', 'SHAR', 'SLEV') as fc.Arbitrary<'DEBT' | 'CRED' | 'SHAR' | 'SLEV'>),
    ustrd: opt(fc.array(text(1, 140), { minLength: 2, maxLength: 3 })),
    dbtrNm: opt(text(1, 70)),
    initgPty: opt(fc.record({ Nm: text(1, 70) })),
  })
  .map((r) => {
    const m = transactionRequestToCanonical({ ...r.body, extensionList: undefined }, 'payeefsp', 'payerfsp', '2030-01-01T00:00:00.000Z');
    const tx = m.PmtInf.CdtTrfTx;
    m.GrpHdr.MsgId = r.msgId;
    m.PmtInf.ReqdExctnDt = r.reqd;
    if (r.xpry) m.PmtInf.XpryDt = r.xpry;
    if (r.endToEnd) tx.PmtId.EndToEndId = r.endToEnd;
    if (r.chrgBr) tx.ChrgBr = r.chrgBr;
    if (r.ustrd) tx.RmtInf = { Ustrd: r.ustrd };
    if (r.dbtrNm) m.PmtInf.Dbtr.Nm = r.dbtrNm;
    if (r.initgPty) m.GrpHdr.InitgPty = r.initgPty;
    tx.SplmtryData = { ...tx.SplmtryData, iso: { 'PmtInf.PmtTpInf': { SvcLvl: { Cd: 'SEPA' } } } };
    return m;
  });

test('a pain.013 with elements FSPIOP lacks survives pain.013 -> FSPIOP -> pain.013, carried in the extension list (property)', () => {
  fc.assert(
    fc.property(isoRequest, (message) => {
      const body = transactionRequestFromCanonical(message);
      valid('POST', '/transactionRequests', body);
      const back = transactionRequestToCanonical(body, 'payeefsp', 'payerfsp', message.GrpHdr.CreDtTm);
      assert.deepEqual(canonical(back), canonical(message));
    }),
    { numRuns: Math.min(RUNS, 100) },
  );
});

test('a pain.014 with an ISO status FSPIOP reads as a state (ACTC: RECEIVED) comes back with its code', () => {
  const report: Pain014 = {
    GrpHdr: { MsgId: 'BANKMSG1', CreDtTm: '2030-01-01T00:00:00.000Z', DbtrAgt: { FinInstnId: { BICFI: 'BANKUS33' } } },
    OrgnlGrpInfAndSts: { OrgnlMsgId: 'REQ1', OrgnlMsgNmId: 'pain.013.001.07' },
    TxInfAndSts: { OrgnlInstrId: '01J0000000000000000000000A', OrgnlEndToEndId: 'E2E1', TxSts: 'ACTC' },
  };
  assert.equal(stateOfStatus('ACTC'), 'RECEIVED');
  const body = transactionRequestAnswerFromCanonical(report);
  assert.equal(body.transactionRequestState, 'RECEIVED');
  valid('PUT', '/transactionRequests/{ID}', body);
  assert.deepEqual(plain(transactionRequestAnswerToCanonical(report.TxInfAndSts.OrgnlInstrId, body, report.GrpHdr.CreDtTm)), plain(report));
  const rejected: Pain014 = { ...report, TxInfAndSts: { ...report.TxInfAndSts, TxSts: 'RJCT', StsRsnInf: { Rsn: { Prtry: '4101' }, AddtlInf: 'no' } } };
  const error = transactionRequestErrorFromCanonical(rejected);
  valid('PUT', '/transactionRequests/{ID}/error', error);
  assert.deepEqual(plain(transactionRequestErrorToCanonical(report.TxInfAndSts.OrgnlInstrId, error, report.GrpHdr.CreDtTm)), plain(rejected));
  assert.throws(() => transactionRequestAnswerFromCanonical({ ...report, TxInfAndSts: { ...report.TxInfAndSts, TxSts: 'XXXX' } }), TranslationError);
});

test('an amount FSPIOP cannot carry exactly is refused, not rounded', () => {
  const body: FspiopTransactionRequest = {
    transactionRequestId: '01J0000000000000000000000A',
    payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '1' } },
    payer: { partyIdType: 'MSISDN', partyIdentifier: '2' },
    amount: { amount: '1', currency: 'USD' },
    transactionType: { scenario: 'PAYMENT', initiator: 'PAYEE', initiatorType: 'BUSINESS' },
  };
  const message = transactionRequestToCanonical(body, 'a', 'b', '2030-01-01T00:00:00.000Z');
  message.PmtInf.CdtTrfTx.Amt.InstdAmt = parseAmount('1.00001', 'USD');
  assert.throws(
    () => transactionRequestFromCanonical(message),
    (err: unknown) => err instanceof TranslationError && err.code === '3100' && /decimal places/.test(err.message),
  );
});

test('PUT /authorizations/{ID} and the GET query survive FSPIOP -> canonical -> FSPIOP (property)', () => {
  fc.assert(
    fc.property(arb.correlationId({}), authorizationResponse, (id, body) => {
      valid('PUT', '/authorizations/{ID}', body);
      const canonical = authorizationResponseToCanonical(id, body);
      assert.equal(canonical.transactionRequestId, id);
      assert.deepEqual(plain(authorizationResponseFromCanonical(canonical)), plain(body));
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(arb.correlationId({}), authenticationType, fc.stringMatching(/^[1-9]\d{0,2}$/), arb.money({}), (id, type, retries, money) => {
      const query = { authenticationType: type, retriesLeft: retries, amount: money.amount, currency: money.currency };
      const request = authorizationQueryToCanonical(id, query);
      assert.equal(request.transactionRequestId, id);
      const again = Object.fromEntries(new URLSearchParams(authorizationQueryFromCanonical(request)));
      assert.deepEqual(again, query);
    }),
    { numRuns: RUNS },
  );
});

test('GET /authorizations query: missing 3102, malformed 3101, an authentication type outside the enumeration 3100', () => {
  const good = { authenticationType: 'OTP', retriesLeft: '2', amount: '102', currency: 'USD' };
  const code = (query: Record<string, unknown>) => {
    try {
      authorizationQueryToCanonical('01J0000000000000000000000A', query);
      return 'accepted';
    } catch (err) {
      assert.ok(err instanceof TranslationError, String(err));
      return `${err.code} ${err.field}`;
    }
  };
  assert.equal(code(good), 'accepted');
  for (const name of Object.keys(good)) {
    const { [name]: _dropped, ...rest } = good as Record<string, string>;
    assert.equal(code(rest), `3102 /query/${name}`, `${name} missing`);
  }
  assert.equal(code({ ...good, retriesLeft: '0' }), '3101 /query/retriesLeft');
  assert.equal(code({ ...good, retriesLeft: 'two' }), '3101 /query/retriesLeft');
  assert.equal(code({ ...good, amount: '1.23456' }), '3101 /query/amount');
  assert.equal(code({ ...good, amount: '-1' }), '3101 /query/amount');
  assert.equal(code({ ...good, currency: 'usd' }), '3101 /query/currency');
  assert.equal(code({ ...good, currency: 'ABC' }), '3101 /query/currency');
  assert.equal(code({ ...good, amount: ['1', '2'] }), '3101 /query/amount');
  assert.equal(code({ ...good, authenticationType: 'PIN' }), '3100 /query/authenticationType');
  assert.equal(code({ ...good, authenticationType: 'otp' }), '3100 /query/authenticationType');
  for (const type of ['OTP', 'QRCODE', 'U2F']) assert.equal(code({ ...good, authenticationType: type }), 'accepted', type);
});
