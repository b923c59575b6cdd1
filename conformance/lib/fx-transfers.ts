// FX transfers in the suite (contract fspiop.md §10, iso20022-mapping.md §3.6): a simulated FXP that answers the
// POST /fxTransfers the hub forwards it (FSPIOP v2.0 or ISO 20022 JSON), and the payer side's conversion request.
// The fulfilment is shared through the suite's registry (SuiteContext.fulfilments), as for transfers.
import { ulid } from 'ulidx';
import { randomBytes } from 'node:crypto';
import type { SuiteContext, Transfer } from './context.js';
import type { DfspSimulator, RecordedRequest } from './dfsp.js';
import type { FspiopResponse } from './http.js';
import { generateFulfilment } from './ilp.js';
import { b64url, show } from './util.js';

/** How the FXP answers a conversion. */
export type FxpBehaviour =
  /** PUT /fxTransfers/{ID} {fulfilment, completedTimestamp, conversionState: RESERVED} (what Mojaloop FXPs send). */
  | { kind: 'reserve'; delayMs?: number }
  /** The same with conversionState COMMITTED (the hub takes it as RESERVED). */
  | { kind: 'commit' }
  /** conversionState ABORTED, no fulfilment. */
  | { kind: 'aborted' }
  /** PUT /fxTransfers/{ID}/error {errorInformation}. */
  | { kind: 'reject'; errorCode: string; errorDescription?: string }
  /** RESERVED with a fulfilment that is not the condition's preimage. */
  | { kind: 'wrongFulfilment' }
  /** No answer. */
  | { kind: 'silent' };

export interface FxTransfer {
  commitRequestId: string;
  determiningTransferId: string;
  initiatingFsp: string;
  counterPartyFsp: string;
  source: { amount: string; currency: string };
  target: { amount: string; currency: string };
  condition: string;
  fulfilment: string;
  expiration: string;
}

const FX_ANSWER_VERSION = '2.0';
const TX_STS: Record<string, string> = { RESERVED: 'RESV', COMMITTED: 'COMM', ABORTED: 'ABOR' };

const isoMoney = (m: { amount: string; currency: string }) => ({ Ccy: m.currency });

/** The POST /fxTransfers body of `fx` in FSPIOP v2.0. */
export function fspiopFxBody(fx: FxTransfer): Record<string, unknown> {
  return {
    commitRequestId: fx.commitRequestId,
    determiningTransferId: fx.determiningTransferId,
    initiatingFsp: fx.initiatingFsp,
    counterPartyFsp: fx.counterPartyFsp,
    amountType: 'SEND',
    sourceAmount: { currency: fx.source.currency, amount: fx.source.amount },
    targetAmount: { currency: fx.target.currency, amount: fx.target.amount },
    condition: fx.condition,
    expiration: fx.expiration,
  };
}

/** The POST /fxTransfers body of `fx` in Mojaloop's ISO 20022 JSON (pacs.009). */
export function isoFxBody(fx: FxTransfer): Record<string, unknown> {
  const agent = (id: string) => ({ FinInstnId: { Othr: { Id: id } } });
  const party = (id: string) => ({ Id: { OrgId: { Othr: { Id: id } } } });
  return {
    GrpHdr: { MsgId: ulid(), CreDtTm: new Date().toISOString(), NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' }, PmtInstrXpryDtTm: fx.expiration },
    CdtTrfTxInf: {
      PmtId: { TxId: fx.commitRequestId, EndToEndId: fx.determiningTransferId },
      IntrBkSttlmAmt: { ActiveCurrencyAndAmount: fx.target.amount, ...isoMoney(fx.target) },
      UndrlygCstmrCdtTrf: {
        InstdAmt: { ActiveOrHistoricCurrencyAndAmount: fx.source.amount, ...isoMoney(fx.source) },
        Dbtr: party(fx.initiatingFsp),
        Cdtr: party(fx.counterPartyFsp),
        DbtrAgt: agent(fx.initiatingFsp),
        CdtrAgt: agent(fx.counterPartyFsp),
      },
      Dbtr: agent(fx.initiatingFsp),
      Cdtr: agent(fx.counterPartyFsp),
      InstrForCdtrAgt: { InstrInf: 'SEND' },
      VrfctnOfTerms: { Sh256Sgntr: fx.condition },
    },
  };
}

/**
 * A conversion for the dependent transfer `dependent` (whose transferId becomes the determining transfer id), from
 * its payer to `fxp`, paying `source`; the target is the transfer's amount. Its fulfilment is registered for the FXP.
 */
export function newFxTransfer(
  ctx: SuiteContext,
  o: { dependent: Transfer; fxp: DfspSimulator | string; source: { amount: string; currency: string }; expiresInMs?: number },
): FxTransfer {
  const { fulfilment, condition } = generateFulfilment();
  const commitRequestId = ulid();
  ctx.fulfilments.set(commitRequestId, fulfilment);
  return {
    commitRequestId,
    determiningTransferId: o.dependent.transferId,
    initiatingFsp: o.dependent.payerFsp,
    counterPartyFsp: typeof o.fxp === 'string' ? o.fxp : o.fxp.name,
    source: o.source,
    target: { amount: o.dependent.amount, currency: o.dependent.currency },
    condition,
    fulfilment,
    expiration: new Date(Date.now() + (o.expiresInMs ?? 60_000)).toISOString(),
  };
}

/** POST /fxTransfers from the initiating FSP (FSPIOP v2.0, or ISO 20022 JSON). `raw` replaces the body. */
export function sendFxPrepare(ctx: SuiteContext, fx: FxTransfer, o: { iso?: boolean; raw?: string; source?: string } = {}): Promise<FspiopResponse> {
  const body = o.raw ?? JSON.stringify(o.iso ? isoFxBody(fx) : fspiopFxBody(fx));
  return ctx.send({
    method: 'POST',
    path: '/fxTransfers',
    version: '2.0',
    source: o.source ?? fx.initiatingFsp,
    destination: fx.counterPartyFsp,
    body,
    headers: o.iso ? isoHeaders('fxTransfers', true) : undefined,
    sign: true,
  });
}

/** GET /fxTransfers/{ID} by `requester`. */
export function getFxTransfer(ctx: SuiteContext, requester: string, commitRequestId: string): Promise<FspiopResponse> {
  return ctx.send({ method: 'GET', path: `/fxTransfers/${commitRequestId}`, version: '2.0', source: requester, destination: ctx.hubName });
}

/** Content-Type (and Accept) of Mojaloop's ISO 20022 JSON for `resource`. */
export function isoHeaders(resource: string, withAccept: boolean): Record<string, string> {
  const h: Record<string, string> = { 'content-type': `application/vnd.interoperability.iso20022.${resource}+json;version=2.0` };
  if (withAccept) h['accept'] = `application/vnd.interoperability.iso20022.${resource}+json;version=2`;
  return h;
}

/** Wait for a message about conversion `id` at `sim`: `put`, `error` or `patch`, from `from` when given. */
export function waitFxCallback(
  ctx: SuiteContext,
  sim: DfspSimulator,
  id: string,
  o: { type: 'put' | 'error' | 'patch'; from?: string; since?: number; timeoutMs?: number },
): Promise<RecordedRequest> {
  const path = `/fxTransfers/${id}${o.type === 'error' ? '/error' : ''}`;
  const method = o.type === 'patch' ? 'PATCH' : 'PUT';
  return sim.waitFor((r) => r.method === method && r.path === path && (o.from === undefined || r.headers['fspiop-source'] === o.from), o.timeoutMs ?? ctx.T, {
    since: o.since,
    label: `${method} ${path}${o.from ? ` from ${o.from}` : ''} at ${sim.name}`,
    context: (r) => r.path.includes(id),
  });
}

/** The conversion state of a PUT or PATCH about a conversion, in either dialect. */
export function conversionStateOf(rec: RecordedRequest): string | undefined {
  const body = rec.body as Record<string, any> | undefined;
  if (body?.conversionState !== undefined) return body.conversionState as string;
  const sts = body?.TxInfAndSts?.TxSts as string | undefined;
  return sts === undefined ? undefined : ({ RECV: 'RECEIVED', RESV: 'RESERVED', COMM: 'COMMITTED', ABOR: 'ABORTED' } as Record<string, string>)[sts];
}

/** The error code of an error callback, in either dialect. */
export function errorCodeOf(rec: RecordedRequest): string | undefined {
  const body = rec.body as Record<string, any> | undefined;
  return body?.errorInformation?.errorCode ?? body?.TxInfAndSts?.StsRsnInf?.Rsn?.Prtry;
}

/**
 * Makes `sim` an FXP: each POST /fxTransfers it receives is answered per the conversion's behaviour (default
 * `reserve`) in the dialect the request came in. What it sent is kept in `sent` (commitRequestId → response).
 */
export class FxpRole {
  private readonly behaviours = new Map<string, FxpBehaviour>();
  readonly sent = new Map<string, FspiopResponse | Error>();
  private readonly problems: string[] = [];

  constructor(
    readonly sim: DfspSimulator,
    private readonly fulfilments: Map<string, string>,
    private defaultBehaviour: FxpBehaviour = { kind: 'reserve' },
  ) {
    sim.setHandler((rec) => this.onRequest(rec));
  }

  setBehaviour(commitRequestId: string, b: FxpBehaviour): void {
    this.behaviours.set(commitRequestId, b);
  }

  setDefault(b: FxpBehaviour): void {
    this.defaultBehaviour = b;
  }

  /** The answer the FXP sent (or failed to send) for conversion `id`. */
  async waitSent(id: string, timeoutMs: number): Promise<FspiopResponse> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const sent = this.sent.get(id);
      if (sent instanceof Error) throw new Error(`the FXP ${this.sim.name} could not answer ${id}: ${sent.message}`);
      if (sent) return sent;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`the FXP ${this.sim.name} sent no answer for ${id} within ${timeoutMs} ms (problems: ${this.problems.join('; ') || 'none'})`);
  }

  private onRequest(rec: RecordedRequest): boolean {
    if (rec.method !== 'POST' || !/^\/fxTransfers\/?$/.test(rec.path)) return false;
    const iso = (rec.headers['content-type'] ?? '').includes('iso20022');
    const body = rec.body as Record<string, any> | undefined;
    const id = (iso ? body?.CdtTrfTxInf?.PmtId?.TxId : body?.commitRequestId) as string | undefined;
    const initiator = (iso ? body?.CdtTrfTxInf?.Dbtr?.FinInstnId?.Othr?.Id : body?.initiatingFsp) as string | undefined;
    if (!id || !initiator) {
      this.problems.push(`POST /fxTransfers without commitRequestId or initiatingFsp: ${show(rec.bodyText, 300)}`);
      return true;
    }
    const b = this.behaviours.get(id) ?? this.defaultBehaviour;
    if (b.kind === 'silent') return true;
    const delay = b.kind === 'reserve' ? (b.delayMs ?? 0) : 0;
    setTimeout(() => void this.answer(id, initiator, b, iso), delay);
    return true;
  }

  private async answer(id: string, initiator: string, b: Exclude<FxpBehaviour, { kind: 'silent' }>, iso: boolean): Promise<void> {
    const now = new Date().toISOString();
    const fulfilment = b.kind === 'wrongFulfilment' ? b64url(randomBytes(32)) : this.fulfilments.get(id);
    let path = `/fxTransfers/${id}`;
    let body: Record<string, unknown>;
    if (b.kind === 'reject') {
      path += '/error';
      body = iso
        ? {
            GrpHdr: { MsgId: ulid(), CreDtTm: now },
            TxInfAndSts: { StsRsnInf: { Rsn: { Prtry: b.errorCode }, AddtlInf: b.errorDescription ?? 'FXP refuses' } },
          }
        : { errorInformation: { errorCode: b.errorCode, errorDescription: b.errorDescription ?? 'FXP refuses' } };
    } else {
      const state = b.kind === 'commit' ? 'COMMITTED' : b.kind === 'aborted' ? 'ABORTED' : 'RESERVED';
      const withFulfilment = b.kind !== 'aborted';
      body = iso
        ? {
            GrpHdr: { MsgId: ulid(), CreDtTm: now },
            TxInfAndSts: { ...(withFulfilment ? { ExctnConf: fulfilment } : {}), PrcgDt: { DtTm: now }, TxSts: TX_STS[state] },
          }
        : { ...(withFulfilment ? { fulfilment } : {}), completedTimestamp: now, conversionState: state };
    }
    try {
      const res = await this.sim.send({
        method: 'PUT',
        path,
        version: FX_ANSWER_VERSION,
        destination: initiator,
        body: JSON.stringify(body),
        headers: { 'fspiop-uri': path, 'fspiop-http-method': 'PUT', ...(iso ? isoHeaders('fxTransfers', false) : {}) },
      });
      this.sent.set(id, res);
    } catch (err) {
      this.sent.set(id, err instanceof Error ? err : new Error(String(err)));
    }
  }
}
