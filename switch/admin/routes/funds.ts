/**
 * Funds in and out of a participant's SETTLEMENT account (admin.md §1.6), validated synchronously and
 * answered 202 once the movement is durable (docs/decisions.md).
 *
 *   POST /participants/{name}/accounts/{id}   {transferId, externalReference, action: recordFundsIn | recordFundsOutPrepareReserve,
 *                                              reason, amount: {amount, currency}, extensionList?}
 *   PUT  /participants/{name}/accounts/{id}/transfers/{transferId}   {action: recordFundsOutCommit | recordFundsOutAbort, reason}
 *
 * The same request again (same transfer id, same movement) is accepted again; another movement under that id gets 3106.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FspiopError } from '../../../schemas/errors.js';
import type { LedgerEngine } from '../../../ledger/engine.js';
import type { Account, Participant, Registry } from '../../../ledger/registry.js';
import { parseLedger } from '../../../ledger/units.js';
import type { Route } from '../../http/route.js';
import type { AdminDeps } from '../deps.js';
import { accountIdParam, bodyFields, currencyField, LEDGER_DECIMALS, param, send } from '../request.js';

type Deps = Pick<AdminDeps, 'registry' | 'engine'>;

const TRANSFER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$|^[0-9A-HJKMNP-TV-Z]{26}$/;

export function fundsRoutes(deps: Deps): Route[] {
  return [
    { method: 'POST', path: '/participants/:name/accounts/:id', handler: (q, r) => fundsInOrReserve(deps, q, r) },
    { method: 'PUT', path: '/participants/:name/accounts/:id/transfers/:transferId', handler: (q, r) => finishFundsOut(deps, q, r) },
  ];
}

async function fundsInOrReserve({ registry, engine }: Deps, request: FastifyRequest, reply: FastifyReply) {
  const participant = registry.requireParticipant(param(request, 'name'));
  const account = settlementAccount(registry, participant, accountIdParam(request));
  const fields = bodyFields(request, 'transferId', 'externalReference', 'action', 'reason', 'amount', 'extensionList');
  const transferId = fields.string('transferId', { pattern: TRANSFER_ID });
  const reference = fields.string('externalReference', { max: 256 });
  const action = fields.string('action', { oneOf: ['recordFundsIn', 'recordFundsOutPrepareReserve'] });
  const reason = fields.string('reason', { max: 512 });
  const amountFields = fields.object('amount').only('amount', 'currency');
  const amount = parseLedger(amountFields.decimal('amount', { maxDecimals: LEDGER_DECIMALS, positive: true }));
  const currency = currencyField(amountFields);
  if (currency !== account.currency) {
    throw new FspiopError('3100', `account ${account.id} holds ${account.currency}, not ${currency}`);
  }
  const detail = `${reference}: ${reason}`.slice(0, 512);
  const kind = action === 'recordFundsIn' ? 'FUNDS_IN' : 'FUNDS_OUT';
  const written: { conflict: boolean; refused?: string } =
    kind === 'FUNDS_IN'
      ? await engine.fundsIn(participant.name, currency, amount, transferId, detail)
      : await engine.fundsOutReserve(participant.name, currency, amount, transferId, detail);
  if (written.refused) throw new FspiopError('4001', written.refused);
  if (written.conflict) await sameFundsTransfer(engine, transferId, kind, participant.name, amount);
  return send(reply, 202);
}

async function finishFundsOut({ registry, engine }: Deps, request: FastifyRequest, reply: FastifyReply) {
  const participant = registry.requireParticipant(param(request, 'name'));
  const account = settlementAccount(registry, participant, accountIdParam(request));
  const transferId = param(request, 'transferId');
  const fields = bodyFields(request, 'action', 'reason', 'externalReference');
  const action = fields.string('action', { oneOf: ['recordFundsOutCommit', 'recordFundsOutAbort'] });
  const reason = fields.string('reason', { max: 512 });
  const live = engine.inFlightTransfer(transferId);
  if (live && live.kind === 'FUNDS_OUT' && live.payee === participant.name && live.debitAccount.id === account.id) {
    await live.ready;
    if (!live.finishing) {
      if (action === 'recordFundsOutCommit') await engine.fundsOutCommit(live);
      else await engine.fundsOutAbort(live, reason);
      return send(reply, 202);
    }
    await live.finished;
  }
  const record = await engine.find(transferId);
  const wanted = action === 'recordFundsOutCommit' ? 'COMMITTED' : 'ABORTED_ERROR';
  if (record && record.kind === 'FUNDS_OUT' && record.payee === participant.name && record.state === wanted) {
    return send(reply, 202); // already done: the same request again
  }
  throw new FspiopError('3100', `transfer ${transferId} is not a reserved funds-out of ${participant.name} account ${account.id}`);
}

/** A repeated funds request is accepted only if it is the same movement. */
async function sameFundsTransfer(engine: LedgerEngine, transferId: string, kind: string, participant: string, amount: bigint): Promise<void> {
  const record = await engine.find(transferId);
  const same =
    record &&
    record.kind === kind &&
    (kind === 'FUNDS_IN' ? record.payer : record.payee) === participant &&
    record.amount === amount;
  if (!same) {
    throw new FspiopError('3106', `transfer id ${transferId} was already used for a different transfer`);
  }
}

function settlementAccount(registry: Registry, participant: Participant, accountId: number): Account {
  const account = registry.account(accountId);
  if (!account || account.participantId !== participant.id) {
    throw new FspiopError('3100', `account ${accountId} does not belong to ${participant.name}`);
  }
  if (account.type !== 'SETTLEMENT') throw new FspiopError('3100', `account ${accountId} is not a SETTLEMENT account`);
  if (!participant.isActive) throw new FspiopError('3100', `participant ${participant.name} is inactive`);
  if (!account.isActive) throw new FspiopError('3100', `account ${accountId} is inactive`);
  return account;
}
