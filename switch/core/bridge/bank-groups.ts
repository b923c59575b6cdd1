/**
 * A bank's pacs.008 with many transactions (docs/bulk.md, "Banks"). Every transaction is a bank payment of its own,
 * carried by the bank bridge exactly as a single pacs.008 is (payee resolved, terms asked of a wallet payee or issued
 * by the hub for a bank payee, then a transfer through the one door), so each one may go to another payee participant
 * and each one ends on its own. What the group adds: its record (which payments, how the bank named them), and ONE
 * pacs.002 to the bank once every transaction is final — its group status (ACCP, PART, RJCT) and one TxInfAndSts per
 * transaction — instead of one pacs.002 per payment.
 *
 * A transaction's end reaches the group two ways, both after it is durable: the bridge's own (a payment rejected or
 * cancelled before its transfer: `paymentFinished`), and the transfer lifecycle's notices to the bank about the
 * payment's transfer (`transferNotice`, from the outbox of group-lines-outbox.ts). Either is only a trigger: the
 * status recorded is read from the durable state (the bridge's row, the ledger's record), recorded once per line,
 * and the group's count of open lines says when the last one ended. A notice lost in a restart is made up by the
 * sweep once the group is past its expiry; every state is in PostgreSQL.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { groupStatusOf, type BulkPacs008FromXml } from '../../../schemas/iso/bulk-transfers.js';
import type { OriginalGroupInformation, OriginalTransactionReference } from '../../../schemas/iso/original.js';
import type { Pacs008FromXml } from '../../../schemas/iso/pacs008.js';
import type { PaymentStatusRequest } from '../../../schemas/iso/pacs028.js';
import { DomainError, storedCause } from '../../../schemas/outcomes.js';
import type { LedgerReader, TransferRecord } from '../../../ledger/reader.js';
import type { Registry } from '../../../ledger/registry.js';
import { authenticateSender, runLater } from '../identity.js';
import type { InboundMessage } from '../outbox.js';
import { storeInstruction, storedReason, type BankBridge, type GroupPayments } from './bank-bridge.js';
import type { BankGroupRecord, BankGroupLineRecord, BankGroupRecords, GroupKey, OwnLine } from './bank-group-records.js';
import type { GroupLineNotices } from './group-lines-outbox.js';
import type { BankGroupStatus, BankOutbox, BridgeWording } from './ports.js';

/** How long past its expiry a payment whose transfer never reached the ledger (a restart between the two) waits. */
export const GROUP_GRACE_MS = 5_000;
/** Transactions of one group routed at once (each asks its payee for terms, or has the hub issue them). */
const ROUTING_CONCURRENCY = 32;

export interface BankGroupsConfig {
  /** Lifetime of a message that names no expiry (as a single instruction's). */
  paymentExpiryMs: number;
}

/** A line's final status read from the durable state, or undefined while it is not final. */
export type LineVerdict = { status: 'ACSC'; reason: null } | { status: 'RJCT'; reason: string } | undefined;

/** The hash a transaction's payment and transfer are recorded with: the message's and the line's place in it. */
export function lineHash(messageHash: string, lineNo: number): string {
  return createHash('sha256').update(`${messageHash}:${lineNo}`).digest('base64url');
}

/** Transaction `lineNo` of a bank's group as the single pacs.008 the bridge carries. */
export function lineMessage(message: BulkPacs008FromXml, lineNo: number): Pacs008FromXml {
  const { MsgId, CreDtTm, SttlmInf, PmtInstrXpryDtTm } = message.GrpHdr;
  const GrpHdr: Pacs008FromXml['GrpHdr'] = { MsgId, CreDtTm, NbOfTxs: '1', SttlmInf };
  if (PmtInstrXpryDtTm !== undefined) GrpHdr.PmtInstrXpryDtTm = PmtInstrXpryDtTm;
  return { GrpHdr, CdtTrfTxInf: message.CdtTrfTxInf[lineNo]! };
}

/**
 * The final status of a line from its payment's row and, once it has one, the ledger's record of its transfer: ACSC
 * when committed, RJCT with the recorded reason when rejected, cancelled or aborted, or when the transfer id was an
 * earlier transfer's (the prepare was refused as a duplicate); not final while agreeing or reserved. A payment whose
 * transfer never reached the ledger is expired once past its expiry and `GROUP_GRACE_MS`.
 */
export function lineVerdict(line: OwnLine, transfer: TransferRecord | undefined, now: number): LineVerdict {
  switch (line.paymentState) {
    case 'REJECTED':
    case 'CANCELLED':
      return { status: 'RJCT', reason: line.paymentReason ?? storedCause(new DomainError('ABORT_CAUSE_UNRECORDED', 'rejected')) };
    case 'TRANSFERRING':
      break;
    default:
      return undefined;
  }
  if (!transfer) {
    if (now <= Date.parse(line.expiresAt) + GROUP_GRACE_MS) return undefined;
    return { status: 'RJCT', reason: storedCause(new DomainError('TRANSFER_EXPIRED', 'the payment expired before its transfer reached the ledger')) };
  }
  if (transfer.payer !== line.payer || transfer.prepareHash !== line.requestHash) {
    return { status: 'RJCT', reason: storedCause(new DomainError('BULK_LINE_DUPLICATE', `transfer id ${transfer.id} is an earlier transfer's`)) };
  }
  if (transfer.state === 'COMMITTED') return { status: 'ACSC', reason: null };
  if (transfer.state === 'RESERVED' || transfer.state === 'RECEIVED_PREPARE') return undefined;
  return { status: 'RJCT', reason: transfer.cause ?? storedCause(new DomainError('ABORT_CAUSE_UNRECORDED', 'aborted')) };
}

/** The message's OrgnlGrpInf (every reference names it) and each transaction's own references. */
function originalOf(message: BulkPacs008FromXml, references: readonly OriginalTransactionReference[]): OriginalGroupInformation {
  return references[0]?.OrgnlGrpInf ?? { OrgnlMsgId: message.GrpHdr.MsgId, OrgnlMsgNmId: 'pacs.008.001.08', OrgnlCreDtTm: message.GrpHdr.CreDtTm };
}

function transactionReference(reference: OriginalTransactionReference | undefined, paymentId: string): OriginalTransactionReference {
  if (!reference) return { OrgnlTxId: paymentId };
  const { OrgnlGrpInf: _group, ...own } = reference;
  return own;
}

export class BankGroups implements GroupPayments, GroupLineNotices {
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    private readonly records: BankGroupRecords,
    private readonly registry: Registry,
    private readonly ledger: LedgerReader,
    private readonly bridge: BankBridge,
    private readonly banks: BankOutbox,
    private readonly wording: BridgeWording,
    private readonly config: BankGroupsConfig,
    private readonly log: Logger,
  ) {}

  // ---------------------------------------------------------------- the bank's message

  /**
   * A bank's pacs.008 with many transactions. Resolves once the group and a payment for each transaction are recorded
   * (the bank may then be told 202); throws (an admi.002 at the edge, nothing recorded) when the message as a whole
   * cannot be taken. `references`: how the bank named each transaction, in order.
   */
  async receive(message: BulkPacs008FromXml, references: readonly OriginalTransactionReference[], inbound: InboundMessage): Promise<void> {
    const bank = inbound.source;
    authenticateSender(this.registry, bank);
    const seen = new Set<string>();
    for (const tx of message.CdtTrfTxInf) {
      const id = tx.PmtId.TxId;
      if (seen.has(id)) throw new DomainError('BULK_TRANSFER_ID_REPEATED', `payment ${id} appears more than once in message ${message.GrpHdr.MsgId}`);
      seen.add(id);
    }
    const key: GroupKey = { payer: bank, msgId: message.GrpHdr.MsgId };
    const original = originalOf(message, references);
    const expiresAt = message.GrpHdr.PmtInstrXpryDtTm ?? new Date(Date.now() + this.config.paymentExpiryMs).toISOString();
    const recorded = await this.records.record({
      ...key,
      requestHash: inbound.hash,
      original,
      expiresAt,
      lines: message.CdtTrfTxInf.map((tx, lineNo) => ({
        paymentId: tx.PmtId.TxId,
        requestHash: lineHash(inbound.hash, lineNo),
        instruction: storeInstruction(lineMessage(message, lineNo)),
        original: transactionReference(references[lineNo], tx.PmtId.TxId),
      })),
      takenIdCause: storedCause(new DomainError('BULK_LINE_DUPLICATE', 'a payment with this id was received before')),
    });
    if (recorded.conflict) return this.duplicate(key, original, inbound);
    this.log.info({ bank, msgId: key.msgId, transactions: message.CdtTrfTxInf.length }, 'bank payment group received');
    this.later(() => this.start(key, message, recorded.own, inbound));
  }

  /** Every transaction with a payment of its own into the bridge; a group with none is final at once. */
  private async start(key: GroupKey, message: BulkPacs008FromXml, own: readonly boolean[], inbound: InboundMessage): Promise<void> {
    const lineNos = own.flatMap((mine, lineNo) => (mine ? [lineNo] : []));
    if (lineNos.length === 0) return this.completeIfFinal(key);
    let next = 0;
    const worker = async () => {
      while (next < lineNos.length) {
        const lineNo = lineNos[next++]!;
        const id = message.CdtTrfTxInf[lineNo]!.PmtId.TxId;
        await this.bridge.routeRecorded(id, lineMessage(message, lineNo), { ...inbound, hash: lineHash(inbound.hash, lineNo) });
      }
    };
    await Promise.all(Array.from({ length: Math.min(ROUTING_CONCURRENCY, lineNos.length) }, worker));
  }

  /** The bank's MsgId again: the same message is answered with its final status (nothing while open), another refused. */
  private async duplicate(key: GroupKey, received: OriginalGroupInformation, inbound: InboundMessage): Promise<void> {
    const group = await this.records.find(key);
    if (!group) throw new DomainError('RECORD_VANISHED', `payment group ${key.msgId} vanished during its duplicate check`);
    if (group.requestHash !== inbound.hash) {
      const modified = new DomainError('MODIFIED_DUPLICATE', 'a message with this MsgId and a different content was received before', {
        originalHash: group.requestHash,
      });
      this.later(() => this.banks.sendGroupStatus(key.payer, { group: received, status: 'RJCT', reason: modified, lines: [] }));
      return;
    }
    if (group.state === 'COMPLETED') this.later(async () => this.banks.sendGroupStatus(key.payer, this.statusOf(group, await this.records.lines(key))));
  }

  // ---------------------------------------------------------------- a transaction ends

  /** BankBridge: payment `id` of `bank` was rejected or cancelled before its transfer. */
  async paymentFinished(id: string, bank: string): Promise<boolean> {
    const line = await this.records.lineOfPayment(id, bank);
    if (!line) return false;
    await this.settle(line, Date.now());
    return true;
  }

  /** The transfer lifecycle tells `to` about transfer `transferId`: true when it is a line of one of `to`'s groups. */
  async transferNotice(transferId: string, to: string): Promise<boolean> {
    const line = await this.records.lineOfTransfer(transferId, to);
    if (!line) return false;
    await this.settle(line, Date.now());
    return true;
  }

  /** Records the line's status once its payment is final; the last line to end completes the group. */
  private async settle(line: OwnLine, now: number): Promise<void> {
    if (line.status !== null) return;
    const transfer = line.paymentState === 'TRANSFERRING' && line.transferId !== null ? await this.ledger.find(line.transferId) : undefined;
    const verdict = lineVerdict(line, transfer, now);
    if (!verdict) return;
    const left = await this.records.finishLine(line, line.lineNo, verdict.status, verdict.reason);
    if (left === 0) await this.completeIfFinal(line);
  }

  /** Once no line is open the group is final, and whoever makes it so sends the bank its pacs.002. */
  private async completeIfFinal(key: GroupKey): Promise<void> {
    const lines = await this.records.lines(key);
    if (lines.some((line) => line.status === null)) return;
    const status = groupStatusOf(lines.map((line) => ({ OrgnlTxId: line.paymentId, TxSts: line.status! })));
    if (!(await this.records.complete(key, status))) return;
    const accepted = lines.filter((line) => line.status === 'ACSC').length;
    this.log.info({ bank: key.payer, msgId: key.msgId, status, accepted, rejected: lines.length - accepted }, 'bank payment group final');
    const group = await this.records.find(key);
    await this.banks.sendGroupStatus(key.payer, this.statusOf(group!, lines));
  }

  /** The group as the bank is told it: every transaction named its way, final ones with their status. */
  private statusOf(group: BankGroupRecord, lines: readonly BankGroupLineRecord[]): BankGroupStatus {
    const unrecorded = new DomainError('ABORT_CAUSE_UNRECORDED', 'rejected');
    const status: BankGroupStatus = {
      group: group.original,
      lines: lines.map((line) => {
        const named = { id: line.paymentId, reference: line.original };
        if (line.status === 'ACSC') return { ...named, status: 'ACSC' };
        if (line.status === 'RJCT') return { ...named, status: 'RJCT', reason: storedReason(this.wording, line.reason, unrecorded) };
        return named;
      }),
    };
    if (group.state === 'COMPLETED' && group.groupStatus) status.status = group.groupStatus;
    if (group.completedAt) status.completedAt = group.completedAt;
    return status;
  }

  // ---------------------------------------------------------------- status requests

  /** A pacs.028 naming one of the bank's groups (OrgnlGrpInf, no transaction): its pacs.002 as it stands. */
  async statusRequest(request: PaymentStatusRequest, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const named = request.TxInf.OrgnlGrpInf;
    if (!named) throw new DomainError('TRANSFER_REFERENCE_MISSING', 'the status request names no original message (OrgnlGrpInf)');
    this.later(async () => {
      const key = { payer: inbound.source, msgId: named.OrgnlMsgId };
      const group = await this.records.find(key);
      if (!group) {
        const unknown = new DomainError('TRANSFER_NOT_FOUND', `${inbound.source} sent no payment message ${named.OrgnlMsgId}`);
        return this.banks.sendGroupStatus(inbound.source, { group: named, status: 'RJCT', reason: unknown, lines: [] });
      }
      return this.banks.sendGroupStatus(inbound.source, this.statusOf(group, await this.records.lines(key)));
    });
  }

  // ---------------------------------------------------------------- sweep

  /**
   * Groups still open past their expiry (and the grace): each open line's status is read again from the durable state,
   * which finishes a group whose last notices a restart lost. Returns how many groups were looked at.
   */
  async sweep(now = Date.now()): Promise<number> {
    const due = await this.records.openPastExpiry(new Date(now - GROUP_GRACE_MS));
    for (const key of due) {
      for (const line of await this.records.openLines(key)) await this.settle(line, now);
      await this.completeIfFinal(key);
    }
    return due.length;
  }

  startSweep(intervalMs: number): void {
    this.sweepTimer = setInterval(() => void this.sweep().catch((err) => this.log.error({ err }, 'bank payment group sweep failed')), intervalMs);
    this.sweepTimer.unref();
  }

  stopSweep(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  private later(work: () => Promise<unknown> | unknown): void {
    runLater(this.log, work);
  }
}
