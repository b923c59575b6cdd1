// A simulated foreign-exchange provider (FXP) for the FX scenarios (docs/fx.md): a DFSP simulator provisioned with
// POSITION accounts in two currencies and the FX endpoints, that answers POST /fxQuotes with its own rate and
// condition, in FSPIOP v2.0 or in Mojaloop's ISO 20022 JSON (pacs.091 -> pacs.092). Conversions (fxTransfers) are
// not handled here (a separate file extends the FXP for them). Nothing of the hub is imported.
import { randomBytes } from 'node:crypto';
import { ulid } from 'ulidx';
import type { SuiteContext } from './context.js';
import { shiftToInteger } from './decimal.js';
import type { DfspSimulator, RecordedRequest, SimDialect } from './dfsp.js';
import type { FspiopResponse } from './http.js';
import { conditionFromFulfilment, currencyDecimals } from './ilp.js';
import { isoSend } from './isojson.js';
import { b64url } from './util.js';

export type FxDialect = Extract<SimDialect, 'fspiop/2.0' | 'iso20022-json/2.0'>;

/** How the FXP answers a conversion quote request. */
export type FxpQuoteBehaviour =
  | { kind: 'answer'; expiresInMs?: number; charges?: Array<{ chargeType: string; sourceAmount?: string; targetAmount?: string }> }
  /** Answers with terms changed by `change` (e.g. another fixed amount): what the hub must refuse. */
  | { kind: 'answer-changed'; change: (terms: FspiopFxTerms) => void }
  | { kind: 'error'; code: string; description?: string }
  | { kind: 'silent' };

export interface FspiopFxTerms {
  conversionId: string;
  determiningTransferId?: string;
  initiatingFsp: string;
  counterPartyFsp: string;
  amountType: 'SEND' | 'RECEIVE';
  sourceAmount: { currency: string; amount?: string };
  targetAmount: { currency: string; amount?: string };
  expiration: string;
  charges?: Array<{ chargeType: string; sourceAmount?: { currency: string; amount: string }; targetAmount?: { currency: string; amount: string } }>;
  extensionList?: unknown;
}

/** What the FXP answered to one conversion request. */
export interface FxpAnswer {
  terms: FspiopFxTerms;
  condition: string;
  fulfilment: string;
  /** The body sent (a repeated request gets the very same answer again, as the spec's resend rule says). */
  body: unknown;
  /** The exact text sent (known before the PUT leaves: the hub may forward it before the FXP has its 200). */
  bodyText: string;
  /** The hub's answer to the PUT, once it came. */
  response?: FspiopResponse;
}

/** FX callback endpoints (admin.md §1.3). Every FX participant takes the answers to its quotes at the quotes base. */
export function fxEndpointsFor(base: string, fxp: boolean): Array<{ type: string; value: string }> {
  const b = base.replace(/\/+$/, '');
  const common = [
    { type: 'FSPIOP_CALLBACK_URL_FX_QUOTES', value: b },
    { type: 'FSPIOP_CALLBACK_URL_FX_TRANSFER_PUT', value: `${b}/fxTransfers/{{commitRequestId}}` },
    { type: 'FSPIOP_CALLBACK_URL_FX_TRANSFER_ERROR', value: `${b}/fxTransfers/{{commitRequestId}}/error` },
  ];
  // Only an FXP receives POST /fxTransfers: the endpoint that makes it one (docs/fx.md, "Who is an FXP").
  return fxp ? [...common, { type: 'FSPIOP_CALLBACK_URL_FX_TRANSFER_POST', value: `${b}/fxTransfers` }] : common;
}

/** Register the FX endpoints of `sim` (an FXP, or an FSP that asks FXPs for quotes). */
export async function registerFxEndpoints(ctx: SuiteContext, sim: DfspSimulator, o: { fxp: boolean }): Promise<void> {
  for (const e of fxEndpointsFor(sim.baseUrl, o.fxp)) await ctx.admin.setEndpoint(sim.name, e.type, e.value);
}

/** An FSP that asks FXPs for conversion quotes: provisioned in `currency` with its FX endpoints. */
export async function newFxRequester(ctx: SuiteContext, o: { dialect?: FxDialect; currency?: string; prefix?: string } = {}): Promise<DfspSimulator> {
  const dialect = o.dialect ?? 'fspiop/2.0';
  const sim = await ctx.newDfsp({ prefix: o.prefix ?? 'fxr', version: '2.0', dialect, ...(o.currency ? { currency: o.currency } : {}) });
  await registerFxEndpoints(ctx, sim, { fxp: false });
  return sim;
}

/** `amount × rate`, rounded down to `decimals` places (the FXP's rounding: its rate, its choice). */
export function convert(amount: string, rate: string, decimals: number): string {
  const scale = 12;
  const product = BigInt(shiftToInteger(amount, scale)) * BigInt(shiftToInteger(rate, scale));
  const units = product / 10n ** BigInt(2 * scale - decimals);
  const text = units.toString().padStart(decimals + 1, '0');
  const whole = decimals === 0 ? text : text.slice(0, -decimals);
  const fraction = decimals === 0 ? '' : text.slice(-decimals).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

/** `amount ÷ rate`, rounded up to `decimals` places (what the requester pays for a fixed target amount). */
export function convertBack(amount: string, rate: string, decimals: number): string {
  const scale = 12;
  const numerator = BigInt(shiftToInteger(amount, scale)) * 10n ** BigInt(decimals);
  const denominator = BigInt(shiftToInteger(rate, scale));
  const units = (numerator + denominator - 1n) / denominator;
  const text = units.toString().padStart(decimals + 1, '0');
  const whole = decimals === 0 ? text : text.slice(0, -decimals);
  const fraction = decimals === 0 ? '' : text.slice(-decimals).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

export class FxpSimulator {
  private readonly behaviours = new Map<string, FxpQuoteBehaviour>();
  /** conversionRequestId → what the FXP answered. */
  readonly answers = new Map<string, FxpAnswer>();
  /** Problems met while answering (reported by the scenarios that look). */
  readonly problems: string[] = [];

  constructor(
    readonly sim: DfspSimulator,
    readonly dialect: FxDialect,
    /** Target units per source unit, e.g. '0.9'. */
    readonly rate: string,
    private defaultBehaviour: FxpQuoteBehaviour = { kind: 'answer' },
  ) {
    sim.setHandler((rec) => this.handle(rec));
  }

  get name(): string {
    return this.sim.name;
  }

  setBehaviour(conversionRequestId: string, b: FxpQuoteBehaviour): void {
    this.behaviours.set(conversionRequestId, b);
  }

  setDefaultBehaviour(b: FxpQuoteBehaviour): void {
    this.defaultBehaviour = b;
  }

  private handle(rec: RecordedRequest): boolean {
    if (rec.method !== 'POST' || rec.path.split('?')[0] !== '/fxQuotes') return false;
    const request =
      this.dialect === 'iso20022-json/2.0' ? fromPacs091(rec.body) : (rec.body as { conversionRequestId: string; conversionTerms: FspiopFxTerms });
    const requester = rec.headers['fspiop-source'] ?? request.conversionTerms.initiatingFsp;
    void this.answer(request.conversionRequestId, request.conversionTerms, requester).catch((err: unknown) => {
      this.problems.push(`answering fxQuote ${request.conversionRequestId}: ${err instanceof Error ? err.message : String(err)}`);
    });
    return true;
  }

  /** The FXP's terms for `asked`: the open amount computed at its rate, in the currency's decimals. */
  termsFor(asked: FspiopFxTerms, o: { expiresInMs?: number } = {}): FspiopFxTerms {
    const terms: FspiopFxTerms = structuredClone(asked);
    if (asked.amountType === 'SEND') {
      terms.targetAmount = {
        currency: asked.targetAmount.currency,
        amount: convert(asked.sourceAmount.amount!, this.rate, currencyDecimals(asked.targetAmount.currency)),
      };
    } else {
      terms.sourceAmount = {
        currency: asked.sourceAmount.currency,
        amount: convertBack(asked.targetAmount.amount!, this.rate, currencyDecimals(asked.sourceAmount.currency)),
      };
    }
    terms.expiration = new Date(Date.now() + (o.expiresInMs ?? 60_000)).toISOString();
    return terms;
  }

  private async answer(id: string, asked: FspiopFxTerms, requester: string): Promise<void> {
    const b = this.behaviours.get(id) ?? this.defaultBehaviour;
    if (b.kind === 'silent') return;
    const earlier = this.answers.get(id);
    if (earlier) {
      earlier.response = await this.put(`/fxQuotes/${id}`, requester, earlier.body);
      return;
    }
    if (b.kind === 'error') {
      const body =
        this.dialect === 'iso20022-json/2.0'
          ? isoError(b.code, b.description)
          : { errorInformation: { errorCode: b.code, errorDescription: b.description ?? 'FXP refuses the conversion' } };
      await this.put(`/fxQuotes/${id}/error`, requester, body);
      return;
    }
    const terms = this.termsFor(asked, b.kind === 'answer' ? { expiresInMs: b.expiresInMs } : {});
    if (b.kind === 'answer' && b.charges) {
      terms.charges = b.charges.map((c) => ({
        chargeType: c.chargeType,
        ...(c.sourceAmount !== undefined ? { sourceAmount: { currency: terms.sourceAmount.currency, amount: c.sourceAmount } } : {}),
        ...(c.targetAmount !== undefined ? { targetAmount: { currency: terms.targetAmount.currency, amount: c.targetAmount } } : {}),
      }));
    }
    if (b.kind === 'answer-changed') b.change(terms);
    const fulfilment = b64url(randomBytes(32));
    const condition = conditionFromFulfilment(fulfilment);
    const body = this.dialect === 'iso20022-json/2.0' ? toPacs092(id, terms, condition) : { condition, conversionTerms: terms };
    const answer: FxpAnswer = { terms, condition, fulfilment, body, bodyText: JSON.stringify(body) };
    this.answers.set(id, answer);
    answer.response = await this.put(`/fxQuotes/${id}`, requester, body);
  }

  private put(path: string, to: string, body: unknown): Promise<FspiopResponse> {
    if (this.dialect === 'iso20022-json/2.0') return isoSend(this.sim, { method: 'PUT', path, destination: to, body: JSON.stringify(body) });
    return this.sim.send({
      method: 'PUT',
      path,
      version: '2.0',
      destination: to,
      body: JSON.stringify(body),
      headers: { 'fspiop-uri': path, 'fspiop-http-method': 'PUT' },
    });
  }
}

/** Provision an FXP: POSITION accounts (and liquidity) in both currencies, the FX endpoints, its dialect and rate. */
export async function newFxp(
  ctx: SuiteContext,
  o: { source?: string; target?: string; dialect?: FxDialect; rate?: string; prefix?: string } = {},
): Promise<FxpSimulator> {
  const dialect = o.dialect ?? 'fspiop/2.0';
  const source = o.source ?? ctx.currency;
  const target = o.target ?? ctx.opts.foreignCurrency;
  const sim = await ctx.newDfsp({ prefix: o.prefix ?? 'fxp', version: '2.0', dialect, currency: source });
  await ctx.addCurrency(sim, target, ctx.opts.fundsIn);
  const fxp = new FxpSimulator(sim, dialect, o.rate ?? '0.9');
  await registerFxEndpoints(ctx, sim, { fxp: true });
  return fxp;
}

// ---- Mojaloop's ISO 20022 JSON for FX quotes (contract iso20022-mapping.md §3.5) --------------------------------

const agent = (fsp: string) => ({ FinInstnId: { Othr: { Id: fsp } } });
const orgParty = (fsp: string) => ({ Id: { OrgId: { Othr: { Id: fsp } } } });

/** pacs.091 or pacs.092 from FSPIOP conversion terms (a missing amount is written "0", as Mojaloop does). */
export function isoFxTerms(id: string, t: FspiopFxTerms, o: { msgId: string; condition?: string }): Record<string, any> {
  const tx: Record<string, any> = {
    PmtId: { TxId: id, InstrId: t.conversionId, ...(t.determiningTransferId ? { EndToEndId: t.determiningTransferId } : {}) },
    UndrlygCstmrCdtTrf: {
      InstdAmt: { ActiveOrHistoricCurrencyAndAmount: t.sourceAmount.amount ?? '0', Ccy: t.sourceAmount.currency },
      Dbtr: orgParty(t.initiatingFsp),
      Cdtr: orgParty(t.counterPartyFsp),
      DbtrAgt: agent(t.initiatingFsp),
      CdtrAgt: agent(t.counterPartyFsp),
    },
    IntrBkSttlmAmt: { ActiveCurrencyAndAmount: t.targetAmount.amount ?? '0', Ccy: t.targetAmount.currency },
    Dbtr: agent(t.initiatingFsp),
    Cdtr: agent(t.counterPartyFsp),
    InstrForCdtrAgt: { InstrInf: t.amountType },
  };
  if (o.condition) tx.VrfctnOfTerms = { Sh256Sgntr: o.condition };
  return {
    GrpHdr: { MsgId: o.msgId, CreDtTm: new Date().toISOString(), NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' }, PmtInstrXpryDtTm: t.expiration },
    CdtTrfTxInf: tx,
  };
}

/** FSPIOP terms from a pacs.091 / pacs.092 ("0" = not known). */
export function fromPacs091(body: any): { conversionRequestId: string; conversionTerms: FspiopFxTerms; condition?: string } {
  const tx = body.CdtTrfTxInf;
  const amount = (v: string) => (v === '0' ? undefined : v);
  const source = amount(tx.UndrlygCstmrCdtTrf.InstdAmt.ActiveOrHistoricCurrencyAndAmount);
  const target = amount(tx.IntrBkSttlmAmt.ActiveCurrencyAndAmount);
  return {
    conversionRequestId: tx.PmtId.TxId,
    conversionTerms: {
      conversionId: tx.PmtId.InstrId,
      ...(tx.PmtId.EndToEndId ? { determiningTransferId: tx.PmtId.EndToEndId } : {}),
      initiatingFsp: tx.Dbtr.FinInstnId.Othr.Id,
      counterPartyFsp: tx.Cdtr.FinInstnId.Othr.Id,
      amountType: tx.InstrForCdtrAgt.InstrInf,
      sourceAmount: { currency: tx.UndrlygCstmrCdtTrf.InstdAmt.Ccy, ...(source ? { amount: source } : {}) },
      targetAmount: { currency: tx.IntrBkSttlmAmt.Ccy, ...(target ? { amount: target } : {}) },
      expiration: body.GrpHdr.PmtInstrXpryDtTm,
    },
    ...(tx.VrfctnOfTerms?.Sh256Sgntr ? { condition: tx.VrfctnOfTerms.Sh256Sgntr } : {}),
  };
}

function toPacs092(id: string, terms: FspiopFxTerms, condition: string): Record<string, any> {
  return isoFxTerms(id, terms, { msgId: newMsgId(), condition });
}

function isoError(code: string, description?: string): Record<string, unknown> {
  return {
    GrpHdr: { MsgId: newMsgId(), CreDtTm: new Date().toISOString() },
    TxInfAndSts: { StsRsnInf: { Rsn: { Prtry: code }, ...(description ? { AddtlInf: description } : {}) } },
  };
}

/** A fresh message id (ULID, as the dialect wants). */
export function newMsgId(): string {
  return ulid();
}
