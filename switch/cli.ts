#!/usr/bin/env node
/**
 * mizani <command>
 *   start     run the hub (configuration from MIZANI_* variables, see README)
 *   migrate   apply database migrations and exit
 *   pki       create a scheme CA and issue hub and participant certificates (mizani pki --help)
 *   translate one message from one dialect to another (FSPIOP, ISO 20022 JSON, ISO 20022 XML)
 *   validate  an ISO 20022 XML file against the runtime or the official schemas
 */
import { openDb } from '../ledger/db.js';
import { migrate } from '../ledger/migrate.js';
import { ConfigError, loadConfig } from './config.js';
import { startHub } from './hub.js';

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'start';
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const printErr = (line: string) => process.stderr.write(`${line}\n`);
  if (command === 'translate') {
    const { translateCommand } = await import('./translate-cli.js');
    return translateCommand(argv.slice(1), print, printErr);
  }
  if (command === 'validate') {
    const { validateCommand } = await import('../translators/isoxml/cli.js');
    return validateCommand(argv.slice(1), print, printErr);
  }
  if (command === 'pki') {
    // Needs no configuration: it only writes certificate files.
    const { pkiCommand } = await import('./security/pki-cli.js');
    return pkiCommand(argv.slice(1), (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`));
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`mizani: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  switch (command) {
    case 'start': {
      const hub = await startHub(config);
      const shutdown = (signal: string) => {
        hub.log.info({ signal }, 'shutting down');
        void hub.stop().then(() => process.exit(0));
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.on('unhandledRejection', (err) => hub.log.error({ err }, 'unhandled rejection'));
      return -1; // keep running
    }
    case 'migrate': {
      const db = await openDb({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
      try {
        const applied = await migrate(db);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      } finally {
        await db.close();
      }
      return 0;
    }
    case 'help':
    case '--help':
      process.stdout.write('usage: mizani start | migrate | pki <init|issue|revoke|crl|show> ... | translate ... | validate <file.xml> ...\n');
      return 0;
    default:
      process.stderr.write(`mizani: unknown command "${command}" (try: start, migrate, pki, translate, validate)\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    process.stderr.write(`mizani: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
