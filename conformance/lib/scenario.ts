// A named conformance check run against a hub by runSuite().
import type { SuiteContext } from './context.js';
import type { SecurityFeature } from './secure.js';

export interface Scenario {
  name: string;
  /** Long-running (waits for expiry): scheduled first so it overlaps with the rest. */
  slow?: boolean;
  /**
   * Changes state every other scenario may observe (e.g. settlement resets positions): run after all the others
   * have finished, one at a time.
   */
  exclusive?: boolean;
  /**
   * Security features of the run the scenario needs (secured hub only). Without any security option such scenarios
   * are left out; with some, those needing a missing feature are reported as skipped.
   */
  requires?: SecurityFeature[];
  /**
   * Checked before the run: a reason when the hub under test lacks what the scenario needs (e.g. it does not verify
   * XML signatures); the scenario is then reported as skipped with that reason.
   */
  skip?(ctx: SuiteContext): Promise<string | undefined>;
  run(ctx: SuiteContext): Promise<void>;
}
