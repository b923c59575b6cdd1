/**
 * The Admin API: Mojaloop's central-ledger admin contract (admin.md §1) — participants, callback
 * endpoints, limits, positions, accounts, funds in/out, settlement models — plus /health and
 * /metrics. Plain JSON, FSPIOP errorInformation bodies on failure.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isCurrency } from '../../schemas/currency.js';
import { FspiopError } from '../../schemas/errors.js';
import type { Db } from '../../ledger/db.js';
import type { LedgerEngine } from '../../ledger/engine.js';
import { CLEARING, DIALECTS, type Account, type Dialect, type Participant, type Registry } from '../../ledger/registry.js';
import { ledgerDisplay, parseLedger } from '../../ledger/units.js';
import type { Metrics } from '../observability/metrics.js';
import { createServer, type ServerOptions } from '../http/server.js';
import { route } from '../http/route.js';
import { Fields, jsonNumber, parseAdminBody, toJson } from './body.js';
import { isPartyIdType, PARTY_ID_TYPES, type OracleRecord, type PartyDirectory } from '../core/discovery/directory.js';
import { registerJwsKeyRoutes, type JwsKeyStore } from '../security/jws-keys.js';
import { isoIdentifiersView, registerIsoIdentifierRoutes } from './iso-identifiers.js';

export interface AdminDeps {
  directory: PartyDirectory;
  jwsKeys: JwsKeyStore;
  xmlCertificates: JwsKeyStore;
  /** With mTLS on, callbacks must go to https endpoints. */
  requireHttpsCallbacks: boolean;
  db: Db;
  registry: Registry;
  engine: LedgerEngine;
  metrics: Metrics;
  health: () => Promise<{ ok: boolean; detail: Record<string, unknown> }>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,29}$/;
const CURRENCY = /^[A-Z]{3}$/;
const TRANSFER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$|^[0-9A-HJKMNP-TV-Z]{26}$/;
const LEDGER_DECIMALS = 4;

function send(reply: FastifyReply, status: number, value?: unknown): FastifyReply {
  if (value === undefined) return reply.code(status).send();
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').send(toJson(value));
}

function param(request: FastifyRequest, name: string): string {
  return (request.params as Record<string, string>)[name]!;
}

function query(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

function currencyField(fields: Fields, name = 'currency'): string {
  const currency = fields.string(name, { pattern: CURRENCY });
  if (!isCurrency(currency)) throw new FspiopError('3101', `/requestBody/${name} ${currency} is not a supported ISO 4217 currency`);
  return currency;
}

function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? 'localhost'}`;
}

export function createAdminServer(options: ServerOptions, deps: AdminDeps): FastifyInstance {
  const server = createServer(options);
  const { registry, engine, db } = deps;

  const participantView = (request: FastifyRequest, participant: Participant) => {
    const self = `${baseUrl(request)}/participants/${participant.name}`;
    return {
      name: participant.name,
      id: self,
      created: participant.createdAt.toISOString(),
      isActive: participant.isActive ? 1 : 0,
      links: { self },
      accounts: registry
        .accountsOf(participant.id)
        .filter((a) => a.type !== CLEARING)
        .map((a) => ({
          id: a.id,
          ledgerAccountType: a.type,
          currency: a.currency,
          isActive: a.isActive ? 1 : 0,
          createdDate: a.createdAt.toISOString(),
          createdBy: a.createdBy,
        })),
      isProxy: participant.isProxy,
      dialect: participant.dialect,
      ...(participant.dialect === 'iso20022-xml' ? { xmlProfile: participant.xmlProfile } : {}),
      ...isoIdentifiersMember(participant.name),
    };
  };

  /** `isoIdentifiers` only for participants that registered some (the Mojaloop shape is unchanged otherwise). */
  const isoIdentifiersMember = (name: string) => {
    const ids = registry.isoIdentifiers(name);
    if (!ids || (ids.bicfi === undefined && ids.clearingSystemMemberIds.length === 0)) return {};
    return { isoIdentifiers: isoIdentifiersView(ids) };
  };

  /** Durable balances (what PostgreSQL holds), never the engine's not-yet-committed view. */
  const durableAccounts = async (participantId: number) => {
    const rows = await db.query<{ id: number; value: string; changed_at: Date }>(
      'SELECT id, value::text AS value, changed_at FROM account WHERE participant_id = $1 ORDER BY id',
      [participantId],
    );
    return new Map(rows.rows.map((r) => [r.id, { value: parseLedger(r.value), changedAt: r.changed_at }]));
  };

  server.get('/health', async (_request, reply) => {
    const health = await deps.health();
    return send(reply, health.ok ? 200 : 503, { status: health.ok ? 'OK' : 'DOWN', ...health.detail });
  });

  server.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.code(200).header('content-type', deps.metrics.registry.contentType).send(text);
  });

  // ---------------------------------------------------------------- participants

  route(server, '/participants', {
    GET: async (request, reply) => {
      const proxyFilter = query(request, 'isProxy');
      const list = registry
        .participants()
        .filter((p) => proxyFilter === undefined || p.isProxy === (proxyFilter === 'true' || proxyFilter === '1'))
        .sort((a, b) => a.id - b.id)
        .map((p) => participantView(request, p));
      return send(reply, 200, list);
    },
    POST: async (request, reply) => {
      const fields = new Fields(parseAdminBody(request.body as Buffer)).only('name', 'currency', 'isProxy', 'dialect');
      const name = fields.string('name', { pattern: NAME });
      const currency = currencyField(fields);
      const isProxy = fields.optionalBoolean('isProxy', { lenient: true }) ?? false;
      const dialect = fields.optionalString('dialect', { oneOf: DIALECTS }) as Dialect | undefined;
      if (registry.isHubName(name)) throw new FspiopError('3000', undefined, { description: 'The hub participant cannot be created' });
      const participant = await registry.createParticipant(name, currency, isProxy, dialect);
      return send(reply, 201, participantView(request, participant));
    },
  });

  route(server, '/participants/limits', {
    GET: async (request, reply) => {
      const currency = query(request, 'currency');
      const type = query(request, 'type');
      const rows = [];
      for (const participant of registry.participants().sort((a, b) => a.id - b.id)) {
        for (const account of registry.accountsOf(participant.id)) {
          const limit = registry.limit(account.id);
          if (!limit || (currency && account.currency !== currency) || (type && limit.type !== type)) continue;
          rows.push({ name: participant.name, currency: account.currency, limit: limitView(limit) });
        }
      }
      return send(reply, 200, rows);
    },
  });

  route(server, '/participants/:name', {
    GET: async (request, reply) => send(reply, 200, participantView(request, registry.requireParticipant(param(request, 'name')))),
    PUT: async (request, reply) => {
      const fields = new Fields(parseAdminBody(request.body as Buffer)).only('isActive', 'dialect', 'xmlProfile');
      const name = param(request, 'name');
      if (!fields.has('isActive') && !fields.has('dialect') && !fields.has('xmlProfile')) {
        throw new FspiopError('3102', "/requestBody must have required property 'isActive'");
      }
      let participant = registry.requireParticipant(name);
      if (fields.has('dialect')) participant = await registry.setParticipantDialect(name, fields.string('dialect', { oneOf: DIALECTS }) as Dialect);
      if (fields.has('xmlProfile')) {
        participant = await registry.setParticipantXmlProfile(name, fields.string('xmlProfile', { oneOf: ['iso-2019', 'iso-2026'] }) as 'iso-2019' | 'iso-2026');
      }
      if (fields.has('isActive')) participant = await registry.setParticipantActive(name, fields.boolean('isActive', { lenient: true }));
      return send(reply, 200, participantView(request, participant));
    },
  });

  // ---------------------------------------------------------------- endpoints

  route(server, '/participants/:name/endpoints', {
    GET: async (request, reply) => {
      const participant = registry.requireParticipant(param(request, 'name'));
      const type = query(request, 'type');
      if (type !== undefined) {
        const value = participant.endpoints.get(type);
        return send(reply, 200, value === undefined ? {} : { type, value });
      }
      return send(reply, 200, [...participant.endpoints].map(([t, value]) => ({ type: t, value })));
    },
    POST: async (request, reply) => {
      const fields = new Fields(parseAdminBody(request.body as Buffer)).only('type', 'value');
      const type = fields.string('type', { pattern: /^[A-Z][A-Z0-9_]{1,99}$/ });
      const value = fields.string('value', { min: 1, max: 2048 });
      if (type.startsWith('FSPIOP_CALLBACK_URL') || type.endsWith('_URL')) {
        checkUrlTemplate(value);
        if (deps.requireHttpsCallbacks && type.startsWith('FSPIOP_CALLBACK_URL') && !value.startsWith('https://')) {
          throw new FspiopError('3101', '/requestBody/value must be an https URL: the hub calls back over mutual TLS');
        }
      }
      await registry.setEndpoint(param(request, 'name'), type, value);
      return send(reply, 201);
    },
  });

  // ---------------------------------------------------------------- limits and positions

  route(server, '/participants/:name/initialPositionAndLimits', {
    POST: async (request, reply) => {
      const fields = new Fields(parseAdminBody(request.body as Buffer)).only('currency', 'limit', 'initialPosition');
      const currency = currencyField(fields);
      const limitFields = fields.object('limit').only('type', 'value', 'alarmPercentage');
      limitFields.string('type', { oneOf: ['NET_DEBIT_CAP'] });
      const limit = parseLedger(limitFields.decimal('value', { maxDecimals: LEDGER_DECIMALS }));
      const alarm = limitFields.optionalDecimal('alarmPercentage', { maxDecimals: 2 }) ?? '10';
      const initial = parseLedger(fields.optionalDecimal('initialPosition', { maxDecimals: LEDGER_DECIMALS }) ?? '0');
      const position = await registry.setInitialLimit(param(request, 'name'), currency, limit, alarm);
      await engine.openingPosition(position, initial);
      return send(reply, 201);
    },
  });

  route(server, '/participants/:name/limits', {
    GET: async (request, reply) => {
      const participant = registry.requireParticipant(param(request, 'name'));
      const currency = query(request, 'currency');
      const type = query(request, 'type');
      const rows = registry
        .accountsOf(participant.id)
        .map((a) => ({ account: a, limit: registry.limit(a.id) }))
        .filter((x) => x.limit && (!currency || x.account.currency === currency) && (!type || x.limit.type === type))
        .map((x) => ({ currency: x.account.currency, limit: limitView(x.limit!) }));
      return send(reply, 200, rows);
    },
    PUT: async (request, reply) => {
      const fields = new Fields(parseAdminBody(request.body as Buffer)).only('currency', 'limit');
      const currency = currencyField(fields);
      const limitFields = fields.object('limit').only('type', 'value', 'alarmPercentage');
      limitFields.string('type', { oneOf: ['NET_DEBIT_CAP'] });
      const value = parseLedger(limitFields.decimal('value', { maxDecimals: LEDGER_DECIMALS }));
      const alarm = limitFields.optionalDecimal('alarmPercentage', { maxDecimals: 2 }) ?? '10';
      const limit = await registry.updateLimit(param(request, 'name'), currency, value, alarm);
      return send(reply, 200, { currency, limit: limitView(limit) });
    },
  });

  route(server, '/participants/:name/positions', {
    GET: async (request, reply) => {
      const participant = registry.requireParticipant(param(request, 'name'));
      const currency = query(request, 'currency');
      const durable = await durableAccounts(participant.id);
      const positions = registry
        .accountsOf(participant.id)
        .filter((a) => a.type === 'POSITION' && (!currency || a.currency === currency))
        .map((a) => {
          const stored = durable.get(a.id)!;
          return { currency: a.currency, value: jsonNumber(ledgerDisplay(stored.value)), changedDate: stored.changedAt.toISOString() };
        });
      if (currency !== undefined) return send(reply, 200, positions[0] ?? {});
      return send(reply, 200, positions);
    },
  });

  // ---------------------------------------------------------------- accounts

  route(server, '/participants/:name/accounts', {
    GET: async (request, reply) => {
      const participant = registry.requireParticipant(param(request, 'name'));
      const durable = await durableAccounts(participant.id);
      const accounts = registry
        .accountsOf(participant.id)
        .filter((a) => a.type !== CLEARING)
        .map((a) => {
          const stored = durable.get(a.id)!;
          return {
            id: a.id,
            ledgerAccountType: a.type,
            currency: a.currency,
            isActive: a.isActive ? 1 : 0,
            value: jsonNumber(ledgerDisplay(stored.value)),
            // Mojaloop semantics: a position's value already includes in-flight reservations.
            reservedValue: jsonNumber('0'),
            changedDate: stored.changedAt.toISOString(),
          };
        });
      return send(reply, 200, accounts);
    },
    POST: async (request, reply) => {
      const participant = registry.requireParticipant(param(request, 'name'));
      if (!participant.isHub) {
        throw new FspiopError('3003', undefined, { description: 'Endpoint is reserved for creation of Hub account types only.' });
      }
      const fields = new Fields(parseAdminBody(request.body as Buffer)).only('currency', 'type');
      const currency = currencyField(fields);
      const type = fields.string('type', { pattern: /^\w{2,30}$/ });
      await registry.createHubAccount(currency, type);
      return send(reply, 201, participantView(request, participant));
    },
  });

  route(server, '/participants/:name/accounts/:id', {
    PUT: async (request, reply) => {
      const fields = new Fields(parseAdminBody(request.body as Buffer)).only('isActive');
      const id = accountIdParam(request);
      await registry.setAccountActive(param(request, 'name'), id, fields.boolean('isActive', { lenient: true }));
      return send(reply, 200);
    },
    POST: async (request, reply) => {
      const participant = registry.requireParticipant(param(request, 'name'));
      const account = settlementAccount(participant, accountIdParam(request));
      const fields = new Fields(parseAdminBody(request.body as Buffer)).only(
        'transferId',
        'externalReference',
        'action',
        'reason',
        'amount',
        'extensionList',
      );
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
      if (written.conflict) await sameFundsTransfer(transferId, kind, participant.name, amount);
      return send(reply, 202);
    },
  });

  route(server, '/participants/:name/accounts/:id/transfers/:transferId', {
    PUT: async (request, reply) => {
      const participant = registry.requireParticipant(param(request, 'name'));
      const account = settlementAccount(participant, accountIdParam(request));
      const transferId = param(request, 'transferId');
      const fields = new Fields(parseAdminBody(request.body as Buffer)).only('action', 'reason', 'externalReference');
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
    },
  });

  // ---------------------------------------------------------------- settlement models and account types

  route(server, '/settlementModels', {
    GET: async (_request, reply) => send(reply, 200, registry.settlementModels().map(modelView)),
    POST: async (request, reply) => {
      const fields = new Fields(parseAdminBody(request.body as Buffer)).only(
        'name',
        'settlementGranularity',
        'settlementInterchange',
        'settlementDelay',
        'currency',
        'requireLiquidityCheck',
        'ledgerAccountType',
        'autoPositionReset',
        'settlementAccountType',
      );
      const model = {
        name: fields.string('name', { pattern: /^[A-Za-z0-9]{2,30}$/ }),
        settlementGranularity: fields.string('settlementGranularity', { oneOf: ['GROSS', 'NET'] }),
        settlementInterchange: fields.string('settlementInterchange', { oneOf: ['BILATERAL', 'MULTILATERAL'] }),
        settlementDelay: fields.string('settlementDelay', { oneOf: ['IMMEDIATE', 'DEFERRED'] }),
        currency: fields.has('currency') ? currencyField(fields) : null,
        requireLiquidityCheck: fields.boolean('requireLiquidityCheck'),
        ledgerAccountType: fields.string('ledgerAccountType', { pattern: /^\w{2,30}$/ }),
        autoPositionReset: fields.boolean('autoPositionReset'),
        settlementAccountType: fields.string('settlementAccountType', { pattern: /^\w{2,30}$/ }),
      };
      const combination = `${model.settlementDelay}/${model.settlementGranularity}/${model.settlementInterchange}`;
      const valid = ['IMMEDIATE/GROSS/BILATERAL', 'DEFERRED/GROSS/BILATERAL', 'DEFERRED/NET/BILATERAL', 'DEFERRED/NET/MULTILATERAL'];
      if (!valid.includes(combination)) {
        throw new FspiopError('3000', undefined, {
          description: `Invalid settlement model: ${combination} is not one of ${valid.join(', ')}`,
        });
      }
      await registry.createSettlementModel(model);
      return send(reply, 201);
    },
  });

  route(server, '/settlementModels/:name', {
    GET: async (request, reply) => {
      const model = registry.settlementModel(param(request, 'name'));
      if (!model) throw new FspiopError('3100', `Settlement model ${param(request, 'name')} not found`);
      return send(reply, 200, modelView(model));
    },
    PUT: async (request, reply) => {
      const fields = new Fields(parseAdminBody(request.body as Buffer)).only('isActive');
      const model = await registry.setSettlementModelActive(param(request, 'name'), fields.boolean('isActive', { lenient: true }));
      return send(reply, 200, modelView(model));
    },
  });

  route(server, '/ledgerAccountTypes', {
    GET: async (_request, reply) => send(reply, 200, await registry.accountTypeRows()),
    POST: async (request, reply) => {
      const fields = new Fields(parseAdminBody(request.body as Buffer)).only('name', 'description', 'isActive', 'isSettleable');
      await registry.createAccountType(
        fields.string('name', { pattern: /^\w{2,30}$/ }),
        fields.string('description', { max: 512 }),
        fields.boolean('isActive'),
        fields.boolean('isSettleable'),
      );
      return send(reply, 201);
    },
  });

  registerJwsKeyRoutes(server, { keys: deps.jwsKeys, registry }, route);
  registerIsoIdentifierRoutes(server, registry, route);
  registerJwsKeyRoutes(server, { keys: deps.xmlCertificates, registry }, route, { collection: 'xmlCertificates' });

  // ---------------------------------------------------------------- ALS oracle registry (admin.md §2)

  /** The ALS admin API requires FSPIOP-style Content-Type, Date and Accept headers. */
  const alsHeaders = (request: FastifyRequest) => {
    for (const name of ['content-type', 'date', 'accept']) {
      if (!request.headers[name]) throw new FspiopError('3102', `${name} header is required`);
    }
  };
  const oracleBody = (request: FastifyRequest): Omit<OracleRecord, 'oracleId'> => {
    const fields = new Fields(parseAdminBody(request.body as Buffer)).only('oracleIdType', 'endpoint', 'currency', 'isDefault');
    const oracleIdType = fields.string('oracleIdType');
    if (!isPartyIdType(oracleIdType)) {
      throw new FspiopError('3101', `/requestBody/oracleIdType must be one of ${PARTY_ID_TYPES.join(', ')}`);
    }
    const endpoint = fields.object('endpoint').only('value', 'endpointType');
    const value = endpoint.string('value', { min: 1, max: 2048 });
    endpoint.string('endpointType', { oneOf: ['URL'] });
    checkUrlTemplate(value);
    let currency: string | null = null;
    if (fields.has('currency')) {
      currency = fields.string('currency');
      if (!isCurrency(currency)) throw new FspiopError('3100', `/requestBody/currency ${currency} is not a supported currency`);
    }
    return { oracleIdType, endpoint: { value, endpointType: 'URL' }, currency, isDefault: fields.optionalBoolean('isDefault') ?? false };
  };
  const oracleId = (request: FastifyRequest): number => {
    const text = param(request, 'id');
    if (!/^\d{1,9}$/.test(text)) throw new FspiopError('3101', '/path/ID must be a numeric oracle id');
    return Number(text);
  };

  route(server, '/oracles', {
    GET: async (request, reply) => {
      alsHeaders(request);
      return send(reply, 200, deps.directory.oracles.list({ type: query(request, 'type'), currency: query(request, 'currency') }));
    },
    POST: async (request, reply) => {
      alsHeaders(request);
      await deps.directory.oracles.create(oracleBody(request));
      deps.directory.clear();
      return send(reply, 201);
    },
  });

  route(server, '/oracles/:id', {
    PUT: async (request, reply) => {
      alsHeaders(request);
      await deps.directory.oracles.update(oracleId(request), oracleBody(request));
      deps.directory.clear();
      return send(reply, 204);
    },
    DELETE: async (request, reply) => {
      alsHeaders(request);
      await deps.directory.oracles.remove(oracleId(request));
      deps.directory.clear();
      return send(reply, 204);
    },
  });

  /** A repeated funds request is accepted only if it is the same movement. */
  async function sameFundsTransfer(transferId: string, kind: string, participant: string, amount: bigint): Promise<void> {
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

  function settlementAccount(participant: Participant, accountId: number): Account {
    const account = registry.account(accountId);
    if (!account || account.participantId !== participant.id) {
      throw new FspiopError('3100', `account ${accountId} does not belong to ${participant.name}`);
    }
    if (account.type !== 'SETTLEMENT') throw new FspiopError('3100', `account ${accountId} is not a SETTLEMENT account`);
    if (!participant.isActive) throw new FspiopError('3100', `participant ${participant.name} is inactive`);
    if (!account.isActive) throw new FspiopError('3100', `account ${accountId} is inactive`);
    return account;
  }

  return server;
}

function accountIdParam(request: FastifyRequest): number {
  const text = param(request, 'id');
  if (!/^\d{1,9}$/.test(text)) throw new FspiopError('3101', '/path/id must be a numeric account id');
  return Number(text);
}

function limitView(limit: { type: string; value: bigint; alarmPercentage: string }) {
  return { type: limit.type, value: jsonNumber(ledgerDisplay(limit.value)), alarmPercentage: jsonNumber(trimDecimal(limit.alarmPercentage)) };
}

function trimDecimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

function modelView(model: import('../../ledger/registry.js').SettlementModel) {
  return {
    settlementModelId: model.id,
    name: model.name,
    isActive: model.isActive,
    settlementGranularity: model.settlementGranularity,
    settlementInterchange: model.settlementInterchange,
    settlementDelay: model.settlementDelay,
    currency: model.currency,
    requireLiquidityCheck: model.requireLiquidityCheck,
    ledgerAccountTypeId: model.ledgerAccountType,
    settlementAccountTypeId: model.settlementAccountType,
    autoPositionReset: model.autoPositionReset,
  };
}

function checkUrlTemplate(value: string): void {
  let url: URL;
  try {
    url = new URL(value.replace(/\{\{[^}]*\}\}/g, 'x'));
  } catch {
    throw new FspiopError('3101', '/requestBody/value must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FspiopError('3101', '/requestBody/value must be an http or https URL');
  }
}
