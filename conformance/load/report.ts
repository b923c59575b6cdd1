// Result shapes, the text tables printed at the end, and the self-contained HTML report (inline SVG charts).
import type { HistogramJson, LatencySummary } from './hist.js';

export interface StageReport extends LatencySummary {
  /** Successful stage completions per second inside the measured window (by callback time). */
  rate: number;
  timeouts: number;
  errorCount: number;
  errors: Record<string, number>;
  /** (completions over 1 s + timeouts) / (completions + timeouts). */
  shareOver1sInclTimeouts: number;
}

export interface SecPoint {
  t: number;
  phase: 'warmup' | 'measure' | 'drain';
  started: number;
  completed: number;
  failed: number;
  inflight: number;
  /** Successful completions per stage (discovery, agreement, transfer) that second. */
  stageCounts: number[];
  /** discovery, agreement, transfer, end to end (ms; null when none that second). */
  p50: Array<number | null>;
  p99: Array<number | null>;
  lagP99: number | null;
  /** RSS of the hub (or relay) at the start of the second, MiB. */
  rssMiB?: number;
  cpu: { hub?: number; pg?: number; pgAll?: number; relay?: number; broker?: number; machine?: number; generator: number };
  /** With --series-histograms: that second's histograms (discovery, agreement, transfer, end to end), by completion. */
  hist?: HistogramJson[];
}

export interface StepResult {
  target: 'hub' | 'relay';
  label: string;
  /** Wall time (epoch ms) at which second 0 of `series` begins. */
  t0Ms: number;
  offeredRate: number;
  warmupS: number;
  durationS: number;
  /** Measured seconds actually run (shorter when interrupted). */
  measuredS: number;
  planned: number;
  started: number;
  completed: number;
  failed: number;
  aborted: number;
  /** Complete payments per second: completions whose final callback arrived inside the measured window. */
  achievedRate: number;
  /** Share of the payments planned in the window that completed (whenever: drain included). */
  completedShare: number;
  stages: { discovery: StageReport; agreement: StageReport; transfer: StageReport; endToEnd: StageReport };
  ack: Record<string, LatencySummary>;
  errors: {
    total: number;
    byCode: Record<string, number>;
    samples: string[];
    payeeErrors: Record<string, number>;
    late: number;
    unexpected: number;
  };
  generator: {
    workers: number;
    lagP50: number;
    lagP99: number;
    lagMax: number;
    eventLoopP99: number;
    /** TCP connections the DFSPs' clients opened towards the target inside the window (keep-alive pools: 0 expected). */
    connects?: number;
    connectErrors?: number;
    /** Connections the DFSPs' servers accepted inside the window (the target's callbacks). */
    accepted?: number;
    /** Connections that ended inside the window, by side (client: the DFSPs' pools; server: theirs) and reason. */
    closes?: Record<string, number>;
    eventLoopMax: number;
    cpuS: number;
    saturated: boolean;
    notes: string[];
  };
  cpu: {
    windowS: number;
    /** The sum over the hub's nodes when there are several (--hub URL1,URL2 --hub-pid P1,P2). */
    hubS?: number;
    /** Each node's, in --hub-pid order (several nodes only). */
    hubNodesS?: Array<number | undefined>;
    /** The message broker's process (--broker-pid). */
    brokerS?: number;
    pgS?: number;
    pgAllS?: number;
    relayS?: number;
    generatorS: number;
    /** Busy CPU seconds of the whole machine in the window, and what is left after hub, postgres, relay, generator. */
    machineS?: number;
    othersS?: number;
    cores: number;
    /** Hub (or relay) resident memory at the window's start and end, and the maximum seen. */
    rssMiB?: { start?: number; end?: number; max: number };
    perPaymentMs: {
      hub?: number;
      hubNodes?: Array<number | undefined>;
      broker?: number;
      pg?: number;
      hubPlusPg?: number;
      pgAll?: number;
      relay?: number;
      generator?: number;
    };
  };
  signing: {
    enabled: boolean;
    signedAhead: number;
    signWallS: number;
    signCpuS: number;
    store: string;
    liveSigns: number;
    /** Received signed messages whose signature the simulators checked (--verify-sample), and failures. */
    verified: number;
    signatureFailures: number;
    /** Seconds the messages' Date headers/timestamps lag the actual send (planned t0 vs actual t0). */
    dateShiftS: number;
  };
  relayStats?: unknown;
  /** pg_stat_user_tables of the hub's database over the window: scans per table (sequential scans of big tables are a red flag). */
  pgTables?: Array<{ table: string; seqScans: number; seqTuplesRead: number; idxScans: number; liveTuples: number; deadTuples: number }>;
  /** pg_stat_activity samples (every 100 ms) of the hub's database in the window: average active backends per (wait event, query). */
  pgActivity?: { samples: number; top: Array<{ wait: string; query: string; avgActive: number }> };
  meetsLatencyBar: boolean;
  barNotes: string[];
  targets: Record<string, { value: number | null; target: string; ok: boolean | null }>;
  series: SecPoint[];
}

export interface Summary {
  tool: string;
  startedAt: string;
  finishedAt?: string;
  command: string;
  machine: Record<string, unknown>;
  options: Record<string, unknown>;
  signing: { enabled: boolean; hubVerifying: boolean | null; note: string };
  hub?: Record<string, unknown>;
  steps: StepResult[];
  knee: { hub: number | null; relay: number | null; hubIsLowerBound?: boolean; relayIsLowerBound?: boolean; note: string };
  efficiency: { ratio: number | null; hubRate: number | null; relayRate: number | null; basis: string };
  interrupted: boolean;
  notes: string[];
  hubLog?: { file: string; lines: number; byLevel: Record<string, number>; firstProblems: string[] };
  /** Transfers by state in the hub's database after the run, once none is in flight (or the wait gave up). */
  finalStates?: { states: Record<string, number>; notFinal: number; waitedS: number };
}

// ---- text ---------------------------------------------------------------------------------------------------------

export const fmt = (v: number | null | undefined, digits = 1): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : v >= 1000 ? v.toFixed(0) : v.toFixed(digits);

const pct = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : `${(v * 100).toFixed(digits)}%`;

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join('  ');
}

export function codes(byCode: Record<string, number>): string {
  const e = Object.entries(byCode).sort((a, b) => b[1] - a[1]);
  return e.length === 0 ? 'none' : e.map(([k, v]) => `${k} ×${v}`).join(', ');
}

export function stepTable(r: StepResult): string {
  const lines: string[] = [];
  lines.push(`== ${r.target} — ${r.label}: offered ${fmt(r.offeredRate)}/s, measured ${fmt(r.measuredS, 0)} s (warm-up ${r.warmupS} s) ==`);
  const w = [11, 9, 8, 8, 8, 9, 8, 8, 8];
  lines.push(pad(['stage', 'rate/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', '>1 s', 'timeout', 'errors'], w));
  for (const [name, s] of [
    ['discovery', r.stages.discovery],
    ['agreement', r.stages.agreement],
    ['transfer', r.stages.transfer],
    ['end to end', r.stages.endToEnd],
  ] as const) {
    lines.push(
      pad([name, fmt(s.rate), fmt(s.p50), fmt(s.p95), fmt(s.p99), fmt(s.max), pct(s.shareOver1sInclTimeouts), String(s.timeouts), String(s.errorCount)], w),
    );
  }
  lines.push(
    `payments: planned ${r.planned}, started ${r.started}, completed ${r.completed}, failed ${r.failed}${r.aborted ? `, aborted ${r.aborted}` : ''}; complete payments/s in the window ${fmt(r.achievedRate)}`,
  );
  lines.push(`errors by code: ${codes(r.errors.byCode)}`);
  if (Object.keys(r.errors.payeeErrors).length) lines.push(`errors the payees received: ${codes(r.errors.payeeErrors)}`);
  if (r.errors.late || r.errors.unexpected) lines.push(`late callbacks ${r.errors.late}, unexpected requests ${r.errors.unexpected}`);
  lines.push(
    `sync answers p50/p99 ms: ${Object.entries(r.ack)
      .map(([k, s]) => `${k} ${fmt(s.p50)}/${fmt(s.p99)}`)
      .join(' | ')}`,
  );
  const c = r.cpu;
  const per = c.perPaymentMs;
  const parts = [`window ${fmt(c.windowS, 1)} s`];
  if (c.hubS !== undefined) parts.push(`hub ${fmt(c.hubS, 2)} s (${fmt((c.hubS / c.windowS) * 100, 0)}% of a core)`);
  if (c.hubNodesS) parts.push(`per node ${c.hubNodesS.map((x, k) => `#${k + 1} ${fmt(x, 2)} s (${fmt(per.hubNodes?.[k], 3)} ms/payment)`).join(', ')}`);
  if (c.brokerS !== undefined) parts.push(`broker ${fmt(c.brokerS, 2)} s (${fmt(per.broker, 3)} ms/payment)`);
  if (c.pgS !== undefined) parts.push(`PostgreSQL ${fmt(c.pgS, 2)} s (hub db backends + WAL writer/checkpointer/bgwriter)`);
  if (c.pgAllS !== undefined) parts.push(`all postgres processes ${fmt(c.pgAllS, 2)} s`);
  if (c.relayS !== undefined) parts.push(`relay ${fmt(c.relayS, 2)} s (${fmt((c.relayS / c.windowS) * 100, 0)}%)`);
  parts.push(`generator ${fmt(c.generatorS, 2)} s`);
  lines.push(`CPU: ${parts.join(', ')}`);
  if (c.machineS !== undefined) {
    lines.push(
      `machine: ${fmt(c.machineS, 1)} s busy of ${fmt(c.windowS * c.cores, 0)} s (${c.cores} cores, ${fmt((c.machineS / (c.windowS * c.cores)) * 100, 0)}%); other processes ${fmt(c.othersS, 1)} s${c.othersS !== undefined && c.othersS > 0.1 * c.windowS ? ' — the machine was shared: figures are pessimistic' : ''}`,
    );
  }
  if (c.rssMiB && c.rssMiB.start !== undefined) {
    lines.push(
      `${r.target} memory (RSS): ${fmt(c.rssMiB.start, 0)} MiB at the window's start, ${fmt(c.rssMiB.end, 0)} MiB at its end, max ${fmt(c.rssMiB.max, 0)} MiB`,
    );
  }
  const pp: string[] = [];
  if (per.hub !== undefined) pp.push(`hub ${fmt(per.hub, 3)}`);
  if (per.pg !== undefined) pp.push(`PostgreSQL ${fmt(per.pg, 3)}`);
  if (per.hubPlusPg !== undefined) pp.push(`hub+PostgreSQL ${fmt(per.hubPlusPg, 3)}`);
  if (per.pgAll !== undefined) pp.push(`(all postgres ${fmt(per.pgAll, 3)})`);
  if (per.relay !== undefined) pp.push(`relay ${fmt(per.relay, 3)}`);
  if (per.generator !== undefined) pp.push(`generator ${fmt(per.generator, 3)}`);
  lines.push(`CPU ms per complete payment: ${pp.join(', ') || '-'}`);
  const g = r.generator;
  lines.push(
    `generator: ${g.workers} worker(s), scheduling lag p50 ${fmt(g.lagP50, 2)} / p99 ${fmt(g.lagP99, 2)} / max ${fmt(g.lagMax, 1)} ms, event loop p99 ${fmt(g.eventLoopP99, 1)} ms, new connections to the target ${g.connects ?? '-'}${g.connectErrors ? ` (${g.connectErrors} failed)` : ''}, from it ${g.accepted ?? '-'}${
      g.closes && Object.keys(g.closes).length
        ? `, closed ${Object.entries(g.closes)
            .map(([k, n]) => `${k} ×${n}`)
            .join(', ')}`
        : ''
    } → ${g.saturated ? 'SATURATED: ' + g.notes.join('; ') : 'kept up' + (g.notes.length ? ` (${g.notes.join('; ')})` : '')}`,
  );
  if (r.signing.enabled) {
    lines.push(
      `signing: ${r.signing.signedAhead} RS256 signatures computed ahead of the window (${fmt(r.signing.signWallS, 1)} s wall, ${fmt(r.signing.signCpuS, 1)} s CPU, store ${r.signing.store}); ${r.signing.liveSigns} signed live; Date headers ${fmt(r.signing.dateShiftS, 1)} s before send${r.signing.verified ? `; ${r.signing.verified} received signatures checked, ${r.signing.signatureFailures} invalid` : ''}`,
    );
  }
  if (r.pgActivity && r.pgActivity.top.length) {
    const total = r.pgActivity.top.reduce((x, y) => x + y.avgActive, 0);
    lines.push(`PostgreSQL activity (${r.pgActivity.samples} samples of pg_stat_activity; average active backends ${total.toFixed(2)}):`);
    for (const e of r.pgActivity.top.slice(0, 8)) lines.push(`  ${e.avgActive.toFixed(3).padStart(6)}  ${e.wait.padEnd(22)} ${e.query.slice(0, 100)}`);
  }
  if (r.pgTables && r.pgTables.length) {
    const n = Math.max(1, r.achievedRate * r.measuredS);
    const shown = r.pgTables.filter((x) => x.seqTuplesRead > 0).slice(0, 5);
    if (shown.length) {
      lines.push(
        `PostgreSQL sequential scans in the window: ${shown
          .map((x) => `${x.table} ${x.seqScans}× (${fmt(x.seqTuplesRead / n, 0)} rows read per payment; ${x.liveTuples} rows, ${x.deadTuples} dead)`)
          .join('; ')}`,
      );
    }
  }
  lines.push(
    `latency bar (<1% of transfer stages over 1 s, no errors, ≥99% completed, ≥95% of the offered rate, generator kept up): ${r.meetsLatencyBar ? 'met' : 'NOT met — ' + r.barNotes.join('; ')}`,
  );
  for (const s of r.errors.samples.slice(0, 5)) lines.push(`  sample: ${s}`);
  return lines.join('\n');
}

export function summaryTable(s: Summary): string {
  const w = [6, 14, 8, 9, 9, 9, 9, 8, 9, 9, 9, 7];
  const lines = [pad(['target', 'step', 'offered', 'achieved', 'e2e p50', 'e2e p99', 'xfer p99', 'xfer>1s', 'errors', 'hub ms/p', 'pg ms/p', 'bar'], w)];
  for (const r of s.steps) {
    lines.push(
      pad(
        [
          r.target,
          r.label.slice(0, 14),
          fmt(r.offeredRate),
          fmt(r.achievedRate),
          fmt(r.stages.endToEnd.p50),
          fmt(r.stages.endToEnd.p99),
          fmt(r.stages.transfer.p99),
          pct(r.stages.transfer.shareOver1sInclTimeouts),
          String(r.errors.total),
          fmt(r.cpu.perPaymentMs.hub ?? r.cpu.perPaymentMs.relay, 3),
          fmt(r.cpu.perPaymentMs.pg, 3),
          r.meetsLatencyBar ? 'met' : 'no',
        ],
        w,
      ),
    );
  }
  const ge = (b?: boolean) => (b ? '≥ ' : '');
  lines.push(
    `knee (highest offered rate meeting the latency bar): hub ${ge(s.knee.hubIsLowerBound)}${s.knee.hub ?? '-'}/s, relay ${ge(s.knee.relayIsLowerBound)}${s.knee.relay ?? '-'}/s ${s.knee.note ? `(${s.knee.note})` : ''}`,
  );
  if (s.efficiency.ratio !== null) {
    lines.push(
      `efficiency hub/relay: ${s.efficiency.ratio.toFixed(3)} (hub ${fmt(s.efficiency.hubRate)}/s vs relay ${fmt(s.efficiency.relayRate)}/s; ${s.efficiency.basis})`,
    );
  }
  lines.push(`signing: ${s.signing.note}`);
  return lines.join('\n');
}

// ---- HTML -----------------------------------------------------------------------------------------------------------

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

interface Line {
  name: string;
  color: string;
  points: Array<[number, number | null]>;
  dash?: boolean;
}

function chart(title: string, lines: Line[], o: { log?: boolean; yLabel: string; xLabel?: string; shade?: [number, number] }): string {
  const W = 900;
  const H = 260;
  const L = 60;
  const R = 150;
  const T = 24;
  const B = 32;
  const xs = lines.flatMap((l) => l.points.map((p) => p[0]));
  const ys = lines.flatMap((l) => l.points.map((p) => p[1]).filter((v): v is number => v !== null && Number.isFinite(v) && (!o.log || v > 0)));
  if (xs.length === 0 || ys.length === 0) return `<p><b>${esc(title)}</b>: no data</p>`;
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs, x0 + 1);
  let y0 = o.log ? Math.min(...ys) : 0;
  let y1 = Math.max(...ys);
  if (o.log) {
    y0 = Math.pow(10, Math.floor(Math.log10(Math.max(y0, 0.01))));
    y1 = Math.pow(10, Math.ceil(Math.log10(Math.max(y1, y0 * 10))));
  } else {
    y1 = y1 <= 0 ? 1 : y1 * 1.1;
  }
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number) =>
    o.log ? T + (1 - (Math.log10(y) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * (H - T - B) : T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  parts.push(`<text x="${L}" y="14" font-weight="bold" font-size="13">${esc(title)}</text>`);
  if (o.shade)
    parts.push(`<rect x="${sx(o.shade[0])}" y="${T}" width="${Math.max(0, sx(o.shade[1]) - sx(o.shade[0]))}" height="${H - T - B}" fill="#eef5ff"/>`);
  // y grid
  const ticks: number[] = [];
  if (o.log) for (let v = y0; v <= y1 * 1.0001; v *= 10) ticks.push(v);
  else for (let k = 0; k <= 5; k++) ticks.push(y0 + ((y1 - y0) * k) / 5);
  for (const v of ticks) {
    const y = sy(v);
    parts.push(
      `<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${L - 4}" y="${y + 4}" text-anchor="end">${v >= 100 ? v.toFixed(0) : Number(v.toPrecision(2))}</text>`,
    );
  }
  const raw = (x1 - x0) / 10;
  const mag = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
  const xstep = Math.max(raw <= 1 ? 1 : 0, [1, 2, 5, 10].map((m) => m * mag).find((v) => v >= raw) ?? 10 * mag);
  for (let x = Math.ceil(x0 / xstep) * xstep; x <= x1; x += xstep) {
    parts.push(
      `<line x1="${sx(x)}" x2="${sx(x)}" y1="${T}" y2="${H - B}" stroke="#f0f0f0"/><text x="${sx(x)}" y="${H - B + 14}" text-anchor="middle">${x}</text>`,
    );
  }
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle">${esc(o.xLabel ?? 'seconds since start')}</text>`);
  parts.push(`<text x="12" y="${(T + H - B) / 2}" transform="rotate(-90 12 ${(T + H - B) / 2})" text-anchor="middle">${esc(o.yLabel)}</text>`);
  parts.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#999"/>`);
  lines.forEach((l, k) => {
    const segs: string[] = [];
    let cur = '';
    for (const [x, y] of l.points) {
      if (y === null || !Number.isFinite(y) || (o.log && y <= 0)) {
        if (cur) segs.push(cur);
        cur = '';
        continue;
      }
      cur += `${cur ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(Math.max(y, y0)).toFixed(1)}`;
    }
    if (cur) segs.push(cur);
    for (const d of segs) parts.push(`<path d="${d}" fill="none" stroke="${l.color}" stroke-width="1.5"${l.dash ? ' stroke-dasharray="4 3"' : ''}/>`);
    const ly = T + 10 + k * 15;
    parts.push(
      `<line x1="${W - R + 10}" x2="${W - R + 30}" y1="${ly}" y2="${ly}" stroke="${l.color}" stroke-width="2"${l.dash ? ' stroke-dasharray="4 3"' : ''}/><text x="${W - R + 34}" y="${ly + 4}">${esc(l.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

function stepHtml(r: StepResult): string {
  const pts = (f: (p: SecPoint) => number | null | undefined): Array<[number, number | null]> => r.series.map((p) => [p.t, f(p) ?? null]);
  const shade: [number, number] = [r.warmupS, r.warmupS + r.measuredS];
  const names = ['discovery', 'agreement', 'transfer', 'end to end'];
  const rate = chart(
    'Rate (payments/s)',
    [
      { name: 'started', color: COLORS[0]!, points: pts((p) => p.started) },
      { name: 'completed', color: COLORS[2]!, points: pts((p) => p.completed) },
      { name: 'failed', color: COLORS[3]!, points: pts((p) => p.failed) },
    ],
    { yLabel: 'per second', shade },
  );
  const lat = chart(
    'Latency per second: p50 (dashed) and p99 (ms, log scale)',
    [
      ...names.map((n, k) => ({ name: `${n} p99`, color: COLORS[k]!, points: pts((p) => p.p99[k]) })),
      ...names.map((n, k) => ({ name: `${n} p50`, color: COLORS[k]!, dash: true, points: pts((p) => p.p50[k]) })),
    ],
    { log: true, yLabel: 'ms', shade },
  );
  const cpuLines: Line[] = [];
  if (r.series.some((p) => p.cpu.hub !== undefined)) cpuLines.push({ name: 'hub', color: COLORS[0]!, points: pts((p) => p.cpu.hub) });
  if (r.series.some((p) => p.cpu.pg !== undefined)) cpuLines.push({ name: 'PostgreSQL', color: COLORS[1]!, points: pts((p) => p.cpu.pg) });
  if (r.series.some((p) => p.cpu.relay !== undefined)) cpuLines.push({ name: 'relay', color: COLORS[4]!, points: pts((p) => p.cpu.relay) });
  if (r.series.some((p) => p.cpu.broker !== undefined)) cpuLines.push({ name: 'broker', color: COLORS[3]!, points: pts((p) => p.cpu.broker) });
  cpuLines.push({ name: 'generator', color: COLORS[2]!, points: pts((p) => p.cpu.generator) });
  if (r.series.some((p) => p.cpu.machine !== undefined)) cpuLines.push({ name: 'whole machine', color: '#777', dash: true, points: pts((p) => p.cpu.machine) });
  const cpu = chart('CPU (% of one core)', cpuLines, { yLabel: '%', shade });
  const inflight = chart('Payments in flight (end of each second)', [{ name: 'in flight', color: COLORS[5]!, points: pts((p) => p.inflight) }], {
    yLabel: 'payments',
    shade,
  });
  const rss = r.series.some((p) => p.rssMiB !== undefined)
    ? chart(`${r.target} resident memory (MiB)`, [{ name: 'RSS', color: COLORS[4]!, points: pts((p) => p.rssMiB) }], { yLabel: 'MiB', shade })
    : '';
  return `<section><h2>${esc(r.target)} — ${esc(r.label)} (offered ${fmt(r.offeredRate)}/s)</h2>
<pre>${esc(stepTable(r))}</pre>
${rate}<br/>${lat}<br/>${cpu}<br/>${inflight}<br/>${rss}
</section>`;
}

function sweepHtml(s: Summary): string {
  const out: string[] = [];
  for (const target of ['hub', 'relay'] as const) {
    const steps = s.steps.filter((r) => r.target === target).sort((a, b) => a.offeredRate - b.offeredRate);
    if (steps.length < 2) continue;
    const pts = (f: (r: StepResult) => number): Array<[number, number | null]> => steps.map((r) => [r.offeredRate, Number.isFinite(f(r)) ? f(r) : null]);
    out.push(`<h2>${target}: rate sweep</h2>`);
    out.push(
      chart(
        `${target}: achieved vs offered (payments/s)`,
        [
          { name: 'achieved', color: COLORS[2]!, points: pts((r) => r.achievedRate) },
          { name: 'offered', color: '#999', dash: true, points: pts((r) => r.offeredRate) },
        ],
        { yLabel: 'payments/s', xLabel: 'offered payments/s' },
      ),
    );
    out.push(
      chart(
        `${target}: latency vs offered rate (ms, log scale)`,
        [
          { name: 'transfer p99', color: COLORS[2]!, points: pts((r) => r.stages.transfer.p99) },
          { name: 'end to end p50', color: COLORS[3]!, dash: true, points: pts((r) => r.stages.endToEnd.p50) },
          { name: 'end to end p99', color: COLORS[3]!, points: pts((r) => r.stages.endToEnd.p99) },
        ],
        { log: true, yLabel: 'ms', xLabel: 'offered payments/s' },
      ),
    );
  }
  return out.join('<br/>');
}

export function renderHtml(s: Summary): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"/><title>Mizani load report ${esc(s.startedAt)}</title>
<style>body{font-family:sans-serif;margin:20px;max-width:1100px}pre{background:#f7f7f7;padding:8px;overflow-x:auto;font-size:12px}h2{border-top:1px solid #ccc;padding-top:12px}</style>
</head><body>
<h1>Mizani load report</h1>
<p>Started ${esc(s.startedAt)}${s.finishedAt ? `, finished ${esc(s.finishedAt)}` : ''}${s.interrupted ? ' — <b>interrupted</b>' : ''}.</p>
<pre>${esc(s.command)}</pre>
<h2>Summary</h2>
<pre>${esc(summaryTable(s))}</pre>
<h2>Machine</h2>
<pre>${esc(JSON.stringify(s.machine, null, 2))}</pre>
${sweepHtml(s)}
${s.notes.length ? `<h2>Notes</h2><ul>${s.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
${s.steps.map(stepHtml).join('\n')}
<p>The shaded area of each chart is the measured window; before it is the warm-up, after it the drain.</p>
</body></html>
`;
}
