// Proposals under maker-checker: what awaits approval, with approve and reject (with a reason). The proposer cannot
// approve their own proposal; the Admin API refuses it too.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { get, queryString } from './api.js';
import { Badge, Loaded, Outcome, Pretty, Table, useAction, useLoad, when } from './ui.js';

const STATES = ['PENDING', 'EXECUTED', 'FAILED', 'REJECTED', 'EXPIRED'];

export function ProposalsPage({ me, can, focus }) {
  const [filter, setFilter] = useState('PENDING');
  const state = useLoad(async () => (await get(`/proposals${queryString({ state: filter })}`)).proposals, [filter]);
  const action = useAction(() => state.reload());
  return html`<section>
    <h2>Proposals</h2>
    <label
      >State
      <select name="state" value=${filter} onChange=${(e) => setFilter(e.currentTarget.value)}>
        ${STATES.map((s) => html`<option value=${s}>${s}</option>`)}
      </select></label
    >
    <${Outcome} outcome=${action.outcome} />
    <${Loaded} state=${state}>
      ${(proposals) =>
        html`<${Table}
          testId="proposals"
          rows=${proposals}
          rowKey=${(p) => p.id}
          empty=${`No ${filter.toLowerCase()} proposal.`}
          columns=${[
            { label: 'Proposal', render: (p) => html`<a href=${`#/proposals/${p.id}`} class=${p.id === focus ? 'focus' : ''}>${p.id}</a>` },
            { label: 'Action', render: (p) => p.action },
            { label: 'Request', render: (p) => html`<code>${p.method} ${p.path}</code>` },
            { label: 'Proposer', render: (p) => p.proposer },
            { label: 'State', render: (p) => html`<${Badge} value=${p.state} />` },
            { label: 'Proposed', render: (p) => when(p.proposedAt) },
            { label: 'Expires', render: (p) => when(p.expiresAt) },
            { label: '', render: (p) => (can.decide && p.state === 'PENDING' ? html`<${Decide} proposal=${p} me=${me} action=${action} />` : null) },
          ]}
        />`}
    <//>
    ${focus ? html`<${ProposalDetail} id=${focus} />` : null}
  </section>`;
}

/** Whether `me` holds a role that may decide on this proposal (the Admin API's own rule; it refuses the others). */
function mayDecide(proposal, me) {
  return me.roles.includes('admin') || (proposal.approverRoles ?? []).some((role) => me.roles.includes(role));
}

function Decide({ proposal, me, action }) {
  const [reason, setReason] = useState('');
  const own = proposal.proposer === me.subject;
  if (!mayDecide(proposal, me)) return html`<span class="muted">needs ${(proposal.approverRoles ?? []).join(' or ') || 'admin'}</span>`;
  const approve = () => action.run(`Approve ${proposal.id}`, 'POST', `/proposals/${proposal.id}/approve`, {});
  const reject = () => action.run(`Reject ${proposal.id}`, 'POST', `/proposals/${proposal.id}/reject`, { reason });
  return html`<span class="decide">
    <button data-action="approve" disabled=${own || action.busy} title=${own ? 'You proposed it: another user must approve' : ''} onClick=${approve}>
      Approve
    </button>
    <input name="reject-reason" aria-label="reason for rejecting" placeholder="reason" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)} />
    <button class="secondary" data-action="reject" disabled=${action.busy || reason.trim() === ''} onClick=${reject}>Reject</button>
  </span>`;
}

function ProposalDetail({ id }) {
  const state = useLoad(() => get(`/proposals/${encodeURIComponent(id)}`), [id]);
  return html`<article class="card" data-testid="proposal-detail">
    <h3>Proposal ${id}</h3>
    <${Loaded} state=${state}>
      ${(p) =>
        html`<dl class="record">
            <dt>State</dt>
            <dd>${p.state}</dd>
            <dt>Request</dt>
            <dd><code>${p.method} ${p.path}</code></dd>
            <dt>Proposer</dt>
            <dd>${p.proposer} at ${when(p.proposedAt)}</dd>
            <dt>Approver</dt>
            <dd>${p.approver ?? '—'} ${p.decidedAt ? `at ${when(p.decidedAt)}` : ''}</dd>
            <dt>Reason</dt>
            <dd>${p.reason ?? '—'}</dd>
          </dl>
          <h4>Body</h4>
          <${Pretty} text=${p.body ?? ''} />
          ${
            p.result
              ? html`<h4>Result (HTTP ${p.result.status})</h4>
                  <${Pretty} text=${p.result.body ?? ''} />`
              : null
          }`}
    <//>
  </article>`;
}
