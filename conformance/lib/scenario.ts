// A named conformance check run against a hub by runSuite().
import type { SuiteContext } from './context.js';

export interface Scenario {
  name: string;
  /** Long-running (waits for expiry): scheduled first so it overlaps with the rest. */
  slow?: boolean;
  run(ctx: SuiteContext): Promise<void>;
}
