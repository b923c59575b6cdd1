/**
 * The bus's tracing hooks as the Kafka bus uses them (switch/bus/kafka-bus.ts): the publisher's span travels as
 * `traceparent` / `tracestate` headers and the consumer's span, started from those headers alone (another node, no
 * shared async context), is its child in the same trace. Off, no header is made and the handler runs as it is.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { busTracing, startTracing, traceHeaders, tracingOn } from '../../switch/observability/tracing.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

test('off: the Kafka bus carries no trace header and handlers run untouched', async () => {
  assert.equal(tracingOn(), false);
  const tracing = busTracing('kafka');
  let carried: Record<string, string> | undefined = { marker: 'x' };
  const reply = await tracing.publish('transfer.prepare', 'dfspa', async (headers) => {
    carried = headers;
    return tracing.consume('transfer.prepare', 'dfspa', headers, async () => 'handled');
  });
  assert.equal(reply, 'handled');
  assert.equal(carried, undefined);
  assert.equal(traceHeaders(), undefined);
});

test('on: the consumer span, started from the headers only, is the child of the publisher span in its trace', async () => {
  const sink = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('{}')));
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`;
  const running = startTracing({ mode: 'otlp', endpoint, sampleRatio: 1 }, pino({ level: 'silent' }));
  try {
    const tracing = busTracing('kafka');
    const incoming = { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, tracestate: 'dfsp=payer' };
    let carried: Record<string, string> | undefined;
    let consumer: ReadableSpan | undefined;
    await tracing.consume('edge', 'dfspa', incoming, () =>
      tracing.publish('transfer.prepare', 'dfspa', async (headers) => {
        carried = headers;
        // Another node: nothing but the headers crosses.
        return context.with(ROOT_CONTEXT, () =>
          tracing.consume('transfer.prepare', 'dfspa', headers, async () => {
            consumer = trace.getActiveSpan() as unknown as ReadableSpan;
          }),
        );
      }),
    );
    const [, traceId, publisherSpan] = TRACEPARENT.exec(carried?.traceparent ?? '') ?? [];
    assert.equal(traceId, 'a'.repeat(32), `the command's traceparent is in the inbound trace: ${carried?.traceparent}`);
    assert.equal(carried?.tracestate, 'dfsp=payer');
    assert.ok(consumer, 'the handler ran in a span');
    assert.equal(consumer.name, 'bus process transfer.prepare');
    assert.equal(consumer.spanContext().traceId, traceId);
    assert.equal(consumer.parentSpanContext?.spanId, publisherSpan, 'the consumer span is the child of the publisher span');
  } finally {
    await running?.stop();
    sink.close();
  }
  assert.equal(tracingOn(), false, 'stopped');
});
