/**
 * Delivers fxTransfer messages in the receiver's dialect (docs/fx.md): FSPIOP v2.0 bodies or Mojaloop's ISO 20022
 * JSON (pacs.009 / pacs.002). A message whose sender speaks the receiver's family is forwarded byte for byte,
 * signature intact; otherwise the hub renders the canonical message and authors it. FX resources exist in v2.0 only:
 * an FSPIOP participant registered as v1.1 gets them as v2.0 all the same. Banks (ISO 20022 XML) take no fxTransfers.
 */
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { Pacs009 } from '../../schemas/iso/pacs009.js';
import { TranslationError, reasonOfWireError } from '../../schemas/iso/translation.js';
import type { Reason } from '../../schemas/outcomes.js';
import type { Dialect, ParticipantDirectory } from '../directory/participants.js';
import { fxPatchFromCanonical, fxPrepareFromCanonical, fxStatusFromCanonical } from '../../translators/fspiop/fx-transfers.js';
import { errorFromCanonical } from '../../translators/fspiop/transfers.js';
import { isoFxTransferFromCanonical } from '../../translators/isojson/fx-transfers.js';
import { isoStatusFromCanonical } from '../../translators/isojson/transfers.js';
import type { DeliveryResult, FxTransferOutbox, InboundMessage } from '../core/outbox.js';
import { newMessageId } from '../core/status.js';
import { acceptFor, familyOf, mediaTypeFor, reasonIn, tryRender } from './dialects.js';
import type { FspiopNotifier } from './fspiop.js';
import { causeText, errorReportFor } from './transfer-outbox.js';

const RENDER = { newMsgId: newMessageId };
const RESOURCE = 'fxTransfers';
const FX_VERSION = '2.0';

/** FX resources are v2.0 only (contract fspiop.md §2): an FSPIOP v1.1 participant gets the v2.0 media type. */
function fxDialect(dialect: Dialect): Dialect {
  return dialect === 'fspiop/1.1' ? 'fspiop/2.0' : dialect;
}

function withCause(status: Pacs002, dialect: Dialect, cause: Reason | undefined): Pacs002 {
  if (!cause) return status;
  const item = { key: 'cause', value: causeText(reasonIn(dialect, cause)) };
  const extensions = [...(status.TxInfAndSts.SplmtryData?.extensions ?? []), item];
  return { ...status, TxInfAndSts: { ...status.TxInfAndSts, SplmtryData: { extensions } } };
}

export class DialectFxTransferOutbox implements FxTransferOutbox {
  constructor(
    private readonly directory: ParticipantDirectory,
    private readonly notifier: FspiopNotifier,
  ) {}

  forwardFxPrepare(fxp: string, message: Pacs009, inbound: InboundMessage): Promise<DeliveryResult> {
    if (this.sameFamily(fxp, inbound)) {
      return this.notifier.forward({
        to: fxp,
        endpointType: 'FSPIOP_CALLBACK_URL_FX_TRANSFER_POST',
        vars: {},
        method: 'POST',
        headers: inbound.headers,
        body: inbound.raw,
      });
    }
    return this.author(fxp, message.CdtTrfTxInf.PmtId.TxId, 'POST', { pacs009: message });
  }

  forwardFxFulfil(to: string, commitRequestId: string, message: Pacs002, inbound: InboundMessage): Promise<DeliveryResult> {
    if (this.sameFamily(to, inbound)) return this.forwardPut(to, commitRequestId, inbound, false);
    return this.author(to, commitRequestId, 'PUT', { status: message });
  }

  forwardFxError(to: string, commitRequestId: string, message: Pacs002, inbound: InboundMessage): Promise<DeliveryResult> {
    if (this.sameFamily(to, inbound)) return this.forwardPut(to, commitRequestId, inbound, true);
    return this.author(to, commitRequestId, 'PUT', { error: message });
  }

  fxTransferState(to: string, commitRequestId: string, status: Pacs002, cause?: Reason): Promise<DeliveryResult> {
    return this.author(to, commitRequestId, 'PUT', { status: withCause(status, this.directory.dialectOf(to), cause) });
  }

  fxTransferPatch(to: string, commitRequestId: string, status: Pacs002, cause?: Reason): Promise<DeliveryResult> {
    return this.author(to, commitRequestId, 'PATCH', { status: withCause(status, this.directory.dialectOf(to), cause) });
  }

  fxTransferError(to: string, commitRequestId: string, reason: Reason): Promise<DeliveryResult> {
    return this.author(to, commitRequestId, 'PUT', { error: errorReportFor(this.directory.dialectOf(to), commitRequestId, reason) });
  }

  private sameFamily(receiver: string, inbound: InboundMessage): boolean {
    return familyOf(this.directory.dialectOf(receiver)) === inbound.dialect && inbound.dialect !== 'iso20022-xml';
  }

  private forwardPut(to: string, commitRequestId: string, inbound: InboundMessage, isError: boolean): Promise<DeliveryResult> {
    return this.notifier.forward({
      to,
      endpointType: isError ? 'FSPIOP_CALLBACK_URL_FX_TRANSFER_ERROR' : 'FSPIOP_CALLBACK_URL_FX_TRANSFER_PUT',
      vars: { commitRequestId },
      method: 'PUT',
      headers: inbound.headers,
      body: inbound.raw,
    });
  }

  private async author(
    to: string,
    commitRequestId: string,
    method: 'POST' | 'PUT' | 'PATCH',
    content: { pacs009?: Pacs009; status?: Pacs002; error?: Pacs002 },
  ): Promise<DeliveryResult> {
    const registered = this.directory.dialectOf(to);
    if (registered === 'iso20022-xml') {
      return { ok: false, refused: reasonOfWireError(new TranslationError('dialect', `${to} speaks ISO 20022 XML, which takes no fxTransfers`)) };
    }
    const dialect = fxDialect(registered);
    const iso = dialect === 'iso20022-json/2.0';
    const rendered = tryRender<unknown>(() => {
      if (content.pacs009) return iso ? isoFxTransferFromCanonical(content.pacs009, RENDER) : fxPrepareFromCanonical(content.pacs009);
      if (content.error) return iso ? isoStatusFromCanonical(content.error, RENDER) : errorFromCanonical(content.error);
      if (method === 'PATCH') return iso ? isoStatusFromCanonical(content.status!, RENDER) : fxPatchFromCanonical(content.status!);
      return iso ? isoStatusFromCanonical(content.status!, RENDER) : fxStatusFromCanonical(content.status!);
    });
    if (!rendered.ok) return { ok: false, refused: rendered.refused };
    const isError = content.error !== undefined;
    const endpointType = content.pacs009
      ? 'FSPIOP_CALLBACK_URL_FX_TRANSFER_POST'
      : isError
        ? 'FSPIOP_CALLBACK_URL_FX_TRANSFER_ERROR'
        : 'FSPIOP_CALLBACK_URL_FX_TRANSFER_PUT';
    return this.notifier.hubMessage({
      to,
      endpointType,
      vars: content.pacs009 ? {} : { commitRequestId },
      method,
      resource: RESOURCE,
      uri: content.pacs009 ? '/fxTransfers' : `/fxTransfers/${commitRequestId}${isError ? '/error' : ''}`,
      body: rendered.value,
      contentType: mediaTypeFor(dialect, RESOURCE, FX_VERSION),
      accept: acceptFor(dialect, RESOURCE, FX_VERSION),
    });
  }
}
