/**
 * A transfer's messages as each side saw them, rendered by the hub's own translators from the stored record (the hub
 * keeps the minimum, never the bytes): the prepare and the final status, in the payer's and in the payee's dialect.
 * What the record does not hold is not made up: the ILP packet and the parties are not stored (a bank payer's
 * instruction is, and gives its parties), so a dialect that needs the packet (ISO 20022 JSON) is reported not
 * renderable, and FSPIOP bodies go without `ilpPacket`. XML is rendered unsigned, with fresh message ids.
 */
import { monotonicFactory } from 'ulidx';
import { parseAmount } from '../../schemas/amount.js';
import { FspiopError } from '../../schemas/errors.js';
import type { StatusReason } from '../../schemas/iso/common.js';
import type { Pacs002 } from '../../schemas/iso/pacs002.js';
import { completePacs008, type Pacs008 } from '../../schemas/iso/pacs008.js';
import { DomainError, isDomainError, reasonOfStoredCause } from '../../schemas/outcomes.js';
import * as fspiop from '../../translators/fspiop/index.js';
import { fspiopReasonOf } from '../../translators/fspiop/outcomes.js';
import * as isojson from '../../translators/isojson/index.js';
import { isoJsonReasonOf } from '../../translators/isojson/outcomes.js';
import { xmlReasonOf } from '../../translators/isoxml/outcomes.js';
import { renderBusinessMessage, type BusinessDocument } from '../../translators/isoxml/render.js';
import type { TransferDetail } from '../../ledger/transfer-search.js';
import { loadInstruction } from '../core/bridge/bank-bridge.js';
import { registeredAgents, registeredBahParty } from '../directory/agents.js';
import type { Dialect, ParticipantDirectory } from '../directory/participants.js';

const ulid = monotonicFactory();

export interface RenderedMessage {
  dialect: Dialect;
  /** `payer → hub`, `hub → payee`, `payee → hub`, `hub → payer`. */
  direction: string;
  /** `POST /transfers`, `PUT /transfers/{ID}`, `PUT /transfers/{ID}/error`, `pacs.008`, `pacs.002`. */
  name: string;
  contentType: string;
  /** The message text as it would travel (JSON, or the XML envelope); null when the record cannot give it. */
  body: string | null;
  /** Why `body` is null, or what the record lacked. */
  note?: string;
}

type Leg = 'prepare' | 'status';

export const RENDERING_NOTE =
  "Rendered by the hub's translators from the stored transfer record, not the bytes exchanged: the hub keeps no " +
  'message, ILP packet or party data (a bank payer keeps its instruction). FSPIOP prepares are shown without ilpPacket; ' +
  'XML is unsigned and carries fresh message ids.';

export interface MessageSources {
  directory: ParticipantDirectory;
  hubName: string;
  /** A bank payer's canonical pacs.008 as the hub keeps it (bridge_payment.instruction). */
  instruction?: unknown;
}

/** The prepare and, once final, the status, in the payer's dialect and the payee's (one set when they share it). */
export function renderTransferMessages(t: TransferDetail, s: MessageSources): RenderedMessage[] {
  // A DFSP of another scheme is reached with its proxy's dialect (the directory knows the route).
  const payerDialect = s.directory.dialectOf(t.payer);
  const payeeDialect = s.directory.dialectOf(t.payee);
  const prepare = prepareOf(t, s.instruction);
  const status = statusOf(t);
  const out: RenderedMessage[] = [];
  out.push(render(payerDialect, 'payer → hub', 'prepare', prepare, s, t.payer));
  out.push(render(payeeDialect, 'hub → payee', 'prepare', prepare, s, t.payee));
  if (status) {
    // A bank payee confirms without a fulfilment: the hub holds it (docs/iso20022.md).
    const payeeSays = payeeDialect === 'iso20022-xml' ? withoutFulfilment(status) : status;
    out.push(render(payeeDialect, 'payee → hub', 'status', { ...payeeSays, reason: status.reason && reasonIn(payeeDialect, status.reason) }, s, t.payee));
    out.push(render(payerDialect, 'hub → payer', 'status', { ...status, reason: status.reason && reasonIn(payerDialect, status.reason) }, s, t.payer));
  }
  return out;
}

function prepareOf(t: TransferDetail, instruction: unknown): Pacs008 {
  const expiry = t.expiration ?? t.createdAt;
  if (instruction && typeof instruction === 'object') {
    const m = completePacs008(loadInstruction(instruction as Record<string, unknown>), { PmtInstrXpryDtTm: expiry, ExctnCond: t.condition ?? '' });
    return { ...m, CdtTrfTxInf: { ...m.CdtTrfTxInf, PmtId: { ...m.CdtTrfTxInf.PmtId, TxId: t.id }, ExctnCond: t.condition ?? m.CdtTrfTxInf.ExctnCond } };
  }
  return {
    GrpHdr: { MsgId: t.id, CreDtTm: t.createdAt, NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' }, PmtInstrXpryDtTm: expiry },
    CdtTrfTxInf: {
      PmtId: { TxId: t.id },
      IntrBkSttlmAmt: parseAmount(t.amount ?? '0', t.currency),
      ChrgBr: 'SHAR',
      DbtrAgt: { FinInstnId: { Othr: { Id: t.payer } } },
      CdtrAgt: { FinInstnId: { Othr: { Id: t.payee } } },
      ExctnCond: t.condition ?? '',
    },
  };
}

/** The final status as canonical pacs.002 (a reason for an abort), or undefined while the transfer is not final. */
function statusOf(t: TransferDetail): (Pacs002 & { reason?: ReturnType<typeof reasonOfStoredCause> }) | undefined {
  if (t.completedAt === null) return undefined;
  const base = { GrpHdr: { MsgId: t.id, CreDtTm: t.completedAt } };
  if (t.state === 'COMMITTED') {
    const tx: Pacs002['TxInfAndSts'] = { OrgnlTxId: t.id, TxSts: 'COMM', PrcgDt: { DtTm: t.completedAt } };
    if (t.fulfilment) tx.ExctnConf = t.fulfilment;
    return { ...base, TxInfAndSts: tx };
  }
  const reason = reasonOfStoredCause(t.cause, new DomainError('ABORT_CAUSE_UNRECORDED'));
  return { ...base, TxInfAndSts: { OrgnlTxId: t.id }, reason };
}

function withoutFulfilment<T extends Pacs002>(m: T): T {
  const { ExctnConf: _held, ...rest } = m.TxInfAndSts;
  return { ...m, TxInfAndSts: rest };
}

function reasonIn(dialect: Dialect, reason: ReturnType<typeof reasonOfStoredCause>): StatusReason {
  if (!isDomainError(reason)) return reason;
  if (dialect === 'iso20022-xml') return xmlReasonOf(reason);
  if (dialect === 'iso20022-json/2.0') return isoJsonReasonOf(reason);
  return fspiopReasonOf(reason);
}

type StatusInput = Pacs002 & { reason?: StatusReason };

function render(dialect: Dialect, direction: string, leg: Leg, message: Pacs008 | StatusInput, s: MessageSources, party: string): RenderedMessage {
  const name = nameOf(dialect, leg, message);
  const contentType = contentTypeOf(dialect);
  try {
    const body =
      leg === 'prepare'
        ? renderPrepare(dialect, message as Pacs008, s, direction, party)
        : renderStatus(dialect, asStatus(message as StatusInput), s, direction, party);
    return { dialect, direction, name, contentType, body, ...(leg === 'prepare' && dialect.startsWith('fspiop/') ? { note: 'ilpPacket is not stored' } : {}) };
  } catch (err) {
    if (!(err instanceof FspiopError)) throw err;
    return { dialect, direction, name, contentType, body: null, note: `not renderable from the record: ${err.message}` };
  }
}

function asStatus(m: StatusInput): Pacs002 {
  const { reason, ...message } = m;
  return reason ? { ...message, TxInfAndSts: { ...message.TxInfAndSts, StsRsnInf: reason } } : message;
}

function nameOf(dialect: Dialect, leg: Leg, message: Pacs008 | StatusInput): string {
  if (dialect === 'iso20022-xml') return leg === 'prepare' ? 'pacs.008' : 'pacs.002';
  if (leg === 'prepare') return 'POST /transfers';
  return (message as StatusInput).reason ? 'PUT /transfers/{ID}/error' : 'PUT /transfers/{ID}';
}

function contentTypeOf(dialect: Dialect): string {
  if (dialect === 'fspiop/1.1') return 'application/vnd.interoperability.transfers+json;version=1.1';
  if (dialect === 'fspiop/2.0') return 'application/vnd.interoperability.transfers+json;version=2.0';
  if (dialect === 'iso20022-json/2.0') return 'application/vnd.interoperability.iso20022.transfers+json;version=2.0';
  return 'application/xml';
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

function renderPrepare(dialect: Dialect, m: Pacs008, s: MessageSources, direction: string, party: string): string {
  if (dialect === 'iso20022-xml') return xml({ kind: 'pacs.008', message: m }, s, direction, party);
  if (dialect === 'iso20022-json/2.0') return json(isojson.isoTransferFromCanonical(m, { newMsgId: () => ulid() }));
  const { ilpPacket: _notStored, ...body } = fspiop.prepareFromCanonical(m);
  return json(body);
}

function renderStatus(dialect: Dialect, m: Pacs002, s: MessageSources, direction: string, party: string): string {
  if (dialect === 'iso20022-xml') return xml({ kind: 'pacs.002', message: { ...m, GrpHdr: { ...m.GrpHdr, MsgId: ulid() } } }, s, direction, party);
  if (dialect === 'iso20022-json/2.0') return json(isojson.isoStatusFromCanonical(m, { newMsgId: () => ulid() }));
  return json(m.TxInfAndSts.StsRsnInf ? fspiop.errorFromCanonical(m) : fspiop.statusFromCanonical(m));
}

/** The business message between the bank and the hub, named as each registered (head.001 Fr/To, agents). */
function xml(doc: Extract<BusinessDocument, { kind: 'pacs.008' | 'pacs.002' }>, s: MessageSources, direction: string, bank: string): string {
  const fromBank = direction.startsWith('payer →') || direction.startsWith('payee →');
  const [from, to] = fromBank ? [bank, s.hubName] : [s.hubName, bank];
  return renderBusinessMessage(registeredAgents(s.directory, doc), {
    profile: s.directory.xmlProfileOf(bank),
    hubFspId: s.hubName,
    header: {
      Fr: registeredBahParty(s.directory, from),
      To: registeredBahParty(s.directory, to),
      BizMsgIdr: ulid(),
      CreDt: doc.message.GrpHdr.CreDtTm,
    },
  });
}
