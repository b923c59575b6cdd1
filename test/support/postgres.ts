/**
 * Test databases on the machine's PostgreSQL: each test file creates its own database with a unique
 * name and drops it when done, so files can run in parallel and leave nothing behind.
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openDb, type Db } from '../../ledger/db.js';
import { migrate } from '../../ledger/migrate.js';

export const PG_ADMIN_URL = process.env.MIZANI_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function createTestDatabase(prefix = 'mizani_test'): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(PG_ADMIN_URL, name),
    async drop() {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Two hub processes on one migrated test database: each with its own pool, as two nodes have. */
export interface TwoNodes {
  dbA: Db;
  dbB: Db;
  close(): Promise<void>;
}

export async function twoNodesOnOneDatabase(prefix: string): Promise<TwoNodes> {
  const database = await createTestDatabase(prefix);
  const dbA = await openDb({ url: database.url, dataDir: '', poolSize: 4 });
  const dbB = await openDb({ url: database.url, dataDir: '', poolSize: 4 });
  await migrate(dbA);
  return {
    dbA,
    dbB,
    async close() {
      await dbA.close();
      await dbB.close();
      await database.drop();
    },
  };
}
