/**
 * What the bank bridge needs in words it does not speak, as interfaces it owns: messages to banks (ISO 20022 XML,
 * switch/notify/bank-outbox.ts) and the wording of reasons and ILP transactions (switch/notify/bridge-wording.ts).
 * The bridge decides on canonical messages and outcomes; these render them.
 */
import type { Agent, Party, StatusReason } from '../../../schemas/iso/common.js';
import type { CancellationRequest } from '../../../schemas/iso/camt056.js';
import type { OriginalGroupInformation, OriginalTransactionReference } from '../../../schemas/iso/original.js';
import type { GroupStatus } from '../../../schemas/iso/bulk-transfers.js';
import type { Pacs002 } from '../../../schemas/iso/pacs002.js';
import type { Pacs008 } from '../../../schemas/iso/pacs008.js';
import type { QuoteRequest } from '../../../schemas/iso/quotes.js';
import type { Reason } from '../../../schemas/outcomes.js';
import type { DeliveryResult } from '../outbox.js';

/** A payment's state as a cancellation request meets it (null: not the requester's, or unknown). */
export type PaymentStateForCancellation = 'RECEIVED' | 'RESERVED' | 'COMMITTED' | 'ABORTED' | null;

/** One transaction of a bank's multi-transaction pacs.008, as the group's pacs.002 reports it. */
export interface BankGroupLineStatus {
  /** The payment's id (the bank's TxId, else UETR, else EndToEndId): unique in the message. */
  id: string;
  /** How the bank named the transaction (OrgnlInstrId, OrgnlEndToEndId, OrgnlTxId, OrgnlUETR). */
  reference: OriginalTransactionReference;
  /** ACSC: committed; RJCT: refused or aborted, for `reason`. Absent: not final yet. */
  status?: 'ACSC' | 'RJCT';
  reason?: Reason;
}

/** The status of a bank's multi-transaction pacs.008 (pacs.002 OrgnlGrpInfAndSts + one TxInfAndSts per transaction). */
export interface BankGroupStatus {
  group: OriginalGroupInformation;
  /** Once every transaction is final (or the message as a whole is refused, with `reason`). */
  status?: GroupStatus;
  /** Why the message as a whole is refused (OrgnlGrpInfAndSts/StsRsnInf). */
  reason?: Reason;
  /** When the last transaction became final. */
  completedAt?: string;
  lines: BankGroupLineStatus[];
}

export interface BankOutbox {
  /** A pacs.002 to `bank`; naming the payment the way `reference` does, else the way the bank's pacs.008 did. */
  sendStatus(bank: string, status: Pacs002, reference?: OriginalTransactionReference): Promise<DeliveryResult>;
  /** A pacs.002 RJCT about payment `id` for `reason`, in the bank's words. */
  sendRejection(bank: string, id: string, reason: Reason, reference?: OriginalTransactionReference): Promise<DeliveryResult>;
  /** The pacs.002 about a bank's multi-transaction pacs.008, to that bank. */
  sendGroupStatus(bank: string, status: BankGroupStatus): Promise<DeliveryResult>;
  /** The camt.029 answering a cancellation request, by the state the payment was in. */
  sendCancellationResolution(bank: string, request: CancellationRequest, state: PaymentStateForCancellation): Promise<DeliveryResult>;
}

export interface BridgeWording {
  /** The pacs.002 a bank gets for a reason read back from a record (a transfer's cause, an instruction's reason). */
  recordedReport(id: string, reason: Reason): Pacs002;
  /** A reason someone gave (a payee's error, a stored `<code>: <text>`), worded for a bank. */
  givenReasonForBank(reason: StatusReason | undefined): StatusReason;
  /** A bank's rejection as the reason the payer is forwarded. */
  reasonFromBank(reason: StatusReason | undefined): StatusReason;
  /** A bank's debtor or creditor as Mojaloop identifies parties (a party id type and identifier), canonical. */
  mojaloopParty(party: Party | undefined, account: Pacs008['CdtTrfTxInf']['DbtrAcct'], fsp: string, field: string): { Pty: Party; Agt?: Agent };
  /** The transaction the terms of a bank-to-bank payment carry (the ILP packet's data). */
  paymentTransaction(
    tx: Pick<Pacs008['CdtTrfTxInf'], 'Dbtr' | 'DbtrAcct' | 'Cdtr' | 'CdtrAcct' | 'IntrBkSttlmAmt'>,
    ids: { transferId: string; bank: string; payee: string; expiresAt: string },
  ): Record<string, unknown>;
  /** The transaction the terms of a quote answered for a bank payee carry. */
  quoteTransaction(quoteId: string, request: QuoteRequest, expiration: string): Record<string, unknown>;
}
