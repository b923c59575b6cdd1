/** What the ledger engine's tests prepare: a USD transfer that expires in an hour, with a fixed condition. */
import type { PrepareInput } from '../../ledger/engine.js';
import type { LedgerUnits } from '../../ledger/units.js';

export function prepareInput(id: string, amount: LedgerUnits, payer = 'dfsp1', payee = 'dfsp2'): PrepareInput {
  const expiresAt = Date.now() + 3_600_000;
  return {
    id,
    payer,
    payee,
    currency: 'USD',
    amount,
    condition: 'GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM',
    expiration: new Date(expiresAt).toISOString(),
    expiresAt,
    prepareHash: `hash-${id}`,
    receivedAt: new Date().toISOString(),
  };
}
