/**
 * Banks in cross-currency payments (docs/fx.md "Banks", docs/iso20022-mapping.md "FX: banks"): the exchange rate as
 * ISO 20022 writes it (BaseOneRate, exact or absent, never rounded), and the pacs.008 XML with InstdAmt and XchgRate
 * in both runtime versions, valid against the official XSDs and read back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAmount } from '../../schemas/amount.js';
import { exactRate, rateIsExactly } from '../../schemas/iso/exchange-rate.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import { TranslationError } from '../../schemas/iso/translation.js';
import { pacs008FromXml, pacs008ToXml, type Pacs008Version } from '../../translators/isoxml/pacs008.js';
import { XNode, domOf } from '../../translators/isoxml/xml.js';
import { officialVerdict } from '../support/xsd-official.js';

const usd = (v: string) => parseAmount(v, 'USD');
const kes = (v: string) => parseAmount(v, 'KES');

test('exactRate: the ratio of the two amounts, target per source unit, in BaseOneRate form', () => {
  assert.equal(exactRate(usd('10'), kes('1295')), '129.5');
  assert.equal(exactRate(usd('100'), parseAmount('90', 'EUR')), '0.9');
  assert.equal(exactRate(usd('7.5'), kes('1000')), undefined, '133.33…: no finite decimal');
  assert.equal(exactRate(usd('0.16'), kes('25.5')), '159.375');
  assert.equal(exactRate(usd('8'), kes('1')), '0.125');
  assert.equal(exactRate(usd('1'), kes('100')), '100', 'an integer rate has no fraction');
  assert.equal(exactRate(usd('1024'), kes('1')), '0.0009765625', '10 fraction digits: the most BaseOneRate holds');
  assert.equal(exactRate(usd('2048'), kes('1')), undefined, '11 fraction digits: not written');
  assert.equal(exactRate(usd('3'), kes('1000')), undefined, '333.33…: no finite decimal');
  assert.equal(exactRate(usd('7.73'), kes('1000')), undefined, '1000 / 7.73: no finite decimal');
  assert.equal(exactRate(usd('1'), kes('123456789012')), undefined, '12 integer digits: more than BaseOneRate holds');
  assert.equal(exactRate(usd('1'), kes('12345678901')), '12345678901', '11 digits fit');
  assert.equal(exactRate(usd('0.00001'), kes('0.00001')), '1');
  assert.equal(exactRate(usd('0'), kes('1')), undefined, 'no rate from a zero amount');
  // Every rate written is exactly the ratio.
  for (const [s, t] of [
    ['10', '1295'],
    ['8', '1'],
    ['1024', '1'],
    ['4', '3'],
    ['0.16', '25.5'],
  ] as const) {
    const rate = exactRate(usd(s), kes(t));
    assert.ok(rate !== undefined && rateIsExactly(rate, usd(s), kes(t)), `${t}/${s} = ${rate}`);
  }
});

test('rateIsExactly: compares values, not text; a rounded rate is not the ratio', () => {
  assert.ok(rateIsExactly('129.5', usd('10'), kes('1295')));
  assert.ok(rateIsExactly('129.50', usd('10'), kes('1295')));
  assert.ok(rateIsExactly('0129.5', usd('10'), kes('1295')));
  assert.ok(!rateIsExactly('129.4', usd('10'), kes('1295')));
  assert.ok(!rateIsExactly('129.3661', usd('7.73'), kes('1000')), 'a rounded rate is not the FXP ratio');
  assert.ok(!rateIsExactly('', usd('10'), kes('1295')));
  assert.ok(!rateIsExactly('1e2', usd('1'), kes('100')));
});

function payment(rate?: string): Pacs008 {
  return {
    GrpHdr: {
      MsgId: '01JBFH0S3PQTFEZ7E0R0ES7XAA',
      CreDtTm: '2026-12-07T12:00:00.000Z',
      NbOfTxs: '1',
      SttlmInf: { SttlmMtd: 'CLRG' },
      PmtInstrXpryDtTm: '2026-12-07T12:01:00.000Z',
    },
    CdtTrfTxInf: {
      PmtId: { TxId: '01JBFH0S3PQTFEZ7E0R0ES7X9S' },
      IntrBkSttlmAmt: kes('1295'),
      InstdAmt: usd('10'),
      ...(rate !== undefined ? { XchgRate: rate } : {}),
      ChrgBr: 'SHAR',
      DbtrAgt: { FinInstnId: { Othr: { Id: 'wallet' } } },
      CdtrAgt: { FinInstnId: { Othr: { Id: 'bank' } } },
      ExctnCond: 'GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM',
    },
  };
}

const versions: Pacs008Version[] = ['pacs.008.001.08', 'pacs.008.001.14'];

test('pacs.008 XML: InstdAmt and XchgRate are written in XSD order, valid against the official schemas, and read back', async () => {
  for (const version of versions) {
    for (const rate of ['129.5', undefined]) {
      const xml = pacs008ToXml(payment(rate), version);
      const verdict = await officialVerdict(xml, `${version}.xsd`);
      assert.ok(verdict.valid, `${version} ${rate}: ${verdict.errors.map((e) => e.message).join('; ')}\n${xml}`);
      const read = pacs008FromXml(new XNode(domOf(xml).documentElement!), version).message;
      assert.deepEqual(read.CdtTrfTxInf.InstdAmt, usd('10'), `${version}: InstdAmt read back`);
      assert.equal(read.CdtTrfTxInf.XchgRate, rate, `${version}: XchgRate read back`);
    }
  }
});

test('pacs.008 XML: a rate BaseOneRate cannot hold is refused, never rounded', () => {
  for (const rate of ['0.00097656251', '123456789012', '1e3', '-1']) {
    assert.throws(
      () => pacs008ToXml(payment(rate), 'pacs.008.001.08'),
      (err: unknown) => err instanceof TranslationError && err.field === 'CdtTrfTxInf.XchgRate',
      rate,
    );
  }
});
