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
import type { Account, Participant, Registry } from '../../../ledger/registry.js';
import { parseLedger } from '../../../ledger/units.js';
import { liquidityTopics, type FundsReply } from '../../core/topics.js';
import { type AdminRoute } from '../auth/roles.js';
import type { AdminDeps } from '../deps.js';
import { accountIdParam, bodyFields, currencyField, LEDGER_DECIMALS, param, send } from '../request.js';

type Deps = Pick<AdminDeps, 'registry' | 'bus'>;

const TRANSFER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$|^[0-9A-HJKMNP-TV-Z]{26}$/;

export function fundsRoutes(deps: Deps): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: '/participants/:name/accounts/:id',
      access: { roles: ['finance'], action: 'funds' },
      handler: (q, r) => fundsInOrReserve(deps, q, r),
    },
    {
      method: 'PUT',
      path: '/participants/:name/accounts/:id/transfers/:transferId',
      access: { roles: ['finance'], action: 'funds' },
      handler: (q, r) => finishFundsOut(deps, q, r),
    },
  ];
}

/** Validated here; moved by the liquidity worker through the bus, keyed by the participant. */
async function fundsInOrReserve({ registry, bus }: Deps, request: FastifyRequest, reply: FastifyReply) {
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
  const movement = { participant: participant.name, currency, amount, transferId, reference: `${reference}: ${reason}`.slice(0, 512) };
  const topic = action === 'recordFundsIn' ? liquidityTopics.fundsIn : liquidityTopics.fundsOutReserve;
  answered(await bus.request(topic, participant.name, movement), transferId, participant, account);
  return send(reply, 202);
}

async function finishFundsOut({ registry, bus }: Deps, request: FastifyRequest, reply: FastifyReply) {
  const participant = registry.requireParticipant(param(request, 'name'));
  const account = settlementAccount(registry, participant, accountIdParam(request));
  const transferId = param(request, 'transferId');
  const fields = bodyFields(request, 'action', 'reason', 'externalReference');
  const action = fields.string('action', { oneOf: ['recordFundsOutCommit', 'recordFundsOutAbort'] });
  const reason = fields.string('reason', { max: 512 });
  const topic = action === 'recordFundsOutCommit' ? liquidityTopics.fundsOutCommit : liquidityTopics.fundsOutAbort;
  const end = { participant: participant.name, accountId: account.id, transferId, reason };
  answered(await bus.request(topic, participant.name, end), transferId, participant, account);
  return send(reply, 202);
}

/** The worker's answer in the Admin API's words: nothing when done, else the refusal. */
function answered(result: FundsReply, transferId: string, participant: Participant, account: Account): void {
  switch (result.outcome) {
    case 'done':
      return;
    case 'refused':
      throw new FspiopError('4001', result.detail);
    case 'different-movement':
      throw new FspiopError('3106', `transfer id ${transferId} was already used for a different transfer`);
    case 'not-reserved':
      throw new FspiopError('3100', `transfer ${transferId} is not a reserved funds-out of ${participant.name} account ${account.id}`);
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
