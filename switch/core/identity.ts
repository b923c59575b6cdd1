import type { Logger } from 'pino';
import { DomainError } from '../../schemas/outcomes.js';
import type { Participant, Registry } from '../../ledger/registry.js';
import type { InboundMessage } from './outbox.js';

/**
 * The sender must be a registered, active participant other than the hub. (mTLS and signature
 * checks at the edge bind the transport identity to this name.) `unknown`: what an unknown sender
 * is (the payer, for a transfer).
 */
export function authenticateSender(
  registry: Registry,
  sender: string | InboundMessage,
  unknown: 'SENDER_UNKNOWN' | 'PAYER_FSP_UNKNOWN' = 'SENDER_UNKNOWN',
): Participant {
  // A message relayed from another scheme: its source is a DFSP there, and the proxy (checked at the edge) answers for it.
  if (typeof sender !== 'string' && sender.proxy !== undefined && !registry.participant(sender.source)) return authenticateProxy(registry, sender.proxy);
  const source = typeof sender === 'string' ? sender : sender.source;
  const participant = registry.participant(source);
  if (!participant || participant.isHub) {
    throw new DomainError(unknown, `FSPIOP-Source ${source} is not a registered participant`);
  }
  if (!participant.isActive) throw new DomainError('SENDER_INACTIVE', `FSPIOP-Source ${source} is inactive`);
  return participant;
}

function authenticateProxy(registry: Registry, name: string): Participant {
  const proxy = registry.participant(name);
  if (!proxy || proxy.isHub || !proxy.isProxy) throw new DomainError('SENDER_UNKNOWN', `FSPIOP-Proxy ${name} is not a proxy participant`);
  if (!proxy.isActive) throw new DomainError('SENDER_INACTIVE', `FSPIOP-Proxy ${name} is inactive`);
  return proxy;
}

/** Follow-up tasks of this process scheduled and not yet settled (a callback being delivered counts until it is). */
let followUpTasks = 0;

/**
 * How many follow-up tasks are pending: admission control refuses new work as it nears MIZANI_FOLLOW_UP_TASKS_MAX
 * (new prepares at the bound), so the tasks that finish accepted payments are never dropped and never pile up
 * without bound (docs/decisions.md 2026-12-06, "Limits and assertions on the money path").
 */
export function followUpTasksPending(): number {
  return followUpTasks;
}

/** Runs `work` after the current request has been answered; failures are logged, never thrown. */
export function runLater(log: Logger, work: () => Promise<unknown> | unknown): void {
  followUpTasks++;
  setImmediate(() => {
    Promise.resolve()
      .then(work)
      .then(settled, (err) => {
        settled();
        log.error({ err }, 'follow-up of a message failed');
      });
  });
}

function settled(): void {
  followUpTasks--;
}
