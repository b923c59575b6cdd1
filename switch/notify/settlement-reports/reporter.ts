/**
 * The settlement reports port (switch/core/settlement/reports.ts), implemented for every dialect
 * (docs/settlement-banks.md):
 *
 *   - banks (`iso20022-xml`): a camt.054 per booked movement, a camt.053 per settled account, in the bank's profile,
 *     signed and delivered like every hub XML message (XmlOutbox: rendered in the profile's version, signed with the
 *     hub's XML key, POSTed to the bank's ISO20022_CALLBACK_URL, retried as every callback);
 *   - everyone else: what Mojaloop gives — a notice of each settlement position change (fspiop.ts), nothing for funds
 *     in/out or statements (the operator gets a log line of each statement).
 *
 * Never blocks or throws into the caller (a bus worker): each report is queued behind the previous one for the same
 * participant, so a bank gets its reports in the order the ledger booked them; failures are logged.
 */
import type { Logger } from 'pino';
import { ledgerDisplay } from '../../../ledger/units.js';
import type { BookedMovement, SettledAccountStatement, SettlementReports } from '../../core/settlement/reports.js';
import { newMessageId } from '../../core/status.js';
import type { DeliveryResult } from '../../core/outbox.js';
import { registeredFinInstnId } from '../../directory/agents.js';
import type { ParticipantDirectory } from '../../directory/participants.js';
import type { BusinessDocument } from '../../../translators/isoxml/render.js';
import { movementNotification, settledStatement, type ReportParties } from './camt.js';
import { isPositionChange, type SettlementNotices } from './fspiop.js';

/** Renders, signs and delivers a business message to a bank (XmlOutbox). */
export interface BankChannel {
  sendDocument(to: string, doc: BusinessDocument): Promise<DeliveryResult>;
}

/** Who reports (the hub, as it registered) and about whom (the participant, with its BIC when registered). */
export function reportParties(directory: ParticipantDirectory, hubName: string, participant: string): ReportParties {
  const bic = directory.isoIdentifiers(participant)?.bicfi;
  return { hubName, hub: { FinInstnId: registeredFinInstnId(directory, hubName) }, participant, ...(bic === undefined ? {} : { participantBic: bic }) };
}

/** Work queued per participant: each starts when the previous one for that participant has ended. */
export class PerParticipantQueue {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly log: Logger) {}

  push(participant: string, what: string, work: () => Promise<unknown>): void {
    const tail = (this.tails.get(participant) ?? Promise.resolve()).then(work).then(
      () => undefined,
      (err: unknown) => this.log.error({ err, participant, what }, 'settlement report failed'),
    );
    this.tails.set(participant, tail);
    void tail.then(() => {
      if (this.tails.get(participant) === tail) this.tails.delete(participant);
    });
  }

  /** Settles once everything queued so far has ended (tests, orderly stop). */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}

export class SettlementReporter implements SettlementReports {
  private readonly queue: PerParticipantQueue;

  constructor(
    private readonly directory: ParticipantDirectory,
    private readonly banks: BankChannel,
    private readonly notices: SettlementNotices,
    private readonly hubName: string,
    private readonly log: Logger,
  ) {
    this.queue = new PerParticipantQueue(log);
  }

  movementBooked(m: BookedMovement): void {
    if (this.directory.registry.isHubName(m.participant)) return;
    this.queue.push(m.participant, `camt.054 ${m.kind} ${m.transferId}`, () => this.movement(m));
  }

  statementSettled(s: SettledAccountStatement): void {
    if (this.directory.registry.isHubName(s.participant)) return;
    this.queue.push(s.participant, `camt.053 settlement ${s.settlementId} account ${s.accountId}`, () => this.statement(s));
  }

  /** Everything queued so far has been delivered or given up (tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async movement(m: BookedMovement): Promise<void> {
    const bank = this.directory.dialectOf(m.participant) === 'iso20022-xml';
    if (isPositionChange(m)) await this.notices.positionChanged(m, !bank);
    if (!bank) return;
    const message = movementNotification(m, this.parties(m.participant), this.stamp());
    this.outcome(m.participant, 'camt.054', await this.banks.sendDocument(m.participant, { kind: 'camt.054', message }));
  }

  private async statement(s: SettledAccountStatement): Promise<void> {
    if (this.directory.dialectOf(s.participant) !== 'iso20022-xml') {
      const { participant, currency, ledgerAccountType, settlementId, accountId } = s;
      const figures = { opening: ledgerDisplay(s.opening), closing: ledgerDisplay(s.closing), windows: s.windows.map((w) => w.windowId) };
      this.log.info({ participant, currency, ledgerAccountType, settlementId, accountId, ...figures }, 'settled account statement');
      return;
    }
    const message = settledStatement(s, this.parties(s.participant), this.stamp());
    this.outcome(s.participant, 'camt.053', await this.banks.sendDocument(s.participant, { kind: 'camt.053', message }));
  }

  private parties(participant: string): ReportParties {
    return reportParties(this.directory, this.hubName, participant);
  }

  private stamp(): { msgId: string; now: string } {
    return { msgId: newMessageId(), now: new Date().toISOString() };
  }

  /** Delivery failures, missing endpoints and refusals are logged where they happen (XmlOutbox, Delivery). */
  private outcome(participant: string, kind: string, result: DeliveryResult): void {
    this.log.debug({ participant, kind, ok: result.ok, status: result.status }, 'settlement report to a bank');
  }
}
