// Conformance suite entry point: runSuite() runs the selected scenarios against any hub.
import { AssertionError } from 'node:assert';
import { inspect } from 'node:util';
import { SuiteContext, type SuiteOptions } from './lib/context.js';
import type { Scenario } from './lib/scenario.js';
import { bankBulkScenarios } from './scenarios/bank-bulk.js';
import { bulkTransferScenarios } from './scenarios/bulk-transfers.js';
import { dialectScenarios } from './scenarios/dialects.js';
import { discoveryScenarios } from './scenarios/discovery.js';
import { goldenPathScenarios } from './scenarios/golden-path.js';
import { isoDetailScenarios } from './scenarios/iso-details.js';
import { quoteScenarios } from './scenarios/quotes.js';
import { bulkQuoteScenarios } from './scenarios/bulk-quotes.js';
import { fxQuoteScenarios } from './scenarios/fx-quotes.js';
import { fxBankScenarios } from './scenarios/fx-banks.js';
import { requestToPayScenarios } from './scenarios/request-to-pay.js';
import { securityScenarios } from './scenarios/security.js';
import { settlementScenarios } from './scenarios/settlement.js';
import { transferScenarios } from './scenarios/transfers.js';
import { fxTransferScenarios } from './scenarios/fx-transfers.js';
import { interschemeScenarios } from './scenarios/interscheme.js';

export type { SuiteOptions } from './lib/context.js';
export type { Scenario } from './lib/scenario.js';
export type { Credentials, SecurityOptions, SecurityFeature } from './lib/secure.js';
export { SuiteContext } from './lib/context.js';
export { DfspSimulator } from './lib/dfsp.js';
export { BankSimulator } from './lib/bank.js';
export type { DialectOptions } from './lib/context.js';
export { FspiopClient } from './lib/http.js';
export { AdminClient, provision, provisionDfsp } from './lib/admin.js';
export { OracleAdminClient, TestOracle } from './lib/oracle.js';
export {
  transferScenarios,
  discoveryScenarios,
  quoteScenarios,
  goldenPathScenarios,
  securityScenarios,
  dialectScenarios,
  settlementScenarios,
  interschemeScenarios,
  bulkQuoteScenarios,
  requestToPayScenarios,
  fxQuoteScenarios,
  fxBankScenarios,
};

/**
 * Every scenario. Names start with their area (`als:`, `oracles:`, `parties:`, `quotes:`, `golden path:`,
 * `security:`, `dialects:`, `bulk:`, `interscheme:`, `fx-quotes:`, `fx-transfers:`, `fx-banks:`; transfer scenarios have no prefix), so `grep` can select one area, e.g. `^(als|parties):`.
 * `security:` scenarios run only against a secured hub (options.security).
 */
export const scenarios: Scenario[] = [
  ...transferScenarios,
  ...discoveryScenarios,
  ...quoteScenarios,
  ...bulkQuoteScenarios,
  ...fxQuoteScenarios,
  ...requestToPayScenarios,
  ...goldenPathScenarios,
  ...securityScenarios,
  ...dialectScenarios,
  ...isoDetailScenarios,
  ...settlementScenarios,
  ...interschemeScenarios,
  ...bulkTransferScenarios,
  ...bankBulkScenarios,
  ...fxTransferScenarios,
  ...fxBankScenarios,
];

export interface ScenarioResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: Error;
  /** Not run: why (a security feature the run lacks). Counted neither as passed nor as failed. */
  skipped?: string;
}

export interface SuiteResult {
  passed: number;
  /** Scenarios not run for lack of a security feature. */
  skipped: number;
  failed: Array<{ name: string; error: Error }>;
  results: ScenarioResult[];
  ms: number;
}

export interface RunSuiteOptions extends SuiteOptions {
  /** Called as each scenario finishes. */
  onResult?: (r: ScenarioResult) => void;
  /** Hard limit for one scenario. Default max(3 × timeoutMs, 30 s). */
  scenarioTimeoutMs?: number;
  /** Scenario list to draw from (default: all). */
  scenarios?: Scenario[];
  /** Called after the scenarios and audits, before the simulators stop (e.g. to validate what they recorded). */
  beforeClose?: (ctx: SuiteContext) => void | Promise<void>;
}

function toError(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  // A custom assertion message does not show the compared values: append them.
  if (err instanceof AssertionError && !err.generatedMessage && ['strictEqual', 'notStrictEqual', 'deepStrictEqual'].includes(err.operator)) {
    const detail = `\n    expected: ${inspect(err.expected, { depth: 4, breakLength: Infinity })}\n    actual:   ${inspect(err.actual, { depth: 4, breakLength: Infinity })}`;
    if (!err.message.includes(detail) && !err.message.includes('+ actual - expected')) err.message += detail;
  }
  return err;
}

async function runOne(s: Scenario, ctx: SuiteContext, limitMs: number): Promise<ScenarioResult> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const skipped = s.skip ? await s.skip(ctx) : undefined;
    if (skipped !== undefined) return { name: s.name, ok: true, ms: Date.now() - started, skipped };
    await Promise.race([
      s.run(ctx),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`scenario timed out after ${limitMs} ms`)), limitMs);
      }),
    ]);
    return { name: s.name, ok: true, ms: Date.now() - started };
  } catch (err) {
    return { name: s.name, ok: false, ms: Date.now() - started, error: toError(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Pseudo-scenario: every hub-authored message received during the run, checked against fspiop.md §14. */
export const AUDIT_NAME = 'audit: every hub-authored message received meets the §14 checklist';
/** Pseudo-scenario of runs with banks: every XML message the hub sent a bank. */
export const XML_AUDIT_NAME =
  'audit: every XML message the hub sent a bank is a business message from the hub to that bank (signed by the hub XML certificate when given)';
/** Pseudo-scenario of secured runs: the signature of every message with a body the simulators received. */
export const SIGNATURE_AUDIT_NAME =
  "audit: every message with a body received carries a valid FSPIOP-Signature (hub key on hub-authored messages, the sender's key on forwarded ones)";

export function selectScenarios(all: Scenario[], grep?: string | RegExp): Scenario[] {
  const re = grep === undefined ? undefined : grep instanceof RegExp ? grep : new RegExp(grep);
  const chosen = re ? all.filter((s) => re.test(s.name)) : [...all];
  // slow (expiry) scenarios first so they overlap with the rest
  return [...chosen.filter((s) => s.slow), ...chosen.filter((s) => !s.slow)];
}

/** Provision the shared fixtures, run the selected scenarios with bounded concurrency, tear everything down. */
export async function runSuite(options: RunSuiteOptions): Promise<SuiteResult> {
  const started = Date.now();
  const ctx = new SuiteContext(options);
  const results: ScenarioResult[] = [];
  const secured = ctx.features.size > 0;
  const selected: Scenario[] = [];
  for (const s of selectScenarios(options.scenarios ?? scenarios, options.grep)) {
    const missing = (s.requires ?? []).filter((f) => !ctx.features.has(f));
    if (s.requires && s.requires.length > 0 && !secured) continue; // plain hub: security scenarios do not apply
    if (missing.length === 0) {
      selected.push(s);
      continue;
    }
    const r: ScenarioResult = { name: s.name, ok: true, ms: 0, skipped: `needs ${missing.join(', ')} (${missing.map(featureHint).join('; ')})` };
    results.push(r);
    options.onResult?.(r);
  }
  const limit = options.scenarioTimeoutMs ?? Math.max(3 * ctx.T, 30_000);
  try {
    if (selected.length > 0) {
      try {
        await ctx.shared();
      } catch (err) {
        const r: ScenarioResult = { name: 'provisioning (shared payer/payee)', ok: false, ms: Date.now() - started, error: toError(err) };
        options.onResult?.(r);
        return { passed: 0, skipped: 0, failed: [{ name: r.name, error: r.error! }], results: [r], ms: Date.now() - started };
      }
    }
    const shared = selected.filter((s) => !s.exclusive);
    let next = 0;
    const worker = async () => {
      while (next < shared.length) {
        const s = shared[next++]!;
        const r = await runOne(s, ctx, limit);
        results.push(r);
        options.onResult?.(r);
      }
    };
    await Promise.all(Array.from({ length: Math.min(ctx.opts.concurrency, shared.length) }, worker));
    for (const s of selected.filter((x) => x.exclusive)) {
      const r = await runOne(s, ctx, limit);
      results.push(r);
      options.onResult?.(r);
    }
    if (selected.length > 0) {
      const problems = ctx.auditHubMessages();
      const r: ScenarioResult = problems.length
        ? { name: AUDIT_NAME, ok: false, ms: 0, error: new Error(`hub-authored messages violating the checklist:\n  ${problems.join('\n  ')}`) }
        : { name: AUDIT_NAME, ok: true, ms: 0 };
      results.push(r);
      options.onResult?.(r);
      if (ctx.banks.length > 0) {
        const x = ctx.auditBankMessages();
        const xr: ScenarioResult = x.problems.length
          ? { name: XML_AUDIT_NAME, ok: false, ms: 0, error: new Error(`XML messages from the hub violating the profile:\n  ${x.problems.join('\n  ')}`) }
          : { name: `${XML_AUDIT_NAME} [${x.checked} checked, ${x.signed} hub-signed]`, ok: true, ms: 0 };
        results.push(xr);
        options.onResult?.(xr);
      }
      await options.beforeClose?.(ctx);
      if (ctx.keyring || ctx.hubKey) {
        const bad = ctx.auditSignatures();
        const counted = ctx.checkedSignatures();
        const s: ScenarioResult = bad.length
          ? { name: SIGNATURE_AUDIT_NAME, ok: false, ms: 0, error: new Error(`messages with a missing or invalid signature:\n  ${bad.join('\n  ')}`) }
          : counted.hub + counted.forwarded === 0
            ? { name: SIGNATURE_AUDIT_NAME, ok: false, ms: 0, error: new Error('no signed message was received at all: the check would be vacuous') }
            : { name: `${SIGNATURE_AUDIT_NAME} [${counted.hub} hub-signed, ${counted.forwarded} forwarded]`, ok: true, ms: 0 };
        results.push(s);
        options.onResult?.(s);
      }
    }
  } finally {
    await ctx.close();
  }
  const failed = results.filter((r) => !r.ok).map((r) => ({ name: r.name, error: r.error! }));
  const skipped = results.filter((r) => r.skipped !== undefined).length;
  return { passed: results.length - failed.length - skipped, skipped, failed, results, ms: Date.now() - started };
}

function featureHint(f: string): string {
  switch (f) {
    case 'mtls':
      return 'mtls: security.ca and DFSP certificates (--ca, --cert-dir)';
    case 'jws':
      return 'jws: security.sign (--sign)';
    case 'hubKey':
      return "hubKey: the hub's JWS public key (--hub-public-key)";
    case 'foreignCert':
      return 'foreignCert: a certificate of another CA (--foreign-cert/--foreign-key)';
    case 'revokedCert':
      return 'revokedCert: a revoked scheme certificate (--revoked-cert/--revoked-key)';
    default:
      return f;
  }
}
