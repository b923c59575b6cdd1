/**
 * A transfer with one side in another scheme (docs/interscheme.md, "Transfers"): whose positions it moves, who may
 * speak for the far side, and what happens at its expiration when the payee is remote. Used by the transfer worker.
 *
 * - Payee remote (this hub is the payer's scheme): the payer's position is reserved (limit checked) and the payee's
 *   proxy is the creditor; the payee's scheme decides: its fulfil or error, or its hub's, arrives via that proxy.
 * - Payer remote (this hub is the payee's scheme): the prepare came via the payer's proxy, which is the debtor, moved
 *   without a limit check (the payer's scheme checked its own); the payee decides as for any transfer.
 */
import type { Logger } from 'pino';
import type { Registry } from '../../../ledger/registry.js';
import type { ProxyRoutes } from '../../directory/proxies.js';
import { DomainError, type Reason } from '../../../schemas/outcomes.js';
import type { StatusReason } from '../../../schemas/iso/common.js';
import type { Pacs002 } from '../../../schemas/iso/pacs002.js';
import type { InboundMessage, TransferInquiry } from '../outbox.js';
import { runLater } from '../identity.js';

/** Whose positions a transfer moves when one side is another scheme's; undefined members: the payer / payee. */
export interface PositionOwners {
  debtor?: string;
  creditor?: string;
  /** false: the debtor is a proxy, moved without a limit check. */
  headroomCheck?: false;
}

export interface ProxyTransferConfig {
  /** How long after a forwarded transfer's expiration the hub waits for the payee's scheme (MIZANI_PROXY_EXPIRY_GRACE_MS). */
  expiryGraceMs: number;
}

export class ProxyTransfers {
  /** Forwarded transfers past their expiration whose state the proxy was asked for (this node): when last. */
  private readonly asked = new Map<string, number>();

  constructor(
    private readonly registry: Registry,
    private readonly routes: ProxyRoutes,
    private readonly inquiry: TransferInquiry,
    private readonly config: ProxyTransferConfig,
    private readonly log: Logger,
  ) {}

  /** A participant of this scheme (not the hub). */
  isLocal(name: string): boolean {
    const p = this.registry.participant(name);
    return p !== undefined && !p.isHub;
  }

  /** The payee is in another scheme (the transfer credits its proxy: `creditor`, migration 019): that scheme decides. */
  isForwarded(transfer: { payee: string; creditor: string }): boolean {
    return transfer.creditor !== transfer.payee && !this.isLocal(transfer.payee);
  }

  /**
   * The position owners of a new transfer; a refusal when neither side is here, or both sides are the same proxy's.
   * Reads the route from memory, and from PostgreSQL only when this node has none (another node may have learned it).
   */
  async owners(payer: string, payee: string, inbound: InboundMessage): Promise<PositionOwners | DomainError> {
    const payerRemote = inbound.proxy !== undefined && !this.isLocal(payer);
    const owners: PositionOwners = payerRemote ? { debtor: inbound.proxy!, headroomCheck: false } : {};
    if (!this.isLocal(payee)) {
      const proxy = this.routes.proxyOf(payee) ?? (await this.routes.resolve(payee));
      if (!proxy) return owners; // unknown payee: validation says so
      if (payerRemote) return new DomainError('PAYEE_FSP_UNKNOWN', `Participant ${payee} is not a participant of this scheme`);
      owners.creditor = proxy.name;
    }
    return owners;
  }

  /** A message about `transfer` relayed by the proxy its remote payee is credited through (that scheme's hub may speak). */
  fromPayeeSide(transfer: { payee: string; creditor: string }, inbound: InboundMessage): boolean {
    return inbound.proxy !== undefined && this.isForwarded(transfer) && transfer.creditor === inbound.proxy;
  }

  /** Relayed by the proxy of the transfer's remote payer (its debtor) or remote payee (its creditor). */
  fromEitherSide(transfer: { payer: string; payee: string; debtor: string; creditor: string }, inbound: InboundMessage): boolean {
    if (inbound.proxy === undefined) return false;
    return (transfer.debtor !== transfer.payer && transfer.debtor === inbound.proxy) || this.fromPayeeSide(transfer, inbound);
  }

  /**
   * A message from another scheme that names neither end of the transfer as its source (the other hub): it is never
   * answered with an error, which the other hub would answer again (docs/interscheme.md, "Hub names").
   */
  isOtherHub(transfer: { payer: string; payee: string } | undefined, inbound: InboundMessage): boolean {
    return inbound.proxy !== undefined && (!transfer || (inbound.source !== transfer.payer && inbound.source !== transfer.payee));
  }

  /**
   * The expiry of a forwarded transfer: before the end of the grace, the payee's scheme is asked for its state, again
   * every quarter of the grace (at least 1 s apart: a question or its answer may be lost), and nothing else happens
   * ('wait'); after it, 'abort'.
   */
  atExpiry(transfer: { id: string; payee: string; expiresAt: number }, now: number): 'wait' | 'abort' {
    if (now >= transfer.expiresAt + this.config.expiryGraceMs) {
      this.asked.delete(transfer.id);
      return 'abort';
    }
    const last = this.asked.get(transfer.id);
    if (last === undefined || now - last >= Math.max(1000, this.config.expiryGraceMs / 4)) {
      this.asked.set(transfer.id, now);
      this.log.info({ transferId: transfer.id, payee: transfer.payee }, 'forwarded transfer expired here: asking the payee’s scheme for its state');
      runLater(this.log, () => this.inquiry.askTransferState(transfer.payee, transfer.id));
    }
    return 'wait';
  }

  /** The transfer was finished: nothing more to ask. */
  finished(id: string): void {
    this.asked.delete(id);
  }

  /** Why the payee's scheme aborted a transfer, from the `cause` extension of its status (else a generic reason). */
  abortedThere(status: Pacs002): Reason {
    const cause = status.TxInfAndSts.SplmtryData?.extensions?.find((e) => e.key === 'cause')?.value;
    const m = cause === undefined ? null : /^(\d{4}): ?(.*)$/.exec(cause);
    if (m) return { Rsn: { Prtry: m[1]! }, AddtlInf: m[2]! } satisfies StatusReason;
    return new DomainError('TRANSFER_EXPIRED', 'the payee’s scheme reports the transfer ABORTED');
  }

  /** At the end of the grace: the payer's scheme aborts, and says why. */
  graceExpired(): DomainError {
    return new DomainError('TRANSFER_EXPIRED', `no final state from the payee’s scheme within ${this.config.expiryGraceMs} ms after the expiration`);
  }
}
