/**
 * The ISO 20022 XML edge for banks: `POST /iso20022`, one business message (head.001 + Document) per
 * request. Screened, schema-validated and signature-checked before anything is read (translators/
 * isoxml), the sender bound to its TLS certificate, then handed to the core. A message the hub
 * cannot accept at all is answered 400 with an admi.002; business outcomes arrive later as
 * pacs.002 / acmt.024 / camt.029 at the bank's ISO20022_CALLBACK_URL.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AdmissionControl } from './admission.js';
import { FspiopError } from '../../schemas/errors.js';
import { readPartyIdentification, type Agent, type FinInstnId } from '../../schemas/iso/common.js';
import type { Registry } from '../../ledger/registry.js';
import { receiveBusinessMessage, type ReceivedBusinessMessage } from '../../translators/isoxml/inbound.js';
import type { InboundDocument } from '../../translators/isoxml/render.js';
import { messageRejectOf } from '../../translators/isoxml/admi002.js';
import { isXmlRejection, XmlRejection } from '../../translators/isoxml/rejection.js';
import { messageRejectionOf, messageRejectionStatusOf } from '../../translators/isoxml/outcomes.js';
import { isDomainError } from '../../schemas/outcomes.js';
import { parseXmlSigningCertificate, type XmlSigningCertificate } from '../../translators/isoxml/signature.js';
import type { RuntimeSchemas } from '../../translators/isoxml/validate.js';
import type { BankBridge } from '../core/bridge/bank-bridge.js';
import type { BankBulkPayee } from '../core/bridge/bank-bulk-payee.js';
import type { BankGroups } from '../core/bridge/bank-groups.js';
import { isGroupRequest } from '../../translators/isoxml/pacs028.js';
import type { TransactionRequestService } from '../core/agreement/transaction-requests.js';
import { bankRejectionOfRequest } from '../../translators/isoxml/pain014.js';
import { documentHash } from '../core/bridge/bank-bridge.js';
import { agentName } from '../../schemas/iso/institutions.js';
import { canonicalAgents, resolveInstitution } from '../directory/agents.js';
import type { ParticipantDirectory } from '../directory/participants.js';
import type { DiscoveryService } from '../core/discovery/accounts.js';
import type { VerificationIds } from '../notify/verification-ids.js';
import type { SeenMessageIds } from './message-ids.js';
import { isPartyIdType, type PartyVerificationRequest } from '../../schemas/iso/parties.js';
import type { InboundMessage, PartyPath } from '../core/outbox.js';
import type { XmlOutbox } from '../notify/xml-outbox.js';
import type { JwsKeyStore } from '../security/jws-keys.js';
import { participantOfCertificate } from '../security/tls.js';
import { route } from '../http/route.js';

export interface IsoXmlEdgeDeps {
  registry: Registry;
  participants: ParticipantDirectory;
  bridge: BankBridge;
  /** A bank's pacs.008 with many transactions, and pacs.028 about one (docs/bulk.md, "Banks"). */
  groups: BankGroups;
  /** A bank's pacs.002 answering a bulk it was sent (with a group status, or about its one transaction). */
  bulkPayee: BankBulkPayee;
  /** Requests to pay (pain.013) and their answers (pain.014): docs/r2p.md. */
  transactionRequests: TransactionRequestService;
  discovery: DiscoveryService;
  xml: XmlOutbox;
  certificates: JwsKeyStore;
  schemas: RuntimeSchemas;
  hubName: string;
  mtls: boolean;
  /** Refuse unsigned bank messages. */
  requireSignature: boolean;
  /** Bounds of a message (MIZANI_XML_MAX_BYTES, MIZANI_XML_MAX_ELEMENTS); the translator's defaults when absent. */
  xmlLimits?: { maxBytes: number; maxElements: number };
  log: Logger;
  /** Which party path the Vrfctn/Id of an acmt.023 the hub sent stands for. */
  verificationIds: VerificationIds;
  /** BizMsgIdr already received, per sender, by any hub process (a resend is a duplicate: DU01). */
  seenIds: SeenMessageIds;
  /** Past capacity, a bank's new payments (pacs.008) and lookups (acmt.023) are refused (admission.ts). */
  admission?: AdmissionControl;
}

/** What every bank message meets at the edge: its sender's certificates, institutions, the admi.002 refusal. */
interface XmlEdge {
  deps: IsoXmlEdgeDeps;
  /** Which participant a BAH party names (by Othr/Id, BICFI or ClrSysMmbId). */
  participantOf(id: FinInstnId): string | undefined;
  certificatesOf(name: string): readonly XmlSigningCertificate[];
  /**
   * 400 with an admi.002 naming the reason (signed by the hub when it has an XML key), addressed to the sender as
   * registered, else as its AppHdr/Fr named it.
   */
  refuse(reply: FastifyReply, rejection: XmlRejection, sender: string | undefined, ref: string | undefined, status?: number, fr?: FinInstnId): FastifyReply;
}

type Step<T> = { ok: true; value: T } | { ok: false; refused: FastifyReply };

export function registerIsoXmlRoutes(server: FastifyInstance, deps: IsoXmlEdgeDeps): void {
  const edge = xmlEdge(deps);
  route(server, '/iso20022', { POST: (request: FastifyRequest, reply: FastifyReply) => receiveIso20022(edge, request, reply) });
}

function xmlEdge(deps: IsoXmlEdgeDeps): XmlEdge {
  const parsedCertificates = new Map<string, XmlSigningCertificate>();
  const participantOf = (id: FinInstnId) => {
    const r = resolveInstitution(deps.participants, id);
    return r.ok ? r.name : undefined;
  };
  return {
    deps,
    participantOf,
    certificatesOf: (name) => {
      const out: XmlSigningCertificate[] = [];
      for (const key of deps.certificates.activeKeysOf(name)) {
        if (!key.certificate) continue;
        let parsed = parsedCertificates.get(key.certificate);
        if (!parsed) {
          parsed = parseXmlSigningCertificate(key.certificate);
          parsedCertificates.set(key.certificate, parsed);
        }
        out.push(parsed);
      }
      return out;
    },
    refuse: (reply, rejection, sender, ref, status = 400, fr) => {
      deps.log.info({ api: 'iso20022', sender, reason: rejection.reasonCode, description: rejection.description }, 'request refused');
      const reject = messageRejectOf(rejection, ref);
      const rendered = deps.xml.render(sender ?? 'UNKNOWN', { kind: 'admi.002', message: reject }, fr);
      const body = rendered.ok ? rendered.value : `<?xml version="1.0" encoding="UTF-8"?><Error>${rejection.reasonCode}</Error>`;
      return reply.code(status).header('content-type', 'application/xml; charset=utf-8').send(body);
    },
  };
}

async function receiveIso20022(edge: XmlEdge, request: FastifyRequest, reply: FastifyReply) {
  const { deps, refuse } = edge;
  const raw = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
  const read = readBusinessMessage(edge, request, reply, raw);
  if (!read.ok) return read.refused;
  const received = read.value;
  const ref = received.header.BizMsgIdr;
  const sender = admitSender(edge, received, request, reply);
  if (!sender.ok) return sender.refused;
  // After admission: a message refused as busy may be sent again later.
  if (!(await deps.seenIds.firstTime(sender.value, ref))) {
    return refuse(reply, new XmlRejection('DUPLICATE', `BizMsgIdr ${ref} was received before`), sender.value, ref);
  }
  const inbound: InboundMessage = {
    source: sender.value,
    destination: deps.hubName,
    dialect: 'iso20022-xml',
    version: { major: 2, minor: 0 },
    headers: request.headers,
    raw,
    // The Document as the bank wrote it, not the envelope: a resend carries a new header and signature.
    hash: documentHash(received.document.message),
    receivedAt: new Date().toISOString(),
  };
  try {
    const status = await dispatch(canonicalAgents(deps.participants, received.document), inbound, deps);
    return reply.code(status).send();
  } catch (err) {
    if (isDomainError(err)) return refuse(reply, messageRejectionOf(err), sender.value, ref, messageRejectionStatusOf(err));
    if (err instanceof FspiopError) return refuse(reply, new XmlRejection('CONTENT', `${err.code}: ${err.description}`), sender.value, ref);
    throw err;
  }
}

/** Screened, schema-validated and signature-checked (translators/isoxml/inbound.ts), or refused. */
function readBusinessMessage(edge: XmlEdge, request: FastifyRequest, reply: FastifyReply, raw: Buffer): Step<ReceivedBusinessMessage> {
  const { deps, participantOf, refuse } = edge;
  const contentType = String(request.headers['content-type'] ?? '');
  try {
    if (!/^(application|text)\/xml\b/i.test(contentType)) {
      throw new XmlRejection('ENVELOPE', 'Content-Type must be application/xml');
    }
    const value = receiveBusinessMessage(raw, {
      hubFspId: deps.hubName,
      participantOf,
      namesHub: (id: FinInstnId) => participantOf(id) === deps.hubName,
      certificatesOf: edge.certificatesOf,
      requireSignature: deps.requireSignature,
      schemas: deps.schemas,
      ...(deps.xmlLimits ? { limits: deps.xmlLimits } : {}),
    });
    return { ok: true, value };
  } catch (err) {
    if (isXmlRejection(err)) {
      // Refused after its header was read (e.g. a bad signature): the admi.002 refers to it and goes to its sender.
      const from = err.about?.from;
      return { ok: false, refused: refuse(reply, err, from && participantOf(from), err.about?.bizMsgIdr, 400, from) };
    }
    if (err instanceof FspiopError) return { ok: false, refused: refuse(reply, new XmlRejection('CONTENT', err.description), undefined, undefined) };
    throw err;
  }
}

/**
 * The sender is a registered ISO 20022 XML participant, bound to the TLS certificate; new work is admitted (or refused
 * past capacity). The sender's name, or the refusal.
 */
function admitSender(edge: XmlEdge, received: ReceivedBusinessMessage, request: FastifyRequest, reply: FastifyReply): Step<string> {
  const { deps, refuse } = edge;
  const ref = received.header.BizMsgIdr;
  const fr = received.header.Fr.FIId.FinInstnId;
  const sender = received.sender;
  const participant = sender === undefined ? undefined : deps.registry.participant(sender);
  if (!participant || participant.isHub || deps.participants.dialectOf(participant.name) !== 'iso20022-xml') {
    const resolution = resolveInstitution(deps.participants, fr);
    const why = resolution.ok
      ? `sender ${resolution.name} is not a registered ISO 20022 XML participant`
      : `sender ${resolution.reason}: not a registered ISO 20022 XML participant`;
    return { ok: false, refused: refuse(reply, new XmlRejection('CONTENT', why), participant ? sender : undefined, ref, 400, fr) };
  }
  if (deps.mtls && participantOfCertificate(request.raw.socket) !== sender) {
    return { ok: false, refused: refuse(reply, new XmlRejection('CONTENT', 'AppHdr/Fr does not match the client certificate participant'), sender, ref) };
  }
  const kind = received.document.kind;
  const newWork = kind === 'pacs.008' || kind === 'pacs.008/bulk' || kind === 'pain.013' ? 'agreement' : kind === 'acmt.023' ? 'discovery' : undefined;
  if (newWork) {
    try {
      deps.admission?.admit(newWork, sender);
    } catch (err) {
      // Before the BizMsgIdr is remembered: the bank may send the same message again later.
      if (isDomainError(err)) return { ok: false, refused: refuse(reply, messageRejectionOf(err), sender, ref, messageRejectionStatusOf(err)) };
      throw err;
    }
  }
  return { ok: true, value: participant.name };
}

async function dispatch(doc: InboundDocument, inbound: InboundMessage, deps: IsoXmlEdgeDeps): Promise<number> {
  switch (doc.kind) {
    case 'pacs.008':
      await deps.bridge.payFromBank(doc.message, inbound, doc.reference);
      return 202;
    case 'pacs.002':
      // A single payment's status, or the one transaction of a bulk the bank was sent with one line.
      await deps.bulkPayee.bankStatus(doc.message, doc.context, inbound);
      return 200;
    case 'pacs.008/bulk':
      await deps.groups.receive(doc.message, doc.references, inbound);
      return 202;
    case 'pacs.002/bulk':
      await deps.bulkPayee.bankBulkStatus(doc.message, doc.context, inbound);
      return 200;
    case 'pacs.028':
      if (isGroupRequest(doc.message)) await deps.groups.statusRequest(doc.message, inbound);
      else await deps.bridge.statusRequest(doc.message, inbound);
      return 202;
    case 'camt.056':
      await deps.bridge.cancellation(doc.message, inbound);
      return 202;
    case 'acmt.023':
      await bankLookup(doc.message, inbound, deps);
      return 202;
    case 'acmt.024': {
      // The bank's answer to a lookup the hub passed on: to the FSP that asked.
      const report = doc.message;
      const path: PartyPath = await deps.verificationIds.pathOf(report.Rpt.OrgnlId);
      const to = participantNamed(deps, report.Assgnmt.Assgne, 'Assgnmt/Assgne');
      if (!to) throw new FspiopError('3102', 'Assgnmt/Assgne must name the FSP that asked');
      await deps.discovery.forwardPartyAnswer(path, report, { ...inbound, destination: to }, !report.Rpt.Vrfctn);
      return 202;
    }
    case 'pain.013':
    case 'pain.014':
      return requestToPay(doc, inbound, deps);
    default:
      deps.log.info({ sender: inbound.source, kind: doc.kind }, 'bank message with nothing to do');
      return 202;
  }
}

/**
 * The bank asks who holds a party (and to verify it): a lookup like GET /parties. Its answer names the bank's own ids
 * (acmt.024 OrgnlId, OrgnlAssgnmt), whichever hub process sends it: they are remembered before the lookup starts.
 */
async function bankLookup(request: PartyVerificationRequest, inbound: InboundMessage, deps: IsoXmlEdgeDeps): Promise<void> {
  const party = request.Vrfctn.PtyAndAcctId;
  const path = partyPathOf(party.Pty.Id, party.Agt?.FinInstnId.ClrSysMmbId?.MmbId);
  const holder = participantNamed(deps, request.Assgnmt.Assgne, 'Assgnmt/Assgne');
  const asked = { id: request.Vrfctn.Id, msgId: request.Assgnmt.MsgId, creDtTm: request.Assgnmt.CreDtTm };
  await deps.verificationIds.rememberBankRequest(inbound.source, path, asked);
  try {
    await deps.discovery.lookupParty(path, { ...inbound, destination: holder && holder !== deps.hubName ? holder : undefined });
  } catch (err) {
    await deps.verificationIds.forgetBankRequest(inbound.source, asked.id);
    throw err;
  }
}

/**
 * A bank's request to pay (it is the creditor's agent: the payer is the debtor agent it names) or its answer to one
 * (a rejection's ISO reason worded as the FSPIOP payee understands it, docs/r2p.md).
 */
async function requestToPay(doc: Extract<InboundDocument, { kind: 'pain.013' | 'pain.014' }>, inbound: InboundMessage, deps: IsoXmlEdgeDeps): Promise<number> {
  if (doc.kind === 'pain.013') {
    const message = doc.message;
    if (participantNamed(deps, message.PmtInf.CdtTrfTx.CdtrAgt, 'PmtInf/CdtTrfTx/CdtrAgt') !== inbound.source) {
      throw new FspiopError('3100', `PmtInf/CdtTrfTx/CdtrAgt must name the bank that sends the request (${inbound.source})`);
    }
    const payer = participantNamed(deps, message.PmtInf.DbtrAgt, 'PmtInf/DbtrAgt');
    if (!payer) throw new FspiopError('3102', 'PmtInf/DbtrAgt must name the payer FSP');
    await deps.transactionRequests.request(message, { ...inbound, destination: payer });
    return 202;
  }
  const report = doc.message;
  const t = report.TxInfAndSts;
  const answer = t.StsRsnInf ? { ...report, TxInfAndSts: { ...t, StsRsnInf: bankRejectionOfRequest(t.StsRsnInf) } } : report;
  await deps.transactionRequests.answer(t.OrgnlInstrId, answer, inbound);
  return 200;
}

/** The participant an agent names (after canonicalAgents: its Othr/Id); 3201 when it names an unknown institution. */
function participantNamed(deps: IsoXmlEdgeDeps, agent: Agent | undefined, where: string): string | undefined {
  const id = agent?.FinInstnId;
  if (!id || agentName(agent) === undefined) return undefined;
  if (id.Othr) return id.Othr.Id;
  const r = resolveInstitution(deps.participants, id);
  throw new FspiopError('3201', `${where}: ${r.ok ? `${r.name} is not a participant` : r.reason}`);
}

function partyPathOf(id: Parameters<typeof readPartyIdentification>[0], subId: string | undefined): PartyPath {
  const { type, identifier } = readPartyIdentification(id);
  if (!type || !identifier || !isPartyIdType(type)) {
    throw new FspiopError('3101', 'Vrfctn/PtyAndAcctId/Pty/Id must carry a party id type (SchmeNm/Prtry) and identifier');
  }
  return { type, id: identifier, ...(subId !== undefined ? { subId } : {}) };
}
