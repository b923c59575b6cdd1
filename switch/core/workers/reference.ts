/**
 * The reference data the workers decide with (limits, active flags, settlement models, fee rules) is cached in memory
 * and follows other nodes' Admin changes by notice (ledger/changes.ts), a few milliseconds after they commit. The
 * Admin API asks this worker to re-read what it changed before it answers (referenceTopics.sync), so no command sent
 * after the answer is decided with the old value.
 */
import type { InterchangeFees } from '../../../ledger/interchange-fees.js';
import type { Registry } from '../../../ledger/registry.js';
import type { ReferenceSyncCommand } from '../topics.js';

export class ReferenceWorker {
  constructor(
    private readonly registry: Registry,
    private readonly fees?: InterchangeFees,
  ) {}

  async sync(command: ReferenceSyncCommand): Promise<void> {
    await Promise.all(command.stores.map((store) => (store === 'fees' ? this.fees?.reload() : this.registry.refresh())));
  }
}
