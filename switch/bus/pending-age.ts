/**
 * How long the oldest command this process published is waiting for its answer. With Kafka, an API node that does not
 * hold the ledger has no group-commit queue of its own to watch: what tells it the ledger (or the bus) is behind is
 * that its commands are not answered. Admission control reads it as the ledger queue age (switch/edge/admission.ts,
 * docs/architecture.md "What API nodes share").
 */
import type { Bus, Handler, Topic } from './bus.js';

export class PendingAge implements Bus {
  private readonly started = new Map<number, number>();
  private sequence = 0;

  constructor(private readonly inner: Bus) {}

  subscribe<C, R>(topic: Topic<C, R>, handler: Handler<C, R>): void {
    this.inner.subscribe(topic, handler);
  }

  async request<C, R>(topic: Topic<C, R>, key: string, command: C): Promise<R> {
    const id = ++this.sequence;
    this.started.set(id, performance.now());
    try {
      return await this.inner.request(topic, key, command);
    } finally {
      this.started.delete(id);
    }
  }

  async requestEach<C, R>(topic: Topic<C, R>, key: string, command: C): Promise<R[]> {
    const id = ++this.sequence;
    this.started.set(id, performance.now());
    try {
      return await this.inner.requestEach(topic, key, command);
    } finally {
      this.started.delete(id);
    }
  }

  send<C>(topic: Topic<C, void>, key: string, command: C): Promise<void> {
    return this.inner.send(topic, key, command);
  }

  get pending(): number {
    return this.inner.pending;
  }

  /** Age (ms) of the oldest command published through here and not yet answered; 0 when none is. */
  oldestMs(): number {
    // Insertion order: the first entry is the oldest still waiting.
    for (const since of this.started.values()) return performance.now() - since;
    return 0;
  }
}
