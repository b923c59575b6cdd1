/**
 * Interchange fee rules (docs/interchange-fees.md): what a transfer owes between its two DFSPs, booked at commit on
 * their INTERCHANGE_FEE accounts and settled under a deferred net model with that ledger account type.
 *
 *   GET  /interchangeFeeRules[?currency=&isActive=]
 *   POST /interchangeFeeRules {name, currency, match?: {scenario?, initiator?, initiatorType?, payerAccountType?,
 *                              payeeAccountType?}, fee: {basisPoints, rounding?: HALF_EVEN} | {fixedAmount}, paidBy}
 *   GET  /interchangeFeeRules/{id}      PUT /interchangeFeeRules/{id} {isActive}   (deactivate; activate again)
 *
 * Refusals: a missing member 3102, a malformed one 3101, an unexpected one 3103, a well-formed value the hub cannot
 * take (a fee with both or neither amount, too many decimals, a rule that overlaps an active one, no interchange fee
 * settlement model for the currency, an unknown rule) 3100.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { currencyDecimals } from '../../../schemas/currency.js';
import { FspiopError } from '../../../schemas/errors.js';
import {
  BASIS_POINTS_MAX,
  basisPointsText,
  INTERCHANGE_FEE,
  MATCH_FIELDS,
  ppmOfBasisPoints,
  type FeeAmount,
  type FeeMatch,
  type FeeRule,
  type InterchangeFees,
  type NewFeeRule,
} from '../../../ledger/interchange-fees.js';
import { ledgerDisplay, parseLedger } from '../../../ledger/units.js';
import type { Registry } from '../../../ledger/registry.js';
import type { Bus } from '../../bus/bus.js';
import { READ, type AdminRoute } from '../auth/roles.js';
import { everyOwnerHas } from '../ledger-sync.js';
import { jsonNumber, type Fields } from '../body.js';
import { bodyFields, currencyField, param, query, send } from '../request.js';

export interface InterchangeFeeRouteDeps {
  interchangeFees: InterchangeFees;
  bus: Bus;
  registry: Registry;
}

const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/;
/** FSPIOP TransactionScenario, TransactionInitiator, TransactionInitiatorType. */
const SCENARIOS = ['DEPOSIT', 'WITHDRAWAL', 'TRANSFER', 'PAYMENT', 'REFUND'];
const INITIATORS = ['PAYER', 'PAYEE'];
const INITIATOR_TYPES = ['CONSUMER', 'AGENT', 'BUSINESS', 'DEVICE'];
/** FSPIOP ExtensionValue: 1 to 128 characters. */
const ACCOUNT_TYPE_MAX = 128;
const PAYERS = ['PAYER_FSP', 'PAYEE_FSP'] as const;
/** The one rounding of a percentage there is, named so a rule says it. */
const ROUNDING = 'HALF_EVEN';

export function interchangeFeeRoutes(deps: InterchangeFeeRouteDeps): AdminRoute[] {
  const fees = deps.interchangeFees;
  return [
    { method: 'GET', path: '/interchangeFeeRules', access: READ, handler: (q, r) => listRules(fees, q, r) },
    {
      method: 'POST',
      path: '/interchangeFeeRules',
      access: { roles: ['finance'] },
      handler: async (request, reply) => {
        const rule = await fees.create(ruleBody(request));
        // Its INTERCHANGE_FEE accounts too (created with the rule).
        await everyOwnerHas(deps.bus, deps.registry.hubName, 'registry', 'fees');
        return send(reply, 201, ruleView(rule));
      },
    },
    {
      method: 'GET',
      path: '/interchangeFeeRules/:id',
      access: READ,
      handler: async (request, reply) => {
        const id = ruleId(request);
        const rule = fees.rule(id);
        if (!rule) throw new FspiopError('3100', `Interchange fee rule ${id} not found`);
        return send(reply, 200, ruleView(rule));
      },
    },
    {
      method: 'PUT',
      path: '/interchangeFeeRules/:id',
      access: { roles: ['finance'] },
      handler: async (request, reply) => {
        const id = ruleId(request);
        const isActive = bodyFields(request, 'isActive').boolean('isActive');
        const rule = await fees.setActive(id, isActive);
        await everyOwnerHas(deps.bus, deps.registry.hubName, 'registry', 'fees');
        return send(reply, 200, ruleView(rule));
      },
    },
  ];
}

async function listRules(fees: InterchangeFees, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const currency = query(request, 'currency');
  if (currency !== undefined && currencyDecimals(currency) === undefined) {
    throw new FspiopError('3101', `/query/currency ${currency} is not a supported ISO 4217 currency`);
  }
  const active = query(request, 'isActive');
  if (active !== undefined && active !== 'true' && active !== 'false') throw new FspiopError('3101', '/query/isActive must be true or false');
  const rules = fees.rules({ currency, isActive: active === undefined ? undefined : active === 'true' });
  return send(reply, 200, rules.map(ruleView));
}

function ruleBody(request: FastifyRequest): NewFeeRule {
  const fields = bodyFields(request, 'name', 'currency', 'match', 'fee', 'paidBy');
  const name = fields.string('name', { pattern: RULE_NAME });
  const currency = currencyField(fields);
  const match = fields.has('match') ? matchOf(fields.object('match')) : {};
  const fee = feeOf(fields.object('fee'), currency);
  const paidBy = fields.string('paidBy', { oneOf: PAYERS }) as (typeof PAYERS)[number];
  return { name, currency, match, fee, paidBy };
}

function matchOf(fields: Fields): FeeMatch {
  fields.only(...MATCH_FIELDS);
  const match: FeeMatch = {};
  const set = (field: (typeof MATCH_FIELDS)[number], value: string | undefined) => {
    if (value !== undefined) match[field] = value;
  };
  set('scenario', fields.optionalString('scenario', { oneOf: SCENARIOS }));
  set('initiator', fields.optionalString('initiator', { oneOf: INITIATORS }));
  set('initiatorType', fields.optionalString('initiatorType', { oneOf: INITIATOR_TYPES }));
  set('payerAccountType', fields.optionalString('payerAccountType', { min: 1, max: ACCOUNT_TYPE_MAX }));
  set('payeeAccountType', fields.optionalString('payeeAccountType', { min: 1, max: ACCOUNT_TYPE_MAX }));
  return match;
}

/** `{basisPoints, rounding?}` (at most 2 decimals, above 0, at most 10000) or `{fixedAmount}` (the currency's decimals). */
function feeOf(fields: Fields, currency: string): FeeAmount {
  fields.only('basisPoints', 'fixedAmount', 'rounding');
  if (!fields.has('basisPoints') && !fields.has('fixedAmount')) {
    throw new FspiopError('3102', "/requestBody/fee must have required property 'basisPoints' or 'fixedAmount'");
  }
  if (fields.has('basisPoints') && fields.has('fixedAmount')) {
    throw new FspiopError('3100', '/requestBody/fee must have exactly one of basisPoints and fixedAmount');
  }
  fields.optionalString('rounding', { oneOf: [ROUNDING] });
  if (fields.has('fixedAmount')) {
    const decimals = currencyDecimals(currency)!;
    return { kind: 'fixed', amount: parseLedger(fields.decimal('fixedAmount', { maxDecimals: decimals, positive: true })) };
  }
  const text = fields.decimal('basisPoints', { maxDecimals: 2, positive: true });
  const ppm = ppmOfBasisPoints(text);
  if (ppm === undefined) throw new FspiopError('3100', `/requestBody/fee/basisPoints must be at most ${BASIS_POINTS_MAX} (100 %)`);
  return { kind: 'rate', ppm };
}

function ruleId(request: FastifyRequest): number {
  const text = param(request, 'id');
  if (!/^\d{1,9}$/.test(text)) throw new FspiopError('3101', '/path/id must be a numeric interchange fee rule id');
  return Number(text);
}

function ruleView(rule: FeeRule) {
  const fee =
    rule.fee.kind === 'rate'
      ? { basisPoints: jsonNumber(basisPointsText(rule.fee.ppm)), rounding: ROUNDING, minorUnits: currencyDecimals(rule.currency) }
      : { fixedAmount: jsonNumber(ledgerDisplay(rule.fee.amount)) };
  return {
    interchangeFeeRuleId: rule.id,
    name: rule.name,
    currency: rule.currency,
    isActive: rule.isActive,
    match: rule.match,
    fee,
    paidBy: rule.paidBy,
    ledgerAccountType: INTERCHANGE_FEE,
    createdDate: rule.createdAt.toISOString(),
    changedDate: rule.changedAt.toISOString(),
  };
}
