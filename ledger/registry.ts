/**
 * Participants, their accounts, limits and the settlement models, held in memory for the hot path
 * and written through to PostgreSQL. Every mutation is durable before memory changes. Balances
 * (`Account.value`) are owned by the ledger engine; the registry only loads them. How the hub
 * reaches a participant (dialect, endpoints, ISO identifiers) is the participant directory's
 * (switch/directory/participants.ts), keyed by these participants' ids.
 */
import { DomainError } from '../schemas/outcomes.js';
import { changeAndNotify, LocalWrites, notifyChanged } from './changes.js';
import type { Db, Queryable } from './db.js';
import { ledgerText, parseLedger, type LedgerUnits } from './units.js';

export interface Participant {
  id: number;
  name: string;
  isActive: boolean;
  isProxy: boolean;
  isHub: boolean;
  createdAt: Date;
}

export interface Account {
  id: number;
  participantId: number;
  participantName: string;
  currency: string;
  type: string;
  isActive: boolean;
  /** Balance in ledger units (10^-4), including reservations of transfers in flight. */
  value: LedgerUnits;
  /**
   * The row's update count (`account.version`, migration 013) when `value` was read from PostgreSQL. With several
   * ledger owners (MIZANI_LEDGER_PARTITIONED) another owner's credit of a later version is not in `value` yet.
   */
  loadedVersion: bigint;
  changedAt: Date;
  createdAt: Date;
  createdBy: string;
}

export interface Limit {
  accountId: number;
  type: 'NET_DEBIT_CAP';
  value: LedgerUnits;
  alarmPercentage: string;
  changedAt: Date;
}

export interface SettlementModel {
  id: number;
  name: string;
  isActive: boolean;
  settlementGranularity: string;
  settlementInterchange: string;
  settlementDelay: string;
  currency: string | null;
  requireLiquidityCheck: boolean;
  ledgerAccountType: string;
  settlementAccountType: string;
  autoPositionReset: boolean;
}

export const HUB_ACCOUNT_TYPES = ['HUB_RECONCILIATION', 'HUB_MULTILATERAL_SETTLEMENT', 'HUB_FEE'] as const;
export const CLEARING = 'HUB_CLEARING';

interface ParticipantRow {
  id: number;
  name: string;
  is_active: boolean;
  is_proxy: boolean;
  is_hub: boolean;
  created_at: Date;
}

interface AccountRow {
  id: number;
  participant_id: number;
  currency: string;
  ledger_account_type: string;
  is_active: boolean;
  value: string;
  version: string;
  changed_at: Date;
  created_at: Date;
  created_by: string;
}

interface ModelRow {
  id: number;
  name: string;
  is_active: boolean;
  settlement_granularity: string;
  settlement_interchange: string;
  settlement_delay: string;
  currency: string | null;
  require_liquidity_check: boolean;
  ledger_account_type: string;
  settlement_account_type: string;
  auto_position_reset: boolean;
}

const ACCOUNT_COLUMNS = `id, participant_id, currency, ledger_account_type, is_active, value::text AS value, version::text AS version, changed_at, created_at, created_by`;

function accountKey(participantId: number, currency: string, type: string): string {
  return `${participantId}|${currency}|${type}`;
}

function toModel(row: ModelRow): SettlementModel {
  return {
    id: row.id,
    name: row.name,
    isActive: row.is_active,
    settlementGranularity: row.settlement_granularity,
    settlementInterchange: row.settlement_interchange,
    settlementDelay: row.settlement_delay,
    currency: row.currency,
    requireLiquidityCheck: row.require_liquidity_check,
    ledgerAccountType: row.ledger_account_type,
    settlementAccountType: row.settlement_account_type,
    autoPositionReset: row.auto_position_reset,
  };
}

export class Registry {
  private readonly byName = new Map<string, Participant>();
  private readonly byId = new Map<number, Participant>();
  private readonly accounts = new Map<number, Account>();
  private readonly accountIndex = new Map<string, Account>();
  private readonly limits = new Map<number, Limit>();
  private readonly models = new Map<string, SettlementModel>();
  private readonly accountTypes = new Set<string>();
  private readonly local = new LocalWrites();
  private hubNameLower: string;

  private constructor(
    private readonly db: Db,
    readonly hubName: string,
  ) {
    this.hubNameLower = hubName.toLowerCase();
  }

  static async load(db: Db, hubName: string): Promise<Registry> {
    const registry = new Registry(db, hubName);
    await db.query(`INSERT INTO participant (name, is_active, is_hub) VALUES ($1, true, true) ON CONFLICT (name) DO NOTHING`, [hubName]);
    await registry.reload();
    return registry;
  }

  /** Re-reads everything from the database (start-up, and recovery after a failed batch): balances included. */
  async reload(): Promise<void> {
    const rows = await this.readAll();
    this.byName.clear();
    this.byId.clear();
    this.accounts.clear();
    this.accountIndex.clear();
    this.limits.clear();
    this.models.clear();
    this.accountTypes.clear();
    this.apply(rows);
    this.local.wrote();
  }

  /**
   * Catches up with changes another hub process made (ledger/changes.ts), while requests run: reads first, then
   * updates memory in one synchronous step. Known participants, accounts, limits and models are updated in place
   * (the engine's in-flight transfers hold Account objects) and a known account's balance is never touched: balances
   * are the ledger engine's. A new account comes with its stored balance.
   */
  async refresh(): Promise<void> {
    await this.local.reload(
      () => this.readAll(),
      (rows) => this.apply(rows),
    );
  }

  private async readAll() {
    const [participants, accounts, limits, models, types] = await Promise.all([
      this.db.query<ParticipantRow>('SELECT id, name, is_active, is_proxy, is_hub, created_at FROM participant'),
      this.db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM account`),
      this.db.query<{ account_id: number; type: string; value: string; alarm_percentage: string; changed_at: Date }>(
        'SELECT account_id, type, value::text AS value, alarm_percentage::text AS alarm_percentage, changed_at FROM participant_limit',
      ),
      this.db.query<ModelRow>('SELECT * FROM settlement_model'),
      this.db.query<{ name: string }>('SELECT name FROM ledger_account_type'),
    ]);
    return { participants: participants.rows, accounts: accounts.rows, limits: limits.rows, models: models.rows, types: types.rows };
  }

  /** Adds what is new and updates what is known, in place; nothing here awaits. */
  private apply(rows: Awaited<ReturnType<Registry['readAll']>>): void {
    for (const row of rows.participants) this.addParticipantToMemory(row);
    for (const row of rows.accounts) this.addAccountToMemory(row);
    for (const row of rows.limits) {
      const limit: Limit = {
        accountId: row.account_id,
        type: 'NET_DEBIT_CAP',
        value: parseLedger(row.value),
        alarmPercentage: row.alarm_percentage,
        changedAt: row.changed_at,
      };
      const known = this.limits.get(row.account_id);
      if (known) Object.assign(known, limit);
      else this.limits.set(row.account_id, limit);
    }
    for (const row of rows.models) {
      const model = toModel(row);
      const known = this.models.get(row.name);
      if (known) Object.assign(known, model);
      else this.models.set(row.name, model);
    }
    for (const row of rows.types) this.accountTypes.add(row.name);
  }

  /** Known participants are updated in place (callers hold them). */
  private addParticipantToMemory(row: ParticipantRow): Participant {
    const participant: Participant = {
      id: row.id,
      name: row.name,
      isActive: row.is_active,
      isProxy: row.is_proxy,
      isHub: row.is_hub,
      createdAt: row.created_at,
    };
    this.local.wrote();
    const known = this.byId.get(row.id);
    if (known) return Object.assign(known, participant);
    this.byName.set(row.name, participant);
    this.byId.set(row.id, participant);
    return participant;
  }

  /** A known account keeps its object and its balance (the engine's); only what the Admin API changes is updated. */
  private addAccountToMemory(row: AccountRow): Account {
    this.local.wrote();
    const known = this.accounts.get(row.id);
    if (known) {
      known.isActive = row.is_active;
      known.participantName = this.byId.get(row.participant_id)?.name ?? known.participantName;
      return known;
    }
    const account: Account = {
      id: row.id,
      participantId: row.participant_id,
      participantName: this.byId.get(row.participant_id)?.name ?? '',
      currency: row.currency,
      type: row.ledger_account_type,
      isActive: row.is_active,
      value: parseLedger(row.value),
      loadedVersion: BigInt(row.version),
      changedAt: row.changed_at,
      createdAt: row.created_at,
      createdBy: row.created_by,
    };
    this.accounts.set(account.id, account);
    this.accountIndex.set(accountKey(account.participantId, account.currency, account.type), account);
    return account;
  }

  // ---- reads (hot path: no I/O) ----

  isHubName(name: string): boolean {
    return name.toLowerCase() === this.hubNameLower;
  }

  participant(name: string): Participant | undefined {
    return this.byName.get(name);
  }

  participantById(id: number): Participant | undefined {
    return this.byId.get(id);
  }

  participants(): Participant[] {
    return [...this.byName.values()];
  }

  hub(): Participant {
    return this.byName.get(this.hubName)!;
  }

  account(id: number): Account | undefined {
    return this.accounts.get(id);
  }

  accountOf(participantName: string, currency: string, type: string): Account | undefined {
    const participant = this.byName.get(participantName);
    return participant ? this.accountIndex.get(accountKey(participant.id, currency, type)) : undefined;
  }

  accountsOf(participantId: number): Account[] {
    return [...this.accounts.values()].filter((a) => a.participantId === participantId).sort((a, b) => a.id - b.id);
  }

  allAccounts(): Account[] {
    return [...this.accounts.values()];
  }

  hubAccount(currency: string, type: string): Account | undefined {
    return this.accountIndex.get(accountKey(this.hub().id, currency, type));
  }

  limit(accountId: number): Limit | undefined {
    return this.limits.get(accountId);
  }

  settlementModels(): SettlementModel[] {
    return [...this.models.values()].sort((a, b) => a.id - b.id);
  }

  settlementModel(name: string): SettlementModel | undefined {
    return this.models.get(name);
  }

  /**
   * The active models that govern `currency`, one per ledger account type: the currency's own model for that type, else
   * the default (currency-less) one. A currency with a model of its own for one account type (say INTERCHANGE_FEE)
   * still falls back to the default for the others (POSITION).
   */
  modelsFor(currency: string): SettlementModel[] {
    const found = new Map<string, SettlementModel>();
    for (const m of this.models.values()) {
      if (m.isActive && (m.currency === currency || (m.currency === null && !found.has(m.ledgerAccountType)))) found.set(m.ledgerAccountType, m);
    }
    return [...found.values()];
  }

  /** The active model that settles `type` accounts in `currency`: its own, else the default. No allocation (hot path). */
  modelFor(currency: string, type: string): SettlementModel | undefined {
    let fallback: SettlementModel | undefined;
    for (const m of this.models.values()) {
      if (!m.isActive || m.ledgerAccountType !== type) continue;
      if (m.currency === currency) return m;
      if (m.currency === null) fallback ??= m;
    }
    return fallback;
  }

  /** The active model that settles POSITION accounts in `currency` (its own, else the default), if any. */
  positionModel(currency: string): SettlementModel | undefined {
    return this.modelFor(currency, 'POSITION');
  }

  /** Whether prepares in this currency must pass the liquidity-cover check. */
  requiresLiquidityCheck(currency: string): boolean {
    return this.modelFor(currency, 'POSITION')?.requireLiquidityCheck ?? false;
  }

  hasAccountType(name: string): boolean {
    return this.accountTypes.has(name);
  }

  // ---- mutations (admin; each durable before memory changes) ----

  /**
   * A participant with its accounts in `currency` (or a new currency of an existing one). `alongside` writes, in the
   * same transaction, what another module keeps about the participant (its directory entry).
   */
  async createParticipant(
    name: string,
    currency: string,
    isProxy: boolean,
    alongside?: (tx: Queryable, participantId: number) => Promise<void>,
  ): Promise<Participant> {
    const existing = this.byName.get(name);
    if (existing && this.accountIndex.has(accountKey(existing.id, currency, 'POSITION'))) {
      throw new DomainError('PARTICIPANT_CURRENCY_EXISTS', 'Participant currency has already been registered');
    }
    if (!this.hubAccount(currency, 'HUB_RECONCILIATION')) {
      throw new DomainError('HUB_RECONCILIATION_ACCOUNT_MISSING', 'Hub reconciliation account for the specified currency does not exist');
    }
    if (!this.hubAccount(currency, 'HUB_MULTILATERAL_SETTLEMENT')) {
      throw new DomainError('HUB_SETTLEMENT_ACCOUNT_MISSING', 'Hub multilateral net settlement account for the specified currency does not exist');
    }
    const models = this.modelsFor(currency);
    if (models.length === 0) {
      throw new DomainError('SETTLEMENT_MODEL_MISSING', 'Unable to find a matching or default, Settlement Model');
    }
    const created = await this.db.transaction(async (tx) => {
      let participantRow: ParticipantRow;
      if (existing) {
        participantRow = {
          id: existing.id,
          name: existing.name,
          is_active: existing.isActive,
          is_proxy: existing.isProxy,
          is_hub: existing.isHub,
          created_at: existing.createdAt,
        };
      } else {
        const inserted = await tx.query<ParticipantRow>(
          `INSERT INTO participant (name, is_proxy) VALUES ($1, $2)
           RETURNING id, name, is_active, is_proxy, is_hub, created_at`,
          [name, isProxy],
        );
        participantRow = inserted.rows[0]!;
      }
      await alongside?.(tx, participantRow.id);
      await notifyChanged(tx, 'registry');
      const types = new Set<string>();
      for (const model of models) {
        types.add(model.ledgerAccountType);
        types.add(model.settlementAccountType);
      }
      const accountRows: AccountRow[] = [];
      for (const type of types) {
        const row = await tx.query<AccountRow>(
          `INSERT INTO account (participant_id, currency, ledger_account_type, is_active)
           VALUES ($1, $2, $3, false)
           ON CONFLICT (participant_id, currency, ledger_account_type) DO NOTHING
           RETURNING ${ACCOUNT_COLUMNS}`,
          [participantRow.id, currency, type],
        );
        accountRows.push(...row.rows);
      }
      return { participantRow, accountRows };
    });
    const participant = existing ?? this.addParticipantToMemory(created.participantRow);
    for (const row of created.accountRows) this.addAccountToMemory(row);
    return participant;
  }

  async setParticipantActive(name: string, isActive: boolean): Promise<Participant> {
    const participant = this.requireParticipant(name);
    await changeAndNotify(this.db, 'registry', (tx) => tx.query('UPDATE participant SET is_active = $2 WHERE id = $1', [participant.id, isActive]));
    participant.isActive = isActive;
    this.local.wrote();
    return participant;
  }

  async createHubAccount(currency: string, type: string): Promise<void> {
    const hub = this.hub();
    if (!this.accountTypes.has(type)) {
      throw new DomainError('ACCOUNT_TYPE_NOT_FOUND', 'Ledger account type was not found.');
    }
    if (!(HUB_ACCOUNT_TYPES as readonly string[]).includes(type)) {
      throw new DomainError('HUB_ACCOUNT_TYPE_NOT_ALLOWED', 'The requested hub operator account type is not allowed.');
    }
    if (this.hubAccount(currency, type)) {
      throw new DomainError('HUB_ACCOUNT_EXISTS', 'Hub account has already been registered.');
    }
    const rows = await this.db.transaction(async (tx) => {
      const created: AccountRow[] = [];
      for (const accountType of [type, CLEARING]) {
        const row = await tx.query<AccountRow>(
          `INSERT INTO account (participant_id, currency, ledger_account_type, is_active, created_by)
           VALUES ($1, $2, $3, true, 'hub')
           ON CONFLICT (participant_id, currency, ledger_account_type) DO NOTHING
           RETURNING ${ACCOUNT_COLUMNS}`,
          [hub.id, currency, accountType],
        );
        created.push(...row.rows);
      }
      await notifyChanged(tx, 'registry');
      return created;
    });
    for (const row of rows) this.addAccountToMemory(row);
  }

  /**
   * An account of `type` in `currency` for every participant that holds a POSITION account in that currency and has
   * none of `type` yet (interchange fee rules: ledger/interchange-fees.ts). Active at once: nothing is reserved against
   * such an account. Returns how many were created.
   */
  async createMissingAccounts(currency: string, type: string): Promise<number> {
    if (!this.accountTypes.has(type)) throw new DomainError('ACCOUNT_TYPE_NOT_FOUND', `Ledger account type ${type} was not found`);
    const rows = await changeAndNotify(this.db, 'registry', (tx) =>
      tx.query<AccountRow>(
        `INSERT INTO account (participant_id, currency, ledger_account_type, is_active)
       SELECT p.participant_id, p.currency, $2, true FROM account p
       WHERE p.currency = $1 AND p.ledger_account_type = 'POSITION'
       ON CONFLICT (participant_id, currency, ledger_account_type) DO NOTHING
       RETURNING ${ACCOUNT_COLUMNS}`,
        [currency, type],
      ),
    );
    for (const row of rows.rows) this.addAccountToMemory(row);
    return rows.rows.length;
  }

  /**
   * Activates the participant's POSITION and SETTLEMENT accounts for the currency, sets the net
   * debit cap and returns the position account. The opening position itself is posted by the
   * ledger engine (it is a journal movement).
   */
  async setInitialLimit(name: string, currency: string, limit: LedgerUnits, alarmPercentage: string): Promise<Account> {
    const participant = this.requireParticipant(name);
    const position = this.accountIndex.get(accountKey(participant.id, currency, 'POSITION'));
    if (!position) {
      throw new DomainError('POSITION_ACCOUNT_MISSING', `Participant ${name} has no ${currency} position account`);
    }
    if (this.limits.has(position.id)) {
      throw new DomainError('LIMIT_ALREADY_SET', 'Participant Limit or Initial Position already set');
    }
    const toActivate = this.accountsOf(participant.id).filter((a) => a.currency === currency);
    const changedAt = await this.db.transaction(async (tx) => {
      await tx.query(`UPDATE account SET is_active = true WHERE id = ANY($1::int[])`, [toActivate.map((a) => a.id)]);
      const row = await tx.query<{ changed_at: Date }>(
        `INSERT INTO participant_limit (account_id, type, value, alarm_percentage) VALUES ($1, 'NET_DEBIT_CAP', $2, $3)
         RETURNING changed_at`,
        [position.id, ledgerText(limit), alarmPercentage],
      );
      await notifyChanged(tx, 'registry');
      return row.rows[0]!.changed_at;
    });
    for (const account of toActivate) account.isActive = true;
    this.limits.set(position.id, { accountId: position.id, type: 'NET_DEBIT_CAP', value: limit, alarmPercentage, changedAt });
    this.local.wrote();
    return position;
  }

  async updateLimit(name: string, currency: string, limit: LedgerUnits, alarmPercentage: string): Promise<Limit> {
    const participant = this.requireParticipant(name);
    const position = this.accountIndex.get(accountKey(participant.id, currency, 'POSITION'));
    const existing = position ? this.limits.get(position.id) : undefined;
    if (!position || !existing) {
      throw new DomainError('LIMIT_NOT_SET', `Participant ${name} has no ${currency} net debit cap to adjust`);
    }
    const row = await changeAndNotify(this.db, 'registry', (tx) =>
      tx.query<{ changed_at: Date }>(
        `UPDATE participant_limit SET value = $2, alarm_percentage = $3, changed_at = now() WHERE account_id = $1
         RETURNING changed_at`,
        [position.id, ledgerText(limit), alarmPercentage],
      ),
    );
    existing.value = limit;
    existing.alarmPercentage = alarmPercentage;
    existing.changedAt = row.rows[0]!.changed_at;
    this.local.wrote();
    return existing;
  }

  async setAccountActive(name: string, accountId: number, isActive: boolean): Promise<void> {
    const participant = this.requireParticipant(name);
    const account = this.accounts.get(accountId);
    if (!account) throw new DomainError('ACCOUNT_NOT_FOUND', 'Account not found');
    if (account.participantId !== participant.id) {
      throw new DomainError('ACCOUNT_OF_ANOTHER_PARTICIPANT', 'Participant/account mismatch');
    }
    if (account.type !== 'POSITION') {
      throw new DomainError('ACCOUNT_NOT_POSITION', 'Only position account update is permitted');
    }
    await changeAndNotify(this.db, 'registry', (tx) => tx.query('UPDATE account SET is_active = $2 WHERE id = $1', [accountId, isActive]));
    account.isActive = isActive;
    this.local.wrote();
  }

  async createSettlementModel(model: Omit<SettlementModel, 'id' | 'isActive'>): Promise<SettlementModel> {
    if (this.models.has(model.name)) {
      throw new DomainError('SETTLEMENT_MODEL_EXISTS', 'Settlement Model already exists');
    }
    for (const type of [model.ledgerAccountType, model.settlementAccountType]) {
      if (!this.accountTypes.has(type)) {
        throw new DomainError('ACCOUNT_TYPE_NOT_FOUND', `Ledger account type ${type} was not found`);
      }
    }
    const row = await this.changeModels(model, (tx) =>
      tx.query<ModelRow>(
        `INSERT INTO settlement_model (name, settlement_granularity, settlement_interchange, settlement_delay, currency,
         require_liquidity_check, ledger_account_type, settlement_account_type, auto_position_reset)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [
          model.name,
          model.settlementGranularity,
          model.settlementInterchange,
          model.settlementDelay,
          model.currency,
          model.requireLiquidityCheck,
          model.ledgerAccountType,
          model.settlementAccountType,
          model.autoPositionReset,
        ],
      ),
    );
    const created = toModel(row.rows[0]!);
    this.models.set(created.name, created);
    this.local.wrote();
    return created;
  }

  async setSettlementModelActive(name: string, isActive: boolean): Promise<SettlementModel> {
    const model = this.models.get(name);
    if (!model) throw new DomainError('SETTLEMENT_MODEL_NOT_FOUND', `Settlement model ${name} not found`);
    await this.changeModels(model, (tx) => tx.query('UPDATE settlement_model SET is_active = $2 WHERE id = $1', [model.id, isActive]));
    model.isActive = isActive;
    this.local.wrote();
    return model;
  }

  /**
   * A settlement model change. At most one active model covers a ledger account type in a scope (a currency, or all):
   * the database keeps that (migration 012), so two hub nodes changing models at once cannot both succeed; the loser
   * is told which model covers the scope.
   */
  private async changeModels<T>(model: Pick<SettlementModel, 'currency' | 'ledgerAccountType'>, change: (tx: Queryable) => Promise<T>): Promise<T> {
    try {
      return await changeAndNotify(this.db, 'registry', change);
    } catch (err) {
      if ((err as { constraint?: unknown }).constraint === 'settlement_model_name_key') {
        throw new DomainError('SETTLEMENT_MODEL_EXISTS', 'Settlement Model already exists');
      }
      if ((err as { constraint?: unknown }).constraint !== 'settlement_model_active_scope') throw err;
      const clash = await this.db.query<{ name: string }>(
        `SELECT name FROM settlement_model WHERE is_active AND coalesce(currency, '') = coalesce($1, '') AND ledger_account_type = $2`,
        [model.currency, model.ledgerAccountType],
      );
      throw new DomainError(
        'SETTLEMENT_MODEL_OVERLAPS',
        `Settlement model ${clash.rows[0]?.name ?? '(another)'} already covers ${model.ledgerAccountType} for ${model.currency ?? 'all currencies'}`,
      );
    }
  }

  async createAccountType(name: string, description: string, isActive: boolean, isSettleable: boolean): Promise<void> {
    if (this.accountTypes.has(name)) {
      throw new DomainError('ACCOUNT_TYPE_EXISTS', 'Ledger account type already exists');
    }
    await changeAndNotify(this.db, 'registry', (tx) =>
      tx.query('INSERT INTO ledger_account_type (name, description, is_active, is_settleable) VALUES ($1, $2, $3, $4)', [
        name,
        description,
        isActive,
        isSettleable,
      ]),
    );
    this.accountTypes.add(name);
    this.local.wrote();
  }

  async accountTypeRows(q: Queryable = this.db): Promise<Array<Record<string, unknown>>> {
    const rows = await q.query(
      `SELECT name, description, is_active AS "isActive", is_settleable AS "isSettleable", created_at AS "createdDate"
       FROM ledger_account_type WHERE name <> $1 ORDER BY name`,
      [CLEARING],
    );
    return rows.rows;
  }

  requireParticipant(name: string): Participant {
    const participant = this.byName.get(name);
    if (!participant) {
      throw new DomainError('PARTICIPANT_NOT_FOUND', 'The requested resource could not be found.');
    }
    return participant;
  }
}
