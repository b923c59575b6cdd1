// Inter-scheme proxies on one hub (fspiop.md §12, docs/interscheme.md): the FSPIOP-Proxy header rules, a remote DFSP's
// message relayed by its proxy routed like any other, the answer to the remote DFSP sent to the proxy, and a lookup no
// oracle entry answers broadcast to the proxies (first answer wins). Two schemes end to end: test/interscheme.test.ts.
//
// A proxy changes what every lookup of an unknown party does (it is broadcast to the proxies), so these scenarios run
// exclusively, one at a time after the others, and deactivate their proxies when done.
import assert from 'node:assert/strict';
import { expectStatus, expectSyncError } from '../lib/checks.js';
import type { SuiteContext } from '../lib/context.js';
import type { DfspSimulator } from '../lib/dfsp.js';
import { partyPath, type PartyRef } from '../lib/flows.js';
import type { Scenario } from '../lib/scenario.js';
import { endpointsFor, fundIn } from '../lib/admin.js';
import { randomName, show } from '../lib/util.js';

/** A simulator registered as a proxy participant (isProxy), silent on lookups it is asked (the test answers for it). */
async function newProxy(ctx: SuiteContext): Promise<DfspSimulator> {
  await ctx.shared(); // hub accounts and settlement model exist
  const name = await ctx.newName('prx');
  const sim = await ctx.startSimulator(name, { kind: 'silent' }, { unknownParty: { kind: 'silent' } });
  const created = await ctx.admin.call('POST', '/participants', { name, currency: ctx.currency, isProxy: true });
  assert.equal(created.status, 201, `POST /participants ${name} isProxy: ${created.status} ${show(created.rawBody)}`);
  assert.equal(created.body?.isProxy, true, `the participant is a proxy: ${show(created.rawBody)}`);
  await ctx.admin.setInitialPositionAndLimits(name, ctx.currency, ctx.opts.ndc, 0);
  await fundIn(ctx.admin, name, ctx.currency, ctx.opts.fundsIn, ctx.T);
  await Promise.all(endpointsFor(sim.baseUrl).map((e) => ctx.admin.setEndpoint(name, e.type, e.value)));
  return sim;
}

async function retire(ctx: SuiteContext, proxies: DfspSimulator[]): Promise<void> {
  await Promise.all(proxies.map((p) => ctx.admin.setParticipantActive(p.name, false)));
}

/** GET /parties sent for `source` (a DFSP of another scheme) through `proxy` (its certificate, FSPIOP-Proxy). */
function proxiedLookup(ctx: SuiteContext, proxy: string, source: string, p: PartyRef, o: { destination?: string } = {}) {
  return ctx.hub.send({
    method: 'GET',
    path: partyPath('parties', p),
    source,
    destination: o.destination,
    identity: proxy,
    headers: { 'fspiop-proxy': proxy },
  });
}

const party = (ctx: SuiteContext): PartyRef => ({ type: 'MSISDN', id: ctx.newPartyId('7') });

export const interschemeScenarios: Scenario[] = [
  {
    name: 'interscheme: FSPIOP-Proxy naming no participant, or a participant that is not a proxy → 400/3100 Invalid fspiop-proxy header',
    exclusive: true,
    async run(ctx) {
      const { payer, payee } = await ctx.shared();
      const remote = randomName('rem');
      const unknown = await ctx.hub.send({
        method: 'GET',
        path: partyPath('parties', party(ctx)),
        source: remote,
        identity: payer.name,
        headers: { 'fspiop-proxy': randomName('noproxy') },
      });
      expectSyncError(unknown, 400, '3100', { description: /Invalid fspiop-proxy header/ });
      const notProxy = await ctx.hub.send({
        method: 'GET',
        path: partyPath('parties', party(ctx)),
        source: remote,
        identity: payee.name,
        headers: { 'fspiop-proxy': payee.name },
      });
      expectSyncError(notProxy, 400, '3100', { description: /Invalid fspiop-proxy header - .* is not a proxy participant/ });
    },
  },
  {
    name: 'interscheme: a proxy relaying for a DFSP of this scheme, or for a destination that is not one, is refused synchronously',
    exclusive: true,
    async run(ctx) {
      const { payer, payee } = await ctx.shared();
      const proxy = await newProxy(ctx);
      try {
        const claimed = await proxiedLookup(ctx, proxy.name, payer.name, party(ctx), { destination: payee.name });
        expectSyncError(claimed, 400, '3100', { description: new RegExp(`${payer.name} is a participant of this scheme`) });
        const elsewhere = await proxiedLookup(ctx, proxy.name, randomName('rem'), party(ctx), { destination: randomName('nowhere') });
        expectSyncError(elsewhere, 400, '3201', { description: /is not a participant of this scheme/ });
      } finally {
        await retire(ctx, [proxy]);
      }
    },
  },
  {
    name: 'interscheme: a remote DFSP’s lookup via its proxy reaches the local payee, whose answer to the remote DFSP goes to the proxy',
    exclusive: true,
    async run(ctx) {
      const { payee } = await ctx.shared();
      const proxy = await newProxy(ctx);
      try {
        const remote = randomName('rem');
        const p = party(ctx);
        payee.addParty({ partyIdType: p.type, partyIdentifier: p.id, firstName: 'Ana', lastName: 'Lima' });
        const since = payee.mark();
        const sinceProxy = proxy.mark();
        expectStatus(await proxiedLookup(ctx, proxy.name, remote, p, { destination: payee.name }), 202, 'GET /parties via the proxy');
        const got = await payee.waitFor((r) => r.method === 'GET' && r.path === partyPath('parties', p), ctx.T, { since, label: 'the proxied lookup' });
        assert.equal(got.headers['fspiop-source'], remote, 'FSPIOP-Source stays the remote DFSP');
        assert.equal(got.headers['fspiop-proxy'], proxy.name, 'FSPIOP-Proxy is kept');
        const answer = await proxy.waitFor((r) => r.method === 'PUT' && r.path === partyPath('parties', p), ctx.T, {
          since: sinceProxy,
          label: `the payee's answer to ${remote}, at its proxy`,
        });
        assert.equal(answer.headers['fspiop-source'], payee.name);
        assert.equal(answer.headers['fspiop-destination'], remote, 'the answer names the remote DFSP; the hub sends it to the proxy');
        if (answer.signature) assert.ok(answer.signature.ok, `the payee's signature is intact: ${answer.signature.detail}`);
      } finally {
        await retire(ctx, [proxy]);
      }
    },
  },
  {
    name: 'interscheme: no oracle entry → the lookup goes to every proxy without FSPIOP-Destination; the first answer reaches the requester, a later one does not',
    exclusive: true,
    async run(ctx) {
      const { payer } = await ctx.shared();
      const [first, second] = await Promise.all([newProxy(ctx), newProxy(ctx)]);
      try {
        const p = party(ctx);
        const path = partyPath('parties', p);
        const marks = { payer: payer.mark(), first: first.mark(), second: second.mark() };
        expectStatus(await payer.send({ method: 'GET', path }), 202, `GET ${path}`);
        for (const proxy of [first, second]) {
          const get = await proxy.waitFor((r) => r.method === 'GET' && r.path === path, ctx.T, { since: marks[proxy === first ? 'first' : 'second'] });
          assert.equal(get.headers['fspiop-source'], payer.name);
          assert.equal(get.headers['fspiop-destination'], undefined, 'a broadcast names no destination');
        }
        const remote = randomName('rem');
        const body = { party: { partyIdInfo: { partyIdType: p.type, partyIdentifier: p.id, fspId: remote }, name: 'Remote Party' } };
        const answer = (proxy: DfspSimulator) =>
          ctx.send({
            method: 'PUT',
            path,
            source: remote,
            destination: payer.name,
            identity: proxy.name,
            body,
            sign: false,
            headers: { 'fspiop-proxy': proxy.name, 'fspiop-uri': path, 'fspiop-http-method': 'PUT' },
          });
        expectStatus(await answer(second), 200, 'the first answer, via the second proxy');
        const got = await payer.waitFor((r) => r.method === 'PUT' && r.path === path, ctx.T, { since: marks.payer, label: 'the remote answer' });
        assert.equal(got.headers['fspiop-source'], remote);
        const before = payer.mark();
        expectStatus(await answer(first), 200, 'a later answer, via the first proxy');
        await new Promise((r) => setTimeout(r, 1000));
        assert.equal(payer.find((r) => r.path.startsWith(path), before).length, 0, 'the later answer is not forwarded');
      } finally {
        await retire(ctx, [first, second]);
      }
    },
  },
];
