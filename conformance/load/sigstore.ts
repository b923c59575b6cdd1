// Sign-ahead store: the RS256 signatures of every signed message of a step (5 per payment, 256 bytes each),
// computed by worker threads before the measured window. In memory (SharedArrayBuffer) when it fits the
// budget, else in a temporary file of fixed-size records (read back with pread while the step runs).
import { closeSync, openSync, readSync, rmSync, ftruncateSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { SIG_BYTES, SLOTS, type PlanConfig } from './plan.js';

export const RECORD_BYTES = SIG_BYTES * SLOTS;

export type StoreHandle =
  | { kind: 'memory'; count: number; data: SharedArrayBuffer; flags: SharedArrayBuffer }
  | { kind: 'file'; count: number; path: string; flags: SharedArrayBuffer };

export class SigStore {
  readonly handle: StoreHandle;
  private readonly flags: Uint8Array;
  private readonly mem?: Buffer;
  private fd?: number;

  constructor(handle: StoreHandle) {
    this.handle = handle;
    this.flags = new Uint8Array(handle.flags);
    if (handle.kind === 'memory') this.mem = Buffer.from(handle.data);
    else this.fd = openSync(handle.path, 'r');
  }

  static create(count: number, opts: { memoryBudgetBytes: number; dir: string; mode: 'auto' | 'memory' | 'file'; tag: string }): SigStore {
    const bytes = count * RECORD_BYTES;
    const flags = new SharedArrayBuffer(Math.max(1, count));
    const useFile = opts.mode === 'file' || (opts.mode === 'auto' && bytes > opts.memoryBudgetBytes);
    if (!useFile) return new SigStore({ kind: 'memory', count, data: new SharedArrayBuffer(Math.max(1, bytes)), flags });
    const path = join(opts.dir, `mizani-load-sigs-${opts.tag}-${process.pid}.bin`);
    const fd = openSync(path, 'w+');
    ftruncateSync(fd, bytes);
    closeSync(fd);
    return new SigStore({ kind: 'file', count, path, flags });
  }

  has(i: number): boolean {
    return i >= 0 && i < this.handle.count && Atomics.load(this.flags, i) === 1;
  }

  /** The 5 signatures of payment i (a view in memory mode, a copy read from disk in file mode). */
  record(i: number): Buffer | undefined {
    if (!this.has(i)) return undefined;
    if (this.mem) return this.mem.subarray(i * RECORD_BYTES, (i + 1) * RECORD_BYTES);
    const buf = Buffer.allocUnsafe(RECORD_BYTES);
    readSync(this.fd!, buf, 0, RECORD_BYTES, i * RECORD_BYTES);
    return buf;
  }

  get bytes(): number {
    return this.handle.count * RECORD_BYTES;
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    if (this.handle.kind === 'file') rmSync(this.handle.path, { force: true });
  }
}

export interface SignAheadResult {
  signatures: number;
  wallMs: number;
  /** CPU of the whole generator process while signing (the threads dominate it). */
  cpuMs: number;
}

/**
 * Sign every signed message of payments 0..count-1 with `threads` worker threads (payment i goes to thread
 * i mod threads, so signing progresses evenly from the start of the plan). `keys[j]` = PEM private key of
 * cfg.dfsps[j].
 */
export async function signAhead(
  cfg: PlanConfig,
  keys: string[],
  store: SigStore,
  threads: number,
  onProgress?: (done: number, total: number) => void,
): Promise<SignAheadResult> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const n = Math.max(1, Math.min(threads || availableParallelism(), cfg.count || 1));
  const doneBy = new Array<number>(n).fill(0);
  let lastReport = 0;
  const workers: Promise<void>[] = [];
  const live: Worker[] = [];
  try {
    for (let t = 0; t < n; t++) {
      const w = new Worker(new URL('./signer-thread.js', import.meta.url), {
        workerData: { cfg, keys, start: t, step: n, handle: store.handle },
      });
      live.push(w);
      workers.push(
        new Promise<void>((resolve, reject) => {
          w.on('message', (m: { done: number; final?: boolean }) => {
            doneBy[t] = m.done;
            const now = performance.now();
            if (onProgress && (now - lastReport > 1000 || m.final)) {
              lastReport = now;
              onProgress(
                doneBy.reduce((a, b) => a + b, 0),
                cfg.count,
              );
            }
          });
          w.once('error', reject);
          w.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`signer thread exited with code ${code}`))));
        }),
      );
    }
    await Promise.all(workers);
  } finally {
    for (const w of live) void w.terminate();
  }
  const c = process.cpuUsage(cpu0);
  return { signatures: cfg.count * SLOTS, wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}
