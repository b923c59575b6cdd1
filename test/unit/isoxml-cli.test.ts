/**
 * `mizani validate`: runtime (libxml2, schemas/xsd) and official (Xerces, ../shared/iso20022/xsd)
 * validation of envelopes, bare Documents and AppHdrs, with `file:line:column: path: message` errors;
 * hostile files are screened before any validator sees them. Also checks the official-schema test
 * helper catches what it must (a helper that passes everything would prove nothing).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const code = await validateCommand(args, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

const valid = file('valid.xml', TYPICAL_PACS008);
const invalid = file('invalid.xml', TYPICAL_PACS008.replace('<ChrgBr>SLEV</ChrgBr>', '\n  <ChrgBr>XXXX</ChrgBr>'));
const documentOnly = file('document.xml', `<?xml version="1.0" encoding="UTF-8"?>\n${/<Document[\s\S]*<\/Document>/.exec(TYPICAL_PACS008)![0].replace('<ChrgBr>SLEV', '<ChrgBr>XXXX')}`);
const mismatch = file('mismatch.xml', TYPICAL_PACS008.replace('<MsgDefIdr>pacs.008.001.08', '<MsgDefIdr>pacs.002.001.10'));
const xxe = file('xxe.xml', `<?xml version="1.0"?>\n<!DOCTYPE Message [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<Message xmlns="urn:mizani:xsd:envelope">&x;</Message>`);

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
  assert.match(mis.err[0]!, /\/Message\/AppHdr\/MsgDefIdr: AppHdr\/MsgDefIdr "pacs\.002\.001\.10" does not name the message in Document \(pacs\.008\.001\.08\)/);
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

test('hostile files are refused before validation; usage errors exit 2', async () => {
  for (const engine of ['--runtime', '--official']) {
    const r = await run([xxe, engine]);
    assert.equal(r.code, 1);
    assert.match(r.err[0]!, /xxe\.xml:2:1: \/: <!DOCTYPE is not accepted.*\[FF01\]/);
  }
  assert.equal((await run([])).code, 2);
  assert.equal((await run([valid, '--runtime', '--official'])).code, 2);
  assert.equal((await run([join(dir, 'nope.xml')])).code, 2);
  assert.equal((await run(['--help'])).code, 0);
});

test('the official-schema helper catches invalid items, bare parts and unsupported versions in one batch', async () => {
  const verdicts = await officialVerdicts([
    TYPICAL_PACS008,
    TYPICAL_PACS008.replace('<BizMsgIdr>20260301BANKA000000123</BizMsgIdr>', ''),
    /<Document[\s\S]*<\/Document>/.exec(TYPICAL_PACS008)![0].replace('<ChrgBr>SLEV', '<ChrgBr>XXXX'),
    TYPICAL_PACS008.replace(/pacs\.008\.001\.08"/, 'pacs.008.001.09"'),
    TYPICAL_PACS008,
  ]);
  assert.deepEqual(verdicts.map((v) => v.valid), [true, false, false, false, true]);
  assert.match(verdicts[1]!.errors[0]!.message, /BizMsgIdr/);
  assert.equal(verdicts[2]!.errors[0]!.line, 1);
});
