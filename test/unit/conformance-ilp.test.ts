// ILP helpers of the conformance suite against the contract's vectors (security.md §4.3, §4.4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildIlpPacket, conditionFromFulfilment, decodeIlpPacket, generateFulfilment, toMinorUnits } from '../../conformance/lib/ilp.js';
import { sortedStringify } from '../../conformance/lib/util.js';

test('conditions from known fulfilments (security.md §4.3)', () => {
  const vectors: Array<[string, string]> = [
    ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'Zmh6rfhivXdsj8GLjp-OIAiXFIVu4jOzkCpZHQ1fKSU'],
    ['AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE', 'cs1uhCLEB_ttCYaQ8RMLfe1-wvf14dML2dUh8BU2N5M'],
    ['wVEnqmG8qeW1u5Ft0IwA1t7jttDeWMgU66HRjaGwTHg', 'm9UDV63JGeFVqxHGvUlsHeD45CpzGiaqOihNWZk6uyk'],
  ];
  for (const [fulfilment, condition] of vectors) assert.equal(conditionFromFulfilment(fulfilment), condition);
});

test('generated fulfilments are 32 bytes base64url without padding and match their condition', () => {
  const { fulfilment, condition } = generateFulfilment();
  assert.match(fulfilment, /^[A-Za-z0-9_-]{43}$/);
  assert.match(condition, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(fulfilment, 'base64url').length, 32);
  assert.equal(conditionFromFulfilment(fulfilment), condition);
  assert.notEqual(generateFulfilment().fulfilment, fulfilment);
});

const TX_JSON =
  '{"amount":{"amount":"100.5","currency":"USD"},"expiration":"2030-01-01T00:00:00.000Z","payee":{"partyIdInfo":{"fspId":"payeefsp","partyIdType":"MSISDN","partyIdentifier":"27713803912"}},"payer":{"partyIdInfo":{"fspId":"payerfsp","partyIdType":"MSISDN","partyIdentifier":"44123456789"}},"quoteId":"01JBFH1Y2VJ5ZB6Q6W3K2N8D7A","transactionId":"01JBFH1Y2VJ5ZB6Q6W3K2N8D7B","transactionType":{"initiator":"PAYER","initiatorType":"CONSUMER","scenario":"TRANSFER"}}';

const PACKET =
  'DIICqwAAAAAAACdCMjAzMDAxMDEwMDAwMDAwMDCb1QNXrckZ4VWrEca9SWwd4PjkKnMaJqo6KE1ZmTq7KQpnLm1vamFsb29wggJkZXlKaGJXOTFiblFpT25zaVlXMXZkVzUwSWpvaU1UQXdMalVpTENKamRYSnlaVzVqZVNJNklsVlRSQ0o5TENKbGVIQnBjbUYwYVc5dUlqb2lNakF6TUMwd01TMHdNVlF3TURvd01Eb3dNQzR3TURCYUlpd2ljR0Y1WldVaU9uc2ljR0Z5ZEhsSlpFbHVabThpT25zaVpuTndTV1FpT2lKd1lYbGxaV1p6Y0NJc0luQmhjblI1U1dSVWVYQmxJam9pVFZOSlUwUk9JaXdpY0dGeWRIbEpaR1Z1ZEdsbWFXVnlJam9pTWpjM01UTTRNRE01TVRJaWZYMHNJbkJoZVdWeUlqcDdJbkJoY25SNVNXUkpibVp2SWpwN0ltWnpjRWxrSWpvaWNHRjVaWEptYzNBaUxDSndZWEowZVVsa1ZIbHdaU0k2SWsxVFNWTkVUaUlzSW5CaGNuUjVTV1JsYm5ScFptbGxjaUk2SWpRME1USXpORFUyTnpnNUluMTlMQ0p4ZFc5MFpVbGtJam9pTURGS1FrWklNVmt5VmtvMVdrSTJVVFpYTTBzeVRqaEVOMEVpTENKMGNtRnVjMkZqZEdsdmJrbGtJam9pTURGS1FrWklNVmt5VmtvMVdrSTJVVFpYTTBzeVRqaEVOMElpTENKMGNtRnVjMkZqZEdsdmJsUjVjR1VpT25zaWFXNXBkR2xoZEc5eUlqb2lVRUZaUlZJaUxDSnBibWwwYVdGMGIzSlVlWEJsSWpvaVEwOU9VMVZOUlZJaUxDSnpZMlZ1WVhKcGJ5STZJbFJTUVU1VFJrVlNJbjE5';

test('full ILP v4 Prepare packet rebuilt byte for byte (security.md §4.4)', () => {
  // built in a different key order than the canonical one, to exercise the sorted serialisation
  const transaction = {
    quoteId: '01JBFH1Y2VJ5ZB6Q6W3K2N8D7A',
    transactionId: '01JBFH1Y2VJ5ZB6Q6W3K2N8D7B',
    transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
    payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '27713803912', fspId: 'payeefsp' } },
    payer: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '44123456789', fspId: 'payerfsp' } },
    expiration: '2030-01-01T00:00:00.000Z',
    amount: { currency: 'USD', amount: '100.5' },
  };
  assert.equal(sortedStringify(transaction), TX_JSON);
  assert.equal(toMinorUnits('100.5', 'USD'), '10050');

  const packet = buildIlpPacket({
    amount: '100.5',
    currency: 'USD',
    condition: 'm9UDV63JGeFVqxHGvUlsHeD45CpzGiaqOihNWZk6uyk',
    expiresAt: '2030-01-01T00:00:00.000Z',
    transaction,
  });
  assert.equal(packet, PACKET);

  const bytes = Buffer.from(packet, 'base64url');
  assert.equal(bytes.length, 687);
  assert.equal(
    bytes.subarray(0, 75).toString('hex'),
    [
      '0c',
      '8202ab',
      '0000000000002742',
      '3230333030313031303030303030303030',
      '9bd50357adc919e155ab11c6bd496c1de0f8e42a731a26aa3a284d59993abb29',
      '0a',
      '672e6d6f6a616c6f6f70',
      '820264',
    ].join(''),
  );

  const decoded = decodeIlpPacket(packet);
  assert.equal(decoded.amount, '10050');
  assert.equal(decoded.destination, 'g.mojaloop');
  assert.equal(decoded.condition, 'm9UDV63JGeFVqxHGvUlsHeD45CpzGiaqOihNWZk6uyk');
  assert.equal(decoded.expiresAt.toISOString(), '2030-01-01T00:00:00.000Z');
  assert.deepEqual(decoded.transaction, JSON.parse(TX_JSON));
});

test('minor units follow the currency exponent and refuse inexact amounts', () => {
  assert.equal(toMinorUnits('10', 'USD'), '1000');
  assert.equal(toMinorUnits('1.234', 'BHD'), '1234');
  assert.equal(toMinorUnits('500', 'XOF'), '500');
  assert.throws(() => toMinorUnits('10.123', 'USD'));
  assert.throws(() => toMinorUnits('1.5', 'XOF'));
});
