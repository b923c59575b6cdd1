import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DETAIL_EXTENSION_KEY, ERROR_CODES, FspiopError, describeError } from '../../schemas/errors.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { errorInformationOf } from '../../translators/fspiop/common.js';

const length = (text: string) => Array.from(text).length;
const carriedDetail = (e: FspiopError) =>
  (e.extensions ?? [])
    .filter((x) => x.key === DETAIL_EXTENSION_KEY)
    .map((x) => x.value)
    .join('');

test('a detail that fits makes "<standard message> - <detail>"; one that does not leaves the standard message whole', () => {
  assert.equal(describeError('3100', 'amount: too many decimals'), 'Generic validation error - amount: too many decimals');
  const long = `PUT /quotes: ${'x'.repeat(200)}`;
  assert.equal(describeError('3100', long), 'Generic validation error');
  const error = new FspiopError('3100', long);
  assert.equal(error.description, 'Generic validation error');
  assert.equal(carriedDetail(error), long, 'the detail travels whole in the extension list');
  assert.ok(error.extensions!.every((x) => length(x.value) <= 128));
  assert.equal(error.detail, long);
  assert.ok(error.message.endsWith(long), 'the log message keeps the whole detail');
});

test('a caller-given description too long for FSPIOP becomes the detail instead of being cut', () => {
  const text = `Invalid settlement model: DEFERRED/NET/NONE is not one of ${['a', 'b', 'c', 'd'].map((x) => x.repeat(30)).join(', ')}`;
  const error = new FspiopError('3000', undefined, { description: text });
  assert.equal(error.description, ERROR_CODES.get('3000')!.message);
  assert.equal(carriedDetail(error), text);
  const short = new FspiopError('3000', undefined, { description: 'The hub participant cannot be created' });
  assert.equal(short.description, 'The hub participant cannot be created');
  assert.equal(short.extensions, undefined);
});

test('given extensions come first and the list never exceeds FSPIOP’s 16 items', () => {
  const given = Array.from({ length: 14 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
  const error = new FspiopError('3100', 'y'.repeat(1000), { extensions: given });
  assert.equal(error.extensions!.length, 16);
  assert.deepEqual(error.extensions!.slice(0, 14), given);
});

test('TranslationError: field and reason reach the participant whole, in the description or the extensions', () => {
  const short = new TranslationError('payeeFspFee', 'has 5 decimals, FSPIOP allows 4');
  assert.equal(short.description, 'Generic validation error - payeeFspFee: has 5 decimals, FSPIOP allows 4');
  const long = new TranslationError('CdtTrfTxInf.Dbtr.Id.PrvtId.Othr.Id', 'z'.repeat(150));
  assert.equal(long.description, 'Generic validation error');
  assert.equal(carriedDetail(long), `CdtTrfTxInf.Dbtr.Id.PrvtId.Othr.Id: ${'z'.repeat(150)}`);
});

test('an ISO reason longer than 128 characters reaches an FSPIOP participant whole, never cut', () => {
  const text = 'The creditor account is closed; '.repeat(6);
  const info = errorInformationOf('5100', text, [{ key: 'a', value: 'b' }]);
  assert.equal(info.errorDescription, ERROR_CODES.get('5100')!.message);
  assert.deepEqual(info.extensionList!.extension[0], { key: 'a', value: 'b' });
  assert.equal(
    info
      .extensionList!.extension.slice(1)
      .map((x) => x.value)
      .join(''),
    text,
  );
  assert.deepEqual(errorInformationOf('5100', 'Closed', undefined), { errorCode: '5100', errorDescription: 'Closed' });
  assert.deepEqual(errorInformationOf('5100', undefined, undefined), { errorCode: '5100', errorDescription: 'Generic Payee rejection' });
});

test('property: every description is 1..128 characters and either holds the detail whole or the extensions do', () => {
  const codes = [...ERROR_CODES.keys()];
  fc.assert(
    fc.property(fc.constantFrom(...codes), fc.string({ unit: 'grapheme', maxLength: 600 }), (code, detail) => {
      const error = new FspiopError(code, detail || undefined);
      const n = length(error.description);
      assert.ok(n >= 1 && n <= 128, error.description);
      if (!detail) return;
      assert.ok(error.description === `${ERROR_CODES.get(code)!.message} - ${detail}` || carriedDetail(error) === detail);
    }),
  );
});
