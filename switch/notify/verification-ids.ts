/**
 * acmt.023 Vrfctn/Id is Max35Text; a party path (`Type/ID[/SubId]`) can be longer (ids are up to 128
 * characters). For such a lookup the hub sends a bank a message id instead and remembers which path it
 * stands for, so the bank's acmt.024 (Rpt/OrgnlId = that id) is routed back to the full path. The bank's
 * answer may reach any hub process, so the ids are kept in PostgreSQL (table verification_id, migration
 * 010) for as long as a lookup may take to be answered, and purged after.
 */
import type { Db } from '../../ledger/db.js';
import { newMessageId } from '../core/status.js';
import type { PartyPath } from '../core/outbox.js';

const MAX_ID = 35;

export class VerificationIds {
  private lastPurge = 0;

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 60 * 60_000,
  ) {}

  /** The Vrfctn/Id for a lookup of `path`: the path itself when it fits, else a message id, remembered (durably) first. */
  async idFor(path: PartyPath): Promise<string> {
    const text = `${path.type}/${path.id}${path.subId !== undefined ? `/${path.subId}` : ''}`;
    if (text.length <= MAX_ID) return text;
    const id = newMessageId();
    await this.db.query(
      'INSERT INTO verification_id (id, party_type, party_id, sub_id) VALUES ($1, $2, $3, $4)',
      [id, path.type, path.id, path.subId ?? null],
      'verification_id_insert',
    );
    this.purgeNowAndThen();
    return id;
  }

  /** The path an acmt.024 answers: a remembered id, else the `Type/ID[/SubId]` text itself. */
  async pathOf(orgnlId: string): Promise<PartyPath> {
    // A path always has a '/'; a remembered id (a ULID) never does.
    if (!orgnlId.includes('/')) {
      const rows = await this.db.query<{ party_type: string; party_id: string; sub_id: string | null }>(
        'SELECT party_type, party_id, sub_id FROM verification_id WHERE id = $1',
        [orgnlId],
        'verification_id_find',
      );
      const row = rows.rows[0];
      if (row) return { type: row.party_type, id: row.party_id, ...(row.sub_id !== null ? { subId: row.sub_id } : {}) };
    }
    const [type = '', id = '', subId] = orgnlId.split('/');
    return { type, id, ...(subId !== undefined ? { subId } : {}) };
  }

  /** At most once a minute per process: ids older than the TTL go (any process may; the delete is idempotent). */
  private purgeNowAndThen(): void {
    const now = Date.now();
    if (now - this.lastPurge < 60_000) return;
    this.lastPurge = now;
    this.db.query(`DELETE FROM verification_id WHERE created_at < now() - make_interval(secs => $1)`, [this.ttlMs / 1000]).catch(() => undefined);
  }
}
