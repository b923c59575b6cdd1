// The portal's shell: login (POST /auth/token, the token kept in sessionStorage for this tab only), who is signed in
// (GET /auth/me), the pages each role may see, and a hash router (#/positions, #/transfers/{id}, ...).
import { html, render } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, get, onUnauthorised, session } from './api.js';
import { AuditPage } from './audit.js';
import { DashboardPage } from './dashboard.js';
import { ParticipantPage, ParticipantsPage } from './participants.js';
import { PositionsPage } from './positions.js';
import { ProposalsPage } from './proposals.js';
import { SettlementPage } from './settlement.js';
import { TransferPage, TransfersPage } from './transfers.js';
import { abilities } from './ui.js';

/** The pages, in menu order, with who may see each (the Admin API decides what they may read). */
const PAGES = [
  { path: 'dashboard', label: 'Activity', visible: (can) => can.readHubWide, view: DashboardPage },
  { path: 'participants', label: 'Participants', visible: () => true, view: ParticipantsPage },
  { path: 'positions', label: 'Positions & liquidity', visible: () => true, view: PositionsPage },
  { path: 'settlement', label: 'Settlement', visible: () => true, view: SettlementPage },
  { path: 'transfers', label: 'Transfers', visible: (can) => can.readHubWide, view: TransfersPage },
  { path: 'proposals', label: 'Proposals', visible: (can) => can.readProposals, view: ProposalsPage },
  { path: 'audit', label: 'Audit log', visible: (can) => can.readAudit, view: AuditPage },
];

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
}

function Login({ onSignedIn, message }) {
  const [form, setForm] = useState({ username: '', password: '' });
  const [error, setError] = useState(message);
  const submit = async (event) => {
    event.preventDefault();
    setError(undefined);
    try {
      const { body } = await api('POST', '/auth/token', { username: form.username, password: form.password });
      session.token = body.access_token;
      onSignedIn(await get('/auth/me'));
    } catch (e) {
      session.token = null;
      setError(e instanceof ApiError && e.status === 401 ? 'Wrong user name or password.' : e.message);
    }
  };
  const field = (name) => (event) => setForm({ ...form, [name]: event.currentTarget.value });
  return html`<main class="login">
    <form class="card" data-testid="login" onSubmit=${submit}>
      <h1>Mizani portal</h1>
      <label>User name <input name="username" autocomplete="username" value=${form.username} onInput=${field('username')} required /></label>
      <label
        >Password <input name="password" type="password" autocomplete="current-password" value=${form.password} onInput=${field('password')} required
      /></label>
      <button type="submit">Sign in</button>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    </form>
  </main>`;
}

function Shell({ me, onSignOut }) {
  const [page, ...rest] = useHash();
  const can = abilities(me);
  const pages = PAGES.filter((p) => p.visible(can));
  const current = pages.find((p) => p.path === page) ?? pages[0];
  let view = html`<${current.view} me=${me} can=${can} />`;
  if (page === 'participants' && rest[0]) view = html`<${ParticipantPage} name=${rest[0]} me=${me} can=${can} />`;
  if (page === 'transfers' && rest[0] && can.readHubWide) view = html`<${TransferPage} id=${rest[0]} />`;
  if (page === 'proposals' && current.path === 'proposals') view = html`<${ProposalsPage} me=${me} can=${can} focus=${rest[0]} />`;
  return html`<div class="shell">
    <header>
      <strong>Mizani</strong>
      <nav>${pages.map((p) => html`<a href=${`#/${p.path}`} class=${p === current ? 'current' : ''}>${p.label}</a>`)}</nav>
      <span class="me" data-testid="me">${me.subject} · ${me.roles.join(', ')}${me.participant ? ` · ${me.participant}` : ''}</span>
      <button class="secondary" onClick=${onSignOut}>Sign out</button>
    </header>
    <main>${view}</main>
  </div>`;
}

function App() {
  const [me, setMe] = useState(undefined);
  const [message, setMessage] = useState(undefined);
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    onUnauthorised(() => {
      session.token = null;
      setMe(undefined);
      setMessage('Your session ended: sign in again.');
    });
    // An open Admin API (demo profile) or a token of this tab still valid: no login needed.
    get('/auth/me').then(
      (identity) => {
        setMe(identity);
        setChecked(true);
      },
      () => setChecked(true),
    );
  }, []);
  if (!checked) return html`<p class="loading">Loading…</p>`;
  if (!me) return html`<${Login} message=${message} onSignedIn=${setMe} />`;
  const signOut = () => {
    session.token = null;
    setMessage(undefined);
    setMe(undefined);
  };
  return html`<${Shell} me=${me} onSignOut=${signOut} />`;
}

render(html`<${App} />`, document.getElementById('app'));
