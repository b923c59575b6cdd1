/**
 * What the multi-node tests share: a hub node as a load balancer sees it (up until killed), waiting for a condition,
 * and the scheme a payment load needs (hub accounts, the default settlement model with liquidity checks, DFSPs with
 * their limits, funds and callback endpoints).
 */
import { AdminClient, DEFAULT_SETTLEMENT_MODEL, HUB_ACCOUNT_TYPES, provision } from '../../conformance/lib/admin.js';
import { FspiopClient } from '../../conformance/lib/http.js';
import { startHubProcess, type HubProcess } from './hub-process.js';
import type { Dfsp } from './payment-load.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One hub node and its clients: up until killed. */
export class HubNode {
  fspiop?: FspiopClient;
  admin?: AdminClient;
  process?: HubProcess;

  constructor(readonly name: string) {}

  async start(env: Record<string, string>): Promise<this> {
    this.process = await startHubProcess(env, 90_000);
    this.fspiop = new FspiopClient(this.process.fspiopUrl, { timeoutMs: 30_000 });
    this.admin = new AdminClient(this.process.adminUrl, { timeoutMs: 30_000 });
    return this;
  }

  get up(): boolean {
    return this.fspiop !== undefined;
  }

  /** Whether this node has said it serves the whole ledger (one owner, switch/core/workers/ownership.ts). */
  owns(): boolean {
    return this.process?.logs.some((line) => line.includes('"ledger ownership: this node serves the ledger"')) ?? false;
  }

  async health(): Promise<{ ledger?: string }> {
    const res = await fetch(`${this.process!.adminUrl}/health`);
    return (await res.json()) as { ledger?: string };
  }

  /** A metric's value from the node's Admin /metrics. */
  async metric(name: string): Promise<number> {
    const text = await (await fetch(`${this.process!.adminUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
  }

  async kill(): Promise<void> {
    const client = this.fspiop;
    this.fspiop = undefined;
    this.process!.child.kill('SIGKILL');
    await this.process!.exited;
    await client?.close().catch(() => undefined);
  }
}

/** Polls `probe` every 50 ms until it holds; how long that took. */
export async function until(probe: () => Promise<boolean> | boolean, label: string, timeoutMs = 60_000): Promise<number> {
  const began = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - began;
    if (Date.now() - began > timeoutMs) throw new Error(`${label}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** The hub's accounts, the default model with liquidity checks, and `dfsps` with their cap, funds and endpoints. */
export async function provisionScheme(
  admin: AdminClient,
  dfsps: Dfsp[],
  o: { hubName: string; currency: string; ndc: string; fundsIn: string },
): Promise<void> {
  for (const type of HUB_ACCOUNT_TYPES) await admin.createHubAccount(o.hubName, type, o.currency);
  await admin.createSettlementModel({ ...DEFAULT_SETTLEMENT_MODEL, requireLiquidityCheck: true });
  await provision(
    admin,
    dfsps.map((d) => ({ name: d.name, currency: o.currency, ndc: o.ndc, fundsIn: o.fundsIn, callbackBase: d.baseUrl })),
    { hubName: o.hubName, timeoutMs: 30_000 },
  );
}
