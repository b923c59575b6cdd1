// Dialects and bridging (docs/iso20022.md): participants registered as fspiop/1.1, fspiop/2.0, iso20022-json/2.0
// (Mojaloop's ISO 20022 JSON) and iso20022-xml (banks: signed head.001 + Document on POST /iso20022), every flow
// end to end with the ledger effects (exact positions) and the final state on both sides: translated messages are
// the hub's (FSPIOP-Source / AppHdr Fr = hub) and valid in the receiver's dialect; bridged flows (a bank pays a
// wallet, a wallet pays a bank, bank to bank) follow the sequence diagrams; pacs.028, camt.056 and admi.002.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ulid } from 'ulidx';
import { BankSimulator, camtSections, signedFromBank, type BankMessage, type BankSendResult, type CamtEntry, type CamtSection } from '../lib/bank.js';
import type { IsoIdentifiers } from '../lib/admin.js';
import { assertForwarded, assertHubMessage, expectStatus, wholeErrorText } from '../lib/checks.js';
import type { SuiteContext } from '../lib/context.js';
import { addDecimal, decimalEquals, negateDecimal, normalizeDecimal, subDecimal } from '../lib/decimal.js';
import type { DfspSimulator, RecordedRequest } from '../lib/dfsp.js';
import {
  agreedQuote,
  discoverParty,
  expectErrorCallback,
  expectFromHub,
  expectOwner,
  expectSuccessCallback,
  newQuoteRequest,
  registerPartyOk,
  requestQuote,
  transferFromQuote,
  waitAnswer,
  waitQuoteRequestAt,
  type AgreedQuote,
  type PartyRef,
} from '../lib/flows.js';
import { buildIlpV1Packet, conditionFromFulfilment, decodeIlpPacket, generateFulfilment } from '../lib/ilp.js';
import { IsoJsonPayee, isoJsonProblems, isoSend, pacs008FromTerms, pacs081, type IsoJsonKind, type IsoQuoteBehaviour } from '../lib/isojson.js';
import {
  describeFinInstnId,
  describeInstitution,
  pacs008Xml,
  pacs028Xml,
  randomAbaRoutingNumber,
  randomBic,
  signEnvelope,
  type PartyRef as XmlParty,
} from '../lib/isoxml.js';
import type { Scenario } from '../lib/scenario.js';
import { ACCOUNT_STEPS, SettlementClient, netsOf, type SettlementView } from '../lib/settlement.js';
import { pollUntil, show } from '../lib/util.js';

// ---- helpers -------------------------------------------------------------------------------------------------------

export const msisdn = (ctx: SuiteContext): PartyRef => ({ type: 'MSISDN', id: ctx.newPartyId() });
const xmlParty = (p: PartyRef, name?: string): XmlParty => ({ type: p.type, id: p.id, ...(name ? { name } : {}) });

/** A wallet (FSPIOP unless told) holding a fresh MSISDN party registered with the ALS. */
async function walletWithParty(
  ctx: SuiteContext,
  o: { dialect?: 'fspiop/1.1' | 'fspiop/2.0'; version?: string; ndc?: string; quote?: Parameters<DfspSimulator['addParty']>[0]['quote'] } = {},
): Promise<{ wallet: DfspSimulator; party: PartyRef }> {
  const wallet = await ctx.newDfsp({
    prefix: 'wal',
    ...(o.dialect ? { dialect: o.dialect } : {}),
    ...(o.version ? { version: o.version } : {}),
    ...(o.ndc ? { ndc: o.ndc } : {}),
  });
  const party = msisdn(ctx);
  wallet.addParty({ partyIdType: party.type, partyIdentifier: party.id, firstName: 'Mary', lastName: 'Jones', quote: o.quote });
  await registerPartyOk(ctx, wallet, party);
  return { wallet, party };
}

/** A participant registered as `iso20022-json/2.0`, with its ISO JSON payee behaviour. */
async function isoJsonParticipant(ctx: SuiteContext): Promise<{ sim: DfspSimulator; payee: IsoJsonPayee }> {
  const sim = await ctx.newDfsp({ prefix: 'iso', dialect: 'iso20022-json/2.0', version: '2.0' });
  return { sim, payee: new IsoJsonPayee(sim, ctx.currency) };
}

/** `POST /participants/{Type}/{ID}` by an ISO JSON participant: FSPIOP body under the ISO media type. */
async function registerIsoParty(ctx: SuiteContext, sim: DfspSimulator, p: PartyRef): Promise<void> {
  const path = `/participants/${p.type}/${p.id}`;
  const since = sim.mark();
  const res = await isoSend(sim, { method: 'POST', path, body: { fspId: sim.name, currency: ctx.currency } });
  expectStatus(res, 202, `ISO JSON registration ${path} by ${sim.name}`);
  const cb = await waitAnswer(ctx, sim, path, { since, label: `answer to ${path}` });
  expectSuccessCallback(cb, `registration of ${p.type}/${p.id}`);
  expectFromHub(ctx, cb, sim);
}

/** Register a bank's customer with the ALS as the bank (FSPIOP /participants), and wait until a lookup names it. */
export async function registerBankParty(ctx: SuiteContext, bank: BankSimulator, p: PartyRef, checker: DfspSimulator): Promise<void> {
  const res = await ctx.send({
    method: 'POST',
    path: `/participants/${p.type}/${p.id}`,
    version: '1.1',
    source: bank.name,
    body: { fspId: bank.name, currency: ctx.currency },
  });
  expectStatus(res, 202, `ALS registration of ${p.type}/${p.id} for bank ${bank.name}`);
  await pollUntil(
    async () => {
      try {
        await expectOwner(ctx, checker, p, bank.name);
        return true;
      } catch {
        return false;
      }
    },
    (ok) => ok,
    { timeoutMs: ctx.T, intervalMs: 200, label: `ALS names ${bank.name} for ${p.type}/${p.id}` },
  );
}

export function expectAccepted(r: BankSendResult, status: number, what: string): void {
  assert.equal(r.status, status, `${what}: expected HTTP ${status}, got ${r.status} ${show(r.body, 800)}`);
  assert.equal(r.reject, undefined, `${what}: unexpected admi.002 ${show(r.body, 800)}`);
}

/** A 400 with an admi.002 naming `reason` (ISO ExternalStatusReason1Code) and a description. */
function expectAdmi002(
  r: BankSendResult,
  reason: string | string[],
  what: string,
  o: { description?: RegExp; ref?: string | null; location?: RegExp } = {},
): void {
  assert.equal(r.status, 400, `${what}: expected HTTP 400 with an admi.002, got ${r.status} ${show(r.body, 800)}`);
  assert.ok(r.reject, `${what}: the 400 body is not an admi.002 business message: ${show(r.body, 800)}`);
  const reasons = Array.isArray(reason) ? reason : [reason];
  assert.ok(
    reasons.includes(r.reject.reason ?? ''),
    `${what}: admi.002 Rsn/RjctgPtyRsn should be ${reasons.join(' or ')}, got ${r.reject.reason} (${r.reject.description})`,
  );
  assert.ok((r.reject.description ?? '').length > 0, `${what}: admi.002 without Rsn/RsnDesc: ${show(r.body, 800)}`);
  if (o.description) assert.match(r.reject.description ?? '', o.description, `${what}: admi.002 RsnDesc`);
  if (o.ref !== undefined) assert.equal(r.reject.ref, o.ref ?? 'NONREF', `${what}: admi.002 RltdRef/Ref`);
  if (o.location) assert.match(r.reject.location ?? '', o.location, `${what}: admi.002 ErrLctn (${r.reject.description})`);
  assert.match(r.headers['content-type'] ?? '', /^application\/xml/, `${what}: content-type of the admi.002`);
  if (r.reject.signature) assert.ok(r.reject.signature.ok, `${what}: the admi.002 is not validly signed by the hub: ${r.reject.signature.detail}`);
}

/** The pacs.002 the bank got for `txId`: TxSts (and the reason's Prtry/Cd when RJCT). */
function statusOf(m: BankMessage): { sts?: string; prtry?: string; cd?: string; info: string } {
  const t = m.message!.at('TxInfAndSts');
  return {
    sts: t?.text('TxSts'),
    prtry: t?.text('StsRsnInf/Rsn/Prtry'),
    cd: t?.text('StsRsnInf/Rsn/Cd'),
    info: (t?.all('StsRsnInf/AddtlInf') ?? []).map((x) => x.text()).join(''),
  };
}

export async function bankStatus(
  ctx: SuiteContext,
  bank: BankSimulator,
  txId: string,
  o: { since?: number; label?: string; timeoutMs?: number } = {},
): Promise<ReturnType<typeof statusOf> & { m: BankMessage }> {
  const m = await bank.waitStatus(txId, o.timeoutMs ?? ctx.T, { since: o.since, label: o.label });
  assert.equal(m.from, ctx.hubDescribed, `pacs.002 for ${txId}: AppHdr/Fr must be the hub`);
  assert.equal(m.to, bank.described, `pacs.002 for ${txId}: AppHdr/To must be the bank, as it registered`);
  assert.equal(m.version, bank.version('pacs.002'), `pacs.002 for ${txId}: the version of the bank's profile`);
  if (m.signature) assert.ok(m.signature.ok, `pacs.002 for ${txId}: hub XML signature: ${m.signature.detail}`);
  return { ...statusOf(m), m };
}

async function expectRejected(
  ctx: SuiteContext,
  bank: BankSimulator,
  txId: string,
  code: string,
  what: string,
  o: { since?: number; timeoutMs?: number } = {},
): Promise<void> {
  const s = await bankStatus(ctx, bank, txId, { ...o, label: `pacs.002 RJCT ${code} for ${txId} (${what})` });
  assert.equal(s.sts, 'RJCT', `${what}: TxSts should be RJCT, got ${s.sts}; ${show(s.m.message?.toString(), 800)}`);
  assert.equal(s.prtry, code, `${what}: StsRsnInf/Rsn/Prtry should be the FSPIOP code ${code}; ${show(s.m.message?.toString(), 800)}`);
  assert.ok(s.info.length > 0, `${what}: the description should be in StsRsnInf/AddtlInf; ${show(s.m.message?.toString(), 800)}`);
}

/** The hub-authored message at an ISO JSON participant: hub source, ISO media type, ISO JSON shape. */
function expectIsoFromHub(ctx: SuiteContext, rec: RecordedRequest, to: DfspSimulator, kind: IsoJsonKind, method: 'PUT' | 'POST' = 'PUT'): void {
  const resource = rec.path.split('/').filter(Boolean)[0] ?? '';
  assertHubMessage(rec, { hubName: ctx.hubName, destination: to.name, method, uri: rec.path.split('?')[0]!, resource, ...ctx.hubFormatFor(to) });
  const problems = isoJsonProblems(kind, rec.body);
  assert.deepEqual(problems, [], `${method} ${rec.path} to ${to.name} is not a valid ISO 20022 JSON ${kind}: ${show(rec.bodyText, 1500)}`);
}

function hubPost(
  ctx: SuiteContext,
  sim: DfspSimulator,
  path: string,
  match: (r: RecordedRequest) => boolean,
  label: string,
  since = 0,
): Promise<RecordedRequest> {
  return sim.waitFor((r) => r.method === 'POST' && r.path.split('?')[0] === path && match(r), ctx.T, { since, label, context: (r) => r.path.startsWith(path) });
}

export async function positions(ctx: SuiteContext, ...names: Array<DfspSimulator | BankSimulator>): Promise<string[]> {
  return Promise.all(names.map((n) => ctx.position(n.name)));
}

/**
 * The wallet's payee side of a bank's payment: the hub's POST /quotes and POST /transfers, both hub-authored. `txId`:
 * the id the payment travels under towards the wallet (the bank's), or undefined when the bank's id is no FSPIOP id
 * (not a UUID or ULID) and the hub assigns a ULID (docs/iso20022.md).
 */
async function walletSideOfBankPayment(
  ctx: SuiteContext,
  bank: BankSimulator,
  wallet: DfspSimulator,
  party: PartyRef,
  txId: string | undefined,
  amount: string,
): Promise<{ quote: RecordedRequest; prepare: RecordedRequest; transferId: string }> {
  const quote = await hubPost(
    ctx,
    wallet,
    '/quotes',
    (r) => r.body?.payee?.partyIdInfo?.partyIdentifier === party.id,
    `hub POST /quotes for the bank's payment ${txId ?? ''}`,
  );
  assertHubMessage(quote, { hubName: ctx.hubName, destination: wallet.name, method: 'POST', uri: '/quotes', resource: 'quotes', ...ctx.hubFormatFor(wallet) });
  const q = quote.body;
  assert.equal(q.payer?.partyIdInfo?.fspId, bank.name, `quote request for ${txId}: payer fspId must be the bank; ${show(quote.bodyText)}`);
  assert.equal(q.payee?.partyIdInfo?.fspId, wallet.name, `quote request for ${txId}: payee fspId; ${show(quote.bodyText)}`);
  assert.equal(q.amountType, 'SEND', `quote request for ${txId}: amountType; ${show(quote.bodyText)}`);
  assert.deepEqual(q.amount, { amount, currency: ctx.currency }, `quote request for ${txId}: amount`);
  if (txId === undefined)
    assert.match(
      String(q.transactionId),
      /^[0-9A-HJKMNP-TV-Z]{26}$/,
      `quote request: a bank id FSPIOP cannot carry travels as a ULID the hub assigns; ${show(quote.bodyText)}`,
    );
  else
    assert.equal(
      q.transactionId,
      txId,
      `quote request for ${txId}: transactionId should be the bank's TxId (the payment's id end to end); ${show(quote.bodyText)}`,
    );
  const transferId = String(q.transactionId);
  const prepare = await hubPost(ctx, wallet, '/transfers', (r) => r.body?.transferId === transferId, `hub POST /transfers ${transferId}`);
  assertHubMessage(prepare, {
    hubName: ctx.hubName,
    destination: wallet.name,
    method: 'POST',
    uri: '/transfers',
    resource: 'transfers',
    ...ctx.hubFormatFor(wallet),
  });
  const p = prepare.body;
  assert.equal(p.payerFsp, bank.name, `prepare ${txId}: payerFsp must be the bank`);
  assert.equal(p.payeeFsp, wallet.name, `prepare ${txId}: payeeFsp`);
  assert.deepEqual(p.amount, { amount, currency: ctx.currency }, `prepare ${txId}: amount`);
  const answered = wallet.quoteAnswers.get(q.quoteId);
  assert.ok(answered, `the wallet answered quote ${q.quoteId}`);
  assert.equal(p.ilpPacket, answered.ilpPacket, `prepare ${txId}: the ILP packet must be the payee's from its quote answer`);
  assert.equal(p.condition, answered.condition, `prepare ${txId}: the condition must be the payee's`);
  return { quote, prepare, transferId };
}

/** Discover a bank's customer and agree on terms the hub issues for the bank (wallet → bank, phases 1 and 2). */
export async function agreeWithBank(ctx: SuiteContext, wallet: DfspSimulator, bank: BankSimulator, party: PartyRef, amount: string): Promise<AgreedQuote> {
  const quoteReq = newQuoteRequest({
    payer: wallet,
    payee: bank.name,
    payerParty: msisdn(ctx),
    payeeParty: party,
    amount,
    currency: ctx.currency,
    expiresInMs: 60_000,
  });
  quoteReq.quoteId = ulid();
  quoteReq.transactionId = ulid();
  const { cb } = await requestQuote(ctx, wallet, bank.name, quoteReq);
  expectSuccessCallback(cb, `quote ${String(quoteReq.quoteId)} to the bank`);
  expectFromHub(ctx, cb, wallet);
  const q = agreedQuote(quoteReq, cb);
  assert.deepEqual(q.transferAmount, { amount, currency: ctx.currency }, 'the hub answers for the bank: transferAmount = amount (no fees)');
  assert.equal(cb.body.payeeFspFee, undefined, 'no payee fee in terms the hub issues for a bank');
  const packet = decodeIlpPacket(q.ilpPacket);
  assert.equal(packet.condition, q.condition, 'the condition is the one in the ILP v4 packet');
  return q;
}

/** Wallet → bank transfer (phase 3) with a ULID transferId; returns the transfer and the bank's pacs.008. */
export async function transferToBank(
  ctx: SuiteContext,
  wallet: DfspSimulator,
  bank: BankSimulator,
  q: AgreedQuote,
  o: { expiresInMs?: number; transferId?: string } = {},
) {
  const t = transferFromQuote(wallet, bank.name, q, { transferId: o.transferId ?? ulid(), expiresInMs: o.expiresInMs });
  const since = bank.mark();
  const res = await ctx.sendPrepare(t, { version: wallet.version });
  expectStatus(res, 202, `POST /transfers ${t.transferId} to bank ${bank.name}`);
  return { t, since };
}

// ---- scenarios ---------------------------------------------------------------------------------------------------

async function walletToWalletV2(ctx: SuiteContext): Promise<void> {
  const payer = await ctx.newDfsp({ prefix: 'wal', dialect: 'fspiop/1.1', version: '1.1' });
  const { wallet: payee, party } = await walletWithParty(ctx, { dialect: 'fspiop/2.0', version: '2.0' });
  const amount = '21.5';
  const { res: getRes, cb: found } = await discoverParty(ctx, payer, party);
  expectSuccessCallback(found, 'discovery of the v2.0 payee');
  assert.equal(found.headers['fspiop-source'], payee.name, 'same family: the payee PUT /parties is forwarded, not re-authored');
  const fwdGet = await payee.waitFor((r) => r.method === 'GET' && r.path.startsWith(`/parties/${party.type}/${party.id}`), ctx.T, {
    label: 'forwarded GET /parties',
  });
  assertForwarded(fwdGet, getRes.request);
  const req = newQuoteRequest({ payer, payee, payerParty: msisdn(ctx), payeeParty: party, amount, currency: ctx.currency, expiresInMs: 60_000 });
  const { res: qres, cb } = await requestQuote(ctx, payer, payee.name, req);
  const fwdQuote = await waitQuoteRequestAt(ctx, payee, String(req.quoteId));
  assertForwarded(fwdQuote, qres.request);
  assert.equal(cb.headers['fspiop-source'], payee.name, 'same family: the quote answer is forwarded');
  const q = agreedQuote(req, cb);
  const [payerBefore, payeeBefore] = await positions(ctx, payer, payee);
  const t = transferFromQuote(payer, payee, q);
  const res = await ctx.sendPrepare(t, { version: '1.1' });
  expectStatus(res, 202, 'POST /transfers v1.1 → v2.0 payee');
  const prep = await hubPost(ctx, payee, '/transfers', (r) => r.body?.transferId === t.transferId, `forwarded prepare ${t.transferId}`);
  assertForwarded(prep, res.request);
  const put = await ctx.waitTransferCallback(payer, t.transferId, { type: 'put', from: payee.name });
  assert.equal(put.body?.transferState, 'COMMITTED', `fulfil forwarded to the payer; ${show(put.bodyText)}`);
  assert.equal(conditionFromFulfilment(String(put.body?.fulfilment)), q.condition, 'the fulfilment matches the condition');
  const conf = await ctx.expectHubCallback(payee, t.transferId, { type: 'put', label: 'commit confirmation to the fspiop/2.0 payee (version 2.0)' });
  assert.equal(conf.body?.transferState, 'COMMITTED', `confirmation to the payee; ${show(conf.bodyText)}`);
  await ctx.expectPosition(payer, addDecimal(payerBefore!, amount), 'payer position (v1.1 → v2.0)');
  await ctx.expectPosition(payee, subDecimal(payeeBefore!, amount), 'payee position (v1.1 → v2.0)');
}

/** Variations of the ISO JSON payer → FSPIOP payee flow (issue 10: what one dialect carries that the other cannot). */
interface IsoPayerOptions {
  /** The FSPIOP payee's dialect and its quote answer (e.g. with payeeFspFee / payeeFspCommission). */
  payee?: { dialect: 'fspiop/1.1' | 'fspiop/2.0'; version: string; quote?: Parameters<DfspSimulator['addParty']>[0]['quote'] };
  /** Changes the pacs.081 before it is sent. */
  editQuote?: (body: Record<string, any>) => void;
  /** Checks of the POST /quotes the FSPIOP payee got. */
  checkQuote?: (req: RecordedRequest) => void;
  /** Checks of the pacs.082 the ISO JSON payer got. */
  checkTerms?: (terms: RecordedRequest) => void;
}

async function isoJsonPaysFspiop(ctx: SuiteContext, o: IsoPayerOptions = {}): Promise<void> {
  const { sim: iso } = await isoJsonParticipant(ctx);
  const { wallet, party } = await walletWithParty(ctx, o.payee ?? {});
  const amount = '33.25';
  // Phase 1: GET /parties in the ISO media type → forwarded GET → the payee's PUT → acmt.024 from the hub.
  const path = `/parties/${party.type}/${party.id}`;
  let since = iso.mark();
  const get = await isoSend(iso, { method: 'GET', path });
  expectStatus(get, 202, `ISO JSON GET ${path}`);
  const fwd = await wallet.waitFor((r) => r.method === 'GET' && r.path.split('?')[0] === path, ctx.T, { label: `GET ${path} at the FSPIOP payee` });
  assert.equal(fwd.headers['fspiop-source'], iso.name, 'a GET keeps its requester as FSPIOP-Source');
  assert.match(
    fwd.headers['content-type'] ?? fwd.headers['accept'] ?? '',
    /^application\/vnd\.interoperability\.parties\+json/,
    `the GET reaches the FSPIOP payee in its media type; headers ${show(fwd.headers)}`,
  );
  const found = await waitAnswer(ctx, iso, path, { since, label: `acmt.024 for ${path}` });
  expectSuccessCallback(found, `ISO JSON discovery of ${path}`);
  expectIsoFromHub(ctx, found, iso, 'acmt.024');
  const upd = found.body.Rpt.UpdtdPtyAndAcctId;
  assert.equal(upd.Agt?.FinInstnId?.Othr?.Id, wallet.name, `acmt.024: the party's agent is the payee FSP; ${show(found.bodyText)}`);
  assert.equal((upd.Pty.Id.PrvtId ?? upd.Pty.Id.OrgId).Othr.Id, party.id, 'acmt.024: party id');
  assert.equal(found.body.Assgnmt.Assgne.Agt.FinInstnId.Othr?.Id, iso.name, 'acmt.024: assignee is the requester');

  // Phase 2: pacs.081 → POST /quotes (hub) → the payee's PUT /quotes → pacs.082 (hub) with the payee's packet.
  const {
    body: terms,
    quoteId,
    transactionId,
  } = pacs081({ payerFsp: iso.name, payeeFsp: wallet.name, payer: msisdn(ctx), payee: party, amount, currency: ctx.currency });
  o.editQuote?.(terms);
  since = iso.mark();
  expectStatus(await isoSend(iso, { method: 'POST', path: '/quotes', destination: wallet.name, body: terms }), 202, 'ISO JSON POST /quotes');
  const qreq = await hubPost(ctx, wallet, '/quotes', (r) => r.body?.quoteId === quoteId, `translated POST /quotes ${quoteId}`);
  o.checkQuote?.(qreq);
  assertHubMessage(qreq, { hubName: ctx.hubName, destination: wallet.name, method: 'POST', uri: '/quotes', resource: 'quotes', ...ctx.hubFormatFor(wallet) });
  assert.equal(qreq.body.transactionId, transactionId, 'quote: transactionId = EndToEndId');
  assert.deepEqual(qreq.body.amount, { amount, currency: ctx.currency }, 'quote: amount');
  assert.equal(qreq.body.amountType, 'SEND', 'quote: ChrgBr CRED = SEND');
  assert.equal(qreq.body.payer?.partyIdInfo?.fspId, iso.name, 'quote: payer fspId = DbtrAgt');
  const qans = await waitAnswer(ctx, iso, `/quotes/${quoteId}`, { since, label: `pacs.082 ${quoteId}` });
  expectSuccessCallback(qans, `ISO JSON quote ${quoteId}`);
  expectIsoFromHub(ctx, qans, iso, 'pacs.082');
  const payeeAnswer = wallet.quoteAnswers.get(quoteId);
  assert.ok(payeeAnswer, 'the payee answered the quote');
  assert.equal(qans.body.CdtTrfTxInf.VrfctnOfTerms.IlpV4PrepPacket, payeeAnswer.ilpPacket, 'pacs.082 carries the payee ILP packet');
  assert.equal(qans.body.CdtTrfTxInf.IntrBkSttlmAmt.ActiveCurrencyAndAmount, amount, 'pacs.082 amount');
  // docs/iso20022.md: the original counterparties stay named in the body (debtor/creditor agents).
  assert.equal(
    qans.body.CdtTrfTxInf.DbtrAgt?.FinInstnId?.Othr?.Id,
    iso.name,
    `pacs.082 DbtrAgt must be the payer FSP (the quote's payer), not the hub; ${show(qans.bodyText, 2000)}`,
  );
  assert.equal(qans.body.CdtTrfTxInf.CdtrAgt?.FinInstnId?.Othr?.Id, wallet.name, `pacs.082 CdtrAgt must be the payee FSP; ${show(qans.bodyText, 2000)}`);
  o.checkTerms?.(qans);

  // Phase 3: pacs.008 → POST /transfers (hub) → the payee's fulfil → pacs.002 COMM (hub) with the fulfilment.
  const [isoBefore, walBefore] = await positions(ctx, iso, wallet);
  const { body: transfer, transferId } = pacs008FromTerms(qans.body);
  since = iso.mark();
  expectStatus(await isoSend(iso, { method: 'POST', path: '/transfers', destination: wallet.name, body: transfer }), 202, 'ISO JSON POST /transfers');
  const prep = await hubPost(ctx, wallet, '/transfers', (r) => r.body?.transferId === transferId, `translated POST /transfers ${transferId}`);
  assertHubMessage(prep, {
    hubName: ctx.hubName,
    destination: wallet.name,
    method: 'POST',
    uri: '/transfers',
    resource: 'transfers',
    ...ctx.hubFormatFor(wallet),
  });
  assert.equal(prep.body.payerFsp, iso.name, 'prepare: payerFsp');
  assert.equal(prep.body.condition, payeeAnswer.condition, 'prepare: condition derived from the packet');
  const fulfil = await waitAnswer(ctx, iso, `/transfers/${transferId}`, { since, label: `pacs.002 for ${transferId}` });
  expectSuccessCallback(fulfil, `ISO JSON transfer ${transferId}`);
  expectIsoFromHub(ctx, fulfil, iso, 'pacs.002');
  assert.equal(fulfil.body.TxInfAndSts.TxSts, 'COMM', `pacs.002 TxSts; ${show(fulfil.bodyText)}`);
  assert.equal(
    conditionFromFulfilment(String(fulfil.body.TxInfAndSts.ExctnConf)),
    payeeAnswer.condition,
    'pacs.002 ExctnConf is the fulfilment of the condition',
  );
  const conf = await ctx.expectHubCallback(wallet, transferId, { type: 'put', label: 'commit confirmation to the FSPIOP payee' });
  assert.equal(conf.body?.transferState, 'COMMITTED', 'confirmation to the payee');
  await ctx.expectPosition(iso, addDecimal(isoBefore!, amount), 'ISO JSON payer position');
  await ctx.expectPosition(wallet, subDecimal(walBefore!, amount), 'FSPIOP payee position');
}

/** Variations of the FSPIOP payer → ISO JSON payee flow. */
interface IsoPayeeOptions {
  payerDialect?: { dialect: 'fspiop/1.1' | 'fspiop/2.0'; version: string };
  /** The ISO JSON payee's answer to the pacs.081 (e.g. with a ChrgsInf). */
  quote?: IsoQuoteBehaviour;
  /** Changes the FSPIOP POST /quotes before it is sent. */
  editQuote?: (body: Record<string, any>) => void;
  /** Checks of the pacs.081 the ISO JSON payee got. */
  checkPacs081?: (req: RecordedRequest) => void;
  /** Checks of the PUT /quotes the FSPIOP payer got. */
  checkQuoteAnswer?: (cb: RecordedRequest) => void;
}

async function fspiopPaysIsoJson(ctx: SuiteContext, o: IsoPayeeOptions = {}): Promise<void> {
  const { sim: iso, payee: isoPayee } = await isoJsonParticipant(ctx);
  if (o.quote) isoPayee.defaultQuote = o.quote;
  const payer = await ctx.newDfsp({ prefix: 'wal', ...(o.payerDialect ?? {}) });
  const party = msisdn(ctx);
  isoPayee.addParty({ type: party.type, id: party.id, name: 'Ada;;Lovelace;Ada Lovelace' });
  await registerIsoParty(ctx, iso, party);
  const amount = '44.4';
  // Phase 1
  const { cb: found } = await discoverParty(ctx, payer, party);
  expectSuccessCallback(found, 'discovery of an ISO JSON payee');
  expectFromHub(ctx, found, payer);
  assert.equal(found.body?.party?.partyIdInfo?.fspId, iso.name, `PUT /parties (from the hub): fspId; ${show(found.bodyText)}`);
  assert.equal(found.body?.party?.partyIdInfo?.partyIdentifier, party.id, 'PUT /parties: partyIdentifier');
  assert.equal(found.body?.party?.name, 'Ada Lovelace', `PUT /parties: display name from Nm; ${show(found.bodyText)}`);
  const get = iso.find((r) => r.method === 'GET' && r.path.startsWith(`/parties/${party.type}/${party.id}`))[0];
  assert.ok(get, 'the ISO JSON payee got the GET /parties');
  assert.match(get.headers['accept'] ?? get.headers['content-type'] ?? '', /iso20022\.parties\+json/, `the GET is in the ISO media type; ${show(get.headers)}`);
  // Phase 2
  const req = newQuoteRequest({ payer, payee: iso, payerParty: msisdn(ctx), payeeParty: party, amount, currency: ctx.currency, expiresInMs: 60_000 });
  req.quoteId = ulid();
  req.transactionId = ulid();
  o.editQuote?.(req);
  const { cb } = await requestQuote(ctx, payer, iso.name, req, { version: payer.version });
  const pacs081In = await hubPost(ctx, iso, '/quotes', (r) => r.body?.CdtTrfTxInf?.PmtId?.TxId === req.quoteId, 'pacs.081 at the ISO JSON payee');
  expectIsoFromHub(ctx, pacs081In, iso, 'pacs.081', 'POST');
  o.checkPacs081?.(pacs081In);
  assert.equal(pacs081In.body.CdtTrfTxInf.PmtId.EndToEndId, req.transactionId, 'pacs.081 EndToEndId = transactionId');
  assert.equal(pacs081In.body.CdtTrfTxInf.ChrgBr, 'CRED', 'pacs.081 ChrgBr: SEND = CRED');
  expectSuccessCallback(cb, 'quote to an ISO JSON payee');
  expectFromHub(ctx, cb, payer);
  o.checkQuoteAnswer?.(cb);
  const q = agreedQuote(req, cb);
  const terms = isoPayee.terms.get(String(req.quoteId));
  assert.ok(terms, 'the ISO JSON payee issued terms');
  assert.equal(q.ilpPacket, terms.ilpPacket, 'PUT /quotes carries the payee packet');
  assert.equal(q.condition, terms.condition, 'PUT /quotes condition = the packet condition');
  // Phase 3
  const [payerBefore, isoBefore] = await positions(ctx, payer, iso);
  const t = transferFromQuote(payer, iso, q, { transferId: ulid() });
  expectStatus(await ctx.sendPrepare(t, { version: payer.version }), 202, 'POST /transfers to an ISO JSON payee');
  const p008 = await hubPost(ctx, iso, '/transfers', (r) => r.body?.CdtTrfTxInf?.PmtId?.TxId === t.transferId, 'pacs.008 at the ISO JSON payee');
  expectIsoFromHub(ctx, p008, iso, 'pacs.008', 'POST');
  assert.equal(p008.body.CdtTrfTxInf.VrfctnOfTerms.IlpV4PrepPacket, q.ilpPacket, 'pacs.008 carries the packet');
  const put = await ctx.waitTransferCallback(payer, t.transferId, { type: 'put', label: `fulfil of ${t.transferId}` });
  expectFromHub(ctx, put, payer);
  assert.equal(put.body?.transferState, 'COMMITTED', `PUT /transfers (from the hub); ${show(put.bodyText)}`);
  assert.equal(conditionFromFulfilment(String(put.body?.fulfilment)), q.condition, 'the fulfilment matches the condition');
  const conf = await ctx.expectHubCallback(iso, t.transferId, { type: 'put', label: 'commit confirmation to the ISO JSON payee' });
  assert.deepEqual(isoJsonProblems('pacs.002', conf.body), [], `confirmation to the ISO JSON payee is a pacs.002: ${show(conf.bodyText)}`);
  assert.equal(conf.body?.TxInfAndSts?.TxSts, 'COMM', 'confirmation TxSts');
  await ctx.expectPosition(payer, addDecimal(payerBefore!, amount), 'FSPIOP payer position');
  await ctx.expectPosition(iso, subDecimal(isoBefore!, amount), 'ISO JSON payee position');
}

async function bankPaysWallet(ctx: SuiteContext): Promise<void> {
  const bank = await ctx.newBank();
  const { wallet, party } = await walletWithParty(ctx);
  const amount = '25.5';
  const txId = ulid();
  const [bankBefore, walBefore] = await positions(ctx, bank, wallet);
  const r = await bank.pay({
    txId,
    amount,
    debtor: { type: 'MSISDN', id: ctx.newPartyId(), name: 'Alan Turing' },
    creditorAgent: null,
    creditor: xmlParty(party),
  });
  expectAccepted(r, 202, 'pacs.008 bank → wallet');
  assert.equal(r.body, '', 'the 202 has no body');
  await walletSideOfBankPayment(ctx, bank, wallet, party, txId, amount);
  const s = await bankStatus(ctx, bank, txId, { label: `pacs.002 ACSC for ${txId}` });
  assert.equal(s.sts, 'ACSC', `pacs.002 for the bank's payment: ${show(s.m.message?.toString())}`);
  const conf = await ctx.expectHubCallback(wallet, txId, { type: 'put', label: 'PUT /transfers confirmation to the wallet' });
  assert.equal(conf.body?.transferState, 'COMMITTED', 'confirmation to the wallet');
  await ctx.expectPosition(bank.name, addDecimal(bankBefore!, amount), 'bank position (payer)');
  await ctx.expectPosition(wallet, subDecimal(walBefore!, amount), 'wallet position (payee)');
  // The same instruction again (same Document, new header and signature): the current status again.
  const since = bank.mark();
  const again = await bank.send(r.sent.slice(r.sent.indexOf('<Document'), r.sent.indexOf('</Document>') + '</Document>'.length));
  expectAccepted(again, 202, 'the same pacs.008 again');
  const s2 = await bankStatus(ctx, bank, txId, { since, label: 'the status again for a duplicate pacs.008' });
  assert.equal(s2.sts, 'ACSC', 'duplicate pacs.008: the current status (ACSC)');
  // A different instruction under the same TxId: RJCT 3106.
  const since2 = bank.mark();
  const other = await bank.pay({ txId, amount: '26.5', debtor: { type: 'MSISDN', id: ctx.newPartyId() }, creditorAgent: null, creditor: xmlParty(party) });
  expectAccepted(other, 202, 'a different pacs.008 with the same TxId');
  await expectRejected(ctx, bank, txId, '3106', 'different content under the same TxId', { since: since2 });
  await ctx.expectPosition(bank.name, addDecimal(bankBefore!, amount), 'bank position unchanged by the duplicates');
  assert.equal(wallet.find((x) => x.method === 'POST' && x.path === '/transfers' && x.body?.transferId === txId).length, 1, 'the wallet got one prepare');
}

async function bankPaysWalletFailure(
  ctx: SuiteContext,
  o: {
    code: string;
    what: string;
    bankNdc?: string;
    amount?: string;
    walletQuote?: Parameters<DfspSimulator['addParty']>[0]['quote'];
    unknownCreditor?: boolean;
  },
): Promise<void> {
  const bank = await ctx.newBank(o.bankNdc ? { ndc: o.bankNdc } : {});
  const { wallet, party } = await walletWithParty(ctx, { quote: o.walletQuote });
  const creditor = o.unknownCreditor ? msisdn(ctx) : party;
  const amount = o.amount ?? '10';
  const txId = ulid();
  const [bankBefore, walBefore] = await positions(ctx, bank, wallet);
  const r = await bank.pay({
    txId,
    amount,
    debtor: { type: 'MSISDN', id: ctx.newPartyId(), name: 'Alan Turing' },
    creditorAgent: null,
    creditor: xmlParty(creditor),
  });
  expectAccepted(r, 202, `pacs.008 (${o.what})`);
  await expectRejected(ctx, bank, txId, o.code, o.what);
  await ctx.expectPosition(bank.name, bankBefore!, `bank position after ${o.what}`);
  await ctx.expectPosition(wallet, walBefore!, `wallet position after ${o.what}`);
  ctx.assertNone(
    wallet,
    (x) => x.method === 'POST' && x.path === '/transfers' && x.body?.transferId === txId,
    `a prepare for a rejected instruction (${o.what})`,
  );
}

async function walletPaysBank(ctx: SuiteContext, o: { bankAnswer: 'accept' | 'rejectPrtry' | 'rejectCd' | 'silent' }): Promise<void> {
  const bank = await ctx.newBank();
  const wallet = await ctx.newDfsp({ prefix: 'wal' });
  const party = msisdn(ctx);
  bank.addParty({ type: party.type, id: party.id, name: 'Grace Hopper' });
  await registerBankParty(ctx, bank, party, wallet);
  const amount = '12.34';
  // Phase 1: GET /parties → acmt.023 to the bank → acmt.024 → PUT /parties from the hub.
  const { cb: found } = await discoverParty(ctx, wallet, party);
  expectSuccessCallback(found, 'discovery of a bank customer');
  expectFromHub(ctx, found, wallet);
  assert.equal(found.body?.party?.partyIdInfo?.fspId, bank.name, `PUT /parties: fspId = the bank; ${show(found.bodyText)}`);
  assert.equal(found.body?.party?.partyIdInfo?.partyIdentifier, party.id, 'PUT /parties: partyIdentifier');
  assert.equal(found.body?.party?.name, 'Grace Hopper', `PUT /parties: the name the bank verified; ${show(found.bodyText)}`);
  const a023 = await bank.waitFor((m) => m.kind === 'acmt.023', ctx.T, { label: 'acmt.023' });
  assert.equal(a023.from, ctx.hubDescribed, 'acmt.023: AppHdr/Fr is the hub');
  if (a023.signature) assert.ok(a023.signature.ok, `acmt.023 hub signature: ${a023.signature.detail}`);
  assert.equal(a023.message!.text('Assgnmt/Assgnr/Agt/FinInstnId/Othr/Id'), wallet.name, 'acmt.023: the assigner is the wallet that asked');
  assert.equal(a023.message!.text('Vrfctn/Id'), `${party.type}/${party.id}`, 'acmt.023: Vrfctn/Id');
  const a024 = await bank.waitForOutbound((x) => x.kind === 'acmt.024', ctx.T, 'the bank acmt.024');
  assert.ok(a024.result, `the bank could not send its acmt.024: ${a024.error}`);
  expectAccepted(a024.result, 202, 'the bank acmt.024');
  // Phase 2: the hub answers the quote for the bank.
  const q = await agreeWithBank(ctx, wallet, bank, party, amount);
  assert.equal(bank.find((m) => m.kind !== 'acmt.023').length, 0, `the bank takes no part in the agreement: ${bank.describe()}`);
  // Phase 3
  const [walBefore, bankBefore] = await positions(ctx, wallet, bank);
  // The bank's answer is set before the prepare is sent: the hub may forward it before the wallet has its 202.
  const transferId = ulid();
  if (o.bankAnswer === 'rejectPrtry') bank.setPaymentBehaviour(transferId, { kind: 'reject', reason: { prtry: '5104' }, info: 'Account blocked' });
  else if (o.bankAnswer === 'rejectCd') bank.setPaymentBehaviour(transferId, { kind: 'reject', reason: { cd: 'AC04' }, info: 'Closed account' });
  else if (o.bankAnswer === 'silent') bank.setPaymentBehaviour(transferId, { kind: 'silent' });
  const { t, since } = await transferToBank(ctx, wallet, bank, q, o.bankAnswer === 'silent' ? { expiresInMs: 4000, transferId } : { transferId });
  const p008 = await bank.waitFor((m) => m.kind === 'pacs.008' && m.message?.text('CdtTrfTxInf/PmtId/TxId') === t.transferId, ctx.T, {
    since,
    label: `pacs.008 ${t.transferId}`,
  });
  assert.equal(p008.from, ctx.hubDescribed, 'pacs.008: AppHdr/Fr is the hub');
  assert.equal(p008.version, bank.version('pacs.008'), 'pacs.008 in the bank profile version');
  if (p008.signature) assert.ok(p008.signature.ok, `pacs.008 hub signature: ${p008.signature.detail}`);
  const tx = p008.message!.at('CdtTrfTxInf')!;
  assert.equal(tx.text('IntrBkSttlmAmt'), amount, 'pacs.008 amount');
  assert.equal(tx.attr('Ccy', 'IntrBkSttlmAmt'), ctx.currency, 'pacs.008 currency');
  assert.equal(tx.text('DbtrAgt/FinInstnId/Othr/Id'), wallet.name, 'pacs.008 DbtrAgt = the wallet');
  assert.equal(tx.text('CdtrAgt/FinInstnId/Othr/Id'), bank.name, 'pacs.008 CdtrAgt = the bank');
  assert.equal(tx.text('Cdtr/Id/PrvtId/Othr/Id'), party.id, `pacs.008 Cdtr from the terms; ${show(tx.toString(), 1500)}`);
  assert.equal(tx.text('Cdtr/Id/PrvtId/Othr/SchmeNm/Prtry'), party.type, 'pacs.008 Cdtr id type');
  assert.ok(tx.text('Dbtr/Id/PrvtId/Othr/Id'), `pacs.008 Dbtr from the terms; ${show(tx.toString(), 1500)}`);
  if (o.bankAnswer === 'accept') {
    const put = await ctx.waitTransferCallback(wallet, t.transferId, { type: 'put', label: `PUT /transfers ${t.transferId}` });
    expectFromHub(ctx, put, wallet);
    assert.equal(put.body?.transferState, 'COMMITTED', `the wallet: COMMITTED; ${show(put.bodyText)}`);
    assert.equal(conditionFromFulfilment(String(put.body?.fulfilment)), q.condition, 'the fulfilment the hub re-derived matches the condition');
    await ctx.expectPosition(wallet, addDecimal(walBefore!, amount), 'wallet position (payer)');
    await ctx.expectPosition(bank.name, subDecimal(bankBefore!, amount), 'bank position (payee)');
    return;
  }
  if (o.bankAnswer === 'silent') {
    const err = await ctx.expectHubError(wallet, t.transferId, '3303', { timeoutMs: ctx.T + 6000, label: '3303 to the wallet after expiry' });
    void err;
    await expectRejected(ctx, bank, t.transferId, '3303', 'expiry without the bank answer', { since: p008.seq, timeoutMs: ctx.T });
  } else {
    const code = o.bankAnswer === 'rejectPrtry' ? '5104' : '5100';
    const err = await ctx.waitTransferCallback(wallet, t.transferId, { type: 'error', label: `error ${code} for ${t.transferId}` });
    expectErrorCallback(err, code, `the bank rejected (${o.bankAnswer})`);
    expectFromHub(ctx, err, wallet);
  }
  await ctx.expectPosition(wallet, walBefore!, 'wallet position after the bank did not credit');
  await ctx.expectPosition(bank.name, bankBefore!, 'bank position after it did not credit');
}

async function bankPaysBank(ctx: SuiteContext): Promise<{ a: BankSimulator; b: BankSimulator; txId: string }> {
  const [a, b] = await Promise.all([ctx.newBank({ prefix: 'bka' }), ctx.newBank({ prefix: 'bkb' })]);
  const amount = '99.99';
  const txId = ulid();
  const [aBefore, bBefore] = await positions(ctx, a, b);
  const creditor = { type: 'MSISDN', id: ctx.newPartyId(), name: 'Ada Lovelace' };
  const r = await a.pay({ txId, amount, debtor: { type: 'MSISDN', id: ctx.newPartyId(), name: 'Alan Turing' }, creditorAgent: b.name, creditor });
  expectAccepted(r, 202, 'pacs.008 bank → bank');
  const p008 = await b.waitFor((m) => m.kind === 'pacs.008' && m.message?.text('CdtTrfTxInf/PmtId/TxId') === txId, ctx.T, {
    label: `pacs.008 ${txId} at bank B`,
  });
  assert.equal(p008.from, ctx.hubDescribed, 'pacs.008 to B: AppHdr/Fr is the hub');
  if (p008.signature) assert.ok(p008.signature.ok, `pacs.008 to B: hub signature ${p008.signature.detail}`);
  const tx = p008.message!.at('CdtTrfTxInf')!;
  assert.equal(tx.text('DbtrAgt/FinInstnId/Othr/Id'), a.name, 'pacs.008 to B: DbtrAgt = A');
  assert.equal(tx.text('CdtrAgt/FinInstnId/Othr/Id'), b.name, 'pacs.008 to B: CdtrAgt = B');
  assert.equal(tx.text('Cdtr/Id/PrvtId/Othr/Id'), creditor.id, 'pacs.008 to B: Cdtr');
  assert.equal(tx.text('Cdtr/Nm'), creditor.name, 'pacs.008 to B: Cdtr/Nm');
  assert.equal(tx.text('IntrBkSttlmAmt'), amount, 'pacs.008 to B: amount');
  const s = await bankStatus(ctx, a, txId, { label: `pacs.002 ACSC for ${txId} at A` });
  assert.equal(s.sts, 'ACSC', `bank A: ${show(s.m.message?.toString())}`);
  await ctx.expectPosition(a.name, addDecimal(aBefore!, amount), 'bank A position');
  await ctx.expectPosition(b.name, subDecimal(bBefore!, amount), 'bank B position');
  return { a, b, txId };
}

// ---- what one dialect has no element for travels in the other's carrier (docs/iso20022-mapping.md §5) ------------

const mizaniEnvelope = (body: any): any => (body?.CdtTrfTxInf?.SplmtryData?.PlcAndNm === 'Mizani/FSPIOP' ? body.CdtTrfTxInf.SplmtryData.Envlp : undefined);
const carried = (body: any, name: string): unknown => {
  const items = ((body?.extensionList?.extension ?? []) as Array<{ key: string; value: string }>).filter((e) => e.key === `iso:${name}`);
  return items.length > 0 ? JSON.parse(items.map((e) => e.value).join('')) : undefined;
};
const V2 = { dialect: 'fspiop/2.0', version: '2.0' } as const;

function carriageScenarios(): Scenario[] {
  return [
    {
      name: 'dialects: carried — ISO JSON payer, FSPIOP 2.0 payee answering payeeFspFee 0 and payeeFspCommission 0 (the SDK default) — pacs.082 without charges; the payment clears',
      run: (ctx) =>
        isoJsonPaysFspiop(ctx, {
          payee: { ...V2, quote: { kind: 'answer', fee: '0', commission: '0' } },
          checkTerms: (t) => {
            assert.equal(t.body.CdtTrfTxInf.ChrgsInf, undefined, `zero-valued charges are absent from the pacs.082; ${show(t.bodyText, 2000)}`);
            assert.equal(t.body.CdtTrfTxInf.SplmtryData, undefined, 'nothing to carry');
          },
        }),
    },
    {
      name: 'dialects: carried — ISO JSON payer, FSPIOP 2.0 payee answering payeeFspFee 1.5 and payeeFspCommission 0.25 — ChrgsInf holds the fee, Mizani supplementary data the commission; the payment clears',
      run: (ctx) =>
        isoJsonPaysFspiop(ctx, {
          payee: { ...V2, quote: { kind: 'answer', fee: '1.5', commission: '0.25' } },
          checkTerms: (t) => {
            const tx = t.body.CdtTrfTxInf;
            assert.equal(tx.ChrgsInf?.Amt?.ActiveOrHistoricCurrencyAndAmount, '1.5', `pacs.082 ChrgsInf is the payee FSP fee; ${show(t.bodyText, 2000)}`);
            assert.equal(tx.ChrgsInf?.Tp, undefined, 'the fee has no charge type');
            const rest = mizaniEnvelope(t.body)?.ChrgsInf;
            assert.ok(Array.isArray(rest) && rest.length === 1, `the commission travels in Mizani's supplementary data; ${show(t.bodyText, 2000)}`);
            assert.equal(rest[0].Amt.ActiveOrHistoricCurrencyAndAmount, '0.25', 'commission amount');
            assert.equal(rest[0].Tp?.Cd, 'COMM', 'commission type');
          },
        }),
    },
    {
      name: 'dialects: carried — ISO JSON payer quoting with a commission (ChrgsInf COMM) and settlement method INDA — the FSPIOP 2.0 payee gets both in its extension list; the payment clears',
      run: (ctx) =>
        isoJsonPaysFspiop(ctx, {
          payee: V2,
          editQuote: (b) => {
            b.GrpHdr.SttlmInf.SttlmMtd = 'INDA';
            b.CdtTrfTxInf.ChrgsInf = { Amt: { ActiveOrHistoricCurrencyAndAmount: '0.5', Ccy: ctx.currency }, Agt: b.CdtTrfTxInf.DbtrAgt, Tp: { Cd: 'COMM' } };
          },
          checkQuote: (r) => {
            assert.equal(r.body.fees, undefined, `a commission is not FSPIOP fees; ${show(r.bodyText, 2000)}`);
            const charges = carried(r.body, 'ChrgsInf') as Array<Record<string, any>> | undefined;
            assert.deepEqual(
              charges?.map((c) => [c.Amt, c.Ccy, c.Tp?.Cd]),
              [['0.5', ctx.currency, 'COMM']],
              `iso:ChrgsInf in the extension list; ${show(r.bodyText, 2000)}`,
            );
            assert.equal(carried(r.body, 'SttlmMtd'), 'INDA', 'iso:SttlmMtd in the extension list');
          },
        }),
    },
    {
      name: 'dialects: carried — FSPIOP 2.0 payer with full personalInfo (complexName, dateOfBirth, kycInformation), merchant code and extensions — pacs.081 carries them; the payment clears',
      run: (ctx) =>
        fspiopPaysIsoJson(ctx, {
          payerDialect: V2,
          editQuote: (req) => {
            req.payer.personalInfo = {
              complexName: { firstName: 'Henrik', middleName: 'J', lastName: 'Karlsson' },
              dateOfBirth: '1984-03-02',
              kycInformation: '{"tier":"2","verified":true}',
            };
            req.payer.merchantClassificationCode = '5411';
            req.payer.partyIdInfo.extensionList = { extension: [{ key: 'channel', value: 'USSD' }] };
            req.extensionList = { extension: [{ key: 'purpose', value: 'rent' }] };
            req.geoCode = { latitude: '-13.9626', longitude: '33.7741' };
          },
          checkPacs081: (r) => {
            const tx = r.body.CdtTrfTxInf;
            assert.equal(tx.Dbtr.Nm, 'Henrik;J;Karlsson;Henrik Karlsson', `names in Nm; ${show(r.bodyText, 2000)}`);
            const e = mizaniEnvelope(r.body);
            assert.ok(e, `pacs.081 carries Mizani supplementary data; ${show(r.bodyText, 2000)}`);
            assert.deepEqual(e.Dbtr, {
              personalInfo: { dateOfBirth: '1984-03-02', kycInformation: '{"tier":"2","verified":true}' },
              merchantClassificationCode: '5411',
              extensions: [{ key: 'channel', value: 'USSD' }],
            });
            assert.deepEqual(e.extensions, [{ key: 'purpose', value: 'rent' }]);
            assert.deepEqual(e.geoCode, { latitude: '-13.9626', longitude: '33.7741' });
          },
        }),
    },
    {
      name: 'dialects: carried — FSPIOP 2.0 payer, ISO JSON payee answering with a commission (ChrgsInf COMM) — the payer gets payeeFspCommission; the payment clears',
      run: (ctx) =>
        fspiopPaysIsoJson(ctx, {
          payerDialect: V2,
          quote: { kind: 'answer', charge: { amount: '0.5', commission: true } },
          checkQuoteAnswer: (cb) => {
            assert.deepEqual(cb.body.payeeFspCommission, { amount: '0.5', currency: ctx.currency }, `PUT /quotes from the hub; ${show(cb.bodyText, 2000)}`);
            assert.equal(cb.body.payeeFspFee, undefined, 'no fee');
          },
        }),
    },
  ];
}

export const flowScenarios: Scenario[] = [
  {
    name: 'dialects: wallet fspiop/1.1 → wallet fspiop/2.0 (regression): forwards keep bytes, v2.0 confirmation, exact positions',
    run: walletToWalletV2,
  },
  {
    name: 'dialects: ISO JSON participant pays an FSPIOP wallet — acmt.024 / pacs.082 / pacs.002 from the hub, translated POSTs from the hub, positions',
    run: (ctx) => isoJsonPaysFspiop(ctx),
  },
  {
    name: 'dialects: FSPIOP wallet pays an ISO JSON participant — PUT /parties, /quotes, /transfers from the hub, pacs.081/pacs.008 in ISO JSON, positions',
    run: (ctx) => fspiopPaysIsoJson(ctx),
  },
  ...carriageScenarios(),
  {
    name: 'dialects: bank pays wallet — pacs.008 → hub quotes and transfers → pacs.002 ACSC; duplicate (status again) and changed (3106) pacs.008; positions',
    run: bankPaysWallet,
  },
  {
    name: 'dialects: bank pays wallet — unknown creditor → pacs.002 RJCT 3204',
    run: (ctx) => bankPaysWalletFailure(ctx, { code: '3204', what: 'unknown creditor', unknownCreditor: true }),
  },
  {
    name: 'dialects: bank pays wallet — the wallet rejects the quote (5101) → pacs.002 RJCT 5101',
    run: (ctx) =>
      bankPaysWalletFailure(ctx, {
        code: '5101',
        what: 'quote rejected',
        walletQuote: { kind: 'error', errorCode: '5101', errorDescription: 'Payee rejected quote' },
      }),
  },
  {
    name: 'dialects: bank pays wallet — net debit cap exceeded → pacs.002 RJCT 4200, nothing reserved',
    run: (ctx) => bankPaysWalletFailure(ctx, { code: '4200', what: 'NDC exceeded', bankNdc: '100', amount: '150' }),
  },
  {
    name: 'dialects: wallet pays bank — acmt.023/024 discovery, quote answered by the hub, pacs.008 → ACSC → COMMITTED with a matching fulfilment; positions',
    run: (ctx) => walletPaysBank(ctx, { bankAnswer: 'accept' }),
  },
  {
    name: 'dialects: wallet discovers a bank customer by a 40-character ACCOUNT_ID — acmt.023/024 carry it (ids over 35 characters are not message ids)',
    run: async (ctx) => {
      const bank = await ctx.newBank();
      const wallet = await ctx.newDfsp({ prefix: 'wal' });
      const party = { type: 'ACCOUNT_ID', id: `ACC${ctx.newPartyId().padEnd(37, '7')}` };
      bank.addParty({ type: party.type, id: party.id, name: 'Grace Hopper' });
      await registerBankParty(ctx, bank, party, wallet);
      const { cb: found } = await discoverParty(ctx, wallet, party);
      expectSuccessCallback(found, 'discovery of a bank customer with a long id');
      assert.equal(found.body?.party?.partyIdInfo?.partyIdentifier, party.id, `PUT /parties: the full identifier; ${show(found.bodyText)}`);
      const a023 = await bank.waitFor((m) => m.kind === 'acmt.023', ctx.T, { label: 'acmt.023' });
      assert.equal(a023.message!.text('Vrfctn/PtyAndAcctId/Pty/Id/PrvtId/Othr/Id'), party.id, 'acmt.023: the full party id');
      assert.ok((a023.message!.text('Assgnmt/MsgId') ?? '').length <= 35, 'acmt.023: Assgnmt/MsgId is a Max35Text message id');
    },
  },
  {
    name: "dialects: wallet pays bank — the bank's pacs.002 RJCT (Prtry 5104) aborts: the wallet gets 5104",
    run: (ctx) => walletPaysBank(ctx, { bankAnswer: 'rejectPrtry' }),
  },
  {
    name: 'dialects: wallet pays bank — pacs.002 RJCT with an ISO reason (Cd AC04) aborts with 5100',
    run: (ctx) => walletPaysBank(ctx, { bankAnswer: 'rejectCd' }),
  },
  {
    name: 'dialects: wallet pays bank — the bank stays silent: 3303 to the wallet, pacs.002 RJCT 3303 to the bank, nothing moved',
    slow: true,
    run: (ctx) => walletPaysBank(ctx, { bankAnswer: 'silent' }),
  },
  {
    name: 'dialects: bank pays bank — pacs.008 → pacs.008 to B → ACSC → ACSC to A; positions',
    run: async (ctx) => void (await bankPaysBank(ctx)),
  },
];

// ---- status (pacs.028) and cancellation (camt.056) ----------------------------------------------------------------------

async function resolution(
  ctx: SuiteContext,
  bank: BankSimulator,
  txId: string,
  what: string,
): Promise<{ conf?: string; sts?: string; cd?: string; prtry?: string; m: BankMessage }> {
  const since = bank.mark();
  const r = await bank.cancel({ originalTxId: txId, cancellationId: ulid().slice(0, 35), reason: { cd: 'DUPL' } });
  expectAccepted(r, 202, `camt.056 for ${txId} (${what})`);
  const m = await bank.waitFor((x) => x.kind === 'camt.029' && x.message?.text('CxlDtls/TxInfAndSts/OrgnlTxId') === txId, ctx.T, {
    since,
    label: `camt.029 for ${txId} (${what})`,
  });
  assert.equal(m.from, ctx.hubDescribed, 'camt.029: AppHdr/Fr is the hub');
  assert.equal(m.version, bank.version('camt.029'), 'camt.029 version of the bank profile');
  if (m.signature) assert.ok(m.signature.ok, `camt.029 hub signature: ${m.signature.detail}`);
  const v = m.message!;
  assert.equal(v.text('Assgnmt/Assgne/Agt/FinInstnId/Othr/Id'), bank.name, 'camt.029: the assignee is the bank that asked');
  return {
    conf: v.text('Sts/Conf'),
    sts: v.text('CxlDtls/TxInfAndSts/TxCxlSts'),
    cd: v.text('CxlDtls/TxInfAndSts/CxlStsRsnInf/Rsn/Cd'),
    prtry: v.text('CxlDtls/TxInfAndSts/CxlStsRsnInf/Rsn/Prtry'),
    m,
  };
}

async function statusRequest(ctx: SuiteContext, bank: BankSimulator, txId: string, what: string) {
  const since = bank.mark();
  const r = await bank.statusRequest({ originalTxId: txId, statusRequestId: ulid() });
  expectAccepted(r, 202, `pacs.028 for ${txId} (${what})`);
  return bankStatus(ctx, bank, txId, { since, label: `pacs.002 answering the pacs.028 for ${txId} (${what})` });
}

/** Bank A pays bank B, which answers per `behaviour`; returns once B got the pacs.008. */
async function bankToBank(ctx: SuiteContext, behaviour: Parameters<BankSimulator['setPaymentBehaviour']>[1], o: { expiresInMs?: number } = {}) {
  const [a, b] = await Promise.all([ctx.newBank({ prefix: 'bka' }), ctx.newBank({ prefix: 'bkb', behaviour })]);
  const txId = ulid();
  const amount = '7.77';
  const [aBefore, bBefore] = await positions(ctx, a, b);
  const expiry = o.expiresInMs === undefined ? undefined : new Date(Date.now() + o.expiresInMs).toISOString();
  const r = await a.pay({
    txId,
    amount,
    debtor: { type: 'MSISDN', id: ctx.newPartyId() },
    creditorAgent: b.name,
    creditor: { type: 'MSISDN', id: ctx.newPartyId() },
    ...(expiry ? { expiry } : {}),
  });
  expectAccepted(r, 202, 'pacs.008 bank → bank');
  const p008 = await b.waitFor((m) => m.kind === 'pacs.008' && m.message?.text('CdtTrfTxInf/PmtId/TxId') === txId, ctx.T, { label: `pacs.008 ${txId} at B` });
  return { a, b, txId, amount, aBefore: aBefore!, bBefore: bBefore!, p008 };
}

export const statusScenarios: Scenario[] = [
  {
    name: 'dialects: pacs.028 and camt.056 on a committed bank-to-bank payment — ACSC to payer and payee bank; camt.029 RJCR reason COMMITTED',
    run: async (ctx) => {
      const { a, b, txId } = await bankPaysBank(ctx);
      const sa = await statusRequest(ctx, a, txId, 'payer bank, committed');
      assert.equal(sa.sts, 'ACSC', `pacs.028 by the payer bank: ${show(sa.m.message?.toString())}`);
      const sb = await statusRequest(ctx, b, txId, 'payee bank, committed');
      assert.equal(sb.sts, 'ACSC', `pacs.028 by the payee bank: ${show(sb.m.message?.toString())}`);
      const c = await resolution(ctx, a, txId, 'committed');
      assert.equal(c.conf, 'RJCR', `camt.029 Sts/Conf for a committed payment; ${show(c.m.message?.toString())}`);
      assert.equal(c.sts, 'RJCR', 'camt.029 TxCxlSts');
      assert.equal(c.prtry, 'COMMITTED', `camt.029 reason; ${show(c.m.message?.toString())}`);
    },
  },
  {
    name: 'dialects: pacs.028 for an unknown transfer → pacs.002 RJCT 3208; camt.056 for it → camt.029 RJCR NOOR',
    run: async (ctx) => {
      const bank = await ctx.newBank();
      const txId = ulid();
      const s = await statusRequest(ctx, bank, txId, 'unknown');
      assert.equal(s.sts, 'RJCT', 'pacs.028 unknown: RJCT');
      assert.equal(s.prtry, '3208', `pacs.028 unknown: reason; ${show(s.m.message?.toString())}`);
      const c = await resolution(ctx, bank, txId, 'unknown');
      assert.equal(c.conf, 'RJCR', 'camt.029 Sts/Conf for an unknown payment');
      assert.equal(c.cd, 'NOOR', `camt.029 reason for an unknown payment; ${show(c.m.message?.toString())}`);
    },
  },
  {
    name: 'dialects: payee bank rejects (RJCT 5104): payer bank gets RJCT 5104; pacs.028 → RJCT 5104; camt.056 → CNCL; positions unchanged',
    run: async (ctx) => {
      const { a, b, txId, aBefore, bBefore } = await bankToBank(ctx, { kind: 'reject', reason: { prtry: '5104' }, info: 'Creditor account blocked' });
      await expectRejected(ctx, a, txId, '5104', 'payee bank rejected');
      await ctx.expectPosition(a.name, aBefore, 'payer bank position after the rejection');
      await ctx.expectPosition(b.name, bBefore, 'payee bank position after the rejection');
      const s = await statusRequest(ctx, a, txId, 'aborted');
      assert.equal(s.sts, 'RJCT', 'pacs.028 aborted: RJCT');
      assert.equal(s.prtry, '5104', `pacs.028 aborted: the reason it was aborted for; ${show(s.m.message?.toString())}`);
      const c = await resolution(ctx, a, txId, 'aborted');
      assert.equal(c.conf, 'CNCL', `camt.029 for an aborted payment; ${show(c.m.message?.toString())}`);
    },
  },
  {
    name: 'dialects: reserved bank-to-bank payment (payee bank silent) — pacs.028 → ACSP; camt.056 → PDCR (pending; the pacs.002 follows); expiry → RJCT 3303 to both banks, nothing moved',
    slow: true,
    run: async (ctx) => {
      const { a, b, txId, aBefore, bBefore, p008 } = await bankToBank(ctx, { kind: 'silent' }, { expiresInMs: 5000 });
      const s = await statusRequest(ctx, a, txId, 'reserved');
      assert.equal(s.sts, 'ACSP', `pacs.028 while reserved: ACSP; ${show(s.m.message?.toString())}`);
      let cancellation: Error | undefined;
      let since = a.mark();
      try {
        const c = await resolution(ctx, a, txId, 'reserved');
        since = c.m.seq;
        assert.equal(
          c.conf,
          'PDCR',
          `camt.029 for a reserved payment: docs/iso20022.md says PDCR (it cannot be withdrawn from the payee; its final pacs.002 follows); ${show(c.m.message?.toString())}`,
        );
      } catch (err) {
        cancellation = err as Error; // checked last, so the expiry is still verified
      }
      await expectRejected(ctx, a, txId, '3303', 'expired without the payee bank answer', { since, timeoutMs: ctx.T + 8000 });
      await expectRejected(ctx, b, txId, '3303', 'expiry told to the payee bank (it must not credit)', { since: p008.seq, timeoutMs: ctx.T });
      await ctx.expectPosition(a.name, aBefore, 'payer bank position after expiry');
      await ctx.expectPosition(b.name, bBefore, 'payee bank position after expiry');
      if (cancellation) throw cancellation;
    },
  },
  {
    name: 'dialects: camt.056 while the hub still agrees terms with the wallet (quote unanswered) → CNCL; the payment never reaches the wallet',
    run: async (ctx) => {
      const bank = await ctx.newBank();
      const { wallet, party } = await walletWithParty(ctx, { quote: { kind: 'silent' } });
      const txId = ulid();
      const [bankBefore] = await positions(ctx, bank);
      expectAccepted(
        await bank.pay({ txId, amount: '5', debtor: { type: 'MSISDN', id: ctx.newPartyId() }, creditorAgent: null, creditor: xmlParty(party) }),
        202,
        'pacs.008',
      );
      await hubPost(ctx, wallet, '/quotes', (r) => r.body?.payee?.partyIdInfo?.partyIdentifier === party.id, 'the hub quote request');
      const c = await resolution(ctx, bank, txId, 'being agreed');
      assert.equal(c.conf, 'CNCL', `camt.029 for a payment not yet reserved; ${show(c.m.message?.toString())}`);
      const s = await statusRequest(ctx, bank, txId, 'cancelled');
      assert.equal(s.sts, 'RJCT', `pacs.028 after the cancellation; ${show(s.m.message?.toString())}`);
      // A late quote answer must not revive it.
      const quote = wallet.find((r) => r.method === 'POST' && r.path === '/quotes' && r.body?.payee?.partyIdInfo?.partyIdentifier === party.id)[0]!;
      const late = await wallet.send({
        method: 'PUT',
        path: `/quotes/${quote.body.quoteId}`,
        destination: ctx.hubName,
        body: {
          transferAmount: { amount: '5', currency: ctx.currency },
          expiration: new Date(Date.now() + 60_000).toISOString(),
          ilpPacket: 'AQ',
          condition: 'A'.repeat(43),
        },
        headers: { 'fspiop-uri': `/quotes/${quote.body.quoteId}`, 'fspiop-http-method': 'PUT' },
      });
      assert.ok(late.status < 500, `late quote answer: ${late.status} ${late.rawBody}`);
      const again = await statusRequest(ctx, bank, txId, 'cancelled, after a late quote answer');
      assert.equal(again.sts, 'RJCT', 'still cancelled');
      ctx.assertNone(wallet, (r) => r.method === 'POST' && r.path === '/transfers' && r.body?.transferId === txId, 'a prepare for a cancelled instruction');
      await ctx.expectPosition(bank.name, bankBefore!, 'bank position after the cancellation');
    },
  },
];

// ---- admi.002: messages the hub cannot accept at all ----------------------------------------------------------------

const verifying = async (ctx: SuiteContext): Promise<string | undefined> =>
  (await ctx.hubVerifiesXml()) ? undefined : 'the hub does not verify bank XML signatures (MIZANI_XML_VERIFY off)';

function sharedBank(ctx: SuiteContext): Promise<BankSimulator> {
  return ctx.once('dialects: shared bank', () => ctx.newBank({ prefix: 'bks' }));
}

/** A valid pacs.028 Document (harmless to send). */
const statusDoc = (bank: BankSimulator) => pacs028Xml({ originalTxId: ulid() }, bank.version('pacs.028'));

function admi(name: string, run: (ctx: SuiteContext, bank: BankSimulator) => Promise<void>, o: { needsVerify?: boolean } = {}): Scenario {
  return { name: `dialects: admi.002 — ${name}`, ...(o.needsVerify ? { skip: verifying } : {}), run: async (ctx) => run(ctx, await sharedBank(ctx)) };
}

export const admiScenarios: Scenario[] = [
  admi('not XML → 400 FF01, RltdRef NONREF', async (_ctx, bank) => {
    expectAdmi002(await bank.send('', { raw: 'this is not XML at all' }), 'FF01', 'not XML', { ref: null });
  }),
  admi('Content-Type not XML → 400 FF01', async (_ctx, bank) => {
    expectAdmi002(await bank.send(statusDoc(bank), { contentType: 'application/json' }), 'FF01', 'Content-Type application/json');
  }),
  admi('DOCTYPE with an external entity (XXE) → 400 FF01, nothing resolved', async (_ctx, bank) => {
    const r = await bank.send(statusDoc(bank), {
      mutate: (t) => t.replace('?>', '?>\n<!DOCTYPE Message [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>').replace('<StsReqId>', '<StsReqId>&xxe;'),
      sign: false,
    });
    expectAdmi002(r, 'FF01', 'DOCTYPE / XXE', { description: /DOCTYPE|DTD|declaration/i });
    assert.ok(!r.body.includes('root:'), 'the entity was not resolved into the answer');
  }),
  admi('envelope in a foreign namespace → 400 FF01', async (_ctx, bank) => {
    expectAdmi002(
      await bank.send(statusDoc(bank), { mutate: (t) => t.replace('urn:mizani:xsd:envelope', 'urn:example:envelope') }),
      'FF01',
      'wrong envelope namespace',
    );
  }),
  admi('Document of an unsupported message version (pacs.028.001.99) → 400 FF01', async (_ctx, bank) => {
    const doc = statusDoc(bank).replace(/pacs\.028\.001\.\d\d/, 'pacs.028.001.99');
    expectAdmi002(await bank.send(doc, { msgDefIdr: 'pacs.028.001.99' }), 'FF01', 'unsupported Document namespace');
  }),
  admi('AppHdr/MsgDefIdr names another message than the Document → 400 FF01', async (_ctx, bank) => {
    expectAdmi002(await bank.send(statusDoc(bank), { msgDefIdr: bank.version('pacs.008') }), 'FF01', 'BAH and Document disagree');
  }),
  admi('schema-invalid pacs.008 (ChrgBr missing) → 400 FF01 naming the line and path', async (ctx, bank) => {
    const doc = pacs008Xml(
      {
        txId: ulid(),
        amount: '1',
        currency: ctx.currency,
        debtorAgent: bank.name,
        creditorAgent: null,
        debtor: { type: 'MSISDN', id: ctx.newPartyId() },
        creditor: { type: 'MSISDN', id: ctx.newPartyId() },
      },
      bank.version('pacs.008'),
    ).replace(/<ChrgBr>[A-Z]+<\/ChrgBr>/, '');
    const r = await bank.send(doc);
    expectAdmi002(r, 'FF01', 'schema-invalid pacs.008', { location: /line \d+.*CdtTrfTxInf/ });
  }),
  admi('AppHdr/To is not the hub → 400 FF01', async (ctx, bank) => {
    expectAdmi002(await bank.send(statusDoc(bank), { to: `${ctx.hubName}x` }), 'FF01', 'BAH To another FSP');
  }),
  admi('BizMsgIdr sent twice → 400 DU01 naming it', async (_ctx, bank) => {
    const id = ulid();
    expectAccepted(await bank.send(statusDoc(bank), { bizMsgIdr: id }), 202, 'first message');
    expectAdmi002(await bank.send(statusDoc(bank), { bizMsgIdr: id }), 'DU01', 'duplicate BizMsgIdr', { ref: id });
  }),
  admi('unknown sender (AppHdr/Fr not a participant) → 400', async (ctx, bank) => {
    const r = await bank.send(statusDoc(bank), { from: `nobody${ulid().slice(-6).toLowerCase()}` });
    expectAdmi002(r, ['NARR', 'DS0E'], 'unknown sender');
  }),
  admi('sender registered with an FSPIOP dialect → 400', async (ctx, bank) => {
    const { payer } = await ctx.shared();
    expectAdmi002(await bank.send(statusDoc(bank), { from: payer.name }), ['NARR', 'DS0E'], 'FSPIOP participant on the XML edge');
  }),
  admi(
    'unsigned message → 400 DS0A',
    async (_ctx, bank) => {
      expectAdmi002(await bank.send(statusDoc(bank), { sign: false }), 'DS0A', 'unsigned');
    },
    { needsVerify: true },
  ),
  admi(
    'Document changed after signing → 400 DS0B',
    async (ctx, bank) => {
      const doc = pacs008Xml(
        {
          txId: ulid(),
          amount: '1',
          currency: ctx.currency,
          debtorAgent: bank.name,
          creditorAgent: null,
          debtor: { type: 'MSISDN', id: ctx.newPartyId() },
          creditor: { type: 'MSISDN', id: ctx.newPartyId() },
        },
        bank.version('pacs.008'),
      );
      const r = await bank.send(doc, { mutate: (t) => t.replace('>1</IntrBkSttlmAmt>', '>1000</IntrBkSttlmAmt>') });
      assert.ok(r.sent.includes('>1000</IntrBkSttlmAmt>'), 'the tampered amount was sent');
      expectAdmi002(r, 'DS0B', 'tampered Document', { description: /digest|changed/i });
    },
    { needsVerify: true },
  ),
  admi(
    'AppHdr changed after signing → 400 DS0B',
    async (_ctx, bank) => {
      const r = await bank.send(statusDoc(bank), { mutate: (t) => t.replace(/<BizMsgIdr>([^<]+)<\/BizMsgIdr>/, '<BizMsgIdr>$1X</BizMsgIdr>') });
      expectAdmi002(r, 'DS0B', 'tampered AppHdr');
    },
    { needsVerify: true },
  ),
  admi(
    'signature by a certificate not registered for the bank → 400 DS0E',
    async (ctx, bank) => {
      const other = await ctx.xmlCredentialsFor(`${bank.name}other`);
      const r = await bank.send(statusDoc(bank), { sign: false, mutate: (t) => signEnvelope(t, { privateKey: other.key, cert: other.cert }) });
      expectAdmi002(r, 'DS0E', 'foreign certificate');
    },
    { needsVerify: true },
  ),
  admi(
    'signature without the Document reference → 400 DS0B',
    async (_ctx, bank) => {
      expectAdmi002(await bank.send(statusDoc(bank), { signOptions: { omitDocumentReference: true } }), 'DS0B', 'Document not covered');
    },
    { needsVerify: true },
  ),
  admi(
    'SHA-1 digests → 400 DS0B',
    async (_ctx, bank) => {
      expectAdmi002(
        await bank.send(statusDoc(bank), { signOptions: { digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' } }),
        'DS0B',
        'SHA-1 digest algorithm',
      );
    },
    { needsVerify: true },
  ),
];

// ---- what a dialect cannot carry: refused, never rounded ------------------------------------------------------------

async function unrepresentableBankAmount(ctx: SuiteContext, amount: string): Promise<void> {
  const bank = await ctx.newBank();
  const { wallet, party } = await walletWithParty(ctx);
  const txId = ulid();
  const [bankBefore, walBefore] = await positions(ctx, bank, wallet);
  const r = await bank.pay({ txId, amount, debtor: { type: 'MSISDN', id: ctx.newPartyId() }, creditorAgent: null, creditor: xmlParty(party) });
  if (r.status === 400) {
    expectAdmi002(r, ['FF01', 'NARR'], `pacs.008 of ${amount} ${ctx.currency}`, { description: /amount|decimal|digit|precision|fraction/i });
  } else {
    expectAccepted(r, 202, `pacs.008 of ${amount} ${ctx.currency}`);
    await expectRejected(ctx, bank, txId, '3100', `${amount} ${ctx.currency} cannot be settled exactly`);
    const s = await bankStatus(ctx, bank, txId);
    assert.match(s.info, /amount|decimal|digit|precision|fraction/i, `the reason names the amount problem: ${s.info}`);
  }
  // The hub may ask the wallet for terms first (the currency rule applies at the transfer), but never for another amount.
  ctx.assertNone(
    wallet,
    (x) => x.method === 'POST' && x.path === '/quotes' && x.body?.payee?.partyIdInfo?.partyIdentifier === party.id && x.body?.amount?.amount !== amount,
    `a quote request for another amount than ${amount}`,
  );
  ctx.assertNone(wallet, (x) => x.method === 'POST' && x.path === '/transfers' && x.body?.transferId === txId, `a prepare for ${amount}`);
  await ctx.expectPosition(bank.name, bankBefore!, `bank position after ${amount}`);
  await ctx.expectPosition(wallet, walBefore!, `wallet position after ${amount}`);
}

export const exactnessScenarios: Scenario[] = [
  {
    name: 'dialects: pacs.008 of 10.12345 USD (5 decimals) → refused (RJCT 3100 or admi.002), never rounded; nothing reaches the wallet',
    run: (ctx) => unrepresentableBankAmount(ctx, '10.12345'),
  },
  {
    name: 'dialects: pacs.008 of 10.125 USD (3 decimals, USD has 2) → refused, never rounded',
    run: (ctx) => unrepresentableBankAmount(ctx, '10.125'),
  },
  {
    name: 'dialects: ISO JSON quote of 1.12345 (FSPIOP carries 4 decimals) → 3100 to the ISO JSON payer; the FSPIOP payee gets nothing',
    run: async (ctx) => {
      const { sim: iso } = await isoJsonParticipant(ctx);
      const { wallet, party } = await walletWithParty(ctx);
      const { body, quoteId } = pacs081({
        payerFsp: iso.name,
        payeeFsp: wallet.name,
        payer: msisdn(ctx),
        payee: party,
        amount: '1.12345',
        currency: ctx.currency,
      });
      const since = iso.mark();
      const res = await isoSend(iso, { method: 'POST', path: '/quotes', destination: wallet.name, body });
      if (res.status === 202) {
        const cb = await waitAnswer(ctx, iso, `/quotes/${quoteId}`, { since, label: `error for quote ${quoteId}` });
        assert.ok(cb.path.endsWith('/error'), `expected PUT /quotes/${quoteId}/error, got ${cb.path} ${show(cb.bodyText)}`);
        expectIsoFromHub(ctx, cb, iso, 'pacs.002-error');
        assert.equal(cb.body.TxInfAndSts.StsRsnInf.Rsn.Prtry, '3100', `the refusal code; ${show(cb.bodyText)}`);
      } else {
        assert.equal(res.status, 400, `sync answer: ${res.status} ${res.rawBody}`);
        assert.equal(res.body?.errorInformation?.errorCode, '3100', `sync refusal: ${res.rawBody}`);
      }
      ctx.assertNone(wallet, (r) => r.method === 'POST' && r.path === '/quotes' && r.body?.quoteId === quoteId, 'a quote request with a rounded amount');
    },
  },
  {
    name: 'dialects: a UUID transferId (36 chars) cannot be a pacs.008 TxId (Max35Text) → 3100 to the wallet, reservation released, the bank gets nothing',
    run: async (ctx) => {
      const bank = await ctx.newBank();
      const wallet = await ctx.newDfsp({ prefix: 'wal' });
      const party = msisdn(ctx);
      bank.addParty({ type: party.type, id: party.id, name: 'Grace Hopper' });
      const q = await agreeWithBank(ctx, wallet, bank, party, '3');
      const [walBefore, bankBefore] = await positions(ctx, wallet, bank);
      const t = transferFromQuote(wallet, bank.name, q, { transferId: randomUUID() });
      const since = wallet.mark();
      const res = await ctx.sendPrepare(t);
      if (res.status === 202) {
        const cb = await waitAnswer(ctx, wallet, `/transfers/${t.transferId}`, { since, label: `answer for ${t.transferId}` });
        expectErrorCallback(cb, '3100', 'UUID transferId towards a bank');
        expectFromHub(ctx, cb, wallet);
      } else {
        assert.equal(res.status, 400, `sync answer ${res.status} ${res.rawBody}`);
        assert.equal(res.body?.errorInformation?.errorCode, '3100', res.rawBody);
      }
      assert.equal(bank.find((m) => m.kind === 'pacs.008').length, 0, `the bank got no pacs.008: ${bank.describe()}`);
      await ctx.expectPosition(wallet, walBefore!, 'wallet position after the refusal');
      await ctx.expectPosition(bank.name, bankBefore!, 'bank position after the refusal');
    },
  },
  {
    name: 'dialects: an ILP v1 packet cannot reach an ISO JSON participant → 3100 to the payer, reservation released',
    run: async (ctx) => {
      const { sim: iso } = await isoJsonParticipant(ctx);
      const payer = await ctx.newDfsp({ prefix: 'wal' });
      const transferId = ulid();
      const expiration = new Date(Date.now() + 60_000).toISOString();
      const transaction = {
        transactionId: ulid(),
        quoteId: ulid(),
        payee: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: ctx.newPartyId(), fspId: iso.name } },
        payer: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: ctx.newPartyId(), fspId: payer.name } },
        amount: { currency: ctx.currency, amount: '10' },
        transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
      };
      const ilpPacket = buildIlpV1Packet({
        amountMinorUnits: '1000',
        account: `g.${iso.name}.msisdn.${transaction.payee.partyIdInfo.partyIdentifier}`,
        transaction,
      });
      const { condition } = generateFulfilment();
      const body = { transferId, payerFsp: payer.name, payeeFsp: iso.name, amount: { amount: '10', currency: ctx.currency }, ilpPacket, condition, expiration };
      const [before] = await positions(ctx, payer);
      const since = payer.mark();
      const res = await payer.send({ method: 'POST', path: '/transfers', destination: iso.name, body });
      if (res.status === 202) {
        const cb = await waitAnswer(ctx, payer, `/transfers/${transferId}`, { since, label: `answer for ${transferId}` });
        expectErrorCallback(cb, '3100', 'ILP v1 towards ISO JSON');
      } else {
        assert.equal(res.status, 400, `sync ${res.status} ${res.rawBody}`);
        assert.equal(res.body?.errorInformation?.errorCode, '3100', res.rawBody);
      }
      ctx.assertNone(iso, (r) => r.method === 'POST' && r.path === '/transfers', 'a pacs.008 carrying an ILP v1 packet');
      await ctx.expectPosition(payer, before!, 'payer position after the refusal');
    },
  },
];

// ---- banks named the ISO 20022 way (BIC, clearing-system member id) and payments without TxId --------------------

type IsoNaming = 'clearing' | 'bic';

/** A bank registered with a USABA routing number (FedNow-style) or with a BIC; it names itself that way. */
function isoNamedBank(ctx: SuiteContext, naming: IsoNaming, o: Parameters<SuiteContext['newBank']>[0] = {}): Promise<BankSimulator> {
  const isoIdentifiers: IsoIdentifiers =
    naming === 'clearing' ? { clearingSystemMemberIds: [{ clearingSystemId: 'USABA', memberId: randomAbaRoutingNumber() }] } : { bicfi: `${randomBic()}XXX` };
  return ctx.newBank({ prefix: naming === 'clearing' ? 'aba' : 'bic', isoIdentifiers, ...o });
}

/**
 * How a payment without TxId is named: FedNow-style (routing numbers) with a UETR, which then identifies it; BIC-style
 * with only an EndToEndId that is no UUID or ULID (the hub then names it by a ULID towards FSPIOP participants).
 */
function paymentIdsFor(naming: IsoNaming): { uetr?: string; endToEndId: string; ref: string; msgId: string } {
  const endToEndId = `E2E-${ulid().slice(-16)}`;
  const msgId = `${naming === 'clearing' ? '20260301021000021' : 'BIC'}${ulid().slice(-14)}`.slice(0, 35);
  if (naming === 'bic') return { endToEndId, ref: endToEndId, msgId };
  const uetr = randomUUID();
  return { uetr, endToEndId, ref: uetr, msgId };
}

/**
 * The pacs.002 names the payment as the bank's pacs.008 did: no OrgnlTxId (none was sent), its UETR, its E2E and,
 * with `msgNmId`, its message (OrgnlGrpInf; a pacs.028 answer echoes the request, which named none).
 */
function expectNamedAsSent(m: BankMessage, ids: { uetr?: string; endToEndId: string; msgId?: string }, msgNmId: string | undefined, what: string): void {
  const t = m.message!.at('TxInfAndSts')!;
  const body = show(m.message?.toString(), 1500);
  assert.equal(t.text('OrgnlTxId'), undefined, `${what}: no OrgnlTxId for a payment sent without TxId; ${body}`);
  assert.equal(t.text('OrgnlEndToEndId'), ids.endToEndId, `${what}: OrgnlEndToEndId; ${body}`);
  assert.equal(t.text('OrgnlUETR'), ids.uetr, `${what}: OrgnlUETR; ${body}`);
  if (msgNmId !== undefined) {
    assert.equal(t.text('OrgnlGrpInf/OrgnlMsgId'), ids.msgId, `${what}: OrgnlGrpInf/OrgnlMsgId; ${body}`);
    assert.equal(t.text('OrgnlGrpInf/OrgnlMsgNmId'), msgNmId, `${what}: OrgnlGrpInf/OrgnlMsgNmId; ${body}`);
  }
}

async function isoNamedBankPaysWallet(ctx: SuiteContext, naming: IsoNaming): Promise<void> {
  const bank = await isoNamedBank(ctx, naming);
  const { wallet, party } = await walletWithParty(ctx);
  const amount = naming === 'clearing' ? '42.1' : '17.25';
  const ids = paymentIdsFor(naming);
  const [bankBefore, walBefore] = await positions(ctx, bank, wallet);
  const r = await bank.pay({
    msgId: ids.msgId,
    endToEndId: ids.endToEndId,
    uetr: ids.uetr,
    amount,
    debtor: { type: 'MSISDN', id: ctx.newPartyId(), name: 'Alan Turing' },
    creditorAgent: null,
    creditor: xmlParty(party),
    instructingAgent: bank.identity,
    instructedAgent: ctx.hubName,
    remittance: ['Invoice 2026-0042', 'Delivery of 40 bags of maize'],
    purpose: 'GDDS',
  });
  expectAccepted(r, 202, `pacs.008 without TxId from a bank named by ${bank.described}`);
  const { transferId } = await walletSideOfBankPayment(ctx, bank, wallet, party, ids.uetr, amount);
  const s = await bankStatus(ctx, bank, ids.ref, { label: `pacs.002 ACSC for ${ids.ref}` });
  assert.equal(s.sts, 'ACSC', `pacs.002 for the bank's payment: ${show(s.m.message?.toString())}`);
  expectNamedAsSent(s.m, ids, bank.version('pacs.008'), 'pacs.002 ACSC');
  const conf = await ctx.expectHubCallback(wallet, transferId, { type: 'put', label: 'PUT /transfers confirmation to the wallet' });
  assert.equal(conf.body?.transferState, 'COMMITTED', 'confirmation to the wallet');
  await ctx.expectPosition(bank.name, addDecimal(bankBefore!, amount), `bank position (payer named by ${bank.described})`);
  await ctx.expectPosition(wallet, subDecimal(walBefore!, amount), 'wallet position (payee)');
  // The same pacs.008 again: the current status, named the same way; a pacs.028 naming it the bank's way: ACSC.
  let since = bank.mark();
  expectAccepted(
    await bank.send(r.sent.slice(r.sent.indexOf('<Document'), r.sent.indexOf('</Document>') + '</Document>'.length)),
    202,
    'the same pacs.008 again',
  );
  const again = await bankStatus(ctx, bank, ids.ref, { since, label: 'the status again for a duplicate pacs.008 without TxId' });
  assert.equal(again.sts, 'ACSC', 'duplicate pacs.008 without TxId: ACSC again');
  expectNamedAsSent(again.m, ids, bank.version('pacs.008'), 'pacs.002 for the duplicate');
  since = bank.mark();
  expectAccepted(
    await bank.statusRequest({ originalUetr: ids.uetr, originalEndToEndId: ids.endToEndId, statusRequestId: ulid() }),
    202,
    'pacs.028 without OrgnlTxId',
  );
  const st = await bankStatus(ctx, bank, ids.ref, { since, label: 'pacs.002 answering the pacs.028 without OrgnlTxId' });
  assert.equal(st.sts, 'ACSC', `pacs.028 by UETR / EndToEndId: ${show(st.m.message?.toString())}`);
  expectNamedAsSent(st.m, ids, undefined, 'pacs.002 answering the pacs.028');
  await ctx.expectPosition(bank.name, addDecimal(bankBefore!, amount), 'bank position unchanged by the duplicate');
}

async function walletPaysIsoNamedBank(ctx: SuiteContext, naming: IsoNaming): Promise<void> {
  const bank = await isoNamedBank(ctx, naming);
  const wallet = await ctx.newDfsp({ prefix: 'wal' });
  const party = msisdn(ctx);
  bank.addParty({ type: party.type, id: party.id, name: 'Grace Hopper' });
  await registerBankParty(ctx, bank, party, wallet);
  const amount = '8.08';
  const { cb: found } = await discoverParty(ctx, wallet, party);
  expectSuccessCallback(found, `discovery of a customer of a bank named by ${bank.described}`);
  assert.equal(
    found.body?.party?.partyIdInfo?.fspId,
    bank.name,
    `PUT /parties: the bank's acmt.024 names itself by ${bank.described}, the wallet sees its FSP id; ${show(found.bodyText)}`,
  );
  const a023 = await bank.waitFor((m) => m.kind === 'acmt.023', ctx.T, { label: 'acmt.023' });
  assert.equal(
    describeFinInstnId(a023.message!.at('Assgnmt/Assgne/Agt/FinInstnId')),
    bank.described,
    `acmt.023: Assgne names the bank as it registered; ${show(a023.message?.toString())}`,
  );
  const q = await agreeWithBank(ctx, wallet, bank, party, amount);
  const [walBefore, bankBefore] = await positions(ctx, wallet, bank);
  const { t, since } = await transferToBank(ctx, wallet, bank, q);
  const p008 = await bank.waitFor((m) => m.kind === 'pacs.008' && BankSimulator.paymentRef(m) === t.transferId, ctx.T, {
    since,
    label: `pacs.008 ${t.transferId}`,
  });
  const tx = p008.message!.at('CdtTrfTxInf')!;
  assert.equal(
    describeFinInstnId(tx.at('CdtrAgt/FinInstnId')),
    bank.described,
    `pacs.008: CdtrAgt names the bank as it registered; ${show(tx.toString(), 1500)}`,
  );
  assert.equal(describeFinInstnId(tx.at('DbtrAgt/FinInstnId')), describeInstitution(wallet.name), 'pacs.008: DbtrAgt = the wallet by FSP id');
  assert.equal(tx.text('PmtId/TxId'), t.transferId, 'pacs.008: TxId = the transferId');
  const put = await ctx.waitTransferCallback(wallet, t.transferId, { type: 'put', label: `PUT /transfers ${t.transferId}` });
  expectFromHub(ctx, put, wallet);
  assert.equal(put.body?.transferState, 'COMMITTED', `the wallet: COMMITTED; ${show(put.bodyText)}`);
  assert.equal(conditionFromFulfilment(String(put.body?.fulfilment)), q.condition, 'the fulfilment the hub re-derived matches the condition');
  await ctx.expectPosition(wallet, addDecimal(walBefore!, amount), 'wallet position (payer)');
  await ctx.expectPosition(bank.name, subDecimal(bankBefore!, amount), `bank position (payee named by ${bank.described})`);
}

/** A (routing number) pays B (BIC) without TxId: B gets it named by UETR and A's routing number, answers by UETR. */
async function clearingBankPaysBicBank(ctx: SuiteContext): Promise<void> {
  const [a, b] = await Promise.all([isoNamedBank(ctx, 'clearing'), isoNamedBank(ctx, 'bic')]);
  const amount = '250';
  const ids = paymentIdsFor('clearing');
  const [aBefore, bBefore] = await positions(ctx, a, b);
  const remittance = ['Invoice 2026-0077', 'Rent March 2026, flat 4B'];
  const r = await a.pay({
    msgId: ids.msgId,
    endToEndId: ids.endToEndId,
    uetr: ids.uetr,
    amount,
    debtor: { type: 'MSISDN', id: ctx.newPartyId(), name: 'Alan Turing' },
    creditorAgent: b.identity,
    creditor: { type: 'MSISDN', id: ctx.newPartyId(), name: 'Ada Lovelace' },
    instructingAgent: a.identity,
    instructedAgent: b.identity,
    remittance,
    purpose: 'RENT',
  });
  expectAccepted(r, 202, 'pacs.008 without TxId, bank (routing number) → bank (BIC)');
  const p008 = await b.waitFor((m) => m.kind === 'pacs.008' && BankSimulator.paymentRef(m) === ids.uetr, ctx.T, { label: `pacs.008 ${ids.uetr} at B` });
  const tx = p008.message!.at('CdtTrfTxInf')!;
  const body = show(tx.toString(), 2000);
  assert.equal(tx.text('PmtId/TxId'), undefined, `pacs.008 to B: no TxId, the UETR identifies the payment; ${body}`);
  assert.equal(tx.text('PmtId/UETR'), ids.uetr, `pacs.008 to B: UETR; ${body}`);
  assert.equal(tx.text('PmtId/EndToEndId'), ids.endToEndId, `pacs.008 to B: EndToEndId; ${body}`);
  assert.equal(describeFinInstnId(tx.at('CdtrAgt/FinInstnId')), b.described, `pacs.008 to B: CdtrAgt = B as it registered; ${body}`);
  assert.equal(describeFinInstnId(tx.at('DbtrAgt/FinInstnId')), a.described, `pacs.008 to B: DbtrAgt = A as it registered; ${body}`);
  assert.equal(describeFinInstnId(tx.at('InstgAgt/FinInstnId')), a.described, `pacs.008 to B: InstgAgt; ${body}`);
  assert.equal(describeFinInstnId(tx.at('InstdAgt/FinInstnId')), b.described, `pacs.008 to B: InstdAgt; ${body}`);
  assert.deepEqual(
    tx.all('RmtInf/Ustrd').map((u) => u.text()),
    remittance,
    `pacs.008 to B: the remittance information A sent; ${body}`,
  );
  assert.equal(tx.text('Purp/Cd'), 'RENT', `pacs.008 to B: the purpose A sent; ${body}`);
  const answer = await b.waitForOutbound((o) => o.kind === 'pacs.002' && o.ref === ids.uetr, ctx.T, `B's pacs.002 for ${ids.uetr}`);
  assert.ok(answer.result, `B could not answer: ${answer.error}`);
  expectAccepted(answer.result, 200, "B's pacs.002 naming the payment by OrgnlUETR only");
  const s = await bankStatus(ctx, a, ids.ref, { label: `pacs.002 ACSC for ${ids.ref} at A` });
  assert.equal(s.sts, 'ACSC', `bank A: ${show(s.m.message?.toString())}`);
  expectNamedAsSent(s.m, ids, a.version('pacs.008'), 'pacs.002 to A');
  await ctx.expectPosition(a.name, addDecimal(aBefore!, amount), 'bank A position');
  await ctx.expectPosition(b.name, subDecimal(bBefore!, amount), 'bank B position');
}

export const isoIdentityScenarios: Scenario[] = [
  {
    name: 'dialects: bank registered with a USABA routing number pays an FSPIOP wallet — FedNow-style pacs.008 (ClrSysMmbId agents, no TxId, UETR) → ACSC naming OrgnlUETR, no OrgnlTxId; duplicate; pacs.028 by UETR; positions',
    run: (ctx) => isoNamedBankPaysWallet(ctx, 'clearing'),
  },
  {
    name: 'dialects: bank registered with a BIC pays an FSPIOP wallet — no TxId, no UETR: named by its EndToEndId (a ULID towards the wallet); ACSC naming OrgnlEndToEndId; positions',
    run: (ctx) => isoNamedBankPaysWallet(ctx, 'bic'),
  },
  {
    name: 'dialects: FSPIOP wallet pays a bank registered with a USABA routing number — acmt.023 Assgne, AppHdr To and CdtrAgt name its routing number; COMMITTED; positions',
    run: (ctx) => walletPaysIsoNamedBank(ctx, 'clearing'),
  },
  {
    name: 'dialects: FSPIOP wallet pays a bank registered with a BIC — acmt.023 Assgne, AppHdr To and CdtrAgt name its BIC; COMMITTED; positions',
    run: (ctx) => walletPaysIsoNamedBank(ctx, 'bic'),
  },
  {
    name: 'dialects: bank (routing number) pays bank (BIC) without TxId — B gets it by UETR, agents as registered, remittance and purpose carried; B answers by OrgnlUETR; ACSC to A; positions',
    run: clearingBankPaysBicBank,
  },
  {
    name: 'dialects: a creditor agent named by an unknown USABA routing number → pacs.002 RJCT 3201 naming it; nothing moved',
    run: async (ctx) => {
      const bank = await isoNamedBank(ctx, 'clearing');
      const unknown = randomAbaRoutingNumber();
      const ids = paymentIdsFor('clearing');
      const [before] = await positions(ctx, bank);
      const r = await bank.pay({
        endToEndId: ids.endToEndId,
        uetr: ids.uetr,
        amount: '3',
        debtor: { type: 'MSISDN', id: ctx.newPartyId() },
        creditorAgent: { clearingSystemId: 'USABA', memberId: unknown },
        creditor: { type: 'MSISDN', id: ctx.newPartyId() },
      });
      expectAccepted(r, 202, 'pacs.008 to an unknown routing number');
      await expectRejected(ctx, bank, ids.ref, '3201', 'unknown creditor agent routing number');
      const s = await bankStatus(ctx, bank, ids.ref);
      assert.match(s.info, new RegExp(`ClrSysMmbId USABA/${unknown}`), `the reason names the routing number: ${s.info}`);
      expectNamedAsSent(s.m, ids, undefined, 'pacs.002 RJCT');
      await ctx.expectPosition(bank.name, before!, 'bank position after the refusal');
    },
  },
  {
    name: 'dialects: AppHdr/Fr naming an unknown USABA routing number → 400 admi.002 addressed to that routing number',
    run: async (ctx) => {
      const bank = await sharedBank(ctx);
      const unknown = { clearingSystemId: 'USABA', memberId: randomAbaRoutingNumber() };
      const r = await bank.send(statusDoc(bank), { from: unknown });
      expectAdmi002(r, ['NARR', 'DS0E'], 'unknown sender routing number');
      if (r.reject?.reason === 'NARR')
        assert.match(r.reject.description ?? '', new RegExp(`ClrSysMmbId USABA/${unknown.memberId}`), 'the admi.002 names the routing number');
      assert.equal(r.reject?.to, describeInstitution(unknown), 'the admi.002 is addressed to the sender as it named itself');
    },
  },
  {
    name: 'dialects: Admin API isoIdentifiers — BIC pattern, ABA check digit, uniqueness across participants (3003), shown on the participant, cleared with {}',
    run: async (ctx) => {
      const routing = randomAbaRoutingNumber();
      const bic = `${randomBic()}XXX`;
      const [a, b] = await Promise.all([ctx.newBank({ prefix: 'ida' }), ctx.newBank({ prefix: 'idb' })]);
      const bad = [
        [{ bicfi: 'not-a-bic' }, '3101', /bicfi/],
        [
          { clearingSystemMemberIds: [{ clearingSystemId: 'USABA', memberId: routing.slice(0, 8) + String((Number(routing[8]) + 1) % 10) }] },
          '3101',
          /ABA routing number/,
        ],
        [{ clearingSystemMemberIds: [{ clearingSystemId: 'usaba', memberId: routing }] }, '3101', /clearingSystemId/],
        [{ bicfi: bic, extra: 1 }, '3103', /extra/],
      ] as const;
      for (const [body, code, text] of bad) {
        const res = await ctx.admin.setIsoIdentifiers(a.name, body);
        assert.equal(res.status, 400, `PUT isoIdentifiers ${JSON.stringify(body)}: ${res.status} ${res.rawBody}`);
        assert.equal(res.body?.errorInformation?.errorCode, code, `${JSON.stringify(body)}: ${res.rawBody}`);
        assert.match(wholeErrorText(res.body), text, res.rawBody);
      }
      const ids = { bicfi: bic, clearingSystemMemberIds: [{ clearingSystemId: 'USABA', memberId: routing }] };
      const ok = await ctx.admin.setIsoIdentifiers(a.name, ids);
      assert.equal(ok.status, 200, ok.rawBody);
      assert.deepEqual(ok.body, ids, 'PUT answers the identifiers stored');
      assert.deepEqual((await ctx.admin.getIsoIdentifiers(a.name)).body, ids, 'GET isoIdentifiers');
      assert.deepEqual((await ctx.admin.getParticipant(a.name)).isoIdentifiers, ids, 'GET /participants/{name} shows them');
      for (const taken of [{ bicfi: bic.slice(0, 8) }, { clearingSystemMemberIds: [{ clearingSystemId: 'USABA', memberId: routing }] }]) {
        const dup = await ctx.admin.setIsoIdentifiers(b.name, taken);
        assert.equal(dup.status, 400, `a second owner of ${JSON.stringify(taken)}: ${dup.status} ${dup.rawBody}`);
        assert.equal(dup.body?.errorInformation?.errorCode, '3003', dup.rawBody);
        assert.match(wholeErrorText(dup.body), new RegExp(`already registered to participant ${a.name}`), dup.rawBody);
      }
      const none = await ctx.admin.getIsoIdentifiers(`nobody${ulid().slice(-6).toLowerCase()}`);
      assert.equal(none.body?.errorInformation?.errorCode, '3200', none.rawBody);
      const cleared = await ctx.admin.setIsoIdentifiers(a.name, {});
      assert.deepEqual(cleared.body, { clearingSystemMemberIds: [] }, cleared.rawBody);
      assert.equal((await ctx.admin.getParticipant(a.name)).isoIdentifiers, undefined, 'no isoIdentifiers member once cleared');
      const reuse = await ctx.admin.setIsoIdentifiers(b.name, ids);
      assert.equal(reuse.status, 200, `a cleared identifier can be registered by another participant: ${reuse.rawBody}`);
    },
  },
];

// ---- settlement reports to banks (docs/settlement-banks.md): camt.054, camt.052, camt.053 -------------------------

/** The camt version of the bank's profile (.08 in iso-2019, .14 in iso-2026). */
const camtVersion = (bank: BankSimulator, kind: 'camt.052' | 'camt.053' | 'camt.054') => `${kind}.001.${bank.profile === 'iso-2026' ? '14' : '08'}`;

/** The next `kind` report at the bank whose one section passes `match`; checks the envelope and returns that section. */
async function camtAt(
  ctx: SuiteContext,
  bank: BankSimulator,
  kind: 'camt.052' | 'camt.053' | 'camt.054',
  match: (s: CamtSection) => boolean,
  label: string,
  since = 0,
): Promise<{ m: BankMessage; section: CamtSection }> {
  const m = await bank.waitFor((x) => x.kind === kind && camtSections(x).some(match), ctx.T, { since, label });
  assert.equal(m.version, camtVersion(bank, kind), `${label}: the version of the bank's profile`);
  assert.equal(m.from, ctx.hubDescribed, `${label}: AppHdr/Fr is the hub`);
  assert.equal(m.to, bank.described, `${label}: AppHdr/To is the bank as it registered`);
  if (m.signature) assert.ok(m.signature.ok, `${label}: hub XML signature: ${m.signature.detail}`);
  return { m, section: camtSections(m).find(match)! };
}

/** The transfer id a camt entry names (a lower-case UUID v4 travels as the UETR, other ids as the TxId). */
const entryTransfer = (e: CamtEntry | undefined) => e?.uetr ?? e?.txId;

/** The camt.054 entry the bank got for a funds movement `transferId` of kind `code`, with its checks. */
async function fundsEntry(
  ctx: SuiteContext,
  bank: BankSimulator,
  transferId: string,
  code: string,
  expected: { amount: string; side: 'CRDT' | 'DBIT'; status: 'BOOK' | 'INFO'; reversal?: boolean },
  since: number,
): Promise<CamtEntry> {
  const label = `camt.054 ${code} for ${transferId}`;
  const { section } = await camtAt(ctx, bank, 'camt.054', (s) => s.entries.some((e) => e.code === code && entryTransfer(e) === transferId), label, since);
  assert.equal(section.account, `${ctx.currency}/SETTLEMENT`, `${label}: Acct/Id/Othr/Id`);
  assert.equal(section.name, `${bank.name}/${ctx.currency}/SETTLEMENT`, `${label}: Acct/Nm`);
  assert.equal(section.currency, ctx.currency, `${label}: Acct/Ccy`);
  assert.equal(section.entries.length, 1, `${label}: one entry per movement`);
  const e = section.entries[0]!;
  assert.ok(decimalEquals(e.amount, expected.amount), `${label}: Amt ${e.amount}, expected ${expected.amount}`);
  assert.equal(e.currency, ctx.currency, `${label}: Amt/@Ccy`);
  assert.deepEqual([e.side, e.status, e.reversal, e.issuer], [expected.side, expected.status, expected.reversal ?? false, 'MIZANI'], `${label}: ${show(e)}`);
  assert.ok(e.bookedAt && !Number.isNaN(Date.parse(e.bookedAt)), `${label}: BookgDt/DtTm ${e.bookedAt}`);
  return e;
}

async function fundsOut(ctx: SuiteContext, bank: BankSimulator, accountId: number | string, amount: string, end: 'commit' | 'abort' | undefined) {
  const transferId = randomUUID();
  const path = `/participants/${bank.name}/accounts/${accountId}`;
  const body = {
    transferId,
    externalReference: 'payout',
    action: 'recordFundsOutPrepareReserve',
    reason: 'to the bank',
    amount: { amount, currency: ctx.currency },
  };
  const r = await ctx.admin.call('POST', path, body);
  assert.equal(r.status, 202, `funds-out reserve ${amount}: ${r.status} ${r.rawBody}`);
  if (end) {
    const action = end === 'commit' ? 'recordFundsOutCommit' : 'recordFundsOutAbort';
    const f = await ctx.admin.call('PUT', `${path}/transfers/${transferId}`, { action, reason: end });
    assert.equal(f.status, 202, `funds-out ${end}: ${f.status} ${f.rawBody}`);
  }
  return transferId;
}

/** The bank's SETTLEMENT and POSITION values as the Admin API shows them (ledger sign). */
async function adminValues(ctx: SuiteContext, bank: BankSimulator): Promise<{ settlement: string; position: string; settlementId: number | string }> {
  const accounts = await ctx.admin.getAccounts(bank.name);
  const of = (type: string) => accounts.find((a) => a.ledgerAccountType === type && a.currency === ctx.currency)!;
  return {
    settlement: normalizeDecimal(of('SETTLEMENT').value as string),
    position: normalizeDecimal(of('POSITION').value as string),
    settlementId: of('SETTLEMENT').id,
  };
}

async function bankGetsFundsAndIntradayReports(ctx: SuiteContext): Promise<void> {
  const bank = await ctx.newBank({ fundsIn: '0' });
  const { wallet, party } = await walletWithParty(ctx);
  const { settlementId } = await adminValues(ctx, bank);
  const since = bank.mark();
  const inId = await ctx.admin.recordFundsIn(bank.name, settlementId, '250.75', ctx.currency);
  const credited = await fundsEntry(ctx, bank, inId, 'FUNDS_IN', { amount: '250.75', side: 'CRDT', status: 'BOOK' }, since);
  assert.match(credited.info ?? '', new RegExp(`CRDT 250\\.75 ${ctx.currency}$`), `camt.054 FUNDS_IN: the balance after it; ${show(credited)}`);
  // A payment makes the position non-zero: the available liquidity is then less than the deposit.
  const txId = ulid();
  const paid = await bank.pay({ txId, amount: '20', debtor: { type: 'MSISDN', id: ctx.newPartyId() }, creditorAgent: null, creditor: xmlParty(party) });
  expectAccepted(paid, 202, 'pacs.008 bank → wallet');
  await walletSideOfBankPayment(ctx, bank, wallet, party, txId, '20');
  assert.equal((await bankStatus(ctx, bank, txId)).sts, 'ACSC');
  const out = await fundsOut(ctx, bank, settlementId, '100', 'commit');
  await fundsEntry(ctx, bank, out, 'FUNDS_OUT_RESERVE', { amount: '100', side: 'DBIT', status: 'BOOK' }, since);
  await fundsEntry(ctx, bank, out, 'FUNDS_OUT_COMMIT', { amount: '100', side: 'DBIT', status: 'INFO' }, since);
  const back = await fundsOut(ctx, bank, settlementId, '10', 'abort');
  await fundsEntry(ctx, bank, back, 'FUNDS_OUT_RESERVE', { amount: '10', side: 'DBIT', status: 'BOOK' }, since);
  await fundsEntry(ctx, bank, back, 'FUNDS_OUT_ABORT', { amount: '10', side: 'CRDT', status: 'BOOK', reversal: true }, since);
  const order = bank.find((m) => m.kind === 'camt.054', since).map((m) => camtSections(m)[0]?.entries[0]?.code);
  assert.deepEqual(order, ['FUNDS_IN', 'FUNDS_OUT_RESERVE', 'FUNDS_OUT_COMMIT', 'FUNDS_OUT_RESERVE', 'FUNDS_OUT_ABORT'], 'camt.054s in booking order');
  await intradayMatchesAdmin(ctx, bank, wallet);
}

/** An on-request camt.052: its balances are the Admin API's account values, ITAV = −SETTLEMENT − POSITION. */
async function intradayMatchesAdmin(ctx: SuiteContext, bank: BankSimulator, wallet: DfspSimulator): Promise<void> {
  const values = await adminValues(ctx, bank);
  assert.ok(decimalEquals(values.settlement, '-150.75') && decimalEquals(values.position, '20'), `Admin API values: ${show(values)}`);
  const since = bank.mark();
  const asked = await ctx.admin.call('POST', `/participants/${bank.name}/intradayReports`, { currency: ctx.currency });
  assert.equal(asked.status, 202, `POST /participants/${bank.name}/intradayReports: ${asked.status} ${asked.rawBody}`);
  const { m } = await camtAt(ctx, bank, 'camt.052', (s) => s.account === `${ctx.currency}/SETTLEMENT`, 'camt.052 on request', since);
  const balance = (account: string, type: string) => {
    const b = camtSections(m)
      .find((s) => s.account === `${ctx.currency}/${account}`)
      ?.balances.find((x) => x.type === type);
    assert.ok(b, `camt.052: ${account} ${type}; ${show(camtSections(m))}`);
    assert.equal(b.currency, ctx.currency);
    return signedFromBank(b);
  };
  assert.ok(decimalEquals(balance('SETTLEMENT', 'ITBD'), negateDecimal(values.settlement)), 'camt.052 SETTLEMENT ITBD = −SETTLEMENT value');
  assert.ok(decimalEquals(balance('POSITION', 'ITBD'), negateDecimal(values.position)), 'camt.052 POSITION ITBD = −position');
  const available = subDecimal(negateDecimal(values.settlement), values.position);
  assert.ok(decimalEquals(balance('SETTLEMENT', 'ITAV'), available), `camt.052 ITAV = −SETTLEMENT − POSITION = ${available}`);
  assert.ok(decimalEquals(available, '130.75'));
  const refused = await ctx.admin.call('POST', `/participants/${wallet.name}/intradayReports`, {});
  assert.equal(refused.status, 400, `an FSPIOP wallet gets no camt.052: ${refused.rawBody}`);
  assert.equal(refused.body?.errorInformation?.errorCode, '3100', refused.rawBody);
  const elsewhere = await ctx.admin.call('POST', `/participants/${bank.name}/intradayReports`, { currency: ctx.currency === 'EUR' ? 'GBP' : 'EUR' });
  assert.equal(elsewhere.status, 400, `a currency the bank holds no account in: ${elsewhere.rawBody}`);
}

export const settlementReportScenarios: Scenario[] = [
  {
    name: 'dialects: bank gets camt.054 for funds in and out (CRDT / DBIT / INFO commit / reversed abort), in booking order, and an on-request camt.052 matching the Admin API',
    run: bankGetsFundsAndIntradayReports,
  },
];

// ---- settlement reports during a settlement (runs once the hub serves /v2) -----------------------------------------

/** The camt.054 of a bank's settlement movement, and the camt.053 of its settled position account. */
async function settlementReportsAt(ctx: SuiteContext, bank: BankSimulator, st: SettlementView, window: number, net: string, since: number): Promise<void> {
  const role = decimalEquals(net, '0') ? 'SETTLEMENT_NET_ZERO' : net.startsWith('-') ? 'SETTLEMENT_NET_RECIPIENT' : 'SETTLEMENT_NET_SENDER';
  const ids = (e: CamtEntry) => e.refs.map((r) => `${r.type}=${r.ref}`);
  const refsOk = (e: CamtEntry) => ids(e).includes(`MIZANI_SETTLEMENT_ID=${st.id}`) && ids(e).includes(`MIZANI_SETTLEMENT_WINDOW_ID=${window}`);
  const label = `camt.054 ${role} of ${bank.name}`;
  const moved = await camtAt(ctx, bank, 'camt.054', (s) => s.entries.some((e) => e.code === role && refsOk(e)), label, since);
  assert.equal(moved.section.account, `${ctx.currency}/POSITION`, `${label}: the position account`);
  const e = moved.section.entries[0]!;
  // The reset moves the position by −net: in the bank's favour for a net sender (its debt is discharged).
  assert.ok(decimalEquals(signedFromBank(e), net), `${label}: ${e.side} ${e.amount} for a net of ${net}`);
  const stmtLabel = `camt.053 of ${bank.name} for settlement ${st.id}`;
  const stmt = await camtAt(ctx, bank, 'camt.053', (s) => s.entries.some((x) => x.code === 'WINDOW_NET' && x.ref === String(window)), stmtLabel, since);
  const s = stmt.section;
  assert.equal(s.account, `${ctx.currency}/POSITION`, stmtLabel);
  assert.deepEqual(
    s.balances.map((b) => b.type),
    ['OPBD', 'CLBD'],
    `${stmtLabel}: opening and closing booked balances`,
  );
  assert.ok(s.period?.from && s.period.to, `${stmtLabel}: FrToDt covers the windows`);
  const w = s.entries.find((x) => x.ref === String(window))!;
  assert.ok(decimalEquals(signedFromBank(w), negateDecimal(net)), `${stmtLabel}: the window's net ${net} (+ = owes) as ${w.side} ${w.amount}`);
  assert.equal(s.summary?.count, String(s.entries.length), `${stmtLabel}: TxsSummry`);
}

async function banksGetSettlementReports(ctx: SuiteContext): Promise<void> {
  const s = new SettlementClient(ctx.admin);
  await s.closeOpenWindow('conformance: start from an empty window');
  const window = (await s.openWindow()).settlementWindowId;
  const { a, b } = await bankPaysBank(ctx);
  const marks = [a.mark(), b.mark()];
  const closed = await s.close(window, 'conformance');
  assert.equal(closed.status, 200, `closing window ${window}: ${closed.rawBody}`);
  const created = await s.create('DEFAULTDEFERREDNET', [window], 'conformance');
  assert.equal(created.status, 200, `POST /v2/settlements: ${created.rawBody}`);
  let st = created.body as SettlementView;
  for (const state of ACCOUNT_STEPS) {
    const r = await s.stepAll(st, state, `conformance: ${state}`);
    assert.equal(r.status, 200, `PUT /v2/settlements/${st.id} → ${state}: ${r.rawBody}`);
    st = await s.settlement(st.id);
  }
  assert.equal(st.state, 'SETTLED', show(st));
  const nets = netsOf(st);
  for (const [i, bank] of [a, b].entries()) {
    const position = await ctx.admin.getAccount(bank.name, 'POSITION', ctx.currency);
    const net = nets.get(Number(position.id))?.amount;
    assert.ok(net !== undefined, `${bank.name}'s position account ${position.id} is in settlement ${st.id}: ${show(st.participants)}`);
    assert.ok(decimalEquals(net, i === 0 ? '99.99' : '-99.99'), `net of ${bank.name}: ${net}`);
    await settlementReportsAt(ctx, bank, st, window, net, marks[i]!);
  }
}

/** Registered in conformance/scenarios/settlement.ts: it needs a settlement, so it runs alone, after the others. */
export const bankSettlementScenario: Scenario = {
  name: 'settlement: bank — camt.054 for each settlement movement (net sender CRDT, net recipient DBIT) and a camt.053 at SETTLED with the window nets',
  exclusive: true,
  run: banksGetSettlementReports,
};

export const dialectScenarios: Scenario[] = [
  ...flowScenarios,
  ...statusScenarios,
  ...admiScenarios,
  ...exactnessScenarios,
  ...isoIdentityScenarios,
  ...settlementReportScenarios,
];
