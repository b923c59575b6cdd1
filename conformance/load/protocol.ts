// Messages between the orchestrator (run.ts) and its generator worker processes (worker.ts), over the
// child_process IPC channel.
import type { HistogramJson } from './hist.js';
import type { SignAheadResult } from './sigstore.js';

export const STAGES = ['discovery', 'agreement', 'transfer'] as const;
export type StageName = (typeof STAGES)[number];
/** Messages whose synchronous answer (202/200) is timed. */
export const ACK_KINDS = ['GET /parties', 'PUT /parties', 'POST /quotes', 'PUT /quotes', 'POST /transfers', 'PUT /transfers'] as const;
export type AckKind = (typeof ACK_KINDS)[number];

export interface WorkerDfsp {
  name: string;
  parties: string[];
  ilpSecret: string;
  /** PKCS#8 PEM; present when signing. */
  privateKeyPem?: string;
  /**
   * FSPIOP base URL this DFSP talks to, when the target is several hub nodes (`--hub URL1,URL2`): the DFSPs are
   * spread over the nodes as a load balancer keeping a DFSP's connections on one node would. Absent: `targetUrl`.
   */
  targetUrl?: string;
}

export interface InitMsg {
  type: 'init';
  worker: number;
  workers: number;
  dfsps: WorkerDfsp[];
  /** FSPIOP base URL the DFSPs talk to (the hub or the relay). */
  targetUrl: string;
  /** Where every DFSP sends its quote messages (POST and PUT /quotes), when not to its own target (--quotes-hub). */
  quotesUrl?: string;
  hubName: string;
  bindHost: string;
  advertiseHost: string;
  /** Keep-alive connections of each DFSP towards the target. */
  connections: number;
  stageTimeoutMs: number;
  version: string;
  currency: string;
  sign: boolean;
  signThreads: number;
  signStore: 'auto' | 'memory' | 'file';
  signMemoryBytes: number;
  tmpDir: string;
  /** Verify the FSPIOP-Signature of 1 in N signed messages the DFSPs receive (0: never). */
  verifySample: number;
  /** The hub's JWS public key (SPKI PEM), to check the signatures of messages the hub authors. */
  hubPublicKeyPem?: string;
  /** Payments are the transfer stage only (POST /transfers → PUT /transfers): no discovery, no quote. */
  transferOnly: boolean;
  /** Write one CSV line per measured transfer stage (its timestamps, TRACE_COLUMNS) to this file; empty: none. */
  traceFile: string;
}

/**
 * Columns of the per-transfer trace (--trace): the payment, its planned start (epoch ms), then ms after the planned
 * start when the payer sent POST /transfers, had its 202, the payee received the hub's POST /transfers, the payee had
 * the 200 of its PUT /transfers, and the payer received the hub's PUT /transfers (empty when it did not happen).
 */
export const TRACE_COLUMNS = ['i', 'payer', 'payee', 'plannedEpochMs', 'sent', 'acked', 'payeeGot', 'fulfilAcked', 'payerGot', 'outcome'] as const;

export interface StepSpec {
  id: string;
  nonce: string;
  seed: number;
  /** Total offered rate (all workers), payments/s. */
  rate: number;
  /** The rate rises linearly from 0 over the first rampMs of the warm-up (a cold target warms up without a backlog). */
  rampMs: number;
  warmupMs: number;
  durationMs: number;
  expiryMs: number;
  /** Epoch ms the messages' timestamps are computed from (the planned t0). */
  anchorMs: number;
}

export type ToWorker =
  | InitMsg
  | { type: 'register'; batchSize: number; timeoutMs: number }
  | { type: 'plan'; step: StepSpec }
  | { type: 'start'; t0Ms: number }
  | { type: 'stop' }
  | { type: 'exit' };

export interface SecStatsJson {
  sec: number;
  started: number;
  completed: number;
  failed: number;
  inflight: number;
  lag: HistogramJson;
  stages: HistogramJson[];
  e2e: HistogramJson;
  errors: Record<string, number>;
  cpuMs: number;
  eldMaxMs: number;
}

export interface WindowStatsJson {
  planned: number;
  started: number;
  completed: number;
  failed: number;
  /** Successful stage latencies of payments planned in the window. */
  stages: HistogramJson[];
  stageTimeouts: number[];
  /** Error codes per stage (timeouts included as `timeout`). */
  stageErrors: Array<Record<string, number>>;
  e2e: HistogramJson;
  ack: Record<string, HistogramJson>;
  lag: HistogramJson;
  errorSamples: string[];
  /** Signatures computed during the run (no signed-ahead one available). */
  liveSigns: number;
  /** Callbacks for payments no longer waiting (after a timeout) or unknown. */
  late: number;
  payeeConfirmations: number;
  payeeErrors: Record<string, number>;
  unexpected: number;
  aborted: number;
  /** Signatures of received messages checked (security.md §1.5) and how many failed. */
  verified: number;
  signatureFailures: number;
  cpuMsWindow: number;
  eldP99Ms: number;
  eldMaxMs: number;
  /** New TCP connections the DFSPs' clients opened towards the target during the window, and connection errors. */
  connectsWindow: number;
  connectErrorsWindow: number;
  /** Connections the DFSPs' servers accepted during the window (the target's callbacks; keep-alive: 0 expected). */
  acceptedWindow: number;
  /** Connections that ended during the window, by side and reason (keep-alive under steady load: none expected). */
  closesWindow: Record<string, number>;
}

export type FromWorker =
  | { type: 'ready'; worker: number; servers: Record<string, string>; signMs?: number }
  | { type: 'registered'; worker: number; parties: number; errors: string[] }
  | { type: 'signProgress'; worker: number; done: number; total: number }
  | { type: 'planned'; worker: number; count: number; sign?: SignAheadResult & { store: string; bytes: number } }
  | ({ type: 'sec'; worker: number } & SecStatsJson)
  | { type: 'done'; worker: number; window: WindowStatsJson }
  | { type: 'fatal'; worker: number; error: string };
