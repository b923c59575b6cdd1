/**
 * A bank pays across currencies (docs/fx.md "Banks", docs/iso20022-mapping.md "FX: banks"). The bank's pacs.008 says
 * what it settles at the hub in its own currency (`IntrBkSttlmAmt`, the source) and what the payee gets in the other
 * (`InstdAmt`, the target); "0" leaves a side open for the FXP to fill. The hub, acting for the bank as it does for the
 * agreement of a single-currency payment:
 *   1. asks an FXP (the first the FXP discovery rule names for the pair) for the conversion, as an fxQuote the hub
 *      authors for the bank: SEND when the bank fixed its source amount, RECEIVE when it fixed only the target;
 *   2. checks the FXP's terms against the bank's: every amount the bank stated, and its rate when it gave one, exactly
 *      (never adjusted: refused with the reason);
 *   3. agrees the target amount with the payee (the bank bridge's quote);
 *   4. prepares the conversion (an fxTransfer on the bank's source position, the FXP's condition) and, once the FXP
 *      fulfilled it, the dependent transfer to the payee, which commits or aborts with it.
 * No rate is ever computed: the hub compares the FXP's amounts with the bank's and writes their ratio only when exact.
 */
import { bankInbound } from './bank-inbound.js';
import type { Logger } from 'pino';
import { formatAmount, type Amount, type IsoUnits } from '../../../schemas/amount.js';
import { exactRate, rateIsExactly } from '../../../schemas/iso/exchange-rate.js';
import type { FxAmountType, FxQuoteRequest, FxQuoteResponse } from '../../../schemas/iso/fx-quotes.js';
import type { Pacs002 } from '../../../schemas/iso/pacs002.js';
import type { Pacs008FromXml } from '../../../schemas/iso/pacs008.js';
import type { Pacs009 } from '../../../schemas/iso/pacs009.js';
import { DomainError, isDomainError, type Reason } from '../../../schemas/outcomes.js';
import type { Db } from '../../../ledger/db.js';
import { fromLedger, ledgerText, parseLedger, toLedger } from '../../../ledger/units.js';
import type { Bus } from '../../bus/bus.js';
import type { InboundMessage } from '../outbox.js';
import { newMessageId } from '../status.js';
import { fxTopics } from '../topics.js';
import type { BridgeWording } from './ports.js';

/** The two sides of a bank's cross-currency instruction, as it stated them (undefined units: left open). */
export interface BankConversionAsk {
  source: { currency: string; units?: IsoUnits };
  target: { currency: string; units?: IsoUnits };
  rate?: string;
}

/** A cross-currency instruction: `InstdAmt` in another currency than `IntrBkSttlmAmt`. */
export function conversionAskOf(message: Pacs008FromXml): BankConversionAsk | undefined {
  const tx = message.CdtTrfTxInf;
  if (!tx.InstdAmt || tx.InstdAmt.currency === tx.IntrBkSttlmAmt.currency) return undefined;
  const side = (a: Amount) => ({ currency: a.currency, ...(a.units > 0n ? { units: a.units } : {}) });
  return { source: side(tx.IntrBkSttlmAmt), target: side(tx.InstdAmt), ...(tx.XchgRate !== undefined ? { rate: tx.XchgRate } : {}) };
}

/** What the bridge does for a converting payment (BankBridge, which owns the payment's record). */
export interface ConvertingPayments {
  /** Step 3: the payee's terms for `amount` (the target), as for a single-currency payment. */
  requestPayeeTerms(paymentId: string, amount: Amount): Promise<void>;
  /** Step 4, second half: the dependent transfer, on the payee's terms. */
  startDependentTransfer(
    paymentId: string,
    amounts: { source: Amount; target: Amount; rate?: string },
    terms: { ilpPacket: string; condition: string },
    expiresAt: string,
  ): Promise<void>;
  /** The payment ends before any transfer: pacs.002 RJCT to the bank (nothing when it already moved on). */
  rejectPayment(paymentId: string, bank: string, reason: Reason): Promise<void>;
}

/** The FX agreement service as the bridge uses it: the hub's own fxQuote, for the bank. */
export interface FxQuoteRequests {
  request(message: FxQuoteRequest, inbound: InboundMessage): Promise<void>;
}

/** The FXPs of a currency pair (switch/core/discovery/fxp.ts). */
export interface FxpFinder {
  providers(query: { sourceCurrency: string; targetCurrency: string }, except?: string): string[];
}

interface ConversionRow {
  payment_id: string;
  bank: string;
  fxp: string;
  conversion_request_id: string;
  commit_request_id: string | null;
  amount_type: FxAmountType;
  source_currency: string;
  target_currency: string;
  bank_source_amount: string | null;
  bank_target_amount: string | null;
  bank_rate: string | null;
  source_amount: string | null;
  target_amount: string | null;
  fx_condition: string | null;
  fx_expiration: Date | null;
  ilp_packet: string | null;
  condition: string | null;
  transfer_expiration: Date | null;
  state: 'FX_QUOTING' | 'PAYEE_QUOTING' | 'CONVERTING' | 'TRANSFERRING' | 'REJECTED';
}

const amountOf = (currency: string, text: string): Amount => ({ currency, units: fromLedger(parseLedger(text)) });
const stated = (amount: Amount) => `${formatAmount(amount)} ${amount.currency}`;

export class BankConversions {
  private payments?: ConvertingPayments;

  constructor(
    private readonly db: Db,
    private readonly fxQuotes: FxQuoteRequests,
    private readonly fxps: FxpFinder,
    private readonly bus: Bus,
    private readonly wording: BridgeWording,
    private readonly log: Logger,
  ) {}

  usePayments(payments: ConvertingPayments): void {
    this.payments = payments;
  }

  /**
   * Step 1, for payment `paymentId` (recorded, its payee resolved): the instruction checked, the FXP chosen and asked.
   * Throws the refusal (the bridge rejects the payment with it).
   */
  async begin(paymentId: string, transferId: string, bank: string, ask: BankConversionAsk, expiresAt: string, hash: string): Promise<void> {
    const { source, target } = ask;
    const amountType: FxAmountType | undefined = source.units !== undefined ? 'SEND' : target.units !== undefined ? 'RECEIVE' : undefined;
    if (!amountType) {
      throw new DomainError(
        'FX_INSTRUCTION_INCONSISTENT',
        `neither IntrBkSttlmAmt (${source.currency}) nor InstdAmt (${target.currency}) fixes an amount: both are 0`,
      );
    }
    if (ask.rate !== undefined && source.units !== undefined && target.units !== undefined) {
      if (!rateIsExactly(ask.rate, { currency: target.currency, units: target.units }, { currency: source.currency, units: source.units })) {
        throw new DomainError(
          'FX_INSTRUCTION_INCONSISTENT',
          `XchgRate ${ask.rate} is not IntrBkSttlmAmt ${formatAmount({ currency: source.currency, units: source.units })} / InstdAmt ${formatAmount({ currency: target.currency, units: target.units })}`,
        );
      }
    }
    const ledger = (units: IsoUnits | undefined, what: string) => {
      if (units === undefined) return null;
      try {
        return ledgerText(toLedger(units));
      } catch {
        throw new DomainError('AMOUNT_TOO_PRECISE_FOR_LEDGER', `${what} has more decimals than the ledger holds`);
      }
    };
    const fxp = this.fxps.providers({ sourceCurrency: source.currency, targetCurrency: target.currency }, bank)[0];
    if (!fxp) throw new DomainError('FXP_NOT_FOUND', `no FXP offers currency conversion from ${source.currency} to ${target.currency}`);
    const id = newMessageId();
    await this.db.query(
      `INSERT INTO bridge_conversion (payment_id, bank, fxp, conversion_request_id, amount_type, source_currency, target_currency,
         bank_source_amount, bank_target_amount, bank_rate, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'FX_QUOTING')`,
      [
        paymentId,
        bank,
        fxp,
        id,
        amountType,
        source.currency,
        target.currency,
        ledger(source.units, 'IntrBkSttlmAmt'),
        ledger(target.units, 'InstdAmt'),
        ask.rate ?? null,
      ],
    );
    // SEND fixes the source: a target the bank also stated is checked against the FXP's answer (step 2).
    const request: FxQuoteRequest = {
      GrpHdr: { MsgId: id, CreDtTm: new Date().toISOString(), PmtInstrXpryDtTm: expiresAt },
      CdtTrfTxInf: {
        PmtId: { TxId: id, InstrId: newMessageId(), EndToEndId: transferId },
        Dbtr: { FinInstnId: { Othr: { Id: bank } } },
        Cdtr: { FinInstnId: { Othr: { Id: fxp } } },
        InstrForCdtrAgt: { InstrInf: amountType },
        UndrlygCstmrCdtTrf: { InstdAmt: amountType === 'SEND' ? source : { currency: source.currency } },
        IntrBkSttlmAmt: amountType === 'RECEIVE' ? target : { currency: target.currency },
      },
    } as FxQuoteRequest;
    this.log.info({ transferId: paymentId, bank, fxp, conversionRequestId: id, amountType }, 'bank conversion asked of an FXP');
    await this.fxQuotes.request(request, bankInbound(bank, fxp, `${hash}:fx`));
  }

  /** Step 2: the FXP's answer to the hub's fxQuote for a bank (or its error, or the hub's refusal of either). */
  async fxQuoteAnswered(conversionRequestId: string, answer: { response?: FxQuoteResponse; error?: Pacs002; refusal?: Reason }): Promise<void> {
    const row = await this.one('conversion_request_id', conversionRequestId);
    if (!row || row.state !== 'FX_QUOTING') return;
    const refusal: Reason | undefined = answer.refusal ?? (answer.error ? this.wording.givenReasonForBank(answer.error.TxInfAndSts.StsRsnInf) : undefined);
    if (refusal) return this.fail(row, refusal);
    const tx = answer.response!.CdtTrfTxInf;
    const source = tx.UndrlygCstmrCdtTrf.InstdAmt as Amount;
    const target = tx.IntrBkSttlmAmt as Amount;
    const differs = this.differences(row, source, target);
    if (differs) return this.fail(row, new DomainError('FX_TERMS_DIFFER_FROM_INSTRUCTION', differs));
    const moved = await this.db.query(
      `UPDATE bridge_conversion SET state = 'PAYEE_QUOTING', source_amount = $2, target_amount = $3, fx_condition = $4, fx_expiration = $5, changed_at = now()
       WHERE payment_id = $1 AND state = 'FX_QUOTING'`,
      [
        row.payment_id,
        ledgerText(toLedger(source.units)),
        ledgerText(toLedger(target.units)),
        tx.VrfctnOfTerms?.Sh256Sgntr ?? null,
        answer.response!.GrpHdr.PmtInstrXpryDtTm,
      ],
    );
    if (moved.rowCount === 0) return;
    this.log.info({ transferId: row.payment_id, fxp: row.fxp, source: stated(source), target: stated(target) }, "bank conversion: the FXP's terms hold");
    await this.payments!.requestPayeeTerms(row.payment_id, target);
  }

  /** What the FXP's amounts change of what the bank stated; undefined when they are the bank's. */
  private differences(row: ConversionRow, source: Amount, target: Amount): string | undefined {
    const given = (text: string | null, currency: string) => (text === null ? undefined : amountOf(currency, text));
    const bankSource = given(row.bank_source_amount, row.source_currency);
    const bankTarget = given(row.bank_target_amount, row.target_currency);
    if (bankSource && bankSource.units !== source.units) {
      return `the FXP's source amount ${stated(source)} is not the instructed IntrBkSttlmAmt ${stated(bankSource)}`;
    }
    if (bankTarget && bankTarget.units !== target.units) {
      return `the FXP's target amount ${stated(target)} for ${stated(source)} is not the instructed InstdAmt ${stated(bankTarget)}`;
    }
    // The bank's rate converts InstdAmt (target) into IntrBkSttlmAmt (source).
    if (row.bank_rate !== null && !rateIsExactly(row.bank_rate, target, source)) {
      return `the instructed XchgRate ${row.bank_rate} is not the FXP's: ${stated(source)} for ${stated(target)}`;
    }
    return undefined;
  }

  /**
   * Step 4, first half: the payee agreed the target amount (its terms checked by the bridge): the conversion is
   * prepared on the bank's source position, on the FXP's condition; the payee's terms wait for its fulfilment.
   */
  async convert(paymentId: string, terms: { ilpPacket: string; condition: string }, expiresAt: string, transferId: string, hash: string): Promise<void> {
    const row = await this.one('payment_id', paymentId);
    if (!row || row.state !== 'PAYEE_QUOTING') return;
    const commitRequestId = newMessageId();
    const fxExpiry = Math.min(row.fx_expiration!.getTime(), Date.parse(expiresAt));
    const moved = await this.db.query(
      `UPDATE bridge_conversion SET state = 'CONVERTING', commit_request_id = $2, ilp_packet = $3, condition = $4, transfer_expiration = $5, changed_at = now()
       WHERE payment_id = $1 AND state = 'PAYEE_QUOTING'`,
      [paymentId, commitRequestId, terms.ilpPacket, terms.condition, expiresAt],
    );
    if (moved.rowCount === 0) return;
    const message: Pacs009 = {
      GrpHdr: {
        MsgId: commitRequestId,
        CreDtTm: new Date().toISOString(),
        NbOfTxs: '1',
        SttlmInf: { SttlmMtd: 'CLRG' },
        PmtInstrXpryDtTm: new Date(fxExpiry).toISOString(),
      },
      CdtTrfTxInf: {
        PmtId: { TxId: commitRequestId, EndToEndId: transferId },
        IntrBkSttlmAmt: amountOf(row.target_currency, row.target_amount!),
        UndrlygCstmrCdtTrf: { InstdAmt: amountOf(row.source_currency, row.source_amount!) },
        Dbtr: { FinInstnId: { Othr: { Id: row.bank } } },
        Cdtr: { FinInstnId: { Othr: { Id: row.fxp } } },
        VrfctnOfTerms: { Sh256Sgntr: row.fx_condition ?? '' },
        InstrForCdtrAgt: { InstrInf: row.amount_type },
      },
    };
    this.log.info({ transferId: paymentId, commitRequestId, fxp: row.fxp }, 'bank conversion prepared');
    // Through the one door, keyed by the initiating FSP (the bank), as an FSP's POST /fxTransfers is.
    await this.bus.request(fxTopics.prepare, row.bank, { message, inbound: bankInbound(row.bank, row.fxp, `${hash}:fx-prepare`) });
  }

  /** The FXP fulfilled the conversion (it waits for its dependent transfer): the transfer to the payee starts. */
  async converted(commitRequestId: string): Promise<void> {
    const row = await this.one('commit_request_id', commitRequestId);
    if (!row || row.state !== 'CONVERTING') return;
    const moved = await this.db.query(
      `UPDATE bridge_conversion SET state = 'TRANSFERRING', changed_at = now() WHERE payment_id = $1 AND state = 'CONVERTING'`,
      [row.payment_id],
    );
    if (moved.rowCount === 0) return;
    const source = amountOf(row.source_currency, row.source_amount!);
    const target = amountOf(row.target_currency, row.target_amount!);
    const rate = exactRate(source, target);
    await this.payments!.startDependentTransfer(
      row.payment_id,
      { source, target, ...(rate !== undefined ? { rate } : {}) },
      { ilpPacket: row.ilp_packet!, condition: row.condition! },
      row.transfer_expiration!.toISOString(),
    );
  }

  /** The conversion failed before its dependent transfer started (refused, FXP error, expiry): the bank is told why. */
  async conversionFailed(commitRequestId: string, reason: Reason): Promise<void> {
    const row = await this.one('commit_request_id', commitRequestId);
    if (!row || row.state !== 'CONVERTING') return;
    await this.fail(row, isDomainError(reason) ? reason : this.wording.givenReasonForBank(reason));
  }

  /** Whether the payment converts (its payee terms start a conversion, not the transfer). */
  async converting(paymentId: string): Promise<boolean> {
    return (await this.one('payment_id', paymentId))?.state === 'PAYEE_QUOTING';
  }

  private async fail(row: ConversionRow, reason: Reason): Promise<void> {
    const moved = await this.db.query(
      `UPDATE bridge_conversion SET state = 'REJECTED', changed_at = now() WHERE payment_id = $1 AND state NOT IN ('TRANSFERRING', 'REJECTED')`,
      [row.payment_id],
    );
    if (moved.rowCount === 0) return;
    await this.payments!.rejectPayment(row.payment_id, row.bank, reason);
  }

  private async one(column: 'payment_id' | 'conversion_request_id' | 'commit_request_id', value: string): Promise<ConversionRow | undefined> {
    const rows = await this.db.query<ConversionRow>(
      `SELECT payment_id, bank, fxp, conversion_request_id, commit_request_id, amount_type, source_currency, target_currency,
         bank_source_amount::text AS bank_source_amount, bank_target_amount::text AS bank_target_amount, bank_rate,
         source_amount::text AS source_amount, target_amount::text AS target_amount, fx_condition, fx_expiration, ilp_packet, condition,
         transfer_expiration, state
       FROM bridge_conversion WHERE ${column} = $1`,
      [value],
    );
    return rows.rows[0];
  }
}
