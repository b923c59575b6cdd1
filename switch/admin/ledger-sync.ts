/**
 * An Admin change that the ledger's workers decide with (a limit, an active flag, a settlement model, a fee rule) is
 * answered only once the workers have re-read it (referenceTopics.sync, keyed by the participant it is about, or the
 * hub for scheme-wide changes): a command sent after the answer, through any hub node, is decided with the change.
 */
import { DomainError, isDomainError } from '../../schemas/outcomes.js';
import type { Bus } from '../bus/bus.js';
import { referenceTopics, type ReferenceStore } from '../core/topics.js';

export async function ledgerHas(bus: Bus, key: string, ...stores: ReferenceStore[]): Promise<void> {
  await confirmed(bus.request(referenceTopics.sync, key, { stores }));
}

/** A scheme-wide change (a settlement model, a fee rule): every position owner re-reads it (one request per partition). */
export async function everyOwnerHas(bus: Bus, hubName: string, ...stores: ReferenceStore[]): Promise<void> {
  await confirmed(bus.requestEach(referenceTopics.sync, hubName, { stores }));
}

async function confirmed(sync: Promise<unknown>): Promise<void> {
  try {
    await sync;
  } catch (err) {
    if (!isDomainError(err) || err.outcome !== 'LEDGER_UNAVAILABLE') throw err;
    // The ledger is changing hands (or recovering): it reads everything when it is back.
    throw new DomainError('LEDGER_UNAVAILABLE', 'The change is recorded; the ledger has not confirmed it yet and applies it when it is back');
  }
}
