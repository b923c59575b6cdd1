/**
 * The commands that change positions or transfer states, and the participant each is keyed by: the one door
 * to each position owner (docs/architecture.md). Publishers (the edges, the bank bridge, the Admin API, the
 * expiry sweep) send these; the workers under switch/core/workers/ consume them and alone call the ledger's
 * writing functions. A transfer's commands (prepare, fulfil, error, expiry) are keyed by its payer, so one owner
 * writes a transfer whole; funds movements by the participant whose SETTLEMENT account moves.
 */
import type { LedgerUnits } from '../../ledger/units.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import type { Pacs009 } from '../../schemas/iso/pacs009.js';
import type { BulkPacs002, BulkPacs008 } from '../../schemas/iso/bulk-transfers.js';
import { topic } from '../bus/bus.js';
import type { InboundMessage } from './outbox.js';

export interface PrepareCommand {
  message: Pacs008;
  inbound: InboundMessage;
}

export interface StatusCommand {
  transferId: string;
  message: Pacs002;
  inbound: InboundMessage;
}

export interface GetCommand {
  transferId: string;
  inbound: InboundMessage;
}

export interface ExpireCommand {
  transferId: string;
  /** The sweep's clock: the transfer expires if its expiration is at or before it. */
  now: number;
}

export const transferTopics = {
  /** Keyed by the payer. FSPIOP and ISO JSON prepares (edge), bank payments (bank bridge). */
  prepare: topic<PrepareCommand, void>('transfer.prepare'),
  /**
   * Keyed by the payer (FSPIOP-Destination; the bridge knows it): its position owner finishes the transfer. FSPIOP
   * fulfils (edge), a bank payee's acceptance (bridge). One that reaches another owner is sent on (TransferService).
   */
  fulfil: topic<StatusCommand, void>('transfer.fulfil'),
  /** Keyed by the payer, as a fulfil. FSPIOP errors (edge), a bank payee's rejection (bridge). */
  reject: topic<StatusCommand, void>('transfer.reject'),
  /** Keyed by the requester. Changes nothing; on the bus so it is answered in order with the requester's others. */
  get: topic<GetCommand, void>('transfer.get'),
  /** Keyed by the payer. One per due transfer, from the expiry sweep (switch/core/expiry.ts). */
  expire: topic<ExpireCommand, void>('transfer.expire'),
};

export interface FxPrepareCommand {
  message: Pacs009;
  inbound: InboundMessage;
}

export interface FxStatusCommand {
  commitRequestId: string;
  message: Pacs002;
  inbound: InboundMessage;
}

export interface FxGetCommand {
  commitRequestId: string;
  inbound: InboundMessage;
}

export interface FxExpireCommand {
  commitRequestId: string;
  now: number;
}

/**
 * FX transfers (switch/core/workers/fx-transfers.ts, docs/fx.md): keyed by the initiating FSP, whose source-currency
 * position the conversion reserves; its dependent transfer is keyed by the same FSP (its payer), so one owner writes
 * both, and the write that finishes them together.
 */
export const fxTopics = {
  /** Keyed by the initiating FSP. */
  prepare: topic<FxPrepareCommand, void>('fx.prepare'),
  /** Keyed by the initiating FSP (FSPIOP-Destination of the FXP's PUT). */
  fulfil: topic<FxStatusCommand, void>('fx.fulfil'),
  /** Keyed by the initiating FSP, as a fulfil: the FXP's error. */
  reject: topic<FxStatusCommand, void>('fx.reject'),
  /** Keyed by the requester. Changes nothing. */
  get: topic<FxGetCommand, void>('fx.get'),
  /** Keyed by the initiating FSP: a conversion past its expiration with no dependent transfer reserved (the expiry sweep). */
  expire: topic<FxExpireCommand, void>('fx.expire'),
};

export interface BulkPrepareCommand {
  bulk: BulkPacs008;
  inbound: InboundMessage;
}

export interface BulkFulfilCommand {
  bulkTransferId: string;
  status: BulkPacs002;
  inbound: InboundMessage;
}

export interface BulkRejectCommand {
  bulkTransferId: string;
  error: Pacs002;
  inbound: InboundMessage;
}

export interface BulkGetCommand {
  bulkTransferId: string;
  inbound: InboundMessage;
}

export interface BulkExpireCommand {
  bulkTransferId: string;
  now: number;
}

/** Bulk transfers (switch/core/workers/bulk-transfers.ts): keyed like a transfer's commands, by the payer. */
export const bulkTopics = {
  /** Keyed by the payer: every line is reserved by its position owner, in one group commit. */
  prepare: topic<BulkPrepareCommand, void>('bulk.prepare'),
  /** Keyed by the payer (FSPIOP-Destination); one that reaches another owner is sent on. */
  fulfil: topic<BulkFulfilCommand, void>('bulk.fulfil'),
  /** Keyed by the payer, as a fulfil. */
  reject: topic<BulkRejectCommand, void>('bulk.reject'),
  /** Keyed by the requester. Changes nothing. */
  get: topic<BulkGetCommand, void>('bulk.get'),
  /** Keyed by the payer: a bulk past its expiration and not final (the expiry sweep). */
  expire: topic<BulkExpireCommand, void>('bulk.expire'),
};

/** A movement of a participant's SETTLEMENT account; `amount` in ledger units (10^-4). */
export interface FundsMovement {
  participant: string;
  currency: string;
  amount: LedgerUnits;
  transferId: string;
  /** What the ledger records with it (`<externalReference>: <reason>`). */
  reference: string;
}

/** The end of a reserved funds-out, named by the participant and its SETTLEMENT account. */
export interface FundsOutEnd {
  participant: string;
  accountId: number;
  transferId: string;
  reason: string;
}

export interface OpeningPosition {
  participant: string;
  currency: string;
  /** Ledger units (10^-4); zero posts nothing. */
  amount: LedgerUnits;
}

/**
 * How a funds command ended: done (or the same movement again), refused (it would exceed the liquidity), a different
 * movement already used the transfer id, or (funds-out end) no reserved funds-out of this account has the id.
 */
export type FundsReply = { outcome: 'done' } | { outcome: 'refused'; detail: string } | { outcome: 'different-movement' } | { outcome: 'not-reserved' };

export const liquidityTopics = {
  /** Keyed by the participant whose SETTLEMENT account receives the funds. */
  fundsIn: topic<FundsMovement, FundsReply>('funds.in'),
  /** Keyed by the participant whose SETTLEMENT account is drawn. */
  fundsOutReserve: topic<FundsMovement, FundsReply>('funds.out.reserve'),
  /** Keyed by the participant whose SETTLEMENT account was drawn. */
  fundsOutCommit: topic<FundsOutEnd, FundsReply>('funds.out.commit'),
  /** Keyed by the participant whose SETTLEMENT account was drawn. */
  fundsOutAbort: topic<FundsOutEnd, FundsReply>('funds.out.abort'),
  /** Keyed by the participant whose POSITION opens. */
  openingPosition: topic<OpeningPosition, void>('position.opening'),
};

/** Close the OPEN settlement window `windowId` (docs/settlement.md, "Windows"). */
export interface WindowCloseCommand {
  windowId: number;
  reason: string;
}

export type WindowCloseReply = { outcome: 'closed'; closed: number; opened: number } | { outcome: 'not-open' } | { outcome: 'empty' };

/**
 * One position owner's part of closing window `windowId` when the ledger is partitioned (docs/settlement.md §8): sent
 * to every partition. `onlyIfUsed`: an owner that has not used the window leaves it open and answers `unused`.
 */
export interface WindowPartCommand {
  windowId: number;
  /** The window every owner's later commits go to (the settlement service chose it). */
  opening: number;
  onlyIfUsed: boolean;
}

export type WindowPartReply = { outcome: 'switched' } | { outcome: 'unused' } | { outcome: 'not-open'; open: number };

/**
 * A settlement transfer on one participant's account of the model's ledger account type (POSITION, or INTERCHANGE_FEE
 * under an interchange fee model) against HUB_MULTILATERAL_SETTLEMENT, applied once by its id.
 */
export interface SettlementPositionCommand {
  settlementId: number;
  windowIds: number[];
  transferId: string;
  participant: string;
  currency: string;
  /** The settlement model's ledger account type: the account that is reset. */
  ledgerAccountType: string;
  /** Ledger units, signed: positive raises the account (a net recipient's reset at RESERVED). */
  positionDelta: LedgerUnits;
  kind: 'SETTLEMENT_NET_RECIPIENT' | 'SETTLEMENT_NET_SENDER' | 'SETTLEMENT_NET_ZERO' | 'SETTLEMENT_ABORT';
  reference: string;
  /** The model requires liquidity: a reset beyond the net debit cap or liquidity cover is refused. */
  checkHeadroom: boolean;
}

export type SettlementPositionReply = { outcome: 'moved' } | { outcome: 'already-moved' } | { outcome: 'refused'; detail: string };

export const settlementTopics = {
  /**
   * Keyed by the hub: every position owner applies the close in its own order among its commits. In one process
   * that is the one ledger writer; partitioned, each owner closes its part and the window is closed when all have
   * (docs/settlement.md, "Several position owners").
   */
  closeWindow: topic<WindowCloseCommand, WindowCloseReply>('settlement.window.close'),
  /** Keyed by the participant whose account (POSITION or INTERCHANGE_FEE) moves. */
  position: topic<SettlementPositionCommand, SettlementPositionReply>('settlement.position'),
  /** To every partition (`requestEach`): each owner's part of a window close, partitioned ledger only. */
  closeWindowPart: topic<WindowPartCommand, WindowPartReply>('settlement.window.part'),
};

/** Accounts of one participant that another position owner's durable batch moved (a payee credited), by row version. */
export interface AccountsMovedNotice {
  moves: Array<{ accountId: number; delta: LedgerUnits; version: bigint }>;
}

export const ownerTopics = {
  /**
   * Keyed by the participant whose accounts moved; sent (no reply) by the payer's owner once its batch is durable, so
   * the participant's owner brings its memory up to date (ledger/engine.ts `applyForeignMove`). Partitioned ledger only.
   */
  accountsMoved: topic<AccountsMovedNotice, void>('position.accounts.moved'),
};

/** The reference data a worker decides with, held in memory where the ledger is: the registry, the fee rules. */
export type ReferenceStore = 'registry' | 'fees';

/** Re-read `stores` from PostgreSQL before answering: an Admin change made through any node is then seen by the ledger. */
export interface ReferenceSyncCommand {
  stores: ReferenceStore[];
}

export const referenceTopics = {
  /**
   * Keyed by the participant the change is about (the hub for scheme-wide changes: settlement models, fee rules). The
   * Admin API answers a change only once the ledger's workers have it, so a command sent after the answer is decided
   * with it, whichever node took the change and whichever takes the command (the notice alone comes a few ms late).
   */
  sync: topic<ReferenceSyncCommand, void>('reference.sync'),
};
