/**
 * Architecture rules, checked before every test run (`npm run lint:deps`):
 * actors know messages, not the bus or the stores; each client library has one home.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'actors-no-nats',
      comment: 'An actor knows its messages, not NATS: only src/transport talks to the bus.',
      severity: 'error',
      from: { path: '^actors/' },
      to: { path: '(^|/)node_modules/(@nats-io/|nats/)' },
    },
    {
      name: 'actors-no-store-clients',
      comment: 'Actors reach stores through src/stores, never a client directly.',
      severity: 'error',
      from: { path: '^actors/' },
      to: { path: '(^|/)node_modules/(pg|ioredis|chromadb|lru-cache)/' },
    },
    {
      name: 'actors-no-transport',
      comment: 'Actors do not import the transport either; the runtime binds them to subjects.',
      severity: 'error',
      from: { path: '^actors/' },
      to: { path: '^src/transport/' },
    },
    {
      name: 'nats-only-in-transport',
      comment: 'Only src/transport imports the NATS client.',
      severity: 'error',
      from: { pathNot: '^src/transport/' },
      to: { path: '(^|/)node_modules/@nats-io/' },
    },
    {
      name: 'codec-libs-only-in-codec',
      comment: 'Only src/codec imports msgpackr and lz4-napi.',
      severity: 'error',
      from: { pathNot: '^src/codec/' },
      to: { path: '(^|/)node_modules/(msgpackr|lz4-napi)/' },
    },
    {
      name: 'store-clients-only-in-stores',
      comment: 'Only src/stores imports pg, ioredis and chromadb.',
      severity: 'error',
      from: { pathNot: '^src/stores/' },
      to: { path: '(^|/)node_modules/(pg|ioredis|chromadb)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
