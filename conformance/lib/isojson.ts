// Mojaloop's ISO 20022 JSON dialect (`iso20022-json/2.0`, docs/iso20022.md): the media types, the bodies a
// participant speaking it sends (acmt.024 for parties, pacs.081/082 for quotes, pacs.008/002 for transfers; ULID
// ids), a payee behaviour for a simulated DFSP registered with that dialect, and structural checks of what the hub
// renders for such a participant. Element names: docs/iso20022-mapping.md (ISO JSON column). Nothing of the hub is
// imported.
import { randomBytes } from 'node:crypto';
import { ulid } from 'ulidx';
import type { DfspSimulator, RecordedRequest } from './dfsp.js';
import type { FspiopResponse } from './http.js';
import { buildIlpPacket, conditionFromFulfilment, deriveFulfilment, fulfilmentFromPacket, toMinorUnitsTruncated } from './ilp.js';
import { b64url, show } from './util.js';

export const ISO_VERSION = '2.0';

export function isoContentType(resource: string): string {
  return `application/vnd.interoperability.iso20022.${resource}+json;version=${ISO_VERSION}`;
}

export function isoAccept(resource: string): string {
  return `application/vnd.interoperability.iso20022.${resource}+json;version=2`;
}

export const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const ISO_AMOUNT_RE = /^(0|[1-9]\d*)(\.\d{1,5})?$/;

// ---- shapes --------------------------------------------------------------------------------------------------

export interface IsoAgent {
  FinInstnId: { Othr?: { Id: string }; BICFI?: string; ClrSysMmbId?: { MmbId: string } };
}
export interface IsoParty {
  Nm?: string;
  Id: {
    PrvtId?: { Othr: { Id: string; SchmeNm?: { Prtry?: string; Cd?: string } } };
    OrgId?: { Othr: { Id: string; SchmeNm?: { Prtry?: string; Cd?: string } } };
  };
}
export interface IsoAmount {
  ActiveCurrencyAndAmount: string;
  Ccy: string;
}

export const agentOf = (fsp: string): IsoAgent => ({ FinInstnId: { Othr: { Id: fsp } } });
export const fspOfAgent = (a: IsoAgent | undefined): string | undefined => a?.FinInstnId?.Othr?.Id;

const ORG = new Set(['BUSINESS', 'ALIAS', 'DEVICE']);

export function isoParty(type: string, id: string, name?: string): IsoParty {
  const othr = { Id: id, SchmeNm: { Prtry: type } };
  const p: IsoParty = { Id: ORG.has(type) ? { OrgId: { Othr: othr } } : { PrvtId: { Othr: othr } } };
  if (name !== undefined) p.Nm = name;
  return p;
}

/** `{type, id}` of an ISO JSON party (SchmeNm/Prtry and Othr/Id). */
export function partyOfIso(p: IsoParty | undefined): { type?: string; id?: string } {
  const o = p?.Id?.PrvtId?.Othr ?? p?.Id?.OrgId?.Othr;
  return { type: o?.SchmeNm?.Prtry, id: o?.Id };
}

const now = () => new Date().toISOString();

// ---- bodies --------------------------------------------------------------------------------------------------

/** PUT /parties/{Type}/{ID} acmt.024 (verified) from `me` to `requester`. */
export function acmt024Found(o: { me: string; requester: string; type: string; id: string; name?: string; currency?: string }): Record<string, unknown> {
  const upd: Record<string, unknown> = { Pty: isoParty(o.type, o.id, o.name ?? 'Mary;;Jones;Mary Jones') };
  if (o.currency) upd.Acct = { Ccy: o.currency };
  upd.Agt = agentOf(o.me);
  return {
    Assgnmt: { MsgId: ulid(), CreDtTm: now(), Assgnr: { Agt: agentOf(o.me) }, Assgne: { Agt: agentOf(o.requester) } },
    Rpt: { OrgnlId: `${o.type}/${o.id}`.slice(0, 35), Vrfctn: true, UpdtdPtyAndAcctId: upd },
  };
}

/** PUT /parties/{Type}/{ID}/error acmt.024 (not verified, Rsn/Cd = code). */
export function acmt024Error(o: { me: string; requester: string; type: string; id: string; code: string }): Record<string, unknown> {
  return {
    Assgnmt: { MsgId: ulid(), CreDtTm: now(), Assgnr: { Agt: agentOf(o.me) }, Assgne: { Agt: agentOf(o.requester) } },
    Rpt: { OrgnlId: `${o.type}/${o.id}`.slice(0, 35), Vrfctn: false, Rsn: { Cd: o.code } },
  };
}

export interface IsoQuoteRequestOptions {
  quoteId?: string;
  transactionId?: string;
  payerFsp: string;
  payeeFsp: string;
  payer: { type: string; id: string; name?: string };
  payee: { type: string; id: string; name?: string };
  amount: string;
  currency: string;
  /** CRED = SEND (default), DEBT = RECEIVE. */
  chargeBearer?: 'CRED' | 'DEBT' | 'SHAR';
  expiresInMs?: number;
}

/** POST /quotes pacs.081. */
export function pacs081(o: IsoQuoteRequestOptions): { body: Record<string, any>; quoteId: string; transactionId: string } {
  const quoteId = o.quoteId ?? ulid();
  const transactionId = o.transactionId ?? ulid();
  const body = {
    GrpHdr: {
      MsgId: ulid(),
      CreDtTm: now(),
      NbOfTxs: '1',
      SttlmInf: { SttlmMtd: 'CLRG' },
      PmtInstrXpryDtTm: new Date(Date.now() + (o.expiresInMs ?? 60_000)).toISOString(),
    },
    CdtTrfTxInf: {
      PmtId: { TxId: quoteId, EndToEndId: transactionId },
      PmtTpInf: { LclInstrm: { Prtry: 'PAYER/CONSUMER' } },
      IntrBkSttlmAmt: { ActiveCurrencyAndAmount: o.amount, Ccy: o.currency },
      ChrgBr: o.chargeBearer ?? 'CRED',
      Dbtr: isoParty(o.payer.type, o.payer.id, o.payer.name ?? 'Henrik;;Karlsson;Henrik Karlsson'),
      DbtrAgt: agentOf(o.payerFsp),
      CdtrAgt: agentOf(o.payeeFsp),
      Cdtr: isoParty(o.payee.type, o.payee.id),
      Purp: { Prtry: 'TRANSFER' },
    },
  };
  return { body, quoteId, transactionId };
}

/** The transaction object an ISO JSON payee puts into its ILP packet, from the pacs.081 (FSPIOP shape, as the SDK). */
export function transactionOfTerms(request: any, expiration: string): Record<string, unknown> {
  const tx = request.CdtTrfTxInf;
  const side = (p: IsoParty, a: IsoAgent) => {
    const { type, id } = partyOfIso(p);
    return { partyIdInfo: { partyIdType: type ?? 'MSISDN', partyIdentifier: id ?? '', fspId: fspOfAgent(a) ?? '' } };
  };
  return {
    quoteId: tx.PmtId.TxId,
    transactionId: tx.PmtId.EndToEndId,
    transactionType: { scenario: tx.Purp?.Prtry ?? 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
    payer: side(tx.Dbtr, tx.DbtrAgt),
    payee: side(tx.Cdtr, tx.CdtrAgt),
    amount: { amount: tx.IntrBkSttlmAmt.ActiveCurrencyAndAmount, currency: tx.IntrBkSttlmAmt.Ccy },
    expiration,
  };
}

/** PUT /quotes/{ID} pacs.082 answering `request` with the payee's ILP terms (amount = the requested one, no fees). */
export function pacs082(
  secret: string,
  request: any,
  o: { expiresInMs?: number; charge?: { amount: string; commission?: boolean } } = {},
): { body: Record<string, unknown>; condition: string; fulfilment: string; ilpPacket: string } {
  const tx = request.CdtTrfTxInf;
  const expiration = new Date(Date.now() + (o.expiresInMs ?? 60_000)).toISOString();
  const transaction = transactionOfTerms(request, expiration);
  const fulfilment = deriveFulfilment(secret, transaction);
  const condition = conditionFromFulfilment(fulfilment);
  const amt = tx.IntrBkSttlmAmt as IsoAmount;
  const ilpPacket = buildIlpPacket({
    amount: amt.ActiveCurrencyAndAmount,
    currency: amt.Ccy,
    amountMinorUnits: toMinorUnitsTruncated(amt.ActiveCurrencyAndAmount, amt.Ccy),
    condition,
    expiresAt: expiration,
    transaction,
  });
  const body = {
    GrpHdr: { MsgId: ulid(), CreDtTm: now(), NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' }, PmtInstrXpryDtTm: expiration },
    CdtTrfTxInf: {
      PmtId: { TxId: tx.PmtId.TxId },
      IntrBkSttlmAmt: { ActiveCurrencyAndAmount: amt.ActiveCurrencyAndAmount, Ccy: amt.Ccy },
      ChrgBr: tx.ChrgBr,
      ...(o.charge
        ? {
            ChrgsInf: {
              Amt: { ActiveOrHistoricCurrencyAndAmount: o.charge.amount, Ccy: amt.Ccy },
              Agt: tx.CdtrAgt,
              ...(o.charge.commission ? { Tp: { Cd: 'COMM' } } : {}),
            },
          }
        : {}),
      Dbtr: tx.Dbtr,
      DbtrAgt: tx.DbtrAgt,
      CdtrAgt: tx.CdtrAgt,
      Cdtr: tx.Cdtr,
      VrfctnOfTerms: { IlpV4PrepPacket: ilpPacket },
    },
  };
  return { body, condition, fulfilment, ilpPacket };
}

/** POST /transfers pacs.008 after an agreed quote (the pacs.082 the payer received). */
export function pacs008FromTerms(terms: any, o: { transferId?: string; expiresInMs?: number } = {}): { body: Record<string, unknown>; transferId: string } {
  const t = terms.CdtTrfTxInf;
  const transferId = o.transferId ?? ulid();
  const quoteExpiry = Date.parse(terms.GrpHdr?.PmtInstrXpryDtTm ?? '') || Infinity;
  const expiration = new Date(Math.min(Date.now() + (o.expiresInMs ?? 60_000), quoteExpiry)).toISOString();
  const body = {
    GrpHdr: { MsgId: ulid(), CreDtTm: now(), NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' }, PmtInstrXpryDtTm: expiration },
    CdtTrfTxInf: {
      PmtId: { TxId: transferId },
      IntrBkSttlmAmt: t.IntrBkSttlmAmt,
      ChrgBr: t.ChrgBr ?? 'CRED',
      Dbtr: t.Dbtr,
      DbtrAgt: t.DbtrAgt,
      CdtrAgt: t.CdtrAgt,
      Cdtr: t.Cdtr,
      VrfctnOfTerms: { IlpV4PrepPacket: t.VrfctnOfTerms.IlpV4PrepPacket },
    },
  };
  return { body, transferId };
}

/** PUT /transfers/{ID} pacs.002 (COMM with the fulfilment, or RESV). */
export function pacs002Status(o: { fulfilment?: string; status: 'COMM' | 'RESV' | 'ABOR' | 'RECV' }): Record<string, unknown> {
  const t: Record<string, unknown> = {};
  if (o.fulfilment !== undefined) t.ExctnConf = o.fulfilment;
  t.PrcgDt = { DtTm: now() };
  t.TxSts = o.status;
  return { GrpHdr: { MsgId: ulid(), CreDtTm: now() }, TxInfAndSts: t };
}

/** PUT …/error pacs.002 (StsRsnInf/Rsn/Prtry = FSPIOP error code). */
export function pacs002Error(code: string, description?: string): Record<string, unknown> {
  const reason: Record<string, unknown> = { Rsn: { Prtry: code } };
  if (description !== undefined) reason.AddtlInf = description.slice(0, 105);
  return { GrpHdr: { MsgId: ulid(), CreDtTm: now() }, TxInfAndSts: { StsRsnInf: reason } };
}

// ---- a simulated DFSP speaking ISO JSON ------------------------------------------------------------------------

/** Send an ISO JSON request as `sim` (ISO media types; FSPIOP headers otherwise as usual). */
export function isoSend(
  sim: DfspSimulator,
  o: { method: 'GET' | 'POST' | 'PUT'; path: string; destination?: string; body?: unknown; headers?: Record<string, string | null | undefined> },
): Promise<FspiopResponse> {
  const resource = o.path.split('/').filter(Boolean)[0] ?? '';
  const headers: Record<string, string | null | undefined> = { 'content-type': isoContentType(resource) };
  headers.accept = o.method === 'PUT' ? null : isoAccept(resource);
  if (o.method === 'PUT') {
    headers['fspiop-uri'] = o.path;
    headers['fspiop-http-method'] = 'PUT';
  }
  return sim.send({
    method: o.method,
    path: o.path,
    version: ISO_VERSION,
    resource,
    destination: o.destination,
    body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
    headers: { ...headers, ...(o.headers ?? {}) },
  });
}

/** `charge`: one ChrgsInf in the pacs.082 (taken by the payee agent; `commission` marks it Tp/Cd COMM). */
export type IsoQuoteBehaviour =
  | { kind: 'answer'; expiresInMs?: number; charge?: { amount: string; commission?: boolean } }
  | { kind: 'error'; code: string; description?: string }
  | { kind: 'silent' };
export type IsoTransferBehaviour = { kind: 'fulfil' } | { kind: 'reject'; code: string; description?: string } | { kind: 'silent' };

export interface IsoParty_ {
  type: string;
  id: string;
  name?: string;
  lookup?: 'answer' | 'silent' | { error: string };
}

/** An answer the ISO JSON payee sent. */
export interface IsoOutbound {
  resource: 'parties' | 'quotes' | 'transfers';
  ref: string;
  path: string;
  body: unknown;
  response?: FspiopResponse;
  error?: string;
  at: number;
}

/**
 * Payee behaviour of a DFSP registered as `iso20022-json/2.0`: answers GET /parties (acmt.024), POST /quotes
 * (pacs.082 with an ILP v4 packet whose fulfilment is an HMAC with its own secret) and POST /transfers (pacs.002 COMM
 * with the fulfilment re-derived from the packet), each to the requester.
 */
export class IsoJsonPayee {
  readonly secret = b64url(randomBytes(32));
  readonly parties = new Map<string, IsoParty_>();
  readonly quoteBehaviours = new Map<string, IsoQuoteBehaviour>();
  readonly transferBehaviours = new Map<string, IsoTransferBehaviour>();
  readonly outbound: IsoOutbound[] = [];
  /** Terms it issued, by quote id. */
  readonly terms = new Map<string, { condition: string; fulfilment: string; ilpPacket: string }>();
  defaultQuote: IsoQuoteBehaviour = { kind: 'answer' };
  defaultTransfer: IsoTransferBehaviour = { kind: 'fulfil' };

  constructor(
    readonly sim: DfspSimulator,
    readonly currency: string,
  ) {
    sim.setHandler((rec) => this.handle(rec));
  }

  addParty(p: IsoParty_): void {
    this.parties.set(`${p.type}/${p.id}`, p);
  }

  private handle(rec: RecordedRequest): boolean {
    const path = rec.path.split('?')[0]!;
    if (rec.method === 'GET' && path.startsWith('/parties/')) {
      this.later(() => this.onPartiesGet(rec, path));
      return true;
    }
    if (rec.method === 'POST' && path === '/quotes') {
      this.later(() => this.onQuote(rec));
      return true;
    }
    if (rec.method === 'POST' && path === '/transfers') {
      this.later(() => this.onTransfer(rec));
      return true;
    }
    return true; // callbacks: recorded only
  }

  private later(fn: () => Promise<void>): void {
    setImmediate(() => void fn().catch((err) => this.sim.problems.push(err instanceof Error ? err.message : String(err))));
  }

  private async answer(resource: IsoOutbound['resource'], ref: string, path: string, destination: string, body: unknown): Promise<void> {
    const out: IsoOutbound = { resource, ref, path, body, at: Date.now() };
    try {
      out.response = await isoSend(this.sim, { method: 'PUT', path, destination, body });
    } catch (err) {
      out.error = err instanceof Error ? err.message : String(err);
    }
    this.outbound.push(out);
  }

  private async onPartiesGet(rec: RecordedRequest, path: string): Promise<void> {
    const m = /^\/parties\/([^/]+)\/([^/]+)$/.exec(path);
    if (!m) return;
    const type = decodeURIComponent(m[1]!);
    const id = decodeURIComponent(m[2]!);
    const requester = rec.headers['fspiop-source'] ?? '';
    const p = this.parties.get(`${type}/${id}`);
    if (p?.lookup === 'silent') return;
    if (p && (p.lookup === undefined || p.lookup === 'answer')) {
      await this.answer('parties', path, path, requester, acmt024Found({ me: this.sim.name, requester, type, id, name: p.name, currency: this.currency }));
    } else {
      const code = p && typeof p.lookup === 'object' ? p.lookup.error : '3204';
      await this.answer('parties', path, `${path}/error`, requester, acmt024Error({ me: this.sim.name, requester, type, id, code }));
    }
  }

  private async onQuote(rec: RecordedRequest): Promise<void> {
    const body = rec.body;
    const quoteId: string | undefined = body?.CdtTrfTxInf?.PmtId?.TxId;
    if (!quoteId) {
      this.sim.problems.push(`ISO quote request #${rec.seq} without CdtTrfTxInf.PmtId.TxId: ${show(rec.bodyText, 300)}`);
      return;
    }
    const requester = rec.headers['fspiop-source'] ?? '';
    const b = this.quoteBehaviours.get(quoteId) ?? this.defaultQuote;
    if (b.kind === 'silent') return;
    if (b.kind === 'error') {
      await this.answer('quotes', quoteId, `/quotes/${quoteId}/error`, requester, pacs002Error(b.code, b.description ?? 'Payee rejected quote'));
      return;
    }
    const t = pacs082(this.secret, body, { expiresInMs: b.expiresInMs, charge: b.charge });
    this.terms.set(quoteId, { condition: t.condition, fulfilment: t.fulfilment, ilpPacket: t.ilpPacket });
    await this.answer('quotes', quoteId, `/quotes/${quoteId}`, requester, t.body);
  }

  private async onTransfer(rec: RecordedRequest): Promise<void> {
    const tx = rec.body?.CdtTrfTxInf;
    const transferId: string | undefined = tx?.PmtId?.TxId;
    if (!transferId) {
      this.sim.problems.push(`ISO transfer #${rec.seq} without CdtTrfTxInf.PmtId.TxId: ${show(rec.bodyText, 300)}`);
      return;
    }
    if (this.outbound.some((o) => o.resource === 'transfers' && o.ref === transferId)) return;
    const payer = fspOfAgent(tx.DbtrAgt) ?? rec.headers['fspiop-source'] ?? '';
    const b = this.transferBehaviours.get(transferId) ?? this.defaultTransfer;
    if (b.kind === 'silent') return;
    if (b.kind === 'reject') {
      await this.answer('transfers', transferId, `/transfers/${transferId}/error`, payer, pacs002Error(b.code, b.description ?? 'Payee rejected the transfer'));
      return;
    }
    const packet = tx.VrfctnOfTerms?.IlpV4PrepPacket;
    if (typeof packet !== 'string') {
      this.sim.problems.push(`ISO transfer ${transferId} without VrfctnOfTerms.IlpV4PrepPacket`);
      return;
    }
    const d = fulfilmentFromPacket(this.secret, packet);
    if (d.condition !== d.packetCondition) {
      this.sim.problems.push(
        `ISO transfer ${transferId}: the packet is not one of this payee's terms (condition ${d.packetCondition}, derived ${d.condition})`,
      );
      return;
    }
    await this.answer('transfers', transferId, `/transfers/${transferId}`, payer, pacs002Status({ fulfilment: d.fulfilment, status: 'COMM' }));
  }
}

// ---- checks of what the hub renders for an ISO JSON participant ----------------------------------------------------

const FSPIOP_MEMBERS = [
  'transferId',
  'quoteId',
  'transactionId',
  'party',
  'errorInformation',
  'payerFsp',
  'payeeFsp',
  'ilpPacket',
  'condition',
  'fulfilment',
  'transferState',
  'amount',
  'payer',
  'payee',
];

export type IsoJsonKind = 'acmt.024' | 'acmt.024-error' | 'pacs.081' | 'pacs.082' | 'pacs.008' | 'pacs.002' | 'pacs.002-error';

/** Problems of an ISO JSON body of `kind` (empty: it has the shape the dialect requires). */
export function isoJsonProblems(kind: IsoJsonKind, body: any): string[] {
  const p: string[] = [];
  if (!body || typeof body !== 'object' || Array.isArray(body)) return ['the body is not a JSON object'];
  for (const k of FSPIOP_MEMBERS) if (k in body) p.push(`FSPIOP member ${k} in an ISO 20022 JSON body`);
  const need = (cond: boolean, what: string) => {
    if (!cond) p.push(what);
  };
  const agent = (a: any, where: string) => need(typeof a?.FinInstnId === 'object' && a.FinInstnId !== null, `${where}.FinInstnId missing`);
  const partyOk = (x: any, where: string) => need(Boolean(x?.Id?.PrvtId?.Othr?.Id || x?.Id?.OrgId?.Othr?.Id), `${where}.Id.{PrvtId|OrgId}.Othr.Id missing`);
  const amountOk = (a: any, where: string) =>
    need(
      typeof a?.ActiveCurrencyAndAmount === 'string' && ISO_AMOUNT_RE.test(a.ActiveCurrencyAndAmount) && /^[A-Z]{3}$/.test(a?.Ccy ?? ''),
      `${where} is not {ActiveCurrencyAndAmount, Ccy}: ${show(a)}`,
    );
  const grpHdr = (g: any, terms: boolean) => {
    need(typeof g?.MsgId === 'string' && g.MsgId.length > 0 && g.MsgId.length <= 35, 'GrpHdr.MsgId missing or longer than 35');
    need(DATE_TIME_RE.test(g?.CreDtTm ?? ''), `GrpHdr.CreDtTm is not a date-time: ${show(g?.CreDtTm)}`);
    if (terms) {
      need(g?.NbOfTxs === '1', `GrpHdr.NbOfTxs should be "1": ${show(g?.NbOfTxs)}`);
      need(typeof g?.SttlmInf?.SttlmMtd === 'string', 'GrpHdr.SttlmInf.SttlmMtd missing');
    }
  };
  switch (kind) {
    case 'acmt.024':
    case 'acmt.024-error': {
      const a = body.Assgnmt;
      need(typeof a?.MsgId === 'string', 'Assgnmt.MsgId missing');
      need(DATE_TIME_RE.test(a?.CreDtTm ?? ''), 'Assgnmt.CreDtTm is not a date-time');
      agent(a?.Assgnr?.Agt, 'Assgnmt.Assgnr.Agt');
      agent(a?.Assgne?.Agt, 'Assgnmt.Assgne.Agt');
      need(typeof body.Rpt?.OrgnlId === 'string' && body.Rpt.OrgnlId.length <= 35, 'Rpt.OrgnlId missing or longer than 35');
      need(typeof body.Rpt?.Vrfctn === 'boolean', 'Rpt.Vrfctn is not a boolean');
      if (kind === 'acmt.024') {
        need(body.Rpt?.Vrfctn === true, 'Rpt.Vrfctn should be true');
        partyOk(body.Rpt?.UpdtdPtyAndAcctId?.Pty, 'Rpt.UpdtdPtyAndAcctId.Pty');
        agent(body.Rpt?.UpdtdPtyAndAcctId?.Agt, 'Rpt.UpdtdPtyAndAcctId.Agt');
      } else {
        need(body.Rpt?.Vrfctn === false, 'Rpt.Vrfctn should be false');
        need(Boolean(body.Rpt?.Rsn?.Cd || body.Rpt?.Rsn?.Prtry), 'Rpt.Rsn.{Cd|Prtry} missing');
      }
      break;
    }
    case 'pacs.081':
    case 'pacs.082':
    case 'pacs.008': {
      grpHdr(body.GrpHdr, true);
      const t = body.CdtTrfTxInf;
      need(ULID_RE.test(t?.PmtId?.TxId ?? ''), `CdtTrfTxInf.PmtId.TxId is not a ULID: ${show(t?.PmtId?.TxId)}`);
      if (kind === 'pacs.081') need(ULID_RE.test(t?.PmtId?.EndToEndId ?? ''), `CdtTrfTxInf.PmtId.EndToEndId is not a ULID: ${show(t?.PmtId?.EndToEndId)}`);
      amountOk(t?.IntrBkSttlmAmt, 'CdtTrfTxInf.IntrBkSttlmAmt');
      need(['DEBT', 'CRED', 'SHAR'].includes(t?.ChrgBr), `CdtTrfTxInf.ChrgBr ${show(t?.ChrgBr)} is not DEBT/CRED/SHAR`);
      partyOk(t?.Dbtr, 'CdtTrfTxInf.Dbtr');
      partyOk(t?.Cdtr, 'CdtTrfTxInf.Cdtr');
      agent(t?.DbtrAgt, 'CdtTrfTxInf.DbtrAgt');
      agent(t?.CdtrAgt, 'CdtTrfTxInf.CdtrAgt');
      if (kind !== 'pacs.081') {
        need(typeof t?.VrfctnOfTerms?.IlpV4PrepPacket === 'string', 'CdtTrfTxInf.VrfctnOfTerms.IlpV4PrepPacket missing');
        need(DATE_TIME_RE.test(body.GrpHdr?.PmtInstrXpryDtTm ?? ''), 'GrpHdr.PmtInstrXpryDtTm missing');
      }
      break;
    }
    case 'pacs.002':
    case 'pacs.002-error': {
      grpHdr(body.GrpHdr, false);
      const t = body.TxInfAndSts;
      if (kind === 'pacs.002') need(['RECV', 'RESV', 'COMM', 'ABOR'].includes(t?.TxSts), `TxInfAndSts.TxSts ${show(t?.TxSts)} is not RECV/RESV/COMM/ABOR`);
      else need(Boolean(t?.StsRsnInf?.Rsn?.Prtry || t?.StsRsnInf?.Rsn?.Cd), 'TxInfAndSts.StsRsnInf.Rsn.{Prtry|Cd} missing');
      if (t?.StsRsnInf?.AddtlInf !== undefined) need(String(t.StsRsnInf.AddtlInf).length <= 105, 'TxInfAndSts.StsRsnInf.AddtlInf longer than 105');
      break;
    }
  }
  return p;
}
