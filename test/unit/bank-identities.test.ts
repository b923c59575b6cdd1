/**
 * Banks named the ISO 20022 way (docs/iso20022.md, "Identifying banks"): the participant directory's index of BICs and
 * clearing-system member ids, the rules that map an agent to a participant (Othr/Id first; a ClrSysMmbId beside it is
 * a party sub-id; BIC11 …XXX = BIC8; a member id without ClrSysId only when unambiguous), the outbound form (BIC, else
 * first clearing id, else FSP id), the Admin API body rules and the ABA check digit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Agent } from '../../schemas/iso/common.js';
import { FspiopError } from '../../schemas/errors.js';
import { bicKey, describeInstitution, isAbaRoutingNumber, registeredInstitution } from '../../schemas/iso/institutions.js';
import type { Db } from '../../ledger/db.js';
import { IsoIdentifierIndex } from '../../switch/directory/iso-identifiers.js';
import type { ParticipantDirectory } from '../../switch/directory/participants.js';
import { canonicalAgents, registeredAgents, resolveInstitution } from '../../switch/directory/agents.js';
import { parseIsoIdentifiers } from '../../switch/admin/routes/iso-identifiers.js';
import type { InboundDocument } from '../../translators/isoxml/render.js';
import { isoUnits } from '../../schemas/amount.js';

const ROWS = [
  { participant_id: 1, kind: 'BICFI', clearing_system: '', value: 'BANKUS33XXX', position: 0 },
  { participant_id: 1, kind: 'CLRSYS', clearing_system: 'USABA', value: '011000015', position: 1 },
  { participant_id: 2, kind: 'CLRSYS', clearing_system: 'USABA', value: '021000021', position: 1 },
  { participant_id: 2, kind: 'CLRSYS', clearing_system: 'CACPA', value: '000100002', position: 2 },
  { participant_id: 3, kind: 'CLRSYS', clearing_system: 'GBDSC', value: '000100002', position: 1 },
  { participant_id: 4, kind: 'BICFI', clearing_system: '', value: 'MIZAHUBB', position: 0 },
];
const NAMES = new Map([
  [1, 'bank-a'],
  [2, 'bank-b'],
  [3, 'bank-c'],
  [4, 'Hub'],
  [5, 'wallet'],
]);

/** The directory's lookups over a real index loaded from rows (no database). */
async function registry(): Promise<ParticipantDirectory> {
  const db = { query: async () => ({ rows: ROWS, rowCount: ROWS.length }) } as unknown as Db;
  const index = new IsoIdentifierIndex(db);
  await index.load();
  const byId = (id: number | undefined) => (id === undefined ? undefined : { name: NAMES.get(id)! });
  const idOf = (name: string) => [...NAMES].find(([, n]) => n === name)?.[0];
  return {
    participantOfBic: (bic: string) => byId(index.participantOfBic(bic)),
    participantOfMember: (system: string, member: string) => byId(index.participantOfMember(system, member)),
    participantsOfMemberId: (member: string) => index.participantsOfMemberId(member).map((id: number) => byId(id)!),
    isoIdentifiers: (name: string) => (idOf(name) === undefined ? undefined : index.of(idOf(name)!)),
  } as unknown as ParticipantDirectory;
}

const agent = (FinInstnId: Agent['FinInstnId']): Agent => ({ FinInstnId });

test('agents resolve by Othr/Id, BICFI (BIC11 XXX = BIC8) or ClrSysMmbId; unknown ones say what they named', async () => {
  const r = await registry();
  assert.deepEqual(resolveInstitution(r, { Othr: { Id: 'anyone' } }), { ok: true, name: 'anyone' });
  assert.deepEqual(resolveInstitution(r, { BICFI: 'BANKUS33' }), { ok: true, name: 'bank-a' });
  assert.deepEqual(resolveInstitution(r, { BICFI: 'BANKUS33XXX' }), { ok: true, name: 'bank-a' });
  assert.equal(resolveInstitution(r, { BICFI: 'BANKUS33NYC' }).ok, false, 'a branch BIC is another institution');
  assert.deepEqual(resolveInstitution(r, { ClrSysMmbId: { ClrSysId: { Cd: 'USABA' }, MmbId: '021000021' } }), { ok: true, name: 'bank-b' });
  assert.deepEqual(resolveInstitution(r, { ClrSysMmbId: { MmbId: '021000021' } }), { ok: true, name: 'bank-b' }, 'no ClrSysId: unique member id');
  const ambiguous = resolveInstitution(r, { ClrSysMmbId: { MmbId: '000100002' } });
  assert.ok(!ambiguous.ok && /several clearing systems/.test(ambiguous.reason), JSON.stringify(ambiguous));
  const unknown = resolveInstitution(r, { ClrSysMmbId: { ClrSysId: { Cd: 'USABA' }, MmbId: '999999999' } });
  assert.ok(!unknown.ok && unknown.reason === 'ClrSysMmbId USABA/999999999 is not registered to any participant', JSON.stringify(unknown));
  const proprietary = resolveInstitution(r, { ClrSysMmbId: { ClrSysId: { Prtry: 'LOCAL' }, MmbId: '021000021' } });
  assert.ok(!proprietary.ok, 'proprietary clearing systems are not registered');
  const clash = resolveInstitution(r, { BICFI: 'BANKUS33', ClrSysMmbId: { ClrSysId: { Cd: 'USABA' }, MmbId: '021000021' } });
  assert.ok(!clash.ok && /different participants/.test(clash.reason), JSON.stringify(clash));
  const othrClash = resolveInstitution(r, { Othr: { Id: 'bank-b' }, BICFI: 'BANKUS33' });
  assert.ok(!othrClash.ok, 'Othr/Id and a BIC of another participant');
  assert.equal(resolveInstitution(r, {}).ok, false);
});

test('inbound: a ClrSysMmbId beside Othr/Id stays the party sub-id; a bare one becomes Othr/Id; unknown agents stay as written', async () => {
  const r = await registry();
  const withSubId = agent({ Othr: { Id: 'wallet' }, ClrSysMmbId: { MmbId: '021000021' } });
  const doc = {
    kind: 'acmt.024',
    message: {
      Assgnmt: {
        MsgId: 'M',
        CreDtTm: '2026-03-01T10:00:00Z',
        Assgnr: agent({ ClrSysMmbId: { ClrSysId: { Cd: 'USABA' }, MmbId: '011000015' } }),
        Assgne: agent({ BICFI: 'NOPEUS33' }),
      },
      Rpt: { OrgnlId: 'MSISDN/1', Vrfctn: true, UpdtdPtyAndAcctId: { Pty: {}, Agt: withSubId } },
    },
    context: {},
  } as InboundDocument;
  const out = canonicalAgents(r, doc);
  assert.ok(out.kind === 'acmt.024');
  assert.deepEqual(out.message.Assgnmt.Assgnr, agent({ Othr: { Id: 'bank-a' } }));
  assert.deepEqual(out.message.Assgnmt.Assgne, agent({ BICFI: 'NOPEUS33' }), 'unknown: left for the precise refusal');
  assert.deepEqual(out.message.Rpt.UpdtdPtyAndAcctId?.Agt, withSubId, 'Othr/Id + ClrSysMmbId is fspId + partySubIdOrType');
  assert.ok(doc.kind === 'acmt.024' && doc.message.Assgnmt.Assgnr.FinInstnId.ClrSysMmbId, 'the input is not changed');
});

test('outbound: participants are written as they registered (BIC, else first clearing id, else FSP id); sub-ids are kept', async () => {
  const r = await registry();
  const doc = {
    kind: 'pacs.008',
    message: {
      GrpHdr: { MsgId: 'M', CreDtTm: '2026-03-01T10:00:00Z', NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' }, PmtInstrXpryDtTm: '2026-03-01T10:01:00Z' },
      CdtTrfTxInf: {
        PmtId: { TxId: 'T' },
        IntrBkSttlmAmt: { currency: 'USD', units: isoUnits(100000n) },
        ChrgBr: 'SHAR',
        DbtrAgt: agent({ Othr: { Id: 'wallet' } }),
        CdtrAgt: agent({ Othr: { Id: 'bank-b' } }),
        InstgAgt: agent({ Othr: { Id: 'bank-a' } }),
        InstdAgt: agent({ Othr: { Id: 'bank-b' }, ClrSysMmbId: { MmbId: 'sub' } }),
        ExctnCond: 'x',
      },
    },
  } as const;
  const out = registeredAgents(r, doc as never) as typeof doc;
  assert.deepEqual(out.message.CdtTrfTxInf.DbtrAgt, agent({ Othr: { Id: 'wallet' } }));
  assert.deepEqual(out.message.CdtTrfTxInf.CdtrAgt, agent({ ClrSysMmbId: { ClrSysId: { Cd: 'USABA' }, MmbId: '021000021' } }));
  assert.deepEqual(out.message.CdtTrfTxInf.InstgAgt, agent({ BICFI: 'BANKUS33XXX' }));
  assert.deepEqual(out.message.CdtTrfTxInf.InstdAgt, doc.message.CdtTrfTxInf.InstdAgt, 'an agent with a sub-id keeps its FSP id');
  assert.deepEqual(registeredInstitution('Hub', undefined), { Othr: { Id: 'Hub' } });
  assert.equal(describeInstitution({ ClrSysMmbId: { MmbId: '1' } }), 'ClrSysMmbId 1');
});

test('identifier rules: BIC key, ABA check digit, the Admin API body', () => {
  assert.equal(bicKey('BANKUS33XXX'), 'BANKUS33');
  assert.equal(bicKey('BANKUS33NYC'), 'BANKUS33NYC');
  for (const ok of ['011000015', '021000021', '026009593']) assert.ok(isAbaRoutingNumber(ok), ok);
  for (const bad of ['011000016', '02100002', '0210000210', 'A21000021']) assert.ok(!isAbaRoutingNumber(bad), bad);
  const body = (v: unknown) => Buffer.from(JSON.stringify(v));
  assert.deepEqual(parseIsoIdentifiers(body({ bicfi: 'BANKUS33', clearingSystemMemberIds: [{ clearingSystemId: 'GBDSC', memberId: '200415' }] })), {
    bicfi: 'BANKUS33',
    clearingSystemMemberIds: [{ clearingSystemId: 'GBDSC', memberId: '200415' }],
  });
  assert.deepEqual(parseIsoIdentifiers(body({})), { clearingSystemMemberIds: [] });
  const refused = (v: unknown, code: string, text: RegExp) => {
    assert.throws(
      () => parseIsoIdentifiers(body(v)),
      (e: unknown) => e instanceof FspiopError && e.code === code && text.test(e.message) && Array.from(e.description).length <= 128,
      JSON.stringify(v),
    );
  };
  refused({ bicfi: 'bankus33' }, '3101', /bicfi must match/);
  refused({ clearingSystemMemberIds: [{ clearingSystemId: 'USABA', memberId: '011000016' }] }, '3101', /not an ABA routing number/);
  refused({ clearingSystemMemberIds: [{ clearingSystemId: 'GBDSC', memberId: ' 200415' }] }, '3101', /no space first or last/);
  refused(
    {
      clearingSystemMemberIds: [
        { clearingSystemId: 'GBDSC', memberId: '200415' },
        { clearingSystemId: 'GBDSC', memberId: '200415' },
      ],
    },
    '3100',
    /twice/,
  );
  refused({ clearingSystemMemberIds: [{ clearingSystemId: 'GBDSC' }] }, '3102', /memberId/);
  refused({ clearingSystemMemberIds: 'USABA' }, '3101', /array/);
  refused({ clearingSystemMemberIds: Array.from({ length: 11 }, (_, i) => ({ clearingSystemId: 'GBDSC', memberId: `${i}` })) }, '3103', /at most 10/);
});
