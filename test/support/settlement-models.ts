/** Settlement models as tests create them through the registry (the Admin API's body shape is tested on its own). */
import type { SettlementModel } from '../../ledger/registry.js';

/** Mojaloop's default: deferred multilateral net over POSITION for every currency, liquidity checked, positions reset. */
export function deferredNetModel(overrides: Partial<Omit<SettlementModel, 'id' | 'isActive'>> = {}): Omit<SettlementModel, 'id' | 'isActive'> {
  return {
    name: 'DEFAULTDEFERREDNET',
    settlementGranularity: 'NET',
    settlementInterchange: 'MULTILATERAL',
    settlementDelay: 'DEFERRED',
    currency: null,
    requireLiquidityCheck: true,
    ledgerAccountType: 'POSITION',
    autoPositionReset: true,
    settlementAccountType: 'SETTLEMENT',
    ...overrides,
  };
}
