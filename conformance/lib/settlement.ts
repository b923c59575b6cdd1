/**
 * The settlement API (admin.md §4, central-settlement v2 shapes) as a client for scenarios: windows, settlements and
 * their per-account steps, with the figures the scenarios check. Base path `/v2` on the Admin URL, as a Mojaloop
 * environment's HOST_CENTRAL_SETTLEMENT.
 */
import assert from 'node:assert/strict';
import type { AdminClient, AdminResponse } from './admin.js';
import { normalizeDecimal } from './decimal.js';
import { show } from './util.js';

export interface WindowContent {
  id: number;
  state: string;
  ledgerAccountType: string;
  currencyId: string;
  settlementId?: number | null;
}

export interface SettlementWindowView {
  settlementWindowId: number;
  state: string;
  reason?: string;
  createdDate: string;
  changedDate?: string;
  content?: WindowContent[];
}

export interface SettlementAccountView {
  id: number;
  state: string;
  reason?: string;
  externalReference?: string;
  netSettlementAmount: { amount: number | string; currency: string };
  errorInformation?: { errorCode: string; errorDescription: string };
}

export interface SettlementView {
  id: number;
  state: string;
  reason?: string;
  settlementModel?: string;
  settlementWindows: Array<{ id: number; state: string; content?: WindowContent[] }>;
  participants: Array<{ id: number; accounts: SettlementAccountView[] }>;
}

/** The settlement-account states in the order the PUT steps take them (admin.md §4.3). */
export const ACCOUNT_STEPS = ['PS_TRANSFERS_RECORDED', 'PS_TRANSFERS_RESERVED', 'PS_TRANSFERS_COMMITTED', 'SETTLED'] as const;

export class SettlementClient {
  constructor(private readonly admin: AdminClient) {}

  windows(query: Record<string, string | number>): Promise<AdminResponse> {
    const q = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return this.admin.call('GET', `/v2/settlementWindows${q ? `?${q}` : ''}`);
  }

  async window(id: number): Promise<SettlementWindowView> {
    const r = await this.admin.call('GET', `/v2/settlementWindows/${id}`);
    assert.equal(r.status, 200, `GET /v2/settlementWindows/${id}: ${r.status} ${show(r.rawBody)}`);
    return r.body as SettlementWindowView;
  }

  /** The one OPEN window (admin.md §4.1: exactly one is open at any time). */
  async openWindow(): Promise<SettlementWindowView> {
    const r = await this.windows({ state: 'OPEN' });
    assert.equal(r.status, 200, `GET /v2/settlementWindows?state=OPEN: ${r.status} ${show(r.rawBody)}`);
    const open = r.body as SettlementWindowView[];
    assert.ok(Array.isArray(open) && open.length === 1, `exactly one OPEN window expected, got ${show(open)}`);
    return open[0]!;
  }

  close(id: number, reason: string): Promise<AdminResponse> {
    return this.admin.call('POST', `/v2/settlementWindows/${id}`, { state: 'CLOSED', reason });
  }

  /** Closes the OPEN window unless it is empty; returns the id of the window closed, if any. */
  async closeOpenWindow(reason: string): Promise<number | undefined> {
    const open = await this.openWindow();
    const r = await this.close(open.settlementWindowId, reason);
    if (r.status === 200) return open.settlementWindowId;
    assert.equal(r.status, 400, `closing window ${open.settlementWindowId}: ${r.status} ${show(r.rawBody)}`);
    assert.match(r.body?.errorInformation?.errorDescription ?? '', /is empty/, `closing window ${open.settlementWindowId}: ${show(r.rawBody)}`);
    return undefined;
  }

  create(settlementModel: string, windows: number[], reason: string): Promise<AdminResponse> {
    return this.admin.call('POST', '/v2/settlements', { settlementModel, reason, settlementWindows: windows.map((id) => ({ id })) });
  }

  async settlement(id: number): Promise<SettlementView> {
    const r = await this.admin.call('GET', `/v2/settlements/${id}`);
    assert.equal(r.status, 200, `GET /v2/settlements/${id}: ${r.status} ${show(r.rawBody)}`);
    return r.body as SettlementView;
  }

  put(id: number, body: unknown): Promise<AdminResponse> {
    return this.admin.call('PUT', `/v2/settlements/${id}`, body);
  }

  /** PUT every account of the settlement to `state` in one request (the TTK's settle flow). */
  async stepAll(s: SettlementView, state: string, reason: string): Promise<AdminResponse> {
    const participants = s.participants.map((p) => ({ id: p.id, accounts: p.accounts.map((a) => ({ id: a.id, state, reason })) }));
    return this.put(s.id, { participants });
  }
}

/** The settlement account of a POSITION account id, or undefined. */
export function accountIn(s: SettlementView, accountId: number): SettlementAccountView | undefined {
  for (const p of s.participants) for (const a of p.accounts) if (a.id === accountId) return a;
  return undefined;
}

/** The net of every account, as normalised decimal text, by account id. */
export function netsOf(s: SettlementView): Map<number, { amount: string; currency: string }> {
  const out = new Map<number, { amount: string; currency: string }>();
  for (const p of s.participants) {
    for (const a of p.accounts) out.set(a.id, { amount: normalizeDecimal(a.netSettlementAmount.amount), currency: a.netSettlementAmount.currency });
  }
  return out;
}
