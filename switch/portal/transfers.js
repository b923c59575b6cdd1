// Transfer search (by id, party, state, time) and one transfer: its record, its journal entries, and its messages
// in every dialect it crossed, as the hub renders them from its record (GET /transfers/{id}).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { get, queryString } from './api.js';
import { Amount, Badge, ErrorBox, Field, Loaded, Pretty, Table, useLoad, when } from './ui.js';

const STATES = ['', 'RECEIVED', 'RESERVED', 'COMMITTED', 'ABORTED'];
const KINDS = ['', 'TRANSFER', 'FUNDS_IN', 'FUNDS_OUT', 'SETTLEMENT', 'FX_TRANSFER'];
const isoOf = (local) => (local ? new Date(local).toISOString() : '');

export function TransfersPage({ me, can }) {
  const [form, setForm] = useState({ id: '', party: can.participantOnly ? me.participant : '', state: '', kind: '', from: '', to: '' });
  const [result, setResult] = useState({ transfers: undefined, next: undefined, error: undefined });
  const search = async (before) => {
    const q = queryString({
      id: form.id.trim(),
      party: form.party.trim(),
      state: form.state,
      kind: form.kind,
      from: isoOf(form.from),
      to: isoOf(form.to),
      limit: 50,
      before,
    });
    try {
      const page = await get(`/transfers${q}`);
      setResult({ transfers: before ? [...(result.transfers ?? []), ...page.transfers] : page.transfers, next: page.next });
    } catch (error) {
      setResult({ error });
    }
  };
  const submit = (event) => {
    event.preventDefault();
    return search(undefined);
  };
  return html`<section>
    <h2>Transfers</h2>
    <form class="inline" data-testid="transfer-search" onSubmit=${submit}>
      <${Field} label="Transfer id" name="id" form=${form} setForm=${setForm} />
      <${Field} label="Party" name="party" form=${form} setForm=${setForm} placeholder="payer or payee" />
      <${Field} label="State" name="state" form=${form} setForm=${setForm} options=${STATES.map((s) => ({ value: s, label: s || 'any' }))} />
      <${Field} label="Kind" name="kind" form=${form} setForm=${setForm} options=${KINDS.map((k) => ({ value: k, label: k || 'any' }))} />
      <${Field} label="From" name="from" type="datetime-local" form=${form} setForm=${setForm} />
      <${Field} label="To" name="to" type="datetime-local" form=${form} setForm=${setForm} />
      <button type="submit">Search</button>
    </form>
    <${ErrorBox} error=${result.error} />
    ${
      result.transfers
        ? html`<${Table}
              testId="transfers"
              rows=${result.transfers}
              rowKey=${(t) => t.transferId}
              empty="No transfer matches."
              columns=${[
                { label: 'Transfer', render: (t) => html`<a href=${`#/transfers/${encodeURIComponent(t.transferId)}`}>${t.transferId}</a>` },
                { label: 'Kind', render: (t) => t.kind },
                { label: 'Payer', render: (t) => t.payer },
                { label: 'Payee', render: (t) => t.payee },
                { label: 'Amount', render: (t) => html`<${Amount} value=${t.amount} /> ${t.currency}` },
                { label: 'State', render: (t) => html`<${Badge} value=${t.state} />` },
                { label: 'Created', render: (t) => when(t.createdAt) },
                { label: 'Completed', render: (t) => when(t.completedAt) },
              ]}
            />
            ${result.next ? html`<button onClick=${() => search(result.next)}>More</button>` : null}`
        : null
    }
  </section>`;
}

/** The transfer's scalar members as a definition list, nested ones (amounts) as JSON. */
function RecordView({ record }) {
  return html`<dl class="record" data-testid="transfer-record">
    ${Object.entries(record).map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${cell(v)}</dd>`,
    )}
  </dl>`;
}

/** Journal entries: a table of whatever columns the entries carry. */
function JournalView({ entries }) {
  const columns = [...new Set(entries.flatMap((row) => Object.keys(row)))].map((col) => ({ label: col, render: (row) => cell(row[col]) }));
  return html`<${Table} testId="journal" rows=${entries} columns=${columns} empty="No journal entry." />`;
}

const cell = (v) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function TransferPage({ id }) {
  const state = useLoad(() => get(`/transfers/${encodeURIComponent(id)}`), [id]);
  return html`<section>
    <h2>Transfer ${id}</h2>
    <${Loaded} state=${state}>
      ${(transfer) => html`
        <${RecordView} record=${transfer.transfer ?? {}} />
        <h3>Journal entries</h3>
        <${JournalView} entries=${transfer.journal ?? []} />
        <h3>Messages in each dialect it crossed</h3>
        <p class="muted">${transfer.messagesNote ?? ''}</p>
        <div data-testid="messages">
          ${(transfer.messages ?? []).map(
            (m) =>
              html`<article class="card message-card" data-dialect=${m.dialect}>
                <h4>${m.dialect} · ${m.direction} · ${m.name}</h4>
                <p class="muted">${m.contentType}${m.note ? ` · ${m.note}` : ''}</p>
                <${Pretty} text=${m.body} contentType=${m.contentType} />
              </article>`,
          )}
        </div>
      `}
    <//>
  </section>`;
}
