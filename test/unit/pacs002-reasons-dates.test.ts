/**
 * pacs.002 read with every StsRsnInf and with PrcgDt/Dt (.16), issue 14: bank files (fixtures, valid against the
 * official XSDs) read into the canonical status, rendered back in both XML profiles, and carried through the FSPIOP
 * extension list and the ISO JSON envelope and back, never dropped: the first reason decides, a date stays a date.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BusinessApplicationHeader } from '../../schemas/iso/head001.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { validateIsoJsonBody } from '../../schemas/fspiop/validators.js';
import { errorFromCanonical, errorToCanonical, patchFromCanonical, statusFromCanonical, statusToCanonical } from '../../translators/fspiop/transfers.js';
import { isoStatusFromCanonical, isoStatusToCanonical } from '../../translators/isojson/transfers.js';
import { receiveBusinessMessage } from '../../translators/isoxml/inbound.js';
import { bankReasonToCanonical } from '../../translators/isoxml/outcomes.js';
import { renderBusinessMessage } from '../../translators/isoxml/render.js';
import { assertOfficiallyValid } from '../support/xsd-official.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/iso20022/', import.meta.url));
const fixture = (name: string) => readFileSync(FIXTURES + name, 'utf8');
const V16 = 'pacs.002.001.16-rjct-three-reasons-date.xml';
const V10 = 'pacs.002.001.10-rjct-two-reasons.xml';
const TX = '01JBVM16V1ZXP2DM3ZS6Z7Y8XX';
const RENDER = { newMsgId: () => '01JBVM1E4B1N6Z1Q7N2M2Y5J7Y', now: () => '2026-03-01T10:00:04.000Z' };

function read(xml: string): Pacs002 {
  const got = receiveBusinessMessage(xml, { hubFspId: 'hub', certificatesOf: () => [], requireSignature: false });
  assert.equal(got.document.kind, 'pacs.002');
  return (got.document as { message: Pacs002 }).message;
}

/** As a bank writes to the hub, so that the pipeline reads it back. */
const header = (): Omit<BusinessApplicationHeader, 'MsgDefIdr'> => ({
  Fr: { FIId: { FinInstnId: { Othr: { Id: 'bank-b' } } } },
  To: { FIId: { FinInstnId: { Othr: { Id: 'hub' } } } },
  BizMsgIdr: 'B-1',
  CreDt: '2026-03-01T10:00:04.000Z',
});

function render(message: Pacs002, profile: 'iso-2019' | 'iso-2026'): string {
  return renderBusinessMessage({ kind: 'pacs.002', message }, { profile, hubFspId: 'hub', header: header() });
}

/** What the bank bridge forwards a payer for a bank's rejection: the first reason worded as FSPIOP, the rest as given. */
function forwarded(bank: Pacs002): Pacs002 {
  const t = bank.TxInfAndSts;
  return { ...bank, TxInfAndSts: { OrgnlTxId: TX, StsRsnInf: bankReasonToCanonical(t.StsRsnInf), AddtlStsRsnInf: t.AddtlStsRsnInf, PrcgDt: t.PrcgDt } };
}

const carried = (list: Array<{ key: string; value: string }> | undefined, name: string): unknown => {
  const items = (list ?? []).filter((e) => e.key === `iso:${name}`);
  return items.length > 0 ? JSON.parse(items.map((e) => e.value).join('')) : undefined;
};

test('the bank fixtures are valid against the official pacs.002.001.10 and .16 schemas', async () => {
  await assertOfficiallyValid([fixture(V16), fixture(V10)], 'fixture');
});

test('pacs.002.001.16: every StsRsnInf is read, the first deciding; PrcgDt/Dt stays a date', () => {
  const t = read(fixture(V16)).TxInfAndSts;
  assert.equal(t.TxSts, undefined, 'RJCT with a reason is the error form');
  assert.deepEqual(t.StsRsnInf, {
    Rsn: { Cd: 'AC04' },
    AddtlInf: 'The creditor account was closed on 28 February 2026 at the request of its holder; the bank holds no successor account.',
  });
  assert.deepEqual(t.AddtlStsRsnInf, [
    { Rsn: { Prtry: '5105' }, AddtlInf: 'Payee FSP: transaction not allowed for this account' },
    { Rsn: {}, AddtlInf: 'Compliance review reference CR-2026-0091' },
  ]);
  assert.deepEqual(t.PrcgDt, { Dt: '2026-03-01' });
});

test('pacs.002.001.10: both reasons are read; AccptncDtTm is the processing date-time', () => {
  const t = read(fixture(V10)).TxInfAndSts;
  assert.deepEqual(t.StsRsnInf, { Rsn: { Cd: 'AM04' }, AddtlInf: 'Insufficient funds on the settlement account' });
  assert.deepEqual(t.AddtlStsRsnInf, [{ Rsn: { Cd: 'NARR' }, AddtlInf: 'Retry after the next liquidity injection' }]);
  assert.deepEqual(t.PrcgDt, { DtTm: '2026-03-01T10:00:03.100+01:00' });
});

test('XML round trip in both profiles: every reason written back in order; a date is PrcgDt/Dt in .16, supplementary data in .10', async () => {
  const message = read(fixture(V16));
  const v16 = render(message, 'iso-2026');
  const v10 = render(message, 'iso-2019');
  assert.equal((v16.match(/<StsRsnInf>/g) ?? []).length, 3);
  assert.equal((v10.match(/<StsRsnInf>/g) ?? []).length, 3);
  assert.match(v16, /<StsRsnInf><Rsn><Cd>AC04<\/Cd><\/Rsn><AddtlInf>[^<]+<\/AddtlInf><AddtlInf>[^<]+<\/AddtlInf><\/StsRsnInf><StsRsnInf><Rsn><Prtry>5105</);
  assert.match(v16, /<PrcgDt><Dt>2026-03-01<\/Dt><\/PrcgDt>/);
  assert.doesNotMatch(v10, /AccptncDtTm|PrcgDt>/, '.10 has no element for a date alone');
  assert.match(v10, /"PrcgDt\.Dt":"2026-03-01"/);
  assert.deepEqual(read(v16), message);
  assert.deepEqual(read(v10), message);
  const timed = read(fixture(V10));
  const back10 = render(timed, 'iso-2019');
  assert.match(back10, /<AccptncDtTm>2026-03-01T10:00:03.100\+01:00<\/AccptncDtTm>/);
  assert.match(render(timed, 'iso-2026'), /<PrcgDt><DtTm>2026-03-01T10:00:03.100\+01:00<\/DtTm><\/PrcgDt>/);
  assert.deepEqual(read(back10), timed);
  await assertOfficiallyValid([v16, v10, back10, render(timed, 'iso-2026')], 'rendered pacs.002');
});

test('FSPIOP: the first reason is the errorCode; the further ones and the date travel as iso: extensions and come back', () => {
  const message = forwarded(read(fixture(V16)));
  const body = errorFromCanonical(message);
  assert.equal(body.errorInformation.errorCode, '5100', 'AC04 is no FSPIOP code: 5100 naming it (the bridge wording)');
  const list = body.errorInformation.extensionList?.extension;
  const detail = (list ?? [])
    .filter((e) => e.key === 'detail')
    .map((e) => e.value)
    .join('');
  assert.match(`${body.errorInformation.errorDescription} ${detail}`, /bank reason AC04: The creditor account was closed/);
  assert.ok(list && list.length <= 16 && list.every((e) => e.key.length <= 32 && e.value.length <= 128));
  assert.deepEqual(carried(list, 'AddtlStsRsnInf'), message.TxInfAndSts.AddtlStsRsnInf);
  assert.deepEqual(carried(list, 'PrcgDt'), { Dt: '2026-03-01' });
  const back = errorToCanonical(TX, body, '2026-03-01T10:00:04.000Z');
  assert.deepEqual(back.TxInfAndSts.AddtlStsRsnInf, message.TxInfAndSts.AddtlStsRsnInf);
  assert.deepEqual(back.TxInfAndSts.PrcgDt, { Dt: '2026-03-01' });
  assert.equal(back.TxInfAndSts.StsRsnInf?.Rsn.Prtry, '5100');
  assert.deepEqual(errorFromCanonical(back), body, 'FSPIOP → canonical → FSPIOP is exact');
});

test('ISO JSON: one StsRsnInf (the first), PrcgDt/Dt natively, further reasons in the Mizani envelope; schema-valid; read back', () => {
  const message = forwarded(read(fixture(V16)));
  const body = isoStatusFromCanonical(message, RENDER);
  const t = body.TxInfAndSts!;
  assert.deepEqual(t.StsRsnInf?.Rsn, { Prtry: '5100' });
  assert.deepEqual(t.PrcgDt, { Dt: '2026-03-01' });
  assert.deepEqual((t.SplmtryData?.Envlp as Record<string, unknown>).AddtlStsRsnInf, message.TxInfAndSts.AddtlStsRsnInf);
  assert.equal(validateIsoJsonBody('PUT', '/transfers/{ID}/error', body), null);
  const back = isoStatusToCanonical(TX, body);
  assert.deepEqual(back.TxInfAndSts.AddtlStsRsnInf, message.TxInfAndSts.AddtlStsRsnInf);
  assert.deepEqual(back.TxInfAndSts.PrcgDt, { Dt: '2026-03-01' });
  assert.deepEqual(back.TxInfAndSts.StsRsnInf, message.TxInfAndSts.StsRsnInf);
  // The dialect's ISODate has no time zone: a date with one travels in the envelope, and comes back.
  const zoned: Pacs002 = { ...message, TxInfAndSts: { ...message.TxInfAndSts, PrcgDt: { Dt: '2026-03-01+01:00' } } };
  const zonedBody = isoStatusFromCanonical(zoned, RENDER);
  assert.equal(zonedBody.TxInfAndSts?.PrcgDt, undefined);
  assert.equal(validateIsoJsonBody('PUT', '/transfers/{ID}/error', zonedBody), null);
  assert.deepEqual(isoStatusToCanonical(TX, zonedBody).TxInfAndSts.PrcgDt, { Dt: '2026-03-01+01:00' });
});

test('a status with a date alone: no completedTimestamp is made up; iso:PrcgDt carries it; a PATCH, which needs a time, is refused', () => {
  const status: Pacs002 = {
    GrpHdr: { MsgId: 'M', CreDtTm: '2026-03-01T10:00:04.000Z' },
    TxInfAndSts: { OrgnlTxId: TX, TxSts: 'COMM', PrcgDt: { Dt: '2026-03-01' } },
  };
  const body = statusFromCanonical(status);
  assert.equal(body.completedTimestamp, undefined);
  assert.deepEqual(carried(body.extensionList?.extension, 'PrcgDt'), { Dt: '2026-03-01' });
  assert.deepEqual(statusToCanonical(TX, body, '2026-03-01T10:00:04.000Z').TxInfAndSts.PrcgDt, { Dt: '2026-03-01' });
  assert.throws(
    () => patchFromCanonical(status),
    (e: unknown) => e instanceof TranslationError && e.field === 'completedTimestamp',
  );
  const iso = isoStatusFromCanonical(status, RENDER);
  assert.deepEqual(iso.TxInfAndSts?.PrcgDt, { Dt: '2026-03-01' });
  assert.equal(validateIsoJsonBody('PUT', '/transfers/{ID}', iso), null);
  assert.throws(
    () => isoStatusToCanonical(TX, { ...iso, TxInfAndSts: { ...iso.TxInfAndSts, PrcgDt: { Dt: '2026-03-01', DtTm: '2026-03-01T10:00:00.000Z' } } }),
    TranslationError,
  );
});

test('carried data that is not what Mizani writes is refused, not guessed at', () => {
  const error = (extension: Array<{ key: string; value: string }>) => ({
    errorInformation: { errorCode: '5100', errorDescription: 'x', extensionList: { extension } },
  });
  const refused = (b: ReturnType<typeof error>) => assert.throws(() => errorToCanonical(TX, b, '2026-03-01T10:00:04.000Z'), TranslationError);
  refused(error([{ key: 'iso:AddtlStsRsnInf', value: '{"Rsn":"AC04"}' }]));
  refused(error([{ key: 'iso:AddtlStsRsnInf', value: '[{"Rsn":{"Cd":"AC04"},"Orgtr":{}}]' }]));
  refused(error([{ key: 'iso:PrcgDt', value: '{"Dt":"01/03/2026"}' }]));
  refused(error([{ key: 'iso:Something', value: '1' }]));
  const fulfil = {
    transferState: 'COMMITTED' as const,
    completedTimestamp: '2026-03-01T10:00:00.000Z',
    extensionList: { extension: [{ key: 'iso:PrcgDt', value: '{"Dt":"2026-03-01"}' }] },
  };
  assert.throws(() => statusToCanonical(TX, fulfil, '2026-03-01T10:00:04.000Z'), TranslationError, 'two processing dates');
  // The participant's own extensions are kept as they were.
  const own = errorToCanonical(TX, error([{ key: 'channel', value: 'USSD' }]), '2026-03-01T10:00:04.000Z');
  assert.deepEqual(own.TxInfAndSts.StsRsnInf?.extensions, [{ key: 'channel', value: 'USSD' }]);
});

test('more further reasons than FSPIOP extension items can hold: refused naming them, never cut', () => {
  const many = Array.from({ length: 20 }, (_, i) => ({ Rsn: { Cd: 'NARR' }, AddtlInf: `reason ${i} `.padEnd(100, '.') }));
  const message: Pacs002 = {
    GrpHdr: { MsgId: 'M', CreDtTm: '2026-03-01T10:00:04.000Z' },
    TxInfAndSts: { OrgnlTxId: TX, StsRsnInf: { Rsn: { Prtry: '5100' } }, AddtlStsRsnInf: many },
  };
  assert.throws(
    () => errorFromCanonical(message),
    (e: unknown) => e instanceof TranslationError && /AddtlStsRsnInf/.test(e.reason),
  );
  // ISO XML and ISO JSON have room for them all.
  assert.equal((render(message, 'iso-2019').match(/<StsRsnInf>/g) ?? []).length, 21);
  assert.equal((isoStatusFromCanonical(message, RENDER).TxInfAndSts?.SplmtryData?.Envlp as { AddtlStsRsnInf: unknown[] }).AddtlStsRsnInf.length, 20);
});
