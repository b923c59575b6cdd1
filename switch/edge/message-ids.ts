/**
 * Business message ids (BizMsgIdr) banks sent, per sender: a resent id is a duplicate (DU01) whichever hub process it
 * reaches, so they are kept in PostgreSQL (table message_seen, migration 011): one indexed insert per bank message,
 * kept for `retentionMs` and purged after by whichever process inserts (at most once a minute each).
 */
import type { Db } from '../../ledger/db.js';

export const MESSAGE_ID_RETENTION_MS = 24 * 60 * 60_000;

export class SeenMessageIds {
  private lastPurge = 0;

  constructor(
    private readonly db: Db,
    private readonly retentionMs = MESSAGE_ID_RETENTION_MS,
  ) {}

  /** Records `id` from `sender`; false when it was recorded before (by any hub process, within the retention). */
  async firstTime(sender: string, id: string): Promise<boolean> {
    // An id past its retention but not purged yet counts as new (and is kept again from now).
    const inserted = await this.db.query(
      `INSERT INTO message_seen (sender, id) VALUES ($1, $2)
       ON CONFLICT (sender, id) DO UPDATE SET seen_at = now() WHERE message_seen.seen_at < now() - make_interval(secs => $3)`,
      [sender, id, this.retentionMs / 1000],
      'message_seen_insert',
    );
    this.purgeNowAndThen();
    return inserted.rowCount === 1;
  }

  private purgeNowAndThen(): void {
    const now = Date.now();
    if (now - this.lastPurge < 60_000) return;
    this.lastPurge = now;
    this.db.query(`DELETE FROM message_seen WHERE seen_at < now() - make_interval(secs => $1)`, [this.retentionMs / 1000]).catch(() => undefined);
  }
}
