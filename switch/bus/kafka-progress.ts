/**
 * Which offsets of a partition may be committed. The consumer starts a partition's handlers in offset order without
 * waiting for one to finish before starting the next (docs/architecture.md, "Two buses"); they finish in any order.
 * The committable offset is one past the last message that finished with every message before it finished too: a
 * restart resumes at the first message whose handler had not finished, so nothing started is skipped (a finished
 * one after it may be applied again: the workers' duplicate rules answer it).
 */
export interface Started {
  readonly offset: bigint;
  done: boolean;
}

export class PartitionProgress {
  private readonly started: Started[] = [];
  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  private head = 0;
  /** Next offset to commit (Kafka commits the offset of the next message to read); undefined: nothing finished. */
  committable: bigint | undefined;
  /** What the group coordinator last acknowledged for this partition. */
  committed: bigint | undefined;

  /** Whether `offset` comes after every offset started (false: the consumer went back, as after a rebalance). */
  follows(offset: bigint): boolean {
    const last = this.started[this.started.length - 1];
    return last === undefined || offset > last.offset;
  }

  start(offset: bigint): Started {
    if (!this.follows(offset)) throw new Error(`offset ${offset} started after a later one: messages must start in offset order`);
    const entry = { offset, done: false };
    this.started.push(entry);
    return entry;
  }

  finish(entry: Started): void {
    entry.done = true;
    while (this.head < this.started.length && this.started[this.head]!.done) {
      this.committable = this.started[this.head]!.offset + 1n;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.started.length) {
      this.started.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Started and not finished. */
  get running(): number {
    let n = 0;
    for (let i = this.head; i < this.started.length; i++) if (!this.started[i]!.done) n++;
    return n;
  }

  /** The offset to commit now, when it moved since the last commit. */
  get due(): bigint | undefined {
    return this.committable !== undefined && this.committable !== this.committed ? this.committable : undefined;
  }
}
