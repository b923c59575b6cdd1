import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasBodySchema, validateFspiopBody, warmFspiopValidators, type FspiopVersion } from '../../schemas/fspiop/validators.js';
import { FspiopError } from '../../schemas/errors.js';

const VERSIONS: FspiopVersion[] = ['1.1', '2.0'];
const UUID = 'b51ec534-ee48-4575-b6a9-ead2955b8069';
const UUID_V7 = '01890a5d-ac96-774b-bcce-b302099a8057';
const ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const CONDITION = 'GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM';
const FULFILMENT = 'UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA';
const AMOUNT_PATTERN = '^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$';

function prepare(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    transferId: UUID,
    payerFsp: 'payerfsp',
    payeeFsp: 'payeefsp',
    amount: { currency: 'USD', amount: '123.45' },
    ilpPacket:
      'AYIBgQAAAAAAAASwNGxldmVsb25lLmRmc3AxLm1lci45T2RTOF81MDdqUUZERmZlakgyOVc4bXFmNEpLMHlGTFGCAUBQU0svMS4wCk5vbmNlOiB1SXlweUYzY3pYSXBFdzVVc05TYWh3CkVuY3J5cHRpb246IG5vbmUKUGF5bWVudC1JZDogMTMyMzZhM2ItOGZhOC00MTYzLTg0NDctNGMzZWQzZGE5OGE3CgpDb250ZW50LUxlbmd0aDogMTM1CkNvbnRlbnQtVHlwZTogYXBwbGljYXRpb24vanNvbgpTZW5kZXItSWRlbnRpZmllcjogOTI4MDYzOTEKCiJ7XCJmZWVcIjowLFwidHJhbnNmZXJDb2RlXCI6XCJpbnZvaWNlXCIsXCJkZWJpdE5hbWVcIjpcImFsaWNlIGNvb3BlclwiLFwiY3JlZGl0TmFtZVwiOlwibWVyIGNoYW50XCIsXCJkZWJpdElkZW50aWZpZXJcIjpcIjkyODA2MzkxXCJ9IgA',
    condition: CONDITION,
    expiration: '2030-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const fulfil = { fulfilment: FULFILMENT, completedTimestamp: '2024-02-29T10:11:12.123+01:00', transferState: 'COMMITTED' };
const payeeError = { errorInformation: { errorCode: '5100', errorDescription: 'Generic Payee rejection' } };

test('compiles every body schema of both versions in ajv strict mode', () => {
  assert.doesNotThrow(() => warmFspiopValidators());
});

for (const v of VERSIONS) {
  test(`v${v}: valid transfer prepare / fulfil / error / patch bodies`, () => {
    assert.equal(validateFspiopBody(v, 'POST', '/transfers', prepare()), null);
    assert.equal(validateFspiopBody(v, 'POST', '/transfers', prepare({ extensionList: { extension: [{ key: 'k', value: 'v' }] } })), null);
    assert.equal(validateFspiopBody(v, 'PUT', '/transfers/{ID}', fulfil), null);
    assert.equal(validateFspiopBody(v, 'PUT', '/transfers/{ID}', { transferState: 'RESERVED' }), null);
    assert.equal(validateFspiopBody(v, 'PUT', '/transfers/{ID}/error', payeeError), null);
    assert.equal(validateFspiopBody(v, 'PATCH', '/transfers/{ID}', { completedTimestamp: '2024-01-01T00:00:00.000Z', transferState: 'COMMITTED' }), null);
  });

  test(`v${v}: UUID and ULID transferIds are accepted`, () => {
    assert.equal(validateFspiopBody(v, 'POST', '/transfers', prepare({ transferId: UUID })), null);
    assert.equal(validateFspiopBody(v, 'POST', '/transfers', prepare({ transferId: ULID })), null);
    assert.equal(validateFspiopBody(v, 'POST', '/transfers', prepare({ transferId: UUID_V7 })), null);
  });

  test(`v${v}: malformed transferIds are 3101`, () => {
    for (const bad of [
      ULID.toLowerCase(),
      UUID.toUpperCase(),
      '01ARZ3NDEKTSV4RRFFQ69G5FAU0' /* 27 chars */,
      'I1ARZ3NDEKTSV4RRFFQ69G5FAV' /* I not Crockford */,
      'b51ec534-ee48-8575-b6a9-ead2955b8069' /* v8 */,
    ]) {
      const issue = validateFspiopBody(v, 'POST', '/transfers', prepare({ transferId: bad }));
      assert.equal(issue?.code, '3101', bad);
      assert.equal(issue.detail, '/requestBody/transferId must match the pattern of the API definition');
    }
  });

  test(`v${v}: missing mandatory element is 3102 with the Mojaloop description`, () => {
    const body = prepare();
    delete body.transferId;
    assert.deepEqual(validateFspiopBody(v, 'POST', '/transfers', body), {
      code: '3102',
      detail: "/requestBody must have required property 'transferId'",
    });
    assert.deepEqual(validateFspiopBody(v, 'POST', '/transfers', prepare({ amount: { amount: '1' } })), {
      code: '3102',
      detail: "/requestBody/amount must have required property 'currency'",
    });
    assert.deepEqual(validateFspiopBody(v, 'PUT', '/transfers/{ID}', { fulfilment: FULFILMENT }), {
      code: '3102',
      detail: "/requestBody must have required property 'transferState'",
    });
    assert.deepEqual(validateFspiopBody(v, 'PUT', '/transfers/{ID}/error', { errorInformation: { errorCode: '5100' } }), {
      code: '3102',
      detail: "/requestBody/errorInformation must have required property 'errorDescription'",
    });
    assert.deepEqual(validateFspiopBody(v, 'PATCH', '/transfers/{ID}', { transferState: 'COMMITTED' }), {
      code: '3102',
      detail: "/requestBody must have required property 'completedTimestamp'",
    });
  });

  test(`v${v}: Amount pattern is strict`, () => {
    for (const good of ['0', '1', '1.5', '0.0001', '123.4567', '999999999999999999']) {
      assert.equal(validateFspiopBody(v, 'POST', '/transfers', prepare({ amount: { currency: 'USD', amount: good } })), null, good);
    }
    for (const bad of ['1e3', '1.0', '01', '-1', '1.12345', '1.', '.5', '+1', '', ' 1', '1000000000000000000']) {
      assert.deepEqual(
        validateFspiopBody(v, 'POST', '/transfers', prepare({ amount: { currency: 'USD', amount: bad } })),
        { code: '3101', detail: `/requestBody/amount/amount must match pattern "${AMOUNT_PATTERN}"` },
        bad,
      );
    }
  });

  test(`v${v}: type / enum / other patterns are 3101`, () => {
    assert.deepEqual(validateFspiopBody(v, 'POST', '/transfers', prepare({ amount: { currency: 'USD', amount: 100 } })), {
      code: '3101',
      detail: '/requestBody/amount/amount must be string',
    });
    assert.deepEqual(validateFspiopBody(v, 'POST', '/transfers', prepare({ amount: { currency: 'ZZZ', amount: '1' } })), {
      code: '3101',
      detail: '/requestBody/amount/currency must be equal to one of the allowed values',
    });
    assert.deepEqual(validateFspiopBody(v, 'PUT', '/transfers/{ID}', { transferState: 'DONE' }), {
      code: '3101',
      detail: '/requestBody/transferState must be equal to one of the allowed values',
    });
    assert.deepEqual(validateFspiopBody(v, 'POST', '/transfers', null), {
      code: '3101',
      detail: '/requestBody must be object',
    });
    assert.deepEqual(validateFspiopBody(v, 'POST', '/transfers', []), {
      code: '3101',
      detail: '/requestBody must be object',
    });
    // condition: 42 chars fails the pattern; fulfilment with '+' (not base64url) too
    assert.equal(validateFspiopBody(v, 'POST', '/transfers', prepare({ condition: CONDITION.slice(1) }))?.code, '3101');
    assert.equal(validateFspiopBody(v, 'PUT', '/transfers/{ID}', { ...fulfil, fulfilment: '+' + FULFILMENT.slice(1) })?.code, '3101');
    assert.equal(validateFspiopBody(v, 'PUT', '/transfers/{ID}/error', { errorInformation: { errorCode: '0100', errorDescription: 'x' } })?.code, '3101');
  });

  test(`v${v}: DateTime pattern (milliseconds mandatory, calendar) and a whole description`, () => {
    for (const bad of ['2030-01-01T00:00:00Z', '2030-01-01T00:00:00.00Z', '2023-02-29T00:00:00.000Z', '2030-01-01 00:00:00.000Z', '2030-01-01T00:00:00.000']) {
      const issue = validateFspiopBody(v, 'POST', '/transfers', prepare({ expiration: bad }));
      assert.equal(issue?.code, '3101', bad);
      // the DateTime regex is long: the detail names it instead of quoting it, so the description is whole
      assert.equal(issue.detail, '/requestBody/expiration must match the pattern of the API definition');
      assert.equal(
        new FspiopError(issue.code, issue.detail).description,
        'Malformed syntax - /requestBody/expiration must match the pattern of the API definition',
      );
    }
    assert.equal(validateFspiopBody(v, 'POST', '/transfers', prepare({ expiration: '2024-02-29T23:59:59.999-05:30' })), null);
  });

  test(`v${v}: minLength / maxLength / maxItems are 3100`, () => {
    assert.deepEqual(validateFspiopBody(v, 'POST', '/transfers', prepare({ payerFsp: 'x'.repeat(33) })), {
      code: '3100',
      detail: '/requestBody/payerFsp must NOT have more than 32 characters',
    });
    assert.equal(validateFspiopBody(v, 'POST', '/transfers', prepare({ payerFsp: 'x'.repeat(32) })), null);
    assert.deepEqual(validateFspiopBody(v, 'POST', '/transfers', prepare({ payeeFsp: '' })), {
      code: '3100',
      detail: '/requestBody/payeeFsp must NOT have fewer than 1 characters',
    });
    assert.deepEqual(validateFspiopBody(v, 'PUT', '/transfers/{ID}/error', { errorInformation: { errorCode: '5100', errorDescription: 'x'.repeat(129) } }), {
      code: '3100',
      detail: '/requestBody/errorInformation/errorDescription must NOT have more than 128 characters',
    });
    const extension = Array.from({ length: 17 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    assert.deepEqual(validateFspiopBody(v, 'POST', '/transfers', prepare({ extensionList: { extension } })), {
      code: '3100',
      detail: '/requestBody/extensionList/extension must NOT have more than 16 items',
    });
  });

  test(`v${v}: parties callback`, () => {
    const party = {
      party: {
        partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '27713803912', fspId: 'payeefsp' },
        name: 'Henrik Karlsson',
        personalInfo: { complexName: { firstName: 'Henrik', lastName: 'Karlsson' }, dateOfBirth: '1978-02-28' },
      },
    };
    assert.equal(validateFspiopBody(v, 'PUT', '/parties/{Type}/{ID}', party), null);
    assert.equal(validateFspiopBody(v, 'PUT', '/parties/{Type}/{ID}/{SubId}', party), null);
    assert.equal(validateFspiopBody(v, 'PUT', '/parties/{Type}/{ID}/error', payeeError), null);
    assert.deepEqual(validateFspiopBody(v, 'PUT', '/parties/{Type}/{ID}', { party: { partyIdInfo: { partyIdType: 'PHONE', partyIdentifier: '1' } } }), {
      code: '3101',
      detail: '/requestBody/party/partyIdInfo/partyIdType must be equal to one of the allowed values',
    });
  });
}

test('v2.0: additional properties are 3103', () => {
  assert.deepEqual(validateFspiopBody('2.0', 'POST', '/transfers', prepare({ foo: 'bar' })), {
    code: '3103',
    detail: '/requestBody must NOT have additional properties',
  });
  assert.deepEqual(validateFspiopBody('2.0', 'POST', '/transfers', prepare({ amount: { currency: 'USD', amount: '1', x: 1 } })), {
    code: '3103',
    detail: '/requestBody/amount must NOT have additional properties',
  });
  // PUT callbacks must not carry the resource id
  assert.equal(validateFspiopBody('2.0', 'PUT', '/transfers/{ID}', { ...fulfil, transferId: UUID })?.code, '3103');
  assert.equal(
    validateFspiopBody('2.0', 'PUT', '/transfers/{ID}/error', { errorInformation: { errorCode: '5100', errorDescription: 'x', y: 1 } })?.code,
    '3103',
  );
});

test('v1.1: api-snippets v1.1 does not forbid additional properties', () => {
  assert.equal(validateFspiopBody('1.1', 'POST', '/transfers', prepare({ foo: 'bar' })), null);
});

test('v1.1 CorrelationId is the v2.0 pattern (ULID adjustment); v1.1 keeps other patterns', () => {
  // UUID v6/v7 and ULID accepted on v1.1 as on v2.0
  assert.equal(
    validateFspiopBody('1.1', 'POST', '/quotes', {
      quoteId: ULID,
      transactionId: UUID_V7,
      payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '123' } },
      payer: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '456' } },
      amountType: 'SEND',
      amount: { currency: 'USD', amount: '10' },
      transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
    }),
    null,
  );
});

test('v2.0 FX: POST /fxTransfers accepts amountType (TTK), rejects other extras', () => {
  const fx = {
    commitRequestId: ULID,
    determiningTransferId: UUID,
    initiatingFsp: 'payerfsp',
    counterPartyFsp: 'fxp',
    sourceAmount: { currency: 'USD', amount: '100' },
    targetAmount: { currency: 'EUR', amount: '91.5' },
    condition: CONDITION,
    expiration: '2030-01-01T00:00:00.000Z',
  };
  assert.equal(validateFspiopBody('2.0', 'POST', '/fxTransfers', fx), null);
  assert.equal(validateFspiopBody('2.0', 'POST', '/fxTransfers', { ...fx, amountType: 'SEND' }), null);
  assert.equal(validateFspiopBody('2.0', 'POST', '/fxTransfers', { ...fx, amountType: 'BOTH' })?.code, '3101');
  assert.equal(validateFspiopBody('2.0', 'POST', '/fxTransfers', { ...fx, other: 1 })?.code, '3103');
  assert.equal(validateFspiopBody('2.0', 'PATCH', '/fxTransfers/{ID}', { completedTimestamp: '2024-01-01T00:00:00.000Z', conversionState: 'COMMITTED' }), null);
});

test('hasBodySchema / unknown route', () => {
  assert.equal(hasBodySchema('1.1', 'POST', '/transfers'), true);
  assert.equal(hasBodySchema('2.0', 'put', '/transfers/{ID}/error'), true);
  assert.equal(hasBodySchema('1.1', 'PATCH', '/transfers/{ID}'), true);
  assert.equal(hasBodySchema('1.1', 'POST', '/fxTransfers'), false);
  assert.equal(hasBodySchema('2.0', 'POST', '/fxTransfers'), true);
  assert.equal(hasBodySchema('2.0', 'GET', '/transfers/{ID}'), false);
  assert.equal(hasBodySchema('2.0', 'POST', '/transfers/{ID}'), false);
  assert.throws(() => validateFspiopBody('2.0', 'POST', '/transfers/{ID}', {}), /no FSPIOP 2.0 body schema for POST \/transfers\/\{ID\}/);
  assert.throws(() => validateFspiopBody('1.1', 'POST', '/fxQuotes', {}));
});
