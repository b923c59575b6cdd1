/**
 * Sends to Kafka the way the ledger's group commit writes to PostgreSQL: messages published while a send is in
 * flight wait, and go together in the next one. One send at a time keeps every partition's messages in publish order
 * (a retried request cannot overtake a later one), and the batching keeps one round trip from capping the rate: at
 * one command per round trip a bus would serialise the whole hub behind the broker's latency.
 */
import type { Message, Producer, TopicMessages } from 'kafkajs';

interface Queued {
  topic: string;
  message: Message;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class KafkaPublisher {
  private queue: Queued[] = [];
  private sending: Promise<void> | undefined;

  constructor(
    private readonly producer: Producer,
    /** Most messages in one send. */
    private readonly maxBatch = 2000,
  ) {}

  /** Resolves when the broker has acknowledged the message (acks from every in-sync replica). */
  publish(topic: string, message: Message): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, message, resolve, reject });
      this.sending ??= this.drain();
    });
  }

  /** Messages waiting for a send or in one. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves when every message published so far has been sent (or has failed). */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
  }

  private async drain(): Promise<void> {
    // Let the rest of this turn of the event loop publish too: they join the first send.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.producer.sendBatch({ topicMessages: byTopic(batch), acks: -1 });
        for (const queued of batch) queued.resolve();
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        for (const queued of batch) queued.reject(error);
      }
    }
    this.sending = undefined;
  }
}

function byTopic(batch: Queued[]): TopicMessages[] {
  const topics = new Map<string, Message[]>();
  for (const { topic, message } of batch) {
    const messages = topics.get(topic);
    if (messages) messages.push(message);
    else topics.set(topic, [message]);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}
