// Account lookup (ALS /participants), the oracle registry (/oracles on the admin port) and party discovery
// (/parties), written from fspiop.md §3–7, §11, §14, admin.md §2–3 and docs/discovery.md (row by row).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { assertErrorInformation, assertForwarded, expectStatus, expectSyncError } from '../lib/checks.js';
import type { SuiteContext } from '../lib/context.js';
import type { DfspSimulator, RecordedRequest } from '../lib/dfsp.js';
import {
  deleteParticipant,
  describeParty,
  discoverParty,
  expectErrorCallback,
  expectFromHub,
  expectNoOwner,
  expectOwner,
  expectSuccessCallback,
  lookupParticipant,
  partyIdInfo,
  partyPath,
  payeePartyAnswer,
  registerBatch,
  registerParty,
  registerPartyOk,
  waitPartiesGet,
  type PartyRef,
} from '../lib/flows.js';
import { OracleAdminClient, TestOracle, type OracleAdminResponse, type OracleView } from '../lib/oracle.js';
import type { Scenario } from '../lib/scenario.js';
import { pollUntil, randomDigits, randomName, show } from '../lib/util.js';

const msisdn = (ctx: SuiteContext, subId?: string): PartyRef => ({ type: 'MSISDN', id: ctx.newPartyId(), ...(subId ? { subId } : {}) });

/** The simulator holds the party (answers GET /parties for it). */
function hold(sim: DfspSimulator, p: PartyRef, extra: { firstName?: string; lastName?: string; name?: string } = {}): void {
  sim.addParty({
    partyIdType: p.type,
    partyIdentifier: p.id,
    partySubIdOrType: p.subId,
    firstName: extra.firstName ?? 'Mary',
    lastName: extra.lastName ?? 'Jones',
    name: extra.name,
  });
}

/** A participant that exists but is inactive. */
function inactiveDfsp(ctx: SuiteContext): Promise<DfspSimulator> {
  return ctx.once('inactive-dfsp', async () => {
    const d = await ctx.newDfsp({ prefix: 'ina' });
    await ctx.admin.setParticipantActive(d.name, false);
    return d;
  });
}

/** A participant whose registered callback endpoints all point at a closed port. */
function unreachableDfsp(ctx: SuiteContext): Promise<DfspSimulator> {
  return ctx.once('unreachable-dfsp', async () => ctx.newDfsp({ prefix: 'dwn', callbackBase: await ctx.closedPortUrl() }));
}

function oracleAdmin(ctx: SuiteContext): OracleAdminClient {
  return new OracleAdminClient(ctx.opts.adminUrl, { timeoutMs: ctx.T, token: ctx.opts.adminToken });
}

function expectAdminStatus(r: OracleAdminResponse, status: number, what: string): void {
  assert.equal(r.status, status, `${what}: expected HTTP ${status}, got HTTP ${r.status} ${show(r.rawBody, 600)}`);
}

function expectAdminError(r: OracleAdminResponse, status: number, code: string, what: string, description?: RegExp): void {
  expectAdminStatus(r, status, what);
  assertErrorInformation(r.body, code, `${what} → HTTP ${r.status} ${show(r.rawBody, 400)}`, { description });
}

const describeOracles = (list: OracleView[]) =>
  show(
    list.map((o) => ({ id: o.oracleId, type: o.oracleIdType, url: o.endpoint?.value, currency: o.currency, isDefault: o.isDefault })),
    800,
  );

/** The partyList entry of a registration callback for `p`. */
function partyListEntry(cb: RecordedRequest, p: PartyRef): Record<string, unknown> {
  const list = cb.body?.partyList;
  assert.ok(Array.isArray(list) && list.length > 0, `registration callback must carry a non-empty partyList; got ${show(cb.bodyText)}`);
  const e = list.find((x: any) => x?.partyIdentifier === p.id);
  assert.ok(e, `registration callback partyList has no entry for ${describeParty(p)}: ${show(cb.bodyText)}`);
  return e;
}

/** A hub-authored error callback with `code` at `sim`. */
function expectHubErrorCallback(ctx: SuiteContext, cb: RecordedRequest, sim: DfspSimulator, code: string, what: string, description?: RegExp): void {
  expectErrorCallback(cb, code, what, { description });
  expectFromHub(ctx, cb, sim);
}

// ---- ALS ---------------------------------------------------------------------------------------------------------

const alsScenarios: Scenario[] = [
  {
    name: 'als: register a party → PUT /participants/{Type}/{ID} with partyList and currency; lookup by another FSP → its fspId',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const p = msisdn(ctx);
      const { res, cb } = await registerParty(ctx, payee, p);
      assert.equal(res.rawBody, '', `202 to POST /participants must have no body, got ${show(res.rawBody)}`);
      expectSuccessCallback(cb, `registration of ${describeParty(p)}`);
      const e = partyListEntry(cb, p);
      assert.equal(e.partyIdType, 'MSISDN', `partyList entry partyIdType; body ${show(cb.bodyText)}`);
      assert.equal(e.fspId, payee.name, `partyList entry fspId; body ${show(cb.bodyText)}`);
      assert.equal(e.partySubIdOrType, undefined, `partyList entry must have no partySubIdOrType; body ${show(cb.bodyText)}`);
      assert.equal(cb.body?.currency, ctx.currency, `registration callback currency; body ${show(cb.bodyText)}`);
      await expectOwner(ctx, payer, p, payee.name);
      await expectOwner(ctx, payee, p, payee.name);
    },
  },
  {
    name: 'als: lookup with ?currency= finds the party registered in that currency',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const p = msisdn(ctx);
      await registerPartyOk(ctx, payee, p);
      await expectOwner(ctx, payer, p, payee.name, { currency: ctx.currency });
    },
  },
  {
    name: 'als: lookup of an unknown party → PUT /participants/{Type}/{ID}/error 3204 from the hub',
    run: async (ctx) => {
      const { payer } = await ctx.shared();
      const cb = await expectNoOwner(ctx, payer, msisdn(ctx));
      expectFromHub(ctx, cb, payer);
    },
  },
  {
    name: 'als: delete by the owner → PUT {fspId: owner}; lookup afterwards → 3204',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const p = msisdn(ctx);
      await registerPartyOk(ctx, payee, p);
      await expectOwner(ctx, payer, p, payee.name);
      const { cb } = await deleteParticipant(ctx, payee, p);
      expectSuccessCallback(cb, `deletion of ${describeParty(p)} by its owner`);
      assert.equal(cb.body?.fspId, payee.name, `deletion callback must be {fspId: <requester>}; body ${show(cb.bodyText)}`);
      await expectNoOwner(ctx, payer, p);
    },
  },
  {
    name: 'als: delete by a non-owner → 3040 to the requester; the party stays registered',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const p = msisdn(ctx);
      await registerPartyOk(ctx, payee, p);
      const { cb } = await deleteParticipant(ctx, payer, p);
      expectHubErrorCallback(ctx, cb, payer, '3040', `deletion of ${describeParty(p)} by ${payer.name} (not its owner)`);
      await expectOwner(ctx, payer, p, payee.name);
    },
  },
  {
    name: 'als: delete of an unknown party → 3204',
    run: async (ctx) => {
      const { payee } = await ctx.shared();
      const p = msisdn(ctx);
      const { cb } = await deleteParticipant(ctx, payee, p);
      expectHubErrorCallback(ctx, cb, payee, '3204', `deletion of unknown ${describeParty(p)}`);
    },
  },
  {
    name: 'als: registration naming another fspId → 3100 to the requester; nothing registered',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const p = msisdn(ctx);
      const { cb } = await registerParty(ctx, payer, p, { fspId: payee.name });
      expectHubErrorCallback(ctx, cb, payer, '3100', `registration by ${payer.name} of a party for ${payee.name}`);
      await expectNoOwner(ctx, payer, p);
    },
  },
  {
    name: 'als: re-registration by another FSP → 3003 "party already registered to <fsp>"; owner unchanged',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const p = msisdn(ctx);
      await registerPartyOk(ctx, payee, p);
      const { cb } = await registerParty(ctx, payer, p);
      expectHubErrorCallback(
        ctx,
        cb,
        payer,
        '3003',
        `registration by ${payer.name} of a party of ${payee.name}`,
        new RegExp(`already registered to ${payee.name}`),
      );
      await expectOwner(ctx, payer, p, payee.name);
    },
  },
  {
    name: 'als: re-registration by the owner is idempotent (PUT again, owner unchanged)',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const p = msisdn(ctx);
      await registerPartyOk(ctx, payee, p);
      const { cb } = await registerPartyOk(ctx, payee, p);
      assert.equal(partyListEntry(cb, p).fspId, payee.name, `second registration callback; body ${show(cb.bodyText)}`);
      await expectOwner(ctx, payer, p, payee.name);
    },
  },
  {
    name: 'als: sub-id variants are separate entries (register, lookup, delete with /{SubId})',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const plain = msisdn(ctx);
      const sub: PartyRef = { ...plain, subId: 'SAVINGS' };
      const { cb } = await registerPartyOk(ctx, payee, sub);
      assert.equal(partyListEntry(cb, sub).partySubIdOrType, 'SAVINGS', `registration callback partySubIdOrType; body ${show(cb.bodyText)}`);
      await expectOwner(ctx, payer, sub, payee.name);
      // without a sub-id only entries without one match
      await expectNoOwner(ctx, payer, plain);
      // the plain id is a different entry: another FSP may register it
      await registerPartyOk(ctx, payer, plain);
      await expectOwner(ctx, payee, plain, payer.name);
      await expectOwner(ctx, payer, sub, payee.name);
      const del = await deleteParticipant(ctx, payee, sub, { currency: ctx.currency });
      expectSuccessCallback(del.cb, `deletion of ${describeParty(sub)} (?currency=) by its owner`);
      await expectNoOwner(ctx, payer, sub);
      await expectOwner(ctx, payee, plain, payer.name);
    },
  },
  {
    name: 'als: batch POST /participants with an own and a foreign party → PUT /participants/{requestId}: own registered, foreign 3100',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const own = msisdn(ctx);
      const foreign = msisdn(ctx);
      const { cb, requestId } = await registerBatch(ctx, payee, [partyIdInfo(own, payee.name), partyIdInfo(foreign, payer.name)]);
      expectSuccessCallback(cb, `batch registration ${requestId}`);
      const list = cb.body?.partyList;
      assert.ok(Array.isArray(list) && list.length === 2, `batch callback partyList must have 2 entries; body ${show(cb.bodyText)}`);
      const entry = (p: PartyRef) => list.find((x: any) => x?.partyId?.partyIdentifier === p.id);
      const ownEntry = entry(own);
      const foreignEntry = entry(foreign);
      assert.ok(ownEntry, `batch callback: no entry with partyId for ${describeParty(own)}; body ${show(cb.bodyText)}`);
      assert.ok(foreignEntry, `batch callback: no entry with partyId for ${describeParty(foreign)}; body ${show(cb.bodyText)}`);
      assert.equal(ownEntry.errorInformation, undefined, `batch callback: own party must have no errorInformation; body ${show(cb.bodyText)}`);
      assertErrorInformation(foreignEntry, '3100', `batch callback entry for the foreign party ${describeParty(foreign)}`);
      assert.equal(cb.body?.currency, ctx.currency, `batch callback currency; body ${show(cb.bodyText)}`);
      await expectOwner(ctx, payer, own, payee.name);
      await expectNoOwner(ctx, payer, foreign);
    },
  },
  {
    name: 'als: invalid {Type} → sync 400/3101 (GET and POST /participants, GET /parties)',
    run: async (ctx) => {
      const { payer } = await ctx.shared();
      const id = ctx.newPartyId();
      expectSyncError(await payer.send({ method: 'GET', path: `/participants/NOT_A_TYPE/${id}` }), 400, '3101');
      expectSyncError(
        await payer.send({ method: 'POST', path: `/participants/NOT_A_TYPE/${id}`, body: { fspId: payer.name, currency: ctx.currency } }),
        400,
        '3101',
      );
      expectSyncError(await payer.send({ method: 'GET', path: `/parties/NOT_A_TYPE/${id}` }), 400, '3101');
    },
  },
  {
    name: 'als: unknown FSPIOP-Source → sync 400/3200; inactive source → sync 400/3100; nothing registered',
    run: async (ctx) => {
      const { payer } = await ctx.shared();
      const ghost = await ctx.newName('ghost'); // a source: secured runs need a certificate naming it
      const p = msisdn(ctx);
      const path = partyPath('participants', p);
      expectSyncError(await ctx.send({ method: 'POST', path, version: '1.1', source: ghost, body: { fspId: ghost, currency: ctx.currency } }), 400, '3200');
      expectSyncError(await ctx.send({ method: 'GET', path, version: '1.1', source: ghost }), 400, '3200');
      const inactive = await inactiveDfsp(ctx);
      expectSyncError(await inactive.send({ method: 'POST', path, body: { fspId: inactive.name, currency: ctx.currency } }), 400, '3100');
      expectSyncError(await inactive.send({ method: 'GET', path }), 400, '3100');
      await expectNoOwner(ctx, payer, p);
    },
  },
];

// ---- oracle registry (admin port) --------------------------------------------------------------------------------

const CRUD_MARKER = '/conformance-oracle-crud';
const EXT_MARKER = '/conformance-oracle-ext';
const VALIDATION_MARKER = '/conformance-oracle-val';
/** Types reserved to the oracle scenarios: no other scenario uses them. */
const CRUD_TYPE = 'IBAN';
const EXT_TYPE = 'BUSINESS';

async function requireFreeType(oa: OracleAdminClient, type: string, marker: string): Promise<void> {
  await oa.removeStale(marker);
  const others = await oa.list({ type });
  assert.equal(
    others.length,
    0,
    `an oracle for ${type} is already registered on this hub (not by this suite): ${describeOracles(others)}; this scenario needs ${type} free`,
  );
}

const oracleScenarios: Scenario[] = [
  {
    name: 'oracles: POST /oracles 201, GET lists it, PUT /oracles/{ID} 204 changes it, DELETE 204 removes it',
    run: async (ctx) => {
      const oa = oracleAdmin(ctx);
      await requireFreeType(oa, CRUD_TYPE, CRUD_MARKER);
      const base = `http://127.0.0.1:9${CRUD_MARKER}/${randomName('o')}`;
      const url1 = `${base}/one`;
      const url2 = `${base}/two`;
      try {
        const created = await oa.call('POST', '/oracles', {
          oracleIdType: CRUD_TYPE,
          endpoint: { value: url1, endpointType: 'URL' },
          currency: ctx.currency,
          isDefault: true,
        });
        expectAdminStatus(created, 201, 'POST /oracles');
        const typed = await oa.list({ type: CRUD_TYPE });
        const mine = typed.find((o) => o.endpoint?.value === url1);
        assert.ok(mine, `GET /oracles?type=${CRUD_TYPE} should list the new oracle (${url1}); got ${describeOracles(typed)}`);
        assert.ok(mine.oracleId !== undefined && mine.oracleId !== null, `listed oracle must carry an oracleId: ${show(mine)}`);
        assert.equal(mine.oracleIdType, CRUD_TYPE, `listed oracle oracleIdType: ${show(mine)}`);
        assert.equal(mine.endpoint?.endpointType, 'URL', `listed oracle endpoint.endpointType: ${show(mine)}`);
        assert.equal(mine.currency, ctx.currency, `listed oracle currency: ${show(mine)}`);
        assert.equal(mine.isDefault, true, `listed oracle isDefault: ${show(mine)}`);
        const all = await oa.list();
        assert.ok(
          all.some((o) => o.endpoint?.value === url1),
          `GET /oracles (no filter) should list it too; got ${describeOracles(all)}`,
        );

        const id = String(mine.oracleId);
        const updated = await oa.call('PUT', `/oracles/${encodeURIComponent(id)}`, {
          oracleIdType: CRUD_TYPE,
          endpoint: { value: url2, endpointType: 'URL' },
          currency: ctx.currency,
          isDefault: true,
        });
        expectAdminStatus(updated, 204, `PUT /oracles/${id}`);
        const after = await oa.list({ type: CRUD_TYPE });
        const changed = after.find((o) => String(o.oracleId) === id);
        assert.ok(changed, `after PUT the oracle ${id} should still be listed; got ${describeOracles(after)}`);
        assert.equal(changed.endpoint?.value, url2, `after PUT the endpoint should be the new one: ${show(changed)}`);

        const deleted = await oa.remove(id);
        expectAdminStatus(deleted, 204, `DELETE /oracles/${id}`);
        const gone = await oa.list({ type: CRUD_TYPE });
        assert.ok(!gone.some((o) => String(o.oracleId) === id), `after DELETE the oracle ${id} must not be listed; got ${describeOracles(gone)}`);
      } finally {
        await oa.removeStale(CRUD_MARKER).catch(() => undefined);
      }
    },
  },
  {
    name: 'oracles: missing Accept → 400/3102; missing oracleIdType / endpoint → 400/3102 naming the field',
    run: async (ctx) => {
      const oa = oracleAdmin(ctx);
      await oa.removeStale(VALIDATION_MARKER);
      // nothing may be registered by these requests; the marker lets a wrongly accepted one be cleaned up
      const value = `http://127.0.0.1:9${VALIDATION_MARKER}/${randomName('v')}`;
      try {
        const noAccept = await oa.call(
          'POST',
          '/oracles',
          { oracleIdType: CRUD_TYPE, endpoint: { value, endpointType: 'URL' }, currency: ctx.currency },
          { accept: null },
        );
        expectAdminError(noAccept, 400, '3102', 'POST /oracles without Accept', /accept/i);
        const noType = await oa.call('POST', '/oracles', { endpoint: { value, endpointType: 'URL' }, currency: ctx.currency });
        expectAdminError(noType, 400, '3102', 'POST /oracles without oracleIdType', /oracleIdType/);
        const noEndpoint = await oa.call('POST', '/oracles', { oracleIdType: CRUD_TYPE, currency: ctx.currency });
        expectAdminError(noEndpoint, 400, '3102', 'POST /oracles without endpoint', /endpoint/);
        const listed = await oa.list({ type: CRUD_TYPE });
        assert.ok(!listed.some((o) => o.endpoint?.value === value), `a refused POST /oracles must register nothing; got ${describeOracles(listed)}`);
      } finally {
        await oa.removeStale(VALIDATION_MARKER).catch(() => undefined);
      }
    },
  },
  {
    name: `oracles: an external oracle registered for ${EXT_TYPE} answers lookups, registrations and deletions of that type and routes its parties; other types stay on the built-in oracle`,
    run: async (ctx) => {
      const oa = oracleAdmin(ctx);
      await requireFreeType(oa, EXT_TYPE, EXT_MARKER);
      const { payer, payee } = await ctx.shared();
      const oracle = await new TestOracle({
        host: ctx.opts.bindHost,
        advertisedHost: ctx.opts.advertisedHost,
        prefix: `${EXT_MARKER}/${randomName('o')}`,
      }).start();
      const prefix = new URL(oracle.baseUrl).pathname;
      const onOracle = (method: string, p: PartyRef) => (r: RecordedRequest) =>
        r.method === method && r.path.split('?')[0]!.startsWith(`${prefix}/participants/${p.type}/${encodeURIComponent(p.id)}`);
      const biz: PartyRef = { type: EXT_TYPE, id: `BIZ${randomDigits(10)}` };
      hold(payee, biz, { name: 'Conformance Trading Ltd' });
      oracle.add(biz.type, biz.id, { fspId: payee.name, currency: ctx.currency });
      let created = false;
      try {
        const r = await oa.call('POST', '/oracles', { oracleIdType: EXT_TYPE, endpoint: { value: oracle.baseUrl, endpointType: 'URL' }, isDefault: true });
        expectAdminStatus(r, 201, `POST /oracles for ${EXT_TYPE} → ${oracle.baseUrl}`);
        created = true;

        // 1. GET /participants of that type is answered from the external oracle
        await expectOwner(ctx, payer, biz, payee.name);
        const q = await oracle.waitFor(onOracle('GET', biz), ctx.T, `GET ${prefix}/participants/${describeParty(biz)} from the hub`);
        assert.equal(
          q.headers['fspiop-source'],
          payer.name,
          `hub → oracle GET: FSPIOP-Source should be the requester (fspiop.md §11); headers ${show(q.headers)}`,
        );

        // 2. GET /parties of that type goes to the FSP the oracle names
        const since = payee.mark();
        const { cb } = await discoverParty(ctx, payer, biz);
        expectSuccessCallback(cb, `discovery of ${describeParty(biz)} through the external oracle`);
        assert.equal(cb.headers['fspiop-source'], payee.name, `the party answer should come from ${payee.name}; ${show(cb.headers)}`);
        const fwd = await waitPartiesGet(ctx, payee, biz, { since });
        assert.equal(fwd.headers['fspiop-destination'], payee.name, 'forwarded GET /parties: FSPIOP-Destination = the FSP the oracle named');

        // 3. a registration of that type is stored in the external oracle
        const biz2: PartyRef = { type: EXT_TYPE, id: `BIZ${randomDigits(10)}` };
        await registerPartyOk(ctx, payee, biz2);
        const post = await oracle.waitFor(onOracle('POST', biz2), ctx.T, `POST ${prefix}/participants/${describeParty(biz2)} from the hub`);
        assert.equal(post.body?.fspId, payee.name, `hub → oracle POST body fspId; body ${show(post.bodyText)}`);
        await expectOwner(ctx, payer, biz2, payee.name);

        // 4. ... and so is its deletion
        const del = await deleteParticipant(ctx, payee, biz2);
        expectSuccessCallback(del.cb, `deletion of ${describeParty(biz2)} through the external oracle`);
        await oracle.waitFor(onOracle('DELETE', biz2), ctx.T, `DELETE ${prefix}/participants/${describeParty(biz2)} from the hub`);
        assert.equal(oracle.lookup(biz2.type, biz2.id).length, 0, `the external oracle should hold no entry for ${describeParty(biz2)} after the deletion`);
        await expectNoOwner(ctx, payer, biz2);

        // 5. an id the external oracle does not know → 3204
        await expectNoOwner(ctx, payer, { type: EXT_TYPE, id: `BIZ${randomDigits(10)}` });

        // 6. other types still use the built-in oracle
        const m = msisdn(ctx);
        await registerPartyOk(ctx, payee, m);
        await expectOwner(ctx, payer, m, payee.name);
        const leaked = oracle.find((x) => x.path.includes('/MSISDN/'));
        assert.equal(leaked.length, 0, `the ${EXT_TYPE} oracle must not be asked about MSISDN parties; it got:\n  ${oracle.describe()}`);
      } finally {
        if (created) {
          const mine = await oa.findByEndpoint(oracle.baseUrl).catch(() => []);
          for (const o of mine) if (o.oracleId !== undefined) await oa.remove(o.oracleId).catch(() => undefined);
        }
        await oa.removeStale(EXT_MARKER).catch(() => undefined);
        await oracle.stop();
      }
    },
  },
];

// ---- parties -------------------------------------------------------------------------------------------------------

const partiesScenarios: Scenario[] = [
  {
    name: 'parties: lookup through the oracle — payee gets the GET (Destination = payee, original headers and signature), payer gets the PUT byte for byte',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const p = msisdn(ctx);
      hold(payee, p, { firstName: 'Mary', lastName: 'Jones' });
      await registerPartyOk(ctx, payee, p);
      const trace = randomUUID();
      const since = payee.mark();
      const { res, cb } = await discoverParty(ctx, payer, p, { sign: true, headers: { 'x-conformance-trace': trace } });
      assert.equal(res.rawBody, '', `202 to GET /parties must have no body, got ${show(res.rawBody)}`);

      const fwd = await waitPartiesGet(ctx, payee, p, { since });
      assert.equal(fwd.headers['fspiop-destination'], payee.name, 'forwarded GET /parties: FSPIOP-Destination must be set to the payee');
      assert.equal(fwd.headers['fspiop-source'], payer.name, 'forwarded GET /parties: FSPIOP-Source must stay the requester');
      assertForwarded(fwd, res.request, { extraHeaders: ['x-conformance-trace'] });

      expectSuccessCallback(cb, `discovery of ${describeParty(p)}`);
      const answer = await payeePartyAnswer(ctx, payee, p);
      expectStatus(answer, 200, `payee PUT ${partyPath('parties', p)}`);
      assertForwarded(cb, answer.request);
      assert.equal(cb.headers['fspiop-destination'], payer.name, 'forwarded PUT /parties: FSPIOP-Destination');
      const party = cb.body?.party;
      assert.equal(party?.partyIdInfo?.fspId, payee.name, `party.partyIdInfo.fspId; body ${show(cb.bodyText)}`);
      assert.equal(party?.partyIdInfo?.partyIdentifier, p.id, `party.partyIdInfo.partyIdentifier; body ${show(cb.bodyText)}`);
      assert.equal(party?.name, 'Mary Jones', `party.name; body ${show(cb.bodyText)}`);
    },
  },
  {
    name: 'parties: lookup with FSPIOP-Destination goes straight to that FSP (no oracle entry needed)',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const p = msisdn(ctx);
      hold(payee, p);
      const since = payee.mark();
      const { res, cb } = await discoverParty(ctx, payer, p, { destination: payee.name });
      const fwd = await waitPartiesGet(ctx, payee, p, { since });
      assertForwarded(fwd, res.request);
      expectSuccessCallback(cb, `discovery of ${describeParty(p)} with FSPIOP-Destination`);
      assertForwarded(cb, (await payeePartyAnswer(ctx, payee, p)).request);
    },
  },
  {
    name: 'parties: sub-id lookup routes /parties/{Type}/{ID}/{SubId}; without the sub-id → 3204',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const sub = msisdn(ctx, 'WALLET');
      const plain: PartyRef = { type: sub.type, id: sub.id };
      hold(payee, sub);
      await registerPartyOk(ctx, payee, sub);
      const since = payee.mark();
      const { cb } = await discoverParty(ctx, payer, sub);
      await waitPartiesGet(ctx, payee, sub, { since });
      expectSuccessCallback(cb, `discovery of ${describeParty(sub)}`);
      assert.equal(cb.path, partyPath('parties', sub), 'the answer arrives on the sub-id path (PARTIES_SUB_ID_PUT template)');
      assert.equal(cb.body?.party?.partyIdInfo?.partySubIdOrType, 'WALLET', `party.partyIdInfo.partySubIdOrType; body ${show(cb.bodyText)}`);
      assertForwarded(cb, (await payeePartyAnswer(ctx, payee, sub)).request);

      const none = await discoverParty(ctx, payer, plain);
      expectHubErrorCallback(ctx, none.cb, payer, '3204', `discovery of ${describeParty(plain)} (only a sub-id entry exists)`);
      ctx.assertNone(payee, (r) => r.method === 'GET' && r.path.split('?')[0] === partyPath('parties', plain), `GET ${partyPath('parties', plain)}`);
    },
  },
  {
    name: 'parties: unknown party → PUT /parties/{Type}/{ID}/error 3204 "Party not found" from the hub',
    run: async (ctx) => {
      const { payer } = await ctx.shared();
      const p = msisdn(ctx);
      const { cb } = await discoverParty(ctx, payer, p);
      expectHubErrorCallback(ctx, cb, payer, '3204', `discovery of unknown ${describeParty(p)}`);
    },
  },
  {
    name: 'parties: the payee answers 3204 → its PUT /parties/.../error is forwarded to the payer byte for byte',
    run: async (ctx) => {
      const { payer, payee } = await ctx.shared();
      const p = msisdn(ctx);
      payee.addParty({ partyIdType: p.type, partyIdentifier: p.id, lookup: { kind: 'error', errorCode: '3204', errorDescription: 'Party not found' } });
      await registerPartyOk(ctx, payee, p);
      const { cb } = await discoverParty(ctx, payer, p);
      expectErrorCallback(cb, '3204', `discovery of ${describeParty(p)} (payee answers 3204)`);
      assert.equal(
        cb.headers['fspiop-source'],
        payee.name,
        `the error must be the payee's, forwarded (FSPIOP-Source ${payee.name}); headers ${show(cb.headers)}`,
      );
      assertForwarded(cb, (await payeePartyAnswer(ctx, payee, p)).request);
    },
  },
  {
    name: 'parties: FSPIOP-Destination is not a participant → 3201 from the hub',
    run: async (ctx) => {
      const { payer } = await ctx.shared();
      const p = msisdn(ctx);
      const { cb } = await discoverParty(ctx, payer, p, { destination: `ghost${randomUUID().slice(0, 8)}` });
      expectHubErrorCallback(ctx, cb, payer, '3201', `discovery of ${describeParty(p)} at an unknown destination`);
    },
  },
  {
    name: 'parties: payee FSP unreachable (FSPIOP-Destination given) → 1001 to the requester',
    run: async (ctx) => {
      const { payer } = await ctx.shared();
      const down = await unreachableDfsp(ctx);
      const p = msisdn(ctx);
      const { cb } = await discoverParty(ctx, payer, p, { destination: down.name, timeoutMs: 2 * ctx.T });
      expectHubErrorCallback(ctx, cb, payer, '1001', `discovery of ${describeParty(p)} at ${down.name} (endpoints on a closed port)`);
    },
  },
  {
    name: 'parties: payee FSP unreachable (found through the oracle) → 1001 to the requester',
    run: async (ctx) => {
      const { payer } = await ctx.shared();
      const down = await unreachableDfsp(ctx);
      const p = msisdn(ctx);
      // the registration's callback cannot reach `down`: check the entry through a lookup instead
      const reg = await down.send({ method: 'POST', path: partyPath('participants', p), body: { fspId: down.name, currency: ctx.currency } });
      expectStatus(reg, 202, `POST ${partyPath('participants', p)} by ${down.name}`);
      await pollUntil(
        async () => (await lookupParticipant(ctx, payer, p)).cb,
        (cb) => cb.body?.fspId === down.name,
        {
          timeoutMs: ctx.T,
          intervalMs: 250,
          label: `${describeParty(p)} registered to ${down.name}`,
          describe: (cb) => (cb ? `PUT ${cb.path} ${show(cb.bodyText)}` : 'nothing'),
        },
      );
      const { cb } = await discoverParty(ctx, payer, p, { timeoutMs: 2 * ctx.T });
      expectHubErrorCallback(ctx, cb, payer, '1001', `discovery of ${describeParty(p)} owned by ${down.name} (endpoints on a closed port)`);
    },
  },
  {
    name: 'parties: unknown requester → sync 400/3200; inactive requester → sync 400/3100',
    run: async (ctx) => {
      const { payee } = await ctx.shared();
      const p = msisdn(ctx);
      hold(payee, p);
      const path = partyPath('parties', p);
      const ghost = await ctx.newName('ghost'); // a source: secured runs need a certificate naming it
      expectSyncError(await ctx.send({ method: 'GET', path, version: '1.1', source: ghost, destination: payee.name }), 400, '3200');
      const inactive = await inactiveDfsp(ctx);
      expectSyncError(await inactive.send({ method: 'GET', path, destination: payee.name }), 400, '3100');
      ctx.assertNone(payee, (r) => r.method === 'GET' && r.path.split('?')[0] === path, `GET ${path} from an unknown or inactive requester`);
    },
  },
  {
    name: 'parties: missing Accept on GET /parties → sync 400/3102',
    run: async (ctx) => {
      const { payer } = await ctx.shared();
      const res = await payer.send({ method: 'GET', path: partyPath('parties', msisdn(ctx)), headers: { accept: null } });
      expectSyncError(res, 400, '3102', { description: /accept/i });
    },
  },
];

export const discoveryScenarios: Scenario[] = [...alsScenarios, ...oracleScenarios, ...partiesScenarios];
