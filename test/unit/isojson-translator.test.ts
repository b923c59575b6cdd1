/**
 * The Mojaloop ISO 20022 JSON dialect translators on fixed cases: the MPD / contract examples, ULID enforcement,
 * exactness refusals, the Max105Text description, names, supplementary data and what the dialect cannot carry.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { validateIsoJsonBody } from '../../schemas/fspiop/validators.js';
import { TranslationError, isoAmountFit } from '../../schemas/iso/translation.js';
import { conditionFromIlpV4Packet } from '../../schemas/iso/ilp.js';
import { partiesErrorFromCanonical, partiesPutFromCanonical, partiesPutToCanonical } from '../../translators/fspiop/parties.js';
import {
  quoteRequestFromCanonical,
  quoteRequestToCanonical,
  quoteResponseFromCanonical,
  quoteResponseToCanonical,
  type FspiopQuoteRequest,
  type FspiopQuoteResponse,
} from '../../translators/fspiop/quotes.js';
import {
  errorFromCanonical,
  errorToCanonical,
  patchFromCanonical,
  prepareFromCanonical,
  prepareToCanonical,
  statusFromCanonical,
} from '../../translators/fspiop/transfers.js';
import { composeName, splitName } from '../../translators/isojson/common.js';
import { isoPartyReportFromCanonical, isoPartyReportToCanonical, type IsoAcmt024 } from '../../translators/isojson/parties.js';
import {
  isoQuoteRequestFromCanonical,
  isoQuoteRequestToCanonical,
  isoQuoteResponseFromCanonical,
  isoQuoteResponseToCanonical,
  type IsoTermsMessage,
} from '../../translators/isojson/quotes.js';
import {
  isoStatusFromCanonical,
  isoStatusToCanonical,
  isoTransferFromCanonical,
  isoTransferToCanonical,
  type IsoPacs008,
} from '../../translators/isojson/transfers.js';
import { ilpV4Packet, plain } from './translator-arbitraries.js';
import { isoUnits } from '../../schemas/amount.js';

const AT = '2024-11-04T12:57:45.812Z';
const FULFILMENT = Buffer.alloc(32, 7);
const CONDITION = createHash('sha256').update(FULFILMENT).digest();
const PACKET = ilpV4Packet(CONDITION, 1080n, 'g.payee-dfsp.msisdn.16665551002', Buffer.from('{}'));
const fixed = { newMsgId: () => '01JBVM1D2MR6D4WBWWYY3ZHGMM', now: () => AT };

const refused =
  (pattern: RegExp, code = '3100') =>
  (e: unknown) => {
    assert.ok(e instanceof TranslationError, `expected a TranslationError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  };

// ------------------------------------------------------------------------------------------------ MPD / contract examples

test('MPD PUT /transfers (RESV + ExctnConf), PATCH (COMM) and error examples read as FSPIOP', () => {
  const id = '01JBVM13SQYP507JB1DYBZVCMF';
  const put = {
    GrpHdr: { MsgId: '01JBVM1E4B1N6Z1Q7N2M2Y5J7X', CreDtTm: AT },
    TxInfAndSts: { ExctnConf: FULFILMENT.toString('base64url'), PrcgDt: { DtTm: AT }, TxSts: 'RESV' as const },
  };
  assert.equal(validateIsoJsonBody('PUT', '/transfers/{ID}', put), null);
  assert.deepEqual(statusFromCanonical(isoStatusToCanonical(id, put)), {
    transferState: 'RESERVED',
    fulfilment: FULFILMENT.toString('base64url'),
    completedTimestamp: AT,
  });
  const patch = { GrpHdr: { MsgId: '01JBVM1E4B1N6Z1Q7N2M2Y5J7Y', CreDtTm: AT }, TxInfAndSts: { PrcgDt: { DtTm: AT }, TxSts: 'COMM' as const } };
  assert.equal(validateIsoJsonBody('PATCH', '/transfers/{ID}', patch), null);
  assert.deepEqual(patchFromCanonical(isoStatusToCanonical(id, patch)), { completedTimestamp: AT, transferState: 'COMMITTED' });
  const error = { GrpHdr: { MsgId: '01JBVM1E4B1N6Z1Q7N2M2Y5J7Z', CreDtTm: AT }, TxInfAndSts: { StsRsnInf: { Rsn: { Prtry: '4001' } } } };
  assert.equal(validateIsoJsonBody('PUT', '/transfers/{ID}/error', error), null);
  assert.deepEqual(errorFromCanonical(isoStatusToCanonical(id, error)), {
    errorInformation: { errorCode: '4001', errorDescription: 'Payer FSP insufficient liquidity' },
  });
  // the MPD prose puts the code in Rsn.Cd: read it too
  const cd = { ...error, TxInfAndSts: { StsRsnInf: { Rsn: { Cd: '5101' }, AddtlInf: 'Payee rejected quote' } } };
  assert.deepEqual(errorFromCanonical(isoStatusToCanonical(id, cd)), { errorInformation: { errorCode: '5101', errorDescription: 'Payee rejected quote' } });
  // FSPIOP -> ISO writes the MPD form: Prtry, no OrgnlTxId
  const rendered = isoStatusFromCanonical(
    errorToCanonical(id, { errorInformation: { errorCode: '4001', errorDescription: 'Payer FSP insufficient liquidity' } }, AT),
    fixed,
  );
  assert.deepEqual(rendered, {
    GrpHdr: { MsgId: '01JBVM1D2MR6D4WBWWYY3ZHGMM', CreDtTm: AT },
    TxInfAndSts: { StsRsnInf: { Rsn: { Prtry: '4001' }, AddtlInf: 'Payer FSP insufficient liquidity' } },
  });
});

/** MPD §7.7 / POST /transfers examples, with the packet made real and `Name` (refused by the schema) as `Nm`. */
const mpdTransfer = (): IsoPacs008 => ({
  GrpHdr: {
    MsgId: '01JBVM1D2MR6D4WBWWYY3ZHGMM',
    CreDtTm: '2024-11-04T12:57:45.812Z',
    NbOfTxs: '1',
    SttlmInf: { SttlmMtd: 'CLRG' },
    PmtInstrXpryDtTm: '2024-11-04T12:58:45.810Z',
  },
  CdtTrfTxInf: {
    PmtId: { TxId: '01JBVM13SQYP507JB1DYBZVCMF' },
    ChrgBr: 'CRED',
    Cdtr: { Id: { PrvtId: { Othr: { SchmeNm: { Prtry: 'MSISDN' }, Id: '16665551002' } } } },
    Dbtr: { Id: { PrvtId: { Othr: { SchmeNm: { Prtry: 'MSISDN' }, Id: '16135551001' } } }, Nm: 'Joe Blogs' },
    CdtrAgt: { FinInstnId: { Othr: { Id: 'payee-dfsp' } } },
    DbtrAgt: { FinInstnId: { Othr: { Id: 'payer-dfsp' } } },
    IntrBkSttlmAmt: { Ccy: 'MWK', ActiveCurrencyAndAmount: '1080' },
    VrfctnOfTerms: { IlpV4PrepPacket: PACKET },
  },
});

test('MPD pacs.008 example -> POST /transfers FSPIOP (condition derived from the ILP v4 packet)', () => {
  const body = mpdTransfer();
  const withName = plain(body) as unknown as { CdtTrfTxInf: Record<string, Record<string, unknown>> };
  withName.CdtTrfTxInf.Dbtr!.Name = 'Joe Blogs';
  assert.equal(validateIsoJsonBody('POST', '/transfers', withName)?.code, '3103', 'the MPD text’s "Name" is not in the schema');
  assert.equal(validateIsoJsonBody('POST', '/transfers', body), null);
  const canonical = isoTransferToCanonical(body);
  assert.deepEqual(prepareFromCanonical(canonical), {
    transferId: '01JBVM13SQYP507JB1DYBZVCMF',
    payeeFsp: 'payee-dfsp',
    payerFsp: 'payer-dfsp',
    amount: { currency: 'MWK', amount: '1080' },
    ilpPacket: PACKET,
    condition: CONDITION.toString('base64url'),
    expiration: '2024-11-04T12:58:45.810Z',
  });
  // a plain Nm is read as the first name (Mojaloop), re-written in the four-part form
  assert.deepEqual(canonical.CdtTrfTxInf.SplmtryData?.Dbtr, { personalInfo: { complexName: { firstName: 'Joe Blogs' } } });
  assert.equal(isoTransferFromCanonical(canonical, fixed).CdtTrfTxInf.Dbtr.Nm, 'Joe Blogs;;;');
});

test('MPD pacs.081 example -> POST /quotes FSPIOP (ChrgBr CRED = SEND; initiator inferred as Mojaloop does)', () => {
  const body: IsoTermsMessage = {
    GrpHdr: {
      MsgId: '01JBVM19DJQ96BS9X6VA5AMW2Y',
      CreDtTm: '2024-11-04T12:57:42.066Z',
      NbOfTxs: '1',
      PmtInstrXpryDtTm: '2024-11-04T12:58:42.063Z',
      SttlmInf: { SttlmMtd: 'CLRG' },
    },
    CdtTrfTxInf: {
      PmtId: { TxId: '01JBVM19DFKNRWC21FGJNTHRAT', EndToEndId: '01JBVM13SQYP507JB1DYBZVCMF' },
      Cdtr: { Id: { PrvtId: { Othr: { SchmeNm: { Prtry: 'MSISDN' }, Id: '16665551002' } } } },
      CdtrAgt: { FinInstnId: { Othr: { Id: 'test-mwk-dfsp' } } },
      Dbtr: { Id: { PrvtId: { Othr: { SchmeNm: { Prtry: 'MSISDN' }, Id: '16135551001' } } }, Nm: 'Joe;;Blogs;Joe Blogs' },
      DbtrAgt: { FinInstnId: { Othr: { Id: 'payer-dfsp' } } },
      IntrBkSttlmAmt: { Ccy: 'MWK', ActiveCurrencyAndAmount: '1080' },
      Purp: { Prtry: 'TRANSFER' },
      ChrgBr: 'CRED',
    },
  };
  assert.equal(validateIsoJsonBody('POST', '/quotes', body), null);
  assert.deepEqual(quoteRequestFromCanonical(isoQuoteRequestToCanonical(body)), {
    quoteId: '01JBVM19DFKNRWC21FGJNTHRAT',
    transactionId: '01JBVM13SQYP507JB1DYBZVCMF',
    payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '16665551002', fspId: 'test-mwk-dfsp' } },
    payer: {
      partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '16135551001', fspId: 'payer-dfsp' },
      name: 'Joe Blogs',
      personalInfo: { complexName: { firstName: 'Joe', lastName: 'Blogs' } },
    },
    amountType: 'SEND',
    amount: { currency: 'MWK', amount: '1080' },
    transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
    expiration: '2024-11-04T12:58:42.063Z',
  });
  const debt = structuredClone(body);
  debt.CdtTrfTxInf.ChrgBr = 'DEBT';
  assert.equal(quoteRequestFromCanonical(isoQuoteRequestToCanonical(debt)).amountType, 'RECEIVE');
});

test('acmt.024 error with the code in Rpt.Rsn.Prtry (MPD example) or Rsn.Cd (transformer) reads as FSPIOP', () => {
  const body: IsoAcmt024 = {
    Assgnmt: {
      MsgId: '01JBVM16V3Q4MSV8KTG0BRJGZ2',
      CreDtTm: AT,
      Assgnr: { Agt: { FinInstnId: { Othr: { Id: 'payee-dfsp' } } } },
      Assgne: { Agt: { FinInstnId: { Othr: { Id: 'payer-dfsp' } } } },
    },
    Rpt: { OrgnlId: 'MSISDN/16665551002', Vrfctn: false, Rsn: { Prtry: '3204' } },
  };
  assert.equal(validateIsoJsonBody('PUT', '/parties/{Type}/{ID}/error', body), null);
  const path = { Type: 'MSISDN', ID: '16665551002' };
  assert.deepEqual(partiesErrorFromCanonical(isoPartyReportToCanonical(path, body)), {
    errorInformation: { errorCode: '3204', errorDescription: 'Party not found' },
  });
  body.Rpt.Rsn = { Cd: '3204' };
  assert.equal(partiesErrorFromCanonical(isoPartyReportToCanonical(path, body)).errorInformation.errorCode, '3204');
});

// ------------------------------------------------------------------------------------------------ parties

test('PUT /parties: all supported currencies, names and FSPIOP-only party data survive the ISO JSON dialect', () => {
  const path = { Type: 'MSISDN', ID: '265991234567', SubId: 'WALLET' };
  const body = {
    party: {
      partyIdInfo: {
        partyIdType: 'MSISDN',
        partyIdentifier: '265991234567',
        partySubIdOrType: 'WALLET',
        fspId: 'payee-dfsp',
        extensionList: { extension: [{ key: 'k', value: 'v' }] },
      },
      merchantClassificationCode: '5411',
      name: 'Chikondi Banda',
      personalInfo: { complexName: { firstName: 'Chikondi', lastName: 'Banda' }, dateOfBirth: '1990-02-28', kycInformation: '{"level":2}' },
      supportedCurrencies: ['MWK', 'USD', 'ZAR'],
    },
  };
  const iso = isoPartyReportFromCanonical(partiesPutToCanonical(path, body, { source: 'payee-dfsp', destination: 'payer-dfsp' }, AT), fixed);
  assert.equal(validateIsoJsonBody('PUT', '/parties/{Type}/{ID}/{SubId}', iso), null);
  assert.deepEqual(iso.Rpt.UpdtdPtyAndAcctId, {
    Pty: { Id: { PrvtId: { Othr: { Id: '265991234567', SchmeNm: { Prtry: 'MSISDN' } } } }, Nm: 'Chikondi;;Banda;Chikondi Banda' },
    Acct: { Ccy: 'MWK' },
    Agt: { FinInstnId: { ClrSysMmbId: { MmbId: 'WALLET' }, Othr: { Id: 'payee-dfsp' } } },
  });
  assert.equal(iso.Rpt.OrgnlId, 'MSISDN/265991234567/WALLET');
  assert.equal(iso.Assgnmt.Assgnr.Agt.FinInstnId.Othr?.Id, 'payee-dfsp');
  assert.deepEqual((iso.SplmtryData?.Envlp as { supportedCurrencies: string[] }).supportedCurrencies, ['MWK', 'USD', 'ZAR']);
  assert.deepEqual(partiesPutFromCanonical(isoPartyReportToCanonical(path, iso)), body);
  // BUSINESS, ALIAS and DEVICE go under OrgId
  const business = { party: { partyIdInfo: { partyIdType: 'BUSINESS', partyIdentifier: 'shop-1' } } };
  const b = isoPartyReportFromCanonical(partiesPutToCanonical({ Type: 'BUSINESS', ID: 'shop-1' }, business, { source: 'a', destination: 'b' }, AT), fixed);
  assert.deepEqual(b.Rpt.UpdtdPtyAndAcctId?.Pty.Id, { OrgId: { Othr: { Id: 'shop-1', SchmeNm: { Prtry: 'BUSINESS' } } } });
  // acmt.024 identifiers are Max35Text: a longer one cannot be reported
  const long = { party: { partyIdInfo: { partyIdType: 'EMAIL', partyIdentifier: `${'x'.repeat(40)}@example.com` } } };
  assert.throws(
    () => isoPartyReportFromCanonical(partiesPutToCanonical({ Type: 'EMAIL', ID: 'x' }, long, { source: 'a', destination: 'b' }, AT)),
    refused(/52 characters, the ISO element allows 35/),
  );
});

test('name convention first;middle;last;display', () => {
  assert.equal(composeName('Chikondi Banda', { firstName: 'Chikondi', lastName: 'Banda' }), 'Chikondi;;Banda;Chikondi Banda');
  assert.equal(composeName(undefined, {}), undefined);
  assert.deepEqual(splitName('Chikondi;;Banda;Chikondi Banda'), { display: 'Chikondi Banda', complex: { firstName: 'Chikondi', lastName: 'Banda' } });
  assert.deepEqual(splitName('Joe Blogs'), { complex: { firstName: 'Joe Blogs' } });
  assert.deepEqual(splitName(';;;Shop; the best'), { display: 'Shop; the best' });
});

// ------------------------------------------------------------------------------------------------ ids

const quote = (ids: { quoteId: string; transactionId: string }): FspiopQuoteRequest => ({
  ...ids,
  payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '16665551002', fspId: 'payee-dfsp' } },
  payer: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '16135551001', fspId: 'payer-dfsp' } },
  amountType: 'SEND',
  amount: { currency: 'MWK', amount: '1080' },
  transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
});

test('ids must be ULIDs in the ISO 20022 JSON dialect (rendering and reading)', () => {
  const uuid = 'b51ec534-ee48-4575-b6a9-ead2955b8069';
  const q = quoteRequestToCanonical(quote({ quoteId: uuid, transactionId: '01JBVM13SQYP507JB1DYBZVCMF' }), 'payer-dfsp', 'payee-dfsp', AT);
  assert.throws(() => isoQuoteRequestFromCanonical(q), refused(/quoteId \(CdtTrfTxInf\.PmtId\.TxId\): "b51ec534-.*" is not a ULID/));
  const t = prepareToCanonical(
    {
      transferId: uuid,
      payerFsp: 'a',
      payeeFsp: 'b',
      amount: { currency: 'USD', amount: '1' },
      ilpPacket: PACKET,
      condition: CONDITION.toString('base64url'),
      expiration: AT,
    },
    AT,
  );
  assert.throws(() => isoTransferFromCanonical(t), refused(/transferId .* is not a ULID/));
  const body = mpdTransfer();
  body.CdtTrfTxInf.PmtId.TxId = uuid;
  assert.equal(validateIsoJsonBody('POST', '/transfers', body)?.code, '3101');
  assert.throws(() => isoTransferToCanonical(body), refused(/is not a ULID/));
  const lower = mpdTransfer();
  lower.CdtTrfTxInf.PmtId.TxId = '01jbvm13sqyp507jb1dybzvcmf';
  assert.throws(() => isoTransferToCanonical(lower), refused(/is not a ULID/));
});

test('GrpHdr.MsgId is a fresh ULID per rendering by default', () => {
  const t = isoTransferToCanonical(mpdTransfer());
  const a = isoTransferFromCanonical(t);
  const b = isoTransferFromCanonical(t);
  assert.match(a.GrpHdr.MsgId, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.notEqual(a.GrpHdr.MsgId, b.GrpHdr.MsgId);
  assert.match(a.GrpHdr.CreDtTm, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

// ------------------------------------------------------------------------------------------------ exactness

test('amounts: 19 digits are refused into ISO, 5 decimals from ISO are refused into FSPIOP; never rounded', () => {
  assert.deepEqual(isoAmountFit({ currency: 'USD', units: isoUnits((10n ** 13n - 1n) * 100_000n + 12_345n) }), { ok: true }); // 13 + 5 digits
  assert.deepEqual(isoAmountFit({ currency: 'USD', units: isoUnits(10n ** 13n * 100_000n + 12_345n) }), {
    ok: false,
    reason: 'amount 10000000000000.12345 has 19 digits, ISO 20022 allows 18 in all',
  });
  const big = prepareToCanonical(
    {
      transferId: '01JBVM13SQYP507JB1DYBZVCMF',
      payerFsp: 'a',
      payeeFsp: 'b',
      amount: { currency: 'USD', amount: '1234567890123456789' },
      ilpPacket: PACKET,
      condition: CONDITION.toString('base64url'),
      expiration: AT,
    },
    AT,
  );
  assert.throws(() => isoTransferFromCanonical(big), refused(/amount 1234567890123456789 has 19 digits, ISO 20022 allows 18 in all/));
  const mixed = structuredClone(big);
  mixed.CdtTrfTxInf.IntrBkSttlmAmt = { currency: 'USD', units: isoUnits(123456789012345n * 100_000n + 12_340n) }; // 15 + 4 = 19 digits
  assert.throws(() => isoTransferFromCanonical(mixed), refused(/has 19 digits/));
  const body = mpdTransfer();
  body.CdtTrfTxInf.IntrBkSttlmAmt.ActiveCurrencyAndAmount = '1080.12345';
  assert.equal(validateIsoJsonBody('POST', '/transfers', body), null, 'ISO allows 5 decimals');
  const canonical = isoTransferToCanonical(body);
  assert.equal(canonical.CdtTrfTxInf.IntrBkSttlmAmt.units, 108_012_345n);
  assert.throws(() => prepareFromCanonical(canonical), refused(/amount 1080\.12345 MWK has 5 decimal places, FSPIOP allows 4/));
  assert.equal(isoTransferFromCanonical(canonical, fixed).CdtTrfTxInf.IntrBkSttlmAmt.ActiveCurrencyAndAmount, '1080.12345', 'ISO -> ISO keeps it');
});

// ------------------------------------------------------------------------------------------------ descriptions

test('an error description longer than Max105Text: AddtlInf gets 105 characters, SplmtryData the full text', () => {
  const description = `Payee rejected transaction - ${'é'.repeat(60)}😀${'z'.repeat(38)}`; // 128 characters (code points)
  assert.equal([...description].length, 128);
  const body = { errorInformation: { errorCode: '5104', errorDescription: description } };
  const iso = isoStatusFromCanonical(errorToCanonical('01JBVM13SQYP507JB1DYBZVCMF', body, AT), fixed);
  assert.equal(validateIsoJsonBody('PUT', '/transfers/{ID}/error', iso), null);
  assert.equal([...(iso.TxInfAndSts!.StsRsnInf!.AddtlInf ?? '')].length, 105);
  assert.deepEqual(iso.TxInfAndSts!.SplmtryData, { PlcAndNm: 'Mizani/FSPIOP', Envlp: { error: { AddtlInf: description } } });
  assert.deepEqual(errorFromCanonical(isoStatusToCanonical('01JBVM13SQYP507JB1DYBZVCMF', iso)), body);
  // a receiver that takes no supplementary data: refused, or cut and reported when the caller allows it
  const canonical = errorToCanonical('01JBVM13SQYP507JB1DYBZVCMF', body, AT);
  assert.throws(() => isoStatusFromCanonical(canonical, { ...fixed, supplementaryData: false }), refused(/cannot carry: TxInfAndSts\.SplmtryData \(error\)/));
  let reported: string[] = [];
  const cut = isoStatusFromCanonical(canonical, { ...fixed, supplementaryData: false, onUncarried: (f) => (reported = f) });
  assert.equal(cut.TxInfAndSts!.SplmtryData, undefined);
  assert.equal(reported.length, 1);
  // a tampered full text must begin with AddtlInf
  const tampered = structuredClone(iso);
  (tampered.TxInfAndSts!.SplmtryData!.Envlp as { error: { AddtlInf: string } }).error.AddtlInf = 'other';
  assert.throws(() => isoStatusToCanonical('01JBVM13SQYP507JB1DYBZVCMF', tampered), refused(/does not begin with StsRsnInf\.AddtlInf/));
});

// ------------------------------------------------------------------------------------------------ uncarried / unsupported

test('FSPIOP data without an ISO element travels in CdtTrfTxInf.SplmtryData, and only a receiver without supplementary data refuses it', () => {
  const body: FspiopQuoteRequest = {
    ...quote({ quoteId: '01JBVM19DFKNRWC21FGJNTHRAT', transactionId: '01JBVM13SQYP507JB1DYBZVCMF' }),
    geoCode: { latitude: '-13.9626', longitude: '33.7741' },
    extensionList: { extension: [{ key: 'k', value: 'v' }] },
  };
  body.payer.personalInfo = { dateOfBirth: '1990-01-01', complexName: { firstName: 'Ada', lastName: 'Banda' } };
  const q = quoteRequestToCanonical(body, 'payer-dfsp', 'payee-dfsp', AT);
  const iso = isoQuoteRequestFromCanonical(q, fixed);
  assert.equal(validateIsoJsonBody('POST', '/quotes', iso), null);
  assert.deepEqual(iso.CdtTrfTxInf.SplmtryData, {
    PlcAndNm: 'Mizani/FSPIOP',
    Envlp: {
      Dbtr: { personalInfo: { dateOfBirth: '1990-01-01' } },
      extensions: [{ key: 'k', value: 'v' }],
      geoCode: { latitude: '-13.9626', longitude: '33.7741' },
    },
  });
  assert.equal(iso.CdtTrfTxInf.Dbtr.Nm, 'Ada;;Banda;');
  assert.deepEqual(quoteRequestFromCanonical(isoQuoteRequestToCanonical(iso)), body);
  // A receiver that validates with the unadjusted schema: refused with every field named, or left out and reported.
  const off = { ...fixed, supplementaryData: false };
  assert.throws(() => isoQuoteRequestFromCanonical(q, off), refused(/POST \/quotes/));
  let reported: string[] = [];
  isoQuoteRequestFromCanonical(q, { ...off, onUncarried: (f) => (reported = f) });
  assert.deepEqual(reported, ['CdtTrfTxInf.SplmtryData (Dbtr, extensions, geoCode) (supplementary data is switched off for this receiver)']);
});

test('PUT /quotes: zero-valued fee and commission are absent; a non-zero fee and commission both arrive and read back', () => {
  const response = (fee: string, commission: string): FspiopQuoteResponse => ({
    transferAmount: { currency: 'USD', amount: '100' },
    payeeReceiveAmount: { currency: 'USD', amount: '99' },
    payeeFspFee: { currency: 'USD', amount: fee },
    payeeFspCommission: { currency: 'USD', amount: commission },
    expiration: AT,
    ilpPacket: PACKET,
    condition: CONDITION.toString('base64url'),
  });
  const id = '01JBVM19DFKNRWC21FGJNTHRAT';
  const zero = isoQuoteResponseFromCanonical(quoteResponseToCanonical(id, response('0', '0'), AT, { payer: 'a', payee: 'b' }), fixed);
  assert.equal(validateIsoJsonBody('PUT', '/quotes/{ID}', zero), null);
  assert.equal(zero.CdtTrfTxInf.ChrgsInf, undefined);
  assert.equal(zero.CdtTrfTxInf.SplmtryData, undefined);
  const both = isoQuoteResponseFromCanonical(quoteResponseToCanonical(id, response('1.5', '0.25'), AT, { payer: 'a', payee: 'b' }), fixed);
  assert.equal(validateIsoJsonBody('PUT', '/quotes/{ID}', both), null);
  assert.deepEqual(both.CdtTrfTxInf.ChrgsInf, { Amt: { ActiveOrHistoricCurrencyAndAmount: '1.5', Ccy: 'USD' }, Agt: { FinInstnId: { Othr: { Id: 'b' } } } });
  assert.deepEqual(both.CdtTrfTxInf.SplmtryData?.Envlp, {
    ChrgsInf: [{ Amt: { ActiveOrHistoricCurrencyAndAmount: '0.25', Ccy: 'USD' }, Agt: { FinInstnId: { Othr: { Id: 'b' } } }, Tp: { Cd: 'COMM' } }],
  });
  assert.deepEqual(quoteResponseFromCanonical(isoQuoteResponseToCanonical(id, both)), response('1.5', '0.25'));
  const onlyCommission = { ...response('0', '0.25') };
  const iso = isoQuoteResponseFromCanonical(quoteResponseToCanonical(id, onlyCommission, AT, { payer: 'a', payee: 'b' }), fixed);
  assert.equal(iso.CdtTrfTxInf.ChrgsInf?.Tp?.Cd, 'COMM');
  assert.equal(iso.CdtTrfTxInf.SplmtryData, undefined);
});

test('a FSPIOP party with everything (complexName, date of birth, KYC, merchant code, extensions, currencies) survives pacs.081', () => {
  const body: FspiopQuoteRequest = quote({ quoteId: '01JBVM19DFKNRWC21FGJNTHRAT', transactionId: '01JBVM13SQYP507JB1DYBZVCMF' });
  body.payer = {
    partyIdInfo: {
      partyIdType: 'MSISDN',
      partyIdentifier: '265999000001',
      partySubIdOrType: 'x'.repeat(60),
      fspId: 'payer-dfsp',
      extensionList: { extension: [{ key: 'tier', value: '2' }] },
    },
    merchantClassificationCode: '4829',
    name: 'A'.repeat(128),
    personalInfo: { complexName: { firstName: 'Adaeze', middleName: 'K', lastName: 'Banda' }, dateOfBirth: '1990-02-28', kycInformation: '{"level":2}' },
    supportedCurrencies: ['MWK', 'USD'],
  };
  const iso = isoQuoteRequestFromCanonical(quoteRequestToCanonical(body, 'payer-dfsp', 'payee-dfsp', AT), fixed);
  assert.equal(validateIsoJsonBody('POST', '/quotes', iso), null);
  assert.equal(iso.CdtTrfTxInf.Dbtr.Nm, undefined, 'a name over 140 characters is carried whole, not cut');
  assert.deepEqual(quoteRequestFromCanonical(isoQuoteRequestToCanonical(iso)), body);
});

test('fees, refunds, note, sub-scenario, balance of payments and the initiator have ISO elements', () => {
  const full: FspiopQuoteRequest = {
    ...quote({ quoteId: '01JBVM19DFKNRWC21FGJNTHRAT', transactionId: '01JBVM13SQYP507JB1DYBZVCMF' }),
    amountType: 'RECEIVE',
    fees: { currency: 'MWK', amount: '5.5' },
    transactionType: {
      scenario: 'REFUND',
      subScenario: 'PARTIAL',
      initiator: 'PAYEE',
      initiatorType: 'AGENT',
      balanceOfPayments: '123',
      refundInfo: { originalTransactionId: '01JBVM13SQYP507JB1DYBZVCMA', refundReason: 'damaged' },
    },
    note: 'thanks',
  };
  const isoFull = isoQuoteRequestFromCanonical(quoteRequestToCanonical(full, 'payer-dfsp', 'payee-dfsp', AT), fixed);
  assert.equal(validateIsoJsonBody('POST', '/quotes', isoFull), null);
  assert.deepEqual(
    { ...isoFull.CdtTrfTxInf, Dbtr: undefined, Cdtr: undefined, DbtrAgt: undefined, CdtrAgt: undefined },
    {
      PmtId: { TxId: '01JBVM19DFKNRWC21FGJNTHRAT', EndToEndId: '01JBVM13SQYP507JB1DYBZVCMF', InstrId: '01JBVM13SQYP507JB1DYBZVCMA' },
      PmtTpInf: { LclInstrm: { Prtry: 'PAYEE/AGENT' }, CtgyPurp: { Prtry: 'PARTIAL' } },
      IntrBkSttlmAmt: { ActiveCurrencyAndAmount: '1080', Ccy: 'MWK' },
      ChrgBr: 'DEBT',
      ChrgsInf: { Amt: { ActiveOrHistoricCurrencyAndAmount: '5.5', Ccy: 'MWK' }, Agt: { FinInstnId: { Othr: { Id: 'payer-dfsp' } } } },
      Dbtr: undefined,
      Cdtr: undefined,
      DbtrAgt: undefined,
      CdtrAgt: undefined,
      InstrForCdtrAgt: { Cd: 'REFD', InstrInf: 'damaged' },
      InstrForNxtAgt: { InstrInf: 'thanks' },
      Purp: { Prtry: 'REFUND' },
      RgltryRptg: { Dtls: { Cd: '123' } },
    },
  );
  assert.deepEqual(quoteRequestFromCanonical(isoQuoteRequestToCanonical(isoFull)), full);
});

test('the condition must be the ILP v4 packet’s; a v1 packet or a different condition cannot be carried', () => {
  const ok = {
    transferId: '01JBVM13SQYP507JB1DYBZVCMF',
    payerFsp: 'a',
    payeeFsp: 'b',
    amount: { currency: 'USD', amount: '1' },
    ilpPacket: PACKET,
    condition: CONDITION.toString('base64url'),
    expiration: AT,
  };
  assert.equal(conditionFromIlpV4Packet(PACKET).ok, true);
  assert.throws(
    () => isoTransferFromCanonical(prepareToCanonical({ ...ok, condition: Buffer.alloc(32).toString('base64url') }, AT)),
    refused(/differs from the ILP packet's/),
  );
  const v1 = Buffer.from([1, 3, 0, 0, 0]).toString('base64url');
  assert.throws(() => isoTransferFromCanonical(prepareToCanonical({ ...ok, ilpPacket: v1 }, AT)), refused(/not an ILP v4 Prepare/));
  const r = quoteResponseToCanonical(
    '01JBVM19DFKNRWC21FGJNTHRAT',
    { transferAmount: { currency: 'USD', amount: '1' }, expiration: AT, ilpPacket: PACKET, condition: 'A'.repeat(43) },
    AT,
    { payer: 'a', payee: 'b' },
  );
  assert.throws(() => isoQuoteResponseFromCanonical(r), refused(/differs from the ILP packet's/));
});

test('ISO elements outside the supported profile are carried in payment messages (back at their path, iso:elements in FSPIOP); foreign SplmtryData is ignored', () => {
  const body = mpdTransfer() as IsoPacs008 & { CdtTrfTxInf: Record<string, any> };
  body.CdtTrfTxInf.Tax = { RefNb: 'x' };
  (body.CdtTrfTxInf.Dbtr as unknown as Record<string, unknown>).PstlAdr = { TwnNm: 'Lilongwe', Ctry: 'MW' };
  assert.equal(validateIsoJsonBody('POST', '/transfers', body), null);
  const canonical = isoTransferToCanonical(body);
  assert.deepEqual(canonical.CdtTrfTxInf.SplmtryData?.iso, {
    'CdtTrfTxInf.Tax': { RefNb: 'x' },
    'CdtTrfTxInf.Dbtr.PstlAdr': { TwnNm: 'Lilongwe', Ctry: 'MW' },
  });
  const again = isoTransferFromCanonical(canonical, fixed) as unknown as { CdtTrfTxInf: Record<string, any> };
  assert.deepEqual(again.CdtTrfTxInf.Tax, { RefNb: 'x' });
  assert.deepEqual(again.CdtTrfTxInf.Dbtr.PstlAdr, { TwnNm: 'Lilongwe', Ctry: 'MW' });
  assert.equal(validateIsoJsonBody('POST', '/transfers', again), null);
  // to an FSPIOP payee, and back
  const fspiop = prepareFromCanonical(canonical);
  assert.ok(
    fspiop.extensionList!.extension.some((e) => e.key === 'iso:elements'),
    JSON.stringify(fspiop),
  );
  assert.deepEqual(prepareToCanonical(fspiop, AT).CdtTrfTxInf.SplmtryData?.iso, canonical.CdtTrfTxInf.SplmtryData?.iso);
  // reported on request (the hub forwarding the original to an ISO receiver logs them)
  let reported: string[] = [];
  isoTransferToCanonical(body, { onUnsupported: (p) => (reported = p) });
  assert.deepEqual(reported.sort(), ['CdtTrfTxInf.Dbtr.PstlAdr', 'CdtTrfTxInf.Tax']);
  // acmt.024 and pacs.002 still refuse what is outside the profile
  const status = {
    GrpHdr: { MsgId: '01JBVM1E4B1N6Z1Q7N2M2Y5J7X', CreDtTm: AT },
    TxInfAndSts: { TxSts: 'COMM' as const, SplmtryData: { PlcAndNm: 'other', Envlp: { anything: 1 } } },
  };
  assert.deepEqual(statusFromCanonical(isoStatusToCanonical('01JBVM13SQYP507JB1DYBZVCMF', status)), { transferState: 'COMMITTED' });
  // an OrgnlTxId that is not the path id is refused
  const wrong = { ...status, TxInfAndSts: { TxSts: 'COMM' as const, OrgnlTxId: 'OTHER' } };
  assert.throws(() => isoStatusToCanonical('01JBVM13SQYP507JB1DYBZVCMF', wrong), refused(/differs from the id in the path/));
});
