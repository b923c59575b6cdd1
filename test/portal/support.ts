/**
 * What the portal's browser tests share: users made with the hub's own CLI, a hub with the Admin API's
 * door on (tokens, roles, maker-checker), participants provisioned and payments made through the real edges with the
 * conformance simulators, and headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { endpointsFor } from '../../conformance/lib/admin.js';
import { SuiteContext } from '../../conformance/lib/context.js';
import type { DfspSimulator } from '../../conformance/lib/dfsp.js';
import { addUser as addUserByCli, tokenOf as tokenByPassword } from '../support/hub-process.js';

export const CHROMIUM = process.env.MIZANI_TEST_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots of every page the tests visit, kept as CI artefacts (.gitignore'd). */
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/portal/', import.meta.url));

export interface PortalUser {
  name: string;
  roles: string[];
  participant?: string;
  password: string;
}

/** `mizani user add` as an operator runs it (test/support/hub-process.ts), against the database `env` names. */
export function addUser(env: Record<string, string>, user: PortalUser): void {
  addUserByCli(env, user.name, user.roles, user.password, user.participant);
}

/** A bearer token of the hub's built-in issuer. */
export async function tokenOf(adminUrl: string, user: PortalUser): Promise<string> {
  return tokenByPassword(adminUrl, user.name, user.password);
}

export interface Answer {
  status: number;
  body: any;
}

/** One Admin API call with a user's token. */
export async function adminCall(adminUrl: string, token: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(adminUrl + path, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Two administrators: a change under maker-checker proposed by the first is approved by the second. */
export class Provisioner {
  constructor(
    readonly adminUrl: string,
    private readonly maker: string,
    private readonly checker: string,
  ) {}

  async do(method: string, path: string, body?: unknown): Promise<Answer> {
    const answer = await adminCall(this.adminUrl, this.maker, method, path, body);
    if (answer.status === 202 && answer.body?.proposal) {
      const approved = await adminCall(this.adminUrl, this.checker, 'POST', `/proposals/${answer.body.proposal.id}/approve`, {});
      assert.equal(approved.status, 200, `approve ${method} ${path}: ${JSON.stringify(approved.body)}`);
      assert.equal(approved.body.state, 'EXECUTED', `approve ${method} ${path}: ${JSON.stringify(approved.body)}`);
      return approved.body.result as Answer;
    }
    assert.ok(answer.status < 300, `${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer;
  }

  async hubCurrency(currency: string): Promise<void> {
    for (const type of ['HUB_MULTILATERAL_SETTLEMENT', 'HUB_RECONCILIATION']) await this.do('POST', '/participants/Hub/accounts', { type, currency });
    await this.do('POST', '/settlementModels', {
      name: 'DEFAULTDEFERREDNET',
      settlementGranularity: 'NET',
      settlementInterchange: 'MULTILATERAL',
      settlementDelay: 'DEFERRED',
      requireLiquidityCheck: true,
      ledgerAccountType: 'POSITION',
      autoPositionReset: true,
      settlementAccountType: 'SETTLEMENT',
    });
  }

  /** A wallet: participant, net debit cap, funds in on its settlement account, callbacks to its simulator. */
  async wallet(sim: DfspSimulator, currency: string, ndc: string, fundsIn: string): Promise<void> {
    await this.do('POST', '/participants', { name: sim.name, currency });
    await this.do('POST', `/participants/${sim.name}/initialPositionAndLimits`, { currency, limit: { type: 'NET_DEBIT_CAP', value: ndc }, initialPosition: 0 });
    const accounts = (await adminCall(this.adminUrl, this.maker, 'GET', `/participants/${sim.name}/accounts`)).body as Array<{
      id: number;
      ledgerAccountType: string;
    }>;
    const settlement = accounts.find((a) => a.ledgerAccountType === 'SETTLEMENT')!;
    await this.do('POST', `/participants/${sim.name}/accounts/${settlement.id}`, {
      transferId: crypto.randomUUID(),
      externalReference: 'opening liquidity',
      action: 'recordFundsIn',
      reason: 'opening liquidity',
      amount: { amount: fundsIn, currency },
    });
    for (const e of endpointsFor(sim.baseUrl)) await this.do('POST', `/participants/${sim.name}/endpoints`, e);
  }
}

/** A payment through the FSPIOP edge between two simulators; resolves with the transfer id once the payer is told. */
export async function pay(ctx: SuiteContext, payer: DfspSimulator, payee: DfspSimulator, amount: string, expect: 'put' | 'error'): Promise<string> {
  const t = ctx.newTransfer({ payer, payee, amount });
  const res = await ctx.sendPrepare(t);
  assert.equal(res.status, 202, `POST /transfers ${t.transferId}: ${res.rawBody}`);
  await ctx.waitTransferCallback(payer, t.transferId, { type: expect });
  return t.transferId;
}

export async function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: the portal tests need Debian's chromium (scripts/test.mjs installs it: apt-get install chromium)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  // Root in a container: Chromium's own sandbox needs user namespaces it may not have.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** A browser session of one user: signed in through the login page. */
export async function signIn(browser: Browser, adminUrl: string, user: PortalUser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[0-9]/.test(m.text())) problems.push(m.text());
  });
  (page as Page & { problems: string[] }).problems = problems;
  await page.goto(`${adminUrl}/portal/`);
  await page.fill('input[name=username]', user.name);
  await page.fill('input[name=password]', user.password);
  await page.click('form[data-testid=login] button[type=submit]');
  await page.waitForSelector('[data-testid=me]');
  return page;
}

/** Script errors and CSP refusals the page reported (none expected). */
export function problemsOf(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? [];
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

/** Opens a page of the portal (#/path) and waits for what it loads. */
export async function open(page: Page, path: string, ready: string): Promise<void> {
  await page.goto(`${new URL(page.url()).origin}/portal/#/${path}`);
  await page.reload();
  await page.waitForSelector(ready);
}

export { SuiteContext };
