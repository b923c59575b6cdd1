/**
 * A bank as the payee of a bulk (docs/bulk.md, "Banks"). The bulk lifecycle (workers/bulk-transfers.ts) sends the bank
 * one pacs.008 holding the bulk's reserved transfers; the bank answers with a pacs.002: a group status (ACCP, PART,
 * RJCT) and a status per transaction (ACSC or RJCT with its reason), or a group rejection alone. A bank confirms a
 * credit with its status, not with an ILP fulfilment: as for a single transfer to a bank (BankBridge.bankStatus), the
 * hub issued the terms of each transfer for the bank (a bulk quote answered for it, or a quote) and holds their
 * fulfilments, so the answer the bulk lifecycle gets (bulkTopics.fulfil) carries, for each transaction the bank
 * accepted, the fulfilment the hub holds for its condition, and for each it rejected the bank's reason. A transaction
 * without a status of its own takes the group's when that is ACCP or RJCT; a group RJCT naming no transaction rejects
 * the bulk (bulkTopics.reject). The lifecycle then commits or aborts every line on its own, and reports.
 */
import type { Logger } from 'pino';
import type { BulkPacs002, BulkTransactionStatus } from '../../../schemas/iso/bulk-transfers.js';
import type { OriginalTransactionReference } from '../../../schemas/iso/original.js';
import type { Pacs002 } from '../../../schemas/iso/pacs002.js';
import type { BulkTransferStore } from '../../../ledger/bulk-transfers.js';
import type { LedgerReader } from '../../../ledger/reader.js';
import type { Registry } from '../../../ledger/registry.js';
import type { Bus } from '../../bus/bus.js';
import { authenticateSender } from '../identity.js';
import type { InboundMessage } from '../outbox.js';
import { bulkTopics } from '../topics.js';
import { transferIdOf, type BankBridge } from './bank-bridge.js';
import type { HubTerms } from './hub-terms.js';
import type { BridgeWording } from './ports.js';

/** How the bank's status named the original message and each transaction (the XML reader's correlation data). */
export interface BankBulkStatusContext {
  OrgnlMsgNmId?: string;
  OrgnlCreDtTm?: string;
  /** By the status's `OrgnlTxId`: the ids the bank wrote, when they were more than an OrgnlTxId. */
  references?: Record<string, OriginalTransactionReference>;
}

type FinalStatus = BulkTransactionStatus & { TxSts: 'ACSC' | 'RJCT' };

/**
 * The statuses the bank decided, one per transaction: its own where it gave one, else the group's (ACCP or RJCT) for
 * each of `lineIds` it did not name. Transactions still pending are left out (the bulk lifecycle then treats them as
 * unanswered). Pure.
 */
export function decidedStatuses(status: BulkPacs002, lineIds: readonly string[]): FinalStatus[] {
  const group = status.OrgnlGrpInfAndSts;
  const named = new Set(status.TxInfAndSts.map((t) => t.OrgnlTxId));
  const own = status.TxInfAndSts.filter((t): t is FinalStatus => t.TxSts !== undefined);
  const groupWide: FinalStatus['TxSts'] | undefined = group.GrpSts === 'ACCP' ? 'ACSC' : group.GrpSts === 'RJCT' ? 'RJCT' : undefined;
  if (!groupWide) return own;
  const rest = lineIds.filter((id) => !named.has(id)).map((id): FinalStatus => ({ OrgnlTxId: id, TxSts: groupWide }));
  return [...own, ...rest];
}

/**
 * A single payment's status as the status of bulk `bulkTransferId` naming its one transaction: what a bank sends when
 * the bulk it was sent held one transaction (its pacs.008 then looks like any single payment's).
 */
function asBulkStatus(message: Pacs002, bulkTransferId: string, transferId: string): BulkPacs002 {
  const t = message.TxInfAndSts;
  const line: BulkTransactionStatus = { OrgnlTxId: transferId };
  if (t.TxSts === 'COMM' || t.TxSts === 'RESV') line.TxSts = 'ACSC';
  else if (t.TxSts === 'ABOR' || t.StsRsnInf) line.TxSts = 'RJCT';
  if (line.TxSts === 'RJCT' && t.StsRsnInf) line.StsRsnInf = t.StsRsnInf;
  return {
    GrpHdr: message.GrpHdr,
    OrgnlGrpInfAndSts: { OrgnlMsgId: bulkTransferId, BulkTransferState: line.TxSts ? 'COMPLETED' : 'PROCESSING' },
    TxInfAndSts: [line],
  };
}

/** The single transfer's status a bulk-shaped pacs.002 about one transaction is (a bank may answer one payment that way). */
function singleStatus(status: BulkPacs002, context: BankBulkStatusContext): { message: Pacs002; context: Omit<OriginalTransactionReference, 'OrgnlTxId'> } {
  const t = status.TxInfAndSts[0]!;
  const ref = context.references?.[t.OrgnlTxId];
  const message: Pacs002 = { GrpHdr: status.GrpHdr, TxInfAndSts: {} };
  const orgnlTxId = ref ? ref.OrgnlTxId : t.OrgnlTxId;
  if (orgnlTxId !== undefined) message.TxInfAndSts.OrgnlTxId = orgnlTxId;
  if (t.TxSts === 'ACSC') message.TxInfAndSts.TxSts = 'COMM';
  else if (t.TxSts === 'RJCT' && !t.StsRsnInf) message.TxInfAndSts.TxSts = 'ABOR';
  const reason = t.StsRsnInf ?? status.OrgnlGrpInfAndSts.StsRsnInf;
  if (t.TxSts === 'RJCT' && reason) message.TxInfAndSts.StsRsnInf = reason;
  const { OrgnlTxId: _id, ...ids } = ref ?? {};
  const OrgnlGrpInf = { OrgnlMsgId: status.OrgnlGrpInfAndSts.OrgnlMsgId, OrgnlMsgNmId: context.OrgnlMsgNmId ?? 'pacs.008.001.08' };
  return { message, context: { ...ids, OrgnlGrpInf } };
}

export class BankBulkPayee {
  constructor(
    private readonly registry: Registry,
    private readonly ledger: LedgerReader,
    private readonly bulks: Pick<BulkTransferStore, 'find' | 'lines'>,
    private readonly terms: HubTerms,
    private readonly wording: BridgeWording,
    private readonly bus: Bus,
    private readonly bridge: BankBridge,
    private readonly log: Logger,
  ) {}

  /**
   * A bank's pacs.002 about one transaction: the answer to a bulk it was sent with one transaction when its original
   * message is such a bulk of this bank's, else a single payment's status (BankBridge.bankStatus).
   */
  async bankStatus(message: Pacs002, context: Omit<OriginalTransactionReference, 'OrgnlTxId'>, inbound: InboundMessage): Promise<void> {
    const named = context.OrgnlGrpInf?.OrgnlMsgId;
    const bulk = named === undefined ? undefined : await this.bulks.find(named);
    const transferId = transferIdOf({ ...context, OrgnlTxId: message.TxInfAndSts.OrgnlTxId });
    if (!bulk || bulk.payee !== inbound.source || transferId === undefined) return this.bridge.bankStatus(message, inbound, context);
    return this.bankBulkStatus(asBulkStatus(message, bulk.id, transferId), {}, inbound);
  }

  /** A bank's pacs.002 with a group status: its answer to a bulk it was sent (or, naming one transaction, to a payment). */
  async bankBulkStatus(status: BulkPacs002, context: BankBulkStatusContext, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const id = status.OrgnlGrpInfAndSts.OrgnlMsgId;
    const bulk = await this.bulks.find(id);
    if (!bulk && status.TxInfAndSts.length === 1) {
      const single = singleStatus(status, context);
      return this.bridge.bankStatus(single.message, inbound, single.context);
    }
    // Keyed by the payer: its position owner finishes every line (an unknown bulk is answered by the lifecycle).
    const payer = bulk?.payer ?? inbound.source;
    const group = status.OrgnlGrpInfAndSts;
    if (group.GrpSts === 'RJCT' && status.TxInfAndSts.length === 0) {
      const error: Pacs002 = { GrpHdr: status.GrpHdr, TxInfAndSts: { OrgnlTxId: id, StsRsnInf: this.wording.reasonFromBank(group.StsRsnInf) } };
      return this.bus.request(bulkTopics.reject, payer, { bulkTransferId: id, error, inbound });
    }
    const lineIds = bulk ? (await this.bulks.lines(id)).filter((line) => line.refusal === null).map((line) => line.transferId) : [];
    const decided = decidedStatuses(status, lineIds);
    if (decided.length === 0) {
      this.log.info({ bulkTransferId: id, bank: inbound.source, groupStatus: group.GrpSts }, 'bank bulk status without a decision ignored');
      return;
    }
    const answer: BulkPacs002 = { ...status, TxInfAndSts: await this.withFulfilments(decided, group.StsRsnInf) };
    await this.bus.request(bulkTopics.fulfil, payer, { bulkTransferId: id, status: answer, inbound });
  }

  /**
   * Each accepted transaction with the fulfilment the hub holds for its transfer's condition (none when the hub did not
   * issue its terms: the lifecycle then aborts it as an invalid fulfilment); each rejected one with the bank's reason
   * as the payer is told it.
   */
  private async withFulfilments(decided: readonly FinalStatus[], groupReason: BulkPacs002['OrgnlGrpInfAndSts']['StsRsnInf']): Promise<BulkTransactionStatus[]> {
    const accepted = decided.filter((t) => t.TxSts === 'ACSC').map((t) => t.OrgnlTxId);
    const conditions = new Map<string, string>();
    for (const transferId of accepted) {
      const condition = this.ledger.inFlightTransfer(transferId)?.condition ?? (await this.ledger.find(transferId))?.condition;
      if (condition) conditions.set(transferId, condition);
    }
    const held = await this.terms.fulfilmentsFor([...conditions.values()]);
    return decided.map((t): BulkTransactionStatus => {
      if (t.TxSts === 'RJCT') return { OrgnlTxId: t.OrgnlTxId, TxSts: 'RJCT', StsRsnInf: this.wording.reasonFromBank(t.StsRsnInf ?? groupReason) };
      const condition = conditions.get(t.OrgnlTxId);
      const fulfilment = condition === undefined ? undefined : held.get(condition);
      return fulfilment === undefined ? { OrgnlTxId: t.OrgnlTxId, TxSts: 'ACSC' } : { OrgnlTxId: t.OrgnlTxId, TxSts: 'ACSC', ExctnConf: fulfilment };
    });
  }
}
