#!/usr/bin/env node
/**
 * mizani <command>
 *   start     run the hub (configuration from MIZANI_* variables, see README)
 *   migrate   apply database migrations and exit
 *   reconcile check that positions, journal, window flows and settlement figures agree (mizani reconcile --help)
 *   audit     verify the hash-chained audit log and its signed checkpoints (mizani audit --help)
 *   pki       create a scheme CA and issue hub and participant certificates (mizani pki --help)
 *   translate one message from one dialect to another (FSPIOP, ISO 20022 JSON, ISO 20022 XML)
 *   validate  an ISO 20022 XML file against the runtime or the official schemas
 *   user      the Admin API's users and their roles (mizani user --help)
 *   relay     the proxy relay between two Mizani schemes (mizani relay --help)
 * Every command answers -h / --help with its usage on standard output (exit 0); a command-line mistake exits 2.
 */
import { openDb } from '../ledger/db.js';
import { migrate } from '../ledger/migrate.js';
import { parseCommandLine, UsageError } from './cli-args.js';
import { commandConfig, databaseOptions } from './config.js';
import { startHub } from './hub.js';

type Print = (line: string) => void;

const USAGE = [
  'usage: mizani <command> [options]      (no command: start)',
  '  start       run the hub (configuration from MIZANI_* environment variables, see the README)',
  '  migrate     apply the database migrations and exit',
  '  reconcile   check that positions, journal, window flows and settlement figures agree (mizani reconcile --help)',
  '  audit       verify the audit log: its hash chain, signed checkpoints and head (mizani audit verify --help)',
  '  pki         a scheme PKI: CA, hub and participant certificates, CRL (mizani pki --help)',
  '  user        the Admin API users: add, passwd, set, list (mizani user --help)',
  '  relay       relay FSPIOP messages between two Mizani schemes as their proxy participant (mizani relay --help)',
  '  translate   one message from one dialect to another: FSPIOP, ISO 20022 JSON, ISO 20022 XML (mizani translate --help)',
  '  validate    an ISO 20022 XML file against the runtime or the official schemas (mizani validate --help)',
  '  help        this text (also -h, --help; every command takes --help)',
];

const COMMAND_USAGE: Record<'start' | 'migrate', string[]> = {
  start: [
    'usage: mizani start',
    '  runs the hub: FSPIOP API, Admin API and the ISO 20022 XML edge; configuration from MIZANI_* environment variables (README)',
    'exit codes: 0 stopped by SIGINT/SIGTERM; 2 invalid configuration',
  ],
  migrate: [
    'usage: mizani migrate',
    '  applies the database migrations (ledger/migrations) to MIZANI_DATABASE_URL, or the embedded database, and exits',
    'exit codes: 0 done; 2 invalid configuration',
  ],
};

/** start / migrate take no options but -h/--help: their usage, or a usage error. */
function commandLine(command: 'start' | 'migrate', args: string[], out: Print, err: Print): number | undefined {
  try {
    if (!parseCommandLine(args, {}, command).help) return undefined;
    COMMAND_USAGE[command].forEach((l) => out(l));
    return 0;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`mizani ${command}: ${e.message}`);
    err(COMMAND_USAGE[command][0]!);
    return 2;
  }
}

async function runHub(command: 'start' | 'migrate', out: Print, err: Print): Promise<number> {
  const config = commandConfig(err);
  if (!config) return 2;
  if (command === 'start') {
    const hub = await startHub(config);
    const shutdown = (signal: string) => {
      hub.log.info({ signal }, 'shutting down');
      void hub.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.on('unhandledRejection', (e) => hub.log.error({ err: e }, 'unhandled rejection'));
    return -1; // keep running
  }
  const db = await openDb({ ...databaseOptions(config), poolSize: 1 });
  try {
    const applied = await migrate(db);
    out(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await db.close();
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'start';
  const args = argv.slice(1);
  const print: Print = (line) => process.stdout.write(`${line}\n`);
  const printErr: Print = (line) => process.stderr.write(`${line}\n`);
  switch (command) {
    case 'translate':
      return (await import('./translate-cli.js')).translateCommand(args, print, printErr);
    case 'validate':
      return (await import('../translators/isoxml/cli.js')).validateCommand(args, print, printErr);
    case 'reconcile':
      return (await import('./reconcile-cli.js')).reconcileCommand(args, print, printErr);
    case 'audit':
      return (await import('./audit/verify-cli.js')).auditCommand(args, print, printErr);
    case 'pki':
      // Needs no configuration: it only writes certificate files.
      return (await import('./security/pki-cli.js')).pkiCommand(args, print, printErr);
    case 'user':
      return (await import('./user-cli.js')).userCommand(args, print, printErr);
    case 'relay':
      // Needs no hub configuration: it joins two hubs as their proxy participant.
      return (await import('./interscheme/relay-cli.js')).relayCommand(args, print, printErr);
    case 'start':
    case 'migrate':
      return commandLine(command, args, print, printErr) ?? runHub(command, print, printErr);
    case 'help':
    case '--help':
    case '-h':
      USAGE.forEach(print);
      return 0;
    default:
      printErr(`mizani: unknown command "${command}" (try: start, migrate, reconcile, audit, pki, translate, validate, relay, user, help)`);
      printErr(USAGE[0]!);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    process.stderr.write(`mizani: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
