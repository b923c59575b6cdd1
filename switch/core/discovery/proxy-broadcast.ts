/**
 * Discovery across schemes (docs/interscheme.md, "Discovery"): a GET /parties that no oracle entry answers is sent to
 * every active proxy but the one it came from; the first PUT /parties a proxy returns is the answer, later ones are
 * dropped, and the requester hears 3204 when every proxy asked answered with an error or none answered in time.
 * The state of each broadcast is a row (`proxy_discovery`, migration 022), since the answers may reach any hub node;
 * an identical lookup while one is in flight is not broadcast again (Mojaloop keeps its list ~40 s for the same
 * reason). The node that broadcast times it out.
 */
import type { Db } from '../../../ledger/db.js';
import type { PartyPath } from '../outbox.js';

export function partyText(path: PartyPath): string {
  return `${path.type}/${path.id}${path.subId !== undefined ? `/${path.subId}` : ''}`;
}

/** What an answer from a proxy is to the broadcast it may answer. */
export type AnswerVerdict =
  /** The first answer of an open broadcast: forward it. */
  | 'first'
  /** An answer after the broadcast finished: dropped. */
  | 'late'
  /** No broadcast asked that proxy: an ordinary answer, forwarded. */
  | 'unrelated';

export class ProxyBroadcasts {
  constructor(
    private readonly db: Db,
    readonly timeoutMs: number,
  ) {}

  /**
   * Opens a broadcast to `proxies`; undefined when an identical one is still open (not sent again). The value names
   * this broadcast (its start, as text: a JS Date would lose the microseconds the row keeps).
   */
  async open(requester: string, path: PartyPath, proxies: string[]): Promise<string | undefined> {
    const row = await this.db.query<{ started_at: string }>(
      `INSERT INTO proxy_discovery (requester, party, asked, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4::float8 / 1000))
       ON CONFLICT (requester, party) DO UPDATE
          SET asked = EXCLUDED.asked, failed = '{}', started_at = now(), expires_at = EXCLUDED.expires_at,
              finished_at = NULL, outcome = NULL, answered_by = NULL
        WHERE proxy_discovery.finished_at IS NOT NULL OR proxy_discovery.expires_at < now()
       RETURNING started_at::text AS started_at`,
      [requester, partyText(path), proxies, this.timeoutMs],
    );
    return row.rows[0]?.started_at;
  }

  /** A proxy's PUT /parties for `requester`. */
  async answered(requester: string, path: PartyPath, proxy: string): Promise<AnswerVerdict> {
    const first = await this.db.query(
      `UPDATE proxy_discovery SET finished_at = now(), outcome = 'ANSWERED', answered_by = $3
        WHERE requester = $1 AND party = $2 AND finished_at IS NULL AND $3 = ANY (asked)
       RETURNING 1`,
      [requester, partyText(path), proxy],
    );
    if (first.rowCount > 0) return 'first';
    return (await this.askedBefore(requester, path, proxy)) ? 'late' : 'unrelated';
  }

  /** A proxy's PUT /parties/.../error: 'all-failed' when it was the last proxy still expected. */
  async failed(requester: string, path: PartyPath, proxy: string): Promise<AnswerVerdict | 'waiting' | 'all-failed'> {
    const row = await this.db.query<{ all_failed: boolean }>(
      `UPDATE proxy_discovery
          SET failed = array_append(failed, $3),
              finished_at = CASE WHEN cardinality(failed) + 1 >= cardinality(asked) THEN now() END,
              outcome = CASE WHEN cardinality(failed) + 1 >= cardinality(asked) THEN 'FAILED' END
        WHERE requester = $1 AND party = $2 AND finished_at IS NULL AND $3 = ANY (asked) AND NOT ($3 = ANY (failed))
       RETURNING finished_at IS NOT NULL AS all_failed`,
      [requester, partyText(path), proxy],
    );
    if (row.rowCount > 0) return row.rows[0]!.all_failed ? 'all-failed' : 'waiting';
    return (await this.askedBefore(requester, path, proxy)) ? 'late' : 'unrelated';
  }

  /** The broadcast opened at `startedAt` is past its time: true when this call finished it (the requester is told). */
  async timedOut(requester: string, path: PartyPath, startedAt: string): Promise<boolean> {
    const row = await this.db.query(
      `UPDATE proxy_discovery SET finished_at = now(), outcome = 'TIMED_OUT'
        WHERE requester = $1 AND party = $2 AND finished_at IS NULL AND started_at = $3::timestamptz
       RETURNING 1`,
      [requester, partyText(path), startedAt],
    );
    return row.rowCount > 0;
  }

  private async askedBefore(requester: string, path: PartyPath, proxy: string): Promise<boolean> {
    const row = await this.db.query('SELECT 1 FROM proxy_discovery WHERE requester = $1 AND party = $2 AND $3 = ANY (asked)', [
      requester,
      partyText(path),
      proxy,
    ]);
    return row.rowCount > 0;
  }
}
