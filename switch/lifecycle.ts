/**
 * The parts of a hub process (database pool, ledger writer, signer workers, servers, timers, ...)
 * in one owner: started one after another, stopped in reverse order. When a part fails to start,
 * the parts already started are stopped, newest first, and the start's own error is rethrown, so a
 * failed start-up leaves no socket, connection, lock, worker or timer behind.
 *
 * A part is registered by starting it: `start(name, start, stop)` returns what `start` produced,
 * and `stop` receives it when the lifecycle stops. A part whose start can fail after it has
 * acquired something is two parts: one that acquires (with its stop) and one that does the rest.
 */

export type LifecycleEvent =
  | { part: string; event: 'starting' | 'stopping' }
  | { part: string; event: 'started' | 'stopped'; ms: number }
  | { part: string; event: 'start-failed' | 'stop-failed'; error: unknown }
  | { part: string; event: 'stop-timed-out'; ms: number };

export interface LifecycleOptions {
  /** Longest wait for one part's stop; past it the next part is stopped anyway (stopping stays bounded). */
  stopTimeoutMs?: number;
  observe?: (event: LifecycleEvent) => void;
}

interface Started {
  name: string;
  stop: () => unknown;
}

const DEFAULT_STOP_TIMEOUT_MS = 5000;

export class StartAbortedError extends Error {
  constructor(part: string) {
    super(`${part} finished starting after the lifecycle was told to stop; it was stopped again`);
    this.name = 'StartAbortedError';
  }
}

export class Lifecycle {
  private readonly started: Started[] = [];
  private stopping?: Promise<void>;
  private readonly stopTimeoutMs: number;
  private readonly observe: (event: LifecycleEvent) => void;

  constructor(options: LifecycleOptions = {}) {
    this.stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    this.observe = options.observe ?? (() => undefined);
  }

  /** The parts started so far (with a stop), oldest first. */
  get parts(): string[] {
    return this.started.map((p) => p.name);
  }

  /**
   * Starts one part after those already started. If `start` throws, every part started before it is
   * stopped (newest first) and the error is rethrown unchanged.
   */
  async start<T>(name: string, start: () => T | Promise<T>, stop?: (value: T) => unknown): Promise<T> {
    if (this.stopping) throw new StartAbortedError(name);
    this.observe({ part: name, event: 'starting' });
    const began = performance.now();
    let value: T;
    try {
      value = await start();
    } catch (err) {
      this.observe({ part: name, event: 'start-failed', error: err });
      await this.stop();
      throw err;
    }
    const part = { name, stop: () => stop?.(value) };
    if (this.stopping) {
      // stop() was called while this part was starting: release it at once instead of leaking it.
      if (stop) await this.stopPart(part);
      throw new StartAbortedError(name);
    }
    if (stop) this.started.push(part);
    this.observe({ part: name, event: 'started', ms: performance.now() - began });
    return value;
  }

  /**
   * Stops every started part, newest first, each given at most `stopTimeoutMs`; a part that fails or
   * times out is reported and the others are stopped anyway. Idempotent: later calls get the first
   * call's promise, which never rejects.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    while (this.started.length > 0) await this.stopPart(this.started.pop()!);
  }

  private async stopPart(part: Started): Promise<void> {
    this.observe({ part: part.name, event: 'stopping' });
    const began = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timed out'>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), this.stopTimeoutMs);
    });
    try {
      const outcome = await Promise.race([Promise.resolve().then(part.stop), timedOut]);
      const ms = performance.now() - began;
      this.observe(outcome === 'timed out' ? { part: part.name, event: 'stop-timed-out', ms } : { part: part.name, event: 'stopped', ms });
    } catch (err) {
      this.observe({ part: part.name, event: 'stop-failed', error: err });
    } finally {
      clearTimeout(timer);
    }
  }
}
