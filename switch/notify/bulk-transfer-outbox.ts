/**
 * Delivers bulk transfer messages in the receiver's dialect. FSPIOP has the only JSON definition of a bulk: a
 * participant registered for Mojaloop's ISO 20022 JSON gets bulks in plain FSPIOP v2.0 (dialects.ts
 * `FSPIOP_ONLY_RESOURCES`). The payer's `POST /bulkTransfers` goes to the payee byte for byte, signature intact, when
 * every transfer of it was reserved and the payer spoke FSPIOP; otherwise the hub authors a bulk holding only the
 * transfers it reserved. Reports and errors about a bulk are always the hub's.
 */
import { groupStatusOf, lineOf, type BulkPacs002, type BulkPacs008, type BulkTransactionStatus } from '../../schemas/iso/bulk-transfers.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import type { Reason } from '../../schemas/outcomes.js';
import { bulkPrepareFromCanonical, bulkStatusFromCanonical } from '../../translators/fspiop/bulk-transfers.js';
import { errorFromCanonical } from '../../translators/fspiop/transfers.js';
import type { Dialect, ParticipantDirectory } from '../directory/participants.js';
import type { BulkReport, BulkTransferOutbox, DeliveryResult, InboundMessage } from '../core/outbox.js';
import { newMessageId } from '../core/status.js';
import { acceptFor, familyOf, mediaTypeFor, reasonIn, tryRender } from './dialects.js';
import type { FspiopNotifier } from './fspiop.js';
import { errorReportFor } from './transfer-outbox.js';
import type { XmlChannel } from './xml-channel.js';
import { withPartiesFromTerms } from './parties-from-terms.js';

const RESOURCE = 'bulkTransfers';
const POST_ENDPOINT = 'FSPIOP_CALLBACK_URL_BULK_TRANSFER_POST';
const PUT_ENDPOINT = 'FSPIOP_CALLBACK_URL_BULK_TRANSFER_PUT';
const ERROR_ENDPOINT = 'FSPIOP_CALLBACK_URL_BULK_TRANSFER_ERROR';

/**
 * The canonical status of a report the hub authors for a participant speaking `dialect`: a line with a reason is
 * refused (RJCT, the reason in the receiver's words; a fulfilment beside it is not shown: the line did not commit),
 * a line with a fulfilment committed (ACSC), any other not final. The group status is set once the bulk is final.
 */
export function reportStatus(dialect: Dialect, bulkTransferId: string, report: BulkReport): BulkPacs002 {
  const TxInfAndSts = report.lines.map((line): BulkTransactionStatus => {
    if (line.reason) return { OrgnlTxId: line.transferId, TxSts: 'RJCT', StsRsnInf: reasonIn(dialect, line.reason) };
    if (line.fulfilment !== undefined) return { OrgnlTxId: line.transferId, TxSts: 'ACSC', ExctnConf: line.fulfilment };
    return { OrgnlTxId: line.transferId };
  });
  const status: BulkPacs002 = {
    GrpHdr: { MsgId: newMessageId(), CreDtTm: new Date().toISOString() },
    OrgnlGrpInfAndSts: { OrgnlMsgId: bulkTransferId, BulkTransferState: report.state },
    TxInfAndSts,
  };
  if (report.state === 'COMPLETED') status.OrgnlGrpInfAndSts.GrpSts = groupStatusOf(TxInfAndSts);
  if (report.state === 'REJECTED') status.OrgnlGrpInfAndSts.GrpSts = 'RJCT';
  if (report.completedAt !== undefined) status.PrcgDt = { DtTm: report.completedAt };
  return status;
}

type Authored = { bulk: BulkPacs008 } | { status: BulkPacs002 } | { error: Pacs002 };

export class DialectBulkTransferOutbox implements BulkTransferOutbox {
  constructor(
    private readonly directory: ParticipantDirectory,
    private readonly notifier: FspiopNotifier,
    private readonly callbackVersion: string,
    private readonly xml?: XmlChannel,
  ) {}

  forwardBulkPrepare(payee: string, bulk: BulkPacs008, inbound: InboundMessage, whole: boolean): Promise<DeliveryResult> {
    const receiver = familyOf(this.directory.dialectOf(payee));
    // An ISO JSON participant takes FSPIOP bulks; a payer's body labelled with the ISO media type is not forwarded as is.
    if (whole && inbound.dialect === 'fspiop' && receiver !== 'iso20022-xml') {
      return this.notifier.forward({ to: payee, endpointType: POST_ENDPOINT, vars: {}, method: 'POST', headers: inbound.headers, body: inbound.raw });
    }
    return this.author(payee, bulk.GrpHdr.MsgId, { bulk });
  }

  bulkReport(to: string, bulkTransferId: string, report: BulkReport): Promise<DeliveryResult> {
    return this.author(to, bulkTransferId, { status: reportStatus(this.directory.dialectOf(to), bulkTransferId, report) });
  }

  bulkError(to: string, bulkTransferId: string, reason: Reason): Promise<DeliveryResult> {
    return this.author(to, bulkTransferId, { error: errorReportFor(this.directory.dialectOf(to), bulkTransferId, reason) });
  }

  /** A message the hub authors, rendered for the receiver's dialect. */
  private async author(to: string, bulkTransferId: string, content: Authored): Promise<DeliveryResult> {
    const dialect = this.directory.dialectOf(to);
    if (dialect === 'iso20022-xml') return this.toBank(to, content);
    const rendered = tryRender<unknown>(() => {
      if ('bulk' in content) return bulkPrepareFromCanonical(content.bulk);
      return 'status' in content ? bulkStatusFromCanonical(content.status) : errorFromCanonical(content.error);
    });
    if (!rendered.ok) return { ok: false, refused: rendered.refused };
    const isPost = 'bulk' in content;
    const isError = 'error' in content;
    return this.notifier.hubMessage({
      to,
      endpointType: isPost ? POST_ENDPOINT : isError ? ERROR_ENDPOINT : PUT_ENDPOINT,
      vars: isPost ? {} : { id: bulkTransferId },
      method: isPost ? 'POST' : 'PUT',
      resource: RESOURCE,
      uri: isPost ? `/${RESOURCE}` : `/${RESOURCE}/${bulkTransferId}${isError ? '/error' : ''}`,
      body: rendered.value,
      contentType: mediaTypeFor(dialect, RESOURCE, this.callbackVersion),
      accept: acceptFor(dialect, RESOURCE, this.callbackVersion),
    });
  }

  /**
   * To a bank: the bulk as one pacs.008 with many transactions (each naming its debtor and creditor from the ILP
   * transaction where it has none, as a single transfer does), a report or an error as a pacs.002 with a group status.
   */
  private toBank(to: string, content: Authored): Promise<DeliveryResult> {
    if (!this.xml) return Promise.resolve({ ok: false, noEndpoint: true });
    if ('bulk' in content) {
      const bulk = content.bulk;
      const lines = bulk.CdtTrfTxInf.map((_, i) => withPartiesFromTerms(lineOf(bulk, i)).CdtTrfTxInf);
      return this.xml.send(to, { kind: 'pacs.008/bulk', message: { ...bulk, CdtTrfTxInf: lines } });
    }
    return this.xml.send(to, { kind: 'pacs.002/bulk', message: 'status' in content ? content.status : bankRejection(content.error) });
  }
}

/** An error about a whole bulk, as a bank hears it: the group rejected, with the reason, no transaction status. */
function bankRejection(error: Pacs002): BulkPacs002 {
  return {
    GrpHdr: error.GrpHdr,
    OrgnlGrpInfAndSts: { OrgnlMsgId: error.TxInfAndSts.OrgnlTxId!, GrpSts: 'RJCT', BulkTransferState: 'REJECTED', StsRsnInf: error.TxInfAndSts.StsRsnInf! },
    TxInfAndSts: [],
  };
}
