/**
 * Verifies the audit log (docs/audit.md, "Verifying"): every entry's hash recomputed, every link to its predecessor,
 * every checkpoint's signature and its agreement with the chain, the head record against the chain's end. Reads one
 * snapshot of the database, entries and checkpoints in pages, and names the FIRST entry found wrong and how.
 */
import type { Db, Queryable } from './db.js';
import { checkpointSignatureValid, entryHash, GENESIS_HASH, keyFingerprint, type AuditEntry } from './audit-chain.js';
import { ENTRY_COLUMNS, entryOf, readHead, type AuditHead } from './audit.js';

export type AuditProblemKind =
  'changed' | 'removed' | 'reordered' | 'inserted' | 'truncated' | 'head-mismatch' | 'bad-checkpoint-signature' | 'checkpoint-mismatch';

export interface AuditProblem {
  seq: number;
  problem: AuditProblemKind;
  detail: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  checkpoints: number;
  head: AuditHead;
  /** The last checkpoint that matched the chain (entries up to it are covered by a signature). */
  lastGoodCheckpoint?: { seq: number; at: string };
  /** Keys that signed the checkpoints, by fingerprint (keyFingerprint), with how many each signed. */
  keys: Array<{ fingerprint: string; checkpoints: number }>;
  firstProblem?: AuditProblem;
}

export interface VerifyOptions {
  /** SPKI PEMs: when given, every checkpoint must be signed by one of them. */
  publicKeys?: string[];
}

const PAGE = 2000;
/** How far a renumbered entry is looked for from where it was (entries removed and the rest renumbered). */
const SHIFT_MAX = 64;

interface CheckpointRow {
  seq: number;
  hash: string;
  at: Date;
  publicKey: string;
  signature: string;
}

const recompute = (e: AuditEntry, seq: number) => entryHash({ ...e, seq });
const entriesText = (from: number, to: number) => (from === to ? `entry ${from} is` : `entries ${from}..${to} are`);

/** The walk over entries and checkpoints, in seq order, stopping at the first problem. */
class Walk {
  prev: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH };
  entries = 0;
  checkpoints = 0;
  lastGood?: { seq: number; at: string };
  problem?: AuditProblem;
  readonly keys = new Map<string, number>();
  private readonly pinned?: Set<string>;

  constructor(
    private readonly tx: Queryable,
    options: VerifyOptions,
  ) {
    if (options.publicKeys) this.pinned = new Set(options.publicKeys.map(keyFingerprint));
  }

  /** One entry in order; false once a problem is found. */
  async entry(e: AuditEntry): Promise<boolean> {
    this.problem = await this.judge(e);
    if (this.problem) return false;
    this.entries++;
    this.prev = { seq: e.seq, hash: e.hash };
    return true;
  }

  /** A checkpoint against the hash of the entry at its seq; false once a problem is found. */
  checkpoint(c: CheckpointRow, hashAtSeq: string): boolean {
    this.checkpoints++;
    let fingerprint = 'unreadable';
    try {
      fingerprint = keyFingerprint(c.publicKey);
    } catch {
      // an unreadable key fails the signature check below
    }
    this.keys.set(fingerprint, (this.keys.get(fingerprint) ?? 0) + 1);
    if (this.pinned && !this.pinned.has(fingerprint))
      return this.fail({ seq: c.seq, problem: 'bad-checkpoint-signature', detail: `checkpoint ${c.seq} is signed by key ${fingerprint}, not a pinned key` });
    if (!checkpointSignatureValid(c.publicKey, c, c.signature))
      return this.fail({
        seq: c.seq,
        problem: 'bad-checkpoint-signature',
        detail: `the signature of checkpoint ${c.seq} does not verify with its key ${fingerprint}`,
      });
    if (c.hash !== hashAtSeq) {
      const since = this.lastGood ? `after checkpoint ${this.lastGood.seq}` : 'since the first entry';
      return this.fail({
        seq: c.seq,
        problem: 'checkpoint-mismatch',
        detail: `checkpoint ${c.seq} signed hash ${c.hash.slice(0, 16)}…, the chain has ${hashAtSeq.slice(0, 16)}…: an entry ${since} was changed and the chain re-hashed`,
      });
    }
    this.lastGood = { seq: c.seq, at: c.at.toISOString() };
    return true;
  }

  private fail(problem: AuditProblem): false {
    this.problem = problem;
    return false;
  }

  private async judge(e: AuditEntry): Promise<AuditProblem | undefined> {
    const expected = this.prev.seq + 1;
    if (e.seq !== expected)
      return { seq: expected, problem: 'removed', detail: `entry ${expected} is missing: the chain goes from ${this.prev.seq} to ${e.seq}` };
    const intact = recompute(e, e.seq) === e.hash;
    const linked = e.prevHash === this.prev.hash;
    if (intact && linked) return undefined;
    if (intact) {
      if (this.prev.seq === 0) return { seq: e.seq, problem: 'changed', detail: `entry ${e.seq} does not start from the genesis hash` };
      return {
        seq: this.prev.seq,
        problem: 'changed',
        detail: `entry ${this.prev.seq} was changed and its hash recomputed: entry ${e.seq} was chained to a different hash`,
      };
    }
    if (linked) return this.changedOrInserted(e);
    return this.misplaced(e);
  }

  /** Its link holds but its hash does not: changed, unless the next entry is the one that belongs here. */
  private async changedOrInserted(e: AuditEntry): Promise<AuditProblem> {
    const next = (await this.tx.query(`SELECT ${ENTRY_COLUMNS} FROM audit_entry WHERE seq = $1`, [e.seq + 1])).rows[0];
    if (next) {
      const n = entryOf(next as never);
      if (n.prevHash === this.prev.hash && recompute(n, e.seq) === n.hash)
        return { seq: e.seq, problem: 'inserted', detail: `entry ${e.seq} is not part of the chain: the entry after it was chained here` };
    }
    return { seq: e.seq, problem: 'changed', detail: `entry ${e.seq}'s content does not hash to its recorded hash` };
  }

  /** Neither its hash nor its link holds: where was it chained, and where does its content hash? */
  private async misplaced(e: AuditEntry): Promise<AuditProblem> {
    const owners = (await this.tx.query(`SELECT ${ENTRY_COLUMNS} FROM audit_entry WHERE hash = $1 ORDER BY audit_entry.seq`, [e.prevHash])).rows.map((r) =>
      entryOf(r as never),
    );
    const later = owners.find((o) => o.seq > e.seq);
    if (later) return { seq: e.seq, problem: 'reordered', detail: `entry ${e.seq} was chained after the entry now at ${later.seq}` };
    const earlier = owners.find((o) => o.seq < this.prev.seq && recompute(e, o.seq + 1) === e.hash);
    if (earlier)
      return {
        seq: earlier.seq + 1,
        problem: 'inserted',
        detail: `${entriesText(earlier.seq + 1, this.prev.seq)} not part of the chain: entry ${e.seq} was chained after ${earlier.seq}`,
      };
    for (let shift = 1; shift <= SHIFT_MAX; shift++) {
      if (recompute(e, e.seq + shift) === e.hash)
        return { seq: e.seq, problem: 'removed', detail: `${shift} entr${shift === 1 ? 'y' : 'ies'} before this one were removed and the rest renumbered` };
    }
    return { seq: e.seq, problem: 'changed', detail: `entry ${e.seq}'s content and its link to entry ${this.prev.seq} were both changed` };
  }
}

/** Pages of a table in seq order. */
async function* pages<T>(tx: Queryable, sql: (after: number) => string, map: (row: never) => T & { seq: number }): AsyncGenerator<T & { seq: number }> {
  let after = 0;
  for (;;) {
    const rows = (await tx.query(sql(after))).rows.map((r) => map(r as never));
    yield* rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.seq;
  }
}

const checkpointOf = (r: { seq: string; hash: string; at: Date; public_key: string; signature: string }): CheckpointRow => ({
  seq: Number(r.seq),
  hash: r.hash,
  at: new Date(r.at),
  publicKey: r.public_key,
  signature: r.signature,
});

export async function verifyAuditLog(db: Db, options: VerifyOptions = {}): Promise<AuditVerification> {
  return db.transaction(async (tx) => {
    // One snapshot: an append committed meanwhile is not half seen.
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const head = await readHead(tx);
    const walk = new Walk(tx, options);
    const checkpoints = pages(
      tx,
      (after) =>
        `SELECT seq::text AS seq, hash, at, public_key, signature FROM audit_checkpoint WHERE seq > ${after} ORDER BY audit_checkpoint.seq LIMIT ${PAGE}`,
      checkpointOf,
    );
    let pending = (await checkpoints.next()).value as CheckpointRow | undefined;
    let last: AuditEntry | undefined;
    // A checkpoint is compared once the entry after it was judged: an entry inserted at its seq is named as such.
    const checkUpTo = async (entry: AuditEntry) => {
      while (pending && pending.seq <= entry.seq && !walk.problem) {
        // A checkpoint whose seq the chain skipped matches nothing.
        walk.checkpoint(pending, pending.seq === entry.seq ? entry.hash : '');
        pending = (await checkpoints.next()).value as CheckpointRow | undefined;
      }
    };
    for await (const e of pages(
      tx,
      (after) => `SELECT ${ENTRY_COLUMNS} FROM audit_entry WHERE seq > ${after} ORDER BY audit_entry.seq LIMIT ${PAGE}`,
      entryOf,
    )) {
      if (!(await walk.entry(e))) break;
      if (last) await checkUpTo(last);
      if (walk.problem) break;
      last = e;
    }
    if (last && !walk.problem) await checkUpTo(last);
    const problem = walk.problem ?? tailProblem(head, last, pending);
    return {
      ok: problem === undefined,
      entries: walk.entries,
      checkpoints: walk.checkpoints,
      head,
      ...(walk.lastGood ? { lastGoodCheckpoint: walk.lastGood } : {}),
      keys: [...walk.keys].map(([fingerprint, n]) => ({ fingerprint, checkpoints: n })),
      ...(problem ? { firstProblem: problem } : {}),
    };
  });
}

/** After a whole walk: the chain's end against the head record and the checkpoints still unmatched. */
function tailProblem(head: AuditHead, last: AuditEntry | undefined, pending: CheckpointRow | undefined): AuditProblem | undefined {
  const end = last?.seq ?? 0;
  if (pending) return { seq: end + 1, problem: 'truncated', detail: `the chain ends at ${end} but checkpoint ${pending.seq} was signed after it` };
  if (head.seq > end) return { seq: end + 1, problem: 'truncated', detail: `the chain ends at ${end} but the head record says ${head.seq}` };
  if (head.seq < end)
    return {
      seq: head.seq + 1,
      problem: 'inserted',
      detail: `${entriesText(head.seq + 1, end)} past the head record (${head.seq}): the hub did not append them`,
    };
  if (last && head.hash !== last.hash)
    return { seq: end, problem: 'head-mismatch', detail: `entry ${end}'s hash is not the head record's: entries after the last checkpoint were re-hashed` };
  return undefined;
}
