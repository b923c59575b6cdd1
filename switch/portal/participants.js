// Participants and their accounts; one participant's accounts, limits and positions, and funds in / out
// (each a proposal under maker-checker).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { get } from './api.js';
import { Amount, Badge, Field, Loaded, Outcome, Table, useAction, useLoad, when } from './ui.js';

const active = (flag) => html`<${Badge} value=${flag === true || flag === 1 ? 'active' : 'inactive'} />`;

export function ParticipantsPage({ me, can }) {
  const list = useLoad(async () => (can.participantOnly ? [await get(`/participants/${encodeURIComponent(me.participant)}`)] : get('/participants')), [me]);
  return html`<section>
    <h2>Participants</h2>
    <${Loaded} state=${list}>
      ${(participants) =>
        html`<${Table}
          testId="participants"
          rows=${participants}
          rowKey=${(p) => p.name}
          columns=${[
            { label: 'Name', render: (p) => html`<a href=${`#/participants/${encodeURIComponent(p.name)}`}>${p.name}</a>` },
            { label: 'State', render: (p) => active(p.isActive) },
            { label: 'Dialect', render: (p) => p.dialect ?? '—' },
            { label: 'Proxy', render: (p) => (p.isProxy ? 'yes' : '') },
            { label: 'Currencies', render: (p) => [...new Set((p.accounts ?? []).map((a) => a.currency))].join(', ') },
            { label: 'Created', render: (p) => when(p.created) },
          ]}
        />`}
    <//>
  </section>`;
}

async function loadParticipant(name) {
  const path = `/participants/${encodeURIComponent(name)}`;
  const [participant, accounts, limits] = await Promise.all([get(path), get(`${path}/accounts`), get(`${path}/limits`)]);
  return { participant, accounts, limits };
}

export function ParticipantPage({ name, can }) {
  const state = useLoad(() => loadParticipant(name), [name]);
  return html`<section>
    <h2>Participant ${name}</h2>
    <${Loaded} state=${state}>
      ${({ participant, accounts, limits }) => html`
        <p>${active(participant.isActive)} dialect ${participant.dialect ?? '—'}${participant.isProxy ? ', proxy' : ''}</p>
        <h3>Accounts</h3>
        <${Table}
          testId="accounts"
          rows=${accounts}
          rowKey=${(a) => a.id}
          columns=${[
            { label: 'Id', render: (a) => a.id },
            { label: 'Type', render: (a) => a.ledgerAccountType },
            { label: 'Currency', render: (a) => a.currency },
            { label: 'Value', render: (a) => html`<${Amount} value=${a.value} />` },
            { label: 'Reserved', render: (a) => html`<${Amount} value=${a.reservedValue} />` },
            { label: 'State', render: (a) => active(a.isActive) },
            { label: 'Changed', render: (a) => when(a.changedDate) },
          ]}
        />
        <h3>Limits</h3>
        <${Table}
          testId="limits"
          rows=${limits}
          columns=${[
            { label: 'Currency', render: (l) => l.currency },
            { label: 'Type', render: (l) => l.limit.type },
            { label: 'Value', render: (l) => html`<${Amount} value=${l.limit.value} />` },
            { label: 'Alarm %', render: (l) => l.limit.alarmPercentage ?? '—' },
          ]}
        />
        ${can.moveFunds ? html`<${FundsForms} name=${name} accounts=${accounts} onDone=${state.reload} />` : null}
      `}
    <//>
  </section>`;
}

function FundsForms({ name, accounts, onDone }) {
  const settlementAccounts = accounts.filter((a) => a.ledgerAccountType === 'SETTLEMENT');
  const first = settlementAccounts[0];
  const [form, setForm] = useState({ account: first ? String(first.id) : '', action: 'recordFundsIn', amount: '', reason: '', externalReference: '' });
  const [finish, setFinish] = useState({ transferId: '', action: 'recordFundsOutCommit', reason: '' });
  const action = useAction(onDone);
  if (!first) return html`<p class="muted">No settlement account: no funds can move.</p>`;
  const account = () => settlementAccounts.find((a) => String(a.id) === form.account) ?? first;
  const base = `/participants/${encodeURIComponent(name)}/accounts/${account().id}`;
  const submit = async (event) => {
    event.preventDefault();
    const transferId = crypto.randomUUID();
    const body = {
      transferId,
      externalReference: form.externalReference,
      action: form.action,
      reason: form.reason,
      amount: { amount: form.amount, currency: account().currency },
    };
    const label =
      form.action === 'recordFundsIn'
        ? `Funds in ${form.amount} ${account().currency}`
        : `Funds out ${form.amount} ${account().currency} (reserve ${transferId})`;
    await action.run(label, 'POST', base, body);
    if (form.action === 'recordFundsOutPrepareReserve') setFinish({ ...finish, transferId });
  };
  const submitFinish = async (event) => {
    event.preventDefault();
    const label = `${finish.action === 'recordFundsOutCommit' ? 'Commit' : 'Abort'} funds out ${finish.transferId}`;
    await action.run(label, 'PUT', `${base}/transfers/${encodeURIComponent(finish.transferId)}`, { action: finish.action, reason: finish.reason });
  };
  const accountOptions = settlementAccounts.map((a) => ({ value: String(a.id), label: `${a.currency} settlement account ${a.id}` }));
  return html`<div class="forms">
    <form class="card" data-testid="funds-form" onSubmit=${submit}>
      <h3>Funds in / out</h3>
      <${Field} label="Account" name="account" form=${form} setForm=${setForm} options=${accountOptions} />
      <${Field}
        label="Action"
        name="action"
        form=${form}
        setForm=${setForm}
        options=${[
          { value: 'recordFundsIn', label: 'Funds in' },
          { value: 'recordFundsOutPrepareReserve', label: 'Funds out (reserve)' },
        ]}
      />
      <${Field} label="Amount" name="amount" form=${form} setForm=${setForm} required placeholder="1000.00" />
      <${Field} label="Reason" name="reason" form=${form} setForm=${setForm} required />
      <${Field} label="External reference" name="externalReference" form=${form} setForm=${setForm} required />
      <button type="submit" disabled=${action.busy}>Submit</button>
    </form>
    <form class="card" data-testid="funds-out-finish" onSubmit=${submitFinish}>
      <h3>Finish a funds out</h3>
      <${Field} label="Transfer id" name="transferId" form=${finish} setForm=${setFinish} required />
      <${Field}
        label="Action"
        name="action"
        form=${finish}
        setForm=${setFinish}
        options=${[
          { value: 'recordFundsOutCommit', label: 'Commit' },
          { value: 'recordFundsOutAbort', label: 'Abort' },
        ]}
      />
      <${Field} label="Reason" name="reason" form=${finish} setForm=${setFinish} required />
      <button type="submit" disabled=${action.busy}>Submit</button>
    </form>
    <${Outcome} outcome=${action.outcome} />
  </div>`;
}
