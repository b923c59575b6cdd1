// Charts of throughput, latency and refusals over time (GET /stats/series), drawn with uPlot, refreshed every 15 s.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { get, queryString } from './api.js';
import { ErrorBox } from './ui.js';

const REFRESH_MS = 15_000;
const CHARTS = [
  {
    id: 'throughput',
    title: 'Throughput (transfers per bucket)',
    series: [
      { key: 'committed', label: 'committed', stroke: '#2e7d32' },
      { key: 'aborted', label: 'aborted', stroke: '#c62828' },
    ],
  },
  {
    id: 'latency',
    title: 'Latency (ms, prepare to completion)',
    series: [
      { key: 'p50Ms', label: 'p50', stroke: '#1565c0' },
      { key: 'p95Ms', label: 'p95', stroke: '#6a1b9a' },
    ],
  },
  { id: 'refusals', title: 'Refusals (requests answered with an error)', series: [{ key: 'refused', label: 'refused', stroke: '#ef6c00' }] },
];

/** uPlot's columns: seconds since the epoch, then one array per series (null where the bucket has no figure). */
function columnsOf(buckets, chart) {
  const times = buckets.map((b) => Math.floor(new Date(b.at).getTime() / 1000));
  return [times, ...chart.series.map((s) => buckets.map((b) => (b[s.key] === null || b[s.key] === undefined ? null : Number(b[s.key]))))];
}

function Chart({ chart, buckets }) {
  const box = useRef(null);
  useEffect(() => {
    const width = Math.max(320, box.current.clientWidth || 600);
    const options = {
      title: chart.title,
      width,
      height: 220,
      series: [{}, ...chart.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, spanGaps: false }))],
      axes: [{}, { size: 60 }],
    };
    const plot = new uPlot(options, columnsOf(buckets, chart), box.current);
    return () => plot.destroy();
  }, [buckets]);
  return html`<div class="chart card" data-chart=${chart.id} ref=${box}></div>`;
}

function totals(buckets) {
  const sum = (key) => buckets.reduce((n, b) => n + Number(b[key] ?? 0), 0);
  return { committed: sum('committed'), aborted: sum('aborted'), refused: sum('refused') };
}

export function DashboardPage() {
  const [minutes, setMinutes] = useState(60);
  const [state, setState] = useState({});
  useEffect(() => {
    let live = true;
    const load = () =>
      get(`/stats/series${queryString({ minutes, bucket: 60 })}`).then(
        (series) => live && setState({ buckets: series.buckets }),
        (error) => live && setState({ error }),
      );
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [minutes]);
  const sums = state.buckets ? totals(state.buckets) : undefined;
  return html`<section>
    <h2>Activity</h2>
    <label
      >Period
      <select name="minutes" value=${minutes} onChange=${(e) => setMinutes(Number(e.currentTarget.value))}>
        ${[15, 60, 360, 1440].map((m) => html`<option value=${m}>last ${m >= 60 ? `${m / 60} h` : `${m} min`}</option>`)}
      </select></label
    >
    <${ErrorBox} error=${state.error} />
    ${sums ? html`<p data-testid="totals">Committed ${sums.committed} · aborted ${sums.aborted} · refused ${sums.refused}</p>` : null}
    ${state.buckets ? CHARTS.map((chart) => html`<${Chart} key=${chart.id} chart=${chart} buckets=${state.buckets} />`) : null}
  </section>`;
}
