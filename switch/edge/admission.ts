/**
 * Admission control: past capacity the hub refuses NEW work quickly with 2005 "Server busy" instead of
 * queueing it, so that work already accepted finishes within its expiry (seed invariant; docs/benchmarks.md
 * shows the congestion collapse an unbounded queue caused).
 *
 * Four signals, each against its limit, give a pressure (the largest ratio):
 * - event-loop utilisation: the share of time the loop is busy (smoothed over ~0.5 s) — the hub's thread is
 *   saturated; it counts only while work is waiting (more than a few requests open: a burst of CPU work, say
 *   XML signing, with little waiting is not overload), and it cannot exceed 1, so on its own it only refuses
 *   new discoveries;
 * - event-loop lag: how late a 50 ms timer fires (smoothed) — the loop is saturated in long bursts;
 * - ledger queue age: how long the oldest write has waited for its group commit — PostgreSQL is saturated; with
 *   Kafka, also how long this node's oldest command to the ledger has waited for its answer (switch/bus/pending-age.ts):
 *   a node that does not hold the ledger has no queue of its own, and must not read an idle one as "no overload";
 * - open requests: requests received and not yet answered — anything downstream is slow;
 * - follow-up tasks: work scheduled after answering (forwarding, callbacks) and not yet done — participants or
 *   delivery are slow. Its limit is a bound (MIZANI_FOLLOW_UP_TASKS_MAX): the signal counts twice, so at the bound
 *   new prepares are refused, never a follow-up: the tasks that finish accepted payments all run.
 * And per participant: when the callbacks to one participant are at their bound (MIZANI_CALLBACKS_PENDING_MAX), new
 * work naming it as FSPIOP-Source or FSPIOP-Destination is refused, at every stage, while others' goes on.
 *
 * What is refused depends on the pressure, earliest stage first, so payments further along finish:
 * at pressure >= 1 new discoveries (GET /parties, a bank's acmt.023); at 1.5 also new quotes (POST /quotes, a
 * bank's pacs.008); at 2 also new prepares (POST /transfers). Refusing a quote wastes the discovery before it:
 * under overload measured with both refused at 1, a third of the payments that passed discovery were then
 * refused at the quote. Callbacks that finish work (PUT /parties, PUT /quotes,
 * PUT /transfers, errors) and status requests are never refused.
 *
 * With several hub nodes every signal is this node's own (docs/architecture.md, "What API nodes share"): a node
 * refuses what it cannot take now, so behind a load balancer one node may answer 2005 where another accepts. That
 * never changes what a participant's money does (a refusal is before anything is recorded, and 2005 says retry), so
 * the node that answered does not matter; the ledger signal is the one all nodes see alike, each through its own
 * unanswered commands.
 */
import { DomainError } from '../../schemas/outcomes.js';

export type NewWork = 'discovery' | 'agreement' | 'transfer';

export interface AdmissionLimits {
  /** Smoothed event-loop utilisation (0..1) at pressure 1; 0 ignores the signal. */
  loopUtilisation: number;
  /** Smoothed event-loop lag (ms) at pressure 1; 0 ignores the signal. */
  loopLagMs: number;
  /** Age (ms) of the oldest ledger write still queued at pressure 1; 0 ignores it. */
  ledgerQueueMs: number;
  /** Requests open at once at pressure 1; 0 ignores it. */
  openRequests: number;
  /** FOLLOW_UP_TASKS_MAX: pending follow-up tasks at pressure 2 (new prepares refused); 0 ignores them. */
  followUpTasks?: number;
  /** CALLBACKS_PENDING_MAX: callbacks to one participant waiting or in flight at which new work with it is refused; 0 ignores them. */
  callbacksPending?: number;
}

/** Where the signals come from. */
export interface AdmissionSources {
  /** Age in ms of the oldest queued ledger write (0 when none is waiting); with Kafka, or of this node's oldest unanswered command. */
  ledgerQueueAgeMs: () => number;
  /** Follow-up tasks pending (switch/core/identity.ts `followUpTasksPending`). */
  followUpTasks?: () => number;
  /** Callbacks to a participant waiting for a connection or in flight (switch/notify/delivery.ts `pendingFor`). */
  callbacksPendingFor?: (participant: string) => number;
}

export interface AdmissionSignals {
  loopUtilisation: number;
  loopLagMs: number;
  ledgerQueueMs: number;
  openRequests: number;
  followUpTasks: number;
  pressure: number;
}

/** The stage each kind of new work is refused at (pressure). */
const REFUSED_AT: Record<NewWork, number> = { discovery: 1, agreement: 1.5, transfer: 2 };
const TICK_MS = 50;
/** Weight of the newest lag sample: reacts within a few ticks, ignores a single slow tick. */
const SMOOTHING = 0.3;
/** Weight of the newest utilisation sample (one per tick): a time constant of about 0.5 s. */
const UTILISATION_SMOOTHING = 0.1;
/** Requests open besides the asker before a busy loop counts as overload. */
const WAITING_FOR_UTILISATION = 8;

export class AdmissionControl {
  private lagMs = 0;
  private utilisation = 0;
  private elu = performance.eventLoopUtilization();
  private open = 0;
  private last = performance.now();
  private readonly timer: NodeJS.Timeout;
  readonly refused: Record<NewWork, number> = { discovery: 0, agreement: 0, transfer: 0 };

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly sources: AdmissionSources,
    private readonly onRefused: (work: NewWork, signals: AdmissionSignals) => void = () => undefined,
  ) {
    this.timer = setInterval(() => {
      const now = performance.now();
      const late = Math.max(0, now - this.last - TICK_MS);
      this.last = now;
      this.lagMs = this.lagMs * (1 - SMOOTHING) + late * SMOOTHING;
      const elu = performance.eventLoopUtilization();
      const window = performance.eventLoopUtilization(elu, this.elu);
      this.elu = elu;
      this.utilisation = this.utilisation * (1 - UTILISATION_SMOOTHING) + window.utilization * UTILISATION_SMOOTHING;
    }, TICK_MS);
    this.timer.unref();
  }

  get enabled(): boolean {
    const { loopUtilisation, loopLagMs, ledgerQueueMs, openRequests, followUpTasks = 0, callbacksPending = 0 } = this.limits;
    return loopUtilisation > 0 || loopLagMs > 0 || ledgerQueueMs > 0 || openRequests > 0 || followUpTasks > 0 || callbacksPending > 0;
  }

  /** A request arrived; call the returned function once when it has been answered (or its connection closed). */
  opened(): () => void {
    this.open++;
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.open--;
    };
  }

  signals(): AdmissionSignals {
    const loopUtilisation = this.utilisation;
    const loopLagMs = this.lagMs;
    const ledgerQueueMs = this.sources.ledgerQueueAgeMs();
    const openRequests = this.open;
    const followUpTasks = this.sources.followUpTasks?.() ?? 0;
    const ratio = (value: number, limit: number) => (limit > 0 ? value / limit : 0);
    const pressure = Math.max(
      // Capped at 1: a busy loop that still keeps up must never stop payments already agreed.
      openRequests - 1 > WAITING_FOR_UTILISATION ? Math.min(1, ratio(loopUtilisation, this.limits.loopUtilisation)) : 0,
      ratio(loopLagMs, this.limits.loopLagMs),
      ratio(ledgerQueueMs, this.limits.ledgerQueueMs),
      // The request asking is counted in `open`: the limit is how many may be open besides it.
      ratio(Math.max(0, openRequests - 1), this.limits.openRequests),
      // A bound: pressure 2 (new prepares refused) when it is reached.
      2 * ratio(followUpTasks, this.limits.followUpTasks ?? 0),
    );
    return { loopUtilisation, loopLagMs, ledgerQueueMs, openRequests, followUpTasks, pressure };
  }

  /**
   * Throws SERVER_BUSY (2005 Server busy) when the hub takes no new work of this kind now, or none with `source` or
   * `destination` (the FSPIOP headers, read before anything is parsed) because the callbacks to that participant are
   * at their bound.
   */
  admit(work: NewWork, source?: string, destination?: string): void {
    if (!this.enabled) return;
    const behind = this.behind(source) ?? this.behind(destination);
    if (behind !== undefined) {
      this.refused[work]++;
      this.onRefused(work, this.signals());
      throw new DomainError(
        'SERVER_BUSY',
        `${behind.pending} callbacks to ${behind.name} are waiting (CALLBACKS_PENDING_MAX): no new ${work} requests with it now; retry later`,
      );
    }
    const signals = this.signals();
    if (signals.pressure < REFUSED_AT[work]) return;
    this.refused[work]++;
    this.onRefused(work, signals);
    throw new DomainError('SERVER_BUSY', `the hub is at capacity and takes no new ${work} requests now; retry later`);
  }

  /** The participant, when the callbacks to it are at their bound. */
  private behind(participant: string | undefined): { name: string; pending: number } | undefined {
    const max = this.limits.callbacksPending ?? 0;
    if (participant === undefined || max <= 0 || !this.sources.callbacksPendingFor) return undefined;
    const pending = this.sources.callbacksPendingFor(participant);
    return pending >= max ? { name: participant, pending } : undefined;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
