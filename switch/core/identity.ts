import type { Logger } from 'pino';
import { FspiopError } from '../../schemas/errors.js';
import type { Participant, Registry } from '../../ledger/registry.js';

/**
 * The sender must be a registered, active participant other than the hub. (mTLS and signature
 * checks at the edge bind the transport identity to this name.)
 */
export function authenticateSender(registry: Registry, source: string, unknownCode = '3200'): Participant {
  const participant = registry.participant(source);
  if (!participant || participant.isHub) {
    throw new FspiopError(unknownCode, `FSPIOP-Source ${source} is not a registered participant`);
  }
  if (!participant.isActive) throw new FspiopError('3100', `FSPIOP-Source ${source} is inactive`);
  return participant;
}

/** Runs `work` after the current request has been answered; failures are logged, never thrown. */
export function runLater(log: Logger, work: () => Promise<unknown> | unknown): void {
  setImmediate(() => {
    Promise.resolve()
      .then(work)
      .catch((err) => log.error({ err }, 'follow-up of a message failed'));
  });
}
