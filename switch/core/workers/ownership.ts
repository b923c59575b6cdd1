/**
 * Which hub node holds the ledger. The ledger engine's writer session holds a PostgreSQL advisory lock
 * (ledger/engine.ts); the node whose engine holds it is the OWNER: it alone serves the workers' commands (the bus's
 * `serve`) and runs the cluster's timers (expiry sweep, bank payment sweep, window schedule, intraday reports), so
 * each runs exactly once across the cluster. Every other node is a STANDBY: it serves the APIs and publishes
 * commands, and waits for the lock. When the owner dies its database session ends, the lock is free, and the first
 * standby to take it loads the ledger from PostgreSQL and starts serving: no manual step.
 *
 * In one process (the in-process bus) the node takes the lock at start-up, before its APIs listen, as it always
 * did; with Kafka it takes it in the background, so a standby's APIs are up while it waits.
 *
 * Partitioned (MIZANI_LEDGER_PARTITIONED) every node takes the writer lock shared, so every node is an OWNER at once:
 * its parts are the workers' side of the bus and its own expiry sweep, and what it writes is the partitions the
 * workers' group gives it (KafkaBus `assign`, ledger/engine.ts `assign`); the cluster's timers follow partition 0
 * (switch/hub.ts).
 */
import type { Logger } from 'pino';
import type { LedgerEngine } from '../../../ledger/engine.js';

/** Something only the owner runs: started in order when the node becomes the owner, stopped in reverse. */
export interface OwnerPart {
  name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

export type OwnershipState = 'STANDBY' | 'OWNER' | 'RECOVERING' | 'STOPPED';

/** How long a failed attempt to take the lock (the database unreachable) waits before the next, at most. */
const RETRY_MAX_MS = 5000;

export class LedgerOwnership {
  private current: OwnershipState = 'STANDBY';
  private started: OwnerPart[] = [];
  private change: Promise<void> = Promise.resolve();
  private acquiring?: Promise<void>;
  private since = Date.now();
  /** Set first thing by `stop`, outside the queue of changes, so a change that retries sees it. */
  private stopping = false;

  constructor(
    private readonly engine: LedgerEngine,
    private readonly parts: OwnerPart[],
    private readonly log: Logger,
    private readonly onState: (state: OwnershipState) => void = () => undefined,
  ) {}

  get state(): OwnershipState {
    return this.current;
  }

  /**
   * Takes the writer lock (waiting for it as long as another node holds it), loads the ledger and starts the owner's
   * parts. Resolves once this node is the owner, or rejects when `stop` ends the wait.
   */
  acquire(): Promise<void> {
    this.acquiring ??= this.takeLock().finally(() => (this.acquiring = undefined));
    return this.acquiring;
  }

  /** Background `acquire`: a failure to reach the database is retried, not thrown. */
  acquireInBackground(): void {
    void this.acquire().catch((err: unknown) => {
      if (!this.stopping) this.log.error({ err }, 'ledger ownership: could not take the ledger');
    });
  }

  private async takeLock(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopping) throw new Error('the node is stopping');
      try {
        if (!this.engine.holdsWriter) await this.engine.load();
        break;
      } catch (err) {
        if (this.stopping) throw err;
        this.log.warn({ err, attempt }, 'ledger ownership: taking the ledger failed; trying again');
        await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_MAX_MS, 200 * 2 ** attempt)));
      }
    }
    await this.becomeOwner();
  }

  /** The engine's recovery has begun (its writer session failed): stop serving before its lock is let go. */
  writerLost(): Promise<void> {
    return this.serialised(async () => {
      if (this.current !== 'OWNER') return;
      this.log.warn({ ownedMs: Date.now() - this.since }, 'ledger ownership: the writer session failed; this node stops serving the ledger');
      await this.stopParts();
      this.setState('RECOVERING');
    });
  }

  /** The engine has the writer session back (after waiting for the lock, maybe behind another node). */
  writerRegained(): Promise<void> {
    return this.becomeOwner();
  }

  /** Stops the owner's parts, gives up the writer lock (or stops waiting for it). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.serialised(async () => {
      await this.stopParts();
      this.setState('STOPPED');
    });
    await this.engine.close();
  }

  /**
   * Starts the owner's parts. One that fails (the broker unreachable, say) stops those started and the start is tried
   * again, the lock kept: no other node could serve without the same broker.
   */
  private becomeOwner(): Promise<void> {
    return this.serialised(async () => {
      const waited = Date.now() - this.since;
      for (let attempt = 0; !this.stopping && this.current !== 'OWNER'; attempt++) {
        try {
          for (const part of this.parts) {
            await part.start();
            this.started.push(part);
          }
          this.setState('OWNER');
        } catch (err) {
          this.log.error({ err, attempt }, 'ledger ownership: a part of the owner did not start; trying again');
          await this.stopParts();
          await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_MAX_MS, 200 * 2 ** attempt)));
        }
      }
      if (this.current === 'OWNER') {
        this.log.info(
          { waitedMs: waited, inFlight: this.engine.inFlightCount, parts: this.parts.map((p) => p.name) },
          'ledger ownership: this node serves the ledger',
        );
      }
    });
  }

  private async stopParts(): Promise<void> {
    for (const part of this.started.reverse()) {
      await Promise.resolve(part.stop()).catch((err: unknown) => this.log.error({ err, part: part.name }, 'ledger ownership: a part failed to stop'));
    }
    this.started = [];
  }

  private setState(state: OwnershipState): void {
    this.current = state;
    this.since = Date.now();
    this.onState(state);
  }

  private serialised(work: () => Promise<void>): Promise<void> {
    const next = this.change.then(work);
    this.change = next.catch(() => undefined);
    return next;
  }
}
