/**
 * The portal end to end in headless Chromium against a real hub with the Admin API's door on: each role signs in and
 * sees what it may see and do; a settlement is run by two finance users (one proposes, the other approves each step);
 * transfer search with the messages of a payment; the audit log's verification; the activity charts. Screenshots of
 * every page into test-artifacts/portal/.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import type { DfspSimulator } from '../../conformance/lib/dfsp.js';
import {
  adminCall,
  addUser,
  launchChromium,
  open,
  pay,
  problemsOf,
  Provisioner,
  screenshot,
  signIn,
  SuiteContext,
  tokenOf,
  type PortalUser,
} from './support.js';

const user = (name: string, roles: string[], participant?: string): PortalUser => ({ name, roles, participant, password: `${name}-password-not-secret` });
const USERS = {
  admin: user('admin1', ['admin']),
  admin2: user('admin2', ['admin']),
  operator: user('operator1', ['operator']),
  financeA: user('finance-a', ['finance']),
  financeB: user('finance-b', ['finance']),
  auditor: user('auditor1', ['auditor']),
  wallet: user('walleta-user', ['participant'], 'walleta'),
};

let database: TestDatabase;
let hub: HubProcess;
let ctx: SuiteContext;
let browser: Browser;
let walletA: DfspSimulator;
let walletB: DfspSimulator;
const payments: string[] = [];
let adminToken: string;

before(async () => {
  database = await createTestDatabase('mizani_portal');
  const env = { MIZANI_DATABASE_URL: database.url };
  // The staff exist before the hub starts; a participant's user needs its participant, so it is made once walleta is.
  const { wallet, ...staff } = USERS;
  for (const u of Object.values(staff)) addUser(env, u);
  // Maker-checker as a production hub has it (all): every change to money, limits or settlement needs a second user.
  hub = await startHubProcess({ ...env, MIZANI_ADMIN_AUTH: 'on', MIZANI_EXPIRY_SWEEP_MS: '200' });
  adminToken = await tokenOf(hub.adminUrl, USERS.admin);
  const provisioner = new Provisioner(hub.adminUrl, adminToken, await tokenOf(hub.adminUrl, USERS.admin2));
  ctx = new SuiteContext({ hubUrl: hub.fspiopUrl, adminUrl: hub.adminUrl });
  walletA = await ctx.startSimulator('walleta');
  walletB = await ctx.startSimulator('walletb');
  await provisioner.hubCurrency('USD');
  await provisioner.wallet(walletA, 'USD', '1000', '5000');
  await provisioner.wallet(walletB, 'USD', '100000', '5000');
  addUser(env, wallet);
  // walleta ends at 900 of its 1000 cap (amber); a fourth payment past the cap is refused.
  for (const amount of ['300', '300', '300']) payments.push(await pay(ctx, walletA, walletB, amount, 'put'));
  payments.push(await pay(ctx, walletB, walletA, '25.5', 'put'));
  payments.push(await pay(ctx, walletA, walletB, '200', 'error'));
  // A prepare the edge refuses outright (no body it can read): a refusal for the charts.
  const refused = await ctx.sendPrepare(ctx.newTransfer({ payer: walletA, payee: walletB, amount: '1' }), { raw: '{}' });
  assert.equal(refused.status, 400);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await ctx?.close();
  await hub?.stopWithin(10_000);
  await database?.drop();
});

/** Every button that changes something, on the current page. */
const actionButtons = (page: Page) => page.locator('button[data-action], form[data-testid=funds-form], form[data-testid=create-settlement]').count();

test('an operator sees participants, positions with their alarms and settlement, but no funds or settlement actions', async () => {
  const page = await signIn(browser, hub.adminUrl, USERS.operator);
  assert.match((await page.textContent('[data-testid=me]')) ?? '', /operator1 · operator/);
  await open(page, 'participants', '[data-testid=participants] tbody tr');
  // The hub is a participant of its own (its settlement and reconciliation accounts), listed as the API lists it.
  assert.deepEqual(await page.locator('[data-testid=participants] tbody tr td:first-child').allTextContents(), ['Hub', 'walleta', 'walletb']);
  await screenshot(page, '01-operator-participants');
  await open(page, 'positions', '[data-testid=positions] tbody tr');
  const rowA = page.locator('[data-testid=positions] tbody tr', { hasText: 'walleta' });
  assert.match((await rowA.textContent()) ?? '', /874\.5.*1,000.*87\.45 %.*Warning ≥ 80 %.*5,000/, 'walleta: 900 sent, 25.5 received, amber against its cap');
  assert.equal(await rowA.locator('.badge.alarm-amber').count(), 1);
  await screenshot(page, '02-operator-positions');
  await open(page, 'settlement', '[data-testid=windows] tbody tr');
  assert.equal(await actionButtons(page), 0, 'an operator gets no settlement actions');
  await open(page, 'participants/walleta', '[data-testid=accounts] tbody tr');
  assert.equal(await page.locator('form[data-testid=funds-form]').count(), 0, 'an operator gets no funds form');
  assert.deepEqual(problemsOf(page), []);
  await page.context().close();
});

test('an auditor reads everything and changes nothing: no action button on any page, not even beside a pending proposal', async () => {
  // A limit change awaiting its second user, so that the proposals page has a row the auditor could act on.
  const financeA = await tokenOf(hub.adminUrl, USERS.financeA);
  const proposed = await adminCall(hub.adminUrl, financeA, 'PUT', '/participants/walleta/limits', {
    currency: 'USD',
    limit: { type: 'NET_DEBIT_CAP', value: 1200 },
  });
  assert.equal(proposed.status, 202, JSON.stringify(proposed.body));
  const page = await signIn(browser, hub.adminUrl, USERS.auditor);
  for (const [path, ready, shot] of [
    ['participants/walleta', '[data-testid=accounts] tbody tr', ''],
    ['settlement', '[data-testid=windows] tbody tr', '03-auditor-settlement'],
    ['proposals', '[data-testid=proposals] tbody tr', '03b-auditor-proposals'],
  ] as const) {
    await open(page, path, ready);
    assert.equal(await actionButtons(page), 0, `no action on #/${path} for an auditor`);
    if (shot) await screenshot(page, shot);
  }
  assert.match((await page.textContent('[data-testid=proposals] tbody')) ?? '', /PUT \/participants\/walleta\/limits/);
  assert.deepEqual(problemsOf(page), []);
  await page.context().close();
  const financeB = await tokenOf(hub.adminUrl, USERS.financeB);
  const rejected = await adminCall(hub.adminUrl, financeB, 'POST', `/proposals/${proposed.body.proposal.id}/reject`, { reason: 'shown to the auditor only' });
  assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
});

test("a participant's user sees only its own participant, and no hub-wide page", async () => {
  const page = await signIn(browser, hub.adminUrl, USERS.wallet);
  const menu = await page.locator('header nav a').allTextContents();
  assert.deepEqual(menu, ['Participants', 'Positions & liquidity', 'Settlement']);
  await open(page, 'participants', '[data-testid=participants] tbody tr');
  assert.deepEqual(await page.locator('[data-testid=participants] tbody tr td:first-child').allTextContents(), ['walleta']);
  await open(page, 'positions', '[data-testid=positions] tbody tr');
  assert.deepEqual(await page.locator('[data-testid=positions] tbody tr td:first-child').allTextContents(), ['walleta']);
  await screenshot(page, '04-participant-positions');
  assert.equal(await actionButtons(page), 0);
  await page.context().close();
});

test('funds in from the portal is a proposal; the second finance user rejects it with a reason', async () => {
  const a = await signIn(browser, hub.adminUrl, USERS.financeA);
  await open(a, 'participants/walletb', 'form[data-testid=funds-form]');
  await a.fill('form[data-testid=funds-form] input[name=amount]', '750');
  await a.fill('form[data-testid=funds-form] input[name=reason]', 'top-up');
  await a.fill('form[data-testid=funds-form] input[name=externalReference]', 'bank-ref-1');
  await a.click('form[data-testid=funds-form] button[type=submit]');
  const notice = await a.waitForSelector('.notice.proposal');
  assert.match((await notice.textContent()) ?? '', /Funds in 750 USD: proposal .* created, awaiting approval/);
  await screenshot(a, '05-finance-funds-in-proposal');
  // An operator sees the proposal but may not decide on money: the page says who may, as the API would refuse it.
  const operator = await signIn(browser, hub.adminUrl, USERS.operator);
  await open(operator, 'proposals', '[data-testid=proposals] tbody tr');
  const seen = operator.locator('[data-testid=proposals] tbody tr', { hasText: '/participants/walletb/accounts/' });
  assert.equal(await seen.locator('button[data-action]').count(), 0, 'no approve or reject for an operator');
  assert.match((await seen.textContent()) ?? '', /needs finance/);
  await screenshot(operator, '05b-operator-sees-funds-proposal');
  await operator.context().close();
  const b = await signIn(browser, hub.adminUrl, USERS.financeB);
  await open(b, 'proposals', '[data-testid=proposals] tbody tr');
  const row = b.locator('[data-testid=proposals] tbody tr', { hasText: '/participants/walletb/accounts/' });
  await row.locator('input[name=reject-reason]').fill('wrong amount');
  await row.locator('button[data-action=reject]').click();
  await b.waitForSelector('.notice.done');
  const rejected = (await adminCall(hub.adminUrl, adminToken, 'GET', '/proposals?state=REJECTED')).body.proposals.filter((p: { path: string }) =>
    p.path.startsWith('/participants/walletb/accounts/'),
  );
  assert.equal(rejected.length, 1);
  assert.equal(rejected[0].proposer, USERS.financeA.name);
  assert.equal(rejected[0].approver, USERS.financeB.name);
  assert.equal(rejected[0].reason, 'wrong amount');
  await a.context().close();
  await b.context().close();
});

/** Finance A proposes one settlement step on its page; finance B approves it on the proposals page. */
async function proposeAndApprove(a: Page, b: Page, propose: () => Promise<void>, label: RegExp): Promise<void> {
  await propose();
  const notice = await a.waitForSelector('.notice.proposal');
  assert.match((await notice.textContent()) ?? '', label);
  await open(a, 'proposals', '[data-testid=proposals] tbody tr');
  assert.equal(await a.locator('button[data-action=approve]').first().isDisabled(), true, 'the proposer cannot approve its own proposal');
  await open(b, 'proposals', '[data-testid=proposals] tbody tr');
  await b.locator('button[data-action=approve]').first().click();
  await b.waitForSelector('.notice.done');
  await open(a, 'settlement', '[data-testid=windows] tbody tr');
}

test('a settlement run by two finance users: close, settle, record, reserve, commit, finalise — each approved by the other', async () => {
  const a = await signIn(browser, hub.adminUrl, USERS.financeA);
  const b = await signIn(browser, hub.adminUrl, USERS.financeB);
  await open(a, 'settlement', '[data-testid=windows] tbody tr');
  await screenshot(a, '06-finance-settlement-open-window');
  await proposeAndApprove(a, b, () => a.click('button[data-action=close-window]'), /Close window \d+: proposal .* created, awaiting approval/);
  await screenshot(b, '07-finance-b-approved');
  const closed = a.locator('[data-testid=windows] tbody tr', { hasText: 'CLOSED' });
  await closed.locator('input[type=checkbox]').check();
  await proposeAndApprove(a, b, () => a.click('button[data-action=create-settlement]'), /Settle windows \d+: proposal/);
  for (const step of ['Record transfers', 'Reserve', 'Commit', 'Finalise']) {
    await proposeAndApprove(a, b, () => a.click('button[data-action=settlement-step]'), new RegExp(`${step} settlement \\d+: proposal`));
  }
  const settlement = a.locator('[data-testid=settlements] tbody tr').first();
  assert.match((await settlement.textContent()) ?? '', /SETTLED.*walleta: 874\.5 USD.*walletb: -874\.5 USD/);
  await screenshot(a, '08-finance-settled');
  const settled = (await adminCall(hub.adminUrl, adminToken, 'GET', '/v2/settlements?state=SETTLED')).body;
  assert.equal(settled.length, 1);
  const executed = (await adminCall(hub.adminUrl, adminToken, 'GET', '/proposals?state=EXECUTED')).body.proposals;
  assert.equal(executed.filter((p: { proposer: string }) => p.proposer === USERS.financeA.name).length, 6, 'six steps proposed by finance-a, each executed');
  assert.deepEqual(problemsOf(a), []);
  await a.context().close();
  await b.context().close();
});

test('transfer search by party and state, and one payment with its messages in each dialect it crossed', async () => {
  const page = await signIn(browser, hub.adminUrl, USERS.operator);
  await open(page, 'transfers', 'form[data-testid=transfer-search]');
  await page.fill('form[data-testid=transfer-search] input[name=party]', 'walleta');
  await page.selectOption('form[data-testid=transfer-search] select[name=state]', 'COMMITTED');
  await page.click('form[data-testid=transfer-search] button[type=submit]');
  await page.waitForSelector('[data-testid=transfers] tbody tr');
  const ids = await page.locator('[data-testid=transfers] tbody tr td:first-child').allTextContents();
  for (const id of payments.slice(0, 4)) assert.ok(ids.includes(id), `${id} found by party walleta: ${ids.join(', ')}`);
  assert.ok(!ids.includes(payments[4]!), 'the refused payment is not COMMITTED');
  await screenshot(page, '09-transfer-search');
  await page.click(`a[href="#/transfers/${payments[0]}"]`);
  await page.waitForSelector('[data-testid=messages] article');
  const titles = await page.locator('[data-testid=messages] article h4').allTextContents();
  assert.ok(titles.length >= 2, `the prepare and the fulfil at least: ${titles.join(' | ')}`);
  assert.match((await page.textContent('[data-testid=messages]')) ?? '', new RegExp(payments[0]!));
  await screenshot(page, '10-transfer-messages');
  await page.context().close();
});

test("the audit log's verification status and its entries", async () => {
  const page = await signIn(browser, hub.adminUrl, USERS.auditor);
  await open(page, 'audit', '[data-testid=audit-entries] tbody tr');
  assert.match((await page.textContent('[data-testid=audit-verify]')) ?? '', /Chain verified: \d+ entries/);
  assert.ok((await page.locator('[data-testid=audit-entries] tbody tr').count()) > 5);
  // The settlement's last step was approved just before: maker-checker's own entries are on the newest page.
  assert.match((await page.textContent('[data-testid=audit-entries] tbody')) ?? '', /admin\.executed/);
  const auditor = await tokenOf(hub.adminUrl, USERS.auditor);
  const { entries } = (await adminCall(hub.adminUrl, auditor, 'GET', '/audit?after=0&limit=500')).body as {
    entries: Array<{ kind: string; actor: string; detail: Record<string, unknown> }>;
  };
  const by = (kind: string, actor: string) => entries.filter((e) => e.kind === kind && e.actor === actor);
  assert.equal(by('admin.proposed', USERS.financeA.name).length, 8, 'funds in, the limit shown to the auditor, six settlement steps');
  assert.equal(by('admin.executed', USERS.financeB.name).length, 6);
  assert.ok(by('admin.rejected', USERS.financeB.name).some((e) => e.detail.reason === 'wrong amount'));
  await screenshot(page, '11-audit');
  await page.context().close();
});

test('the activity charts render throughput, latency and refusals', async () => {
  const page = await signIn(browser, hub.adminUrl, USERS.admin);
  await open(page, 'dashboard', '[data-chart=refusals] canvas');
  for (const chart of ['throughput', 'latency', 'refusals']) assert.equal(await page.locator(`[data-chart=${chart}] canvas`).count(), 1, chart);
  assert.match((await page.textContent('[data-testid=totals]')) ?? '', /Committed [4-9]\d* · aborted \d+ · refused [1-9]\d*/);
  await screenshot(page, '12-activity-charts');
  assert.deepEqual(problemsOf(page), []);
  await page.context().close();
});

test('a token that is no longer accepted sends the user back to the login page', async () => {
  const page = await signIn(browser, hub.adminUrl, USERS.operator);
  await page.evaluate("sessionStorage.setItem('mizani.portal.token', 'not-a-token')");
  await open(page, 'participants', 'form[data-testid=login]');
  await page.context().close();
});
