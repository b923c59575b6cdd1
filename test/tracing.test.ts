/**
 * OpenTelemetry tracing end to end (docs/tracing.md): the real hub exports its spans over OTLP/HTTP to a receiver this
 * test runs on a private loopback port, while a payment (prepare, then fulfil) crosses it with the participants' W3C
 * `traceparent`. The spans of edge, translation, bus, ledger and callbacks must sit in the participants' trace with
 * the right parents, and each callback must carry the traceparent of the hub span that sent it. With tracing off
 * nothing is exported and the hub invents no trace context: a participant's traceparent is forwarded as it came.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SuiteContext, type Transfer } from '../conformance/lib/context.js';
import type { DfspSimulator, RecordedRequest } from '../conformance/lib/dfsp.js';
import { startHubProcess, type HubProcess } from './support/hub-process.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  links?: Array<{ traceId: string; spanId: string }>;
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
}

/** An OTLP/HTTP JSON receiver: every span of every export request, and the service names they came from. */
class OtlpReceiver {
  readonly spans: ExportedSpan[] = [];
  readonly services = new Set<string>();
  requests = 0;
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests++;
        assert.equal(req.url, '/v1/traces');
        assert.match(String(req.headers['content-type']), /application\/json/);
        this.take(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/traces`;
    return this;
  }

  private take(body: { resourceSpans?: any[] }): void {
    for (const resource of body.resourceSpans ?? []) {
      const service = resource.resource?.attributes?.find((a: any) => a.key === 'service.name')?.value?.stringValue;
      if (service) this.services.add(service);
      for (const scope of resource.scopeSpans ?? []) this.spans.push(...(scope.spans as ExportedSpan[]));
    }
  }

  inTrace(traceId: string): ExportedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

interface World {
  database: TestDatabase;
  hub: HubProcess;
  ctx: SuiteContext;
  payer: DfspSimulator;
  payee: DfspSimulator;
}

const receiver = new OtlpReceiver();
const worlds: World[] = [];

before(async () => {
  await receiver.start();
});

after(async () => {
  for (const w of worlds) {
    await w.ctx.close();
    await w.hub.stopWithin(10_000);
    await w.database.drop();
  }
  await receiver.stop();
});

async function world(env: Record<string, string>): Promise<World> {
  const database = await createTestDatabase('mizani_tracing');
  const hub = await startHubProcess({ MIZANI_DATABASE_URL: database.url, ...env });
  const ctx = new SuiteContext({ hubUrl: hub.fspiopUrl, adminUrl: hub.adminUrl, sign: false, timeoutMs: 10_000 });
  const { payer, payee } = await ctx.newPair();
  const w = { database, hub, ctx, payer, payee };
  worlds.push(w);
  return w;
}

/** A prepare with `traceparent`, answered by the payee (fulfil) with `fulfilTraceparent(prepare as the payee got it)`. */
async function pay(
  w: World,
  traceparent: string,
  fulfilTraceparent: (atPayee: RecordedRequest) => string | undefined,
): Promise<{ t: Transfer; atPayee: RecordedRequest; atPayer: RecordedRequest }> {
  const { ctx, payer, payee } = w;
  const t = ctx.newTransfer({ payer, payee, amount: '5' });
  payee.setBehaviour(t.transferId, { kind: 'silent' });
  const prepared = await ctx.sendPrepare(t, { headers: { traceparent, tracestate: 'dfsp=payer' } });
  assert.equal(prepared.status, 202, prepared.rawBody);
  const atPayee = await payee.waitFor((r) => r.method === 'POST' && r.bodyText.includes(t.transferId), 10_000);
  const since = payer.mark();
  const answer = fulfilTraceparent(atPayee);
  const fulfilled = await ctx.sendTransferPut(t, {
    from: payee.name,
    to: payer.name,
    body: { fulfilment: t.fulfilment, completedTimestamp: new Date().toISOString(), transferState: 'COMMITTED' },
    headers: answer === undefined ? {} : { traceparent: answer },
  });
  assert.equal(fulfilled.status, 200, fulfilled.rawBody);
  const atPayer = await payer.waitFor((r) => r.method === 'PUT' && r.path.includes(t.transferId), 10_000, { since });
  return { t, atPayee, atPayer };
}

async function until(what: string, ready: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function one(spans: ExportedSpan[], name: string, where: (s: ExportedSpan) => boolean = () => true): ExportedSpan {
  const found = spans.filter((s) => s.name === name && where(s));
  assert.equal(found.length, 1, `one span "${name}" expected, found ${found.length}; the trace holds: ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

/** Whether `span` descends from `ancestor` through the parents recorded in `spans`. */
function descends(spans: ExportedSpan[], span: ExportedSpan, ancestor: ExportedSpan): boolean {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (let at: ExportedSpan | undefined = span; at; at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined) {
    if (at.parentSpanId === ancestor.spanId) return true;
  }
  return false;
}

test("tracing on: one payment is one trace across edge, translation, bus, ledger and callbacks, under the participants' traceparent", async () => {
  const w = await world({ MIZANI_TRACING: 'otlp', MIZANI_TRACING_ENDPOINT: receiver.url });
  const traceId = hex(16);
  const payerSpan = hex(8);
  const payeeSpans: string[] = [];
  const { atPayee, atPayer } = await pay(w, `00-${traceId}-${payerSpan}-01`, (prepare) => {
    const [, trace, hubSpan] = TRACEPARENT.exec(prepare.headers.traceparent ?? '') ?? [];
    assert.equal(trace, traceId, `the forwarded prepare carries a traceparent in the payer's trace: ${prepare.headers.traceparent}`);
    assert.notEqual(hubSpan, payerSpan, "the hub's own span, not the payer's");
    payeeSpans.push(hex(8));
    return `00-${traceId}-${payeeSpans[0]}-01`; // the payee's span, a child of the hub's callback span
  });
  const prepareCallback = TRACEPARENT.exec(atPayee.headers.traceparent!)![2]!;
  const [, fulfilTrace, fulfilCallback] = TRACEPARENT.exec(atPayer.headers.traceparent ?? '') ?? [];
  assert.equal(fulfilTrace, traceId, `the fulfil forwarded to the payer carries the trace: ${atPayer.headers.traceparent}`);
  assert.equal(atPayee.headers.tracestate, 'dfsp=payer', 'tracestate travels with the trace');

  await until('the spans of the fulfil callback exported', () => receiver.inTrace(traceId).some((s) => s.spanId === fulfilCallback));
  await until('the fulfil ledger batch exported', () => receiver.inTrace(traceId).filter((s) => s.name === 'ledger group commit').length >= 2);
  const spans = receiver.inTrace(traceId);
  assert.ok(receiver.services.has('mizani'), `service name: ${[...receiver.services].join(', ')}`);

  // The prepare: the payer's span parents the edge; translation, bus, ledger and the callback to the payee below it.
  const edge = one(spans, 'POST /transfers');
  assert.equal(edge.parentSpanId, payerSpan);
  assert.equal(edge.kind, 2, 'SERVER');
  const translate = one(spans, 'translate to canonical', (s) => s.parentSpanId === edge.spanId);
  assert.ok(translate.attributes?.some((a) => a.key === 'mizani.message' && a.value.stringValue === 'pacs.008'));
  const publish = one(spans, 'bus publish transfer.prepare');
  assert.equal(publish.parentSpanId, edge.spanId);
  const processed = one(spans, 'bus process transfer.prepare');
  assert.equal(processed.parentSpanId, publish.spanId);
  const reserved = one(spans, 'ledger prepare');
  assert.ok(descends(spans, reserved, processed), 'the ledger prepare runs in the worker that took the command');
  const batch = one(spans, 'ledger group commit', (s) => s.parentSpanId === reserved.spanId);
  assert.ok(
    batch.links?.some((l) => l.spanId === reserved.spanId && l.traceId === traceId),
    'the batch links every write it made durable',
  );
  const toPayee = spans.find((s) => s.spanId === prepareCallback);
  assert.ok(toPayee, 'the span named by the traceparent the payee got was exported');
  assert.equal(toPayee.name, 'callback POST');
  assert.equal(toPayee.kind, 3, 'CLIENT');
  assert.ok(descends(spans, toPayee, processed), 'the callback to the payee follows the worker that reserved');

  // The fulfil: the payee's span parents it; the commit and the callback to the payer below it.
  const fulfilEdge = one(spans, 'PUT /transfers/:id');
  assert.equal(fulfilEdge.parentSpanId, payeeSpans[0]);
  const fulfilProcess = one(spans, 'bus process transfer.fulfil');
  assert.ok(descends(spans, fulfilProcess, fulfilEdge));
  const committed = one(spans, 'ledger commit');
  assert.ok(descends(spans, committed, fulfilProcess));
  one(spans, 'ledger group commit', (s) => s.parentSpanId === committed.spanId);
  const toPayer = spans.find((s) => s.spanId === fulfilCallback);
  assert.equal(toPayer?.name, 'callback PUT');
  assert.ok(descends(spans, toPayer, fulfilProcess), 'the fulfil forwarded to the payer follows the commit');
});

test("tracing off: nothing is exported, a participant's traceparent is forwarded as it came and the hub adds none", async () => {
  const exportsBefore = receiver.requests;
  const w = await world({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url });
  const traceparent = `00-${hex(16)}-${hex(8)}-01`;
  const { atPayee, atPayer } = await pay(w, traceparent, () => undefined);
  assert.equal(atPayee.headers.traceparent, traceparent, "the payer's traceparent, unchanged, on the forwarded prepare");
  assert.equal(atPayer.headers.traceparent, undefined, 'the payee sent none with its fulfil: none is invented');
  await new Promise((resolve) => setTimeout(resolve, 1500)); // longer than the exporter's batch delay, were it on
  assert.equal(receiver.requests, exportsBefore, 'no export request with tracing off');
});
