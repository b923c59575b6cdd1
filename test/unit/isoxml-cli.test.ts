/**
 * `mizani validate`: runtime (libxml2, schemas/xsd) and official (Xerces, ../shared/iso20022/xsd)
 * validation of envelopes, bare Documents and AppHdrs, with `file:line:column: path: message` errors;
 * hostile files are screened before any validator sees them. Also checks the official-schema test
 * helper catches what it must (a helper that passes everything would prove nothing).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateCommand } from '../../translators/isoxml/cli.js';
import { officialSchemaDir } from '../../translators/isoxml/xerces.js';
import { TYPICAL_PACS008 } from '../../translators/isoxml/bench.js';
import { officialVerdicts } from '../support/xsd-official.js';

const dir = mkdtempSync(join(tmpdir(), 'mizani-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await validateCommand(
    args,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out, err };
}

const valid = file('valid.xml', TYPICAL_PACS008);
const invalid = file('invalid.xml', TYPICAL_PACS008.replace('<ChrgBr>SLEV</ChrgBr>', '\n  <ChrgBr>XXXX</ChrgBr>'));
const documentOnly = file(
  'document.xml',
  `<?xml version="1.0" encoding="UTF-8"?>\n${/<Document[\s\S]*<\/Document>/.exec(TYPICAL_PACS008)![0].replace('<ChrgBr>SLEV', '<ChrgBr>XXXX')}`,
);
const mismatch = file('mismatch.xml', TYPICAL_PACS008.replace('<MsgDefIdr>pacs.008.001.08', '<MsgDefIdr>pacs.002.001.10'));
const xxe = file(
  'xxe.xml',
  `<?xml version="1.0"?>\n<!DOCTYPE Message [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<Message xmlns="urn:mizani:xsd:envelope">&x;</Message>`,
);

test('runtime (default): valid file, and every error with file:line:column: path', async () => {
  const ok = await run([valid]);
  assert.equal(ok.code, 0);
  assert.match(ok.out[0]!, /valid against head\.001\.001\.02 \+ pacs\.008\.001\.08 \(runtime schemas, libxml2\)/);
  const bad = await run([invalid, '--runtime']);
  assert.equal(bad.code, 1);
  assert.match(bad.err[0]!, /invalid\.xml:3:\?: \/Message\/Document\/FIToFICstmrCdtTrf\/CdtTrfTxInf\/ChrgBr: Element 'ChrgBr'.*XXXX/);
  assert.match(bad.err.at(-1)!, /1 error against/);
  const doc = await run([documentOnly]);
  assert.equal(doc.code, 1);
  assert.match(doc.err[0]!, /document\.xml:2:\?: \/Document\/FIToFICstmrCdtTrf\/CdtTrfTxInf\/ChrgBr:/);
  const mis = await run([mismatch]);
  assert.match(
    mis.err[0]!,
    /\/Message\/AppHdr\/MsgDefIdr: AppHdr\/MsgDefIdr "pacs\.002\.001\.10" does not name the message in Document \(pacs\.008\.001\.08\)/,
  );
});

test('official: Xerces with the official schemas gives the same verdicts with line, column and path', async () => {
  const ok = await run([valid, '--official']);
  assert.equal(ok.code, 0, ok.err.join('\n'));
  // ../shared/iso20022/xsd beside the repository, or the byte-identical runtime copies in a clone elsewhere.
  assert.ok(ok.out[0]!.includes(`official schemas in ${officialSchemaDir()}`) && ok.out[0]!.endsWith(', Xerces)'), ok.out[0]);
  const bad = await run([invalid, '--official']);
  assert.equal(bad.code, 1);
  assert.match(bad.err[0]!, /invalid\.xml:3:\d+: \/Message\/Document\/FIToFICstmrCdtTrf\/CdtTrfTxInf\/ChrgBr: cvc-enumeration-valid/);
  const doc = await run([documentOnly, '--official']);
  assert.match(doc.err[0]!, /document\.xml:2:\d+: \/Document\/FIToFICstmrCdtTrf\/CdtTrfTxInf\/ChrgBr: cvc-/);
  const schema = await run([documentOnly, '--official', '--schema', join(dir, 'missing.xsd')]);
  assert.notEqual(schema.code, 0);
});

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/iso20022/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);
const FEDNOW = 'fednow-style-pacs.008.001.08-no-txid.xml';
const fednowText = readFileSync(fixture(FEDNOW), 'utf8');
const OTHER_MESSAGES = [
  ['camt.052.001.08-intraday-report.xml', 'camt.052.001.08'],
  ['camt.053.001.08-statement.xml', 'camt.053.001.08'],
  ['camt.054.001.08-credit-notification.xml', 'camt.054.001.08'],
  ['pacs.004.001.10-return.xml', 'pacs.004.001.10'],
  ['pacs.009.001.08-liquidity-transfer.xml', 'pacs.009.001.08'],
  ['pain.001.001.09-customer-initiation.xml', 'pain.001.001.09'],
] as const;

test('bank files of messages the hub does not take: valid against their official schema, exit 3 saying so (libxml2)', async () => {
  for (const [name, version] of OTHER_MESSAGES) {
    const r = await run([fixture(name)]);
    assert.equal(r.code, 3, `${name}: ${[...r.out, ...r.err].join('\n')}`);
    assert.match(r.out[0]!, new RegExp(`valid against ${version.replace(/\./g, '\\.')} \\(official schemas in .*, libxml2\\)`));
    assert.match(r.out[1]!, new RegExp(`${version.replace(/\./g, '\\.')} is valid against its official schema, but the hub does not accept`));
    assert.deepEqual(r.err, []);
  }
  // An invalid one is invalid (1), whatever the hub takes.
  const broken = file(
    'camt053-broken.xml',
    readFileSync(fixture('camt.053.001.08-statement.xml'), 'utf8').replace('<CdtDbtInd>CRDT</CdtDbtInd>', '<CdtDbtInd>PLUS</CdtDbtInd>'),
  );
  const bad = await run([broken]);
  assert.equal(bad.code, 1);
  assert.match(bad.err[0]!, /camt053-broken\.xml:\d+:\?: \/Document\/BkToCstmrStmt\/Stmt\/Bal\[1\]\/CdtDbtInd: .*PLUS/);
});

test('official (Xerces): the same verdicts for statements and returns; a missing schema folder is named', async () => {
  for (const [name, version] of [OTHER_MESSAGES[1], OTHER_MESSAGES[3]]) {
    const r = await run([fixture(name), '--official']);
    assert.equal(r.code, 3, `${name}: ${[...r.out, ...r.err].join('\n')}`);
    assert.ok(r.out[0]!.includes(`valid against ${version} (official schemas in ${officialSchemaDir()}, Xerces)`), r.out[0]);
  }
  const empty = mkdtempSync(join(dir, 'xsd-'));
  const none = await run([fixture(OTHER_MESSAGES[1][0]), '--xsd-dir', empty]);
  assert.equal(none.code, 1);
  assert.match(none.err[0]!, new RegExp(`no schema for camt\\.053\\.001\\.08 in ${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});

test('a FedNow-style wrapper: its AppHdr and message root are validated, what it holds is said, errors point into the file', async () => {
  for (const engine of ['--runtime', '--official']) {
    const ok = await run([fixture(FEDNOW), engine]);
    assert.equal(ok.code, 0, [...ok.out, ...ok.err].join('\n'));
    assert.match(
      ok.out[0]!,
      /\{urn:example:fednow-style:message\}Message is not the Mizani envelope .*AppHdr \(head\.001\.001\.02, line 7\), FIToFICstmrCdtTrf \(pacs\.008\.001\.08, as its Document, line 23\)/,
    );
    assert.match(ok.out[1]!, /valid against head\.001\.001\.02 \+ pacs\.008\.001\.08/);
  }
  const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;
  const broken = file(
    'fednow-broken.xml',
    fednowText.replace('<ChrgBr>SLEV</ChrgBr>', '<ChrgBr>XXXX</ChrgBr>').replace('<MsgDefIdr>pacs.008.001.08', '<MsgDefIdr>pacs.008.001.09'),
  );
  for (const engine of ['--runtime', '--official']) {
    const bad = await run([broken, engine]);
    assert.equal(bad.code, 1);
    assert.match(
      bad.err.join('\n'),
      new RegExp(`fednow-broken\\.xml:${lineOf(fednowText, '<ChrgBr>')}:[\\d?]+: /Message/FIToFICstmrCdtTrf/CdtTrfTxInf/ChrgBr: `),
    );
    assert.match(bad.err.join('\n'), /\/Message\/AppHdr\/MsgDefIdr: AppHdr\/MsgDefIdr "pacs\.008\.001\.09" does not name the message in FIToFICstmrCdtTrf/);
  }
  // The message inside a Document, a foreign sibling, prefixes declared on the wrapper: still its parts.
  const withDocument = fednowText
    .replace(
      '<Message xmlns="urn:example:fednow-style:message">',
      '<w:Message xmlns:w="urn:example:fednow-style:message" xmlns:p="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">',
    )
    .replace('</Message>', '<w:Trailer><w:Count>1</w:Count></w:Trailer></w:Message>')
    .replace(
      /<FIToFICstmrCdtTrf xmlns="[^"]+">([\s\S]*)<\/FIToFICstmrCdtTrf>/,
      (_m, body: string) => `<p:Document><p:FIToFICstmrCdtTrf>${body.replace(/<(\/?)([A-Za-z])/g, '<$1p:$2')}</p:FIToFICstmrCdtTrf></p:Document>`,
    );
  const r = await run([file('fednow-document.xml', withDocument)]);
  assert.equal(r.code, 0, [...r.out, ...r.err].join('\n'));
  assert.match(r.out[0]!, /Document \(pacs\.008\.001\.08, line 23\); skipped \{urn:example:fednow-style:message\}Trailer/);
  // A version the hub does not take, in the same wrapper: valid, exit 3.
  const v09 = await run([file('fednow-v09.xml', fednowText.replace(/pacs\.008\.001\.08/g, 'pacs.008.001.09'))]);
  assert.equal(v09.code, 3, [...v09.out, ...v09.err].join('\n'));
  assert.match(
    v09.out.at(-1)!,
    /pacs\.008\.001\.09 is valid against its official schema, but the hub does not accept pacs\.008\.001\.09 \(it takes pacs\.008 as pacs\.008\.001\.08, pacs\.008\.001\.14\)/,
  );
});

test('what cannot be validated: no ISO part, a namespace no schema exists for', async () => {
  const foreign = await run([file('foreign.xml', '<?xml version="1.0"?>\n<Batch xmlns="urn:example:batch"><Item/></Batch>')]);
  assert.equal(foreign.code, 1);
  assert.match(foreign.err[0]!, /holds no ISO 20022 part/);
  const unknown = await run([file('v99.xml', TYPICAL_PACS008.replace(/pacs\.008\.001\.08/g, 'pacs.008.001.99'))]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.err.join('\n'), /no schema for pacs\.008\.001\.99/);
  const bareRoot = await run([file('bare-root.xml', /<FIToFICstmrCdtTrf[\s\S]*<\/FIToFICstmrCdtTrf>/.exec(fednowText)![0])]);
  assert.equal(bareRoot.code, 0, [...bareRoot.out, ...bareRoot.err].join('\n'));
});

test('hostile files are refused before validation; usage errors exit 2', async () => {
  for (const engine of ['--runtime', '--official']) {
    const r = await run([xxe, engine]);
    assert.equal(r.code, 1);
    assert.match(r.err[0]!, /xxe\.xml:2:1: \/: <!DOCTYPE is not accepted.*\[FF01\]/);
  }
  assert.equal((await run([])).code, 2);
  assert.equal((await run([valid, '--runtime', '--official'])).code, 2);
  assert.equal((await run([join(dir, 'nope.xml')])).code, 2);
  assert.equal((await run([valid, '--frobnicate'])).code, 2);
  assert.equal((await run([valid, valid])).code, 2);
  for (const help of ['--help', '-h']) {
    const h = await run([help]);
    assert.equal(h.code, 0);
    assert.match(h.out[0]!, /^usage: mizani validate/);
    assert.ok(
      h.out.some((l) => /exit codes: 0 valid.*3 valid, but not a message or version the hub accepts/.test(l)),
      h.out.join('\n'),
    );
    assert.deepEqual(h.err, []);
  }
});

test('the official-schema helper catches invalid items, bare parts and unsupported versions in one batch', async () => {
  const verdicts = await officialVerdicts([
    TYPICAL_PACS008,
    TYPICAL_PACS008.replace('<BizMsgIdr>20260301BANKA000000123</BizMsgIdr>', ''),
    /<Document[\s\S]*<\/Document>/.exec(TYPICAL_PACS008)![0].replace('<ChrgBr>SLEV', '<ChrgBr>XXXX'),
    TYPICAL_PACS008.replace(/pacs\.008\.001\.08"/, 'pacs.008.001.09"'),
    TYPICAL_PACS008,
  ]);
  assert.deepEqual(
    verdicts.map((v) => v.valid),
    [true, false, false, false, true],
  );
  assert.match(verdicts[1]!.errors[0]!.message, /BizMsgIdr/);
  assert.equal(verdicts[2]!.errors[0]!.line, 1);
});
