/**
 * fxTransfers translators (docs/fx.md, docs/iso20022-mapping.md §3a): FSPIOP v2.0 and Mojaloop ISO 20022 JSON bodies
 * to the canonical pacs.009 / pacs.002 and back, checked against the dialects' JSON schemas, and what each refuses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { validateFspiopBody, validateIsoJsonBody } from '../../schemas/fspiop/validators.js';
import { formatUnits } from '../../schemas/amount.js';
import { counterPartyFspOf, initiatingFspOf, sourceAmountOf, targetAmountOf } from '../../schemas/iso/pacs009.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import {
  fxPatchFromCanonical,
  fxPrepareFromCanonical,
  fxPrepareToCanonical,
  fxStatusFromCanonical,
  fxStatusToCanonical,
  type FspiopFxTransferPrepare,
} from '../../translators/fspiop/fx-transfers.js';
import { isoFxTransferFromCanonical, isoFxTransferToCanonical, type IsoPacs009 } from '../../translators/isojson/fx-transfers.js';
import { isoStatusFromCanonical, isoStatusToCanonical } from '../../translators/isojson/transfers.js';
import { errorToCanonical } from '../../translators/fspiop/transfers.js';

const COMMIT = '01JBFH0S3PQTFEZ7E0R0ES7X9R';
const DETERMINING = '01JBFH0S3PQTFEZ7E0R0ES7X9S';
const CONDITION = 'GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM';
const FIXED = { newMsgId: () => '01JBFH0S3PQTFEZ7E0R0ES7XAA', now: () => '2026-12-07T12:00:00.000Z' };

const fspiopBody: FspiopFxTransferPrepare = {
  commitRequestId: COMMIT,
  determiningTransferId: DETERMINING,
  initiatingFsp: 'payerfsp',
  counterPartyFsp: 'fxp',
  amountType: 'SEND',
  sourceAmount: { currency: 'USD', amount: '10.5' },
  targetAmount: { currency: 'KES', amount: '1364.25' },
  condition: CONDITION,
  expiration: '2030-01-01T00:00:00.000Z',
};

test('POST /fxTransfers FSPIOP -> pacs.009: ids, agents, source in InstdAmt, target in IntrBkSttlmAmt, condition, expiry', () => {
  assert.equal(validateFspiopBody('2.0', 'POST', '/fxTransfers', fspiopBody), null);
  const m = fxPrepareToCanonical(fspiopBody, '2026-12-07T12:00:00.000Z');
  assert.equal(m.CdtTrfTxInf.PmtId.TxId, COMMIT);
  assert.equal(m.CdtTrfTxInf.PmtId.EndToEndId, DETERMINING);
  assert.equal(initiatingFspOf(m), 'payerfsp');
  assert.equal(counterPartyFspOf(m), 'fxp');
  assert.deepEqual([sourceAmountOf(m).currency, formatUnits(sourceAmountOf(m).units)], ['USD', '10.5']);
  assert.deepEqual([targetAmountOf(m).currency, formatUnits(targetAmountOf(m).units)], ['KES', '1364.25']);
  assert.equal(m.CdtTrfTxInf.VrfctnOfTerms.Sh256Sgntr, CONDITION);
  assert.equal(m.GrpHdr.PmtInstrXpryDtTm, '2030-01-01T00:00:00.000Z');
  assert.deepEqual(fxPrepareFromCanonical(m), fspiopBody, 'and back, unchanged');
});

test('pacs.009 -> ISO 20022 JSON: valid against Fxecute_FinancialInstitutionCreditTransferV12, and back to the same canonical', () => {
  const m = fxPrepareToCanonical(fspiopBody, '2026-12-07T12:00:00.000Z');
  const iso = isoFxTransferFromCanonical(m, FIXED);
  assert.equal(validateIsoJsonBody('POST', '/fxTransfers', iso), null);
  assert.equal(iso.CdtTrfTxInf.UndrlygCstmrCdtTrf?.InstdAmt?.ActiveOrHistoricCurrencyAndAmount, '10.5');
  assert.equal(iso.CdtTrfTxInf.IntrBkSttlmAmt.ActiveCurrencyAndAmount, '1364.25');
  assert.equal(iso.CdtTrfTxInf.UndrlygCstmrCdtTrf?.Dbtr.Id.OrgId?.Othr.Id, 'payerfsp', 'the underlying debtor is the FSP, as the transformer writes it');
  const back = isoFxTransferToCanonical(iso);
  assert.deepEqual({ ...back, GrpHdr: { ...back.GrpHdr, MsgId: '', CreDtTm: '' } }, { ...m, GrpHdr: { ...m.GrpHdr, MsgId: '', CreDtTm: '' } });
});

test('ISO 20022 JSON pacs.009 refusals: no source amount (3102), a UUID id, amountType outside SEND/RECEIVE, an element outside the profile', () => {
  const iso = isoFxTransferFromCanonical(fxPrepareToCanonical(fspiopBody, '2026-12-07T12:00:00.000Z'), FIXED);
  const without = structuredClone(iso) as IsoPacs009;
  delete without.CdtTrfTxInf.UndrlygCstmrCdtTrf!.InstdAmt;
  assert.throws(
    () => isoFxTransferToCanonical(without),
    (e: unknown) => e instanceof TranslationError && e.code === '3102' && /InstdAmt/.test(e.message),
  );
  const uuid = structuredClone(iso);
  uuid.CdtTrfTxInf.PmtId.TxId = 'b51ec534-ee48-4575-b6a9-ead2955b8069';
  assert.throws(() => isoFxTransferToCanonical(uuid), /not a ULID/);
  const amountType = structuredClone(iso);
  amountType.CdtTrfTxInf.InstrForCdtrAgt = { InstrInf: 'BOTH' };
  assert.throws(() => isoFxTransferToCanonical(amountType), /SEND or RECEIVE/);
  const extra = structuredClone(iso) as unknown as { CdtTrfTxInf: Record<string, unknown> };
  extra.CdtTrfTxInf.Purp = { Cd: 'CASH' };
  assert.throws(() => isoFxTransferToCanonical(extra as unknown as IsoPacs009), /outside Mizani's ISO 20022 JSON profile/);
});

test('rendering refuses what a dialect cannot carry: a UUID commitRequestId for ISO, an amount beyond FSPIOP, extensions', () => {
  const uuid = fxPrepareToCanonical({ ...fspiopBody, commitRequestId: 'b51ec534-ee48-4575-b6a9-ead2955b8069' }, '2026-12-07T12:00:00.000Z');
  assert.throws(() => isoFxTransferFromCanonical(uuid, FIXED), /not a ULID/);
  const iso = isoFxTransferFromCanonical(fxPrepareToCanonical(fspiopBody, '2026-12-07T12:00:00.000Z'), FIXED);
  iso.CdtTrfTxInf.IntrBkSttlmAmt.ActiveCurrencyAndAmount = '1.12345';
  const precise = isoFxTransferToCanonical(iso);
  assert.throws(
    () => fxPrepareFromCanonical(precise),
    (e: unknown) => e instanceof TranslationError && /targetAmount/.test(e.message),
  );
  const withExtensions = fxPrepareToCanonical(fspiopBody, '2026-12-07T12:00:00.000Z');
  withExtensions.CdtTrfTxInf.SplmtryData = { extensions: [{ key: 'k', value: 'v' }] };
  assert.throws(() => fxPrepareFromCanonical(withExtensions), /no extension list/);
  assert.throws(() => isoFxTransferFromCanonical(withExtensions, FIXED), /no place for an extension list/);
});

test('PUT /fxTransfers/{ID}: conversionState is TxSts; PATCH has no fulfilment; ISO JSON status valid against its schema', () => {
  const put = {
    fulfilment: 'UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA',
    completedTimestamp: '2026-12-07T12:00:00.000Z',
    conversionState: 'RESERVED' as const,
  };
  assert.equal(validateFspiopBody('2.0', 'PUT', '/fxTransfers/{ID}', put), null);
  const status = fxStatusToCanonical(COMMIT, put, '2026-12-07T12:00:01.000Z');
  assert.equal(status.TxInfAndSts.TxSts, 'RESV');
  assert.equal(status.TxInfAndSts.ExctnConf, put.fulfilment);
  assert.deepEqual(fxStatusFromCanonical(status), put);
  const iso = isoStatusFromCanonical(status, FIXED);
  assert.equal(validateIsoJsonBody('PUT', '/fxTransfers/{ID}', iso), null);
  assert.deepEqual(isoStatusToCanonical(COMMIT, iso).TxInfAndSts.TxSts, 'RESV');
  const committed = { ...status, TxInfAndSts: { OrgnlTxId: COMMIT, TxSts: 'COMM' as const, PrcgDt: { DtTm: '2026-12-07T12:00:02.000Z' } } };
  const patch = fxPatchFromCanonical(committed);
  assert.deepEqual(patch, { completedTimestamp: '2026-12-07T12:00:02.000Z', conversionState: 'COMMITTED' });
  assert.equal(validateFspiopBody('2.0', 'PATCH', '/fxTransfers/{ID}', patch), null);
  assert.equal(validateIsoJsonBody('PATCH', '/fxTransfers/{ID}', isoStatusFromCanonical(committed, FIXED)), null);
});

test('any JSON on the fxTransfers body routes: a schema issue (3100-3103), or a canonical message or a TranslationError, never a throw', () => {
  const routes = [
    ['POST', '/fxTransfers'],
    ['PUT', '/fxTransfers/{ID}'],
    ['PUT', '/fxTransfers/{ID}/error'],
  ] as const;
  const translate = (iso: boolean, method: string, route: string, body: unknown) => {
    if (route === '/fxTransfers')
      return iso ? isoFxTransferToCanonical(body as IsoPacs009) : fxPrepareToCanonical(body as FspiopFxTransferPrepare, FIXED.now());
    if (route.endsWith('/error')) return iso ? isoStatusToCanonical(COMMIT, body as never) : errorToCanonical(COMMIT, body as never, FIXED.now());
    return iso ? isoStatusToCanonical(COMMIT, body as never) : fxStatusToCanonical(COMMIT, body as never, FIXED.now());
  };
  const valid = fspiopBody as unknown as Record<string, unknown>;
  const isoValid = isoFxTransferFromCanonical(fxPrepareToCanonical(fspiopBody, FIXED.now()), FIXED) as unknown as Record<string, unknown>;
  const mutated = (base: Record<string, unknown>) =>
    fc.tuple(fc.constantFrom(...Object.keys(base)), fc.jsonValue({ maxDepth: 3 })).map(([key, value]) => ({ ...base, [key]: value }));
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.constantFrom(...routes),
      fc.oneof(fc.jsonValue({ maxDepth: 4 }), mutated(valid), mutated(isoValid)),
      (iso, [method, route], body) => {
        const issue = iso ? validateIsoJsonBody(method, route, body) : validateFspiopBody('2.0', method, route, body);
        if (issue) return assert.ok(['3100', '3101', '3102', '3103'].includes(issue.code), JSON.stringify(issue));
        try {
          translate(iso, method, route, body);
        } catch (err) {
          assert.ok(err instanceof TranslationError, `${method} ${route} (${iso ? 'ISO' : 'FSPIOP'}): ${String(err)} for ${JSON.stringify(body)}`);
        }
      },
    ),
    { numRuns: 1500 },
  );
});
