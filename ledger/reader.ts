/**
 * What the ledger shows to everyone who is not its writer: in-flight transfers, stored records, health. The
 * engine (ledger/engine.ts) is imported only by the bus workers (switch/core/workers/) and the hub's wiring;
 * everything else takes a `LedgerReader`, so a write outside the one door does not compile
 * (.dependency-cruiser.cjs, rule one-door-to-the-ledger-writer).
 */
import type { LedgerEngine } from './engine.js';

export { apiState } from './engine.js';
export type { InFlight, TransferKind, TransferRecord } from './engine.js';

export type LedgerReader = Pick<
  LedgerEngine,
  'available' | 'inFlightCount' | 'queuedWrites' | 'oldestWriteWaitMs' | 'inFlightTransfer' | 'pendingPrepareHash' | 'expired' | 'find'
>;
