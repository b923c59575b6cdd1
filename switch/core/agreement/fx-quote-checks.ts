/**
 * What the hub checks of an FX quote (docs/fx.md "Agreement: fxQuotes and FXP discovery"). The rate is the FXP's: the
 * hub never computes or compares one. It checks who speaks, that the parties can hold the two currencies, that every
 * amount is exact in its currency and in the ledger (refused, never rounded), that the request fixes exactly the amount
 * its amountType says, and that the FXP's answer repeats the terms it was asked and holds together.
 */
import { isCurrency } from '../../../schemas/currency.js';
import type { Amount } from '../../../schemas/amount.js';
import {
  fxAmountText,
  fxInitiatorOf,
  fxProviderOf,
  fxSourceOf,
  fxTargetOf,
  type FxAmount,
  type FxQuoteResponse,
  type FxTerms,
} from '../../../schemas/iso/fx-quotes.js';
import { DomainError } from '../../../schemas/outcomes.js';
import type { FxQuoteRecord } from '../../../ledger/fx-quotes.js';
import type { Registry } from '../../../ledger/registry.js';
import { parseLedger, toLedger } from '../../../ledger/units.js';
import { ledgerAmountOf } from './bulk-quote-checks.js';
import { destinationRefusal } from './quotes.js';

/** The amount the request fixes by its amountType: SEND the source amount, RECEIVE the target amount. */
export function fixedSide(terms: FxTerms): 'source' | 'target' {
  return terms.CdtTrfTxInf.InstrForCdtrAgt.InstrInf === 'SEND' ? 'source' : 'target';
}

/** Ledger text of an amount that is exact in its currency and in the ledger, or the refusal that says why not. */
function exactAmount(amount: FxAmount, field: string): { text: string } | { refusal: DomainError } {
  if (amount.units === undefined) return { refusal: new DomainError('FX_TERMS_INCONSISTENT', `${field} has no amount`) };
  if (amount.units <= 0n) return { refusal: new DomainError('AMOUNT_NOT_POSITIVE', `${field} ${fxAmountText(amount)} is not positive`) };
  const ledger = ledgerAmountOf(amount as Amount);
  if ('refusal' in ledger) return { refusal: new DomainError(ledger.refusal.outcome, `${field}: ${ledger.refusal.detail ?? ''}`) };
  return ledger;
}

export class FxQuoteChecks {
  constructor(private readonly registry: Registry) {}

  /** Why the hub refuses a conversion request (the first reason found), or undefined. */
  requestRefusal(terms: FxTerms, source: string, destination: string): DomainError | undefined {
    const fxp = fxProviderOf(terms) ?? '';
    const initiating = fxInitiatorOf(terms) ?? '';
    if (initiating !== source) return new DomainError('FX_INITIATOR_IS_NOT_SOURCE', `initiatingFsp ${initiating} is not FSPIOP-Source ${source}`);
    if (fxp !== destination) return new DomainError('FX_PROVIDER_IS_NOT_DESTINATION', `counterPartyFsp ${fxp} is not FSPIOP-Destination ${destination}`);
    const refusal = destinationRefusal(this.registry, fxp);
    if (refusal) return refusal;
    const from = fxSourceOf(terms);
    const to = fxTargetOf(terms);
    for (const currency of [from.currency, to.currency]) {
      if (!isCurrency(currency)) return new DomainError('CURRENCY_UNSUPPORTED', `currency ${currency} is not supported`);
    }
    if (from.currency === to.currency) return new DomainError('FX_CURRENCIES_SAME', `source and target currency are both ${from.currency}`);
    const fixed = fixedSide(terms);
    const [given, open] = fixed === 'source' ? [from, to] : [to, from];
    const type = terms.CdtTrfTxInf.InstrForCdtrAgt.InstrInf;
    if (given.units === undefined) return new DomainError('FX_AMOUNT_TYPE_MISMATCH', `amountType ${type} fixes the ${fixed}Amount, which has no amount`);
    if (open.units !== undefined) {
      const other = fixed === 'source' ? 'target' : 'source';
      return new DomainError('FX_AMOUNT_TYPE_MISMATCH', `amountType ${type} fixes the ${fixed}Amount; the ${other}Amount is the FXP's to give`);
    }
    const exact = exactAmount(given, `${fixed}Amount`);
    if ('refusal' in exact) return exact.refusal;
    if (!this.holds(initiating, from.currency)) {
      return new DomainError('FX_INITIATOR_ACCOUNT_UNAVAILABLE', `${initiating} has no active ${from.currency} position account`);
    }
    for (const currency of [from.currency, to.currency]) {
      if (!this.holds(fxp, currency)) return new DomainError('FX_PROVIDER_ACCOUNT_UNAVAILABLE', `${fxp} has no active ${currency} position account`);
    }
    const expiration = terms.GrpHdr.PmtInstrXpryDtTm;
    if (Date.parse(expiration) <= Date.now()) return new DomainError('QUOTE_EXPIRED', `the conversion request expired at ${expiration}`);
    return undefined;
  }

  private holds(participant: string, currency: string): boolean {
    return this.registry.accountOf(participant, currency, 'POSITION')?.isActive === true;
  }
}

/**
 * The FXP's terms against the request's record: the same ids, FSPs, amount type, currencies and fixed amount
 * (FX_TERMS_CHANGED), and terms that hold together (FX_TERMS_INCONSISTENT and the amount outcomes). Returns the ledger
 * texts of the two amounts, or the refusal.
 */
export function checkAnswer(response: FxQuoteResponse, quote: FxQuoteRecord): { source: string; target: string } | { refusal: DomainError } {
  const changed = changedTerm(response, quote);
  if (changed) return { refusal: new DomainError('FX_TERMS_CHANGED', `the FXP may not change the terms it was asked: ${changed}`) };
  const source = exactAmount(fxSourceOf(response), 'sourceAmount');
  if ('refusal' in source) return source;
  const target = exactAmount(fxTargetOf(response), 'targetAmount');
  if ('refusal' in target) return target;
  const charges = chargesRefusal(response);
  if (charges) return { refusal: charges };
  return { source: source.text, target: target.text };
}

function changedTerm(response: FxQuoteResponse, quote: FxQuoteRecord): string | undefined {
  const tx = response.CdtTrfTxInf;
  const differs = (what: string, was: string | null, now: string | undefined) =>
    (was ?? undefined) !== now ? `${what} was ${was ?? '(none)'}, the answer says ${now ?? '(none)'}` : undefined;
  const first =
    differs('conversionId', quote.conversionId, tx.PmtId.InstrId) ??
    differs('determiningTransferId', quote.determiningTransferId, tx.PmtId.EndToEndId) ??
    differs('initiatingFsp', quote.initiating, fxInitiatorOf(response)) ??
    differs('counterPartyFsp', quote.fxp, fxProviderOf(response)) ??
    differs('amountType', quote.amountType, tx.InstrForCdtrAgt.InstrInf) ??
    differs('sourceAmount.currency', quote.sourceCurrency, fxSourceOf(response).currency) ??
    differs('targetAmount.currency', quote.targetCurrency, fxTargetOf(response).currency);
  if (first) return first;
  const [side, asked, given] =
    quote.amountType === 'SEND'
      ? (['sourceAmount', quote.sourceAmount, fxSourceOf(response)] as const)
      : (['targetAmount', quote.targetAmount, fxTargetOf(response)] as const);
  if (asked === null) return undefined;
  let same: boolean;
  try {
    same = given.units !== undefined && toLedger(given.units) === parseLedger(asked);
  } catch {
    same = false;
  }
  return same ? undefined : `${side} was ${asked.replace(/\.?0+$/, '')} ${given.currency}, the answer says ${fxAmountText(given)}`;
}

/** Charges: each in the currency of its side, exact, at least one amount; per side no more than that side's amount. */
function chargesRefusal(response: FxQuoteResponse): DomainError | undefined {
  const source = fxSourceOf(response);
  const target = fxTargetOf(response);
  let sourceTotal = 0n;
  let targetTotal = 0n;
  for (const [i, charge] of (response.CdtTrfTxInf.SplmtryData?.charges ?? []).entries()) {
    const where = `charges[${i}]`;
    if (!charge.sourceAmount && !charge.targetAmount) return new DomainError('FX_TERMS_INCONSISTENT', `${where} (${charge.chargeType}) has no amount`);
    for (const [side, amount, currency] of [
      ['sourceAmount', charge.sourceAmount, source.currency],
      ['targetAmount', charge.targetAmount, target.currency],
    ] as const) {
      if (!amount) continue;
      if (amount.currency !== currency) {
        return new DomainError(
          'FX_TERMS_INCONSISTENT',
          `${where}.${side} is in ${amount.currency}, the conversion's ${side.replace('Amount', '')} currency is ${currency}`,
        );
      }
      const ledger = ledgerAmountOf(amount);
      if ('refusal' in ledger) return new DomainError(ledger.refusal.outcome, `${where}.${side}: ${ledger.refusal.detail ?? ''}`);
      if (side === 'sourceAmount') sourceTotal += amount.units;
      else targetTotal += amount.units;
    }
  }
  if (source.units !== undefined && sourceTotal > source.units) {
    return new DomainError('FX_TERMS_INCONSISTENT', `the charges in ${source.currency} are larger than the sourceAmount ${fxAmountText(source)}`);
  }
  if (target.units !== undefined && targetTotal > target.units) {
    return new DomainError('FX_TERMS_INCONSISTENT', `the charges in ${target.currency} are larger than the targetAmount ${fxAmountText(target)}`);
  }
  return undefined;
}
