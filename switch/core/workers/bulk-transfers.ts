/**
 * The bulk transfer lifecycle (docs/bulk.md): one instruction from one payer to one payee that holds up to 1,000
 * transfers, each reserved, checked and finished on its own by the transfer lifecycle (`TransferService.reserve`,
 * `finishLine`), so a line follows every rule of a single transfer (limits, liquidity, condition, expiry, duplicates)
 * and lands in the ledger, the settlement windows and `GET /transfers/{ID}` like one. What the bulk adds: its record
 * (which transfers, in which order; ledger/bulk-transfers.ts), one message to the payee for all its reserved lines,
 * and one report to the payer once every line is final. The lines of a bulk share the payer's group commit: a bulk's
 * reservations, and later its commits, cost one database write.
 *
 * A bus worker (switch/core/workers/serve.ts): every command of a bulk is keyed by its payer, whose position owner holds
 * all of its lines.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { isValidReasonCode } from '../../../schemas/iso/common.js';
import type { Pacs002 } from '../../../schemas/iso/pacs002.js';
import { bulkPayeeOf, bulkPayerOf, lineOf, type BulkPacs002, type BulkPacs008 } from '../../../schemas/iso/bulk-transfers.js';
import { DomainError, reasonOfStoredCause, storedCause, type Reason } from '../../../schemas/outcomes.js';
import type { LedgerEngine, InFlight } from '../../../ledger/engine.js';
import { FINAL_BULK_STATES, type BulkLineRecord, type BulkTransferRecord, type BulkTransferStore } from '../../../ledger/bulk-transfers.js';
import type { Registry } from '../../../ledger/registry.js';
import type { Bus } from '../../bus/bus.js';
import type { BulkLineOutcome, BulkReport, BulkTransferOutbox, InboundMessage } from '../outbox.js';
import { runLater } from '../identity.js';
import { bulkTopics } from '../topics.js';
import type { BulkLines, TransferService } from './transfers.js';

/** A line's fate at prepare: reserved now, recorded before (a re-run of the same bulk), refused, or another's id. */
type LineAtPrepare = { kind: 'reserved'; transfer: InFlight } | { kind: 'recorded' } | { kind: 'refused'; error: DomainError } | { kind: 'foreign' };

/** The hash a line's transfer is recorded with: the bulk's prepare hash and the line's place, so a re-run knows its own. */
function lineHash(bulkHash: string, lineNo: number): string {
  return createHash('sha256').update(`${bulkHash}:${lineNo}`).digest('base64url');
}

/** A line's stored cause as the reason it records (the outbox words it for each receiver). */
function reasonOfCause(text: string | null): Reason {
  return reasonOfStoredCause(text, new DomainError('ABORT_CAUSE_UNRECORDED'));
}

/** What a report says of a line the database holds. */
function lineOutcome(line: BulkLineRecord, bulkExpired: boolean): BulkLineOutcome {
  if (line.refusal !== null) return { transferId: line.transferId, reason: reasonOfCause(line.refusal) };
  if (line.state === 'COMMITTED') return { transferId: line.transferId, fulfilment: line.fulfilment ?? undefined };
  if (line.state === null) return bulkExpired ? { transferId: line.transferId, reason: new DomainError('TRANSFER_EXPIRED') } : { transferId: line.transferId };
  if (line.state === 'RESERVED') return { transferId: line.transferId };
  return { transferId: line.transferId, reason: reasonOfCause(line.cause) };
}

function isFinal(line: BulkLineOutcome): boolean {
  return line.fulfilment !== undefined || line.reason !== undefined;
}

export class BulkTransferService implements BulkLines {
  /** Bulks this owner is reserving right now: a resend meanwhile is in progress, not a re-run. */
  private readonly reserving = new Set<string>();
  private bus?: Bus;

  constructor(
    private readonly registry: Registry,
    private readonly engine: LedgerEngine,
    private readonly transfers: TransferService,
    readonly store: BulkTransferStore,
    private readonly outbox: BulkTransferOutbox,
    private readonly log: Logger,
  ) {}

  /** Partitioned ledger: where an answer that reached another owner than its payer's goes on. */
  useBus(bus: Bus): void {
    this.bus = bus;
  }

  // ---------------------------------------------------------------- prepare

  /** POST /bulkTransfers: resolves once the bulk and every line's reservation or refusal are durable. */
  async prepare(bulk: BulkPacs008, inbound: InboundMessage): Promise<void> {
    const id = bulk.GrpHdr.MsgId;
    const payer = bulkPayerOf(bulk);
    this.transfers.authenticate(inbound.source, 'PAYER_FSP_UNKNOWN');
    if (inbound.source !== payer) throw new DomainError('SOURCE_IS_NOT_PAYER', 'FSPIOP-Source header should match Payer');
    this.engine.admitTransfers(bulk.CdtTrfTxInf.length);
    if (this.reserving.has(id)) return; // the same id being reserved: its outcome will be reported
    if (await this.store.find(id)) return this.duplicatePrepare(id, bulk, inbound);
    const refusal = this.bulkRefusal(bulk);
    if (refusal) {
      this.log.info({ bulkTransferId: id, payer, outcome: refusal.outcome, reason: refusal.detail }, 'bulk transfer refused');
      this.later(() => this.outbox.bulkError(payer, id, refusal));
      return;
    }
    const recorded = await this.store.record({
      id,
      bulkQuoteId: bulk.SplmtryData?.bulkQuoteId,
      payer,
      payee: bulkPayeeOf(bulk),
      expiration: bulk.GrpHdr.PmtInstrXpryDtTm,
      prepareHash: inbound.hash,
      transferIds: bulk.CdtTrfTxInf.map((t) => t.PmtId.TxId),
    });
    if (recorded.conflict) return this.duplicatePrepare(id, bulk, inbound);
    await this.reserveLines(id, bulk, inbound);
  }

  /** What refuses a bulk as a whole, before anything is recorded: its payee, its expiry, an id twice in it. */
  private bulkRefusal(bulk: BulkPacs008): DomainError | undefined {
    const payer = bulkPayerOf(bulk);
    const payee = bulkPayeeOf(bulk);
    const participant = this.registry.participant(payee);
    if (!participant || participant.isHub) return new DomainError('PAYEE_FSP_UNKNOWN', `Participant ${payee} not found`);
    if (!participant.isActive) return new DomainError('PAYEE_FSP_INACTIVE', `Participant ${payee} is inactive`);
    for (const line of bulk.CdtTrfTxInf) {
      if (line.DbtrAgt.FinInstnId.Othr?.Id !== payer || line.CdtrAgt.FinInstnId.Othr?.Id !== payee) {
        return new DomainError('BULK_PARTIES_DIFFER', `transfer ${line.PmtId.TxId} is not from ${payer} to ${payee}`);
      }
    }
    const expiration = bulk.GrpHdr.PmtInstrXpryDtTm;
    const expiresAt = Date.parse(expiration);
    if (!Number.isFinite(expiresAt)) return new DomainError('EXPIRATION_INVALID', `Expiration date ${expiration} is not a valid date`);
    if (expiresAt <= Date.now()) return new DomainError('EXPIRATION_PASSED', `Expiration date ${expiration} is already in the past`);
    const seen = new Set<string>();
    for (const line of bulk.CdtTrfTxInf) {
      const transferId = line.PmtId.TxId;
      if (seen.has(transferId)) return new DomainError('BULK_TRANSFER_ID_REPEATED', `transfer id ${transferId} appears more than once in the bulk`);
      seen.add(transferId);
    }
    return undefined;
  }

  /** Reserves (or refuses) every line at once, so they share one group commit; then the payee gets the reserved ones. */
  private async reserveLines(id: string, bulk: BulkPacs008, inbound: InboundMessage): Promise<void> {
    this.reserving.add(id);
    try {
      const lines = await Promise.all(bulk.CdtTrfTxInf.map((_, lineNo) => this.reserveLine(bulk, lineNo, inbound)));
      const duplicate = new DomainError('BULK_LINE_DUPLICATE', 'Individual transfer prepare duplicate');
      const refusals = lines.flatMap((line, lineNo) => (line.kind === 'foreign' ? [{ lineNo, cause: storedCause(duplicate) }] : []));
      await this.store.refuseLines(id, refusals);
      this.later(() => this.sendToPayee(id, bulk, lines, inbound));
    } finally {
      this.reserving.delete(id);
    }
  }

  private async reserveLine(bulk: BulkPacs008, lineNo: number, inbound: InboundMessage): Promise<LineAtPrepare> {
    const message = lineOf(bulk, lineNo);
    const transferId = message.CdtTrfTxInf.PmtId.TxId;
    const hash = lineHash(inbound.hash, lineNo);
    const live = this.engine.inFlightTransfer(transferId);
    if (live) return live.prepareHash === hash ? { kind: 'reserved', transfer: live } : { kind: 'foreign' };
    const pending = this.engine.pendingPrepareHash(transferId);
    if (pending !== undefined) return pending === hash ? { kind: 'recorded' } : { kind: 'foreign' };
    const decided = await this.transfers.reserve(message, { ...inbound, hash });
    if (decided.kind !== 'duplicate') return decided;
    const record = await this.engine.find(transferId);
    return record?.prepareHash === hash ? { kind: 'recorded' } : { kind: 'foreign' };
  }

  /**
   * The reserved lines to the payee, in one message (the payer's own when every line was reserved). With none reserved,
   * or a payee that cannot be reached, the bulk ends here and the payer gets the report.
   */
  private async sendToPayee(id: string, bulk: BulkPacs008, lines: LineAtPrepare[], inbound: InboundMessage): Promise<void> {
    const reserved = lines.flatMap((line, lineNo) => (line.kind === 'reserved' || line.kind === 'recorded' ? [lineNo] : []));
    if (reserved.length === 0) return this.completeIfFinal(id);
    const payee = bulkPayeeOf(bulk);
    const forwarded: BulkPacs008 = { ...bulk, CdtTrfTxInf: reserved.map((lineNo) => bulk.CdtTrfTxInf[lineNo]!) };
    forwarded.GrpHdr = { ...bulk.GrpHdr, NbOfTxs: String(reserved.length) };
    await this.store.markProcessing(id);
    const sent = await this.outbox.forwardBulkPrepare(payee, forwarded, inbound, reserved.length === lines.length);
    if (sent.ok) return undefined;
    const error: Reason =
      sent.refused ??
      (sent.noEndpoint
        ? new DomainError('DESTINATION_NO_ENDPOINT', `No FSPIOP_CALLBACK_URL_BULK_TRANSFER_POST endpoint registered for ${payee}`)
        : new DomainError('DESTINATION_UNREACHABLE', `${payee} could not be reached`));
    if (!sent.noEndpoint && !sent.refused) return undefined; // delivery retried and failed: the lines expire as a transfer's would
    for (const line of lines) {
      if (line.kind === 'reserved') await this.transfers.abortLine(line.transfer, error);
    }
    return this.completeIfFinal(id);
  }

  private async duplicatePrepare(id: string, bulk: BulkPacs008, inbound: InboundMessage): Promise<void> {
    const record = await this.store.find(id);
    if (!record) throw new DomainError('RECORD_VANISHED', `bulk transfer ${id} vanished during its duplicate check`);
    if (record.prepareHash !== inbound.hash || record.payer !== inbound.source) {
      this.later(() => this.outbox.bulkError(inbound.source, id, modified('bulk transfer', record.prepareHash)));
      return;
    }
    if (FINAL_BULK_STATES.includes(record.state)) {
      this.later(() => this.report(record.payer, record));
      return;
    }
    // Recorded but not final: a resend after a failure (the hub's answer lost, a position owner gone). Reserving again
    // is idempotent line by line (a line's transfer recorded by this bulk is its own), and sends the payee the bulk again.
    await this.reserveLines(id, bulk, inbound);
  }

  // ---------------------------------------------------------------- the payee's answer

  /** PUT /bulkTransfers/{ID}: every line the payee names is committed or aborted on its word, then the payer is told. */
  async fulfil(id: string, status: BulkPacs002, inbound: InboundMessage): Promise<void> {
    this.transfers.authenticate(inbound.source);
    const toOwner = (payer: string) => this.bus!.request(bulkTopics.fulfil, payer, { bulkTransferId: id, status, inbound });
    const record = await this.answerable(id, inbound, 'fulfil', toOwner);
    if (!record) return;
    const named = new Map(status.TxInfAndSts.map((line) => [line.OrgnlTxId, line]));
    const lines = await this.store.lines(id);
    const finishing: Promise<unknown>[] = [];
    for (const line of lines) {
      const live = line.refusal === null ? this.engine.inFlightTransfer(line.transferId) : undefined;
      if (!live || live.kind !== 'TRANSFER') continue;
      const answer = named.get(line.transferId);
      const reason = answer?.StsRsnInf ?? (answer ? undefined : unanswered());
      finishing.push(this.transfers.finishLine(live, { fulfilment: answer?.ExctnConf, reason }, inbound.hash));
    }
    await Promise.all(finishing);
    this.later(() => this.completeIfFinal(id));
  }

  /** PUT /bulkTransfers/{ID}/error: the payee refuses the whole bulk; every line still reserved is aborted with its reason. */
  async reject(id: string, error: Pacs002, inbound: InboundMessage): Promise<void> {
    this.transfers.authenticate(inbound.source);
    const reason = error.TxInfAndSts.StsRsnInf;
    const code = reason?.Rsn.Prtry ?? reason?.Rsn.Cd ?? '';
    if (!reason || !isValidReasonCode(code)) {
      throw new DomainError('RECEIVED_ERROR_CODE_INVALID', `The incoming error code: ${code} is not a valid mojaloop specification error code`);
    }
    const toOwner = (payer: string) => this.bus!.request(bulkTopics.reject, payer, { bulkTransferId: id, error, inbound });
    const record = await this.answerable(id, inbound, 'error', toOwner);
    if (!record) return;
    const lines = await this.store.lines(id);
    const finishing: Promise<unknown>[] = [];
    for (const line of lines) {
      const live = line.refusal === null ? this.engine.inFlightTransfer(line.transferId) : undefined;
      if (live && live.kind === 'TRANSFER') finishing.push(this.transfers.finishLine(live, { reason }, inbound.hash));
    }
    await Promise.all(finishing);
    this.later(() => this.completeIfFinal(id));
  }

  /**
   * The bulk an answer is about, when the payee may answer it now; otherwise the sender is told why (or the answer goes
   * on to the payer's owner) and nothing is returned. The first answer's hash is recorded: the same answer again
   * re-runs (idempotent line by line), another one is a modified duplicate.
   */
  private async answerable(
    id: string,
    inbound: InboundMessage,
    kind: 'fulfil' | 'error',
    toPayersOwner: (payer: string) => Promise<void>,
  ): Promise<BulkTransferRecord | undefined> {
    if (!this.engine.available) throw new DomainError('LEDGER_UNAVAILABLE', 'the ledger is recovering, retry later');
    const record = await this.store.find(id);
    if (!record) {
      this.later(() => this.outbox.bulkError(inbound.source, id, new DomainError('BULK_TRANSFER_NOT_FOUND', `bulk transfer ${id} was not found`)));
      return undefined;
    }
    if (!this.engine.owns(record.payer) && this.bus) {
      await toPayersOwner(record.payer);
      return undefined;
    }
    if (inbound.source !== record.payee) {
      this.later(() =>
        this.outbox.bulkError(inbound.source, id, new DomainError('SOURCE_IS_NOT_PAYEE', 'FSPIOP-Source does not match the payee of the bulk transfer')),
      );
      return undefined;
    }
    const first = record.fulfilHash ?? record.errorHash;
    if (first === null && !(await this.store.recordAnswer(id, kind, inbound.hash))) return this.answerable(id, inbound, kind, toPayersOwner);
    if (first !== null && first !== inbound.hash) {
      this.later(() => this.outbox.bulkError(inbound.source, id, modified(`bulk transfer ${kind}`, first)));
      return undefined;
    }
    if (FINAL_BULK_STATES.includes(record.state)) {
      this.later(() => this.report(record.payee, record));
      return undefined;
    }
    return record;
  }

  // ---------------------------------------------------------------- completion

  /** A line of `bulkId` expired (TransferService.expire): the bulk completes when it was the last one. */
  lineFinished(bulkId: string): Promise<void> {
    return this.completeIfFinal(bulkId);
  }

  bulkOf(transferId: string): Promise<string | undefined> {
    return this.store.bulkOfTransfer(transferId);
  }

  /**
   * Once every line is final the bulk is: COMPLETED (REJECTED when no line committed), and the payer gets the report of
   * every line, the payee too (it learns which of its acceptances the hub refused). Whoever completes it reports it.
   */
  async completeIfFinal(id: string, now = Date.now()): Promise<void> {
    const record = await this.store.find(id);
    if (!record || FINAL_BULK_STATES.includes(record.state)) return;
    const expired = Date.parse(record.expiration) <= now;
    const lines = (await this.store.lines(id)).map((line) => lineOutcome(line, expired));
    if (!lines.every(isFinal)) return;
    const state = lines.some((line) => line.fulfilment !== undefined) ? 'COMPLETED' : 'REJECTED';
    const completedAt = new Date().toISOString();
    if (!(await this.store.complete(id, state, completedAt))) return;
    this.log.info({ bulkTransferId: id, state, lines: lines.length, committed: lines.filter((l) => l.fulfilment).length }, 'bulk transfer state');
    const report: BulkReport = { state, completedAt, lines };
    this.later(() => this.outbox.bulkReport(record.payer, id, report));
    if (record.state === 'PROCESSING') this.later(() => this.outbox.bulkReport(record.payee, id, report));
  }

  /** The bulk's report as the database holds it, to `to`. */
  private async report(to: string, record: BulkTransferRecord): Promise<unknown> {
    const expired = Date.parse(record.expiration) <= Date.now();
    const lines = (await this.store.lines(record.id)).map((line) => lineOutcome(line, expired));
    return this.outbox.bulkReport(to, record.id, { state: record.state, completedAt: record.completedAt ?? undefined, lines });
  }

  /** A bulk past its expiration that is not final (the sweep): final once no line is reserved. */
  async expire(id: string, now: number): Promise<void> {
    return this.completeIfFinal(id, now);
  }

  // ---------------------------------------------------------------- GET

  /** GET /bulkTransfers/{ID}: the hub answers from its records, to the payer or the payee. */
  async get(id: string, inbound: InboundMessage): Promise<void> {
    this.transfers.authenticate(inbound.source);
    this.later(async () => {
      const record = await this.store.find(id);
      if (!record) return this.outbox.bulkError(inbound.source, id, new DomainError('BULK_TRANSFER_NOT_FOUND', `bulk transfer ${id} was not found`));
      if (inbound.source !== record.payer && inbound.source !== record.payee) {
        return this.outbox.bulkError(inbound.source, id, new DomainError('REQUESTER_NOT_A_PARTY', `${inbound.source} is not a party to bulk transfer ${id}`));
      }
      return this.report(inbound.source, record);
    });
  }

  private later(work: () => Promise<unknown> | unknown): void {
    runLater(this.log, work);
  }
}

function unanswered(): DomainError {
  return new DomainError('BULK_LINE_UNANSWERED', "the payee's answer to the bulk does not name this transfer");
}

function modified(what: string, originalHash: string): DomainError {
  return new DomainError('MODIFIED_DUPLICATE', `a ${what} with this id and a different body was received before`, { originalHash });
}
