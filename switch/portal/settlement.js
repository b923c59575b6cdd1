// Settlement windows and settlements: close a window, settle closed windows under a model, move a settlement's
// accounts one step at a time and finalise it. Each is a proposal under maker-checker: a second user approves.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { get, listOrEmpty, queryString } from './api.js';
import { Amount, Badge, Loaded, Outcome, Table, useAction, useLoad, when } from './ui.js';

/** How far back the lists look (the settlement API requires at least one filter). */
const LOOK_BACK_DAYS = 90;

/** The next state of a settlement's accounts, with the button that moves them there (admin.md §4.3). */
const NEXT_STEP = {
  PENDING_SETTLEMENT: { state: 'PS_TRANSFERS_RECORDED', label: 'Record transfers' },
  PS_TRANSFERS_RECORDED: { state: 'PS_TRANSFERS_RESERVED', label: 'Reserve' },
  PS_TRANSFERS_RESERVED: { state: 'PS_TRANSFERS_COMMITTED', label: 'Commit' },
  PS_TRANSFERS_COMMITTED: { state: 'SETTLED', label: 'Finalise' },
  SETTLING: { state: 'SETTLED', label: 'Finalise' },
};
const ABORTABLE = ['PENDING_SETTLEMENT', 'PS_TRANSFERS_RECORDED', 'PS_TRANSFERS_RESERVED'];

async function loadSettlement(me, can) {
  const since = new Date(Date.now() - LOOK_BACK_DAYS * 86_400_000).toISOString();
  const [windows, settlements, models, accountNames] = await Promise.all([
    listOrEmpty(`/v2/settlementWindows${queryString({ fromDateTime: since })}`),
    listOrEmpty(`/v2/settlements${queryString({ fromDateTime: since })}`),
    can.settle ? get('/settlementModels') : [],
    accountOwners(me, can),
  ]);
  return { windows, settlements, models: models.filter((m) => m.settlementDelay === 'DEFERRED' && m.isActive !== false), accountNames };
}

/** Settlements name accounts by id: the participant each account id belongs to. */
async function accountOwners(me, can) {
  const participants = can.participantOnly ? [await get(`/participants/${encodeURIComponent(me.participant)}`)] : await get('/participants');
  const owners = new Map();
  for (const p of participants) for (const a of p.accounts ?? []) owners.set(String(a.id), p.name);
  return owners;
}

export function SettlementPage({ me, can }) {
  const state = useLoad(() => loadSettlement(me, can), [me]);
  const action = useAction(() => state.reload());
  return html`<section>
    <h2>Settlement windows and settlements</h2>
    <${Outcome} outcome=${action.outcome} />
    <${Loaded} state=${state}>
      ${(data) => html`
        <${Windows} data=${data} can=${can} action=${action} />
        <${Settlements} data=${data} can=${can} action=${action} />
      `}
    <//>
  </section>`;
}

function Windows({ data, can, action }) {
  const [chosen, setChosen] = useState([]);
  const [model, setModel] = useState(data.models[0]?.name ?? '');
  const [reason, setReason] = useState('');
  const settleable = (w) => ['CLOSED', 'ABORTED'].includes(w.state);
  const toggle = (id) => setChosen(chosen.includes(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  const close = (w) =>
    action.run(`Close window ${w.settlementWindowId}`, 'POST', `/v2/settlementWindows/${w.settlementWindowId}`, {
      state: 'CLOSED',
      reason: reason || 'closed from the portal',
    });
  const settle = (event) => {
    event.preventDefault();
    const body = { settlementModel: model, reason: reason || 'settled from the portal', settlementWindows: chosen.map((id) => ({ id })) };
    return action.run(`Settle windows ${chosen.join(', ')}`, 'POST', '/v2/settlements', body);
  };
  return html`<h3>Windows</h3>
    ${can.settle ? html`<label>Reason <input name="reason" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)} placeholder="why" /></label>` : null}
    <${Table}
      testId="windows"
      rows=${data.windows}
      rowKey=${(w) => w.settlementWindowId}
      empty="No settlement window in the last 90 days."
      columns=${[
        {
          label: '',
          render: (w) =>
            can.settle && settleable(w)
              ? html`<input
                  type="checkbox"
                  aria-label=${`select window ${w.settlementWindowId}`}
                  checked=${chosen.includes(w.settlementWindowId)}
                  onChange=${() => toggle(w.settlementWindowId)}
                />`
              : null,
        },
        { label: 'Window', render: (w) => w.settlementWindowId },
        { label: 'State', render: (w) => html`<${Badge} value=${w.state} />` },
        { label: 'Content', render: (w) => (w.content ?? []).map((c) => `${c.ledgerAccountType} ${c.currencyId} ${c.state}`).join('; ') || '—' },
        { label: 'Opened', render: (w) => when(w.createdDate) },
        { label: 'Changed', render: (w) => when(w.changedDate) },
        {
          label: '',
          render: (w) =>
            can.settle && w.state === 'OPEN'
              ? html`<button data-action="close-window" disabled=${action.busy} onClick=${() => close(w)}>Close window</button>`
              : null,
        },
      ]}
    />
    ${
      can.settle
        ? html`<form class="inline" data-testid="create-settlement" onSubmit=${settle}>
            <label
              >Model
              <select name="model" value=${model} onChange=${(e) => setModel(e.currentTarget.value)}>
                ${data.models.map((m) => html`<option value=${m.name}>${m.name}</option>`)}
              </select></label
            >
            <button type="submit" data-action="create-settlement" disabled=${action.busy || chosen.length === 0 || !model}>Settle selected windows</button>
          </form>`
        : null
    }`;
}

function accountRows(settlement, owners) {
  return (settlement.participants ?? []).flatMap((p) =>
    (p.accounts ?? []).map((a) => ({ participantId: p.id, name: owners.get(String(a.id)) ?? `participant ${p.id}`, ...a })),
  );
}

function Settlements({ data, can, action }) {
  const step = (s) => {
    const next = NEXT_STEP[s.state];
    const participants = (s.participants ?? []).map((p) => ({
      id: p.id,
      accounts: (p.accounts ?? []).filter((a) => a.state !== next.state).map((a) => ({ id: a.id, state: next.state, reason: `${next.label} from the portal` })),
    }));
    return action.run(`${next.label} settlement ${s.id}`, 'PUT', `/v2/settlements/${s.id}`, {
      participants: participants.filter((p) => p.accounts.length > 0),
    });
  };
  const abort = (s) => action.run(`Abort settlement ${s.id}`, 'PUT', `/v2/settlements/${s.id}`, { state: 'ABORTED', reason: 'aborted from the portal' });
  return html`<h3>Settlements</h3>
    <${Table}
      testId="settlements"
      rows=${data.settlements}
      rowKey=${(s) => s.id}
      empty="No settlement in the last 90 days."
      columns=${[
        { label: 'Settlement', render: (s) => s.id },
        { label: 'State', render: (s) => html`<${Badge} value=${s.state} />` },
        { label: 'Windows', render: (s) => (s.settlementWindows ?? []).map((w) => w.id).join(', ') },
        {
          label: 'Net amounts',
          render: (s) =>
            html`<ul class="nets">
              ${accountRows(s, data.accountNames).map(
                (a) =>
                  html`<li>
                    ${a.name}: <${Amount} value=${a.netSettlementAmount?.amount} /> ${a.netSettlementAmount?.currency} <${Badge} value=${a.state} />
                  </li>`,
              )}
            </ul>`,
        },
        { label: 'Changed', render: (s) => when(s.changedDate) },
        {
          label: '',
          render: (s) =>
            can.settle
              ? html`${NEXT_STEP[s.state] ? html`<button data-action="settlement-step" disabled=${action.busy} onClick=${() => step(s)}>${NEXT_STEP[s.state].label}</button>` : null}
                ${ABORTABLE.includes(s.state) ? html`<button class="secondary" data-action="settlement-abort" disabled=${action.busy} onClick=${() => abort(s)}>Abort</button>` : null}`
              : null,
        },
      ]}
    />`;
}
