/**
 * What the hub checks of a bulk quote (docs/bulk.md "Bulk quotes"): the bulk as a quote is checked (destination,
 * payer's currencies, expiry), then each individual quote as a quote would be, plus what a bulk adds (a quote id once
 * per bulk, an amount the ledger and the currency hold exactly, refused and never rounded). The first bad line refuses
 * the whole bulk, named by its position; the payee's answer is checked line by line the same way.
 */
import { currencyMisfit, formatAmount, type Amount } from '../../../schemas/amount.js';
import type { BulkQuoteRequest, BulkQuoteResponse } from '../../../schemas/iso/bulk-quotes.js';
import { DomainError } from '../../../schemas/outcomes.js';
import type { QuoteRequest } from '../../../schemas/iso/quotes.js';
import type { BulkQuoteLine, BulkQuoteLineAnswer } from '../../../ledger/bulk-quotes.js';
import type { Registry } from '../../../ledger/registry.js';
import { isCurrency } from '../../../schemas/currency.js';
import { LEDGER_MAX, ledgerText, toLedger } from '../../../ledger/units.js';
import { destinationRefusal } from './quotes.js';

/** An amount as the ledger's decimal text, or the outcome that says why the ledger cannot hold it exactly. */
export function ledgerAmountOf(amount: Amount): { text: string } | { refusal: DomainError } {
  const misfit = currencyMisfit(amount);
  if (misfit) return { refusal: new DomainError(isCurrency(amount.currency) ? 'AMOUNT_TOO_PRECISE_FOR_CURRENCY' : 'CURRENCY_UNSUPPORTED', misfit) };
  let units;
  try {
    units = toLedger(amount.units);
  } catch {
    return { refusal: new DomainError('AMOUNT_TOO_PRECISE_FOR_LEDGER', `amount ${formatAmount(amount)} has more decimals than the ledger holds`) };
  }
  if (units > LEDGER_MAX) return { refusal: new DomainError('AMOUNT_EXCEEDS_LEDGER', `amount ${formatAmount(amount)} exceeds what the ledger can hold`) };
  return { text: ledgerText(units) };
}

/** `refusal` again, its detail prefixed by the line it is about (`individualQuotes[3]: ...`); its quote id as data. */
function atLine(list: string, index: number, quoteId: string, refusal: DomainError): DomainError {
  return new DomainError(refusal.outcome, `${list}[${index}]: ${refusal.detail ?? refusal.outcome}`, { ...refusal.data, quoteId });
}

export class BulkQuoteChecks {
  constructor(private readonly registry: Registry) {}

  /** Why the hub refuses the whole bulk (the first reason found), or undefined. */
  requestRefusal(message: BulkQuoteRequest, payer: string, payee: string): DomainError | undefined {
    const refusal = destinationRefusal(this.registry, payee);
    if (refusal) return refusal;
    for (const supported of message.Quotes[0]?.CdtTrfTxInf.DbtrAcct?.Ccys ?? []) {
      if (!this.holds(payer, supported)) return new DomainError('QUOTE_PAYER_ACCOUNT_UNAVAILABLE', `${payer} has no active ${supported} account`);
    }
    const expiration = message.GrpHdr.PmtInstrXpryDtTm;
    if (expiration !== undefined && Date.parse(expiration) <= Date.now()) {
      return new DomainError('QUOTE_EXPIRED', `the bulk quote request expired at ${expiration}`);
    }
    const seen = new Map<string, number>();
    for (const [i, quote] of message.Quotes.entries()) {
      const id = quote.CdtTrfTxInf.PmtId.TxId;
      const line = this.lineRefusal(quote, payer, payee) ?? repeated(seen, id, 'individualQuotes');
      if (line) return atLine('individualQuotes', i, id, line);
      seen.set(id, i);
    }
    return undefined;
  }

  private lineRefusal(quote: QuoteRequest, payer: string, payee: string): DomainError | undefined {
    const amount = quote.CdtTrfTxInf.IntrBkSttlmAmt;
    if (!this.holds(payer, amount.currency)) return new DomainError('QUOTE_PAYER_ACCOUNT_UNAVAILABLE', `${payer} has no active ${amount.currency} account`);
    if (!this.holds(payee, amount.currency)) return new DomainError('QUOTE_PAYEE_ACCOUNT_UNAVAILABLE', `${payee} has no active ${amount.currency} account`);
    const ledger = ledgerAmountOf(amount);
    return 'refusal' in ledger ? ledger.refusal : undefined;
  }

  private holds(participant: string, currency: string): boolean {
    return this.registry.accountOf(participant, currency, 'POSITION')?.isActive === true;
  }
}

/** The id was seen before in the list (details stay short: the line's quote id travels as data). */
function repeated(seen: Map<string, number>, id: string, list: string): DomainError | undefined {
  const first = seen.get(id);
  return first === undefined ? undefined : new DomainError('QUOTE_ID_REPEATED_IN_BULK', `the quoteId of ${list}[${first}] again`);
}

/**
 * The payee's results, checked against the bulk's lines: each names an individual quote of this bulk, once, and its
 * transferAmount is one the ledger and the currency hold exactly. Returns what to record per line, or the refusal.
 */
export function checkResults(response: BulkQuoteResponse, lines: readonly BulkQuoteLine[]): { lines: BulkQuoteLineAnswer[] } | { refusal: DomainError } {
  const byQuote = new Map(lines.map((l) => [l.quoteId, l]));
  const seen = new Map<string, number>();
  const answers: BulkQuoteLineAnswer[] = [];
  for (const [i, result] of (response.Results ?? []).entries()) {
    const line = byQuote.get(result.QuoteId);
    const refusal = line
      ? repeated(seen, result.QuoteId, 'individualQuoteResults')
      : new DomainError('QUOTE_NOT_FOUND', 'no individual quote of this bulk has its quoteId');
    if (refusal) return { refusal: atLine('individualQuoteResults', i, result.QuoteId, refusal) };
    seen.set(result.QuoteId, i);
    const answer: BulkQuoteLineAnswer = { line: line!.line };
    if (result.Terms) {
      const amount = result.Terms.CdtTrfTxInf.IntrBkSttlmAmt;
      const ledger = ledgerAmountOf(amount);
      if ('refusal' in ledger) return { refusal: atLine('individualQuoteResults', i, result.QuoteId, ledger.refusal) };
      answer.transferAmount = ledger.text;
      answer.transferCurrency = amount.currency;
      answer.condition = result.Terms.CdtTrfTxInf.ExctnCond;
    }
    const reason = result.Error?.TxInfAndSts.StsRsnInf?.Rsn;
    if (reason) answer.errorCode = reason.Prtry ?? reason.Cd;
    answers.push(answer);
  }
  return { lines: answers };
}
