/**
 * The bus consumers: every topic of switch/core/topics.ts gets its worker here, in one place. The workers are the
 * only callers of the ledger engine's writing functions (.dependency-cruiser.cjs, one-door-to-the-ledger-writer).
 */
import type { Registry } from '../../../ledger/registry.js';
import { payeeFspOf, payerFspOf, type Pacs008 } from '../../../schemas/iso/pacs008.js';
import { counterPartyFspOf, initiatingFspOf, sourceAmountOf, type Pacs009 } from '../../../schemas/iso/pacs009.js';
import type { Bus, Handler, Topic } from '../../bus/bus.js';
import { bulkTopics, fxTopics, liquidityTopics, ownerTopics, referenceTopics, settlementTopics, transferTopics } from '../topics.js';
import type { BulkTransferService } from './bulk-transfers.js';
import type { FxTransferService } from './fx-transfers.js';
import type { LiquidityWorker } from './liquidity.js';
import type { ReferenceWorker } from './reference.js';
import type { SettlementWorker } from './settlement.js';
import type { TransferService } from './transfers.js';

export function serveWorkers(
  bus: Bus,
  workers: {
    transfers: TransferService;
    bulks: BulkTransferService;
    fx: FxTransferService;
    liquidity: LiquidityWorker;
    settlement: SettlementWorker;
    reference: ReferenceWorker;
  },
  registry?: Registry,
): void {
  const door = registry ? knowingBus(bus, registry) : bus;
  serveTransfers(door, workers.transfers);
  serveBulkTransfers(door, workers.bulks);
  serveFxTransfers(door, workers.fx);
  serveLiquidity(door, workers.liquidity);
  serveSettlement(door, workers.settlement);
  serveReference(bus, workers.reference);
}

export function serveReference(bus: Bus, reference: ReferenceWorker): void {
  bus.subscribe(referenceTopics.sync, (c) => reference.sync(c));
}

/**
 * With several hub nodes, a participant or a currency account created through another node's Admin API reaches this
 * node's registry by a change notice (ledger/changes.ts), a few milliseconds after the commit; a command for it sent
 * right after the Admin answer may come first. So before a worker decides about a participant (the command's key; a
 * prepare's payee and currency too) that this node's registry does not know, the registry catches up once (one
 * refresh shared by all such commands at a time); what is still unknown after it is refused as before.
 */
function knowingBus(bus: Bus, registry: Registry): Bus {
  let refreshing: Promise<void> | undefined;
  const catchUp = () => (refreshing ??= registry.refresh().finally(() => (refreshing = undefined)));
  const knows = (name: string, currency?: string) =>
    registry.isHubName(name) ||
    (registry.participant(name) !== undefined && (currency === undefined || registry.accountOf(name, currency, 'POSITION') !== undefined));
  const named = (command: unknown, key: string): boolean => {
    const message = (command as { message?: Pacs008 | Pacs009 }).message;
    const tx = message?.CdtTrfTxInf;
    if (!message || !tx) return knows(key);
    // A conversion (pacs.009): the initiating FSP in the source currency, the FXP in both.
    if (!('DbtrAgt' in tx)) {
      const conversion = message as Pacs009;
      const fxp = counterPartyFspOf(conversion);
      return (
        knows(initiatingFspOf(conversion), sourceAmountOf(conversion).currency) &&
        knows(fxp, sourceAmountOf(conversion).currency) &&
        knows(fxp, tx.IntrBkSttlmAmt.currency)
      );
    }
    const currency = tx.IntrBkSttlmAmt?.currency;
    return knows(payerFspOf(message as Pacs008), currency) && knows(payeeFspOf(message as Pacs008), currency);
  };
  return {
    get pending() {
      return bus.pending;
    },
    request: (topic, key, command) => bus.request(topic, key, command),
    requestEach: (topic, key, command) => bus.requestEach(topic, key, command),
    send: (topic, key, command) => bus.send(topic, key, command),
    subscribe<C, R>(topic: Topic<C, R>, handler: Handler<C, R>) {
      const after = (command: C, key: string) => () => handler(command, key);
      bus.subscribe(topic, (command, key) => (named(command, key) ? handler(command, key) : catchUp().then(after(command, key), after(command, key))));
    },
  };
}

export function serveSettlement(bus: Bus, settlement: SettlementWorker): void {
  bus.subscribe(settlementTopics.closeWindow, (c) => settlement.closeWindow(c));
  bus.subscribe(settlementTopics.position, (c) => settlement.position(c));
  bus.subscribe(settlementTopics.closeWindowPart, (c) => settlement.closeWindowPart(c));
}

export function serveTransfers(bus: Bus, transfers: TransferService): void {
  bus.subscribe(transferTopics.prepare, (c) => transfers.prepare(c.message, c.inbound));
  bus.subscribe(transferTopics.fulfil, (c) => transfers.fulfil(c.transferId, c.message, c.inbound));
  bus.subscribe(transferTopics.reject, (c) => transfers.reject(c.transferId, c.message, c.inbound));
  bus.subscribe(transferTopics.get, (c) => transfers.get(c.transferId, c.inbound));
  bus.subscribe(transferTopics.expire, (c) => transfers.expire(c.transferId, c.now));
}

export function serveBulkTransfers(bus: Bus, bulks: BulkTransferService): void {
  bus.subscribe(bulkTopics.prepare, (c) => bulks.prepare(c.bulk, c.inbound));
  bus.subscribe(bulkTopics.fulfil, (c) => bulks.fulfil(c.bulkTransferId, c.status, c.inbound));
  bus.subscribe(bulkTopics.reject, (c) => bulks.reject(c.bulkTransferId, c.error, c.inbound));
  bus.subscribe(bulkTopics.get, (c) => bulks.get(c.bulkTransferId, c.inbound));
  bus.subscribe(bulkTopics.expire, (c) => bulks.expire(c.bulkTransferId, c.now));
}

export function serveFxTransfers(bus: Bus, fx: FxTransferService): void {
  bus.subscribe(fxTopics.prepare, (c) => fx.prepare(c.message, c.inbound));
  bus.subscribe(fxTopics.fulfil, (c) => fx.fulfil(c.commitRequestId, c.message, c.inbound));
  bus.subscribe(fxTopics.reject, (c) => fx.reject(c.commitRequestId, c.message, c.inbound));
  bus.subscribe(fxTopics.get, (c) => fx.get(c.commitRequestId, c.inbound));
  bus.subscribe(fxTopics.expire, (c) => fx.expire(c.commitRequestId, c.now));
}

export function serveLiquidity(bus: Bus, liquidity: LiquidityWorker): void {
  bus.subscribe(liquidityTopics.fundsIn, (c) => liquidity.fundsIn(c));
  bus.subscribe(liquidityTopics.fundsOutReserve, (c) => liquidity.fundsOutReserve(c));
  bus.subscribe(liquidityTopics.fundsOutCommit, (c) => liquidity.fundsOutEnd(c, 'commit'));
  bus.subscribe(liquidityTopics.fundsOutAbort, (c) => liquidity.fundsOutEnd(c, 'abort'));
  bus.subscribe(liquidityTopics.openingPosition, (c) => liquidity.openingPosition(c));
  bus.subscribe(ownerTopics.accountsMoved, (c) => liquidity.accountsMoved(c));
}
