import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../switch/cli.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mizani-translate-'));

const prepare = {
  transferId: '01JBFH0S3PQTFEZ7E0R0ES7X9R',
  payerFsp: 'payerfsp',
  payeeFsp: 'payeefsp',
  amount: { currency: 'USD', amount: '100.5' },
  // The ILP v4 vector of contract security.md §4.4 (the ISO dialects carry v4 packets only).
  ilpPacket:
    'DIICqwAAAAAAACdCMjAzMDAxMDEwMDAwMDAwMDCb1QNXrckZ4VWrEca9SWwd4PjkKnMaJqo6KE1ZmTq7KQpnLm1vamFsb29wggJkZXlKaGJXOTFiblFpT25zaVlXMXZkVzUwSWpvaU1UQXdMalVpTENKamRYSnlaVzVqZVNJNklsVlRSQ0o5TENKbGVIQnBjbUYwYVc5dUlqb2lNakF6TUMwd01TMHdNVlF3TURvd01Eb3dNQzR3TURCYUlpd2ljR0Y1WldVaU9uc2ljR0Z5ZEhsSlpFbHVabThpT25zaVpuTndTV1FpT2lKd1lYbGxaV1p6Y0NJc0luQmhjblI1U1dSVWVYQmxJam9pVFZOSlUwUk9JaXdpY0dGeWRIbEpaR1Z1ZEdsbWFXVnlJam9pTWpjM01UTTRNRE01TVRJaWZYMHNJbkJoZVdWeUlqcDdJbkJoY25SNVNXUkpibVp2SWpwN0ltWnpjRWxrSWpvaWNHRjVaWEptYzNBaUxDSndZWEowZVVsa1ZIbHdaU0k2SWsxVFNWTkVUaUlzSW5CaGNuUjVTV1JsYm5ScFptbGxjaUk2SWpRME1USXpORFUyTnpnNUluMTlMQ0p4ZFc5MFpVbGtJam9pTURGS1FrWklNVmt5VmtvMVdrSTJVVFpYTTBzeVRqaEVOMEVpTENKMGNtRnVjMkZqZEdsdmJrbGtJam9pTURGS1FrWklNVmt5VmtvMVdrSTJVVFpYTTBzeVRqaEVOMElpTENKMGNtRnVjMkZqZEdsdmJsUjVjR1VpT25zaWFXNXBkR2xoZEc5eUlqb2lVRUZaUlZJaUxDSnBibWwwYVdGMGIzSlVlWEJsSWpvaVEwOU9VMVZOUlZJaUxDSnpZMlZ1WVhKcGJ5STZJbFJTUVU1VFJrVlNJbjE5',
  condition: 'm9UDV63JGeFVqxHGvUlsHeD45CpzGiaqOihNWZk6uyk',
  expiration: '2030-01-01T00:00:00.000Z',
};

function run(args: string[], input?: string) {
  return spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8' });
}

test('translate: FSPIOP -> ISO XML -> FSPIOP gives the same prepare, and the XML validates', () => {
  const file = join(dir, 'prepare.json');
  writeFileSync(file, JSON.stringify(prepare));
  const xml = run(['translate', '--from', 'fspiop', '--to', 'isoxml', '--message', 'transfer', '--sender', 'payerfsp', file]);
  assert.equal(xml.status, 0, xml.stderr);
  assert.match(xml.stdout, /<IntrBkSttlmAmt Ccy="USD">100.5<\/IntrBkSttlmAmt>/);
  const xmlFile = join(dir, 'prepare.xml');
  writeFileSync(xmlFile, xml.stdout);
  const valid = run(['validate', xmlFile]);
  assert.equal(valid.status, 0, valid.stdout + valid.stderr);
  const back = run(['translate', '--from', 'isoxml', '--to', 'fspiop', '--message', 'transfer'], xml.stdout);
  assert.equal(back.status, 0, back.stderr);
  assert.deepEqual(JSON.parse(back.stdout), prepare);
});

test('translate: an amount FSPIOP cannot carry is refused, never rounded', () => {
  const iso = JSON.parse(
    execFileSync(process.execPath, [CLI, 'translate', '--from', 'fspiop', '--to', 'isojson', '--message', 'transfer'], {
      input: JSON.stringify(prepare),
      encoding: 'utf8',
    }),
  );
  iso.CdtTrfTxInf.IntrBkSttlmAmt.ActiveCurrencyAndAmount = '100.12345';
  const refused = run(['translate', '--from', 'isojson', '--to', 'fspiop', '--message', 'transfer'], JSON.stringify(iso));
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /refused \(3100\).*5 decimal places, FSPIOP allows 4/);
});

test('translate and validate give precise usage errors', () => {
  const usage = run(['translate', '--from', 'fspiop', '--to', 'cobol', '--message', 'transfer']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--to must be fspiop, isojson or isoxml/);
  const xml = run(['translate', '--from', 'fspiop', '--to', 'isoxml', '--message', 'transfer', '--sender', 'payerfsp'], JSON.stringify(prepare));
  const file = join(dir, 'broken.xml');
  writeFileSync(file, xml.stdout.replace('<IntrBkSttlmAmt Ccy="USD">100.5<', '<IntrBkSttlmAmt Ccy="USD">ten<'));
  const invalid = run(['validate', file]);
  assert.equal(invalid.status, 1, invalid.stdout + invalid.stderr);
  // file:line:column: element path: message
  assert.match(invalid.stdout + invalid.stderr, /broken\.xml:\d+:[\d?]+: \/Message\/Document\/FIToFICstmrCdtTrf\/CdtTrfTxInf\/IntrBkSttlmAmt: /);
});
