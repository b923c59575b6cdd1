/**
 * acmt.023 Vrfctn/Id is Max35Text; a party path (`Type/ID[/SubId]`) can be longer (ids are up to 128
 * characters). For such a lookup the hub sends a bank a message id instead and remembers which path it
 * stands for, so the bank's acmt.024 (Rpt/OrgnlId = that id) is routed back to the full path.
 * Entries live as long as a lookup may take to be answered; memory is bounded.
 */
import { newMessageId } from '../core/status.js';
import type { PartyPath } from '../core/outbox.js';

const MAX_ID = 35;

export class VerificationIds {
  private readonly paths = new Map<string, { path: PartyPath; at: number }>();

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly maxEntries = 100_000,
  ) {}

  /** The Vrfctn/Id for a lookup of `path`: the path itself when it fits, else a remembered message id. */
  idFor(path: PartyPath): string {
    const text = `${path.type}/${path.id}${path.subId !== undefined ? `/${path.subId}` : ''}`;
    if (text.length <= MAX_ID) return text;
    const now = Date.now();
    for (const [id, entry] of this.paths) {
      if (now - entry.at < this.ttlMs && this.paths.size < this.maxEntries) break;
      this.paths.delete(id); // oldest first (insertion order)
    }
    const id = newMessageId();
    this.paths.set(id, { path, at: now });
    return id;
  }

  /** The path an acmt.024 answers: a remembered id, else the `Type/ID[/SubId]` text itself. */
  pathOf(orgnlId: string): PartyPath {
    const remembered = this.paths.get(orgnlId);
    if (remembered) return remembered.path;
    const [type = '', id = '', subId] = orgnlId.split('/');
    return { type, id, ...(subId !== undefined ? { subId } : {}) };
  }
}
