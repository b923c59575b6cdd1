/**
 * Settlement reports and reconciliation (docs/settlement-reports.md), under `/v2` beside the settlement API:
 *
 *   GET /v2/reports/settlementWindows/{id}             ?participant&format&view   a window's figures
 *   GET /v2/reports/settlementWindows/{id}/transfers   ?participant&limit&after&format   the transfers behind them
 *   GET /v2/reports/settlements/{id}                   ?participant&format&view   a settlement's figures, per window too
 *   GET /v2/reports/settlements/{id}/transfers         ?participant&limit&after&format
 *   GET /v2/reconciliation                             ?format   positions, journal, flows and settlements agree?
 *
 * JSON by default, amounts as exact JSON numbers; `?format=csv` (or `Accept: text/csv`) gives one table as a CSV
 * download, `view` choosing which (accounts, pairs; a settlement also windows). `participant` narrows a report to one
 * participant's accounts and the pairs it is part of. Reconciliation answers 200 whether or not it found
 * discrepancies (`ok` says): the request succeeded, a disagreement is its result, not an error of the request.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FspiopError } from '../../../schemas/errors.js';
import type { Participant } from '../../../ledger/registry.js';
import { reconcile, type Discrepancy, type Reconciliation } from '../../../ledger/reconciliation.js';
import {
  SettlementReportStore,
  TRANSFER_PAGE_MAX,
  type AccountFigures,
  type PairFigures,
  type ReportWindow,
  type SettledAccountFigures,
  type SettlementReport,
  type TransferPage,
  type TransferScope,
  type WindowReport,
} from '../../../ledger/settlement-reports.js';
import { ledgerDisplay, type LedgerUnits } from '../../../ledger/units.js';
import { READ_OWN, READ, type AdminRoute } from '../auth/roles.js';
import { jsonNumber } from '../body.js';
import { decimal, sendCsv, wantsCsv, type Cell } from '../csv.js';
import type { AdminDeps } from '../deps.js';
import { NAME, param, query, send } from '../request.js';

type Deps = Pick<AdminDeps, 'db' | 'registry'>;

const REPORT_QUERY = ['participant', 'format', 'view'];
const TRANSFERS_QUERY = ['participant', 'format', 'limit', 'after'];
const TRANSFER_PAGE_DEFAULT = 1000;
const TRANSFER_ID = /^[\x21-\x7e]{1,128}$/;

export function settlementReportRoutes(deps: Deps): AdminRoute[] {
  const store = new SettlementReportStore(deps.db);
  return [
    {
      method: 'GET',
      path: '/v2/reports/settlementWindows/:id',
      access: READ_OWN({ query: 'participant', by: 'name' }),
      handler: (q, r) => windowReport(deps, store, q, r),
    },
    {
      method: 'GET',
      path: '/v2/reports/settlementWindows/:id/transfers',
      access: READ_OWN({ query: 'participant', by: 'name' }),
      handler: (q, r) => windowTransfers(deps, store, q, r),
    },
    {
      method: 'GET',
      path: '/v2/reports/settlements/:id',
      access: READ_OWN({ query: 'participant', by: 'name' }),
      handler: (q, r) => settlementReport(deps, store, q, r),
    },
    {
      method: 'GET',
      path: '/v2/reports/settlements/:id/transfers',
      access: READ_OWN({ query: 'participant', by: 'name' }),
      handler: (q, r) => settlementTransfers(deps, store, q, r),
    },
    { method: 'GET', path: '/v2/reconciliation', access: READ, handler: (q, r) => reconciliation(deps, q, r) },
  ];
}

// ---- windows ----

async function windowReport(deps: Deps, store: SettlementReportStore, request: FastifyRequest, reply: FastifyReply) {
  onlyQuery(request, REPORT_QUERY);
  const id = idParam(request);
  const participant = participantQuery(deps, request);
  const csv = wantsCsv(request);
  const view = viewQuery(request, ['accounts', 'pairs']);
  const report = await store.window(id, participant?.id);
  if (!report) throw windowNotFound(id);
  if (!csv) return send(reply, 200, windowView(report, participant));
  const name = `settlement-window-${id}-${view}${participant ? `-${participant.name}` : ''}.csv`;
  if (view === 'pairs')
    return sendCsv(
      reply,
      200,
      name,
      ['settlement_window_id', ...PAIR_COLUMNS],
      report.pairs.map((p) => [decimal(String(id)), ...pairCells(p)]),
    );
  return sendCsv(
    reply,
    200,
    name,
    ['settlement_window_id', ...FIGURE_COLUMNS],
    report.accounts.map((a) => [decimal(String(id)), ...figureCells(a)]),
  );
}

async function windowTransfers(deps: Deps, store: SettlementReportStore, request: FastifyRequest, reply: FastifyReply) {
  onlyQuery(request, TRANSFERS_QUERY);
  const id = idParam(request);
  const participant = participantQuery(deps, request);
  const csv = wantsCsv(request);
  const page = pageQuery(request);
  if (!(await store.windowExists(id))) throw windowNotFound(id);
  const scope: TransferScope = { windowIds: [id], currencies: null, participant: participant?.name };
  return sendTransfers(reply, request, csv, `settlement-window-${id}-transfers`, await store.transfers(scope, page));
}

function windowView(report: WindowReport, participant: Participant | undefined) {
  return {
    ...windowHead(report.window),
    content: report.window.content.map((c) => ({
      ledgerAccountType: c.ledgerAccountType,
      currencyId: c.currency,
      state: c.state,
      settlementId: c.settlementId,
    })),
    ...(participant ? { participant: participant.name } : {}),
    accounts: report.accounts.map(figuresView),
    pairs: report.pairs.map(pairView),
    totals: report.totals.map((t) => ({ currency: t.currency, ledgerAccountType: t.ledgerAccountType, amount: amount(t.amount), transfers: t.transfers })),
  };
}

function windowHead(w: ReportWindow) {
  return {
    settlementWindowId: w.id,
    state: w.state,
    reason: w.reason,
    createdDate: w.createdAt.toISOString(),
    changedDate: w.changedAt.toISOString(),
    closedDate: w.closedAt ? w.closedAt.toISOString() : null,
  };
}

// ---- settlements ----

async function settlementReport(deps: Deps, store: SettlementReportStore, request: FastifyRequest, reply: FastifyReply) {
  onlyQuery(request, REPORT_QUERY);
  const id = idParam(request);
  const participant = participantQuery(deps, request);
  const csv = wantsCsv(request);
  const view = viewQuery(request, ['accounts', 'windows', 'pairs']);
  const report = await store.settlement(id, participant?.id);
  if (!report) throw settlementNotFound(id);
  if (!csv) return send(reply, 200, settlementView(report, participant));
  const name = `settlement-${id}-${view}${participant ? `-${participant.name}` : ''}.csv`;
  const sid = decimal(String(id));
  if (view === 'pairs')
    return sendCsv(
      reply,
      200,
      name,
      ['settlement_id', ...PAIR_COLUMNS],
      report.pairs.map((p) => [sid, ...pairCells(p)]),
    );
  if (view === 'windows') {
    const rows = report.byWindow.flatMap((w) => w.accounts.map((a) => [sid, decimal(String(w.windowId)), ...figureCells(a)]));
    return sendCsv(reply, 200, name, ['settlement_id', 'settlement_window_id', ...FIGURE_COLUMNS], rows);
  }
  return sendCsv(
    reply,
    200,
    name,
    ['settlement_id', ...SETTLED_COLUMNS],
    report.accounts.map((a) => [sid, ...settledCells(a)]),
  );
}

async function settlementTransfers(deps: Deps, store: SettlementReportStore, request: FastifyRequest, reply: FastifyReply) {
  onlyQuery(request, TRANSFERS_QUERY);
  const id = idParam(request);
  const participant = participantQuery(deps, request);
  const csv = wantsCsv(request);
  const page = pageQuery(request);
  const covered = await store.settlementScope(id);
  if (!covered) throw settlementNotFound(id);
  const scope: TransferScope = { ...covered, participant: participant?.name };
  return sendTransfers(reply, request, csv, `settlement-${id}-transfers`, await store.transfers(scope, page));
}

function settlementView(report: SettlementReport, participant: Participant | undefined) {
  const s = report.settlement;
  return {
    settlementId: s.id,
    state: s.state,
    settlementModel: s.model,
    reason: s.reason,
    createdDate: s.createdAt.toISOString(),
    changedDate: s.changedAt.toISOString(),
    settlementWindows: report.windows.map(windowHead),
    ...(participant ? { participant: participant.name } : {}),
    accounts: report.accounts.map((a) => ({
      ...figuresView(a),
      state: a.state,
      reason: a.reason,
      externalReference: a.externalReference,
      settlementTransferId: a.settlementTransferId,
    })),
    windows: report.byWindow.map((w) => ({ settlementWindowId: w.windowId, accounts: w.accounts.map(figuresView) })),
    pairs: report.pairs.map(pairView),
    totals: report.totals.map((t) => ({ currency: t.currency, ledgerAccountType: t.ledgerAccountType, amount: amount(t.amount), transfers: t.transfers })),
  };
}

// ---- transfers ----

const TRANSFER_COLUMNS = ['transfer_id', 'settlement_window_id', 'payer', 'payee', 'currency', 'amount', 'completed_date'];

/** A page of transfers; `next` (JSON) and a Link header (both formats) give the next page's address. */
function sendTransfers(reply: FastifyReply, request: FastifyRequest, csv: boolean, name: string, page: TransferPage) {
  if (page.next !== null) {
    const next = new URLSearchParams(request.query as Record<string, string>);
    next.set('after', page.next);
    reply.header('link', `<${request.url.split('?')[0]}?${next.toString()}>; rel="next"`);
  }
  if (csv) {
    const rows = page.transfers.map((t): Cell[] => [
      t.id,
      decimal(String(t.windowId)),
      t.payer,
      t.payee,
      t.currency,
      decimal(ledgerDisplay(t.amount)),
      t.completedAt?.toISOString(),
    ]);
    return sendCsv(reply, 200, `${name}.csv`, TRANSFER_COLUMNS, rows);
  }
  return send(reply, 200, {
    transfers: page.transfers.map((t) => ({
      transferId: t.id,
      settlementWindowId: t.windowId,
      payer: t.payer,
      payee: t.payee,
      currency: t.currency,
      amount: amount(t.amount),
      completedDate: t.completedAt ? t.completedAt.toISOString() : null,
    })),
    next: page.next,
  });
}

// ---- reconciliation ----

const DISCREPANCY_COLUMNS = [
  'check',
  'kind',
  'settlement_id',
  'settlement_window_id',
  'account_id',
  'participant',
  'currency',
  'ledger_account_type',
  'payer_account_id',
  'payer',
  'payee_account_id',
  'payee',
  'transfer_id',
  'expected',
  'actual',
  'detail',
];

async function reconciliation(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  onlyQuery(request, ['format']);
  const csv = wantsCsv(request);
  const result = await reconcile(deps.db);
  if (csv)
    return sendCsv(
      reply,
      200,
      `reconciliation-${result.checkedAt.toISOString().replace(/[:.]/g, '')}.csv`,
      DISCREPANCY_COLUMNS,
      result.discrepancies.map(discrepancyCells),
    );
  return send(reply, 200, reconciliationView(result));
}

function reconciliationView(r: Reconciliation) {
  return { ok: r.ok, checkedDate: r.checkedAt.toISOString(), checks: r.checks, discrepancies: r.discrepancies };
}

function discrepancyCells(d: Discrepancy): Cell[] {
  const id = (n: number | undefined) => (n === undefined ? undefined : decimal(String(n)));
  const value = (text: string) => (/^-?\d+(\.\d+)?$/.test(text) ? decimal(text) : text);
  return [
    d.check,
    d.kind,
    id(d.settlementId),
    id(d.windowId),
    id(d.accountId),
    d.participant,
    d.currency,
    d.ledgerAccountType,
    id(d.payerAccountId),
    d.payer,
    id(d.payeeAccountId),
    d.payee,
    d.transferId,
    value(d.expected),
    value(d.actual),
    d.detail,
  ];
}

// ---- figures ----

const FIGURE_COLUMNS = [
  'participant',
  'participant_id',
  'account_id',
  'currency',
  'ledger_account_type',
  'net_amount',
  'gross_sent',
  'gross_received',
  'transfers_sent',
  'transfers_received',
];
const SETTLED_COLUMNS = [...FIGURE_COLUMNS.slice(0, 5), 'state', ...FIGURE_COLUMNS.slice(5), 'settlement_transfer_id', 'external_reference'];
const PAIR_COLUMNS = ['payer', 'payer_account_id', 'payee', 'payee_account_id', 'currency', 'ledger_account_type', 'amount', 'transfers'];

function amount(value: LedgerUnits) {
  return jsonNumber(ledgerDisplay(value));
}

function figuresView(a: AccountFigures) {
  return {
    participant: a.participant,
    participantId: a.participantId,
    accountId: a.accountId,
    currency: a.currency,
    ledgerAccountType: a.ledgerAccountType,
    netAmount: amount(a.net),
    grossSent: amount(a.grossSent),
    grossReceived: amount(a.grossReceived),
    transfersSent: a.transfersSent,
    transfersReceived: a.transfersReceived,
  };
}

function pairView(p: PairFigures) {
  return {
    payer: p.payer,
    payerAccountId: p.payerAccountId,
    payee: p.payee,
    payeeAccountId: p.payeeAccountId,
    currency: p.currency,
    ledgerAccountType: p.ledgerAccountType,
    amount: amount(p.amount),
    transfers: p.transfers,
  };
}

function figureCells(a: AccountFigures): Cell[] {
  return [
    a.participant,
    decimal(String(a.participantId)),
    decimal(String(a.accountId)),
    a.currency,
    a.ledgerAccountType,
    decimal(ledgerDisplay(a.net)),
    decimal(ledgerDisplay(a.grossSent)),
    decimal(ledgerDisplay(a.grossReceived)),
    decimal(String(a.transfersSent)),
    decimal(String(a.transfersReceived)),
  ];
}

function settledCells(a: SettledAccountFigures): Cell[] {
  const cells = figureCells(a);
  return [...cells.slice(0, 5), a.state, ...cells.slice(5), a.settlementTransferId, a.externalReference];
}

function pairCells(p: PairFigures): Cell[] {
  return [
    p.payer,
    decimal(String(p.payerAccountId)),
    p.payee,
    decimal(String(p.payeeAccountId)),
    p.currency,
    p.ledgerAccountType,
    decimal(ledgerDisplay(p.amount)),
    decimal(String(p.transfers)),
  ];
}

// ---- request values ----

function onlyQuery(request: FastifyRequest, allowed: string[]): void {
  for (const [name, value] of Object.entries(request.query as Record<string, unknown>)) {
    if (!allowed.includes(name)) throw new FspiopError('3101', `unknown query parameter ${name} (known: ${allowed.join(', ')})`);
    if (Array.isArray(value)) throw new FspiopError('3101', `query parameter ${name} given twice`);
  }
}

function idParam(request: FastifyRequest): number {
  const text = param(request, 'id');
  if (!/^[1-9]\d{0,9}$/.test(text) || Number(text) > 2_147_483_647) throw new FspiopError('3101', 'id must be a positive integer id');
  return Number(text);
}

function participantQuery(deps: Deps, request: FastifyRequest): Participant | undefined {
  const name = query(request, 'participant');
  if (name === undefined) return undefined;
  if (!NAME.test(name)) throw new FspiopError('3101', 'participant must be a participant name');
  const participant = deps.registry.participant(name);
  if (!participant) throw new FspiopError('3100', `participant ${name} does not exist`);
  return participant;
}

function viewQuery<V extends string>(request: FastifyRequest, views: readonly V[]): V {
  const view = query(request, 'view');
  if (view === undefined) return views[0]!;
  if (!views.includes(view as V)) throw new FspiopError('3101', `view must be one of ${views.join(', ')}`);
  return view as V;
}

function pageQuery(request: FastifyRequest): { limit: number; after?: string } {
  const limit = query(request, 'limit');
  const after = query(request, 'after');
  if (limit !== undefined && (!/^[1-9]\d{0,5}$/.test(limit) || Number(limit) > TRANSFER_PAGE_MAX)) {
    throw new FspiopError('3101', `limit must be a whole number from 1 to ${TRANSFER_PAGE_MAX}`);
  }
  if (after !== undefined && !TRANSFER_ID.test(after)) throw new FspiopError('3101', 'after must be a transfer id');
  return { limit: limit === undefined ? TRANSFER_PAGE_DEFAULT : Number(limit), ...(after !== undefined ? { after } : {}) };
}

function windowNotFound(id: number): FspiopError {
  return new FspiopError('3100', `Window ${id} does not exist`);
}

function settlementNotFound(id: number): FspiopError {
  return new FspiopError('3100', `Settlement with ID '${id}' not found`);
}
