/**
 * Applies the SQL files in ledger/migrations in name order, each once, each in its own transaction.
 * A hand-rolled runner because it must drive both `pg` and PGlite through the same Db interface
 * (docs/decisions.md).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';

function migrationsDir(): string {
  // Source: ledger/migrate.ts -> ledger/migrations. Compiled: dist/ledger/migrate.js -> ../../ledger/migrations.
  for (const candidate of ['./migrations/', '../../ledger/migrations/']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error('ledger/migrations not found');
}

export async function migrate(db: Db): Promise<string[]> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migration (
    version text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const dir = migrationsDir();
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const applied: string[] = [];
  for (const file of files) {
    const version = file.replace(/\.sql$/, '');
    const done = await db.transaction(async (tx) => {
      // Serialises concurrent runners (several hub processes starting at once).
      await tx.query('SELECT pg_advisory_xact_lock(7343210)');
      const seen = await tx.query('SELECT 1 FROM schema_migration WHERE version = $1', [version]);
      if (seen.rows.length > 0) return false;
      await tx.exec(readFileSync(dir + file, 'utf8'));
      await tx.query('INSERT INTO schema_migration (version) VALUES ($1)', [version]);
      return true;
    });
    if (done) applied.push(version);
  }
  return applied;
}
