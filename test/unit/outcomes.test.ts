// The domain outcomes (schemas/outcomes.ts) and the one table per dialect that gives each its wire form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_CODES, FspiopError, describeError } from '../../schemas/errors.js';
import { DomainError, OUTCOME_NAMES, OUTCOMES, outcomeOfCause, storedCause } from '../../schemas/outcomes.js';
import { FSPIOP_FORMS, fspiopErrorInformationOf, fspiopErrorOf, wireErrorOf } from '../../translators/fspiop/outcomes.js';
import { ISO_JSON_FORMS, isoJsonReasonOf } from '../../translators/isojson/outcomes.js';
import {
  XML_FORMS,
  bankReasonToCanonical,
  givenReasonForBank,
  messageRejectionOf,
  messageRejectionStatusOf,
  xmlReasonOf,
} from '../../translators/isoxml/outcomes.js';
import { reasonIn } from '../../switch/notify/dialects.js';
import { causeText, recordedReport } from '../../switch/notify/transfer-outbox.js';

const sorted = (names: Iterable<string>) => [...names].sort();
const body = (error: DomainError) => fspiopErrorOf(error).toBody();

test('every outcome has a wire form in every dialect, and no table maps anything else', () => {
  assert.ok(OUTCOME_NAMES.length >= 40 && OUTCOME_NAMES.length <= 150, `${OUTCOME_NAMES.length} outcomes`);
  for (const table of [FSPIOP_FORMS, ISO_JSON_FORMS, XML_FORMS]) assert.deepEqual(sorted(Object.keys(table)), sorted(OUTCOME_NAMES));
  for (const name of OUTCOME_NAMES) assert.ok(OUTCOMES[name].length > 10, `${name} says what it means`);
});

test('every code a table gives is an FSPIOP error code (errors.md §3)', () => {
  for (const name of OUTCOME_NAMES) {
    assert.ok(ERROR_CODES.has(FSPIOP_FORMS[name].code), `${name}: FSPIOP ${FSPIOP_FORMS[name].code}`);
    assert.ok(ERROR_CODES.has(ISO_JSON_FORMS[name].prtry), `${name}: ISO JSON ${ISO_JSON_FORMS[name].prtry}`);
    assert.ok(ERROR_CODES.has(XML_FORMS[name].prtry), `${name}: ISO XML ${XML_FORMS[name].prtry}`);
  }
});

test('the ISO dialects carry the FSPIOP code and wording of every outcome today (Mojaloop: Prtry is the FSPIOP code)', () => {
  for (const name of OUTCOME_NAMES) {
    const fspiop = FSPIOP_FORMS[name];
    for (const [dialect, form] of [
      ['ISO JSON', ISO_JSON_FORMS[name]],
      ['ISO XML', XML_FORMS[name]],
    ] as const) {
      assert.equal(form.prtry, fspiop.code, `${dialect} ${name}`);
      assert.equal(form.whole, fspiop.whole, `${dialect} ${name}: description style`);
    }
  }
});

test("a sample of outcomes gives the hub's FSPIOP answers exactly as before", () => {
  assert.deepEqual(body(new DomainError('PAYER_LIMIT_EXCEEDED')), { errorInformation: { errorCode: '4200', errorDescription: 'Payer limit error' } });
  assert.deepEqual(body(new DomainError('PAYER_FSP_INSUFFICIENT_LIQUIDITY')), {
    errorInformation: { errorCode: '4001', errorDescription: 'Payer FSP insufficient liquidity' },
  });
  assert.deepEqual(body(new DomainError('TRANSFER_EXPIRED')), { errorInformation: { errorCode: '3303', errorDescription: 'Transfer expired' } });
  assert.deepEqual(body(new DomainError('TRANSFER_NOT_FOUND', 'Provided Transfer ID was not found on the server.')), {
    errorInformation: { errorCode: '3208', errorDescription: 'Transfer ID not found - Provided Transfer ID was not found on the server.' },
  });
  assert.deepEqual(
    body(new DomainError('MODIFIED_DUPLICATE', 'a prepare with this transfer id and a different body was received before', { originalHash: 'h1' })),
    {
      errorInformation: {
        errorCode: '3106',
        errorDescription: 'Modified request - a prepare with this transfer id and a different body was received before',
        extensionList: { extension: [{ key: 'originalHash', value: 'h1' }] },
      },
    },
  );
  assert.deepEqual(body(new DomainError('SOURCE_IS_NOT_PAYER', 'FSPIOP-Source header should match Payer')), {
    errorInformation: { errorCode: '3100', errorDescription: 'Generic validation error - FSPIOP-Source header should match Payer' },
  });
  assert.deepEqual(body(new DomainError('PAYER_FSP_UNKNOWN', 'FSPIOP-Source x is not a registered participant')).errorInformation.errorCode, '3202');
  assert.deepEqual(body(new DomainError('PARTY_HELD_BY_ANOTHER_FSP', 'MSISDN 1 is registered to another FSP')).errorInformation, {
    errorCode: '3040',
    errorDescription: 'Delete Party information error - MSISDN 1 is registered to another FSP',
  });
});

test('Admin API refusals keep their whole Mojaloop descriptions and HTTP statuses', () => {
  const whole = (e: DomainError) => [fspiopErrorOf(e).code, fspiopErrorOf(e).description, fspiopErrorOf(e).httpStatus];
  assert.deepEqual(whole(new DomainError('PARTICIPANT_NOT_FOUND', 'The requested resource could not be found.')), [
    '3200',
    'The requested resource could not be found.',
    400,
  ]);
  assert.deepEqual(whole(new DomainError('SETTLEMENT_MODEL_MISSING', 'Unable to find a matching or default, Settlement Model')), [
    '6000',
    'Unable to find a matching or default, Settlement Model',
    400,
  ]);
  assert.deepEqual(whole(new DomainError('LIMIT_ALREADY_SET', 'Participant Limit or Initial Position already set')), [
    '2001',
    'Participant Limit or Initial Position already set',
    500,
  ]);
  assert.deepEqual(whole(new DomainError('RECEIVED_ERROR_CODE_INVALID', 'The incoming error code: 99 is not a valid mojaloop specification error code')), [
    '3100',
    'The incoming error code: 99 is not a valid mojaloop specification error code',
    400,
  ]);
  assert.deepEqual(whole(new DomainError('LEDGER_UNAVAILABLE', 'the ledger is recovering, retry later')), [
    '2003',
    'Service currently unavailable - the ledger is recovering, retry later',
    503,
  ]);
  assert.equal(fspiopErrorOf(new DomainError('DESTINATION_UNREACHABLE', 'x could not be reached')).httpStatus, 503);
  // Past capacity: 2005 with HTTP 500 (the contract's table); a bank's refused message gets an admi.002 with 503.
  assert.deepEqual(whole(new DomainError('SERVER_BUSY', 'the hub takes no new transfer requests now')), [
    '2005',
    'Server busy - the hub takes no new transfer requests now',
    500,
  ]);
  assert.equal(messageRejectionStatusOf(new DomainError('SERVER_BUSY')), 503);
  assert.equal(messageRejectionStatusOf(new DomainError('LEDGER_UNAVAILABLE')), 503);
  assert.equal(messageRejectionStatusOf(new DomainError('PAYEE_FSP_UNKNOWN')), 400);
});

test('FSPIOP description rules hold for outcomes: at most 128 characters, never cut, the detail whole in the extensions', () => {
  const long = `Participant ${'p'.repeat(200)} not found`;
  const error = fspiopErrorOf(new DomainError('PAYEE_FSP_UNKNOWN', long));
  assert.equal(error.description, 'Payee FSP ID not found');
  assert.equal(error.extensions!.map((x) => x.value).join(''), long);
  assert.deepEqual(error.toBody(), new FspiopError('3203', long).toBody(), 'as the hub built it before');
  const wholeLong = 'Settlement model x already covers POSITION for '.padEnd(150, 'y');
  assert.deepEqual(
    fspiopErrorOf(new DomainError('SETTLEMENT_MODEL_OVERLAPS', wholeLong)).toBody(),
    new FspiopError('3000', undefined, { description: wholeLong }).toBody(),
  );
  for (const name of OUTCOME_NAMES) {
    const described = fspiopErrorOf(new DomainError(name, 'd'.repeat(300)));
    assert.ok(Array.from(described.description).length <= 128, name);
    assert.equal(described.description, describeError(described.code));
  }
});

test('error handlers: a DomainError becomes its FSPIOP error, anything else passes through', () => {
  const other = new Error('boom');
  assert.equal(wireErrorOf(other), other);
  const wire = wireErrorOf(new DomainError('SENDER_INACTIVE', 'FSPIOP-Source x is inactive'));
  assert.ok(wire instanceof FspiopError);
  assert.equal(wire.description, 'Generic validation error - FSPIOP-Source x is inactive');
});

test('ISO 20022 JSON and banks get the reason Mojaloop words: Prtry = FSPIOP code, AddtlInf = its description', () => {
  assert.deepEqual(isoJsonReasonOf(new DomainError('PAYER_LIMIT_EXCEEDED')), { Rsn: { Prtry: '4200' }, AddtlInf: 'Payer limit error' });
  assert.deepEqual(xmlReasonOf(new DomainError('TRANSFER_EXPIRED', 'no agreement with the payee before the instruction expired')), {
    Rsn: { Prtry: '3303' },
    AddtlInf: 'Transfer expired - no agreement with the payee before the instruction expired',
  });
  assert.deepEqual(xmlReasonOf(new DomainError('INSTRUCTION_CANCELLED', "cancelled at the bank's request")), {
    Rsn: { Prtry: '3100' },
    AddtlInf: "cancelled at the bank's request",
  });
  const rejection = messageRejectionOf(new DomainError('SENDER_INACTIVE', 'FSPIOP-Source bank1 is inactive'));
  assert.equal(rejection.reasonCode, 'NARR');
  assert.equal(rejection.description, '3100: Generic validation error - FSPIOP-Source bank1 is inactive');
  assert.deepEqual(
    reasonIn('iso20022-xml', { Rsn: { Prtry: '5104' }, AddtlInf: 'given' }),
    { Rsn: { Prtry: '5104' }, AddtlInf: 'given' },
    'a given reason is not reworded',
  );
});

test("the reasons banks give and get that are not the hub's outcomes", () => {
  assert.deepEqual(bankReasonToCanonical({ Rsn: { Cd: 'AC04' }, AddtlInf: 'Closed account' }), {
    Rsn: { Prtry: '5100' },
    AddtlInf: 'Generic Payee rejection - bank reason AC04: Closed account',
  });
  assert.deepEqual(bankReasonToCanonical({ Rsn: { Prtry: '5104' } }), { Rsn: { Prtry: '5104' }, AddtlInf: 'Payee rejected transaction' });
  const long = 'x'.repeat(300);
  assert.equal(bankReasonToCanonical({ Rsn: { Cd: 'AC04' }, AddtlInf: long }).AddtlInf, `Generic Payee rejection - bank reason AC04: ${long}`, 'never cut');
  assert.deepEqual(givenReasonForBank({ Rsn: { Prtry: '5101' }, AddtlInf: 'no' }), { Rsn: { Prtry: '5101' }, AddtlInf: 'no' });
  assert.deepEqual(givenReasonForBank({ Rsn: { Prtry: '5101' } }), { Rsn: { Prtry: '5101' }, AddtlInf: 'Payee rejected quote' });
});

test("stored causes name the outcome and read back as it; a cause someone gave is kept as given; FSPIOP reads today's text", () => {
  const expired = new DomainError('TRANSFER_EXPIRED');
  assert.equal(storedCause(expired), 'TRANSFER_EXPIRED');
  const invalid = new DomainError('FULFILMENT_INVALID', 'invalid fulfilment');
  assert.equal(storedCause(invalid), 'FULFILMENT_INVALID: invalid fulfilment');
  assert.deepEqual([outcomeOfCause(storedCause(invalid))?.outcome, outcomeOfCause(storedCause(invalid))?.detail], ['FULFILMENT_INVALID', 'invalid fulfilment']);
  assert.equal(outcomeOfCause('3303: Transfer expired'), undefined, 'a cause stored before outcomes is a given text');
  assert.equal(outcomeOfCause('NOT_AN_OUTCOME: x'), undefined);
  assert.equal(storedCause({ Rsn: { Prtry: '5104' }, AddtlInf: 'x'.repeat(200) }).length, 128);
  assert.equal(causeText(reasonIn('fspiop/1.1', expired)), '3303: Transfer expired');
  assert.equal(causeText(reasonIn('fspiop/2.0', invalid)), '3100: Generic validation error - invalid fulfilment');
  assert.equal(causeText(reasonIn('iso20022-json/2.0', new DomainError('PAYER_LIMIT_EXCEEDED'))), '4200: Payer limit error');
  const long = new DomainError('MODIFIED_DUPLICATE', 'm'.repeat(200), { originalHash: 'h' });
  assert.equal(recordedReport('iso20022-xml', 't1', long).TxInfAndSts.StsRsnInf!.extensions, undefined, 'a recorded reason has code and text only');
});

test('ALS batch answers word each failed party in FSPIOP', () => {
  assert.deepEqual(fspiopErrorInformationOf(new DomainError('PARTY_REGISTERED_TO_ANOTHER_FSP', 'party already registered to dfsp2')), {
    errorCode: '3003',
    errorDescription: 'Add Party information error - party already registered to dfsp2',
  });
  assert.deepEqual(fspiopErrorInformationOf({ Rsn: { Prtry: '3100' }, AddtlInf: 'field: reason' }), { errorCode: '3100', errorDescription: 'field: reason' });
});
