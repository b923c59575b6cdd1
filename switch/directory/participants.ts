/**
 * The participant directory: how the hub reaches each participant and what it calls it — the dialect it speaks, the
 * XML message generation a bank gets, its callback endpoints and its ISO 20022 identifiers (BIC, clearing-system
 * member ids). Held in memory for the hot path, written through to PostgreSQL, keyed by the participant ids of the
 * ledger's registry, which stays the one cache of who the participants are (ledger/registry.ts knows no dialect or
 * endpoint). The dialect and XML profile are still columns of the `participant` table; only this module reads them.
 */
import { changeAndNotify, LocalWrites, notifyChanged } from '../../ledger/changes.js';
import type { Db, Queryable } from '../../ledger/db.js';
import type { Participant, Registry } from '../../ledger/registry.js';
import type { IsoIdentifiers } from '../../schemas/iso/institutions.js';
import { DomainError } from '../../schemas/outcomes.js';
import { IsoIdentifierIndex } from './iso-identifiers.js';
import type { ProxyRoutes } from './proxies.js';

export const DIALECTS = ['fspiop/1.1', 'fspiop/2.0', 'iso20022-json/2.0', 'iso20022-xml'] as const;
/** The message dialect a participant speaks: everything the hub sends it is rendered in it. */
export type Dialect = (typeof DIALECTS)[number];
/** Banks: the message generation the hub sends them. */
export type XmlProfile = 'iso-2019' | 'iso-2026';

export function isDialect(value: string): value is Dialect {
  return (DIALECTS as readonly string[]).includes(value);
}

interface Entry {
  dialect: Dialect;
  xmlProfile: XmlProfile;
  endpoints: Map<string, string>;
}

export class ParticipantDirectory {
  private entries = new Map<number, Entry>();
  private readonly isoIds: IsoIdentifierIndex;
  private readonly local = new LocalWrites();
  /** Inter-scheme routes: a DFSP of another scheme is reached with its proxy's dialect and endpoints. */
  private proxies?: ProxyRoutes;

  private constructor(
    private readonly db: Db,
    readonly registry: Registry,
  ) {
    this.isoIds = new IsoIdentifierIndex(db);
  }

  static async load(db: Db, registry: Registry): Promise<ParticipantDirectory> {
    const directory = new ParticipantDirectory(db, registry);
    await directory.refresh();
    return directory;
  }

  /** Names that are not participants but are reached through a proxy (docs/interscheme.md) take the proxy's entry. */
  useProxies(proxies: ProxyRoutes): void {
    this.proxies = proxies;
  }

  /** A proxy said it cannot reach `name`: its route through that proxy goes (nothing for a local participant). */
  async forgetRoute(name: string): Promise<void> {
    const proxy = this.proxies?.proxyOf(name);
    if (proxy) await this.proxies!.forget(name, proxy.name);
  }

  /** Re-reads everything (start, and a change another hub process made: ledger/changes.ts); swapped in at once. */
  async refresh(): Promise<void> {
    await this.local.reload(
      () =>
        Promise.all([
          this.db.query<{ id: number; dialect: Dialect; xml_profile: XmlProfile }>('SELECT id, dialect, xml_profile FROM participant'),
          this.db.query<{ participant_id: number; type: string; value: string }>('SELECT participant_id, type, value FROM participant_endpoint'),
          this.isoIds.read(),
        ]),
      ([participants, endpoints, isoIds]) => {
        const entries = new Map<number, Entry>();
        for (const row of participants.rows) entries.set(row.id, { dialect: row.dialect, xmlProfile: row.xml_profile, endpoints: new Map() });
        for (const row of endpoints.rows) entries.get(row.participant_id)?.endpoints.set(row.type, row.value);
        this.entries = entries;
        this.isoIds.apply(isoIds);
      },
    );
  }

  // ---- reads (hot path: no I/O)

  /** The dialect the hub renders messages in for this participant (FSPIOP 1.1 when unknown). */
  dialectOf(name: string): Dialect {
    return this.entryOf(name)?.dialect ?? 'fspiop/1.1';
  }

  /** The XML message generation a bank gets (ISO 2019 when unknown). */
  xmlProfileOf(name: string): XmlProfile {
    return this.entryOf(name)?.xmlProfile ?? 'iso-2019';
  }

  endpoint(name: string, type: string): string | undefined {
    return this.entryOf(name)?.endpoints.get(type);
  }

  /** The participant's endpoints by type (empty when it has none or is unknown). */
  endpointsOf(name: string): ReadonlyMap<string, string> {
    return this.entryOf(name)?.endpoints ?? new Map();
  }

  /** The ISO 20022 identifiers the participant registered (BIC, clearing-system member ids). */
  isoIdentifiers(name: string): IsoIdentifiers | undefined {
    const participant = this.registry.participant(name);
    return participant ? this.isoIds.of(participant.id) : undefined;
  }

  /** The participant that registered this BIC (a BIC11 with branch XXX matches its BIC8). */
  participantOfBic(bicfi: string): Participant | undefined {
    const id = this.isoIds.participantOfBic(bicfi);
    return id === undefined ? undefined : this.registry.participantById(id);
  }

  /** The participant that registered this member id in this clearing system. */
  participantOfMember(clearingSystemId: string, memberId: string): Participant | undefined {
    const id = this.isoIds.participantOfMember(clearingSystemId, memberId);
    return id === undefined ? undefined : this.registry.participantById(id);
  }

  /** Participants holding this member id in any clearing system. */
  participantsOfMemberId(memberId: string): Participant[] {
    return this.isoIds.participantsOfMemberId(memberId).flatMap((id) => this.registry.participantById(id) ?? []);
  }

  // ---- mutations (admin; each durable before memory changes)

  /** A participant (or a new currency of one) through the registry, with its dialect written in the same transaction. */
  async createParticipant(name: string, currency: string, isProxy: boolean, dialect?: Dialect): Promise<Participant> {
    let written: Entry | undefined;
    const participant = await this.registry.createParticipant(name, currency, isProxy, async (tx: Queryable, id: number) => {
      const row = dialect
        ? await tx.query<{ dialect: Dialect; xml_profile: XmlProfile }>('UPDATE participant SET dialect = $2 WHERE id = $1 RETURNING dialect, xml_profile', [
            id,
            dialect,
          ])
        : await tx.query<{ dialect: Dialect; xml_profile: XmlProfile }>('SELECT dialect, xml_profile FROM participant WHERE id = $1', [id]);
      written = { dialect: row.rows[0]!.dialect, xmlProfile: row.rows[0]!.xml_profile, endpoints: new Map() };
      await notifyChanged(tx, 'directory');
    });
    const entry = this.entries.get(participant.id);
    if (entry) entry.dialect = written!.dialect;
    else this.entries.set(participant.id, written!);
    this.local.wrote();
    return participant;
  }

  async setDialect(name: string, dialect: Dialect): Promise<Participant> {
    const participant = this.registry.requireParticipant(name);
    if (participant.isHub) throw new DomainError('HUB_HAS_NO_DIALECT', 'The hub participant has no dialect');
    await changeAndNotify(this.db, 'directory', (tx) => tx.query('UPDATE participant SET dialect = $2 WHERE id = $1', [participant.id, dialect]));
    this.requireEntry(participant).dialect = dialect;
    this.local.wrote();
    return participant;
  }

  async setXmlProfile(name: string, profile: XmlProfile): Promise<Participant> {
    const participant = this.registry.requireParticipant(name);
    await changeAndNotify(this.db, 'directory', (tx) => tx.query('UPDATE participant SET xml_profile = $2 WHERE id = $1', [participant.id, profile]));
    this.requireEntry(participant).xmlProfile = profile;
    this.local.wrote();
    return participant;
  }

  async setEndpoint(name: string, type: string, value: string): Promise<void> {
    const participant = this.registry.requireParticipant(name);
    await changeAndNotify(this.db, 'directory', (tx) =>
      tx.query(
        `INSERT INTO participant_endpoint (participant_id, type, value) VALUES ($1, $2, $3)
         ON CONFLICT (participant_id, type) DO UPDATE SET value = EXCLUDED.value, changed_at = now()`,
        [participant.id, type, value],
      ),
    );
    this.requireEntry(participant).endpoints.set(type, value);
    this.local.wrote();
  }

  /** Replaces the participant's ISO 20022 identifiers (validated by the caller); ISO_IDENTIFIER_TAKEN when another participant holds one. */
  async setIsoIdentifiers(name: string, ids: IsoIdentifiers): Promise<IsoIdentifiers> {
    const participant = this.registry.requireParticipant(name);
    try {
      return await this.isoIds.replace(participant.id, ids, (id) => this.registry.participantById(id)?.name);
    } finally {
      this.local.wrote();
    }
  }

  private entryOf(name: string): Entry | undefined {
    const participant = this.registry.participant(name) ?? this.proxies?.proxyOf(name);
    return participant ? this.entries.get(participant.id) : undefined;
  }

  /** The hub participant is inserted by the registry before the directory loads; any other arrives through `createParticipant`. */
  private requireEntry(participant: Participant): Entry {
    let entry = this.entries.get(participant.id);
    if (!entry) {
      entry = { dialect: 'fspiop/1.1', xmlProfile: 'iso-2019', endpoints: new Map() };
      this.entries.set(participant.id, entry);
    }
    return entry;
  }
}
