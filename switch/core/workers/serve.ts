/**
 * The bus consumers: every topic of switch/core/topics.ts gets its worker here, in one place. The workers are the
 * only callers of the ledger engine's writing functions (.dependency-cruiser.cjs, one-door-to-the-ledger-writer).
 */
import type { Bus } from '../../bus/bus.js';
import { liquidityTopics, settlementTopics, transferTopics } from '../topics.js';
import type { LiquidityWorker } from './liquidity.js';
import type { SettlementWorker } from './settlement.js';
import type { TransferService } from './transfers.js';

export function serveWorkers(bus: Bus, workers: { transfers: TransferService; liquidity: LiquidityWorker; settlement: SettlementWorker }): void {
  serveTransfers(bus, workers.transfers);
  serveLiquidity(bus, workers.liquidity);
  serveSettlement(bus, workers.settlement);
}

export function serveSettlement(bus: Bus, settlement: SettlementWorker): void {
  bus.subscribe(settlementTopics.closeWindow, (c) => settlement.closeWindow(c));
  bus.subscribe(settlementTopics.position, (c) => settlement.position(c));
}

export function serveTransfers(bus: Bus, transfers: TransferService): void {
  bus.subscribe(transferTopics.prepare, (c) => transfers.prepare(c.message, c.inbound));
  bus.subscribe(transferTopics.fulfil, (c) => transfers.fulfil(c.transferId, c.message, c.inbound));
  bus.subscribe(transferTopics.reject, (c) => transfers.reject(c.transferId, c.message, c.inbound));
  bus.subscribe(transferTopics.get, (c) => transfers.get(c.transferId, c.inbound));
  bus.subscribe(transferTopics.expire, (c) => transfers.expire(c.transferId, c.now));
}

export function serveLiquidity(bus: Bus, liquidity: LiquidityWorker): void {
  bus.subscribe(liquidityTopics.fundsIn, (c) => liquidity.fundsIn(c));
  bus.subscribe(liquidityTopics.fundsOutReserve, (c) => liquidity.fundsOutReserve(c));
  bus.subscribe(liquidityTopics.fundsOutCommit, (c) => liquidity.fundsOutEnd(c, 'commit'));
  bus.subscribe(liquidityTopics.fundsOutAbort, (c) => liquidity.fundsOutEnd(c, 'abort'));
  bus.subscribe(liquidityTopics.openingPosition, (c) => liquidity.openingPosition(c));
}
