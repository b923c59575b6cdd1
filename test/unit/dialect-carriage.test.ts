/**
 * What one dialect has no element for travels in the other's carrier instead of refusing the payment
 * (docs/iso20022-mapping.md §5): ISO 20022 data without an FSPIOP member rides in the FSPIOP extension list
 * (`iso:<name>` items), FSPIOP data without an ISO element in Mizani's supplementary data.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateFspiopBody, validateIsoJsonBody } from '../../schemas/fspiop/validators.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { quoteRequestFromCanonical, quoteRequestToCanonical, quoteResponseFromCanonical, quoteResponseToCanonical } from '../../translators/fspiop/quotes.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import { prepareFromCanonical, prepareToCanonical } from '../../translators/fspiop/transfers.js';
import { isoTransferFromCanonical, isoTransferToCanonical } from '../../translators/isojson/transfers.js';
import {
  isoQuoteRequestFromCanonical,
  isoQuoteRequestToCanonical,
  isoQuoteResponseFromCanonical,
  isoQuoteResponseToCanonical,
  type IsoTermsMessage,
} from '../../translators/isojson/quotes.js';
import { ilpV4Packet, plain } from './translator-arbitraries.js';
import { createHash } from 'node:crypto';
import { isoUnits } from '../../schemas/amount.js';

const FULFILMENT = Buffer.alloc(32, 7);
const CONDITION = createHash('sha256').update(FULFILMENT).digest();
const PACKET = ilpV4Packet(CONDITION, 10000n, 'g.mizani.payee', Buffer.from('x'));
const AT = '2026-12-06T10:00:00.000Z';
const fixed = { newMsgId: () => '01K00000000000000000000001', now: () => AT };
const agent = (id: string) => ({ FinInstnId: { Othr: { Id: id } } });
const amount = (value: string, ccy = 'USD') => ({ ActiveOrHistoricCurrencyAndAmount: value, Ccy: ccy });

/** A pacs.081 an ISO JSON payer sends, with a commission in ChrgsInf and a second charge in Mizani's envelope. */
function isoQuoteRequest(): IsoTermsMessage {
  return {
    GrpHdr: { MsgId: '01K00000000000000000000009', CreDtTm: AT, NbOfTxs: '1', SttlmInf: { SttlmMtd: 'INDA' }, PmtInstrXpryDtTm: '2026-12-06T10:01:00.000Z' },
    CdtTrfTxInf: {
      PmtId: { TxId: '01JBVM19DFKNRWC21FGJNTHRAT', EndToEndId: '01JBVM13SQYP507JB1DYBZVCMF' },
      IntrBkSttlmAmt: { ActiveCurrencyAndAmount: '100', Ccy: 'USD' },
      ChrgBr: 'CRED',
      ChrgsInf: { Amt: amount('0.3'), Agt: agent('payer-dfsp'), Tp: { Cd: 'COMM' } },
      Dbtr: { Id: { PrvtId: { Othr: { SchmeNm: { Prtry: 'MSISDN' }, Id: '265999000001' } } } },
      DbtrAgt: agent('payer-dfsp'),
      CdtrAgt: agent('payee-dfsp'),
      Cdtr: { Id: { PrvtId: { Othr: { SchmeNm: { Prtry: 'MSISDN' }, Id: '265999000002' } } } },
      Purp: { Prtry: 'TRANSFER' },
      SplmtryData: { PlcAndNm: 'Mizani/FSPIOP', Envlp: { ChrgsInf: [{ Amt: amount('1'), Agt: agent('payer-dfsp') }] } },
    },
  };
}

test('ISO → FSPIOP: a commission and the settlement method have no FSPIOP member in POST /quotes: they ride in the extension list', () => {
  const iso = isoQuoteRequest();
  assert.equal(validateIsoJsonBody('POST', '/quotes', iso), null);
  const canonical = isoQuoteRequestToCanonical(iso);
  const fspiop = quoteRequestFromCanonical(canonical);
  assert.equal(validateFspiopBody('2.0', 'POST', '/quotes', fspiop), null);
  assert.deepEqual(fspiop.fees, { currency: 'USD', amount: '1' }, 'the fee taken by the payer FSP is FSPIOP fees');
  const carried = fspiop.extensionList!.extension;
  assert.deepEqual(
    carried.map((e) => e.key),
    ['iso:ChrgsInf', 'iso:SttlmMtd'],
  );
  assert.deepEqual(JSON.parse(carried[0]!.value), [{ Amt: '0.3', Ccy: 'USD', Agt: agent('payer-dfsp'), Tp: { Cd: 'COMM' } }]);
  // ... and come back: FSPIOP -> canonical -> ISO JSON names the same charges and method.
  const again = isoQuoteRequestFromCanonical(quoteRequestToCanonical(fspiop, 'payer-dfsp', 'payee-dfsp', AT), fixed);
  assert.equal(again.GrpHdr.SttlmInf.SttlmMtd, 'INDA');
  const charges = (c: IsoTermsMessage) => [c.CdtTrfTxInf.ChrgsInf, ...((c.CdtTrfTxInf.SplmtryData?.Envlp.ChrgsInf as unknown[]) ?? [])];
  assert.deepEqual(new Set(charges(again).map((c) => JSON.stringify(plain(c)))), new Set(charges(iso).map((c) => JSON.stringify(plain(c)))));
  assert.equal(again.CdtTrfTxInf.SplmtryData?.Envlp.extensions, undefined, 'the carrier items are not the payer’s extensions');
});

test('ISO → FSPIOP: PUT /quotes keeps fee and commission as members and carries a third charge', () => {
  const iso: IsoTermsMessage = {
    GrpHdr: { MsgId: '01K00000000000000000000009', CreDtTm: AT, NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' }, PmtInstrXpryDtTm: '2026-12-06T10:01:00.000Z' },
    CdtTrfTxInf: {
      PmtId: { TxId: '01JBVM19DFKNRWC21FGJNTHRAT' },
      IntrBkSttlmAmt: { ActiveCurrencyAndAmount: '100', Ccy: 'USD' },
      ChrgBr: 'CRED',
      ChrgsInf: { Amt: amount('2'), Agt: agent('payee-dfsp') },
      Dbtr: { Id: { OrgId: { Othr: { Id: 'payer-dfsp' } } } },
      DbtrAgt: agent('payer-dfsp'),
      CdtrAgt: agent('payee-dfsp'),
      Cdtr: { Id: { OrgId: { Othr: { Id: 'payee-dfsp' } } } },
      VrfctnOfTerms: { IlpV4PrepPacket: PACKET },
      SplmtryData: {
        PlcAndNm: 'Mizani/FSPIOP',
        Envlp: {
          ChrgsInf: [
            { Amt: amount('0.5'), Agt: agent('payee-dfsp'), Tp: { Cd: 'COMM' } },
            { Amt: amount('0.1'), Agt: agent('payee-dfsp'), Tp: { Cd: 'TAXS' } },
          ],
        },
      },
    },
  };
  assert.equal(validateIsoJsonBody('PUT', '/quotes/{ID}', iso), null);
  const fspiop = quoteResponseFromCanonical(isoQuoteResponseToCanonical('01JBVM19DFKNRWC21FGJNTHRAT', iso));
  assert.equal(validateFspiopBody('2.0', 'PUT', '/quotes/{ID}', fspiop), null);
  assert.deepEqual(fspiop.payeeFspFee, { currency: 'USD', amount: '2' });
  assert.deepEqual(fspiop.payeeFspCommission, { currency: 'USD', amount: '0.5' });
  assert.deepEqual(JSON.parse(fspiop.extensionList!.extension[0]!.value), [{ Amt: '0.1', Ccy: 'USD', Agt: agent('payee-dfsp'), Tp: { Cd: 'TAXS' } }]);
  const back = isoQuoteResponseFromCanonical(
    quoteResponseToCanonical('01JBVM19DFKNRWC21FGJNTHRAT', fspiop, AT, { payer: 'payer-dfsp', payee: 'payee-dfsp' }),
    fixed,
  );
  assert.deepEqual(plain(back.CdtTrfTxInf.ChrgsInf), plain(iso.CdtTrfTxInf.ChrgsInf));
  assert.deepEqual(plain(back.CdtTrfTxInf.SplmtryData), plain(iso.CdtTrfTxInf.SplmtryData));
});

test('the carrier never drops: when FSPIOP’s 16 extension items cannot hold it all, the message is refused naming why', () => {
  const iso = isoQuoteRequest();
  const many = Array.from({ length: 30 }, () => ({ Amt: amount('1'), Agt: agent('a-payer-dfsp-with-a-long-id-0001'), Tp: { Cd: 'COMM' } }));
  iso.CdtTrfTxInf.SplmtryData = { PlcAndNm: 'Mizani/FSPIOP', Envlp: { ChrgsInf: many } };
  const canonical = isoQuoteRequestToCanonical(iso);
  assert.throws(
    () => quoteRequestFromCanonical(canonical),
    (e: unknown) => e instanceof TranslationError && /FSPIOP allows 16/.test(e.message),
  );
});

test('an extension item under the carrier prefix that is not Mizani’s JSON is refused precisely', () => {
  const body = quoteRequestFromCanonical(isoQuoteRequestToCanonical(isoQuoteRequest()));
  body.extensionList!.extension[0]!.value = '{not json';
  assert.throws(
    () => quoteRequestToCanonical(body, 'payer-dfsp', 'payee-dfsp', AT),
    (e: unknown) => e instanceof TranslationError && /iso:ChrgsInf/.test(e.message),
  );
});

test('a bank’s pacs.008 (UETR, end-to-end id, SLEV, accounts, purpose, remittance, routing number) reaches an FSPIOP payee’s POST /transfers in iso: items, and an ISO JSON payee’s in its envelope', () => {
  const canonical: Pacs008 = {
    GrpHdr: { MsgId: 'B1', CreDtTm: AT, NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' }, PmtInstrXpryDtTm: '2026-12-06T10:01:00.000Z' },
    CdtTrfTxInf: {
      PmtId: { TxId: '01JBVM13SQYP507JB1DYBZVCMF', EndToEndId: 'E2E-20261206-0001', UETR: '9e3c8a7e-2d6b-4d3c-9a1f-5b8e7c6d5a4b' },
      IntrBkSttlmAmt: { currency: 'USD', units: isoUnits(10_000_000n) },
      ChrgBr: 'SLEV',
      DbtrAcct: { Id: { Othr: { Id: '000123456789' } } },
      InstgAgt: { FinInstnId: { ClrSysMmbId: { ClrSysId: { Cd: 'USABA' }, MmbId: '021000021' } } },
      Purp: { Cd: 'SALA' },
      RmtInf: { Ustrd: ['Invoice 2026-117', 'December salary'] },
      DbtrAgt: agent('bank-a'),
      CdtrAgt: agent('wallet-b'),
      ExctnCond: CONDITION.toString('base64url'),
      VrfctnOfTerms: { IlpV4PrepPacket: PACKET },
    },
  };
  const fspiop = prepareFromCanonical(canonical);
  assert.equal(validateFspiopBody('2.0', 'POST', '/transfers', fspiop), null);
  assert.deepEqual(
    fspiop.extensionList!.extension.map((e) => e.key),
    ['iso:PmtId', 'iso:ChrgBr', 'iso:DbtrAcct', 'iso:Purp', 'iso:RmtInf', 'iso:InstgAgt'],
  );
  assert.deepEqual(prepareToCanonical(fspiop, AT).CdtTrfTxInf, canonical.CdtTrfTxInf);
  const iso = isoTransferFromCanonical(canonical, fixed);
  assert.equal(validateIsoJsonBody('POST', '/transfers', iso), null);
  assert.equal(iso.CdtTrfTxInf.ChrgBr, 'SHAR');
  assert.deepEqual(iso.CdtTrfTxInf.PmtId, { TxId: '01JBVM13SQYP507JB1DYBZVCMF', UETR: '9e3c8a7e-2d6b-4d3c-9a1f-5b8e7c6d5a4b' });
  assert.deepEqual(iso.CdtTrfTxInf.Purp, { Cd: 'SALA' });
  assert.deepEqual(iso.CdtTrfTxInf.SplmtryData?.Envlp, {
    PmtId: { EndToEndId: 'E2E-20261206-0001' },
    DbtrAcct: { Id: { Othr: { Id: '000123456789' } } },
    ChrgBr: 'SLEV',
    InstgAgt: { FinInstnId: { ClrSysMmbId: { ClrSysId: { Cd: 'USABA' }, MmbId: '021000021' } } },
    RmtInf: { Ustrd: ['Invoice 2026-117', 'December salary'] },
  });
  const back = isoTransferToCanonical(iso);
  assert.deepEqual(back.CdtTrfTxInf.InstgAgt, canonical.CdtTrfTxInf.InstgAgt);
  assert.deepEqual(back.CdtTrfTxInf.RmtInf, canonical.CdtTrfTxInf.RmtInf);
  assert.deepEqual(back.CdtTrfTxInf.Purp, canonical.CdtTrfTxInf.Purp);
  assert.deepEqual(back.CdtTrfTxInf.PmtId, canonical.CdtTrfTxInf.PmtId);
  assert.equal(back.CdtTrfTxInf.ChrgBr, 'SLEV');
  assert.deepEqual(back.CdtTrfTxInf.DbtrAcct, { Id: { Othr: { Id: '000123456789' } } });
});
