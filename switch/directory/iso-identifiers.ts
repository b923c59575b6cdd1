/**
 * The ISO 20022 identifiers participants registered (a BIC, clearing-system member ids), held in memory for the XML
 * edge's hot path and written through to PostgreSQL (`participant_iso_identifier`). Each identifier names exactly
 * one participant: the unique index refuses a second owner even when two hub processes race.
 */
import { DomainError } from '../../schemas/outcomes.js';
import { bicKey, type ClearingMemberId, type IsoIdentifiers } from '../../schemas/iso/institutions.js';
import { notifyChanged } from '../../ledger/changes.js';
import type { Db } from '../../ledger/db.js';

export interface IdentifierRow {
  participant_id: number;
  kind: 'BICFI' | 'CLRSYS';
  clearing_system: string;
  value: string;
  position: number;
}

const NONE: IsoIdentifiers = Object.freeze({ clearingSystemMemberIds: Object.freeze([]) as unknown as ClearingMemberId[] });

function memberKey(system: string, memberId: string): string {
  return `${system}\u0000${memberId}`;
}

export class IsoIdentifierIndex {
  private readonly byParticipant = new Map<number, IsoIdentifiers>();
  private readonly byBic = new Map<string, number>();
  private readonly byMember = new Map<string, number>();
  /** Member id → participants holding it in any clearing system (for a ClrSysMmbId without ClrSysId). */
  private readonly byMemberIdOnly = new Map<string, number[]>();

  constructor(private readonly db: Db) {}

  async load(): Promise<void> {
    this.apply(await this.read());
  }

  /** Every registered identifier (`apply` puts them in memory): a reload in two steps, so its caller can check between. */
  async read(): Promise<IdentifierRow[]> {
    const rows = await this.db.query<IdentifierRow>(
      'SELECT participant_id, kind, clearing_system, value, position FROM participant_iso_identifier ORDER BY participant_id, position',
    );
    return rows.rows;
  }

  apply(rows: IdentifierRow[]): void {
    this.byParticipant.clear();
    const grouped = new Map<number, IsoIdentifiers>();
    for (const row of rows) {
      const ids = grouped.get(row.participant_id) ?? { clearingSystemMemberIds: [] };
      if (row.kind === 'BICFI') ids.bicfi = row.value;
      else ids.clearingSystemMemberIds.push({ clearingSystemId: row.clearing_system, memberId: row.value });
      grouped.set(row.participant_id, ids);
    }
    for (const [id, ids] of grouped) this.byParticipant.set(id, ids);
    this.reindex();
  }

  /** What the participant registered (empty when nothing). */
  of(participantId: number): IsoIdentifiers {
    return this.byParticipant.get(participantId) ?? NONE;
  }

  participantOfBic(bicfi: string): number | undefined {
    return this.byBic.get(bicKey(bicfi));
  }

  participantOfMember(clearingSystemId: string, memberId: string): number | undefined {
    return this.byMember.get(memberKey(clearingSystemId, memberId));
  }

  /** Participants holding `memberId` in any clearing system. */
  participantsOfMemberId(memberId: string): readonly number[] {
    return this.byMemberIdOnly.get(memberId) ?? [];
  }

  /**
   * Replaces the participant's identifiers (validated by the caller). Refuses (ISO_IDENTIFIER_TAKEN) an identifier another
   * participant holds. Durable before memory changes.
   */
  async replace(participantId: number, ids: IsoIdentifiers, nameOf: (id: number) => string | undefined): Promise<IsoIdentifiers> {
    this.checkOwners(participantId, ids, nameOf);
    const rows: Array<[string, string, string, string, number]> = [];
    if (ids.bicfi !== undefined) rows.push(['BICFI', '', ids.bicfi, bicKey(ids.bicfi), 0]);
    ids.clearingSystemMemberIds.forEach((m, i) => rows.push(['CLRSYS', m.clearingSystemId, m.memberId, m.memberId, i + 1]));
    try {
      await this.db.transaction(async (tx) => {
        await tx.query('DELETE FROM participant_iso_identifier WHERE participant_id = $1', [participantId]);
        for (const [kind, system, value, key, position] of rows) {
          await tx.query(
            `INSERT INTO participant_iso_identifier (participant_id, kind, clearing_system, value, lookup_key, position)
             VALUES ($1, $2, $3, $4, $5, $6)`,
            [participantId, kind, system, value, key, position],
          );
        }
        await notifyChanged(tx, 'directory');
      });
    } catch (err) {
      // Another process registered one of them meanwhile: reload and name the owner.
      if ((err as { code?: unknown }).code !== '23505') throw err;
      await this.load();
      this.checkOwners(participantId, ids, nameOf);
      throw new DomainError('ISO_IDENTIFIER_TAKEN', 'an identifier was registered to another participant meanwhile');
    }
    const stored: IsoIdentifiers = { clearingSystemMemberIds: ids.clearingSystemMemberIds.map((m) => ({ ...m })) };
    if (ids.bicfi !== undefined) stored.bicfi = ids.bicfi;
    if (stored.bicfi === undefined && stored.clearingSystemMemberIds.length === 0) this.byParticipant.delete(participantId);
    else this.byParticipant.set(participantId, stored);
    this.reindex();
    return stored;
  }

  private checkOwners(participantId: number, ids: IsoIdentifiers, nameOf: (id: number) => string | undefined): void {
    const taken = (owner: number | undefined, what: string) => {
      if (owner === undefined || owner === participantId) return;
      throw new DomainError('ISO_IDENTIFIER_TAKEN', `${what} is already registered to participant ${nameOf(owner) ?? owner}`);
    };
    if (ids.bicfi !== undefined) taken(this.participantOfBic(ids.bicfi), `BICFI ${ids.bicfi}`);
    for (const m of ids.clearingSystemMemberIds)
      taken(this.participantOfMember(m.clearingSystemId, m.memberId), `${m.clearingSystemId} member id ${m.memberId}`);
  }

  private reindex(): void {
    this.byBic.clear();
    this.byMember.clear();
    this.byMemberIdOnly.clear();
    for (const [participantId, ids] of this.byParticipant) {
      if (ids.bicfi !== undefined) this.byBic.set(bicKey(ids.bicfi), participantId);
      for (const m of ids.clearingSystemMemberIds) {
        this.byMember.set(memberKey(m.clearingSystemId, m.memberId), participantId);
        const holders = this.byMemberIdOnly.get(m.memberId) ?? [];
        if (!holders.includes(participantId)) holders.push(participantId);
        this.byMemberIdOnly.set(m.memberId, holders);
      }
    }
  }
}
