// CLI: node dist/conformance/run.js --hub http://127.0.0.1:3000 --admin http://127.0.0.1:3001 [options]
import { parseArgs } from 'node:util';
import type { ScenarioResult } from './index.js';

const USAGE = `Usage: node dist/conformance/run.js --hub <url> --admin <url> [options]

  --hub <url>               FSPIOP base URL of the hub under test (required)
  --admin <url>             ledger admin base URL (required)
  --admin-token <token>     bearer token for the admin API (default: MIZANI_ADMIN_TOKEN)
  --grep <regex>            run only scenarios whose name matches
  --hub-name <name>         hub participant name (default Hub)
  --timeout-ms <ms>         max wait for one expected callback (default 20000)
  --concurrency <n>         scenarios run at once (default 4)
  --callback-version <v>    Content-Type version of hub-authored messages, or 'any' (default 1.0)
  --bind-host <host>        address the DFSP simulators listen on (default 127.0.0.1)
  --advertise-host <host>   host put in the callback URLs registered on the hub (default = bind host)
  --currency <ccy>          currency of the simulated DFSPs (default USD)
  --no-sign                 do not add FSPIOP-Signature headers to signed prepares

Secured hub (security.md §1, §3; adds the 'security:' scenarios):
  --ca <file>               scheme CA certificate (PEM): the FSPIOP API is mutual TLS (--hub https://...);
                            every simulated DFSP uses its own certificate as TLS client and callback server
  --cert-dir <dir>          DFSP certificates issued beforehand: <name>.crt/.key or <name>/<name>.crt/.key
                            (e.g. mizani pki issue --name N --ip <advertise host>); the names become the
                            participants of the run, each used once (issue about 50 fresh ones per full run)
  --foreign-cert <file> --foreign-key <file>   a client certificate of another CA (must be refused)
  --revoked-cert <file> --revoked-key <file>   a scheme certificate listed in the hub's CRL (must be refused)
  --sign                    sign every message with a body with a per-DFSP key registered through the
                            Admin API (POST /participants/{name}/jwsKeys)
  --jws-alg <alg>           RS256, ES256 or mixed (default mixed)
  --hub-public-key <file>   the hub's JWS public key (PEM): hub-authored messages must be signed with it
  --date-window-s <s>       the hub's Date window (default 300)

  --list                    list scenario names and exit
  -h, --help                this text`;

async function main(): Promise<number> {
  // failure stacks point at the .ts scenario lines: enable before the suite modules load
  process.setSourceMapsEnabled(true);
  const { runSuite, scenarios, selectScenarios } = await import('./index.js');
  const { values } = parseArgs({
    options: {
      hub: { type: 'string' },
      admin: { type: 'string' },
      'admin-token': { type: 'string' },
      grep: { type: 'string' },
      'hub-name': { type: 'string' },
      'timeout-ms': { type: 'string' },
      concurrency: { type: 'string' },
      'callback-version': { type: 'string' },
      'bind-host': { type: 'string' },
      'advertise-host': { type: 'string' },
      currency: { type: 'string' },
      'no-sign': { type: 'boolean' },
      ca: { type: 'string' },
      'cert-dir': { type: 'string' },
      'foreign-cert': { type: 'string' },
      'foreign-key': { type: 'string' },
      'revoked-cert': { type: 'string' },
      'revoked-key': { type: 'string' },
      sign: { type: 'boolean' },
      'jws-alg': { type: 'string' },
      'hub-public-key': { type: 'string' },
      'date-window-s': { type: 'string' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.list) {
    for (const s of selectScenarios(scenarios, values.grep)) console.log(s.name);
    return 0;
  }
  if (!values.hub || !values.admin) {
    console.error(USAGE);
    return 2;
  }
  const num = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const useColor = process.stdout.isTTY;
  const green = (s: string) => (useColor ? `\x1b[32m${s}\x1b[0m` : s);
  const red = (s: string) => (useColor ? `\x1b[31m${s}\x1b[0m` : s);
  const line = (r: ScenarioResult) => console.log(r.skipped ? `skip ${r.name} — ${r.skipped}` : `${r.ok ? green('pass') : red('FAIL')} ${r.name} (${r.ms} ms)`);

  const { readFile } = await import('node:fs/promises');
  const read = (file: string | undefined) => (file === undefined ? undefined : readFile(file, 'utf8'));
  const pairOf = async (cert: string | undefined, key: string | undefined, name: string) => {
    if ((cert === undefined) !== (key === undefined)) throw new Error(`--${name}-cert and --${name}-key go together`);
    return cert === undefined ? undefined : { cert: (await read(cert))!, key: (await read(key))! };
  };
  const jwsAlg = values['jws-alg'];
  if (jwsAlg !== undefined && !['RS256', 'ES256', 'mixed'].includes(jwsAlg)) throw new Error('--jws-alg must be RS256, ES256 or mixed');
  if (values['cert-dir'] && !values.ca) throw new Error('--cert-dir needs --ca');
  const secured = values.ca || values.sign || values['hub-public-key'];
  const security = secured
    ? {
        ca: await read(values.ca),
        certDir: values['cert-dir'],
        foreignCertificate: await pairOf(values['foreign-cert'], values['foreign-key'], 'foreign'),
        revokedCertificate: await pairOf(values['revoked-cert'], values['revoked-key'], 'revoked'),
        sign: values.sign ?? false,
        jwsAlg: jwsAlg as 'RS256' | 'ES256' | 'mixed' | undefined,
        hubPublicKey: await read(values['hub-public-key']),
        dateWindowS: num(values['date-window-s'], 'date-window-s'),
      }
    : undefined;

  const result = await runSuite({
    hubUrl: values.hub,
    adminUrl: values.admin,
    adminToken: values['admin-token'] ?? process.env.MIZANI_ADMIN_TOKEN,
    grep: values.grep,
    hubName: values['hub-name'],
    timeoutMs: num(values['timeout-ms'], 'timeout-ms'),
    concurrency: num(values.concurrency, 'concurrency'),
    callbackVersion: values['callback-version'],
    bindHost: values['bind-host'],
    advertisedHost: values['advertise-host'],
    currency: values.currency,
    sign: !values['no-sign'],
    security,
    onResult: line,
  });

  if (result.failed.length > 0) {
    console.log(`\nFailures (${result.failed.length}):`);
    for (const f of result.failed) {
      const all = (f.error.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
      const inScenario = all.filter((l) => l.includes('/scenarios/'));
      const frames = (inScenario.length ? inScenario : all).slice(0, 3).map((l) => l.trim());
      console.log(`\n✖ ${f.name}\n  ${f.error.message.replace(/\n/g, '\n  ')}${frames.length ? '\n    ' + frames.join('\n    ') : ''}`);
    }
  }
  if (result.results.length === 0) console.log('\nno scenario matched --grep');
  console.log(`\n${result.passed} passed, ${result.failed.length} failed${result.skipped ? `, ${result.skipped} skipped` : ''} (${result.ms} ms)`);
  return result.failed.length === 0 && result.passed > 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 2;
  },
);
