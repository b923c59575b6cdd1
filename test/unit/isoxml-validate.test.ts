/**
 * Runtime XSD validation (libxml2-wasm): precise errors, and no memory leak over many validations —
 * no libxml2 object left undisposed, the WASM linear memory does not grow, the JS heap is flat.
 */
// First: records libxml2-wasm's WASM memory when it is instantiated (module evaluation order).
import { wasmMemoryBytes } from '../../translators/isoxml/wasm-memory.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { diag, XmlElement } from 'libxml2-wasm';
import { TYPICAL_PACS008 } from '../../translators/isoxml/bench.js';
import { parseBusinessMessage } from '../../translators/isoxml/parse.js';
import { parseLibxml, RuntimeSchemas, namedPath } from '../../translators/isoxml/validate.js';

test('the typical bank pacs.008 (addresses, remittance, BIC) is valid; errors carry line and path', () => {
  assert.equal(parseBusinessMessage(TYPICAL_PACS008).definition.version, 'pacs.008.001.08');
  const schemas = new RuntimeSchemas();
  try {
    const bad = TYPICAL_PACS008.replace('<Ctry>KE</Ctry>', '<Ctry>Kenya</Ctry>').replace(
      '<Purp><Cd>GDDS</Cd></Purp>',
      '<Purp><Cd>GDDS</Cd><Prtry>X</Prtry></Purp>',
    );
    const doc = parseLibxml(Buffer.from(bad));
    try {
      const document = (doc.root.firstChild as XmlElement).next as XmlElement;
      const violations = schemas.check('pacs.008.001.08', document, doc);
      assert.equal(violations.length, 2);
      assert.equal(violations[0]!.path, '/Message/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/Dbtr/PstlAdr/Ctry');
      assert.match(violations[0]!.message, /Ctry.*Kenya.*\[A-Z\]\{2,2\}/);
      assert.equal(violations[0]!.line, 2);
      assert.equal(violations[1]!.path, '/Message/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/Purp/Prtry');
      assert.equal(namedPath(doc, '/*/*[2]/*/*[2]/*[3]'), '/Message/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmAmt');
    } finally {
      doc.dispose();
    }
  } finally {
    schemas.dispose();
  }
});

test('no leak over many validations (diag, WASM memory, JS heap)', async (t) => {
  const runs = Number(process.env['MIZANI_ISOXML_LEAK_RUNS'] ?? 20_000);
  const schemas = new RuntimeSchemas();
  const bytes = Buffer.from(TYPICAL_PACS008);
  const once = () => {
    const doc = parseLibxml(bytes);
    try {
      const appHdr = doc.root.firstChild as XmlElement;
      schemas.assertValid('head.001.001.02', appHdr, doc);
      schemas.assertValid('pacs.008.001.08', appHdr.next as XmlElement, doc);
    } finally {
      doc.dispose();
    }
  };
  // Invalid documents take the error path (details, path lookup): include them.
  const invalid = Buffer.from(TYPICAL_PACS008.replace('<ChrgBr>SLEV', '<ChrgBr>XXXX'));
  const failing = () => {
    const doc = parseLibxml(invalid);
    try {
      assert.equal(schemas.check('pacs.008.001.08', (doc.root.firstChild as XmlElement).next as XmlElement, doc).length, 1);
    } finally {
      doc.dispose();
    }
  };
  try {
    for (let i = 0; i < 1000; i++) once();
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    const settle = async () => {
      await tick(); // requests are separate jobs: V8 releases WeakRef targets at the end of each
      gc();
    };
    await settle();
    const wasmBefore = wasmMemoryBytes();
    const heapBefore = process.memoryUsage().heapUsed;
    const rounds = 4;
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < runs / rounds; i++) (i % 50 === 0 ? failing : once)();
      await settle();
    }
    const heapAfter = process.memoryUsage().heapUsed;
    const wasmAfter = wasmMemoryBytes();
    diag.configure({ enabled: true });
    for (let i = 0; i < 2000; i++) (i % 50 === 0 ? failing : once)();
    const report = diag.report() as Record<string, unknown>;
    diag.configure({ enabled: false });
    t.diagnostic(
      `${runs} validations: WASM memory ${wasmBefore} -> ${wasmAfter} bytes, heapUsed ${(heapBefore / 1048576).toFixed(1)} -> ${(heapAfter / 1048576).toFixed(1)} MiB`,
    );
    assert.deepEqual(report, {}, 'no libxml2-wasm object left undisposed');
    assert.ok(wasmBefore > 0, 'the WASM memory was observed');
    assert.equal(wasmAfter, wasmBefore, 'the WASM linear memory did not grow');
    assert.ok(heapAfter - heapBefore < 4 * 1048576, `JS heap grew by ${heapAfter - heapBefore} bytes`);
  } finally {
    schemas.dispose();
  }
});
