// CLI: node dist/conformance/run.js --hub http://127.0.0.1:3000 --admin http://127.0.0.1:3001 [options]
import { parseArgs } from 'node:util';
import type { ScenarioResult } from './index.js';

const USAGE = `Usage: node dist/conformance/run.js --hub <url> --admin <url> [options]

  --hub <url>               FSPIOP base URL of the hub under test (required)
  --admin <url>             ledger admin base URL (required)
  --grep <regex>            run only scenarios whose name matches
  --hub-name <name>         hub participant name (default Hub)
  --timeout-ms <ms>         max wait for one expected callback (default 20000)
  --concurrency <n>         scenarios run at once (default 4)
  --callback-version <v>    Content-Type version of hub-authored messages, or 'any' (default 1.0)
  --bind-host <host>        address the DFSP simulators listen on (default 127.0.0.1)
  --advertise-host <host>   host put in the callback URLs registered on the hub (default = bind host)
  --currency <ccy>          currency of the simulated DFSPs (default USD)
  --no-sign                 do not add FSPIOP-Signature headers to signed prepares
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
      grep: { type: 'string' },
      'hub-name': { type: 'string' },
      'timeout-ms': { type: 'string' },
      concurrency: { type: 'string' },
      'callback-version': { type: 'string' },
      'bind-host': { type: 'string' },
      'advertise-host': { type: 'string' },
      currency: { type: 'string' },
      'no-sign': { type: 'boolean' },
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
  const line = (r: ScenarioResult) => console.log(`${r.ok ? green('pass') : red('FAIL')} ${r.name} (${r.ms} ms)`);

  const result = await runSuite({
    hubUrl: values.hub,
    adminUrl: values.admin,
    grep: values.grep,
    hubName: values['hub-name'],
    timeoutMs: num(values['timeout-ms'], 'timeout-ms'),
    concurrency: num(values.concurrency, 'concurrency'),
    callbackVersion: values['callback-version'],
    bindHost: values['bind-host'],
    advertisedHost: values['advertise-host'],
    currency: values.currency,
    sign: !values['no-sign'],
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
  console.log(`\n${result.passed} passed, ${result.failed.length} failed (${result.ms} ms)`);
  return result.failed.length === 0 && result.passed > 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? err.stack ?? err.message : String(err));
    process.exitCode = 2;
  },
);
