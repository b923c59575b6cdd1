/**
 * `./mizani demo --once` as a user runs it (node dist/conformance/demo.js, which starts `mizani start` itself), in a
 * temporary data folder with private ports: it pays across every dialect pair, settles the window, prints the
 * messages of a payment in both dialects and the commands to pay by hand, stops its hub and exits 0. The settlement
 * runs under auth and maker-checker: two finance users, one proposing, one approving.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { handPaymentBody } from '../conformance/lib/demo-flows.js';

const DEMO = fileURLToPath(new URL('../conformance/demo.js', import.meta.url));

function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [DEMO, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

test('./mizani demo --once: payments across every dialect pair, a settled window, messages and commands printed', { timeout: 200_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mizani-demo-'));
  try {
    const r = await runDemo(['--once', '--data-dir', dir, '--fspiop-port', '0', '--admin-port', '0']);
    assert.equal(r.code, 0, `exit code; stderr:\n${r.stderr}\nstdout:\n${r.stdout}`);
    const out = r.stdout;
    for (const pair of ['wallet → wallet', 'wallet → bank', 'bank → wallet', 'bank → bank']) {
      assert.match(out, new RegExp(`COMMITTED {2}${pair} \\(`), `${pair} committed:\n${out}`);
    }
    assert.match(out, /Settlement: window 1 closed; settlement 1 \(DEFAULTDEFERREDNET\) SETTLED/);
    // Under maker-checker: the close, the settlement and its four steps, each proposed by finance1 and approved by finance2.
    assert.match(out, /Maker-checker \(GET .*\/proposals\?state=EXECUTED\): 6 executed/);
    assert.match(out, /POST \/v2\/settlementWindows\/1 +proposed by finance1, approved by finance2/);
    assert.equal(out.match(/PUT \/v2\/settlements\/1 +proposed by finance1, approved by finance2/g)?.length, 4, out);
    for (const login of ['operator', 'finance1', 'finance2', 'auditor', 'walleta-user']) assert.match(out, new RegExp(`^  ${login} `, 'm'));
    assert.match(out, /Portal: http:\/\/127\.0\.0\.1:\d+\/portal\//);
    assert.match(out, /--- payer → hub · fspiop\/1\.1 · POST \/transfers/);
    assert.match(out, /--- hub → payee · iso20022-xml · pacs\.008\n<\?xml/);
    assert.match(out, /--- payee → hub · iso20022-xml · pacs\.002\n<\?xml[^\n]*\n<Message[^\n]*<TxSts>ACSC<\/TxSts>/);
    assert.match(out, /--- hub → payer · fspiop\/1\.1 · PUT \/transfers\/\{ID\}\n\{\n {2}"transferState": "COMMITTED"/);
    assert.match(
      out,
      /curl -i -X POST http:\/\/127\.0\.0\.1:\d+\/transfers .*-H 'FSPIOP-Source: walleta' -H 'FSPIOP-Destination: walletb'.*--data "\{\\"transferId\\":\\"\$TRANSFER_ID\\"/,
    );
    // The demo sent the README's payment by hand once itself, and it committed (else it exits 1).
    assert.match(out, /done once already: [0-9a-f-]{36}\)/);
    assert.match(out, /Demo done \(--once\): hub and simulators stopped\./);
    const log = await readFile(join(dir, 'hub.log'), 'utf8');
    assert.match(log, /"Mizani hub started"/);
    assert.ok(existsSync(join(dir, 'pglite')), 'the embedded database lives in the data folder');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the README's payment by hand carries the terms the demo's walletb issues for it", async () => {
  const readme = await readFile(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const terms = handPaymentBody('any');
  const section = readme.slice(readme.indexOf('## Your first payment'), readme.indexOf('## Configuration'));
  assert.ok(section.includes(`\\"ilpPacket\\":\\"${String(terms.ilpPacket)}\\"`), 'the ILP packet in the README is the one walletb issues');
  assert.ok(section.includes(`\\"condition\\":\\"${String(terms.condition)}\\"`), 'the condition in the README is the one walletb issues');
  assert.match(section, /-H 'FSPIOP-Source: walleta' -H 'FSPIOP-Destination: walletb'/);
  assert.ok(section.includes('\\"amount\\":{\\"amount\\":\\"5\\",\\"currency\\":\\"USD\\"}'), 'the amount of the packet');
});
