/**
 * What participants that are not banks (FSPIOP and ISO 20022 JSON dialects) and the operator get of settlement
 * (docs/settlement-banks.md, "FSPIOP participants and the operator").
 *
 * Mojaloop: when a settlement transfer changes a DFSP's position, central-settlement emits a
 * `settlement-transfer-position-change` notification `{currency, value, changedDate}` (value = the position after it)
 * and the central-event-processor e-mails it, subject "Settlement Position Change", to the DFSP's and the Hub's
 * `SETTLEMENT_TRANSFER_POSITION_CHANGE_EMAIL` endpoints. Funds in/out and statements are not notified. Mizani sends
 * no e-mail; for the same events it gives:
 *
 *   - a structured log line (info, `event: settlement-transfer-position-change`), with the e-mail addresses the
 *     participant and the hub registered (`notifyEmail`, `hubNotifyEmail`) so a log pipeline can mail it;
 *   - a JSON POST of the same notice to the participant's `SETTLEMENT_NOTIFICATION_URL` (not to banks: they get the
 *     camt.054) and to the hub participant's `SETTLEMENT_NOTIFICATION_URL` (the operator's copy, every participant),
 *     signed like every message the hub authors (FSPIOP-Signature with FSPIOP-URI `/settlementNotifications`, when the
 *     hub has a JWS key), delivered and retried like every callback.
 */
import type { Logger } from 'pino';
import { ledgerDisplay } from '../../../ledger/units.js';
import type { BookedMovement } from '../../core/settlement/reports.js';
import type { ParticipantDirectory } from '../../directory/participants.js';
import type { Delivery } from '../delivery.js';
import { sortedJson, type HubSigner } from '../fspiop.js';

/** The endpoint type a participant (or the hub, for the operator) registers for settlement notices. */
export const SETTLEMENT_NOTIFICATION_URL = 'SETTLEMENT_NOTIFICATION_URL';
/** Mojaloop's e-mail endpoint type: Mizani cannot mail; its value is put on the log line. */
export const POSITION_CHANGE_EMAIL = 'SETTLEMENT_TRANSFER_POSITION_CHANGE_EMAIL';
/** FSPIOP-URI of the signed notice (it is no FSPIOP resource; the signature needs one). */
export const NOTICE_URI = '/settlementNotifications';

/** Mojaloop's payload (`currency`, `value`, `changedDate`) and what Mizani knows besides. Amounts: exact decimal text. */
export interface PositionChangeNotice {
  event: 'settlement-transfer-position-change';
  participant: string;
  currency: string;
  /** The account's value after the change, in the ledger's (Mojaloop's) sign, as the Admin API shows it. */
  value: string;
  changedDate: string;
  kind: BookedMovement['kind'];
  ledgerAccountType: string;
  /** The change, in the ledger's sign. */
  change: string;
  transferId: string;
  settlementId?: number;
  settlementWindowIds?: number[];
}

/** Settlement movements change a position; funds in/out are not notified (Mojaloop does not either). */
export function isPositionChange(m: BookedMovement): boolean {
  return m.kind === 'SETTLEMENT_NET_SENDER' || m.kind === 'SETTLEMENT_NET_RECIPIENT' || m.kind === 'SETTLEMENT_NET_ZERO';
}

export function positionChangeNotice(m: BookedMovement): PositionChangeNotice {
  const notice: PositionChangeNotice = {
    event: 'settlement-transfer-position-change',
    participant: m.participant,
    currency: m.currency,
    value: ledgerDisplay(m.balanceAfter),
    changedDate: m.bookedAt,
    kind: m.kind,
    ledgerAccountType: m.ledgerAccountType,
    change: ledgerDisplay(m.amount),
    transferId: m.transferId,
  };
  if (m.settlementId !== undefined) notice.settlementId = m.settlementId;
  if (m.windowIds !== undefined) notice.settlementWindowIds = [...m.windowIds];
  return notice;
}

export class SettlementNotices {
  constructor(
    private readonly directory: ParticipantDirectory,
    private readonly delivery: Pick<Delivery, 'send'>,
    private readonly config: { hubName: string; signer?: HubSigner },
    private readonly log: Logger,
  ) {}

  /** The log line, the operator's copy and (`toParticipant`) the participant's own notice. Never throws. */
  async positionChanged(m: BookedMovement, toParticipant: boolean): Promise<void> {
    const notice = positionChangeNotice(m);
    const hub = this.config.hubName;
    const email = this.directory.endpoint(m.participant, POSITION_CHANGE_EMAIL);
    const hubEmail = this.directory.endpoint(hub, POSITION_CHANGE_EMAIL);
    this.log.info({ ...notice, ...(email ? { notifyEmail: email } : {}), ...(hubEmail ? { hubNotifyEmail: hubEmail } : {}) }, 'Settlement Position Change');
    await Promise.all([toParticipant ? this.post(m.participant, notice) : undefined, this.post(hub, notice)]);
  }

  private async post(to: string, notice: PositionChangeNotice): Promise<void> {
    const url = this.directory.endpoint(to, SETTLEMENT_NOTIFICATION_URL);
    if (!url) return;
    const body = sortedJson(notice);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      date: new Date().toUTCString(),
      'fspiop-source': this.config.hubName,
      'fspiop-destination': to,
      'fspiop-uri': NOTICE_URI,
      'fspiop-http-method': 'POST',
    };
    try {
      if (this.config.signer) {
        const { hubName } = this.config;
        headers['fspiop-signature'] = await this.config.signer.sign({
          method: 'POST',
          uri: NOTICE_URI,
          source: hubName,
          destination: to,
          date: headers.date!,
          body,
        });
      }
      await this.delivery.send({ to, url, method: 'POST', headers, body });
    } catch (err) {
      this.log.error({ err, participant: to, endpointType: SETTLEMENT_NOTIFICATION_URL }, 'settlement notice not sent');
    }
  }
}
