/**
 * Requests to pay as an operator sees them (docs/r2p.md "What the hub stores"):
 *
 *   GET /transactionRequests/{ID}  → 200 {transactionRequestId, payee, payer, amount, expiration, state, errorCode,
 *                                        transactionId, createdDate, changedDate, quotes: [{quoteId, state, transactionId,
 *                                        createdDate, transfer: {transferId, state, amount, createdDate, completedDate} | null}]}
 *
 * The record and the payments that answered it: every quote that named the request (FSPIOP transactionRequestId) and,
 * for each, the transfer with the quote's transaction id and condition. Read from PostgreSQL: the same on every node.
 * An unknown id is 400/3206.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FspiopError } from '../../../schemas/errors.js';
import { findTransactionRequest, linkedQuotes } from '../../../ledger/transaction-requests.js';
import { ledgerDisplay, parseLedger } from '../../../ledger/units.js';
import { READ, type AdminRoute } from '../auth/roles.js';
import type { AdminDeps } from '../deps.js';
import { param, send } from '../request.js';

type Deps = Pick<AdminDeps, 'db'>;

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$|^[0-9A-HJKMNP-TV-Z]{26}$/;

export function transactionRequestRoutes(deps: Deps): AdminRoute[] {
  return [{ method: 'GET', path: '/transactionRequests/:id', access: READ, handler: (q, r) => transactionRequest(deps, q, r) }];
}

const display = (amount: string | null) => (amount === null ? null : ledgerDisplay(parseLedger(amount)));

async function transactionRequest(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const id = param(request, 'id');
  if (!ID.test(id)) throw new FspiopError('3101', '/path/ID must match a UUID or ULID');
  const record = await findTransactionRequest(deps.db, id);
  if (!record) throw new FspiopError('3206', `${id} is not a transaction request the hub knows`);
  const quotes = await linkedQuotes(deps.db, id);
  return send(reply, 200, {
    transactionRequestId: record.id,
    payee: record.payee,
    payer: record.payer,
    amount: { amount: display(record.amount), currency: record.currency },
    expiration: record.expiration,
    state: record.state,
    errorCode: record.errorCode,
    transactionId: record.transactionId,
    createdDate: record.createdAt,
    changedDate: record.changedAt,
    quotes: quotes.map((q) => ({
      quoteId: q.id,
      state: q.state,
      transactionId: q.transactionId,
      createdDate: q.createdAt,
      transfer: q.transfer && {
        transferId: q.transfer.id,
        state: q.transfer.state,
        amount: display(q.transfer.amount),
        createdDate: q.transfer.createdAt,
        completedDate: q.transfer.completedAt,
      },
    })),
  });
}
