/**
 * The transfer lifecycle on canonical messages (pacs.008 prepare, pacs.002 status / error):
 * authentication of the sender, duplicate rules, business validation, reservation, fulfilment
 * check, commit, abort, expiry and who is told what. Rules: contract fspiop.md §8–9 and
 * docs/transfers.md. Nothing here knows the sender's dialect; the Outbox renders messages.
 *
 * Every public method resolves when the hub may answer the request (the state change is durable)
 * or throws a DomainError for a synchronous refusal. Callbacks go out after that, never before.
 *
 * A bus worker (switch/core/workers/serve.ts): its methods run as the consumer of the transfer topics
 * (switch/core/topics.ts), the one door through which transfer states and positions change.
 */
import type { Logger } from 'pino';
import { formatUnits, type Amount } from '../../../schemas/amount.js';
import { isValidReasonCode } from '../../../schemas/iso/common.js';
import type { Pacs002 } from '../../../schemas/iso/pacs002.js';
import { DomainError, isDomainError, storedCause, type Reason } from '../../../schemas/outcomes.js';
import { payeeFspOf, payerFspOf, type Pacs008 } from '../../../schemas/iso/pacs008.js';
import { exactRate } from '../../../schemas/iso/exchange-rate.js';
import { apiState, type InFlight, type LedgerEngine, type TransferRecord } from '../../../ledger/engine.js';
import type { Registry } from '../../../ledger/registry.js';
import { fromLedger, LEDGER_MAX, toLedger, type LedgerUnits } from '../../../ledger/units.js';
import type { Metrics } from '../../observability/metrics.js';
import { traced } from '../../observability/tracing.js';
import type { InboundMessage, TransferOutbox } from '../outbox.js';
import { hubStatus } from '../status.js';
import { authenticateSender, runLater } from '../identity.js';
import { checkPrepareAgainstPacket, decodeIlpPacket, transactionFacts, type DecodedIlp, type PrepareForIlpCheck } from '../../security/ilp.js';
import type { FeeCharge, InterchangeFees } from '../../../ledger/interchange-fees.js';
import type { Bus } from '../../bus/bus.js';
import { transferTopics } from '../topics.js';
import { checkCompletedTimestamp, currencyMisfitOf, decodeBase64Url32, fulfils, recordStatus } from './transfer-rules.js';
import type { PositionOwners, ProxyTransfers } from './interscheme.js';

export interface TransferServiceConfig {
  onUsTransfers: boolean;
  /** Decode the ILP packet and check it against the transfer (switch/security/ilp.ts). */
  ilpCheck: boolean;
  sendTransferConfirmationToPayee: boolean;
}

/** How the payee's word finished a line of a bulk (`TransferService.finishLine`). */
export type LineFinish =
  { kind: 'committed'; fulfilment: string; completedAt: string } | { kind: 'aborted'; reason: Reason; completedAt: string } | { kind: 'finished-before' };

/** Where the expiry of a line of a bulk is reported instead of to payer and payee (BulkTransferService). */
export interface BulkLines {
  /** The bulk the transfer is a line of, if any. */
  bulkOf(transferId: string): Promise<string | undefined>;
  /** A line of `bulkId` became final outside the payee's answer (it expired). */
  lineFinished(bulkId: string): Promise<void>;
}

/** How a transfer that depends on a conversion ended, and the conversion with it, in the same ledger write. */
export type DependentFinish =
  { kind: 'committed'; completedAt: string } | { kind: 'aborted'; state: 'ABORTED_ERROR' | 'EXPIRED_RESERVED'; reason: Reason; completedAt: string };

/**
 * The conversions a transfer may depend on (FxTransferService, docs/fx.md): a transfer whose id is a conversion's
 * determining transfer is reserved on the FXP's position and finishes together with its conversion.
 */
export interface Conversions {
  /** The conversion transfer `transferId` depends on, checked against its payer and amount; undefined when none. */
  linkFor(transferId: string, payer: string, amount: Amount): InFlight | DomainError | undefined;
  /** A dependent transfer was finished, and its conversion with it (durable): tell the FXP. */
  finished(conversion: InFlight, finish: DependentFinish): void;
}

/** A prepare's decision (`TransferService.reserve`). */
export type ReserveOutcome = { kind: 'reserved'; transfer: InFlight } | { kind: 'refused'; error: DomainError } | { kind: 'duplicate' };

export class TransferService {
  constructor(
    private readonly registry: Registry,
    private readonly engine: LedgerEngine,
    private readonly outbox: TransferOutbox,
    private readonly config: TransferServiceConfig,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    /** Interchange fee rules (docs/interchange-fees.md); none when absent. */
    private readonly fees?: InterchangeFees,
  ) {}

  /** Partitioned ledger: where a fulfil or error that reached another owner than its payer's goes on (`useBus`). */
  private bus?: Bus;

  private bulkLines?: BulkLines;

  private conversions?: Conversions;

  /** FX: transfers that depend on a conversion (docs/fx.md). */
  useConversions(conversions: Conversions): void {
    this.conversions = conversions;
  }

  /** Bulks: an expired line is reported with its bulk, not alone. */
  useBulkLines(lines: BulkLines): void {
    this.bulkLines = lines;
  }

  /** The bus a fulfil or error is sent on to its payer's owner when its key led elsewhere (partitioned ledger). */
  useBus(bus: Bus): void {
    this.bus = bus;
  }

  /** Transfers with a side in another scheme (docs/interscheme.md). */
  private proxies?: ProxyTransfers;

  useProxies(proxies: ProxyTransfers): void {
    this.proxies = proxies;
  }

  // ---------------------------------------------------------------- identity

  /** A message relayed from another scheme is authenticated as its proxy (switch/core/identity.ts). */
  authenticate(sender: string | InboundMessage, unknown: 'SENDER_UNKNOWN' | 'PAYER_FSP_UNKNOWN' = 'SENDER_UNKNOWN'): void {
    authenticateSender(this.registry, sender, unknown);
  }

  // ---------------------------------------------------------------- prepare

  async prepare(message: Pacs008, inbound: InboundMessage): Promise<void> {
    const id = message.CdtTrfTxInf.PmtId.TxId;
    const payer = payerFspOf(message);
    this.authenticate(inbound, 'PAYER_FSP_UNKNOWN');
    if (inbound.source !== payer) throw new DomainError('SOURCE_IS_NOT_PAYER', 'FSPIOP-Source header should match Payer');

    const live = this.engine.inFlightTransfer(id);
    if (live) return this.duplicatePrepareOfLive(live, inbound);
    const pendingHash = this.engine.pendingPrepareHash(id);
    if (pendingHash !== undefined) {
      if (pendingHash !== inbound.hash) this.later(() => this.modified(id, inbound.source, 'prepare', pendingHash));
      return; // the original is still being recorded: it will be answered
    }

    const decided = await this.reserve(message, inbound);
    if (decided.kind === 'duplicate') return this.duplicatePrepareOfRecorded(id, inbound);
    if (decided.kind === 'refused') {
      this.later(() => this.outbox.transferError(payer, id, decided.error));
      return;
    }
    this.later(() => this.forwardPrepare(decided.transfer, message, inbound));
  }

  /**
   * The decision on a prepare, made durable, without telling anyone: reserved, refused (recorded INVALID or
   * ABORTED_REJECTED, so its id answers duplicates), or a duplicate of a recorded transfer. A single prepare and every
   * line of a bulk (BulkTransferService) are decided here. The caller has authenticated the payer and checked the
   * transfers in flight.
   */
  async reserve(message: Pacs008, inbound: InboundMessage): Promise<ReserveOutcome> {
    const tx = message.CdtTrfTxInf;
    const id = tx.PmtId.TxId;
    const payer = payerFspOf(message);
    const payee = payeeFspOf(message);
    const amount = tx.IntrBkSttlmAmt;
    const expiration = message.GrpHdr.PmtInstrXpryDtTm;
    const expiresAt = Date.parse(expiration);
    const { conversion, owners } = await this.positionOwners(id, payer, payee, amount, inbound);
    const verdict =
      (isDomainError(owners) ? owners : undefined) ??
      this.validatePrepare(payer, payee, amount, tx.ExctnCond, expiration, expiresAt, owners as PositionOwners) ??
      this.checkIlp(tx.VrfctnOfTerms?.IlpV4PrepPacket, {
        amountUnits: amount.units,
        currency: amount.currency,
        expiration,
        condition: tx.ExctnCond,
        payerFsp: payer,
        payeeFsp: payee,
      });
    const refusal = isDomainError(verdict) ? verdict : undefined;
    let ledgerAmount: LedgerUnits | null = null;
    try {
      ledgerAmount = toLedger(amount.units);
    } catch {
      ledgerAmount = null;
    }
    const common = {
      id,
      payer,
      payee,
      currency: amount.currency,
      condition: tx.ExctnCond,
      expiration,
      prepareHash: inbound.hash,
      receivedAt: inbound.receivedAt,
    };
    if (refusal || ledgerAmount === null) {
      const error = refusal ?? new DomainError('AMOUNT_TOO_PRECISE_FOR_LEDGER', `amount ${formatUnits(amount.units)} cannot be held by the ledger`);
      const written = await this.engine.recordInvalid({ ...common, amount: ledgerAmount }, storedCause(error));
      if (written.conflict) return { kind: 'duplicate' };
      this.stateChanged(id, 'INVALID', { payer, payee, outcome: error.outcome, reason: error.detail });
      this.metrics.transfers.inc({ outcome: 'invalid' });
      return { kind: 'refused', error };
    }

    // No interchange fee on a transfer an FXP funds (docs/fx.md).
    const fee =
      !conversion && this.fees?.applies(amount.currency) ? this.interchangeFee(id, payer, payee, amount.currency, ledgerAmount, message, verdict) : undefined;
    // The span lasts from the decision until the group commit made it durable (the batch is its own span, linked).
    const outcome = await traced('ledger prepare', { 'mizani.transfer_id': id }, () =>
      this.engine.prepare({
        ...common,
        amount: ledgerAmount,
        expiresAt,
        fee,
        ...(owners as PositionOwners),
        ...(conversion ? { conversion } : {}),
      }),
    );
    if (outcome.kind === 'duplicate') return outcome;
    if (outcome.kind === 'rejected') {
      this.stateChanged(id, 'ABORTED_REJECTED', { payer, payee, outcome: outcome.error.outcome });
      this.metrics.transfers.inc({ outcome: 'rejected' });
      return { kind: 'refused', error: outcome.error };
    }
    this.stateChanged(id, 'RESERVED', { payer, payee, amount: formatUnits(amount.units), currency: amount.currency });
    this.metrics.inFlight.set(this.engine.inFlightCount);
    return outcome;
  }

  /**
   * Whose positions a prepare moves when not the payer's and payee's: a transfer that depends on a conversion is
   * reserved on the FXP's position in its currency (docs/fx.md); a party of another scheme is represented by its proxy's
   * position (docs/interscheme.md). A refusal when the conversion or the route does not allow the transfer.
   */
  private async positionOwners(
    id: string,
    payer: string,
    payee: string,
    amount: Amount,
    inbound: InboundMessage,
  ): Promise<{ conversion?: InFlight; owners: PositionOwners | DomainError }> {
    const link = this.conversions?.linkFor(id, payer, amount);
    if (isDomainError(link)) return { owners: link };
    const proxied = (await this.proxies?.owners(payer, payee, inbound)) ?? {};
    if (isDomainError(proxied) || !link) return { owners: proxied };
    return { conversion: link, owners: { ...proxied, debtor: link.payee } };
  }

  /**
   * `owners`: whose positions the transfer moves when not the payer's and payee's — the FXP of the conversion it depends
   * on (docs/fx.md), the proxy of a party of another scheme (docs/interscheme.md) — whose accounts are the ones checked.
   */
  private validatePrepare(
    payer: string,
    payee: string,
    amount: Amount,
    condition: string,
    expiration: string,
    expiresAt: number,
    owners: PositionOwners = {},
  ): DomainError | undefined {
    const debtor = owners.debtor ?? payer;
    const payeeParticipant = this.registry.participant(owners.creditor ?? payee);
    if (!payeeParticipant || payeeParticipant.isHub) return new DomainError('PAYEE_FSP_UNKNOWN', `Participant ${payee} not found`);
    if (!payeeParticipant.isActive) return new DomainError('PAYEE_FSP_INACTIVE', `Participant ${payee} is inactive`);
    if (debtor === payee && !this.config.onUsTransfers) {
      return new DomainError('PAYER_IS_PAYEE', 'Payer FSP and Payee FSP should be different, unless on-us tranfers are allowed by the Scheme');
    }
    if (amount.units <= 0n) return new DomainError('AMOUNT_NOT_POSITIVE', 'Transfer amount must be greater than zero');
    const misfit = currencyMisfitOf(amount);
    if (misfit) return misfit;
    if (amount.units > fromLedger(LEDGER_MAX)) return new DomainError('AMOUNT_EXCEEDS_LEDGER', 'Transfer amount exceeds what the ledger can hold');
    if (!Number.isFinite(expiresAt)) return new DomainError('EXPIRATION_INVALID', `Expiration date ${expiration} is not a valid date`);
    if (expiresAt <= Date.now()) return new DomainError('EXPIRATION_PASSED', `Expiration date ${expiration} is already in the past`);
    for (const name of [debtor, owners.creditor ?? payee]) {
      const account = this.registry.accountOf(name, amount.currency, 'POSITION');
      if (!account) return new DomainError('PARTICIPANT_ACCOUNT_MISSING', `Participant ${name} ${amount.currency} account not found`);
      if (!account.isActive) return new DomainError('PARTICIPANT_ACCOUNT_INACTIVE', `Participant ${name} ${amount.currency} account is inactive`);
    }
    if (!decodeBase64Url32(condition)) return new DomainError('CONDITION_INVALID', 'Condition is not a valid SHA-256 condition');
    return undefined;
  }

  /** The terms the payer agreed (the ILP packet) must be the terms of this transfer; they are, decoded, when checked. */
  private checkIlp(packet: string | undefined, transfer: PrepareForIlpCheck): DomainError | DecodedIlp | undefined {
    if (!this.config.ilpCheck) return undefined;
    if (!packet) return new DomainError('ILP_PACKET_MISSING', 'ILP packet is missing');
    try {
      const decoded = decodeIlpPacket(packet);
      return checkPrepareAgainstPacket(decoded, transfer) ?? decoded;
    } catch (err) {
      if (isDomainError(err)) return err;
      throw err;
    }
  }

  /**
   * The interchange fee this transfer will owe at commit (docs/interchange-fees.md), decided on the transaction object
   * the payer agreed: the packet the ILP check decoded, else (check off) the packet decoded here; a packet that does
   * not decode gives no facts. Only called when the currency has an active rule.
   */
  private interchangeFee(
    id: string,
    payer: string,
    payee: string,
    currency: string,
    amount: LedgerUnits,
    message: Pacs008,
    checked: DomainError | DecodedIlp | undefined,
  ): FeeCharge | undefined {
    let terms = isDomainError(checked) ? undefined : checked;
    const packet = message.CdtTrfTxInf.VrfctnOfTerms?.IlpV4PrepPacket;
    if (!terms && packet) {
      try {
        terms = decodeIlpPacket(packet);
      } catch {
        terms = undefined;
      }
    }
    const decision = this.fees?.decide(payer, payee, currency, amount, transactionFacts(terms?.transaction));
    if (decision?.kind === 'skipped') this.log.warn({ transferId: id, ruleId: decision.ruleId, reason: decision.reason }, 'interchange fee not charged');
    return decision?.kind === 'charge' ? decision.charge : undefined;
  }

  private async forwardPrepare(transfer: InFlight, message: Pacs008, inbound: InboundMessage): Promise<void> {
    const sent = await this.outbox.forwardPrepare(transfer.payee, transfer.conversion ? withConversion(message, transfer.conversion) : message, inbound);
    if (sent.ok && this.proxies?.isForwarded(transfer) && !transfer.finishing) {
      // In the payee's scheme now (contract §12): it decides, and the expiry here waits for its word.
      await this.engine
        .advance(transfer, { state: 'RESERVED_FORWARDED' })
        .catch((err: unknown) => this.log.error({ err, transferId: transfer.id }, 'RESERVED_FORWARDED not recorded'));
      this.stateChanged(transfer.id, 'RESERVED_FORWARDED', { payer: transfer.payer, payee: transfer.payee, proxy: transfer.creditor });
      return;
    }
    // The payee's scheme refused the prepare before recording it (its hub's synchronous 4xx through the proxy).
    const refusedThere = this.proxies?.isForwarded(transfer) === true && sent.status !== undefined && sent.status >= 400 && sent.status < 500;
    if (sent.noEndpoint || sent.refused || refusedThere) {
      // The payee cannot be reached at all (or its dialect cannot carry the transfer): release the
      // payer now rather than at expiry.
      const error: Reason =
        sent.refused ??
        (refusedThere
          ? new DomainError(
              'DESTINATION_REFUSED',
              `the payee's scheme refused the transfer (HTTP ${sent.status}${sent.errorCode ? `, ${sent.errorCode}` : ''})`,
            )
          : new DomainError('DESTINATION_NO_ENDPOINT', `No FSPIOP_CALLBACK_URL_TRANSFER_POST endpoint registered for ${transfer.payee}`));
      if (!(await this.finishAbort(transfer, 'ABORTED_ERROR', error))) return;
      this.later(() => this.outbox.transferError(transfer.payer, transfer.id, error));
    }
  }

  private duplicatePrepareOfLive(live: InFlight, inbound: InboundMessage): void {
    if (live.prepareHash !== inbound.hash) {
      this.later(() => this.modified(live.id, inbound.source, 'prepare', live.prepareHash));
      return;
    }
    if (live.finishing) return; // being finished: its final state will be announced
    this.later(() => this.outbox.transferState(live.payer, live.id, hubStatus(live.id, { state: 'RESERVED' })));
  }

  private async duplicatePrepareOfRecorded(id: string, inbound: InboundMessage): Promise<void> {
    const record = await this.engine.find(id);
    if (!record) throw new DomainError('RECORD_VANISHED', `transfer ${id} vanished during its duplicate check`);
    if (record.kind !== 'TRANSFER' || record.prepareHash !== inbound.hash) {
      this.later(() => this.modified(id, inbound.source, 'prepare', record.prepareHash ?? undefined));
      return;
    }
    this.later(() => this.sendRecordStatus(record.payer, record));
  }

  // ---------------------------------------------------------------- fulfil

  async fulfil(id: string, message: Pacs002, inbound: InboundMessage): Promise<void> {
    this.authenticate(inbound);
    const status = message.TxInfAndSts.TxSts;
    const completed = message.TxInfAndSts.PrcgDt?.DtTm;
    if (completed !== undefined) checkCompletedTimestamp(completed);
    if (inbound.proxy !== undefined && (status === 'ABOR' || status === 'RECV' || status === 'RESV')) return this.stateFromPayeesScheme(id, message, inbound);
    if (status === 'RECV') throw new DomainError('FULFIL_STATE_INVALID', 'transferState RECEIVED is not a valid fulfil');
    if (status === 'ABOR') {
      this.log.info({ transferId: id, source: inbound.source }, 'ABORTED in PUT /transfers ignored: use PUT /transfers/{ID}/error');
      return;
    }
    const askedReserved = status === 'RESV';
    if (askedReserved && inbound.version.major === 1 && inbound.version.minor === 0) {
      this.log.info({ transferId: id, source: inbound.source }, 'RESERVED fulfil with version 1.0 ignored');
      return;
    }

    const live = this.engine.inFlightTransfer(id);
    if (!live || live.kind !== 'TRANSFER') {
      return this.lateFulfilOrError(id, inbound, 'fulfil', (payer) => this.bus?.request(transferTopics.fulfil, payer, { transferId: id, message, inbound }));
    }
    await live.ready;
    if (inbound.source !== live.payee && !this.proxies?.fromPayeeSide(live, inbound)) return this.notPayee(id, inbound, live);
    if (live.finishing) {
      await live.finished;
      return this.lateFulfilOrError(id, inbound, 'fulfil');
    }
    // Forwarded to another scheme: that scheme decides, so its commit is applied even after the expiration here.
    const forwarded = this.proxies?.isForwarded(live) === true;

    const now = Date.now();
    const failAbort = async (state: 'ABORTED_ERROR' | 'EXPIRED_RESERVED', error: DomainError) => {
      if (!(await this.finishAbort(live, state, error, { fulfilHash: inbound.hash }))) return;
      this.later(() => this.outbox.transferError(live.payer, id, error));
      if (askedReserved) {
        this.later(() => this.outbox.transferPatch(live.payee, id, hubStatus(id, { state: 'ABORTED', completedAt: new Date().toISOString() }), error));
      } else {
        this.later(() => this.outbox.transferError(live.payee, id, error));
      }
    };
    if (live.expiresAt <= now && !forwarded) return failAbort('EXPIRED_RESERVED', new DomainError('TRANSFER_EXPIRED'));
    const fulfilment = message.TxInfAndSts.ExctnConf;
    if (!fulfils(fulfilment, live.condition)) {
      return failAbort('ABORTED_ERROR', new DomainError('FULFILMENT_INVALID', 'invalid fulfilment'));
    }

    const completedAt = new Date().toISOString();
    try {
      await traced('ledger commit', { 'mizani.transfer_id': id }, () => this.engine.commit(live, { fulfilment, fulfilHash: inbound.hash, completedAt }));
    } catch (err) {
      throw this.ledgerFailure(err);
    }
    this.stateChanged(id, 'COMMITTED', { payer: live.payer, payee: live.payee });
    this.metrics.transfers.inc({ outcome: 'committed' });
    this.metrics.inFlight.set(this.engine.inFlightCount);
    this.dependentFinished(live, { kind: 'committed', completedAt });
    this.proxies?.finished(id);
    if (askedReserved) {
      this.later(() => this.outbox.transferState(live.payer, id, hubStatus(id, { state: 'COMMITTED', completedAt, fulfilment })));
      this.later(() => this.outbox.transferPatch(live.payee, id, hubStatus(id, { state: 'COMMITTED', completedAt })));
    } else {
      this.later(() => this.outbox.forwardFulfil(live.payer, id, message, inbound));
      // A remote payee's own scheme confirms to it.
      if (this.config.sendTransferConfirmationToPayee && !forwarded) {
        this.later(() => this.outbox.confirmFulfilToPayee(live.payee, id, message, inbound));
      }
    }
  }

  /**
   * A state the payee's scheme reports that is not a fulfil (docs/interscheme.md, "Expiry"): its hub's answer to the
   * hub's GET, ABORTED or not final yet. ABORTED aborts the transfer here with that scheme's cause, and the payer is
   * told; RESERVED or RECEIVED changes nothing (the payee's scheme has not decided yet).
   */
  private async stateFromPayeesScheme(id: string, message: Pacs002, inbound: InboundMessage): Promise<void> {
    const status = message.TxInfAndSts.TxSts;
    const live = this.engine.inFlightTransfer(id);
    if (!live && this.bus && this.engine.available) {
      // Partitioned: the other hub's answer is keyed by this hub's name; the transfer's owner is its debtor's.
      const record = await this.engine.find(id);
      if (record?.state === 'RESERVED_FORWARDED' && !this.engine.owns(record.debtor)) {
        await this.bus.request(transferTopics.fulfil, record.debtor, { transferId: id, message, inbound });
        return;
      }
    }
    if (!live || live.kind !== 'TRANSFER' || !this.proxies?.fromPayeeSide(live, inbound)) {
      this.log.info({ transferId: id, source: inbound.source, status }, 'state from another scheme about a transfer not forwarded there in flight: ignored');
      return;
    }
    await live.ready;
    if (status !== 'ABOR' || live.finishing) {
      this.log.info({ transferId: id, source: inbound.source, status }, 'the payee’s scheme has not finished the transfer yet');
      return;
    }
    const reason = this.proxies.abortedThere(message);
    if (!(await this.finishAbort(live, 'ABORTED_ERROR', reason))) return;
    this.proxies.finished(id);
    this.later(() => this.outbox.transferError(live.payer, id, reason));
  }

  /**
   * Finishes a reserved line of a bulk on the payee's word, telling no one (the bulk reports every line at once):
   * committed when `fulfilment` is the condition's preimage and the line has not expired; aborted with the payee's
   * `reason`, or as expired, or for an invalid fulfilment. `finished-before` when someone else finished it meanwhile
   * (its record says how). Throws LEDGER_UNAVAILABLE when the ledger could not write.
   */
  async finishLine(live: InFlight, answer: { fulfilment?: string; reason?: Reason }, hash: string): Promise<LineFinish> {
    await live.ready;
    if (live.finishing) {
      await live.finished;
      return { kind: 'finished-before' };
    }
    const completedAt = new Date().toISOString();
    let abort: { state: 'ABORTED_ERROR' | 'EXPIRED_RESERVED'; reason: Reason } | undefined;
    if (live.expiresAt <= Date.now()) abort = { state: 'EXPIRED_RESERVED', reason: new DomainError('TRANSFER_EXPIRED') };
    else if (answer.reason) abort = { state: 'ABORTED_ERROR', reason: answer.reason };
    else if (!fulfils(answer.fulfilment, live.condition)) {
      abort = { state: 'ABORTED_ERROR', reason: new DomainError('FULFILMENT_INVALID', 'invalid fulfilment') };
    }
    try {
      if (abort) {
        const hashes = answer.reason ? { errorHash: hash } : { fulfilHash: hash };
        await this.engine.abort(live, { state: abort.state, cause: storedCause(abort.reason), completedAt, ...hashes });
      } else {
        await this.engine.commit(live, { fulfilment: answer.fulfilment, fulfilHash: hash, completedAt });
      }
    } catch (err) {
      throw this.ledgerFailure(err);
    }
    const state = abort?.state ?? 'COMMITTED';
    this.dependentFinished(live, abort ? { kind: 'aborted', ...abort, completedAt } : { kind: 'committed', completedAt });
    this.stateChanged(live.id, state, { payer: live.payer, payee: live.payee, ...(abort ? { reason: storedCause(abort.reason) } : {}) });
    this.metrics.transfers.inc({ outcome: abort ? (state === 'EXPIRED_RESERVED' ? 'expired' : 'aborted') : 'committed' });
    this.metrics.inFlight.set(this.engine.inFlightCount);
    return abort ? { kind: 'aborted', reason: abort.reason, completedAt } : { kind: 'committed', fulfilment: answer.fulfilment!, completedAt };
  }

  /** Aborts a reserved line of a bulk that will not be answered (the bulk's payee cannot be reached), telling no one. */
  abortLine(live: InFlight, reason: Reason): Promise<boolean> {
    return this.finishAbort(live, 'ABORTED_ERROR', reason);
  }

  // ---------------------------------------------------------------- payee error

  async reject(id: string, message: Pacs002, inbound: InboundMessage): Promise<void> {
    this.authenticate(inbound);
    const reason = message.TxInfAndSts.StsRsnInf;
    const code = reason?.Rsn.Prtry ?? reason?.Rsn.Cd ?? '';
    if (!reason || !isValidReasonCode(code)) {
      throw new DomainError('RECEIVED_ERROR_CODE_INVALID', `The incoming error code: ${code} is not a valid mojaloop specification error code`);
    }
    const live = this.engine.inFlightTransfer(id);
    if (!live || live.kind !== 'TRANSFER') {
      return this.lateFulfilOrError(id, inbound, 'error', (payer) => this.bus?.request(transferTopics.reject, payer, { transferId: id, message, inbound }));
    }
    await live.ready;
    if (inbound.source !== live.payee && !this.proxies?.fromPayeeSide(live, inbound)) return this.notPayee(id, inbound, live);
    if (live.finishing) {
      await live.finished;
      return this.lateFulfilOrError(id, inbound, 'error');
    }
    // Forwarded: the payee's scheme decided (its own expiry's 3303 included), and its word is carried to the payer.
    if (live.expiresAt <= Date.now() && this.proxies?.isForwarded(live) !== true) {
      const expired = new DomainError('TRANSFER_EXPIRED');
      if (!(await this.finishAbort(live, 'EXPIRED_RESERVED', expired, { errorHash: inbound.hash }))) return;
      this.later(() => this.outbox.transferError(live.payer, id, expired));
      this.later(() => this.outbox.transferError(live.payee, id, expired));
      return;
    }
    const cause = storedCause(reason);
    const completedAt = new Date().toISOString();
    try {
      await traced('ledger abort', { 'mizani.transfer_id': id }, () =>
        this.engine.abort(live, { state: 'ABORTED_ERROR', cause, completedAt, errorHash: inbound.hash }),
      );
    } catch (err) {
      throw this.ledgerFailure(err);
    }
    this.dependentFinished(live, { kind: 'aborted', state: 'ABORTED_ERROR', reason, completedAt });
    this.stateChanged(id, 'ABORTED_ERROR', { payer: live.payer, payee: live.payee, reason: cause });
    this.metrics.transfers.inc({ outcome: 'aborted' });
    this.metrics.inFlight.set(this.engine.inFlightCount);
    this.proxies?.finished(id);
    this.later(() => this.outbox.forwardError(live.payer, id, message, inbound));
  }

  /** A fulfil or error for a transfer that is unknown, final, or was finished meanwhile. */
  private async lateFulfilOrError(
    id: string,
    inbound: InboundMessage,
    kind: 'fulfil' | 'error',
    toPayersOwner?: (payer: string) => Promise<void> | undefined,
  ): Promise<void> {
    // While the ledger rebuilds its memory (a failed batch, a database failover) "not in flight" means nothing yet: the
    // transfer may be RESERVED and about to be reloaded, or its finishing write may have failed. Retry later, not an
    // error. Checked before the read too: the caller looked the transfer up in memory just now, and the rebuild may
    // end while the record is read (the memory then holds it, the record says RESERVED, and neither is wrong).
    if (!this.engine.available) throw new DomainError('LEDGER_UNAVAILABLE', 'the ledger is recovering, retry later');
    const record = await this.engine.find(id);
    if (!this.engine.available) throw new DomainError('LEDGER_UNAVAILABLE', 'the ledger is recovering, retry later');
    const held = record?.state === 'RESERVED' || record?.state === 'RESERVED_FORWARDED';
    if (held && this.engine.inFlightTransfer(id)) {
      throw new DomainError('LEDGER_UNAVAILABLE', 'the ledger has just rebuilt its memory, retry');
    }
    // Partitioned: a transfer is finished by its payer's owner; the command's key (FSPIOP-Destination) led elsewhere.
    // Its owner is the owner of the position it reserved on: the payer's, or the proxy's of another scheme's payer.
    if (record && held && record.kind === 'TRANSFER' && !this.engine.owns(record.debtor) && toPayersOwner && this.bus) {
      return toPayersOwner(record.debtor);
    }
    if (this.proxies?.isOtherHub(record ?? undefined, inbound) && !(record && this.proxies.fromPayeeSide(record, inbound))) {
      return this.notPayee(id, inbound, record ?? undefined);
    }
    if (!record || record.kind !== 'TRANSFER') {
      this.later(() => this.outbox.transferError(inbound.source, id, transferNotFound()));
      return;
    }
    if (inbound.source !== record.payee && !this.proxies?.fromPayeeSide(record, inbound)) return this.notPayee(id, inbound, record);
    const storedHash = kind === 'fulfil' ? record.fulfilHash : record.errorHash;
    if (storedHash) {
      if (storedHash !== inbound.hash) {
        this.later(() => this.modified(id, inbound.source, kind, storedHash));
      } else if (record.state !== 'RESERVED') {
        this.later(() => this.sendRecordStatus(record.payee, record));
      }
      return;
    }
    const error =
      record.state === 'EXPIRED_RESERVED'
        ? new DomainError('TRANSFER_EXPIRED')
        : new DomainError('TRANSFER_NOT_RESERVED', `transfer is in state ${apiState(record.state)}, not RESERVED`);
    if (this.proxies?.isOtherHub(record, inbound)) {
      this.log.info({ transferId: id, source: inbound.source, state: record.state }, 'late word of the other scheme’s hub on a final transfer: not answered');
      return;
    }
    this.later(() => this.outbox.transferError(inbound.source, id, error));
  }

  private notPayee(id: string, inbound: InboundMessage, transfer?: { payer: string; payee: string }): void {
    if (this.proxies?.isOtherHub(transfer, inbound)) {
      this.log.info({ transferId: id, source: inbound.source, proxy: inbound.proxy }, 'word from another scheme on a transfer it has no side of: not answered');
      return;
    }
    this.later(() =>
      this.outbox.transferError(
        inbound.source,
        id,
        new DomainError('SOURCE_IS_NOT_PAYEE', 'FSPIOP-Source does not match payee fsp on the Fulfil callback response'),
      ),
    );
  }

  // ---------------------------------------------------------------- GET

  async get(id: string, inbound: InboundMessage): Promise<void> {
    this.authenticate(inbound);
    this.later(async () => {
      const live = this.engine.inFlightTransfer(id);
      const record = live ? undefined : await this.engine.find(id);
      const transfer = live ?? record;
      const payer = transfer?.payer;
      const payee = transfer?.payee;
      // A conversion is read through GET /fxTransfers (docs/fx.md).
      if (!transfer || !payer || !payee || transfer.kind === 'FX_TRANSFER') return this.outbox.transferError(inbound.source, id, transferNotFound());
      // The other scheme's hub asks about a transfer one side of which it holds (docs/interscheme.md, "Expiry").
      if (inbound.source !== payer && inbound.source !== payee && !this.proxies?.fromEitherSide(transfer, inbound)) {
        return this.outbox.transferError(inbound.source, id, new DomainError('REQUESTER_NOT_A_PARTY', `${inbound.source} is not a party to transfer ${id}`));
      }
      if (live) return this.outbox.transferState(inbound.source, id, hubStatus(id, { state: 'RESERVED' }));
      return this.sendRecordStatus(inbound.source, record!);
    });
  }

  // ---------------------------------------------------------------- expiry

  /**
   * A reserved transfer past its expiration (the expiry sweep publishes one command per due transfer, keyed by the
   * payer): aborted, and payer and payee told. Nothing to do when it was finished or is being finished meanwhile.
   */
  async expire(id: string, now: number): Promise<void> {
    const transfer = this.engine.inFlightTransfer(id);
    if (!transfer || transfer.kind !== 'TRANSFER' || transfer.finishing || transfer.expiresAt > now) return;
    const forwarded = this.proxies?.isForwarded(transfer) === true;
    if (forwarded && this.proxies!.atExpiry(transfer, now) === 'wait') return;
    const error = forwarded ? this.proxies!.graceExpired() : new DomainError('TRANSFER_EXPIRED');
    if (!(await this.finishAbort(transfer, 'EXPIRED_RESERVED', error))) return;
    const bulk = await this.bulkLines?.bulkOf(transfer.id);
    if (bulk) {
      this.later(() => this.bulkLines!.lineFinished(bulk));
      return;
    }
    this.later(() => this.outbox.transferError(transfer.payer, transfer.id, error));
    this.later(() => this.outbox.transferError(transfer.payee, transfer.id, error));
  }

  // ---------------------------------------------------------------- helpers

  /** Aborts and records; false when the ledger could not write (state is then rebuilt). */
  private async finishAbort(
    transfer: InFlight,
    state: 'ABORTED_ERROR' | 'EXPIRED_RESERVED',
    reason: Reason,
    hashes: { fulfilHash?: string; errorHash?: string } = {},
  ): Promise<boolean> {
    const cause = storedCause(reason);
    const completedAt = new Date().toISOString();
    try {
      await traced('ledger abort', { 'mizani.transfer_id': transfer.id }, () => this.engine.abort(transfer, { state, cause, completedAt, ...hashes }));
    } catch (err) {
      this.log.error({ transferId: transfer.id, err }, 'abort could not be recorded');
      return false;
    }
    this.dependentFinished(transfer, { kind: 'aborted', state, reason, completedAt });
    this.stateChanged(transfer.id, state, { payer: transfer.payer, payee: transfer.payee, reason: cause });
    this.metrics.transfers.inc({ outcome: state === 'EXPIRED_RESERVED' ? 'expired' : 'aborted' });
    this.metrics.inFlight.set(this.engine.inFlightCount);
    return true;
  }

  /** The conversion a finished transfer depended on was finished in the same write: its FXP is told. */
  private dependentFinished(transfer: InFlight, finish: DependentFinish): void {
    if (transfer.conversion) this.conversions?.finished(transfer.conversion, finish);
  }

  /** A modified duplicate, with a reference to the original: the hash of the body first received under this id. */
  private modified(id: string, to: string, what: string, originalHash: string | undefined): Promise<unknown> {
    return this.outbox.transferError(
      to,
      id,
      new DomainError(
        'MODIFIED_DUPLICATE',
        `a ${what} with this transfer id and a different body was received before`,
        originalHash ? { originalHash } : undefined,
      ),
    );
  }

  /** The hub's record of a transfer, to `to`: its state, and why it was aborted when it was. */
  private sendRecordStatus(to: string, record: TransferRecord): Promise<unknown> {
    const { status, cause } = recordStatus(record);
    return this.outbox.transferState(to, record.id, status, cause);
  }

  private ledgerFailure(err: unknown): DomainError {
    this.log.error({ err }, 'ledger write failed');
    return new DomainError('LEDGER_UNAVAILABLE', 'the ledger is recovering, retry later');
  }

  private stateChanged(transferId: string, state: string, detail: Record<string, unknown>): void {
    this.log.info({ transferId, state, ...detail }, 'transfer state');
  }

  private later(work: () => Promise<unknown> | unknown): void {
    runLater(this.log, work);
  }
}

/**
 * A transfer that depends on a conversion, as its payee is told of it (docs/fx.md "Banks"): the instructed amount is
 * the conversion's source amount, and the rate, when it can be written exactly, the ratio of the FXP's two amounts —
 * the FXP's rate, never the hub's. What the payer's message already said is kept (a bank payer's own InstdAmt and
 * XchgRate, checked against the FXP's terms before its payment was prepared). A payee of the sender's dialect family
 * gets the sender's bytes, and so nothing of this.
 */
function withConversion(message: Pacs008, conversion: InFlight): Pacs008 {
  const tx = message.CdtTrfTxInf;
  if (tx.InstdAmt) return message;
  const source: Amount = { currency: conversion.currency, units: fromLedger(conversion.amount) };
  const rate = exactRate(source, tx.IntrBkSttlmAmt);
  return { ...message, CdtTrfTxInf: { ...tx, InstdAmt: source, ...(rate !== undefined ? { XchgRate: rate } : {}) } };
}

function transferNotFound(): DomainError {
  return new DomainError('TRANSFER_NOT_FOUND', 'Provided Transfer ID was not found on the server.');
}
