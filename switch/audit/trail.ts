/**
 * The audit log's background work on the node that holds the ledger (docs/audit.md): chain the money events the
 * ledger's transactions queued, and sign checkpoints as MIZANI_AUDIT_CHECKPOINT_* say. One tick at a time, each
 * after the previous one ended; a failed tick is logged and the next one tries again (the queue keeps what it holds).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { keyFingerprint, publicKeyPem } from '../../ledger/audit-chain.js';
import type { AuditLog, CheckpointKey, CheckpointPolicy } from '../../ledger/audit.js';

/** Drains in one tick at most (each up to 20 group-commit batches): the rest waits for the next tick. */
const DRAINS_PER_TICK_MAX = 50;

export interface AuditKey extends CheckpointKey {
  /** `configured`: read from a file the operator names; `generated`: made at this start, kept in memory only. */
  source: 'configured' | 'generated';
}

/** The checkpoint key: the file of MIZANI_AUDIT_SIGNING_KEY (or of MIZANI_JWS_SIGNING_KEY), else a new Ed25519 key. */
export async function loadAuditKey(file: string | undefined, log: Logger): Promise<AuditKey> {
  if (file) {
    const privateKey = createPrivateKey(await readFile(file, 'utf8'));
    const publicKey = publicKeyPem(privateKey);
    log.info({ key: keyFingerprint(publicKey), file }, 'audit log checkpoints are signed with the configured key');
    return { privateKey, publicKey, source: 'configured' };
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKey = publicKeyPem(privateKey);
  log.warn(
    { key: keyFingerprint(publicKey), publicKey },
    'no MIZANI_AUDIT_SIGNING_KEY or MIZANI_JWS_SIGNING_KEY: audit log checkpoints are signed with an ephemeral key made at this start (its public key is stored with each checkpoint; keep this one to pin it with `mizani audit verify --public-key`)',
  );
  return { privateKey, publicKey, source: 'generated' };
}

/** Every public key in a PEM text (public keys, private keys or certificates), as SPKI PEM. */
export function publicKeysIn(pem: string): string[] {
  const blocks = pem.match(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g) ?? [];
  return blocks.map((block) => {
    if (/^-----BEGIN CERTIFICATE-----/.test(block)) return publicKeyPem(new X509Certificate(block).publicKey);
    return publicKeyPem(/PRIVATE KEY-----/.test(block) ? createPrivateKey(block) : createPublicKey(block));
  });
}

export class AuditTrail {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;

  constructor(
    private readonly audit: AuditLog,
    private readonly key: CheckpointKey,
    private readonly o: { drainMs: number; policy: CheckpointPolicy },
    private readonly log: Logger,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  /** Stops the ticks, then chains what is queued and signs the head, so a clean stop leaves the log checkpointed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.tick(true);
  }

  /** One tick now (tests, and the stop). */
  async tick(final = false): Promise<void> {
    try {
      for (let i = 0; i < DRAINS_PER_TICK_MAX && (await this.audit.drainMoneyEvents()) > 0; i++);
      const seq = await this.audit.checkpoint(this.key, this.o.policy, { force: final });
      if (seq !== undefined) this.log.debug({ seq }, 'audit log checkpoint signed');
    } catch (err) {
      this.log.error({ err }, 'audit log: chaining or checkpointing failed; the queued events wait for the next try');
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.o.drainMs);
  }
}
