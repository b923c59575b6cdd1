/**
 * Delivers transfer messages in the receiver's dialect. FSPIOP receivers get forwarded messages
 * byte for byte (signature intact) and hub-authored ones rendered from the canonical pacs.002.
 */
import type { FspiopError } from '../../schemas/errors.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { Pacs008 } from '../../schemas/iso/pacs008.js';
import { statusFromCanonical } from '../../translators/fspiop/transfers.js';
import type { DeliveryResult, InboundMessage, TransferOutbox } from '../core/outbox.js';
import type { FspiopNotifier } from './fspiop.js';

export class FspiopTransferOutbox implements TransferOutbox {
  constructor(private readonly notifier: FspiopNotifier) {}

  forwardPrepare(payee: string, _message: Pacs008, inbound: InboundMessage): Promise<DeliveryResult> {
    return this.notifier.forward({
      to: payee,
      endpointType: 'FSPIOP_CALLBACK_URL_TRANSFER_POST',
      vars: {},
      method: 'POST',
      headers: inbound.headers,
      body: inbound.raw,
    });
  }

  forwardFulfil(payer: string, transferId: string, _message: Pacs002, inbound: InboundMessage): Promise<DeliveryResult> {
    return this.notifier.forward({
      to: payer,
      endpointType: 'FSPIOP_CALLBACK_URL_TRANSFER_PUT',
      vars: { transferId },
      method: 'PUT',
      headers: inbound.headers,
      body: inbound.raw,
    });
  }

  confirmFulfilToPayee(payee: string, transferId: string, message: Pacs002): Promise<DeliveryResult> {
    return this.transferState(payee, transferId, message);
  }

  forwardError(payer: string, transferId: string, _message: Pacs002, inbound: InboundMessage): Promise<DeliveryResult> {
    return this.notifier.forward({
      to: payer,
      endpointType: 'FSPIOP_CALLBACK_URL_TRANSFER_ERROR',
      vars: { transferId },
      method: 'PUT',
      headers: inbound.headers,
      body: inbound.raw,
    });
  }

  transferState(to: string, transferId: string, status: Pacs002): Promise<DeliveryResult> {
    return this.notifier.hubMessage({
      to,
      endpointType: 'FSPIOP_CALLBACK_URL_TRANSFER_PUT',
      vars: { transferId },
      method: 'PUT',
      resource: 'transfers',
      uri: `/transfers/${transferId}`,
      body: statusFromCanonical(status),
    });
  }

  transferPatch(to: string, transferId: string, status: Pacs002): Promise<DeliveryResult> {
    const { fulfilment: _omitted, ...body } = statusFromCanonical(status);
    return this.notifier.hubMessage({
      to,
      endpointType: 'FSPIOP_CALLBACK_URL_TRANSFER_PUT',
      vars: { transferId },
      method: 'PATCH',
      resource: 'transfers',
      uri: `/transfers/${transferId}`,
      body,
    });
  }

  transferError(to: string, transferId: string, error: FspiopError): Promise<DeliveryResult> {
    return this.notifier.hubMessage({
      to,
      endpointType: 'FSPIOP_CALLBACK_URL_TRANSFER_ERROR',
      vars: { transferId },
      method: 'PUT',
      resource: 'transfers',
      uri: `/transfers/${transferId}/error`,
      body: error.toBody(),
    });
  }
}
