/**
 * Reports the hub sends a participant on the operator's request (docs/settlement-banks.md).
 *
 *   POST /participants/{name}/intradayReports   {currency?}   → 202: a camt.052 account report is on its way to the bank
 *
 * Only banks (dialect `iso20022-xml`) with an ISO20022_CALLBACK_URL get one; without a currency, the report covers
 * every currency the bank holds accounts in. The report is built from the durable balances and delivered
 * asynchronously (signed, retried as every callback); the 202 says it was accepted, not that the bank has it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FspiopError } from '../../../schemas/errors.js';
import { CLEARING } from '../../../ledger/registry.js';
import { type AdminRoute } from '../auth/roles.js';
import type { AdminDeps } from '../deps.js';
import { bodyFields, currencyField, param, send } from '../request.js';

/** The bank's XML endpoint type (switch/notify/xml-outbox.ts delivers there). */
const ISO20022_ENDPOINT = 'ISO20022_CALLBACK_URL';

/** What this module asks of notify (switch/notify/settlement-reports/intraday.ts implements it). */
export interface IntradayReportRequests {
  /** Queues the report; never throws, never waits for the delivery. */
  request(participant: string, currencies?: readonly string[]): void;
}

export interface ReportRouteDeps {
  intradayReports: IntradayReportRequests;
}

type Deps = Pick<AdminDeps, 'registry' | 'participants'> & ReportRouteDeps;

export function reportRoutes(deps: Deps): AdminRoute[] {
  return [
    { method: 'POST', path: '/participants/:name/intradayReports', access: { roles: ['operator', 'finance'] }, handler: (q, r) => intradayReport(deps, q, r) },
  ];
}

async function intradayReport(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const participant = deps.registry.requireParticipant(param(request, 'name'));
  const body = request.body as Buffer | undefined;
  const currency = body && body.length > 0 ? optionalCurrency(request) : undefined;
  const dialect = deps.participants.dialectOf(participant.name);
  if (participant.isHub || dialect !== 'iso20022-xml') {
    throw new FspiopError(
      '3100',
      `participant ${participant.name} ${participant.isHub ? 'is the hub' : `speaks ${dialect}`}: camt.052 reports go to iso20022-xml participants only`,
    );
  }
  if (!deps.participants.endpoint(participant.name, ISO20022_ENDPOINT)) {
    throw new FspiopError('3100', `participant ${participant.name} has no ${ISO20022_ENDPOINT} endpoint to send the camt.052 to`);
  }
  const held = new Set(
    deps.registry
      .accountsOf(participant.id)
      .filter((a) => a.type !== CLEARING)
      .map((a) => a.currency),
  );
  if (currency !== undefined && !held.has(currency)) {
    throw new FspiopError('3100', `participant ${participant.name} has no ${currency} account (it holds ${[...held].sort().join(', ') || 'none'})`);
  }
  deps.intradayReports.request(participant.name, currency === undefined ? [] : [currency]);
  return send(reply, 202);
}

/** `{currency?}`: an empty object asks for every currency. */
function optionalCurrency(request: FastifyRequest): string | undefined {
  const fields = bodyFields(request, 'currency');
  return fields.has('currency') ? currencyField(fields) : undefined;
}
