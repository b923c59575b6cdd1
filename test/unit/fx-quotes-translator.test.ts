/**
 * FX agreement translators (docs/fx.md, docs/iso20022-mapping.md "FX quotes"): FSPIOP v2.0 fxQuotes <-> canonical
 * pacs.091/092 <-> Mojaloop ISO 20022 JSON, on fixed cases; every rendered body is checked against the api-snippets
 * schemas the edge validates with. Also the v2.0 currency fields of quotes (converter, currencyConversion, the payer's
 * supportedCurrencies) through both dialects.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FspiopError } from '../../schemas/errors.js';
import { validateFspiopBody, validateIsoJsonBody } from '../../schemas/fspiop/validators.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import {
  fxQuoteRequestFromCanonical,
  fxQuoteRequestToCanonical,
  fxQuoteResponseFromCanonical,
  fxQuoteResponseToCanonical,
  type FspiopFxQuoteRequest,
  type FspiopFxQuoteResponse,
} from '../../translators/fspiop/fx-quotes.js';
import { quoteRequestFromCanonical, quoteRequestToCanonical, type FspiopQuoteRequest } from '../../translators/fspiop/quotes.js';
import {
  isoFxQuoteRequestFromCanonical,
  isoFxQuoteRequestToCanonical,
  isoFxQuoteResponseFromCanonical,
  isoFxQuoteResponseToCanonical,
} from '../../translators/isojson/fx-quotes.js';
import { isoQuoteRequestFromCanonical, isoQuoteRequestToCanonical } from '../../translators/isojson/quotes.js';

const AT = '2026-12-07T12:00:00.000Z';
const fixed = { newMsgId: () => '01JBVM1D2MR6D4WBWWYY3ZHGMM', now: () => AT };
const ID = '01JBVM19DFKNRWC21FGJNTHRAT';
const CONDITION = 'GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM';

function request(o: Partial<FspiopFxQuoteRequest['conversionTerms']> = {}): FspiopFxQuoteRequest {
  return {
    conversionRequestId: ID,
    conversionTerms: {
      conversionId: '01JBVM13SQYP507JB1DYBZVCMF',
      determiningTransferId: '01JBVM13SQYP507JB1DYBZVCMA',
      initiatingFsp: 'payer-dfsp',
      counterPartyFsp: 'fxp-1',
      amountType: 'SEND',
      sourceAmount: { currency: 'USD', amount: '100.5' },
      targetAmount: { currency: 'ZMW' },
      expiration: '2026-12-07T12:01:00.000Z',
      ...o,
    },
  };
}

function response(o: Partial<FspiopFxQuoteResponse['conversionTerms']> = {}): FspiopFxQuoteResponse {
  return { condition: CONDITION, conversionTerms: { ...request().conversionTerms, targetAmount: { currency: 'ZMW', amount: '2649.18' }, ...o } };
}

const refused = (pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof TranslationError, `expected a TranslationError, got ${String(e)}`);
  assert.match(e.message, pattern);
  return true;
};

test('POST /fxQuotes: FSPIOP -> canonical pacs.091 -> FSPIOP is lossless (charges and extensions included)', () => {
  const body = request({
    charges: [{ chargeType: 'conversion fee', sourceAmount: { currency: 'USD', amount: '0.5' } }],
    extensionList: { extension: [{ key: 'channel', value: 'app' }] },
  });
  assert.equal(validateFspiopBody('2.0', 'POST', '/fxQuotes', body), null);
  const canonical = fxQuoteRequestToCanonical(body, AT);
  assert.equal(canonical.CdtTrfTxInf.PmtId.TxId, ID);
  assert.equal(canonical.CdtTrfTxInf.Dbtr.FinInstnId.Othr?.Id, 'payer-dfsp');
  assert.equal(canonical.CdtTrfTxInf.Cdtr.FinInstnId.Othr?.Id, 'fxp-1');
  assert.equal(canonical.CdtTrfTxInf.UndrlygCstmrCdtTrf.InstdAmt.units, 10_050_000n, 'source amount held exactly (10^-5 units)');
  assert.equal(canonical.CdtTrfTxInf.IntrBkSttlmAmt.units, undefined, 'the open side has no amount');
  assert.deepEqual(fxQuoteRequestFromCanonical(canonical), body);
});

test('PUT /fxQuotes: FSPIOP -> canonical pacs.092 -> FSPIOP is lossless; the condition is Sh256Sgntr', () => {
  const body = response({ charges: [{ chargeType: 'fee', targetAmount: { currency: 'ZMW', amount: '10' } }] });
  assert.equal(validateFspiopBody('2.0', 'PUT', '/fxQuotes/{ID}', body), null);
  const canonical = fxQuoteResponseToCanonical(ID, body, AT);
  assert.equal(canonical.CdtTrfTxInf.VrfctnOfTerms?.Sh256Sgntr, CONDITION);
  assert.deepEqual(fxQuoteResponseFromCanonical(canonical), body);
});

test('pacs.091: rendered as Mojaloop maps it (§3.5), valid against the api-snippets schema, and read back to the same terms', () => {
  const body = request();
  const iso = isoFxQuoteRequestFromCanonical(fxQuoteRequestToCanonical(body, AT), fixed);
  assert.equal(validateIsoJsonBody('POST', '/fxQuotes', iso), null);
  const tx = iso.CdtTrfTxInf;
  assert.deepEqual(tx.PmtId, { TxId: ID, InstrId: '01JBVM13SQYP507JB1DYBZVCMF', EndToEndId: '01JBVM13SQYP507JB1DYBZVCMA' });
  assert.deepEqual(tx.UndrlygCstmrCdtTrf?.InstdAmt, { ActiveOrHistoricCurrencyAndAmount: '100.5', Ccy: 'USD' });
  assert.deepEqual(tx.IntrBkSttlmAmt, { ActiveCurrencyAndAmount: '0', Ccy: 'ZMW' }, 'the open target amount is written "0", as Mojaloop does');
  assert.deepEqual(tx.Dbtr, { FinInstnId: { Othr: { Id: 'payer-dfsp' } } });
  assert.deepEqual(tx.Cdtr, { FinInstnId: { Othr: { Id: 'fxp-1' } } });
  assert.deepEqual(tx.InstrForCdtrAgt, { InstrInf: 'SEND' });
  assert.equal(iso.GrpHdr.PmtInstrXpryDtTm, body.conversionTerms.expiration);
  assert.deepEqual(fxQuoteRequestFromCanonical(isoFxQuoteRequestToCanonical(iso)), body);
});

test('pacs.092: valid against the schema, condition in VrfctnOfTerms, read back to the same terms; its TxId must be the path id', () => {
  const body = response();
  const iso = isoFxQuoteResponseFromCanonical(fxQuoteResponseToCanonical(ID, body, AT), fixed);
  assert.equal(validateIsoJsonBody('PUT', '/fxQuotes/{ID}', iso), null);
  assert.deepEqual(iso.CdtTrfTxInf.VrfctnOfTerms, { Sh256Sgntr: CONDITION });
  assert.deepEqual(iso.CdtTrfTxInf.IntrBkSttlmAmt, { ActiveCurrencyAndAmount: '2649.18', Ccy: 'ZMW' });
  assert.deepEqual(fxQuoteResponseFromCanonical(isoFxQuoteResponseToCanonical(ID, iso)), body);
  assert.throws(() => isoFxQuoteResponseToCanonical('01JBVM19DFKNRWC21FGJNTHRAB', iso), refused(/differs from the conversion request id in the path/));
});

test('ISO JSON FX messages have no place for charges or extensions: refused naming them, never dropped silently', () => {
  const charged = response({ charges: [{ chargeType: 'fee', targetAmount: { currency: 'ZMW', amount: '10' } }] });
  assert.throws(() => isoFxQuoteResponseFromCanonical(fxQuoteResponseToCanonical(ID, charged, AT), fixed), refused(/conversionTerms\.charges/));
  const extended = request({ extensionList: { extension: [{ key: 'k', value: 'v' }] } });
  assert.throws(() => isoFxQuoteRequestFromCanonical(fxQuoteRequestToCanonical(extended, AT), fixed), refused(/conversionTerms\.extensionList/));
  const left: string[][] = [];
  const lenient = isoFxQuoteResponseFromCanonical(fxQuoteResponseToCanonical(ID, charged, AT), { ...fixed, onUncarried: (f) => left.push(f) });
  assert.equal(validateIsoJsonBody('PUT', '/fxQuotes/{ID}', lenient), null);
  assert.equal(left.length, 1, 'the caller that opts in is told what was left out');
});

test('ids the ISO JSON dialect cannot carry (not ULIDs) and amounts it cannot hold exactly are refused', () => {
  const uuid = { ...request(), conversionRequestId: 'b51ec534-ee48-4575-b6a9-ead2955b8069' };
  assert.throws(() => isoFxQuoteRequestFromCanonical(fxQuoteRequestToCanonical(uuid, AT), fixed), refused(/is not a ULID/));
  // FSPIOP allows 4 decimals, so a 5th never reaches a canonical FSPIOP message; ISO allows 5: a 6th is refused on read.
  const iso = isoFxQuoteRequestFromCanonical(fxQuoteRequestToCanonical(request(), AT), fixed);
  const six = structuredClone(iso);
  six.CdtTrfTxInf.UndrlygCstmrCdtTrf!.InstdAmt!.ActiveOrHistoricCurrencyAndAmount = '1.123456';
  assert.throws(() => isoFxQuoteRequestToCanonical(six), refused(/more than 5 decimal places/));
  const five = structuredClone(iso);
  five.CdtTrfTxInf.UndrlygCstmrCdtTrf!.InstdAmt!.ActiveOrHistoricCurrencyAndAmount = '1.12345';
  assert.throws(() => fxQuoteRequestFromCanonical(isoFxQuoteRequestToCanonical(five)), refused(/5 decimal places, FSPIOP allows 4/));
});

test('ISO JSON elements outside the profile are carried, not lost: back in ISO JSON, and in FSPIOP as the iso:elements extension', () => {
  const iso = isoFxQuoteRequestFromCanonical(fxQuoteRequestToCanonical(request(), AT), fixed) as unknown as Record<string, any>;
  iso.CdtTrfTxInf.Purp = { Prtry: 'TRADE' };
  const canonical = isoFxQuoteRequestToCanonical(iso as never);
  assert.deepEqual(canonical.CdtTrfTxInf.SplmtryData?.iso, { 'CdtTrfTxInf.Purp': { Prtry: 'TRADE' } });
  const again = isoFxQuoteRequestFromCanonical(canonical, fixed) as unknown as Record<string, any>;
  assert.deepEqual(again.CdtTrfTxInf.Purp, { Prtry: 'TRADE' });
  const fspiop = fxQuoteRequestFromCanonical(canonical);
  assert.equal(validateFspiopBody('2.0', 'POST', '/fxQuotes', fspiop), null);
  assert.deepEqual(fxQuoteRequestToCanonical(fspiop, AT).CdtTrfTxInf.SplmtryData?.iso, { 'CdtTrfTxInf.Purp': { Prtry: 'TRADE' } });
});

test('v2.0 quotes: converter, currencyConversion and the payer supportedCurrencies pass FSPIOP -> canonical -> FSPIOP and ISO JSON untouched', () => {
  const body: FspiopQuoteRequest = {
    quoteId: ID,
    transactionId: '01JBVM13SQYP507JB1DYBZVCMF',
    payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '260971234567', fspId: 'payee-dfsp' }, supportedCurrencies: ['ZMW'] },
    payer: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '16135551212', fspId: 'payer-dfsp' }, supportedCurrencies: ['USD', 'ZMW'] },
    amountType: 'SEND',
    amount: { currency: 'ZMW', amount: '2649.18' },
    transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
    converter: 'PAYER',
    currencyConversion: { sourceAmount: { currency: 'USD', amount: '100.5' }, targetAmount: { currency: 'ZMW', amount: '2649.18' } },
    expiration: '2026-12-07T12:01:00.000Z',
  };
  assert.equal(validateFspiopBody('2.0', 'POST', '/quotes', body), null, 'the v2.0 schema takes the currency fields');
  const canonical = quoteRequestToCanonical(body, 'payer-dfsp', 'payee-dfsp', AT);
  assert.equal(canonical.CdtTrfTxInf.SplmtryData?.converter, 'PAYER');
  assert.deepEqual(canonical.CdtTrfTxInf.DbtrAcct, { Ccys: ['USD', 'ZMW'] });
  assert.deepEqual(quoteRequestFromCanonical(canonical), body);
  const iso = isoQuoteRequestFromCanonical(canonical, fixed);
  assert.equal(validateIsoJsonBody('POST', '/quotes', iso), null);
  const envelope = iso.CdtTrfTxInf.SplmtryData?.Envlp as Record<string, unknown>;
  assert.equal(envelope.converter, 'PAYER', 'converter travels in supplementary data (no pacs.081 element)');
  assert.ok(envelope.currencyConversion !== undefined, 'currencyConversion travels in supplementary data');
  assert.deepEqual(quoteRequestFromCanonical(isoQuoteRequestToCanonical(iso)), body);
});

test('any JSON on the FX body routes: a 3100-3103 schema issue, or a body that translates or is refused with an FSPIOP error — never a throw of anything else', () => {
  const routes: Array<['POST' | 'PUT', string]> = [
    ['POST', '/fxQuotes'],
    ['PUT', '/fxQuotes/{ID}'],
    ['PUT', '/fxQuotes/{ID}/error'],
  ];
  const valid = [request(), response()];
  const isoValid = [
    isoFxQuoteRequestFromCanonical(fxQuoteRequestToCanonical(request(), AT), fixed),
    isoFxQuoteResponseFromCanonical(fxQuoteResponseToCanonical(ID, response(), AT), fixed),
  ];
  // Mutations of valid bodies reach the translators far more often than random JSON does.
  const mutated = (bodies: unknown[]) =>
    fc
      .tuple(fc.constantFrom(...bodies), fc.array(fc.tuple(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })), { maxLength: 3 }))
      .map(([body, edits]) => {
        const copy = structuredClone(body) as Record<string, any>;
        for (const [key, value] of edits) {
          const inner = copy.conversionTerms ?? copy.CdtTrfTxInf;
          const target = key.length % 2 === 0 || !inner || typeof inner !== 'object' ? copy : (inner as Record<string, unknown>);
          const keys = Object.keys(target);
          target[keys.length > 0 && key.length > 0 ? keys[key.charCodeAt(0) % keys.length]! : key] = value;
        }
        return copy;
      });
  const translate = (method: 'POST' | 'PUT', route: string, body: unknown, iso: boolean) => {
    try {
      if (route.endsWith('/error')) return;
      if (iso) {
        if (method === 'POST') isoFxQuoteRequestToCanonical(body as never);
        else isoFxQuoteResponseToCanonical(ID, body as never);
      } else if (method === 'POST') fxQuoteRequestToCanonical(body as FspiopFxQuoteRequest, AT);
      else fxQuoteResponseToCanonical(ID, body as FspiopFxQuoteResponse, AT);
    } catch (err) {
      assert.ok(err instanceof FspiopError, `only FSPIOP errors may come out of a translator, got ${String(err)}`);
    }
  };
  fc.assert(
    fc.property(fc.constantFrom(...routes), fc.oneof(fc.jsonValue({ maxDepth: 4 }), mutated(valid), mutated(isoValid)), ([method, route], value) => {
      for (const iso of [false, true]) {
        const issue = iso ? validateIsoJsonBody(method, route, value) : validateFspiopBody('2.0', method, route, value);
        if (issue !== null) assert.ok(['3100', '3101', '3102', '3103'].includes(issue.code), JSON.stringify(issue));
        else translate(method, route, value, iso);
      }
    }),
    { numRuns: 1500 },
  );
});
