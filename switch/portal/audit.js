// The audit log: the chain's verification status (GET /audit/verify) and its entries, newest page first.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { get, queryString } from './api.js';
import { Loaded, Table, useLoad, when } from './ui.js';

const PAGE = 50;

/** An entry's detail, one `key: value` line per field (values that are not text as JSON). */
function detailLines(detail) {
  return Object.entries(detail ?? {})
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('\n');
}

function VerifyBanner() {
  const state = useLoad(() => get('/audit/verify'), []);
  return html`<div data-testid="audit-verify">
    <${Loaded} state=${state}>
      ${(v) =>
        v.ok
          ? html`<p class="notice done" role="status">
              Chain verified: ${v.entries} entries, ${v.checkpoints} signed checkpoint${v.checkpoints === 1 ? '' : 's'}, nothing changed.
            </p>`
          : html`<p class="error" role="alert">
              Chain verification FAILED at entry ${v.firstProblem?.seq}: ${v.firstProblem?.problem} (${v.entries} entries, ${v.checkpoints} checkpoints).
            </p>`}
    <//>
    <button class="secondary" onClick=${state.reload}>Verify again</button>
  </div>`;
}

/** Entries after `after` (undefined: the newest page, found from the head). */
async function loadEntries(after) {
  if (after !== undefined) return get(`/audit${queryString({ after, limit: PAGE })}`);
  const { head } = await get(`/audit${queryString({ limit: 1 })}`);
  const headSeq = Number(head?.seq ?? 0);
  return get(`/audit${queryString({ after: Math.max(0, headSeq - PAGE), limit: PAGE })}`);
}

export function AuditPage() {
  const [after, setAfter] = useState(undefined);
  const state = useLoad(() => loadEntries(after), [after]);
  return html`<section>
    <h2>Audit log</h2>
    <${VerifyBanner} />
    <${Loaded} state=${state}>
      ${({ entries, head }) => {
        const first = entries.length ? Number(entries[0].seq) : 0;
        return html`<p class="muted">Head: entry ${head?.seq ?? 0}, hash <code>${head?.hash ?? '—'}</code></p>
          <div class="pager">
            <button class="secondary" disabled=${first <= 1} onClick=${() => setAfter(Math.max(0, first - 1 - PAGE))}>Older</button>
            <button class="secondary" onClick=${() => setAfter(undefined)}>Newest</button>
          </div>
          <${Table}
            testId="audit-entries"
            className="audit"
            rows=${[...entries].sort((x, y) => Number(y.seq) - Number(x.seq))}
            rowKey=${(e) => e.seq}
            empty="The audit log is empty."
            columns=${[
              { label: 'Seq', className: 'col-seq', render: (e) => e.seq },
              { label: 'At', className: 'col-at', render: (e) => when(e.at) },
              { label: 'Kind', className: 'col-kind', render: (e) => e.kind },
              { label: 'Actor', className: 'col-actor', render: (e) => e.actor },
              { label: 'Subject', className: 'col-subject', render: (e) => e.subject },
              { label: 'Detail', render: (e) => html`<code class="detail">${detailLines(e.detail)}</code>` },
              { label: 'Hash', className: 'col-hash', render: (e) => html`<code title=${e.hash}>${String(e.hash).slice(0, 12)}…</code>` },
            ]}
          />`;
      }}
    <//>
  </section>`;
}
