/**
 * The seam between the stateless API edge and the workers that own state. A command is published
 * on a topic under the key of the participant whose position it changes (prepare: payer; fulfil and
 * payee error: payee; GET: requester), and the publisher waits for the worker's reply, which comes
 * only once the outcome is durable.
 *
 * Ordering contract (both implementations): commands with the same key reach the handler in publish
 * order, and a handler takes its decisions synchronously before it first awaits, so decisions for one
 * participant are made in arrival order. The in-process bus gives this by calling the handler
 * directly; the Kafka bus (kafka-bus.ts) gives it with topics partitioned by key and one consumer per
 * partition that starts the partition's handlers in offset order without waiting for each to finish,
 * replies going back on a per-node reply topic.
 */
export interface Topic<Command, Reply> {
  readonly name: string;
  /** Type carriers only; never set. */
  readonly command?: Command;
  readonly reply?: Reply;
}

export function topic<Command, Reply>(name: string): Topic<Command, Reply> {
  return { name };
}

export type Handler<Command, Reply> = (command: Command, key: string) => Promise<Reply>;

export interface Bus {
  subscribe<C, R>(topic: Topic<C, R>, handler: Handler<C, R>): void;
  request<C, R>(topic: Topic<C, R>, key: string, command: C): Promise<R>;
  /**
   * The command to the worker of every partition (each position owner applies it in its own order), the replies in
   * partition order. In process there is one: the reply of the one handler.
   */
  requestEach<C, R>(topic: Topic<C, R>, key: string, command: C): Promise<R[]>;
  /** A command nobody answers (a notice): resolves once the bus has taken it (in process: once handled). */
  send<C>(topic: Topic<C, void>, key: string, command: C): Promise<void>;
  /** Commands published and not yet answered. */
  readonly pending: number;
}

/**
 * How a bus that leaves the process (switch/bus/kafka-bus.ts) carries failures without knowing them: the wiring
 * gives it these (switch/core/bus-failures.ts: domain outcomes), so a handler's refusal reaches the requester as the
 * same outcome, as it does in process.
 */
export interface BusFailures {
  /** A handler's rejection as plain data the codec carries; `expected` false: a failure the log must show. */
  describe(err: unknown): { data: unknown; expected: boolean };
  /** The requester's error for what `describe` made of the handler's. */
  rebuild(data: unknown): Error;
  /** No answer came: none within the timeout, the command could not be published, the bus stopped. */
  unanswered(topic: string, key: string, why: string): Error;
}

/**
 * Tracing of the bus, given by the wiring (switch/observability/tracing.ts): a span for each command published and one
 * for each command handled, the trace crossing in the command's headers when the bus leaves the process. Both call
 * their function synchronously, so a handler still decides before its first await.
 */
export interface BusTracing {
  /** Runs `publish` in a span of publishing `topic`; `headers` are the trace headers the command carries. */
  publish<T>(topic: string, key: string, publish: (headers: Record<string, string> | undefined) => Promise<T>): Promise<T>;
  /** Runs `handle` in a span of handling `topic`, a child of the trace `headers` name (or of the active span). */
  consume<T>(topic: string, key: string, headers: Record<string, string> | undefined, handle: () => Promise<T>): Promise<T>;
}

export class InProcessBus implements Bus {
  private readonly handlers = new Map<string, Handler<unknown, unknown>>();
  private inFlight = 0;

  constructor(private readonly tracing?: BusTracing) {}

  subscribe<C, R>(topic: Topic<C, R>, handler: Handler<C, R>): void {
    if (this.handlers.has(topic.name)) throw new Error(`topic ${topic.name} already has a subscriber`);
    this.handlers.set(topic.name, handler as Handler<unknown, unknown>);
  }

  async request<C, R>(topic: Topic<C, R>, key: string, command: C): Promise<R> {
    const handler = this.handlers.get(topic.name);
    if (!handler) throw new Error(`no subscriber for topic ${topic.name}`);
    this.inFlight++;
    try {
      if (this.tracing) {
        const tracing = this.tracing;
        return (await tracing.publish(topic.name, key, () => tracing.consume(topic.name, key, undefined, () => handler(command, key)))) as R;
      }
      return (await handler(command, key)) as R;
    } finally {
      this.inFlight--;
    }
  }

  async requestEach<C, R>(topic: Topic<C, R>, key: string, command: C): Promise<R[]> {
    return [await this.request(topic, key, command)];
  }

  async send<C>(topic: Topic<C, void>, key: string, command: C): Promise<void> {
    await this.request(topic, key, command);
  }

  get pending(): number {
    return this.inFlight;
  }
}
