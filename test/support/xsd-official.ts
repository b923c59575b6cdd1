/**
 * Test helper: validate XML against the OFFICIAL ISO 20022 schemas in ../shared/iso20022/xsd (or
 * MIZANI_ISO20022_XSD_DIR) with Xerces through xsd-schema-validator (Java 17). One JVM per call, so
 * batch: `officialVerdicts` validates many documents in one JVM (see translators/isoxml/xerces.ts for
 * how: a generated batch schema that imports the official files unmodified, strict wildcards).
 *
 * Items can be complete envelopes (AppHdr + Document), bare AppHdr elements or bare Documents.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { officialSchemaDir, validateBatchWithXerces, validateWithXerces, type XercesVerdict } from '../../translators/isoxml/xerces.js';

export type { XercesVerdict };

/** The official schema directory the helper uses (fails the test if it is missing). */
export function officialDir(): string {
  const dir = officialSchemaDir();
  assert.ok(existsSync(join(dir, 'head.001.001.02.xsd')), `official ISO 20022 schemas not found in ${dir}`);
  return dir;
}

/** One verdict per item, all validated in one JVM. */
export async function officialVerdicts(items: readonly string[]): Promise<XercesVerdict[]> {
  return validateBatchWithXerces(items, officialDir());
}

/** Validates one document against one named official XSD file (e.g. `pacs.008.001.08.xsd`). */
export async function officialVerdict(xml: string, xsdFile: string): Promise<XercesVerdict> {
  return validateWithXerces(xml, join(officialDir(), xsdFile));
}

/** Asserts every item is valid; the message lists each invalid item with its errors and text. */
export async function assertOfficiallyValid(items: readonly string[], label = 'document'): Promise<void> {
  const verdicts = await officialVerdicts(items);
  const bad = verdicts
    .map((v, i) => ({ v, i }))
    .filter(({ v }) => !v.valid)
    .map(
      ({ v, i }) =>
        `${label} #${i + 1}:\n  ${v.errors.map((e) => `${e.line ?? '?'}:${e.column ?? '?'} ${e.message}`).join('\n  ')}\n${items[i]!.slice(0, 3000)}`,
    );
  assert.equal(bad.length, 0, `${bad.length} of ${items.length} not valid against the official schemas:\n${bad.slice(0, 3).join('\n\n')}`);
}
