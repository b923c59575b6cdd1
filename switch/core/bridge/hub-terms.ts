/**
 * ILP terms the hub issues on a bank's behalf (docs/iso20022.md): a bank confirms a credit with a
 * signed pacs.002, not with an ILP fulfilment, so the hub makes the condition itself and holds its
 * preimage until the bank's confirmation lets it commit. The packet is a normal ILP v4 Prepare
 * carrying the transaction, so every check a payer or the hub applies to terms applies to these too.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { serializeIlpPrepare } from 'ilp-packet';
import { configure } from 'safe-stable-stringify';
import { toScaledInteger, type Amount } from '../../../schemas/amount.js';
import { currencyDecimals } from '../../../schemas/currency.js';
import type { Db } from '../../../ledger/db.js';

const sortedJson = configure({ deterministic: true }) as (value: unknown) => string;

export interface IssuedTerms {
  ilpPacket: string;
  condition: string;
}

export class HubTerms {
  private constructor(
    private readonly db: Db,
    private readonly secret: Buffer,
  ) {}

  /** Loads the hub's ILP secret, creating it once (random, kept in the database). */
  static async load(db: Db): Promise<HubTerms> {
    await db.query(`INSERT INTO hub_secret (name, value) VALUES ('ilp', $1) ON CONFLICT (name) DO NOTHING`, [randomBytes(32).toString('base64url')]);
    const row = await db.query<{ value: string }>(`SELECT value FROM hub_secret WHERE name = 'ilp'`);
    return new HubTerms(db, Buffer.from(row.rows[0]!.value, 'base64url'));
  }

  /**
   * Terms for `transaction` (the FSPIOP transaction object: quoteId, transactionId, payer, payee,
   * amount, ...): an ILP v4 packet over it, whose condition's preimage the hub keeps.
   */
  async issue(transaction: Record<string, unknown>, amount: Amount, expiresAt: string): Promise<IssuedTerms> {
    const [issued] = await this.issueAll([{ transaction, amount, expiresAt }]);
    return issued!;
  }

  /** Terms for several transactions (the lines of a bulk quote), their fulfilments held in one write. */
  async issueAll(items: ReadonlyArray<{ transaction: Record<string, unknown>; amount: Amount; expiresAt: string }>): Promise<IssuedTerms[]> {
    const made = items.map(({ transaction, amount, expiresAt }) => this.make(transaction, amount, expiresAt));
    await this.db.query(`INSERT INTO held_fulfilment (condition, fulfilment) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (condition) DO NOTHING`, [
      made.map((m) => m.condition),
      made.map((m) => m.fulfilment),
    ]);
    return made.map(({ ilpPacket, condition }) => ({ ilpPacket, condition }));
  }

  private make(transaction: Record<string, unknown>, amount: Amount, expiresAt: string): IssuedTerms & { fulfilment: string } {
    const data = Buffer.from(Buffer.from(sortedJson(transaction)).toString('base64url'), 'ascii');
    const fulfilment = createHmac('sha256', this.secret).update(data).digest();
    const condition = createHash('sha256').update(fulfilment).digest();
    const decimals = currencyDecimals(amount.currency) ?? 4;
    const packet = serializeIlpPrepare({
      amount: toScaledInteger(amount.units, decimals).toString(),
      executionCondition: condition,
      expiresAt: new Date(expiresAt),
      destination: 'g.mojaloop',
      data,
    });
    return { ilpPacket: packet.toString('base64url'), condition: condition.toString('base64url'), fulfilment: fulfilment.toString('base64url') };
  }

  /** The preimages the hub holds for those of `conditions` it issued, by condition (one look-up for a bulk's lines). */
  async fulfilmentsFor(conditions: readonly string[]): Promise<Map<string, string>> {
    if (conditions.length === 0) return new Map();
    const rows = await this.db.query<{ condition: string; fulfilment: string }>(
      'SELECT condition, fulfilment FROM held_fulfilment WHERE condition = ANY($1::text[])',
      [[...new Set(conditions)]],
    );
    return new Map(rows.rows.map((r) => [r.condition, r.fulfilment]));
  }

  /** The preimage the hub holds for `condition`, if the hub issued it. */
  async fulfilmentFor(condition: string): Promise<string | undefined> {
    const row = await this.db.query<{ fulfilment: string }>('SELECT fulfilment FROM held_fulfilment WHERE condition = $1', [condition]);
    return row.rows[0]?.fulfilment;
  }
}
