/** Messages the bank bridge sends banks (switch/core/bridge/ports.ts `BankOutbox`), over the XML channel. */
import type { CancellationRequest } from '../../schemas/iso/camt056.js';
import type { OriginalTransactionReference } from '../../schemas/iso/original.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { Reason } from '../../schemas/outcomes.js';
import { resolveCancellation } from '../../translators/isoxml/camt029.js';
import { statusReferringTo } from '../../translators/isoxml/pacs002.js';
import type { BankGroupStatus, BankOutbox, PaymentStateForCancellation } from '../core/bridge/ports.js';
import type { DeliveryResult } from '../core/outbox.js';
import { newMessageId } from '../core/status.js';
import { errorReportFor } from './transfer-outbox.js';
import { groupStatusReport } from './bank-group-status.js';
import type { XmlOutbox } from './xml-outbox.js';

export class XmlBankOutbox implements BankOutbox {
  constructor(
    private readonly xml: XmlOutbox,
    private readonly hubName: string,
  ) {}

  sendStatus(bank: string, status: Pacs002, reference?: OriginalTransactionReference): Promise<DeliveryResult> {
    return this.xml.send(bank, reference ? { kind: 'pacs.002', ...statusReferringTo(status, reference) } : { kind: 'pacs.002', message: status });
  }

  sendRejection(bank: string, id: string, reason: Reason, reference?: OriginalTransactionReference): Promise<DeliveryResult> {
    return this.sendStatus(bank, errorReportFor('iso20022-xml', id, reason), reference);
  }

  sendGroupStatus(bank: string, status: BankGroupStatus): Promise<DeliveryResult> {
    return this.xml.send(bank, { kind: 'pacs.002/bulk', ...groupStatusReport(status) });
  }

  sendCancellationResolution(bank: string, request: CancellationRequest, state: PaymentStateForCancellation): Promise<DeliveryResult> {
    const resolution = resolveCancellation(request, state, {
      Id: newMessageId(),
      CreDtTm: new Date().toISOString(),
      hub: { FinInstnId: { Othr: { Id: this.hubName } } },
    });
    return this.xml.sendDocument(bank, { kind: 'camt.029', message: resolution });
  }
}
