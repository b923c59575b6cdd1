/**
 * The fxTransfer lifecycle on canonical messages (pacs.009 prepare, pacs.002 status / error), payer-side conversion as
 * Mojaloop v17 does it (contract fspiop.md §10, docs/fx.md). A conversion is a ledger transfer of kind FX_TRANSFER
 * from the initiating FSP (payer) to the FXP (payee) in the source currency, linked to the transfer it is for (its
 * determining transfer) and carrying that transfer's target currency and amount:
 *
 * - prepare reserves the payer's source-currency position (net debit cap checked) and forwards to the FXP;
 * - the FXP's fulfilment (RESERVED; COMMITTED is taken as RESERVED) moves it to RECEIVED_FULFIL_DEPENDENT: nothing
 *   moves, the payer gets the FXP's answer, and the conversion now waits for its dependent transfer;
 * - the dependent transfer (TransferService, through `Conversions`) reserves the FXP's target-currency position and
 *   commits or aborts together with the conversion in one ledger write; the FXP gets PATCH /fxTransfers/{ID};
 * - a conversion RESERVED past its expiration, or fulfilled and still without a dependent transfer at its expiration,
 *   aborts; one whose dependent transfer is reserved ends with it.
 *
 * A bus worker (switch/core/workers/serve.ts): every command is keyed by the initiating FSP, which is also the payer of
 * the dependent transfer, so one position owner writes both.
 */
import type { Logger } from 'pino';
import { formatUnits, type Amount } from '../../../schemas/amount.js';
import { isValidReasonCode } from '../../../schemas/iso/common.js';
import type { Pacs002 } from '../../../schemas/iso/pacs002.js';
import { counterPartyFspOf, initiatingFspOf, sourceAmountOf, targetAmountOf, type Pacs009 } from '../../../schemas/iso/pacs009.js';
import { DomainError, storedCause, type Reason } from '../../../schemas/outcomes.js';
import { apiState, type InFlight, type LedgerEngine, type TransferRecord } from '../../../ledger/engine.js';
import type { Registry } from '../../../ledger/registry.js';
import { fromLedger, LEDGER_MAX, toLedger, type LedgerUnits } from '../../../ledger/units.js';
import type { Metrics } from '../../observability/metrics.js';
import type { FxTransferOutbox, InboundMessage } from '../outbox.js';
import { hubStatus } from '../status.js';
import { authenticateSender, runLater } from '../identity.js';
import { checkCompletedTimestamp, currencyMisfitOf, decodeBase64Url32, fulfils, recordStatus } from './transfer-rules.js';
import type { Conversions, DependentFinish } from './transfers.js';

type AbortState = 'ABORTED_ERROR' | 'EXPIRED_RESERVED';

function fxNotFound(): DomainError {
  return new DomainError('FX_TRANSFER_NOT_FOUND', 'Provided fxTransfer ID was not found on the server.');
}

export class FxTransferService implements Conversions {
  constructor(
    private readonly registry: Registry,
    private readonly engine: LedgerEngine,
    private readonly outbox: FxTransferOutbox,
    /** MIZANI_LEDGER_PARTITIONED: the FXP's positions and the payer's may have different owners (docs/fx.md). */
    private readonly partitioned: boolean,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  // ---------------------------------------------------------------- prepare

  async prepare(message: Pacs009, inbound: InboundMessage): Promise<void> {
    const id = message.CdtTrfTxInf.PmtId.TxId;
    const payer = initiatingFspOf(message);
    authenticateSender(this.registry, inbound.source, 'PAYER_FSP_UNKNOWN');
    if (inbound.source !== payer) throw new DomainError('SOURCE_IS_NOT_PAYER', 'FSPIOP-Source header should match initiatingFsp');
    if (this.partitioned) throw new DomainError('FX_NOT_ON_PARTITIONED_LEDGER', 'this hub runs a partitioned ledger, which takes no fxTransfers');

    if (this.answeredAsDuplicate(id, inbound)) return;
    const refusal = await this.validate(message);
    // The validation read the database: the same id may have been taken meanwhile.
    if (this.answeredAsDuplicate(id, inbound)) return;
    const source = sourceAmountOf(message);
    const target = targetAmountOf(message);
    const common = {
      id,
      payer,
      payee: counterPartyFspOf(message),
      currency: source.currency,
      condition: message.CdtTrfTxInf.VrfctnOfTerms.Sh256Sgntr,
      expiration: message.GrpHdr.PmtInstrXpryDtTm ?? '',
      prepareHash: inbound.hash,
      receivedAt: inbound.receivedAt,
    };
    const determiningTransferId = message.CdtTrfTxInf.PmtId.EndToEndId;
    if (refusal) {
      const targetAmount = ledgerOrNull(target);
      const fx =
        determiningTransferId !== undefined && targetAmount !== null ? { determiningTransferId, targetCurrency: target.currency, targetAmount } : undefined;
      const written = await this.engine.recordInvalid({ ...common, kind: 'FX_TRANSFER', amount: ledgerOrNull(source), fx }, storedCause(refusal));
      if (written.conflict) return this.duplicateOfRecorded(id, inbound);
      this.stateChanged(id, 'INVALID', { payer, fxp: common.payee, outcome: refusal.outcome, reason: refusal.detail });
      this.later(() => this.outbox.fxTransferError(payer, id, refusal));
      return;
    }
    const outcome = await this.engine.prepare({
      ...common,
      kind: 'FX_TRANSFER',
      amount: toLedger(source.units),
      expiresAt: Date.parse(common.expiration),
      fx: { determiningTransferId: determiningTransferId!, targetCurrency: target.currency, targetAmount: toLedger(target.units) },
    });
    if (outcome.kind === 'duplicate') return this.duplicateOfRecorded(id, inbound);
    if (outcome.kind === 'rejected') {
      this.stateChanged(id, 'ABORTED_REJECTED', { payer, outcome: outcome.error.outcome });
      this.later(() => this.outbox.fxTransferError(payer, id, outcome.error));
      return;
    }
    this.stateChanged(id, 'RESERVED', { payer, fxp: common.payee, source: formatUnits(source.units), currency: source.currency });
    this.metrics.inFlight.set(this.engine.inFlightCount);
    this.later(() => this.forward(outcome.transfer, message, inbound));
  }

  /** A conversion with this id is in flight or being recorded: answered as its duplicate (true), or not (false). */
  private answeredAsDuplicate(id: string, inbound: InboundMessage): boolean {
    const live = this.engine.inFlightTransfer(id);
    if (live) {
      this.duplicateOfLive(live, inbound);
      return true;
    }
    const pendingHash = this.engine.pendingPrepareHash(id);
    if (pendingHash === undefined) return false;
    if (pendingHash !== inbound.hash) this.later(() => this.modified(id, inbound.source, 'prepare', pendingHash));
    return true; // the original is still being recorded: it will be answered
  }

  /** Business validation of a conversion (contract fspiop.md §9.3 as for a transfer, and §10). */
  private async validate(message: Pacs009): Promise<DomainError | undefined> {
    const tx = message.CdtTrfTxInf;
    const payer = initiatingFspOf(message);
    const fxp = counterPartyFspOf(message);
    const source = sourceAmountOf(message);
    const target = targetAmountOf(message);
    const determining = tx.PmtId.EndToEndId;
    const fxpParticipant = this.registry.participant(fxp);
    if (!fxpParticipant || fxpParticipant.isHub) return new DomainError('PAYEE_FSP_UNKNOWN', `Participant ${fxp} not found`);
    if (!fxpParticipant.isActive) return new DomainError('PAYEE_FSP_INACTIVE', `Participant ${fxp} is inactive`);
    if (payer === fxp) return new DomainError('PAYER_IS_PAYEE', 'initiatingFsp and counterPartyFsp must be different');
    if (determining === undefined) return new DomainError('FX_DETERMINING_TRANSFER_MISSING', 'determiningTransferId is required');
    const amounts = amountRefusal(source, 'sourceAmount') ?? amountRefusal(target, 'targetAmount');
    if (amounts) return amounts;
    if (source.currency === target.currency) return new DomainError('FX_CURRENCIES_SAME', `sourceAmount and targetAmount are both in ${source.currency}`);
    const expiration = message.GrpHdr.PmtInstrXpryDtTm;
    const expiresAt = expiration === undefined ? Number.NaN : Date.parse(expiration);
    if (expiration === undefined) return new DomainError('EXPIRATION_INVALID', 'expiration is required for an fxTransfer');
    if (!Number.isFinite(expiresAt)) return new DomainError('EXPIRATION_INVALID', `Expiration date ${expiration} is not a valid date`);
    if (expiresAt <= Date.now()) return new DomainError('EXPIRATION_PASSED', `Expiration date ${expiration} is already in the past`);
    for (const [name, currency] of [
      [payer, source.currency],
      [fxp, source.currency],
      [fxp, target.currency],
    ] as const) {
      const account = this.registry.accountOf(name, currency, 'POSITION');
      if (!account) return new DomainError('PARTICIPANT_ACCOUNT_MISSING', `Participant ${name} ${currency} account not found`);
      if (!account.isActive) return new DomainError('PARTICIPANT_ACCOUNT_INACTIVE', `Participant ${name} ${currency} account is inactive`);
    }
    if (!decodeBase64Url32(tx.VrfctnOfTerms.Sh256Sgntr)) return new DomainError('CONDITION_INVALID', 'Condition is not a valid SHA-256 condition');
    // Payer-side conversion only: the conversion comes before its transfer, and a transfer has one conversion.
    const taken = this.engine.conversionFor(determining) ?? this.engine.inFlightTransfer(determining) ?? (await this.engine.find(determining));
    if (taken) {
      return new DomainError(
        'FX_DETERMINING_TRANSFER_EXISTS',
        `transfer ${determining} already has a conversion, or is already known: payee-side conversion is not supported`,
      );
    }
    return undefined;
  }

  private async forward(conversion: InFlight, message: Pacs009, inbound: InboundMessage): Promise<void> {
    const sent = await this.outbox.forwardFxPrepare(conversion.payee, message, inbound);
    if (!sent.noEndpoint && !sent.refused) return;
    const error: Reason =
      sent.refused ?? new DomainError('DESTINATION_NO_ENDPOINT', `No FSPIOP_CALLBACK_URL_FX_TRANSFER_POST endpoint registered for ${conversion.payee}`);
    if (!(await this.finishAbort(conversion, 'ABORTED_ERROR', error))) return;
    this.later(() => this.outbox.fxTransferError(conversion.payer, conversion.id, error));
  }

  private duplicateOfLive(live: InFlight, inbound: InboundMessage): void {
    if (live.kind !== 'FX_TRANSFER' || live.prepareHash !== inbound.hash) {
      this.later(() => this.modified(live.id, inbound.source, 'prepare', live.kind === 'FX_TRANSFER' ? live.prepareHash : undefined));
      return;
    }
    if (live.finishing) return; // its final state will be announced
    this.later(() => this.outbox.fxTransferState(live.payer, live.id, hubStatus(live.id, { state: 'RESERVED' })));
  }

  private async duplicateOfRecorded(id: string, inbound: InboundMessage): Promise<void> {
    const record = await this.engine.find(id);
    if (!record) throw new DomainError('RECORD_VANISHED', `fxTransfer ${id} vanished during its duplicate check`);
    if (record.kind !== 'FX_TRANSFER' || record.prepareHash !== inbound.hash) {
      this.later(() => this.modified(id, inbound.source, 'prepare', record.kind === 'FX_TRANSFER' ? (record.prepareHash ?? undefined) : undefined));
      return;
    }
    this.later(() => this.sendRecordStatus(record.payer, record));
  }

  // ---------------------------------------------------------------- the FXP's answer

  async fulfil(id: string, message: Pacs002, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const status = message.TxInfAndSts.TxSts;
    const completed = message.TxInfAndSts.PrcgDt?.DtTm;
    if (completed !== undefined) checkCompletedTimestamp(completed);
    if (status === 'RECV') throw new DomainError('FULFIL_STATE_INVALID', 'conversionState RECEIVED is not a valid answer');
    const live = await this.reservedConversionOf(id, inbound, 'fulfil');
    if (!live) return;
    if (status === 'ABOR') {
      if (!(await this.finishAbort(live, 'ABORTED_ERROR', new DomainError('FX_ABORTED_BY_FXP'), { fulfilHash: inbound.hash }))) return;
      this.later(() => this.outbox.forwardFxFulfil(live.payer, id, message, inbound));
      return;
    }
    const failAbort = async (state: AbortState, error: DomainError) => {
      if (!(await this.finishAbort(live, state, error, { fulfilHash: inbound.hash }))) return;
      this.later(() => this.outbox.fxTransferError(live.payer, id, error));
      this.later(() => this.outbox.fxTransferError(live.payee, id, error));
    };
    if (live.expiresAt <= Date.now()) return failAbort('EXPIRED_RESERVED', new DomainError('TRANSFER_EXPIRED'));
    const fulfilment = message.TxInfAndSts.ExctnConf;
    if (!fulfils(fulfilment, live.condition)) return failAbort('ABORTED_ERROR', new DomainError('FULFILMENT_INVALID', 'invalid fulfilment'));
    try {
      await this.engine.advance(live, { state: 'RECEIVED_FULFIL_DEPENDENT', fulfilment, fulfilHash: inbound.hash });
    } catch (err) {
      throw this.ledgerFailure(err);
    }
    this.stateChanged(id, 'RECEIVED_FULFIL_DEPENDENT', { payer: live.payer, fxp: live.payee });
    this.later(() => this.outbox.forwardFxFulfil(live.payer, id, message, inbound));
  }

  async reject(id: string, message: Pacs002, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const reason = message.TxInfAndSts.StsRsnInf;
    const code = reason?.Rsn.Prtry ?? reason?.Rsn.Cd ?? '';
    if (!reason || !isValidReasonCode(code)) {
      throw new DomainError('RECEIVED_ERROR_CODE_INVALID', `The incoming error code: ${code} is not a valid mojaloop specification error code`);
    }
    const live = await this.reservedConversionOf(id, inbound, 'error');
    if (!live) return;
    if (live.expiresAt <= Date.now()) {
      const expired = new DomainError('TRANSFER_EXPIRED');
      if (!(await this.finishAbort(live, 'EXPIRED_RESERVED', expired, { errorHash: inbound.hash }))) return;
      this.later(() => this.outbox.fxTransferError(live.payer, id, expired));
      this.later(() => this.outbox.fxTransferError(live.payee, id, expired));
      return;
    }
    if (!(await this.finishAbort(live, 'ABORTED_ERROR', reason, { errorHash: inbound.hash }))) return;
    this.later(() => this.outbox.forwardFxError(live.payer, id, message, inbound));
  }

  /**
   * The conversion an FXP's answer is about, when it is RESERVED and this FXP's; otherwise the sender is answered
   * (unknown, not the FXP, a duplicate, already fulfilled or final) and undefined returned.
   */
  private async reservedConversionOf(id: string, inbound: InboundMessage, kind: 'fulfil' | 'error'): Promise<InFlight | undefined> {
    const live = this.engine.inFlightTransfer(id);
    if (live?.kind === 'FX_TRANSFER') {
      await live.ready;
      if (inbound.source !== live.payee) return this.notFxp(id, inbound.source);
      if (!live.finishing && live.state === 'RESERVED') return live;
      if (live.finishing) await live.finished;
    }
    await this.lateAnswer(id, inbound, kind);
    return undefined;
  }

  /** An FXP's answer to a conversion that is unknown, already fulfilled, or final. */
  private async lateAnswer(id: string, inbound: InboundMessage, kind: 'fulfil' | 'error'): Promise<void> {
    if (!this.engine.available) throw new DomainError('LEDGER_UNAVAILABLE', 'the ledger is recovering, retry later');
    const record = await this.engine.find(id);
    if (!record || record.kind !== 'FX_TRANSFER') {
      this.later(() => this.outbox.fxTransferError(inbound.source, id, fxNotFound()));
      return;
    }
    if (inbound.source !== record.payee) return this.notFxp(id, inbound.source);
    const storedHash = kind === 'fulfil' ? record.fulfilHash : record.errorHash;
    if (storedHash) {
      if (storedHash !== inbound.hash) this.later(() => this.modified(id, inbound.source, kind, storedHash));
      else if (apiState(record.state) !== 'RESERVED') this.later(() => this.sendRecordStatus(record.payee, record));
      return; // the same answer again while the conversion waits for its transfer: nothing to do
    }
    const error =
      record.state === 'EXPIRED_RESERVED'
        ? new DomainError('TRANSFER_EXPIRED')
        : new DomainError('TRANSFER_NOT_RESERVED', `the conversion is ${record.state}: it ends with its dependent transfer, or has ended`);
    this.later(() => this.outbox.fxTransferError(inbound.source, id, error));
  }

  private notFxp(id: string, source: string): undefined {
    this.later(() => this.outbox.fxTransferError(source, id, new DomainError('SOURCE_IS_NOT_PAYEE', 'FSPIOP-Source does not match counterPartyFsp')));
    return undefined;
  }

  // ---------------------------------------------------------------- GET

  async get(id: string, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    this.later(async () => {
      const live = this.engine.inFlightTransfer(id);
      const record = live ? undefined : await this.engine.find(id);
      const kind = live?.kind ?? record?.kind;
      const payer = live?.payer ?? record?.payer;
      const fxp = live?.payee ?? record?.payee;
      if (kind !== 'FX_TRANSFER' || !payer || !fxp) return this.outbox.fxTransferError(inbound.source, id, fxNotFound());
      if (inbound.source !== payer && inbound.source !== fxp) {
        return this.outbox.fxTransferError(
          inbound.source,
          id,
          new DomainError('REQUESTER_NOT_A_PARTY', `${inbound.source} is not a party to fxTransfer ${id}`),
        );
      }
      if (live) return this.outbox.fxTransferState(inbound.source, id, hubStatus(id, { state: 'RESERVED' }));
      return this.sendRecordStatus(inbound.source, record!);
    });
  }

  // ---------------------------------------------------------------- expiry

  /**
   * A conversion past its expiration (the expiry sweep): aborted when RESERVED (3303 to payer and FXP), or when
   * fulfilled and no dependent transfer has been reserved (3303 to the payer, PATCH ABORTED to the FXP). One whose
   * dependent transfer is reserved ends with that transfer.
   */
  async expire(id: string, now: number): Promise<void> {
    const live = this.engine.inFlightTransfer(id);
    if (!live || live.kind !== 'FX_TRANSFER' || live.finishing || live.expiresAt > now || live.dependent) return;
    const fulfilled = live.state === 'RECEIVED_FULFIL_DEPENDENT';
    const error = new DomainError('TRANSFER_EXPIRED');
    if (!(await this.finishAbort(live, 'EXPIRED_RESERVED', error))) return;
    this.later(() => this.outbox.fxTransferError(live.payer, id, error));
    if (fulfilled) this.later(() => this.patchFxp(live, 'ABORTED', new Date().toISOString(), error));
    else this.later(() => this.outbox.fxTransferError(live.payee, id, error));
  }

  // ---------------------------------------------------------------- the dependent transfer (Conversions)

  /**
   * The conversion transfer `transferId` depends on, checked: it must be fulfilled, from this payer, for this amount.
   * Undefined when no conversion names the transfer (one map lookup: what a transfer without FX pays).
   */
  linkFor(transferId: string, payer: string, amount: Amount): InFlight | DomainError | undefined {
    const conversion = this.engine.conversionFor(transferId);
    if (!conversion) return undefined;
    if (conversion.finishing || conversion.state !== 'RECEIVED_FULFIL_DEPENDENT' || conversion.dependent) {
      return new DomainError('FX_RELATED_TRANSFER_NOT_FULFILLED', 'Related FX Transfer is not fulfilled');
    }
    const fx = conversion.fx!;
    if (conversion.payer !== payer) {
      return new DomainError('FX_DEPENDENT_TERMS_DIFFER', `the conversion for this transfer was initiated by ${conversion.payer}, not ${payer}`);
    }
    if (fx.targetCurrency !== amount.currency || fromLedger(fx.targetAmount) !== amount.units) {
      return new DomainError(
        'FX_DEPENDENT_TERMS_DIFFER',
        `the transfer is for ${formatUnits(amount.units)} ${amount.currency}; its conversion's target is ${formatUnits(fromLedger(fx.targetAmount))} ${fx.targetCurrency}`,
      );
    }
    return conversion;
  }

  /** The dependent transfer and its conversion were finished in one write: the FXP learns how. */
  finished(conversion: InFlight, finish: DependentFinish): void {
    const state = finish.kind === 'committed' ? 'COMMITTED' : finish.state;
    this.stateChanged(conversion.id, state, { payer: conversion.payer, fxp: conversion.payee, dependent: conversion.fx?.determiningTransferId });
    this.metrics.inFlight.set(this.engine.inFlightCount);
    if (finish.kind === 'committed') this.later(() => this.patchFxp(conversion, 'COMMITTED', finish.completedAt));
    else this.later(() => this.patchFxp(conversion, 'ABORTED', finish.completedAt, finish.reason));
  }

  // ---------------------------------------------------------------- helpers

  private patchFxp(conversion: InFlight, state: 'COMMITTED' | 'ABORTED', completedAt: string, cause?: Reason): Promise<unknown> {
    return this.outbox.fxTransferPatch(conversion.payee, conversion.id, hubStatus(conversion.id, { state, completedAt }), cause);
  }

  /** Aborts a conversion alone and records it; false when the ledger could not write (state is then rebuilt). */
  private async finishAbort(
    conversion: InFlight,
    state: AbortState,
    reason: Reason,
    hashes: { fulfilHash?: string; errorHash?: string } = {},
  ): Promise<boolean> {
    const cause = storedCause(reason);
    try {
      await this.engine.abort(conversion, { state, cause, completedAt: new Date().toISOString(), ...hashes });
    } catch (err) {
      this.log.error({ commitRequestId: conversion.id, err }, 'conversion abort could not be recorded');
      return false;
    }
    this.stateChanged(conversion.id, state, { payer: conversion.payer, fxp: conversion.payee, reason: cause });
    this.metrics.inFlight.set(this.engine.inFlightCount);
    return true;
  }

  private modified(id: string, to: string, what: string, originalHash: string | undefined): Promise<unknown> {
    const error = new DomainError(
      'MODIFIED_DUPLICATE',
      `a ${what} with this commit request id and a different body was received before`,
      originalHash ? { originalHash } : undefined,
    );
    return this.outbox.fxTransferError(to, id, error);
  }

  private sendRecordStatus(to: string, record: TransferRecord): Promise<unknown> {
    const { status, cause } = recordStatus(record);
    return this.outbox.fxTransferState(to, record.id, status, cause);
  }

  private ledgerFailure(err: unknown): DomainError {
    this.log.error({ err }, 'ledger write failed');
    return new DomainError('LEDGER_UNAVAILABLE', 'the ledger is recovering, retry later');
  }

  private stateChanged(commitRequestId: string, state: string, detail: Record<string, unknown>): void {
    this.log.info({ commitRequestId, state, ...detail }, 'fxTransfer state');
  }

  private later(work: () => Promise<unknown> | unknown): void {
    runLater(this.log, work);
  }
}

/** What an amount of a conversion cannot be: not positive, beyond its currency's decimals, beyond the ledger. */
function amountRefusal(amount: Amount, name: string): DomainError | undefined {
  if (amount.units <= 0n) return new DomainError('AMOUNT_NOT_POSITIVE', `${name} must be greater than zero`);
  const misfit = currencyMisfitOf(amount);
  if (misfit) return misfit;
  if (amount.units > fromLedger(LEDGER_MAX)) return new DomainError('AMOUNT_EXCEEDS_LEDGER', `${name} exceeds what the ledger can hold`);
  if (ledgerOrNull(amount) === null)
    return new DomainError('AMOUNT_TOO_PRECISE_FOR_LEDGER', `${name} ${formatUnits(amount.units)} cannot be held by the ledger`);
  return undefined;
}

function ledgerOrNull(amount: Amount): LedgerUnits | null {
  try {
    return toLedger(amount.units);
  } catch {
    return null;
  }
}
