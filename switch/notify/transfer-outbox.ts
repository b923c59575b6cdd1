/**
 * Delivers transfer messages in the receiver's dialect (docs/iso20022.md): a message whose sender
 * speaks the receiver's dialect family is forwarded byte for byte, signature intact; otherwise the
 * hub renders the canonical pacs.008/pacs.002 in the receiver's dialect and authors it.
 */
import type { StatusReason } from '../../schemas/iso/common.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import type { Reason } from '../../schemas/outcomes.js';
import type { Dialect, ParticipantDirectory } from '../directory/participants.js';
import { errorFromCanonical, patchFromCanonical, prepareFromCanonical, statusFromCanonical } from '../../translators/fspiop/transfers.js';
import { isoStatusFromCanonical, isoTransferFromCanonical } from '../../translators/isojson/transfers.js';
import type { DeliveryResult, InboundMessage, TransferOutbox } from '../core/outbox.js';
import { newMessageId } from '../core/status.js';
import { acceptFor, familyOf, mediaTypeFor, reasonIn, tryRender } from './dialects.js';
import type { FspiopNotifier } from './fspiop.js';
import type { XmlChannel } from './xml-channel.js';
import { withPartiesFromTerms } from './parties-from-terms.js';

const RENDER = { newMsgId: newMessageId };

/** The canonical error report of `reason` about transfer (or quote) `transferId`. */
export function errorReport(transferId: string, reason: StatusReason): Pacs002 {
  const { Rsn, AddtlInf, extensions } = reason;
  const StsRsnInf: StatusReason = { Rsn: { ...Rsn } };
  if (AddtlInf !== undefined) StsRsnInf.AddtlInf = AddtlInf;
  if (extensions?.length) StsRsnInf.extensions = extensions;
  return { GrpHdr: { MsgId: newMessageId(), CreDtTm: new Date().toISOString() }, TxInfAndSts: { OrgnlTxId: transferId, StsRsnInf } };
}

/** The error report a participant speaking `dialect` gets for `reason` (an outcome in that dialect's words). */
export function errorReportFor(dialect: Dialect, transferId: string, reason: Reason): Pacs002 {
  return errorReport(transferId, reasonIn(dialect, reason));
}

/**
 * The error report of a reason read back from a record (a transfer's cause, a bank instruction's reason): its code and
 * text only, as it was recorded — the extensions of the error first sent were never part of the record.
 */
export function recordedReport(dialect: Dialect, transferId: string, reason: Reason): Pacs002 {
  const { extensions: _notRecorded, ...recorded } = reasonIn(dialect, reason);
  return errorReport(transferId, recorded);
}

/** A reason as a status's `cause` extension value: `<code>: <text>` (contract errors.md §1). */
export function causeText(reason: StatusReason): string {
  return `${reason.Rsn.Prtry ?? reason.Rsn.Cd ?? ''}: ${reason.AddtlInf ?? ''}`;
}

/** The status with why the transfer was aborted, in the receiver's words, as its `cause` extension. */
function withCause(status: Pacs002, dialect: Dialect, cause: Reason | undefined): Pacs002 {
  if (!cause) return status;
  const item = { key: 'cause', value: causeText(reasonIn(dialect, cause)) };
  const extensions = [...(status.TxInfAndSts.SplmtryData?.extensions ?? []), item];
  return { ...status, TxInfAndSts: { ...status.TxInfAndSts, SplmtryData: { ...status.TxInfAndSts.SplmtryData, extensions } } };
}

export class DialectTransferOutbox implements TransferOutbox {
  constructor(
    private readonly directory: ParticipantDirectory,
    private readonly notifier: FspiopNotifier,
    private readonly callbackVersion: string,
    private readonly xml?: XmlChannel,
  ) {}

  forwardPrepare(payee: string, message: Pacs008, inbound: InboundMessage): Promise<DeliveryResult> {
    if (this.sameFamily(payee, inbound)) {
      return this.notifier.forward({
        to: payee,
        endpointType: 'FSPIOP_CALLBACK_URL_TRANSFER_POST',
        vars: {},
        method: 'POST',
        headers: inbound.headers,
        body: inbound.raw,
      });
    }
    return this.author(payee, message.CdtTrfTxInf.PmtId.TxId, 'POST', { pacs008: message });
  }

  forwardFulfil(payer: string, transferId: string, message: Pacs002, inbound: InboundMessage): Promise<DeliveryResult> {
    if (this.sameFamily(payer, inbound)) return this.forwardPut(payer, transferId, inbound, false);
    return this.author(payer, transferId, 'PUT', { status: message });
  }

  confirmFulfilToPayee(payee: string, transferId: string, message: Pacs002): Promise<DeliveryResult> {
    // A bank confirmed with its own pacs.002: it needs no confirmation of its confirmation.
    if (this.directory.dialectOf(payee) === 'iso20022-xml') return Promise.resolve({ ok: true });
    return this.author(payee, transferId, 'PUT', { status: message });
  }

  forwardError(payer: string, transferId: string, message: Pacs002, inbound: InboundMessage): Promise<DeliveryResult> {
    if (this.sameFamily(payer, inbound)) return this.forwardPut(payer, transferId, inbound, true);
    return this.author(payer, transferId, 'PUT', { error: message });
  }

  transferState(to: string, transferId: string, status: Pacs002, cause?: Reason): Promise<DeliveryResult> {
    return this.author(to, transferId, 'PUT', { status: withCause(status, this.directory.dialectOf(to), cause) });
  }

  transferPatch(to: string, transferId: string, status: Pacs002, cause?: Reason): Promise<DeliveryResult> {
    return this.author(to, transferId, 'PATCH', { status: withCause(status, this.directory.dialectOf(to), cause) });
  }

  transferError(to: string, transferId: string, reason: Reason): Promise<DeliveryResult> {
    return this.author(to, transferId, 'PUT', { error: errorReportFor(this.directory.dialectOf(to), transferId, reason) });
  }

  private sameFamily(receiver: string, inbound: InboundMessage): boolean {
    return familyOf(this.directory.dialectOf(receiver)) === inbound.dialect && inbound.dialect !== 'iso20022-xml';
  }

  private forwardPut(to: string, transferId: string, inbound: InboundMessage, isError: boolean): Promise<DeliveryResult> {
    return this.notifier.forward({
      to,
      endpointType: isError ? 'FSPIOP_CALLBACK_URL_TRANSFER_ERROR' : 'FSPIOP_CALLBACK_URL_TRANSFER_PUT',
      vars: { transferId },
      method: 'PUT',
      headers: inbound.headers,
      body: inbound.raw,
    });
  }

  /** A message the hub authors, rendered for the receiver's dialect. */
  private async author(
    to: string,
    transferId: string,
    method: 'POST' | 'PUT' | 'PATCH',
    content: { pacs008?: Pacs008; status?: Pacs002; error?: Pacs002 },
  ): Promise<DeliveryResult> {
    const dialect = this.directory.dialectOf(to);
    if (dialect === 'iso20022-xml') {
      if (!this.xml) return { ok: false, noEndpoint: true };
      if (content.pacs008) return this.xml.send(to, { kind: 'pacs.008', message: withPartiesFromTerms(content.pacs008) });
      return this.xml.send(to, { kind: 'pacs.002', message: (content.status ?? content.error)! });
    }
    const iso = dialect === 'iso20022-json/2.0';
    const rendered = tryRender<unknown>(() => {
      if (content.pacs008) return iso ? isoTransferFromCanonical(content.pacs008, RENDER) : prepareFromCanonical(content.pacs008);
      if (content.error) return iso ? isoStatusFromCanonical(content.error, RENDER) : errorFromCanonical(content.error);
      if (method === 'PATCH') return iso ? isoStatusFromCanonical(content.status!, RENDER) : patchFromCanonical(content.status!);
      return iso ? isoStatusFromCanonical(content.status!, RENDER) : statusFromCanonical(content.status!);
    }, dialect);
    if (!rendered.ok) return { ok: false, refused: rendered.refused };
    const isError = content.error !== undefined;
    const endpointType = content.pacs008
      ? 'FSPIOP_CALLBACK_URL_TRANSFER_POST'
      : isError
        ? 'FSPIOP_CALLBACK_URL_TRANSFER_ERROR'
        : 'FSPIOP_CALLBACK_URL_TRANSFER_PUT';
    return this.notifier.hubMessage({
      to,
      endpointType,
      vars: content.pacs008 ? {} : { transferId },
      method,
      resource: 'transfers',
      uri: content.pacs008 ? '/transfers' : `/transfers/${transferId}${isError ? '/error' : ''}`,
      body: rendered.value,
      contentType: mediaTypeFor(dialect, 'transfers', this.callbackVersion),
      accept: acceptFor(dialect, 'transfers', this.callbackVersion),
    });
  }
}
