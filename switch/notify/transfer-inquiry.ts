/**
 * The hub's own `GET /transfers/{ID}` to a DFSP of another scheme, through its proxy (docs/interscheme.md, "Expiry"):
 * FSPIOP-Source the hub, FSPIOP-Destination the remote payee; the payee's scheme answers with `PUT /transfers/{ID}`.
 */
import type { DeliveryResult, TransferInquiry } from '../core/outbox.js';
import type { FspiopNotifier } from './fspiop.js';

export class FspiopTransferInquiry implements TransferInquiry {
  constructor(private readonly notifier: FspiopNotifier) {}

  askTransferState(to: string, transferId: string): Promise<DeliveryResult> {
    return this.notifier.hubMessage({
      to,
      endpointType: 'FSPIOP_CALLBACK_URL_TRANSFER_PUT',
      vars: { transferId },
      method: 'GET',
      resource: 'transfers',
      uri: `/transfers/${transferId}`,
    });
  }
}
