/**
 * The records of a bank's multi-transaction pacs.008 (migration 018, docs/bulk.md "Banks"): the group, and per
 * transaction its bank payment (a bridge_payment row, as a single pacs.008 has), how the bank named it and, once
 * final, its status. The bridge's own records, like bridge_payment: no balance moves here.
 */
import type { Db, Queryable } from '../../../ledger/db.js';
import type { OriginalGroupInformation, OriginalTransactionReference } from '../../../schemas/iso/original.js';
import type { GroupStatus } from '../../../schemas/iso/bulk-transfers.js';

/** A group is named by its bank and the bank's GrpHdr/MsgId. */
export interface GroupKey {
  payer: string;
  msgId: string;
}

export interface BankGroupRecord extends GroupKey {
  requestHash: string;
  original: OriginalGroupInformation;
  lineCount: number;
  openLines: number;
  state: 'OPEN' | 'COMPLETED';
  groupStatus: GroupStatus | null;
  expiresAt: string;
  completedAt: string | null;
}

export type LineStatus = 'ACSC' | 'RJCT';

export interface BankGroupLineRecord {
  lineNo: number;
  paymentId: string;
  own: boolean;
  original: OriginalTransactionReference;
  status: LineStatus | null;
  /** The stored cause of RJCT. */
  reason: string | null;
}

/** A line that has its own bank payment, with that payment's row: what its outcome is read from. */
export interface OwnLine extends GroupKey {
  lineNo: number;
  paymentId: string;
  status: LineStatus | null;
  /** bridge_payment: RECEIVED, QUOTING, TRANSFERRING, REJECTED, CANCELLED. */
  paymentState: string;
  paymentReason: string | null;
  /** The payment's id in the ledger (its transfer's), once its payee is known. */
  transferId: string | null;
  requestHash: string;
  expiresAt: string;
}

/** One transaction of a new group: its bank payment's row and how the bank named it. */
export interface NewGroupLine {
  paymentId: string;
  requestHash: string;
  /** The payment's instruction as bridge_payment stores it (bank-bridge.ts `storeInstruction`). */
  instruction: string;
  original: OriginalTransactionReference;
}

export interface NewBankGroup extends GroupKey {
  requestHash: string;
  original: OriginalGroupInformation;
  expiresAt: string;
  lines: NewGroupLine[];
  /** The stored cause of a line whose id was another payment's (it gets no payment of its own). */
  takenIdCause: string;
}

interface GroupRow {
  payer: string;
  msg_id: string;
  request_hash: string;
  original: OriginalGroupInformation;
  line_count: number;
  open_lines: number;
  state: 'OPEN' | 'COMPLETED';
  group_status: GroupStatus | null;
  expires_at: Date;
  completed_at: Date | null;
}

interface OwnLineRow {
  payer: string;
  msg_id: string;
  line_no: number;
  payment_id: string;
  status: LineStatus | null;
  state: string;
  reason: string | null;
  transfer_id: string | null;
  request_hash: string;
  expires_at: Date;
}

function toGroup(row: GroupRow): BankGroupRecord {
  return {
    payer: row.payer,
    msgId: row.msg_id,
    requestHash: row.request_hash,
    original: row.original,
    lineCount: row.line_count,
    openLines: row.open_lines,
    state: row.state,
    groupStatus: row.group_status,
    expiresAt: row.expires_at.toISOString(),
    completedAt: row.completed_at ? row.completed_at.toISOString() : null,
  };
}

function toOwnLine(row: OwnLineRow): OwnLine {
  return {
    payer: row.payer,
    msgId: row.msg_id,
    lineNo: row.line_no,
    paymentId: row.payment_id,
    status: row.status,
    paymentState: row.state,
    paymentReason: row.reason,
    transferId: row.transfer_id,
    requestHash: row.request_hash,
    expiresAt: row.expires_at.toISOString(),
  };
}

const OWN_LINE = `SELECT l.payer, l.msg_id, l.line_no, l.payment_id, l.status, p.state, p.reason, p.transfer_id, p.request_hash, p.expires_at
  FROM bank_group_line l JOIN bridge_payment p ON p.id = l.payment_id AND l.own`;

export class BankGroupRecords {
  constructor(private readonly db: Db) {}

  /**
   * Records a group, a bank payment for each of its transactions whose id is free and every line, in one transaction;
   * `conflict` when the bank sent a message with this MsgId before. `own[i]`: line i has a payment of its own.
   */
  async record(group: NewBankGroup): Promise<{ conflict: true } | { conflict: false; own: boolean[] }> {
    return this.db.transaction(async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO bank_group (payer, msg_id, request_hash, original, line_count, open_lines, state, expires_at)
         VALUES ($1, $2, $3, $4::jsonb, $5, 0, 'OPEN', $6) ON CONFLICT (payer, msg_id) DO NOTHING RETURNING msg_id`,
        [group.payer, group.msgId, group.requestHash, JSON.stringify(group.original), group.lines.length, group.expiresAt],
      );
      if (inserted.rowCount === 0) return { conflict: true };
      const own = await this.recordPayments(tx, group);
      await tx.query(
        `INSERT INTO bank_group_line (payer, msg_id, line_no, payment_id, own, original, status, reason)
         SELECT $1, $2, l.ord::integer - 1, l.id, l.own, l.original::jsonb,
                CASE WHEN l.own THEN NULL ELSE 'RJCT' END, CASE WHEN l.own THEN NULL ELSE $6 END
           FROM unnest($3::text[], $4::boolean[], $5::text[]) WITH ORDINALITY AS l(id, own, original, ord)`,
        [group.payer, group.msgId, group.lines.map((l) => l.paymentId), own, group.lines.map((l) => JSON.stringify(l.original)), group.takenIdCause],
      );
      const open = own.filter(Boolean).length;
      await tx.query('UPDATE bank_group SET open_lines = $3 WHERE payer = $1 AND msg_id = $2', [group.payer, group.msgId, open]);
      return { conflict: false, own };
    });
  }

  /** The bank payments of the group's lines (their ids differ); a line whose id is already a payment's gets none. */
  private async recordPayments(tx: Queryable, group: NewBankGroup): Promise<boolean[]> {
    const rows = await tx.query<{ id: string }>(
      `INSERT INTO bridge_payment (id, payer, state, request_hash, instruction, expires_at, original)
       SELECT l.id, $1, 'RECEIVED', l.hash, l.instruction::jsonb, $2, l.original::jsonb
         FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS l(id, hash, instruction, original)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        group.payer,
        group.expiresAt,
        group.lines.map((l) => l.paymentId),
        group.lines.map((l) => l.requestHash),
        group.lines.map((l) => l.instruction),
        group.lines.map((l) => JSON.stringify({ ...l.original, OrgnlGrpInf: group.original })),
      ],
    );
    const inserted = new Set(rows.rows.map((r) => r.id));
    return group.lines.map((l) => inserted.has(l.paymentId));
  }

  async find(key: GroupKey): Promise<BankGroupRecord | undefined> {
    const rows = await this.db.query<GroupRow>('SELECT * FROM bank_group WHERE payer = $1 AND msg_id = $2', [key.payer, key.msgId]);
    return rows.rows[0] ? toGroup(rows.rows[0]) : undefined;
  }

  /** The line whose bank payment is `paymentId` (the bank's id), when `payer` sent it in a group. */
  async lineOfPayment(paymentId: string, payer: string): Promise<OwnLine | undefined> {
    const rows = await this.db.query<OwnLineRow>(`${OWN_LINE} WHERE l.payment_id = $1 AND l.payer = $2`, [paymentId, payer], 'bank_group_line_of_payment');
    return rows.rows[0] ? toOwnLine(rows.rows[0]) : undefined;
  }

  /** The line whose transfer is `transferId` (the ledger's id), when `payer` sent it in a group. */
  async lineOfTransfer(transferId: string, payer: string): Promise<OwnLine | undefined> {
    const rows = await this.db.query<OwnLineRow>(
      `${OWN_LINE} WHERE (p.transfer_id = $1 OR (p.transfer_id IS NULL AND p.id = $1)) AND p.payer = $2`,
      [transferId, payer],
      'bank_group_line_of_transfer',
    );
    return rows.rows[0] ? toOwnLine(rows.rows[0]) : undefined;
  }

  /** Lines of the group not final yet, with their payments. */
  async openLines(key: GroupKey): Promise<OwnLine[]> {
    const rows = await this.db.query<OwnLineRow>(`${OWN_LINE} WHERE l.payer = $1 AND l.msg_id = $2 AND l.status IS NULL ORDER BY l.line_no`, [
      key.payer,
      key.msgId,
    ]);
    return rows.rows.map(toOwnLine);
  }

  /**
   * Records a line's final status, once: the number of the group's lines still open after it, or undefined when the
   * line was recorded before (whoever recorded it first counted it).
   */
  async finishLine(key: GroupKey, lineNo: number, status: LineStatus, reason: string | null): Promise<number | undefined> {
    return this.db.transaction(async (tx) => {
      const moved = await tx.query('UPDATE bank_group_line SET status = $4, reason = $5 WHERE payer = $1 AND msg_id = $2 AND line_no = $3 AND status IS NULL', [
        key.payer,
        key.msgId,
        lineNo,
        status,
        reason,
      ]);
      if (moved.rowCount === 0) return undefined;
      const left = await tx.query<{ open_lines: number }>(
        'UPDATE bank_group SET open_lines = open_lines - 1 WHERE payer = $1 AND msg_id = $2 RETURNING open_lines',
        [key.payer, key.msgId],
      );
      return left.rows[0]!.open_lines;
    });
  }

  /** Every line of the group, in the bank's order. */
  async lines(key: GroupKey): Promise<BankGroupLineRecord[]> {
    const rows = await this.db.query<{
      line_no: number;
      payment_id: string;
      own: boolean;
      original: OriginalTransactionReference;
      status: LineStatus | null;
      reason: string | null;
    }>('SELECT line_no, payment_id, own, original, status, reason FROM bank_group_line WHERE payer = $1 AND msg_id = $2 ORDER BY line_no', [
      key.payer,
      key.msgId,
    ]);
    return rows.rows.map((r) => ({ lineNo: r.line_no, paymentId: r.payment_id, own: r.own, original: r.original, status: r.status, reason: r.reason }));
  }

  /** Makes the group final with its status, once no line is open; false when it already was (or is not yet). */
  async complete(key: GroupKey, groupStatus: GroupStatus): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE bank_group SET state = 'COMPLETED', group_status = $3, completed_at = now()
        WHERE payer = $1 AND msg_id = $2 AND state = 'OPEN' AND open_lines = 0 RETURNING msg_id`,
      [key.payer, key.msgId, groupStatus],
    );
    return rows.rowCount > 0;
  }

  /** Groups not final whose expiry is before `before`. */
  async openPastExpiry(before: Date, limit = 100): Promise<GroupKey[]> {
    const rows = await this.db.query<{ payer: string; msg_id: string }>(
      `SELECT payer, msg_id FROM bank_group WHERE state = 'OPEN' AND expires_at < $1 ORDER BY expires_at LIMIT $2`,
      [before, limit],
    );
    return rows.rows.map((r) => ({ payer: r.payer, msgId: r.msg_id }));
  }
}
