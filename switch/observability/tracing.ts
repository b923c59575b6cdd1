/**
 * OpenTelemetry traces of the hub (docs/tracing.md). Off by default (MIZANI_TRACING=off): no provider, no context
 * manager, no propagator is registered and every helper here returns at its first line, so the hot path pays one
 * boolean test per step. On (`otlp`): spans are batched and exported over OTLP/HTTP (JSON) to
 * MIZANI_TRACING_ENDPOINT, or else where the standard OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT
 * say; the W3C `traceparent` / `tracestate` of an inbound request is the parent of its spans, and every request the
 * hub sends carries the `traceparent` of the span that sends it.
 *
 * One tracer per process, as OpenTelemetry's API is process-wide: the hub that starts tracing owns it until it stops.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import type { BatchTracing } from '../../ledger/group-commit.js';
import type { BusTracing } from '../bus/bus.js';

export interface TracingSettings {
  mode: 'off' | 'otlp';
  /** OTLP/HTTP traces URL (`http://collector:4318/v1/traces`); empty: the OTEL_EXPORTER_OTLP_* variables, else localhost:4318. */
  endpoint: string;
  /** Share of new traces kept (a participant's sampled flag decides for its own traces). */
  sampleRatio: number;
}

export interface RunningTracing {
  /** Exports what is buffered, then stops tracing in this process. */
  stop(): Promise<void>;
}

export { SpanKind };

const SERVICE_VERSION = '0.1.0';

let tracer: Tracer | undefined;

/** Whether this process records spans (MIZANI_TRACING=otlp and started). */
export function tracingOn(): boolean {
  return tracer !== undefined;
}

/** Registers the provider, the async context manager and the W3C propagator; undefined when tracing is off. */
export function startTracing(settings: TracingSettings, log: Logger, env: NodeJS.ProcessEnv = process.env): RunningTracing | undefined {
  if (settings.mode === 'off') return undefined;
  if (tracer) throw new Error('tracing is already started in this process');
  const exporter = new OTLPTraceExporter(settings.endpoint ? { url: settings.endpoint } : {});
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || 'mizani', [ATTR_SERVICE_VERSION]: SERVICE_VERSION }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000, maxQueueSize: 8192, maxExportBatchSize: 512 })],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  tracer = provider.getTracer('mizani', SERVICE_VERSION);
  const where = settings.endpoint || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || 'http://localhost:4318';
  log.info({ exporter: 'otlp/http', endpoint: where, sampleRatio: settings.sampleRatio }, 'tracing on');
  return {
    async stop() {
      tracer = undefined;
      await provider.forceFlush().catch((err: unknown) => log.warn({ err }, 'tracing: the last spans could not be exported'));
      await provider.shutdown().catch(() => undefined);
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/**
 * Runs `fn` inside a span of its own (a child of the active one), ended when `fn` returns or its promise settles; a
 * throw or a rejection marks it failed. Off: just `fn()`.
 */
export function traced<T>(name: string, attributes: Attributes, fn: () => T, kind: SpanKind = SpanKind.INTERNAL): T {
  if (!tracer) return fn();
  return runInSpan(tracer.startSpan(name, { kind, attributes }), context.active(), fn);
}

/** `fn` inside `span` (a child of `parent`): the span ends with `fn`, failed if `fn` fails. */
export function runInSpan<T>(span: Span, parent: Context, fn: () => T): T {
  let result: T;
  try {
    result = context.with(trace.setSpan(parent, span), fn);
  } catch (err) {
    failed(span, err);
    span.end();
    throw err;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => (span.end(), value),
      (err: unknown) => {
        failed(span, err);
        span.end();
        throw err;
      },
    ) as T;
  }
  span.end();
  return result;
}

/** The active span's attributes, when a span is recording (an outcome learned half-way); `failure` marks it failed. */
export function annotate(attributes: Attributes, failure?: string): void {
  if (!tracer) return;
  const span = trace.getActiveSpan();
  span?.setAttributes(attributes);
  if (failure !== undefined) span?.setStatus({ code: SpanStatusCode.ERROR, message: failure.slice(0, 200) });
}

export function failed(span: Span, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  const code = (err as { code?: unknown; outcome?: unknown }).code ?? (err as { outcome?: unknown }).outcome;
  if (typeof code === 'string') span.setAttribute('mizani.error', code);
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message.slice(0, 200) });
}

/** The span to start for a request received with `headers` (its `traceparent` the parent when valid), and its parent. */
export function serverSpan(name: string, headers: Record<string, unknown>, attributes: Attributes): { span: Span; parent: Context } | undefined {
  if (!tracer) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  return { span: tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent), parent };
}

/** Sets `traceparent` (and `tracestate`) of the active span on outbound `headers`, replacing what they held. */
export function injectTraceContext(headers: Record<string, string>): void {
  if (!tracer) return;
  delete headers.traceparent;
  delete headers.tracestate;
  propagation.inject(context.active(), headers);
}

/** The active context's trace headers (to carry across the bus), or undefined when off or when no span is active. */
export function traceHeaders(): Record<string, string> | undefined {
  if (!tracer || !trace.getActiveSpan()) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Runs `fn` in the context `carrier` (trace headers) names; the active context when it names none. */
export function withTraceHeaders<T>(carrier: Record<string, string> | undefined, fn: () => T): T {
  if (!tracer || !carrier) return fn();
  return context.with(propagation.extract(context.active(), carrier), fn);
}

/** The active span's context when a sampled span is active (a group commit's member). */
export function activeSpanContext(): SpanContext | undefined {
  if (!tracer) return undefined;
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span.spanContext() : undefined;
}

/**
 * A span for work done on behalf of several traces at once (a group commit): a child of the first member's span and
 * linked to every member, timed from `startMs` (epoch ms) to now.
 */
export function recordSharedSpan(name: string, members: readonly (SpanContext | undefined)[], startMs: number, attributes: Attributes, err?: unknown): void {
  if (!tracer) return;
  const contexts = members.filter((m): m is SpanContext => m !== undefined);
  if (contexts.length === 0) return;
  const links: Link[] = contexts.map((spanContext) => ({ context: spanContext }));
  const parent = trace.setSpanContext(ROOT_CONTEXT, contexts[0]!);
  const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes, links, startTime: startMs }, parent);
  if (err !== undefined) failed(span, err);
  span.end();
}

/** The bus's spans (switch/bus/bus.ts `BusTracing`): `bus publish <topic>` and its child `bus process <topic>`. */
export function busTracing(system: 'kafka' | 'in-process'): BusTracing {
  const attributes = (topic: string, key: string, operation: string): Attributes => ({
    'messaging.system': system === 'kafka' ? 'kafka' : 'mizani.in-process',
    'messaging.operation.type': operation,
    'messaging.destination.name': topic,
    'mizani.bus.key': key,
  });
  return {
    publish(topic, key, publish) {
      if (!tracer) return publish(undefined);
      const span = tracer.startSpan(`bus publish ${topic}`, { kind: SpanKind.PRODUCER, attributes: attributes(topic, key, 'send') });
      const active = trace.setSpan(context.active(), span);
      const carrier: Record<string, string> = {};
      if (system === 'kafka') propagation.inject(active, carrier);
      return runInSpan(span, context.active(), () => publish(system === 'kafka' ? carrier : undefined));
    },
    consume(topic, key, headers, handle) {
      if (!tracer) return handle();
      const parent = headers ? propagation.extract(ROOT_CONTEXT, headers) : context.active();
      const span = tracer.startSpan(`bus process ${topic}`, { kind: SpanKind.CONSUMER, attributes: attributes(topic, key, 'process') }, parent);
      return runInSpan(span, parent, handle);
    },
  };
}

/** The group commit's spans (ledger/group-commit.ts `BatchTracing`): one `ledger group commit` per batch. */
export function batchTracing(): BatchTracing {
  return {
    member: () => activeSpanContext(),
    batch(members, startedMs, writes, err) {
      recordSharedSpan(
        'ledger group commit',
        members as (SpanContext | undefined)[],
        startedMs,
        { 'mizani.ledger.batch_writes': writes, 'db.system.name': 'postgresql' },
        err,
      );
    },
  };
}

/** A request's server span (see `serverSpan`): `run` inside it; `ended` is called when its response is done. */
export function tracedRequest<T>(
  name: string,
  headers: Record<string, unknown>,
  attributes: Attributes,
  run: () => T,
  whenAnswered: (finish: (status: number) => void) => void,
): T {
  const started = serverSpan(name, headers, attributes);
  if (!started) return run();
  const { span, parent } = started;
  whenAnswered((status) => {
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  const result = context.with(trace.setSpan(parent, span), run);
  if (result instanceof Promise) {
    return result.catch((err: unknown) => {
      refused(span, err);
      throw err;
    }) as T;
  }
  return result;
}

/** A refusal on a server span: the exception and its code; the status is the response's (4xx is the client's). */
function refused(span: Span, err: unknown): void {
  const code = (err as { code?: unknown; outcome?: unknown }).code ?? (err as { outcome?: unknown }).outcome;
  if (typeof code === 'string') span.setAttribute('mizani.error', code);
  span.recordException(err instanceof Error ? err : new Error(String(err)));
}
