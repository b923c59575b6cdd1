/**
 * MIZANI_DATABASE_URL with a list of hosts (ledger/pg-hosts.ts, docs/operations-postgresql.md): what each host becomes,
 * and the precise refusal of a malformed list, at configuration time (exit 2 through the real entry point).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDatabaseUrl } from '../../ledger/pg-hosts.js';
import { DatabaseUnavailableError, isConnectionLoss, NotPrimaryError } from '../../ledger/pg-primary.js';
import { loadConfig } from '../../switch/config.js';

test('a list of hosts becomes one URL per host, same user, password, database and parameters', () => {
  assert.deepEqual(parseDatabaseUrl('postgres://mizani:s3cret@db1:5433,db2,[fd00::7]:6000/ledger?sslmode=require&target_session_attrs=read-write'), [
    { label: 'db1:5433', connectionString: 'postgres://mizani:s3cret@db1:5433/ledger?sslmode=require' },
    { label: 'db2:5432', connectionString: 'postgres://mizani:s3cret@db2:5432/ledger?sslmode=require' },
    { label: '[fd00::7]:6000', connectionString: 'postgres://mizani:s3cret@[fd00::7]:6000/ledger?sslmode=require' },
  ]);
  assert.deepEqual(parseDatabaseUrl('postgresql://10.0.0.1,10.0.0.2'), [
    { label: '10.0.0.1:5432', connectionString: 'postgresql://10.0.0.1:5432' },
    { label: '10.0.0.2:5432', connectionString: 'postgresql://10.0.0.2:5432' },
  ]);
});

test('one host is read as before (a socket folder as ?host= included)', () => {
  assert.deepEqual(parseDatabaseUrl('postgres://u@h:5432/db'), [{ label: 'h:5432', connectionString: 'postgres://u@h:5432/db' }]);
  assert.deepEqual(parseDatabaseUrl('postgres://u@/db?host=/var/run/postgresql'), [
    { label: 'localhost', connectionString: 'postgres://u@/db?host=/var/run/postgresql' },
  ]);
  assert.deepEqual(parseDatabaseUrl('postgres://u@h/db?target_session_attrs=primary'), [{ label: 'h', connectionString: 'postgres://u@h/db' }]);
});

test('a malformed host list is refused with a precise message that never shows the password', () => {
  const refused: Array<[string, RegExp]> = [
    ['postgres://u:pw@h1:5432,,h2/db', /host 2 of 3 is empty/],
    ['postgres://u:pw@h1:5432,h2:5432,/db', /host 3 of 3 is empty/],
    ['postgres://u:pw@h1:5432,h2:99999/db', /host 2 of 2 \("h2:99999"\) has port 99999, not 1\.\.65535/],
    ['postgres://u:pw@h1:5432,h2:0/db', /host 2 of 2 \("h2:0"\) has port 0/],
    ['postgres://u:pw@h1:5432,h 2/db', /host 2 of 2 \("h 2"\) is not host or host:port/],
    ['postgres://u:pw@h1:5432,h2:54x2/db', /host 2 of 2 \("h2:54x2"\) is not host or host:port/],
    ['postgres://u:pw@h1:5432,h1/db', /lists the host h1:5432 twice/],
    ['postgres://u:pw@h1,h2/db?target_session_attrs=any', /target_session_attrs=any: the hub writes, so it connects only to the primary/],
    ['postgres://u:pw@h1/db?target_session_attrs=standby', /target_session_attrs=standby/],
    ['postgres://u:pw@h1,h2/db?host=h3', /names host= as a parameter: list the hosts before the path/],
  ];
  for (const [url, message] of refused) {
    assert.throws(
      () => loadConfig({ MIZANI_DATABASE_URL: url }),
      (err: Error) => {
        assert.match(err.message, /^MIZANI_DATABASE_URL /, url);
        assert.match(err.message, message, url);
        assert.doesNotMatch(err.message, /pw/, `${url}: the password is not in the message`);
        return true;
      },
    );
  }
  assert.throws(() => loadConfig({ MIZANI_DATABASE_URL: 'mysql://x' }), /MIZANI_DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//);
  assert.equal(loadConfig({ MIZANI_DATABASE_URL: 'postgres://u@h1:5432,h2:5432/db' }).databaseUrl, 'postgres://u@h1:5432,h2:5432/db');
  assert.throws(() => loadConfig({ MIZANI_DB_PRIMARY_WAIT_S: 'soon' }), /MIZANI_DB_PRIMARY_WAIT_S must be a whole number/);
  assert.throws(() => loadConfig({ MIZANI_DB_CONNECT_TIMEOUT_MS: '10' }), /MIZANI_DB_CONNECT_TIMEOUT_MS must be between 100 and 600000/);
});

test('mizani start with a malformed host list exits 2 naming the setting and the host, before touching a database', () => {
  const cli = fileURLToPath(new URL('../../switch/cli.js', import.meta.url));
  const r = spawnSync(process.execPath, [cli, 'start'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, MIZANI_DATABASE_URL: 'postgres://mizani:pw@db1:5432,db2:5432x/ledger' },
    timeout: 20_000,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, 'mizani: MIZANI_DATABASE_URL host 2 of 2 ("db2:5432x") is not host or host:port (a name, an IPv4 address or an [IPv6] address)\n');
});

test('which errors mean the primary is gone', () => {
  const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  for (const err of [
    coded('ECONNREFUSED'),
    coded('ECONNRESET'),
    coded('57P01', 'terminating connection due to administrator command'),
    coded('57P03', 'the database system is shutting down'),
    coded('25006', 'cannot execute INSERT in a read-only transaction'),
    coded('08006'),
    new Error('Connection terminated unexpectedly'),
    new Error('Client has encountered a connection error and is not queryable'),
    new Error('Cannot use a pool after calling end on the pool'),
    new NotPrimaryError('h:5432'),
    new DatabaseUnavailableError('searching'),
    new Error('batch failed', { cause: coded('EPIPE') }),
  ]) {
    assert.ok(isConnectionLoss(err), String(err));
  }
  for (const err of [coded('23505', 'duplicate key'), coded('40001', 'could not serialize'), new Error('no settlement window is OPEN'), 'text']) {
    assert.ok(!isConnectionLoss(err), String(err));
  }
});
