/**
 * Verification ids both ways, in PostgreSQL: a bank's answer, or the answer to a bank, may reach any hub process.
 *
 * The hub asks a bank (acmt.023): Vrfctn/Id is Max35Text; a party path (`Type/ID[/SubId]`) can be longer (ids are up
 * to 128 characters). For such a lookup the hub sends a bank a message id instead and remembers which path it stands
 * for, so the bank's acmt.024 (Rpt/OrgnlId = that id) is routed back to the full path (table verification_id,
 * migration 011).
 *
 * A bank asks the hub (acmt.023): the answer is a PUT /parties about the path (or the hub's own error), which names no
 * Vrfctn/Id. The bank's ids are remembered by bank and path before its acmt.023 is acknowledged, so that the acmt.024
 * the hub sends it names them: Rpt/OrgnlId = its Vrfctn/Id, OrgnlAssgnmt = its Assgnmt (table verification_request,
 * migration 016). An answer goes to every request of that bank for that path still open; once none is, a further
 * answer (another holder's, a repeat) goes to the latest request.
 *
 * Both are kept for as long as a lookup may take to be answered, and purged after.
 */
import type { Db } from '../../ledger/db.js';
import { newMessageId } from '../core/status.js';
import type { PartyPath } from '../core/outbox.js';

const MAX_ID = 35;

/** What a bank's acmt.023 named itself by: `Vrfctn/Id` and its `Assgnmt` (MsgId, CreDtTm as written). */
export interface BankVerification {
  id: string;
  msgId: string;
  creDtTm: string;
}

interface BankVerificationRow {
  vrfctn_id: string;
  msg_id: string;
  cre_dt_tm: string;
  created_at: Date;
}

const asked = (r: BankVerificationRow): BankVerification => ({ id: r.vrfctn_id, msgId: r.msg_id, creDtTm: r.cre_dt_tm });

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

  /**
   * A bank's acmt.023 about `path`, remembered durably before it is acknowledged. The same Vrfctn/Id again (a resend)
   * opens it again.
   */
  async rememberBankRequest(bank: string, path: PartyPath, request: BankVerification): Promise<void> {
    await this.db.query(
      `INSERT INTO verification_request (bank, vrfctn_id, party_type, party_id, sub_id, msg_id, cre_dt_tm) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (bank, vrfctn_id) DO UPDATE SET party_type = EXCLUDED.party_type, party_id = EXCLUDED.party_id, sub_id = EXCLUDED.sub_id,
         msg_id = EXCLUDED.msg_id, cre_dt_tm = EXCLUDED.cre_dt_tm, answered_at = NULL, created_at = now()`,
      [bank, request.id, path.type, path.id, path.subId ?? null, request.msgId, request.creDtTm],
      'verification_request_insert',
    );
    this.purgeNowAndThen();
  }

  /** A request the hub refused at once (the bank got an admi.002): nothing will answer it. */
  async forgetBankRequest(bank: string, id: string): Promise<void> {
    await this.db.query('DELETE FROM verification_request WHERE bank = $1 AND vrfctn_id = $2', [bank, id]);
  }

  /**
   * The requests of `bank` an answer about `path` answers, oldest first: every one still open (marked answered, in one
   * statement, so that two processes answering at once do not both take one), else the latest; none when the bank
   * asked nothing about it within the TTL.
   */
  async bankRequestsAnswered(bank: string, path: PartyPath): Promise<BankVerification[]> {
    const params = [bank, path.type, path.id, path.subId ?? null, this.ttlMs / 1000];
    const where = `bank = $1 AND party_type = $2 AND party_id = $3 AND sub_id IS NOT DISTINCT FROM $4 AND created_at > now() - make_interval(secs => $5)`;
    // Rows locked in one order (no deadlock between two answers); a row another answer took meanwhile drops out.
    const open = await this.db.query<BankVerificationRow>(
      `WITH open AS (SELECT bank, vrfctn_id FROM verification_request WHERE ${where} AND answered_at IS NULL ORDER BY created_at, vrfctn_id FOR UPDATE)
       UPDATE verification_request v SET answered_at = now() FROM open WHERE v.bank = open.bank AND v.vrfctn_id = open.vrfctn_id
       RETURNING v.vrfctn_id, v.msg_id, v.cre_dt_tm, v.created_at`,
      params,
      'verification_request_answer',
    );
    if (open.rows.length > 0) return open.rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime()).map(asked);
    const latest = await this.db.query<BankVerificationRow>(
      `SELECT vrfctn_id, msg_id, cre_dt_tm, created_at FROM verification_request WHERE ${where} ORDER BY created_at DESC LIMIT 1`,
      params,
      'verification_request_latest',
    );
    return latest.rows.map(asked);
  }

  /** At most once a minute per process: ids older than the TTL go (any process may; the delete is idempotent). */
  private purgeNowAndThen(): void {
    const now = Date.now();
    if (now - this.lastPurge < 60_000) return;
    this.lastPurge = now;
    const age = [this.ttlMs / 1000];
    this.db.query(`DELETE FROM verification_id WHERE created_at < now() - make_interval(secs => $1)`, age).catch(() => undefined);
    this.db.query(`DELETE FROM verification_request WHERE created_at < now() - make_interval(secs => $1)`, age).catch(() => undefined);
  }
}
