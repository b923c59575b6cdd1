/**
 * The Admin API: Mojaloop's central-ledger admin contract (admin.md §1) and the ALS oracle registry
 * (§2), plus keys, ISO 20022 identifiers, /health and /metrics. Plain JSON, FSPIOP errorInformation
 * bodies on failure. Each resource is a module under routes/ that declares its routes; this file
 * puts them on one server.
 */
import type { FastifyInstance } from 'fastify';
import { createServer, type ServerOptions } from '../http/server.js';
import { registerRoutes } from '../http/route.js';
import { auditAdminRequests } from './audit-requests.js';
import { installGuard, type AuthMode } from './auth/guard.js';
import type { AdminRoute } from './auth/roles.js';
import type { TokenService } from './auth/tokens.js';
import type { AdminDeps } from './deps.js';
import type { MakerChecker } from './maker-checker.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes, type AuthRouteDeps } from './routes/auth.js';
import { accountRoutes } from './routes/accounts.js';
import { endpointRoutes } from './routes/endpoints.js';
import { fundsRoutes } from './routes/funds.js';
import { healthRoutes } from './routes/health.js';
import { hubAccountRoutes } from './routes/hub-accounts.js';
import { interchangeFeeRoutes, type InterchangeFeeRouteDeps } from './routes/interchange-fees.js';
import { isoIdentifierRoutes } from './routes/iso-identifiers.js';
import { keyRoutes } from './routes/keys.js';
import { oracleRoutes } from './routes/oracles.js';
import { participantRoutes } from './routes/participants.js';
import { portalRoutes } from './routes/portal.js';
import { proposalRoutes } from './routes/proposals.js';
import { reportRoutes, type ReportRouteDeps } from './routes/reports.js';
import { settlementModelRoutes } from './routes/settlement-models.js';
import { settlementReportRoutes } from './routes/settlement-reports.js';
import { settlementRoutes, type SettlementRouteDeps } from './routes/settlements.js';
import { statsRoutes } from './routes/stats.js';
import { transactionRequestRoutes } from './routes/transaction-requests.js';
import { transferRoutes } from './routes/transfers.js';

export type { AdminDeps } from './deps.js';

/** What the assembled server needs: every module's dependencies (the reports module's come from notify). */
export type AdminServerDeps = AdminDeps &
  ReportRouteDeps &
  SettlementRouteDeps &
  InterchangeFeeRouteDeps &
  AuthRouteDeps & { makerChecker: MakerChecker; authMode: AuthMode; tokens: TokenService };

/**
 * Every Admin API route. Where two modules serve one path (accounts and hub accounts, accounts and
 * funds), their order here is the order of the methods in a 405's Allow header.
 */
export function adminRoutes(deps: AdminServerDeps): AdminRoute[] {
  return [
    ...healthRoutes(deps),
    ...authRoutes(deps),
    ...proposalRoutes(deps),
    ...participantRoutes(deps),
    ...endpointRoutes(deps),
    ...accountRoutes(deps),
    ...hubAccountRoutes(deps),
    ...fundsRoutes(deps),
    ...settlementModelRoutes(deps),
    ...settlementRoutes(deps),
    ...settlementReportRoutes(deps),
    ...interchangeFeeRoutes(deps),
    ...keyRoutes(deps),
    ...isoIdentifierRoutes(deps),
    ...oracleRoutes(deps),
    ...reportRoutes(deps),
    ...transactionRequestRoutes(deps),
    ...auditRoutes(deps),
    ...transferRoutes(deps),
    ...statsRoutes(deps),
    ...portalRoutes(),
  ];
}

export function createAdminServer(options: ServerOptions, deps: AdminServerDeps): FastifyInstance {
  const server = createServer(options);
  installGuard(server, { mode: deps.authMode, tokens: deps.tokens, registry: deps.registry, makerChecker: deps.makerChecker });
  auditAdminRequests(server, deps.audit);
  deps.makerChecker.bind(server);
  registerRoutes(
    server,
    adminRoutes(deps).map((r) => ({ ...r, config: { access: r.access } })),
  );
  return server;
}
