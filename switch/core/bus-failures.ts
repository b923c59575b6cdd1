/**
 * How the workers' failures cross a bus that leaves the process (switch/bus/kafka-bus.ts): a DomainError a handler
 * throws travels as its outcome, detail and data and is thrown again on the requesting node as the same DomainError,
 * so the edges answer exactly what they answer in process. Anything else a handler throws is logged where it
 * happened and reaches the requester as UNEXPECTED_FAILURE (the edges' answer to an unforeseen error is the same
 * 2001 in process).
 *
 * No answer (the timeout passed, the broker did not take the command, the bus stopped) is LEDGER_UNAVAILABLE, the
 * outcome the group commit already gives when a write's fate is unknown: the command may still be applied, the
 * caller is told to retry later (2003 Service currently unavailable, 503 to banks), and a retry is recognised as a
 * duplicate of what was applied.
 */
import { DomainError, isDomainError, isOutcome } from '../../schemas/outcomes.js';
import type { BusFailures } from '../bus/bus.js';

interface Carried {
  outcome: string;
  detail?: string;
  data?: Record<string, string>;
}

export const domainFailures: BusFailures = {
  describe(err: unknown) {
    if (isDomainError(err)) {
      const carried: Carried = { outcome: err.outcome };
      if (err.detail !== undefined) carried.detail = err.detail;
      if (err.data !== undefined) carried.data = { ...err.data };
      return { data: carried, expected: true };
    }
    return { data: { outcome: 'UNEXPECTED_FAILURE' } satisfies Carried, expected: false };
  },

  rebuild(data: unknown): Error {
    const carried = data as Partial<Carried> | null;
    if (!carried || typeof carried.outcome !== 'string' || !isOutcome(carried.outcome)) {
      return new DomainError('UNEXPECTED_FAILURE', 'a worker answered with an outcome this node does not know');
    }
    return new DomainError(carried.outcome, carried.detail, carried.data);
  },

  unanswered(_topic: string, _key: string, why: string): Error {
    return new DomainError('LEDGER_UNAVAILABLE', `the position owner gave no answer (${why}); the request may still take effect: retry later`);
  },
};
