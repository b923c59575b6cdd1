/** What the Admin API's route modules work with; each module takes only the part it needs. */
import type { AuditLog } from '../../ledger/audit.js';
import type { Db } from '../../ledger/db.js';
import type { Registry } from '../../ledger/registry.js';
import type { Bus } from '../bus/bus.js';
import type { PartyDirectory } from '../core/discovery/directory.js';
import type { ParticipantDirectory } from '../directory/participants.js';
import type { Metrics } from '../observability/metrics.js';
import type { JwsKeyStore } from '../security/jws-keys.js';

/** The audit log's appender (each entry durable when the promise resolves). */
export interface AuditTrail {
  append(entry: { kind: string; actor: string; subject: string; detail: Record<string, unknown> }): Promise<unknown>;
}

export interface AdminDeps {
  directory: PartyDirectory;
  jwsKeys: JwsKeyStore;
  xmlCertificates: JwsKeyStore;
  /** With mTLS on, callbacks must go to https endpoints. */
  requireHttpsCallbacks: boolean;
  db: Db;
  registry: Registry;
  /** Dialects, XML profiles, endpoints and ISO identifiers of the participants. */
  participants: ParticipantDirectory;
  /** Funds and opening positions are published to the liquidity worker (switch/core/topics.ts). */
  bus: Bus;
  metrics: Metrics;
  health: () => Promise<{ ok: boolean; detail: Record<string, unknown> }>;
  /** The audit log (docs/audit.md): `audit.append({kind, actor, subject, detail})` resolves once the entry is durable. */
  audit: AuditLog;
  /** Public keys (SPKI PEM) every checkpoint must be signed by, when the hub's key is configured; else unpinned. */
  auditKeys?: string[];
}
