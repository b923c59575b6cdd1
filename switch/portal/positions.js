// Positions against net debit caps, with alarms (amber from 80 %, red at or past the cap), and liquidity: what
// each participant's settlement account holds (the negated SETTLEMENT value, admin.md §1.6).
import { html } from 'htm/preact';
import { get } from './api.js';
import { add, alarmOf, negate, percentOf } from './money.js';
import { Amount, Badge, Loaded, Table, useLoad } from './ui.js';

async function participantNames(me, can) {
  if (can.participantOnly) return [me.participant];
  return (await get('/participants')).map((p) => p.name);
}

/** One row per participant and currency: position (with reservations), cap, utilisation, liquidity. */
async function loadPositions(me, can) {
  const names = await participantNames(me, can);
  const rows = [];
  await Promise.all(
    names.map(async (name) => {
      const path = `/participants/${encodeURIComponent(name)}`;
      const [accounts, limits] = await Promise.all([get(`${path}/accounts`), get(`${path}/limits`)]);
      for (const position of accounts.filter((a) => a.ledgerAccountType === 'POSITION')) {
        const limit = limits.find((l) => l.currency === position.currency && l.limit.type === 'NET_DEBIT_CAP');
        const settlement = accounts.find((a) => a.ledgerAccountType === 'SETTLEMENT' && a.currency === position.currency);
        const exposure = add(position.value, position.reservedValue ?? 0);
        const utilisation = limit ? percentOf(exposure, limit.limit.value) : undefined;
        rows.push({
          name,
          currency: position.currency,
          position: position.value,
          reserved: position.reservedValue,
          cap: limit?.limit.value,
          utilisation,
          alarm: alarmOf(utilisation),
          liquidity: settlement ? negate(settlement.value) : undefined,
        });
      }
    }),
  );
  return rows.sort((a, b) => a.name.localeCompare(b.name) || a.currency.localeCompare(b.currency));
}

const ALARM_TEXT = { ok: 'OK', amber: 'Warning ≥ 80 %', red: 'At or over the cap', none: 'No cap' };

export function PositionsPage({ me, can }) {
  const state = useLoad(() => loadPositions(me, can), [me]);
  return html`<section>
    <h2>Positions, limits and liquidity</h2>
    <p class="muted">Position includes reservations. Utilisation = position ÷ net debit cap; liquidity = the settlement account's balance.</p>
    <${Loaded} state=${state}>
      ${(rows) =>
        html`<${Table}
          testId="positions"
          rows=${rows}
          rowKey=${(r) => `${r.name}/${r.currency}`}
          columns=${[
            { label: 'Participant', render: (r) => html`<a href=${`#/participants/${encodeURIComponent(r.name)}`}>${r.name}</a>` },
            { label: 'Currency', render: (r) => r.currency },
            { label: 'Position', render: (r) => html`<${Amount} value=${r.position} />` },
            { label: 'Reserved', render: (r) => html`<${Amount} value=${r.reserved} />` },
            { label: 'Net debit cap', render: (r) => html`<${Amount} value=${r.cap} />` },
            { label: 'Utilisation', render: (r) => (r.utilisation === undefined ? '—' : `${(r.utilisation / 100).toFixed(2)} %`) },
            { label: 'Alarm', render: (r) => html`<${Badge} value=${ALARM_TEXT[r.alarm]} kind=${`alarm-${r.alarm}`} />` },
            { label: 'Liquidity', render: (r) => html`<${Amount} value=${r.liquidity} />` },
          ]}
        />`}
    <//>
  </section>`;
}
