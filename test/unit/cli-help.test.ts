/**
 * Every CLI answers -h / --help with its usage on standard output and exit 0 (issue 10: `mizani translate --help` was a
 * usage error), and refuses an unknown option with exit 2 and the reason on standard error — through the real
 * entry point, as an operator runs it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../switch/cli.js', import.meta.url));

function mizani(...args: string[]) {
  // No database is configured: --help must not need one (nor start a hub).
  const env = { ...process.env, MIZANI_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env, timeout: 20_000 });
}

const HELP: Array<[string[], RegExp]> = [
  [['--help'], /^usage: mizani <command>/],
  [['-h'], /^usage: mizani <command>/],
  [['help'], /^usage: mizani <command>/],
  [['start', '--help'], /^usage: mizani start\n/],
  [['start', '-h'], /^usage: mizani start\n/],
  [['migrate', '--help'], /^usage: mizani migrate\n/],
  [['reconcile', '--help'], /^usage: mizani reconcile \[--json\]\n/],
  [['reconcile', '-h'], /^usage: mizani reconcile \[--json\]\n/],
  [['pki', '--help'], /^usage: mizani pki /],
  [['pki', 'issue', '-h'], /^usage: mizani pki /],
  [['translate', '--help'], /^usage: mizani translate --from/],
  [['translate', '-h'], /^usage: mizani translate --from/],
  [['validate', '--help'], /^usage: mizani validate <file\.xml>/],
  [['validate', '-h'], /^usage: mizani validate <file\.xml>/],
  [['relay', '--help'], /^usage: mizani relay --config FILE\n/],
  [['relay', '-h'], /^usage: mizani relay --config FILE\n/],
];

test('every command answers --help and -h: usage on stdout, exit 0', () => {
  for (const [args, usage] of HELP) {
    const r = mizani(...args);
    assert.equal(r.status, 0, `mizani ${args.join(' ')}: exit ${r.status}\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, usage, `mizani ${args.join(' ')}`);
    assert.equal(r.stderr, '', `mizani ${args.join(' ')}: nothing on stderr`);
  }
  assert.match(mizani('--help').stdout, /translate .*\n.*validate .*\n.*help .*every command takes --help/);
});

test('unknown options and commands are usage errors: exit 2, the reason on stderr', () => {
  const cases: Array<[string[], RegExp]> = [
    [['frobnicate'], /unknown command "frobnicate"/],
    [['start', '--port', '80'], /mizani start: unknown option --port for "start"/],
    [['migrate', 'now'], /mizani migrate: unexpected argument "now"/],
    [['reconcile', '--csv'], /mizani reconcile: unknown option --csv for "reconcile"/],
    [
      ['translate', '--from', 'fspiop', '--to', 'isoxml', '--message', 'transfer', '--colour', 'red'],
      /mizani translate: unknown option --colour for "translate"/,
    ],
    [['translate', '--to', 'isoxml', '--message', 'transfer'], /missing required option --from/],
    [['translate', '--from', 'fspiop', '--to', 'isoxml', '--message', 'transfer', '--profile', 'iso-1999'], /--profile must be iso-2019 or iso-2026/],
    [['validate', 'x.xml', '--strict'], /mizani validate: Unknown option '--strict'/],
    [['pki', 'init', '--dir', '/tmp/x', '--colour'], /unknown option --colour for "pki init"/],
    [['relay'], /mizani relay: --config FILE is required/],
    [['relay', '--config', '/nonexistent/relay.json'], /mizani relay: ENOENT/],
  ];
  for (const [args, reason] of cases) {
    const r = mizani(...args);
    assert.equal(r.status, 2, `mizani ${args.join(' ')}: exit ${r.status}\n${r.stdout}${r.stderr}`);
    assert.match(r.stderr, reason, `mizani ${args.join(' ')}`);
    assert.match(r.stderr, /usage: mizani/, `mizani ${args.join(' ')}: the usage line follows the reason`);
  }
});
