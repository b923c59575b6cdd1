/**
 * Interchange fees (docs/interchange-fees.md, settlement.md §5): declarative rules set through the Admin API, held in
 * memory for the prepare and written through to PostgreSQL (migration 009), like the registry.
 *
 * A rule matches a transfer on its currency and, optionally, on what the payer agreed in the transaction object of the
 * ILP packet: the transaction type (scenario, initiator, initiatorType) and each party's `accountType` extension. Its
 * fee is a rate in basis points (at most 2 decimals: integral parts per million) or a fixed amount; a percentage is
 * rounded half-even to the currency's minor unit. One DFSP of the transfer pays it to the other (`paidBy`).
 *
 * At most one rule applies to a transfer: the most specific one that matches. Creating or activating a rule that
 * could match some transfer together with an active rule of the same currency is refused unless one of the two is at
 * least as specific as the other on every field (the other's constraints are a subset of its own), so the rules a
 * transfer matches always form a chain and the most specific is unique. With no active rule in a currency the
 * prepare pays one map lookup.
 *
 * The fee is decided at prepare (the terms in force when the payer committed to the transfer) and booked at commit:
 * the paying DFSP's INTERCHANGE_FEE account grows by the fee, the receiving DFSP's shrinks by it (positions' sign
 * convention: positive = owes), and the open window gets the flow, so the window holds (INTERCHANGE_FEE, currency)
 * content that a deferred net model with that ledger account type settles.
 */
import { changeAndNotify, LocalWrites } from './changes.js';
import { currencyDecimals } from '../schemas/currency.js';
import { DomainError } from '../schemas/outcomes.js';
import type { Db, Queryable } from './db.js';
import type { Account, Registry } from './registry.js';
import { LEDGER_SCALE, ledgerText, ledgerUnits, parseLedger, type LedgerUnits } from './units.js';

export const INTERCHANGE_FEE = 'INTERCHANGE_FEE';

/** What a transfer can be matched on, as the payer agreed it (switch/security/ilp.ts `transactionFacts`). */
export interface TransactionFacts {
  scenario?: string;
  initiator?: string;
  initiatorType?: string;
  /** The payer party's `partyIdInfo.extensionList` value of key `accountType` (e.g. `Wallet`). */
  payerAccountType?: string;
  payeeAccountType?: string;
}

export const MATCH_FIELDS = ['scenario', 'initiator', 'initiatorType', 'payerAccountType', 'payeeAccountType'] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];
/** A rule's constraints: a field absent matches anything; a field present matches that exact value only. */
export type FeeMatch = Partial<Record<MatchField, string>>;

/** A percentage in parts per million of the amount (1 basis point = 100), or a fixed amount. */
export type FeeAmount = { kind: 'rate'; ppm: bigint } | { kind: 'fixed'; amount: LedgerUnits };
export type FeePayer = 'PAYER_FSP' | 'PAYEE_FSP';

export interface FeeRule {
  id: number;
  name: string;
  currency: string;
  match: FeeMatch;
  fee: FeeAmount;
  paidBy: FeePayer;
  isActive: boolean;
  createdAt: Date;
  changedAt: Date;
}

export type NewFeeRule = Omit<FeeRule, 'id' | 'isActive' | 'createdAt' | 'changedAt'>;

/** A fee decided for a transfer: `from` (an INTERCHANGE_FEE account) pays `amount` to `to`. */
export interface FeeCharge {
  ruleId: number;
  amount: LedgerUnits;
  from: Account;
  to: Account;
}

/** What the prepare is told: nothing applies, a charge, or a rule matched but cannot be booked (and why). */
export type FeeDecision = { kind: 'charge'; charge: FeeCharge } | { kind: 'skipped'; ruleId: number; reason: string } | undefined;

/** The most basis points a rate may be (100 %). */
export const BASIS_POINTS_MAX = 10_000n;
const PPM_PER_BASIS_POINT = 100n;
const MILLION = 1_000_000n;

// ------------------------------------------------------------------------------------------------ arithmetic

/**
 * numerator / denominator rounded to the nearest integer, a tie to the even one (banker's rounding). Exact on bigints
 * of any size; `denominator` must be positive.
 */
export function roundHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError(`roundHalfEven: denominator ${denominator} is not positive`);
  let quotient = numerator / denominator; // truncated toward zero
  let remainder = numerator % denominator; // same sign as the numerator
  if (remainder < 0n) {
    quotient -= 1n;
    remainder += denominator;
  }
  const twice = 2n * remainder;
  if (twice > denominator || (twice === denominator && quotient % 2n !== 0n)) quotient += 1n;
  return quotient;
}

/** Ledger units in one minor unit of the currency (1 for a currency with 4 decimals, 100 for 2, 10^4 for 0). */
export function minorUnitStep(currency: string): bigint {
  const decimals = currencyDecimals(currency);
  if (decimals === undefined || decimals > LEDGER_SCALE) throw new RangeError(`currency ${currency} has no minor unit the ledger can hold`);
  return 10n ** BigInt(LEDGER_SCALE - decimals);
}

/** amount × ppm / 10^6, rounded half-even to the currency's minor unit. */
export function percentageFee(amount: LedgerUnits, ppm: bigint, currency: string): LedgerUnits {
  const step = minorUnitStep(currency);
  return ledgerUnits(roundHalfEven(amount * ppm, MILLION * step) * step);
}

/** The fee of `rule` for a transfer of `amount` (zero when a percentage rounds to nothing). */
export function feeOf(rule: Pick<FeeRule, 'fee' | 'currency'>, amount: LedgerUnits): LedgerUnits {
  return rule.fee.kind === 'fixed' ? rule.fee.amount : percentageFee(amount, rule.fee.ppm, rule.currency);
}

/** Basis points as decimal text ("60", "12.5") -> parts per million; undefined beyond 2 decimals or 100 %. */
export function ppmOfBasisPoints(text: string): bigint | undefined {
  const m = /^(\d{1,5})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) return undefined;
  const ppm = BigInt(m[1]!) * PPM_PER_BASIS_POINT + BigInt((m[2] ?? '').padEnd(2, '0'));
  return ppm > 0n && ppm <= BASIS_POINTS_MAX * PPM_PER_BASIS_POINT ? ppm : undefined;
}

/** Parts per million -> basis points as the shortest decimal text. */
export function basisPointsText(ppm: bigint): string {
  const whole = ppm / PPM_PER_BASIS_POINT;
  const fraction = (ppm % PPM_PER_BASIS_POINT).toString().padStart(2, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

// ------------------------------------------------------------------------------------------------ matching

export function ruleMatches(match: FeeMatch, facts: TransactionFacts): boolean {
  for (const field of MATCH_FIELDS) {
    const wanted = match[field];
    if (wanted !== undefined && facts[field] !== wanted) return false;
  }
  return true;
}

/** How many fields the rule constrains. */
export function specificity(match: FeeMatch): number {
  let n = 0;
  for (const field of MATCH_FIELDS) if (match[field] !== undefined) n++;
  return n;
}

/** Some transfer could match both: no field is constrained to two different values. */
export function overlaps(a: FeeMatch, b: FeeMatch): boolean {
  return MATCH_FIELDS.every((f) => a[f] === undefined || b[f] === undefined || a[f] === b[f]);
}

/** `a` is at least as specific as `b`: every constraint of `b` is one of `a`'s (so whatever matches `a` matches `b`). */
export function refines(a: FeeMatch, b: FeeMatch): boolean {
  return MATCH_FIELDS.every((f) => b[f] === undefined || a[f] === b[f]);
}

/**
 * The active rule `candidate` may not stand beside (same currency; overlapping; neither refining the other, or both:
 * the same constraints), if any.
 */
export function conflictingRule<R extends { match: FeeMatch }>(active: readonly R[], candidate: FeeMatch): R | undefined {
  return active.find((r) => overlaps(r.match, candidate) && refines(r.match, candidate) === refines(candidate, r.match));
}

/** Rules in the order they are tried: the most specific first (ties by id); with no conflicts the first match is the most specific. */
export function orderRules<R extends { id: number; match: FeeMatch }>(rules: readonly R[]): R[] {
  return [...rules].sort((a, b) => specificity(b.match) - specificity(a.match) || a.id - b.id);
}

/** The rule that applies to a transfer with these facts: the first of `ordered` that matches. */
export function chooseRule<R extends { match: FeeMatch }>(ordered: readonly R[], facts: TransactionFacts): R | undefined {
  for (const rule of ordered) if (ruleMatches(rule.match, facts)) return rule;
  return undefined;
}

// ------------------------------------------------------------------------------------------------ the store

interface RuleRow {
  id: number;
  name: string;
  currency: string;
  scenario: string | null;
  initiator: string | null;
  initiator_type: string | null;
  payer_account_type: string | null;
  payee_account_type: string | null;
  basis_points: string | null;
  fixed_amount: string | null;
  paid_by: FeePayer;
  is_active: boolean;
  created_at: Date;
  changed_at: Date;
}

const RULE_COLUMNS = `id, name, currency, scenario, initiator, initiator_type, payer_account_type, payee_account_type,
  basis_points::text AS basis_points, fixed_amount::text AS fixed_amount, paid_by, is_active, created_at, changed_at`;

function toRule(row: RuleRow): FeeRule {
  const match: FeeMatch = {};
  const columns: Record<MatchField, string | null> = {
    scenario: row.scenario,
    initiator: row.initiator,
    initiatorType: row.initiator_type,
    payerAccountType: row.payer_account_type,
    payeeAccountType: row.payee_account_type,
  };
  for (const field of MATCH_FIELDS) if (columns[field] !== null) match[field] = columns[field];
  const fee: FeeAmount =
    row.basis_points !== null ? { kind: 'rate', ppm: ppmOfBasisPoints(row.basis_points)! } : { kind: 'fixed', amount: parseLedger(row.fixed_amount!) };
  return {
    id: row.id,
    name: row.name,
    currency: row.currency,
    match,
    fee,
    paidBy: row.paid_by,
    isActive: row.is_active,
    createdAt: row.created_at,
    changedAt: row.changed_at,
  };
}

/** Transaction advisory lock taken by every change of the fee rules (checkAgainstDatabase). */
export const FEE_RULE_CHANGE_LOCK = 7343213;

export class InterchangeFees {
  private readonly byId = new Map<number, FeeRule>();
  /** Active rules per currency, most specific first; a currency without active rules has no entry. */
  private readonly active = new Map<string, FeeRule[]>();
  /** Changes one at a time: each checks names and overlaps against what the previous one left. */
  private changes: Promise<unknown> = Promise.resolve();
  private readonly local = new LocalWrites();

  private constructor(
    private readonly db: Db,
    private readonly registry: Registry,
  ) {}

  static async load(db: Db, registry: Registry): Promise<InterchangeFees> {
    const fees = new InterchangeFees(db, registry);
    await fees.reload();
    return fees;
  }

  /** Reads every rule (at start, and on a change another hub process made: ledger/changes.ts); swapped in at once. */
  async reload(): Promise<void> {
    await this.local.reload(
      () => this.db.query<RuleRow>(`SELECT ${RULE_COLUMNS} FROM interchange_fee_rule`),
      (rows) => {
        this.byId.clear();
        for (const row of rows.rows) this.byId.set(row.id, toRule(row));
        this.index();
      },
    );
  }

  private index(): void {
    this.active.clear();
    const byCurrency = new Map<string, FeeRule[]>();
    for (const rule of this.byId.values()) {
      if (!rule.isActive) continue;
      const list = byCurrency.get(rule.currency) ?? [];
      list.push(rule);
      byCurrency.set(rule.currency, list);
    }
    for (const [currency, rules] of byCurrency) this.active.set(currency, orderRules(rules));
  }

  // ---- the prepare (hot path: no I/O, one map lookup when the currency has no rule) ----

  /** Whether any active rule is in this currency. */
  applies(currency: string): boolean {
    return this.active.has(currency);
  }

  /**
   * The fee of a transfer payer → payee: none when no active rule matches, when the DFSPs are the same (an on-us
   * transfer owes itself nothing) or when a percentage rounds to zero; skipped (with the reason) when either DFSP has
   * no INTERCHANGE_FEE account in the currency.
   */
  decide(payer: string, payee: string, currency: string, amount: LedgerUnits, facts: TransactionFacts): FeeDecision {
    const rules = this.active.get(currency);
    if (!rules || payer === payee) return undefined;
    const rule = chooseRule(rules, facts);
    if (!rule) return undefined;
    const fee = feeOf(rule, amount);
    if (fee <= 0n) return undefined;
    const [fromName, toName] = rule.paidBy === 'PAYER_FSP' ? [payer, payee] : [payee, payer];
    const from = this.registry.accountOf(fromName, currency, INTERCHANGE_FEE);
    const to = this.registry.accountOf(toName, currency, INTERCHANGE_FEE);
    if (!from || !to) return { kind: 'skipped', ruleId: rule.id, reason: `${from ? toName : fromName} has no ${INTERCHANGE_FEE} account in ${currency}` };
    return { kind: 'charge', charge: { ruleId: rule.id, amount: fee, from, to } };
  }

  // ---- the Admin API ----

  rule(id: number): FeeRule | undefined {
    return this.byId.get(id);
  }

  rules(filter: { currency?: string; isActive?: boolean } = {}): FeeRule[] {
    return [...this.byId.values()]
      .filter((r) => (filter.currency === undefined || r.currency === filter.currency) && (filter.isActive === undefined || r.isActive === filter.isActive))
      .sort((a, b) => a.id - b.id);
  }

  /**
   * A new active rule. Refused when its name is taken, when it conflicts with an active rule of its currency, or
   * when no active deferred net settlement model settles INTERCHANGE_FEE in its currency (a fee nobody could
   * settle). Every participant holding a POSITION account in the currency gets an INTERCHANGE_FEE account first.
   */
  create(rule: NewFeeRule): Promise<FeeRule> {
    return this.serialised(() => this.insert(rule));
  }

  private async insert(rule: NewFeeRule): Promise<FeeRule> {
    this.checkSettleable(rule.currency);
    await this.registry.createMissingAccounts(rule.currency, INTERCHANGE_FEE);
    const m = rule.match;
    const row = await changeAndNotify(this.db, 'fees', async (tx) => {
      await this.checkAgainstDatabase(tx, rule.currency, rule.match, rule.name);
      return tx.query<RuleRow>(
        `INSERT INTO interchange_fee_rule (name, currency, scenario, initiator, initiator_type, payer_account_type, payee_account_type,
         basis_points, fixed_amount, paid_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${RULE_COLUMNS}`,
        [
          rule.name,
          rule.currency,
          m.scenario ?? null,
          m.initiator ?? null,
          m.initiatorType ?? null,
          m.payerAccountType ?? null,
          m.payeeAccountType ?? null,
          rule.fee.kind === 'rate' ? basisPointsText(rule.fee.ppm) : null,
          rule.fee.kind === 'fixed' ? ledgerText(rule.fee.amount) : null,
          rule.paidBy,
        ],
      );
    });
    const created = toRule(row.rows[0]!);
    this.byId.set(created.id, created);
    this.index();
    this.local.wrote();
    return created;
  }

  /** Deactivates (or activates again, with the checks of a new rule) a rule. A fee already decided stays decided. */
  setActive(id: number, isActive: boolean): Promise<FeeRule> {
    return this.serialised(() => this.activate(id, isActive));
  }

  private async activate(id: number, isActive: boolean): Promise<FeeRule> {
    const rule = this.byId.get(id);
    if (!rule) throw new DomainError('INTERCHANGE_FEE_RULE_NOT_FOUND', `Interchange fee rule ${id} not found`);
    if (rule.isActive === isActive) return rule;
    if (isActive) {
      this.checkSettleable(rule.currency);
      await this.registry.createMissingAccounts(rule.currency, INTERCHANGE_FEE);
    }
    const row = await changeAndNotify(this.db, 'fees', async (tx) => {
      if (isActive) await this.checkAgainstDatabase(tx, rule.currency, rule.match);
      return tx.query<{ changed_at: Date }>('UPDATE interchange_fee_rule SET is_active = $2, changed_at = now() WHERE id = $1 RETURNING changed_at', [
        id,
        isActive,
      ]);
    });
    // The rule as memory holds it now: a reload may have replaced it meanwhile.
    const current = this.byId.get(id) ?? rule;
    current.isActive = isActive;
    current.changedAt = row.rows[0]!.changed_at;
    this.index();
    this.local.wrote();
    return current;
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.changes.then(work, work);
    this.changes = run.catch(() => undefined);
    return run;
  }

  private checkSettleable(currency: string): void {
    const model = this.registry.modelFor(currency, INTERCHANGE_FEE);
    if (!model || model.settlementDelay !== 'DEFERRED' || model.settlementGranularity !== 'NET') {
      throw new DomainError(
        'INTERCHANGE_FEE_MODEL_MISSING',
        `No active deferred net settlement model settles ${INTERCHANGE_FEE} in ${currency}: create one before its fee rules`,
      );
    }
  }

  /**
   * The name and overlap checks, made in the change's own transaction against the rules in the database, under a lock
   * that every rule change takes: two hub nodes' Admin APIs may take changes at the same instant, and each node's
   * memory learns the other's only by a notice after it commits.
   */
  private async checkAgainstDatabase(tx: Queryable, currency: string, match: FeeMatch, newName?: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [FEE_RULE_CHANGE_LOCK]);
    if (newName !== undefined) {
      const taken = await tx.query('SELECT 1 FROM interchange_fee_rule WHERE name = $1', [newName]);
      if (taken.rows.length > 0) throw new DomainError('INTERCHANGE_FEE_RULE_EXISTS', `Interchange fee rule ${newName} already exists`);
    }
    const active = await tx.query<RuleRow>(`SELECT ${RULE_COLUMNS} FROM interchange_fee_rule WHERE currency = $1 AND is_active`, [currency]);
    const clash = conflictingRule(active.rows.map(toRule), match);
    if (clash) {
      throw new DomainError(
        'INTERCHANGE_FEE_RULE_OVERLAPS',
        `The rule overlaps active ${currency} rule ${clash.name}: some transfers match both, neither is more specific`,
      );
    }
  }
}
