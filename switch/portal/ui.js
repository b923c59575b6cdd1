// What every page shares: loading data with its error, the outcome of an action (done, or a proposal awaiting
// approval), tables, and who may do what (the Admin API is the real guard; the portal hides what a role may not do).
import { html } from 'htm/preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { act, ApiError } from './api.js';
import { format, scaled } from './money.js';

const has = (me, roles) => me.roles.some((role) => roles.includes(role));

/** What the signed-in user's roles allow, as the shared contract gives them (docs/portal.md). */
export function abilities(me) {
  const participantOnly = !has(me, ['admin', 'operator', 'finance', 'auditor']);
  return {
    participantOnly,
    moveFunds: has(me, ['admin', 'finance']),
    settle: has(me, ['admin', 'finance']),
    decide: has(me, ['admin', 'operator', 'finance']),
    readProposals: has(me, ['admin', 'operator', 'finance', 'auditor']),
    readAudit: has(me, ['admin', 'operator', 'finance', 'auditor']),
    readHubWide: !participantOnly,
  };
}

/** Runs `load` when a dependency changes; {data, error, loading, reload}. */
export function useLoad(load, deps) {
  const [state, setState] = useState({ loading: true });
  const run = useCallback(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

export function ErrorBox({ error }) {
  if (!error) return null;
  const forbidden = error instanceof ApiError && error.status === 403;
  return html`<p class="error" role="alert">${forbidden ? 'Not permitted for your role: ' : ''}${error.message}</p>`;
}

export function Loaded({ state, children }) {
  if (state.error) return html`<${ErrorBox} error=${state.error} />`;
  if (state.data === undefined) return html`<p class="loading">Loading…</p>`;
  return children(state.data);
}

/** Runs an action and keeps its outcome for <Outcome>: done, a proposal awaiting approval, or the error. */
export function useAction(onDone) {
  const [outcome, setOutcome] = useState(undefined);
  const [busy, setBusy] = useState(false);
  const run = async (label, method, path, body) => {
    setBusy(true);
    try {
      const result = await act(method, path, body);
      setOutcome({ label, ...result });
      if (onDone) onDone(result);
      return result;
    } catch (error) {
      setOutcome({ label, error });
      return { error };
    } finally {
      setBusy(false);
    }
  };
  return { outcome, busy, run, clear: () => setOutcome(undefined) };
}

export function Outcome({ outcome }) {
  if (!outcome) return null;
  if (outcome.error) return html`<p class="error" role="alert">${outcome.label} failed: ${outcome.error.message}</p>`;
  if (outcome.proposal) {
    const p = outcome.proposal;
    return html`<p class="notice proposal" role="status">
      ${outcome.label}: proposal <a href=${`#/proposals/${p.id}`}>${p.id}</a> created, awaiting approval by another user (expires ${when(p.expiresAt)}).
    </p>`;
  }
  return html`<p class="notice done" role="status">${outcome.label}: done.</p>`;
}

export function Amount({ value }) {
  if (value === undefined || value === null || value === '') return html`<span class="amount muted">—</span>`;
  return html`<span class="amount">${format(scaled(value))}</span>`;
}

export function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? String(iso)
    : date
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}

export function Badge({ value, kind }) {
  return html`<span class=${`badge ${kind ?? String(value).toLowerCase()}`}>${value}</span>`;
}

/** A table of rows; columns: [{label, render(row)}]. */
export function Table({ rows, columns, empty = 'Nothing to show.', rowKey, testId, className }) {
  if (!rows || rows.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<table data-testid=${testId} class=${className}>
    <thead>
      <tr>
        ${columns.map((c) => html`<th class=${c.className}>${c.label}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (row, i) =>
          html`<tr key=${rowKey ? rowKey(row) : i}>
            ${columns.map((c) => html`<td class=${c.className}>${c.render(row)}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** A labelled input bound to a field of a form state object. */
export function Field({ label, form, setForm, name, type = 'text', options, required, placeholder }) {
  const onInput = (event) => setForm({ ...form, [name]: event.currentTarget.value });
  const input = options
    ? html`<select name=${name} value=${form[name] ?? ''} onChange=${onInput}>
        ${options.map((o) => html`<option value=${o.value}>${o.label}</option>`)}
      </select>`
    : html`<input name=${name} type=${type} value=${form[name] ?? ''} onInput=${onInput} required=${required} placeholder=${placeholder} />`;
  return html`<label>${label} ${input}</label>`;
}

export function Pretty({ text, contentType }) {
  let shown = text;
  if (typeof text !== 'string') shown = JSON.stringify(text, null, 2);
  else if (/json/.test(contentType ?? '')) {
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      shown = text;
    }
  }
  return html`<pre class="message">${shown}</pre>`;
}
