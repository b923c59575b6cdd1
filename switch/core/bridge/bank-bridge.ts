/**
 * The hub acting on a bank's behalf (docs/iso20022.md). Banks send one-shot pacs.008 instructions
 * and confirm credits with pacs.002; Mojaloop participants discover, agree and transfer. The bridge:
 *   - carries a bank's pacs.008 through agreement with the payee (or, to another bank, straight to
 *     the transfer with terms the hub issues), then into the ordinary transfer lifecycle;
 *   - answers quotes for bank payees with terms it issues, and turns a bank's acceptance into the
 *     commit (with the fulfilment the hub holds) or its rejection into the abort;
 *   - answers pacs.028 status requests and camt.056 cancellation requests.
 * Every step that a bank is promised something about is recorded before the promise.
 */
import { bankInbound } from './bank-inbound.js';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { configure } from 'safe-stable-stringify';
import { formatAmount, type Amount } from '../../../schemas/amount.js';
import { readPartyIdentification } from '../../../schemas/iso/common.js';
import { translationRefusal } from '../../../schemas/iso/translation.js';
import { DomainError, isDomainError, reasonOfStoredCause, reasonText, storedCause, type Reason } from '../../../schemas/outcomes.js';
import type { CancellationRequest } from '../../../schemas/iso/camt056.js';
import type { Pacs002 } from '../../../schemas/iso/pacs002.js';
import { completePacs008, type Pacs008, type Pacs008FromXml } from '../../../schemas/iso/pacs008.js';
import type { OriginalTransactionReference } from '../../../schemas/iso/original.js';
import type { PaymentStatusRequest } from '../../../schemas/iso/pacs028.js';
import type { QuoteRequest, QuoteResponse } from '../../../schemas/iso/quotes.js';
import type { Db } from '../../../ledger/db.js';
import { apiState, type LedgerReader } from '../../../ledger/reader.js';
import type { QuoteRecord, QuoteRecords } from '../../../ledger/quotes.js';
import { findTransactionRequest } from '../../../ledger/transaction-requests.js';
import type { Registry } from '../../../ledger/registry.js';
import { fromLedger, ledgerText, parseLedger, toLedger } from '../../../ledger/units.js';
import { agentName } from '../../../schemas/iso/institutions.js';
import type { ParticipantDirectory } from '../../directory/participants.js';
import type { PartyDirectory } from '../discovery/directory.js';
import { isPartyIdType } from '../../../schemas/iso/parties.js';
import { authenticateSender, runLater } from '../identity.js';
import type { InboundMessage, QuoteOutbox } from '../outbox.js';
import { hubStatus, newMessageId } from '../status.js';
import { isUlid } from '../../../schemas/iso/translation.js';
import type { Bus } from '../../bus/bus.js';
import { transferTopics } from '../topics.js';
import type { HubTerms } from './hub-terms.js';
import type { BankOutbox, BridgeWording, PaymentStateForCancellation } from './ports.js';
import { conversionAskOf, type BankConversions } from './bank-conversions.js';

const sortedJson = configure({ deterministic: true, bigint: true }) as (value: unknown) => string;

/** A bank payment's id (the bank's: TxId, else UETR, else EndToEndId) and its id in the ledger. */
interface PaymentIds {
  id: string;
  transferId: string;
}

export interface BankBridgeConfig {
  hubName: string;
  /** Lifetime of a bank instruction that names no expiry. */
  paymentExpiryMs: number;
  /** Lifetime of the terms the hub issues for a bank payee. */
  quoteExpiryMs: number;
}

interface BridgeRow {
  id: string;
  payer: string;
  payee: string | null;
  state: 'RECEIVED' | 'QUOTING' | 'TRANSFERRING' | 'REJECTED' | 'CANCELLED';
  quote_id: string | null;
  request_hash: string;
  instruction: Record<string, unknown>;
  reason: string | null;
  expires_at: Date;
  /** The payment's id in the ledger and towards the payee, when not `id` (see `transferIdFor`). */
  transfer_id: string | null;
}

/** Ids FSPIOP participants carry (FSPIOP CorrelationId: a UUID or a ULID). */
const FSPIOP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$|^[0-9A-HJKMNP-TV-Z]{26}$/;

/** JSON of a canonical message with its bigint amounts as text (`{"$units": "..."}`), and back. */
export function storeInstruction(message: Pacs008FromXml): string {
  return JSON.stringify(message, (_key, value) => (typeof value === 'bigint' ? { $units: value.toString() } : value));
}

export function loadInstruction(stored: Record<string, unknown>): Pacs008FromXml {
  return JSON.parse(JSON.stringify(stored), (_key, value) =>
    value && typeof value === 'object' && typeof value.$units === 'string' && Object.keys(value).length === 1 ? BigInt(value.$units) : value,
  ) as Pacs008FromXml;
}

/** The canonical hash of a business document: resending it with a new header is the same request. */
export function documentHash(message: unknown): string {
  return createHash('sha256').update(sortedJson(message)).digest('base64url');
}

/**
 * The transfer a status request, cancellation or status report names: by OrgnlTxId, else (a payment sent without
 * TxId, whose transfer id is its UETR, else its EndToEndId) by OrgnlUETR, else OrgnlEndToEndId.
 */
export function transferIdOf(ref: Pick<OriginalTransactionReference, 'OrgnlTxId' | 'OrgnlUETR' | 'OrgnlEndToEndId'>): string | undefined {
  const e2e = ref.OrgnlEndToEndId === 'NOTPROVIDED' ? undefined : ref.OrgnlEndToEndId;
  return ref.OrgnlTxId ?? ref.OrgnlUETR ?? e2e;
}

const NO_TRANSFER_NAMED = 'names the transfer by neither OrgnlTxId, OrgnlUETR nor OrgnlEndToEndId';

/**
 * A stored cause or bridge reason as the reason it records: the hub's outcome, or the `<code>: <text>` someone gave
 * (worded for a bank: the code's standard description when the text is empty). Nothing stored: `fallback`; a code
 * the hub cannot read: the fallback's outcome with the text that followed.
 */
export function storedReason(wording: BridgeWording, text: string | null, fallback: DomainError): Reason {
  return reasonOfStoredCause(text, fallback, (given) => wording.givenReasonForBank(given));
}

/** Bank payments that are transactions of a bank's multi-transaction pacs.008 (bank-groups.ts): reported with their group. */
export interface GroupPayments {
  /** Payment `id` of `bank` became final in the bridge (rejected, cancelled): true when a group reports it. */
  paymentFinished(id: string, bank: string): Promise<boolean>;
}

export class BankBridge {
  private sweepTimer?: NodeJS.Timeout;
  private groups?: GroupPayments;

  constructor(
    private readonly db: Db,
    private readonly registry: Registry,
    private readonly participants: ParticipantDirectory,
    private readonly ledger: LedgerReader,
    private readonly quotes: QuoteRecords,
    private readonly directory: PartyDirectory,
    private readonly bus: Bus,
    private readonly quoteOutbox: QuoteOutbox,
    private readonly banks: BankOutbox,
    private readonly wording: BridgeWording,
    private readonly terms: HubTerms,
    private readonly config: BankBridgeConfig,
    private readonly log: Logger,
  ) {}

  private later(work: () => Promise<unknown> | unknown): void {
    runLater(this.log, work);
  }

  /** Payments of a bank's group are reported with the group, not alone. */
  useGroups(groups: GroupPayments): void {
    this.groups = groups;
  }

  private conversions?: BankConversions;

  /** Cross-currency payments of banks (bank-conversions.ts, docs/fx.md "Banks"). */
  useConversions(conversions: BankConversions): void {
    this.conversions = conversions;
    conversions.usePayments({
      requestPayeeTerms: (id, amount) => this.requestPayeeTerms(id, amount),
      startDependentTransfer: (id, amounts, terms, expiresAt) => this.startDependentTransfer(id, amounts, terms, expiresAt),
      rejectPayment: (id, bank, reason) => this.reject(id, bank, reason),
    });
  }

  // ---------------------------------------------------------------- a bank pays

  /**
   * A bank's pacs.008. Resolves once the instruction is recorded (the bank may then be told 202). `reference`: how the
   * bank named the payment (every pacs.002 about it names it the same way, see `originalReference`).
   */
  async payFromBank(message: Pacs008FromXml, inbound: InboundMessage, reference?: OriginalTransactionReference): Promise<void> {
    const bank = inbound.source;
    authenticateSender(this.registry, bank);
    const id = message.CdtTrfTxInf.PmtId.TxId;
    const expiresAt = message.GrpHdr.PmtInstrXpryDtTm ?? new Date(Date.now() + this.config.paymentExpiryMs).toISOString();
    const inserted = await this.db.query<{ id: string }>(
      `INSERT INTO bridge_payment (id, payer, state, request_hash, instruction, expires_at, original)
       VALUES ($1, $2, 'RECEIVED', $3, $4::jsonb, $5, $6::jsonb) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [id, bank, inbound.hash, storeInstruction(message), expiresAt, reference ? JSON.stringify(reference) : null],
    );
    if (inserted.rows.length === 0) return this.duplicateInstruction(id, inbound, reference);
    this.log.info({ transferId: id, payer: bank, amount: formatAmount(message.CdtTrfTxInf.IntrBkSttlmAmt) }, 'bank instruction received');
    this.later(() => this.route(id, message, inbound));
  }

  private async duplicateInstruction(id: string, inbound: InboundMessage, reference?: OriginalTransactionReference): Promise<void> {
    const row = await this.row(id);
    if (!row || row.payer !== inbound.source || row.request_hash !== inbound.hash) {
      const modified = new DomainError(
        'MODIFIED_DUPLICATE',
        'an instruction with this transfer id and a different content was received before',
        row ? { originalHash: row.request_hash } : undefined,
      );
      // About the message just received, not the one recorded under this id.
      this.later(() => this.banks.sendRejection(inbound.source, id, modified, reference));
      return;
    }
    // The same instruction again: tell the bank where it stands (if it is final), else nothing.
    this.later(async () => {
      const status = await this.statusOf(id);
      if (status && status.TxInfAndSts.TxSts && status.TxInfAndSts.TxSts !== 'RECV' && status.TxInfAndSts.TxSts !== 'RESV') {
        await this.banks.sendStatus(inbound.source, status);
      }
    });
  }

  /** A payment recorded by someone else (a transaction of a bank's group, bank-groups.ts), carried like one of `payFromBank`. */
  routeRecorded(id: string, message: Pacs008FromXml, inbound: InboundMessage): Promise<void> {
    return this.route(id, message, inbound);
  }

  private async route(id: string, message: Pacs008FromXml, inbound: InboundMessage): Promise<void> {
    const bank = inbound.source;
    const tx = message.CdtTrfTxInf;
    try {
      for (const element of ['DbtrAgt', 'InstgAgt'] as const) {
        const named = agentName(tx[element]);
        if (named !== undefined && named !== bank) throw new DomainError('AGENT_IS_NOT_SENDER', `${element} ${named} is not the instructing bank ${bank}`);
      }
      // A cross-currency payment: InstdAmt in the payee's currency (docs/fx.md "Banks").
      const conversion = conversionAskOf(message);
      const payee = await this.resolvePayee(message, inbound, conversion?.target.currency);
      if (payee === bank) throw new DomainError('PAYER_IS_PAYEE', 'the creditor agent is the instructing bank itself');
      this.checkInstructedAgent(tx.InstdAgt, payee);
      // The determining transfer of a conversion travels to the FXP too (ISO JSON FXPs take ULIDs only).
      const transferId = conversion ? (isUlid(id) ? id : newMessageId()) : this.transferIdFor(id, payee);
      await this.db.query(`UPDATE bridge_payment SET payee = $2, transfer_id = $3, changed_at = now() WHERE id = $1`, [id, payee, transferId]);
      const amount = tx.IntrBkSttlmAmt;
      const expiresAt = message.GrpHdr.PmtInstrXpryDtTm ?? (await this.row(id))!.expires_at.toISOString();
      if (conversion) {
        if (!this.conversions || this.participants.dialectOf(payee) === 'iso20022-xml') {
          throw new DomainError(
            'DESTINATION_DIALECT_UNSUPPORTED',
            `a cross-currency payment to a bank (${payee}) is not supported: banks agree no conversion terms`,
          );
        }
        return await this.conversions.begin(id, transferId, bank, conversion, expiresAt, inbound.hash);
      }
      if (this.participants.dialectOf(payee) === 'iso20022-xml') {
        // Bank to bank: no agreement phase; the hub issues the terms and holds their fulfilment.
        const transaction = this.wording.paymentTransaction(tx, { transferId, bank, payee, expiresAt });
        const issued = await this.terms.issue(transaction, amount, expiresAt);
        return await this.startTransfer({ id, transferId }, message, bank, payee, issued, expiresAt, inbound);
      }
      await this.requestTerms({ id, transferId }, message, bank, payee, expiresAt, inbound);
    } catch (err) {
      await this.reject(id, bank, this.reasonOf(err));
    }
  }

  /** The payee FSP: the creditor agent when it names a participant, else the oracle's holder of the creditor. */
  private async resolvePayee(message: Pacs008FromXml, inbound: InboundMessage, currency = message.CdtTrfTxInf.IntrBkSttlmAmt.currency): Promise<string> {
    const tx = message.CdtTrfTxInf;
    const named = agentName(tx.CdtrAgt);
    if (named !== undefined && named !== this.config.hubName) {
      const participant = this.registry.participant(named);
      if (!participant || participant.isHub) throw new DomainError('DESTINATION_UNKNOWN', `creditor agent ${named} is not a participant`);
      if (!participant.isActive) throw new DomainError('DESTINATION_INACTIVE', `creditor agent ${named} is inactive`);
      return participant.name;
    }
    const { type, identifier } = readPartyIdentification(tx.Cdtr?.Id);
    if (!type || !identifier || !isPartyIdType(type)) {
      throw new DomainError('PAYEE_UNRESOLVABLE', 'the creditor agent is not named and the creditor has no party identifier to look up');
    }
    const entries = await this.directory.lookup({ type, id: identifier }, currency, inbound.source);
    const holder = entries[0]?.fspId;
    if (!holder) throw new DomainError('PARTY_NOT_FOUND', `${type} ${identifier} is not registered`);
    return holder;
  }

  /**
   * The payment's id in the ledger and towards the payee: the bank's own (its TxId, else UETR, else EndToEndId) when
   * the payee's dialect carries it, else a ULID the hub assigns (Mojaloop ids are UUIDs or ULIDs; ISO JSON: ULIDs).
   * Whatever it is, every pacs.002 to the bank names the payment the bank's way (`originalReference`).
   */
  private transferIdFor(id: string, payee: string): string {
    const dialect = this.participants.dialectOf(payee);
    const carried = dialect === 'iso20022-xml' || (dialect === 'iso20022-json/2.0' ? isUlid(id) : FSPIOP_ID.test(id));
    return carried ? id : newMessageId();
  }

  /** The ledger's id of a payment a bank names by its own id (the same unless `transferIdFor` assigned one). */
  private async ledgerIdOf(id: string): Promise<string> {
    return (await this.row(id))?.transfer_id ?? id;
  }

  /** InstdAgt, when named, is the hub (the clearing system) or the payee's participant. */
  private checkInstructedAgent(agent: Pacs008['CdtTrfTxInf']['InstdAgt'], payee: string): void {
    const named = agentName(agent);
    if (named === undefined || named === payee || named === this.config.hubName) return;
    if (!this.registry.participant(named)) throw new DomainError('DESTINATION_UNKNOWN', `instructed agent ${named} is not a participant`);
    throw new DomainError('INSTRUCTED_AGENT_MISMATCH', `InstdAgt ${named} is neither the hub nor the creditor agent ${payee}`);
  }

  /** Agreement with a Mojaloop payee, by the hub for the bank: a quote request the hub authors. */
  private async requestTerms(
    ids: PaymentIds,
    message: Pacs008FromXml,
    bank: string,
    payee: string,
    expiresAt: string,
    inbound: InboundMessage,
    /** What the payee gets: the instructed amount, or the target amount of the conversion the bank's payment makes. */
    amount: Amount = message.CdtTrfTxInf.IntrBkSttlmAmt,
  ) {
    const { id, transferId } = ids;
    const tx = message.CdtTrfTxInf;
    const converts = amount !== tx.IntrBkSttlmAmt;
    const quoteId = newMessageId();
    const payer = this.wording.mojaloopParty(tx.Dbtr, tx.DbtrAcct, bank, 'Dbtr');
    const payeeParty = this.wording.mojaloopParty(tx.Cdtr, tx.CdtrAcct, payee, 'Cdtr');
    const requestId = await this.requestPaidBy(tx.PmtId.InstrId, bank, payee);
    const request: QuoteRequest = {
      GrpHdr: { MsgId: quoteId, CreDtTm: new Date().toISOString(), PmtInstrXpryDtTm: expiresAt },
      CdtTrfTxInf: {
        PmtId: { TxId: quoteId, EndToEndId: transferId, ...(requestId ? { InstrId: requestId } : {}) },
        IntrBkSttlmAmt: amount,
        ChrgBr: 'CRED',
        Dbtr: payer.Pty,
        DbtrAgt: payer.Agt ?? { FinInstnId: { Othr: { Id: bank } } },
        Cdtr: payeeParty.Pty,
        CdtrAgt: payeeParty.Agt ?? { FinInstnId: { Othr: { Id: payee } } },
        Purp: { Prtry: 'TRANSFER' },
        // The payer converts (v2.0 `converter`): the payee is paid by the FXP's position in its currency.
        ...(converts ? { SplmtryData: { converter: 'PAYER' as const } } : {}),
      },
    };
    let ledgerAmount: string | undefined;
    try {
      ledgerAmount = ledgerText(toLedger(amount.units));
    } catch {
      throw new DomainError('AMOUNT_TOO_PRECISE_FOR_LEDGER', `amount ${formatAmount(amount)} has more decimals than the ledger holds`);
    }
    const recorded = await this.quotes.record({
      id: quoteId,
      payer: bank,
      payee,
      currency: amount.currency,
      amount: ledgerAmount,
      expiration: expiresAt,
      state: 'RECEIVED',
      request_hash: inbound.hash,
      ...(requestId ? { transaction_request_id: requestId, transaction_id: transferId } : {}),
    });
    if (recorded.conflict) throw new DomainError('ID_COLLISION', 'a fresh quote id collided');
    const moved = await this.db.query(`UPDATE bridge_payment SET state = 'QUOTING', quote_id = $2, changed_at = now() WHERE id = $1 AND state = 'RECEIVED'`, [
      id,
      quoteId,
    ]);
    if (moved.rowCount === 0) return; // cancelled meanwhile
    const sent = await this.quoteOutbox.forwardQuoteRequest(payee, quoteId, request, inbound);
    if (sent.refused) return this.reject(id, bank, sent.refused);
    if (sent.noEndpoint) throw new DomainError('DESTINATION_NO_ENDPOINT', `${payee} has no quotes endpoint`);
    if (!sent.ok) throw new DomainError('DESTINATION_UNREACHABLE', `${payee} could not be reached`);
  }

  /**
   * The request to pay a bank's payment answers (docs/r2p.md): its InstrId, when that names a transaction request the
   * payee sent this bank. (A bank's InstrId is otherwise its own reference, which the payee must not read as one.)
   */
  private async requestPaidBy(instrId: string | undefined, bank: string, payee: string): Promise<string | undefined> {
    if (instrId === undefined) return undefined;
    const request = await findTransactionRequest(this.db, instrId);
    return request && request.payer === bank && request.payee === payee ? request.id : undefined;
  }

  /** The payee's answer to a quote the hub requested for a bank (called by the quote service). */
  async onQuoteAnswer(quote: QuoteRecord, answer: { response?: QuoteResponse; error?: Pacs002 }): Promise<void> {
    const rows = await this.db.query<BridgeRow>('SELECT * FROM bridge_payment WHERE quote_id = $1', [quote.id]);
    const row = rows.rows[0];
    if (!row || row.state !== 'QUOTING') {
      this.log.info({ quoteId: quote.id, state: row?.state }, 'quote answer for a bank instruction that is no longer being agreed');
      return;
    }
    const message = loadInstruction(row.instruction);
    // The payee's own error is the bank's answer, as the payee gave it.
    if (answer.error) return this.reject(row.id, row.payer, this.wording.givenReasonForBank(answer.error.TxInfAndSts.StsRsnInf));
    try {
      const response = answer.response!;
      const offered = response.CdtTrfTxInf.IntrBkSttlmAmt;
      // A converting payment's payee was asked for the conversion's target amount, which is the quote's.
      const converting = (await this.conversions?.converting(row.id)) === true;
      const instructed: Amount =
        converting && quote.amount !== null ? { currency: quote.currency, units: fromLedger(parseLedger(quote.amount)) } : message.CdtTrfTxInf.IntrBkSttlmAmt;
      if (offered.currency !== instructed.currency || offered.units !== instructed.units) {
        throw new DomainError(
          'TERMS_DIFFER_FROM_INSTRUCTION',
          `the payee's terms (${formatAmount(offered)} ${offered.currency}) differ from the instructed amount (${formatAmount(instructed)} ${instructed.currency})`,
        );
      }
      const quoteExpiry = Date.parse(response.GrpHdr.PmtInstrXpryDtTm);
      const expiresAt = new Date(Math.min(quoteExpiry, row.expires_at.getTime())).toISOString();
      const packet = response.CdtTrfTxInf.VrfctnOfTerms.IlpV4PrepPacket;
      if (!packet) throw new DomainError('ILP_PACKET_MISSING', 'the payee answered without an ILP packet');
      const ids = { id: row.id, transferId: row.transfer_id ?? row.id };
      if (converting) {
        return await this.conversions!.convert(
          row.id,
          { ilpPacket: packet, condition: response.CdtTrfTxInf.ExctnCond },
          expiresAt,
          ids.transferId,
          row.request_hash,
        );
      }
      await this.startTransfer(
        ids,
        message,
        row.payer,
        quote.payee,
        { ilpPacket: packet, condition: response.CdtTrfTxInf.ExctnCond },
        expiresAt,
        undefined,
        row.request_hash,
      );
    } catch (err) {
      await this.reject(row.id, row.payer, this.reasonOf(err));
    }
  }

  /** A converting payment (bank-conversions.ts): the FXP's terms hold, the payee is asked for the target amount. */
  private async requestPayeeTerms(id: string, amount: Amount): Promise<void> {
    const row = await this.row(id);
    if (!row || row.state !== 'RECEIVED' || !row.payee) return;
    try {
      const message = loadInstruction(row.instruction);
      const inbound = bankInbound(row.payer, row.payee, row.request_hash);
      await this.requestTerms({ id, transferId: row.transfer_id ?? id }, message, row.payer, row.payee, row.expires_at.toISOString(), inbound, amount);
    } catch (err) {
      await this.reject(id, row.payer, this.reasonOf(err));
    }
  }

  /**
   * A converting payment whose conversion the FXP fulfilled: the dependent transfer, in the target currency, naming the
   * source amount it was instructed in and the FXP's rate when exact (what the payee learns of the conversion).
   */
  private async startDependentTransfer(
    id: string,
    amounts: { source: Amount; target: Amount; rate?: string },
    terms: { ilpPacket: string; condition: string },
    expiresAt: string,
  ): Promise<void> {
    const row = await this.row(id);
    if (!row || !row.payee) return;
    const message = loadInstruction(row.instruction);
    const { XchgRate: _bankRate, ...tx } = message.CdtTrfTxInf;
    void _bankRate; // the bank's rate converts the other way (target into source): checked, not carried
    message.CdtTrfTxInf = {
      ...tx,
      IntrBkSttlmAmt: amounts.target,
      InstdAmt: amounts.source,
      ...(amounts.rate !== undefined ? { XchgRate: amounts.rate } : {}),
    };
    await this.startTransfer({ id, transferId: row.transfer_id ?? id }, message, row.payer, row.payee, terms, expiresAt, undefined, row.request_hash);
  }

  /** The transfer itself: the ordinary lifecycle, with the bank as payer. */
  private async startTransfer(
    { id, transferId }: PaymentIds,
    message: Pacs008FromXml,
    bank: string,
    payee: string,
    terms: { ilpPacket: string; condition: string },
    expiresAt: string,
    inbound?: InboundMessage,
    hash?: string,
  ): Promise<void> {
    const moved = await this.db.query(
      `UPDATE bridge_payment SET state = 'TRANSFERRING', changed_at = now() WHERE id = $1 AND state IN ('RECEIVED', 'QUOTING')`,
      [id],
    );
    if (moved.rowCount === 0) return; // cancelled or rejected meanwhile
    const transfer: Pacs008 = completePacs008(message, { PmtInstrXpryDtTm: expiresAt, ExctnCond: terms.condition });
    transfer.GrpHdr.PmtInstrXpryDtTm = expiresAt;
    transfer.CdtTrfTxInf.ExctnCond = terms.condition;
    transfer.CdtTrfTxInf.VrfctnOfTerms = { IlpV4PrepPacket: terms.ilpPacket };
    transfer.CdtTrfTxInf.PmtId = { ...transfer.CdtTrfTxInf.PmtId, TxId: transferId };
    transfer.CdtTrfTxInf.DbtrAgt = { FinInstnId: { Othr: { Id: bank } } };
    transfer.CdtTrfTxInf.CdtrAgt = { FinInstnId: { Othr: { Id: payee } } };
    // Into the ordinary lifecycle through the one door, keyed by the payer (the bank).
    await this.bus.request(transferTopics.prepare, bank, { message: transfer, inbound: bankInbound(bank, payee, hash ?? inbound!.hash) });
  }

  private async reject(id: string, bank: string, reason: Reason): Promise<void> {
    const moved = await this.db.query(
      `UPDATE bridge_payment SET state = 'REJECTED', reason = $2, changed_at = now() WHERE id = $1 AND state IN ('RECEIVED', 'QUOTING')`,
      [id, storedCause(reason, 200)],
    );
    if (moved.rowCount === 0) return;
    this.log.info({ transferId: id, payer: bank, reason: reasonText(reason) }, 'bank instruction rejected');
    if (await this.groups?.paymentFinished(id, bank)) return;
    await this.banks.sendRejection(bank, id, reason);
  }

  /** Why a step failed: the outcome it threw, a translator's refusal, else (logged) an unexpected failure. */
  private reasonOf(err: unknown): Reason {
    if (isDomainError(err)) return err;
    const refused = translationRefusal(err);
    if (refused) return refused;
    this.log.error({ err }, 'bank bridge failure');
    return new DomainError('UNEXPECTED_FAILURE');
  }

  /** Instructions that never reached a transfer by their expiry are rejected (3303). */
  async sweep(now = new Date()): Promise<number> {
    const due = await this.db.query<BridgeRow>(`SELECT * FROM bridge_payment WHERE state IN ('RECEIVED', 'QUOTING') AND expires_at <= $1`, [now]);
    for (const row of due.rows) {
      await this.reject(row.id, row.payer, new DomainError('TRANSFER_EXPIRED', 'no agreement with the payee before the instruction expired'));
    }
    return due.rows.length;
  }

  startSweep(intervalMs: number): void {
    this.sweepTimer = setInterval(() => void this.sweep().catch((err) => this.log.error({ err }, 'bridge sweep failed')), intervalMs);
    this.sweepTimer.unref();
  }

  stopSweep(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  // ---------------------------------------------------------------- a bank is paid

  /** A quote whose payee is a bank: the hub answers it with terms it issues. */
  async answerQuoteForBank(quoteId: string, request: QuoteRequest, inbound: InboundMessage): Promise<void> {
    const payer = inbound.source;
    const { expiration, terms } = await this.termsForBank([request], request.GrpHdr.PmtInstrXpryDtTm);
    const response = terms[0]!;
    await this.quotes.update({ id: quoteId, state: 'ANSWERED', response_hash: documentHash(response), response_expiration: expiration });
    this.log.info({ quoteId, payer, payee: agentName(request.CdtTrfTxInf.CdtrAgt), state: 'ANSWERED' }, 'quote answered by the hub for a bank');
    await this.quoteOutbox.forwardQuoteAnswer(payer, quoteId, { response }, bankInbound(this.config.hubName, payer, documentHash(response)));
  }

  /**
   * Terms the hub issues on a bank payee's behalf, one per quote request (a single quote, or the individual quotes of
   * a bulk), all expiring together: at the requested expiry, or sooner when the configured lifetime of such terms
   * ends first. Each is an ILP packet over the quote's transaction; the hub holds its fulfilment (hub-terms.ts), so
   * the bank's later acceptance of a transfer on these terms can be fulfilled.
   */
  async termsForBank(requests: readonly QuoteRequest[], requestedExpiry?: string): Promise<{ expiration: string; terms: QuoteResponse[] }> {
    const expiration =
      requestedExpiry && Date.parse(requestedExpiry) < Date.now() + this.config.quoteExpiryMs
        ? requestedExpiry
        : new Date(Date.now() + this.config.quoteExpiryMs).toISOString();
    const issued = await this.terms.issueAll(
      requests.map((request) => ({
        transaction: this.wording.quoteTransaction(request.CdtTrfTxInf.PmtId.TxId, request, expiration),
        amount: request.CdtTrfTxInf.IntrBkSttlmAmt,
        expiresAt: expiration,
      })),
    );
    const terms = requests.map((request, i): QuoteResponse => {
      const tx = request.CdtTrfTxInf;
      return {
        GrpHdr: { MsgId: newMessageId(), CreDtTm: new Date().toISOString(), PmtInstrXpryDtTm: expiration },
        CdtTrfTxInf: {
          PmtId: { TxId: tx.PmtId.TxId },
          IntrBkSttlmAmt: tx.IntrBkSttlmAmt,
          ExctnCond: issued[i]!.condition,
          VrfctnOfTerms: { IlpV4PrepPacket: issued[i]!.ilpPacket },
          ChrgBr: tx.ChrgBr,
          Dbtr: tx.Dbtr,
          DbtrAgt: tx.DbtrAgt,
          Cdtr: tx.Cdtr,
          CdtrAgt: tx.CdtrAgt,
        },
      };
    });
    return { expiration, terms };
  }

  /** A bank's pacs.002 about a transfer it was sent: its acceptance commits, its rejection aborts. */
  async bankStatus(message: Pacs002, inbound: InboundMessage, context: Omit<OriginalTransactionReference, 'OrgnlTxId'> = {}): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const id = transferIdOf({ ...context, OrgnlTxId: message.TxInfAndSts.OrgnlTxId });
    if (!id) throw new DomainError('TRANSFER_REFERENCE_MISSING', `TxInfAndSts ${NO_TRANSFER_NAMED}`);
    const status = message.TxInfAndSts.TxSts;
    const reason = message.TxInfAndSts.StsRsnInf;
    if (status === 'COMM' || status === 'RESV') {
      const live = this.ledger.inFlightTransfer(id);
      const record = live ? undefined : await this.ledger.find(id);
      const condition = live?.condition ?? record?.condition ?? undefined;
      const fulfilment = condition ? await this.terms.fulfilmentFor(condition) : undefined;
      // Keyed by the payer: its position owner finishes the transfer (switch/core/topics.ts).
      const payer = live?.payer ?? record?.payer ?? inbound.source;
      if (!fulfilment) {
        // Not a transfer the hub holds terms for: the fulfil path answers (3208, not the payee, ...).
        return this.bus.request(transferTopics.fulfil, payer, { transferId: id, message: hubStatus(id, { state: 'COMMITTED' }), inbound });
      }
      return this.bus.request(transferTopics.fulfil, payer, { transferId: id, message: hubStatus(id, { state: 'COMMITTED', fulfilment }), inbound });
    }
    if (status === 'ABOR' || reason) {
      const error: Pacs002 = { GrpHdr: message.GrpHdr, TxInfAndSts: { OrgnlTxId: id, StsRsnInf: this.wording.reasonFromBank(reason) } };
      // The first reason decides; the bank's further reasons and its processing date go to the payer as it gave them.
      const { AddtlStsRsnInf, PrcgDt } = message.TxInfAndSts;
      if (AddtlStsRsnInf?.length) error.TxInfAndSts.AddtlStsRsnInf = AddtlStsRsnInf;
      if (PrcgDt) error.TxInfAndSts.PrcgDt = PrcgDt;
      const payer = this.ledger.inFlightTransfer(id)?.payer ?? (await this.ledger.find(id))?.payer ?? inbound.source;
      return this.bus.request(transferTopics.reject, payer, { transferId: id, message: error, inbound });
    }
    this.log.info({ transferId: id, bank: inbound.source, status }, 'bank status without a decision ignored');
  }

  // ---------------------------------------------------------------- status and cancellation

  /** The canonical status of a transfer or bank instruction (named by the bank's id or the ledger's), as the hub knows it. */
  async statusOf(id: string): Promise<Pacs002 | undefined> {
    const ledgerId = await this.ledgerIdOf(id);
    const live = this.ledger.inFlightTransfer(ledgerId);
    if (live) return hubStatus(id, { state: 'RESERVED' });
    const record = await this.ledger.find(ledgerId);
    if (record) {
      const state = apiState(record.state);
      if (state === 'ABORTED') {
        return this.wording.recordedReport(id, storedReason(this.wording, record.cause, new DomainError('ABORT_CAUSE_UNRECORDED', 'aborted')));
      }
      return hubStatus(id, { state, completedAt: record.completedAt ?? undefined });
    }
    const row = await this.row(id);
    if (!row) return undefined;
    if (row.state === 'REJECTED' || row.state === 'CANCELLED') return this.wording.recordedReport(id, storedReason(this.wording, row.reason, cancelled()));
    return hubStatus(id, { state: 'RECEIVED' });
  }

  /**
   * pacs.028: answered with a pacs.002 from the hub's record (only to the payer or payee), naming the transfer the way
   * the request did.
   */
  async statusRequest(request: PaymentStatusRequest, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const id = transferIdOf(request.TxInf);
    if (!id) throw new DomainError('TRANSFER_REFERENCE_MISSING', `TxInf ${NO_TRANSFER_NAMED}`);
    const refuse = (reason: DomainError) => this.banks.sendRejection(inbound.source, id, reason, request.TxInf);
    this.later(async () => {
      const parties = await this.partiesOf(id);
      if (!parties) return refuse(new DomainError('TRANSFER_NOT_FOUND', 'Provided Transfer ID was not found on the server.'));
      if (!parties.includes(inbound.source)) {
        return refuse(new DomainError('REQUESTER_NOT_A_PARTY', `${inbound.source} is not a party to transfer ${id}`));
      }
      return this.banks.sendStatus(inbound.source, (await this.statusOf(id))!, request.TxInf);
    });
  }

  /** How the payer bank named a payment it sent (its pacs.008's references), when `bank` was its payer. */
  async originalReference(bank: string, id: string): Promise<OriginalTransactionReference | undefined> {
    const rows = await this.db.query<{ original: OriginalTransactionReference | null }>(
      'SELECT original FROM bridge_payment WHERE (id = $1 OR transfer_id = $1) AND payer = $2 ORDER BY (id = $1) DESC LIMIT 1',
      [id, bank],
    );
    return rows.rows[0]?.original ?? undefined;
  }

  /** camt.056: only the instructing bank may ask; answered with camt.029 by the payment's state. */
  async cancellation(request: CancellationRequest, inbound: InboundMessage): Promise<void> {
    authenticateSender(this.registry, inbound.source);
    const id = transferIdOf(request.TxInf);
    if (!id) throw new DomainError('TRANSFER_REFERENCE_MISSING', `TxInf ${NO_TRANSFER_NAMED}`);
    this.later(async () => {
      let state: PaymentStateForCancellation = null;
      const parties = await this.partiesOf(id);
      if (parties && parties[0] === inbound.source) {
        const moved = await this.db.query(
          `UPDATE bridge_payment SET state = 'CANCELLED', reason = $3, changed_at = now()
           WHERE id = $1 AND payer = $2 AND state IN ('RECEIVED', 'QUOTING')`,
          [id, inbound.source, storedCause(cancelled())],
        );
        if (moved.rowCount > 0) {
          this.log.info({ transferId: id, payer: inbound.source }, 'bank instruction cancelled before any reservation');
          state = 'ABORTED';
          await this.groups?.paymentFinished(id, inbound.source);
        } else {
          const status = await this.statusOf(id);
          const sts = status?.TxInfAndSts.TxSts;
          state = status?.TxInfAndSts.StsRsnInf ? 'ABORTED' : sts === 'COMM' ? 'COMMITTED' : sts === 'RESV' ? 'RESERVED' : 'RECEIVED';
        }
      }
      await this.banks.sendCancellationResolution(inbound.source, request, state);
    });
  }

  /** [payer, payee] of a transfer or bank instruction. */
  private async partiesOf(id: string): Promise<[string, string] | undefined> {
    const ledgerId = await this.ledgerIdOf(id);
    const live = this.ledger.inFlightTransfer(ledgerId);
    if (live) return [live.payer, live.payee];
    const record = await this.ledger.find(ledgerId);
    if (record) return [record.payer, record.payee];
    const row = await this.row(id);
    return row ? [row.payer, row.payee ?? ''] : undefined;
  }

  private async row(id: string): Promise<BridgeRow | undefined> {
    const rows = await this.db.query<BridgeRow>('SELECT * FROM bridge_payment WHERE id = $1', [id]);
    return rows.rows[0];
  }
}

function cancelled(): DomainError {
  return new DomainError('INSTRUCTION_CANCELLED', "cancelled at the bank's request");
}
