/** Architecture rules checked on every test run (ARCHITECTURE.md "Layout"). */
const GATEWAYS = ['jibit', 'atipay', 'mispay', 'mocasa', 'alqaseh'];

module.exports = {
  forbidden: [
    {
      name: 'libs-never-import-apps',
      comment: 'Libraries are reusable; apps are the edges that compose them.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'kernel-imports-nothing-of-ours',
      comment: 'libs/kernel is the bottom layer: Money, ids, Clock, DomainError.',
      severity: 'error',
      from: { path: '^libs/kernel/' },
      to: { path: '^(libs/(?!kernel/)|apps/|migrations/|test/)' },
    },
    {
      name: 'domain-code-is-framework-free',
      comment: 'Deciders, posting rules, transformers and ports import no framework or ORM.',
      severity: 'error',
      from: { path: '(^libs/kernel/|\\.decider\\.ts$|\\.transformers\\.ts$|\\.rules\\.ts$|\\.port\\.ts$|/port/)' },
      to: { path: 'node_modules/(@nestjs|typeorm|pg|kafkajs|express)/' },
    },
    ...GATEWAYS.map((gateway) => ({
      name: `gateway-${gateway}-is-self-contained`,
      comment: 'Gateway folders never import each other; the registry is the only place that knows them all.',
      severity: 'error',
      from: { path: `^libs/gateways/src/${gateway}/` },
      to: { path: `^libs/gateways/src/(${GATEWAYS.filter((g) => g !== gateway).join('|')})/` },
    })),
    ...GATEWAYS.map((gateway) => ({
      name: `simulator-${gateway}-is-self-contained`,
      severity: 'error',
      from: { path: `^apps/sandbox/src/${gateway}/` },
      to: { path: `^apps/sandbox/src/(${GATEWAYS.filter((g) => g !== gateway).join('|')})/` },
    })),
    {
      name: 'ledger-knows-no-gateway',
      comment: 'Gateway names are data to the ledger.',
      severity: 'error',
      from: { path: '^libs/(ledger|reconciliation)/' },
      to: { path: `^libs/gateways/src/(${GATEWAYS.join('|')})/` },
    },
    {
      name: 'product-never-imports-tests',
      severity: 'error',
      from: { path: '^(apps|libs|migrations)/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^test/' },
    },
    {
      name: 'no-circular',
      comment: 'Runtime cycles only: a type-only import is erased and cannot create a load-order problem.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: 'specify',
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
