/**
 * The layers of docs/architecture.md, checked on every import (`npm run lint`, run by `./mizani test`).
 * A rule here is the rule: the document explains it, this file enforces it. Type-only imports count too:
 * a layer that names another's types depends on it.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // ---- the folders table (DESIGN.md)
    {
      name: 'schemas-import-nothing-of-ours',
      comment: 'schemas/ holds the canonical types and validators every layer shares; it depends on no other layer.',
      severity: 'error',
      from: { path: '^schemas/' },
      to: { path: '^(translators|ledger|switch|conformance|test|scripts)/' },
    },
    {
      name: 'translators-import-only-schemas',
      comment: 'translators/ are pure functions between a dialect and the canonical model: they import schemas/ only.',
      severity: 'error',
      from: { path: '^translators/' },
      to: { path: '^(ledger|switch|conformance|test|scripts)/' },
    },
    {
      name: 'ledger-imports-only-schemas',
      comment: 'ledger/ holds positions, journal, accounts and settlement; it knows no dialect, endpoint or message.',
      severity: 'error',
      from: { path: '^ledger/' },
      to: { path: '^(translators|switch|conformance|test|scripts)/' },
    },
    {
      name: 'conformance-imports-nothing-of-the-hub',
      comment: "conformance/ tests the wire against any hub: sharing the hub's code would hide a bug on both sides.",
      severity: 'error',
      from: { path: '^conformance/' },
      to: { path: '^(schemas|translators|ledger|switch|test|scripts)/' },
    },
    // ---- inside switch/
    {
      name: 'core-imports-no-edge-notify-admin-or-translator',
      comment:
        'switch/core decides on canonical messages; it talks to the edges, notify and the Admin API through interfaces it owns (core/outbox.ts, core/topics.ts).',
      severity: 'error',
      from: { path: '^switch/core/' },
      to: { path: '^(switch/(edge|notify|admin|http|directory/endpoints)|translators)/' },
    },
    {
      name: 'notify-uses-only-core-ports',
      comment:
        "notify renders what core hands it; it may name core's outbox interfaces, the settlement reports port it implements and the canonical status helpers, no core internals.",
      severity: 'error',
      from: { path: '^switch/notify/' },
      to: { path: '^switch/core/', pathNot: '^switch/core/(outbox|status|topics|bridge/ports|settlement/reports)\\.ts$' },
    },
    {
      name: 'notify-is-not-an-edge',
      comment: 'notify delivers outbound messages; it does not reach into the servers or the Admin API.',
      severity: 'error',
      from: { path: '^switch/notify/' },
      to: { path: '^switch/(edge|admin|http|hub\\.ts)' },
    },
    {
      name: 'http-kernel-imports-nothing-above-it',
      comment: 'switch/http is the HTTP kernel every server shares: it knows no API, service or key.',
      severity: 'error',
      from: { path: '^switch/http/' },
      to: { path: '^switch/(edge|admin|core|notify|security|directory|bus|hub\\.ts)' },
    },
    {
      name: 'admin-api-is-not-an-edge',
      comment: 'The Admin API is its own server: it shares the HTTP kernel, not the FSPIOP edge or notify.',
      severity: 'error',
      from: { path: '^switch/admin/' },
      to: { path: '^switch/(edge|notify|hub\\.ts)' },
    },
    {
      name: 'key-store-below-the-apis',
      comment: 'The participant key store is used by the APIs, never the other way round.',
      severity: 'error',
      from: { path: '^switch/security/jws-keys\\.ts$' },
      to: { path: '^switch/(admin|edge|http)/' },
    },
    {
      name: 'lifecycle-container-stands-alone',
      comment: 'switch/lifecycle.ts knows nothing of the parts it starts.',
      severity: 'error',
      from: { path: '^switch/lifecycle\\.ts$' },
      to: { path: '^(schemas|translators|ledger|switch)/' },
    },
    {
      name: 'bus-knows-no-command',
      comment: 'switch/bus carries commands; the topics and their workers belong to core.',
      severity: 'error',
      from: { path: '^switch/bus/' },
      to: { path: '^(schemas|translators|ledger|switch/(?!bus/))' },
    },
    // ---- one door to each position owner
    {
      name: 'one-door-to-the-ledger-writer',
      comment:
        'Positions and transfer states change only through the bus: the workers under switch/core/workers/ (the bus consumers) are the only callers of the ledger engine; the hub wires it. Everyone else reads through ledger/reader.ts.',
      severity: 'error',
      from: { pathNot: '^(switch/core/workers/|switch/hub\\.ts$|ledger/|test/)' },
      to: { path: '^ledger/engine\\.ts$' },
    },
    // ---- wire vocabulary stays at the edge (DESIGN.md "Errors")
    {
      name: 'core-and-ledger-speak-outcomes',
      comment: "ledger/ and switch/core raise domain outcomes (schemas/outcomes.ts); FSPIOP errors and codes are the edges' words.",
      severity: 'error',
      from: { path: '^(ledger|switch/core)/' },
      to: { path: '^schemas/errors\\.ts$' },
    },
    // ---- hygiene
    {
      name: 'no-unresolvable-imports',
      comment: "Mojaloop's ISO 20022 transformer is installed outside the repository for its interop test only (scripts/mojaloop-transformer-install.mjs).",
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: '^@mojaloop/ml-schema-transformer-lib$' },
    },
    {
      name: 'no-circular-in-product-code',
      comment: 'A cycle between product modules means two of them are one; type-only cycles are allowed (they vanish at run time).',
      severity: 'error',
      from: { path: '^(schemas|translators|ledger|switch)/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
