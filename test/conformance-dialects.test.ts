/**
 * The dialect scenarios of the conformance suite (conformance/scenarios/dialects.ts, docs/iso20022.md) against a hub
 * process on a fresh PostgreSQL database that signs every XML message it sends banks (an RSA certificate issued with
 * the hub's CLI, `mizani pki issue --hub --key rsa2048`) and verifies every bank message (MIZANI_XML_VERIFY=on).
 * Banks sign with RSA certificates of the same scheme CA. Afterwards every XML message that crossed the wire (sent by
 * the simulated banks, received from the hub, the admi.002 answers) is validated against the official ISO 20022 XSDs
 * (Xerces, one JVM), and every ISO 20022 JSON body the hub authored against the Mojaloop ISO JSON schemas.
 * The banks' settlement reports are among them: camt.054 and camt.052 (dialects scenarios) and, once the hub serves
 * the settlement API, the camt.054 and camt.053 of a settlement (`settlement: bank`, skipped until then).
 *
 * test/conformance.test.ts runs the same scenarios against a demo-profile hub (no XML signing, no verification): the
 * signature refusals are skipped there and the banks sign with self-signed certificates the suite makes itself.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runSuite, scenarios, settlementScenarios, type SuiteResult } from '../conformance/index.js';
import type { SuiteContext } from '../conformance/lib/context.js';
import { validateIsoJsonBody } from '../schemas/fspiop/validators.js';
import { issueCertificate } from '../switch/security/pki.js';
import { startHubProcess, type HubProcess } from './support/hub-process.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { officialVerdicts } from './support/xsd-official.js';

const CLI = fileURLToPath(new URL('../switch/cli.js', import.meta.url));
const run = promisify(execFile);

let dir: string;
let database: TestDatabase;
let hub: HubProcess;
let hubXmlCertificate: string;
let ca: { certPem: string; keyPem: string };

async function pki(...args: string[]): Promise<void> {
  try {
    await run(process.execPath, [CLI, 'pki', ...args]);
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`mizani pki ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

function report(result: SuiteResult): string {
  return `${result.failed.length} scenario(s) failed:\n\n` + result.failed.map((f) => `✖ ${f.name}\n  ${f.error.message.replace(/\n/g, '\n  ')}`).join('\n\n');
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mizani-dialects-'));
  const scheme = join(dir, 'pki');
  await pki('init', '--dir', scheme, '--key', 'ec');
  await pki('issue', '--dir', scheme, '--name', 'HubXml', '--hub', '--key', 'rsa2048');
  ca = { certPem: await readFile(join(scheme, 'ca', 'ca.crt'), 'utf8'), keyPem: await readFile(join(scheme, 'ca', 'ca.key'), 'utf8') };
  hubXmlCertificate = await readFile(join(scheme, 'HubXml', 'HubXml.crt'), 'utf8');
  database = await createTestDatabase('mizani_conformance_dialects');
  hub = await startHubProcess({
    MIZANI_DATABASE_URL: database.url,
    MIZANI_EXPIRY_SWEEP_MS: '200',
    MIZANI_XML_VERIFY: 'on',
    MIZANI_XML_SIGNING_CERT: join(scheme, 'HubXml', 'HubXml.crt'),
    MIZANI_XML_SIGNING_KEY: join(scheme, 'HubXml', 'HubXml.key'),
  });
});

after(async () => {
  await hub?.stop();
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Hub-authored ISO JSON bodies at the ISO JSON simulators, with the route of their schema. */
function isoJsonBodies(ctx: SuiteContext): Array<{ where: string; method: 'POST' | 'PUT'; route: string; body: unknown }> {
  const out: Array<{ where: string; method: 'POST' | 'PUT'; route: string; body: unknown }> = [];
  for (const sim of ctx.simulators) {
    if (sim.dialect !== 'iso20022-json/2.0') continue;
    for (const r of sim.requests) {
      if (r.headers['fspiop-source'] !== ctx.hubName || (r.method !== 'PUT' && r.method !== 'POST') || r.body === undefined) continue;
      const p = r.path.split('?')[0]!;
      let route: string | undefined;
      if (/^\/parties\/[^/]+\/[^/]+\/error$/.test(p)) route = '/parties/{Type}/{ID}/error';
      else if (/^\/parties\/[^/]+\/[^/]+$/.test(p)) route = '/parties/{Type}/{ID}';
      else if (p === '/quotes' || p === '/transfers') route = p;
      else if (/^\/(quotes|transfers)\/[^/]+\/error$/.test(p)) route = `/${p.split('/')[1]}/{ID}/error`;
      else if (/^\/(quotes|transfers)\/[^/]+$/.test(p)) route = `/${p.split('/')[1]}/{ID}`;
      if (route) out.push({ where: `${sim.name} ${r.method} ${p}`, method: r.method, route, body: r.body });
    }
  }
  return out;
}

test('dialect scenarios (docs/iso20022.md) against a hub that signs and verifies ISO 20022 XML', { timeout: 10 * 60_000 }, async (t) => {
  let xml: string[] = [];
  let iso: ReturnType<typeof isoJsonBodies> = [];
  const result = await runSuite({
    hubUrl: hub.fspiopUrl,
    adminUrl: hub.adminUrl,
    scenarios: [...scenarios, ...settlementScenarios.filter((s) => !scenarios.includes(s))],
    grep: process.env.DIALECTS_GREP ? new RegExp(process.env.DIALECTS_GREP) : /^(dialects:|fx-banks:|settlement: bank)/,
    dialects: {
      hubXmlCertificate,
      hubVerifiesXml: true,
      bankXmlCredentials: async (name) => {
        const c = await issueCertificate(ca, { name, kind: 'participant', keyType: 'rsa2048' });
        return { cert: c.certPem, key: c.keyPem };
      },
    },
    beforeClose: (ctx) => {
      for (const bank of ctx.banks) {
        for (const s of bank.sent) {
          if (s.sent.startsWith('<?xml') && !s.sent.includes('<!DOCTYPE') && s.status !== 400) xml.push(s.sent);
          if (s.reject) xml.push(s.body);
        }
        for (const m of bank.received) xml.push(m.text);
      }
      iso = isoJsonBodies(ctx);
    },
    onResult: (r) => t.diagnostic(`${r.skipped ? 'skip' : r.ok ? 'pass' : 'FAIL'} ${r.name} (${r.ms} ms)${r.skipped ? ` — ${r.skipped}` : ''}`),
  });
  t.diagnostic(`${result.passed} passed, ${result.skipped} skipped, ${result.failed.length} failed in ${result.ms} ms`);
  const failures: string[] = [];
  if (result.failed.length > 0) failures.push(report(result));

  // Every XML message that crossed the wire, against the official schemas.
  xml = [...new Set(xml)];
  if (xml.length > 0) {
    const verdicts = await officialVerdicts(xml);
    const bad = verdicts.map((v, i) => ({ v, i })).filter(({ v }) => !v.valid);
    t.diagnostic(`${xml.length} XML business messages validated against the official XSDs, ${bad.length} invalid`);
    if (bad.length)
      failures.push(
        `XML not valid against the official XSDs:\n${bad
          .slice(0, 5)
          .map(({ v, i }) => `  ${v.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('; ')}\n  ${xml[i]!.slice(0, 1500)}`)
          .join('\n\n')}`,
      );
  }
  // Every hub-authored ISO JSON body, against the Mojaloop ISO 20022 JSON schemas.
  const badIso = iso.map((b) => ({ b, issue: validateIsoJsonBody(b.method, b.route, b.body) })).filter((x) => x.issue);
  t.diagnostic(`${iso.length} hub-authored ISO 20022 JSON bodies validated, ${badIso.length} invalid`);
  if (badIso.length)
    failures.push(
      `ISO 20022 JSON bodies the hub authored that fail the schema:\n${badIso
        .slice(0, 5)
        .map((x) => `  ${x.b.where}: ${x.issue!.code} ${x.issue!.detail}\n  ${JSON.stringify(x.b.body).slice(0, 800)}`)
        .join('\n')}`,
    );

  assert.equal(failures.length, 0, failures.join('\n\n'));
  assert.ok(result.passed >= 10, `only ${result.passed} scenarios ran`);
  assert.equal(hub.child.exitCode, null, 'the hub is still running');
});
