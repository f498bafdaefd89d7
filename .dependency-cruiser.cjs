/**
 * Import direction between the layers, and no file cycles anywhere (npm test runs it:
 * tests/architecture/imports.test.ts; by hand: npm run lint:imports).
 *
 *   infra  <-  contract  <-  services  <-  views  <-  tools
 *
 * A layer imports itself and the layers to its left. Services do not import one another: what two services
 * share is contract or plumbing. The contract (devices/) is the MQTT payloads, the storage schema and its
 * read definitions, Vietnam time and the registry; whatever a service needs from a view belongs there or
 * in the service.
 */
const LAYERS = {
  infra: ['infra'],
  contract: ['devices'],
  services: ['firmware-bridge', 'broker', 'collector', 'console'],
  views: ['dashboards', 'report', 'node-red'],
  tools: ['simulator', 'scripts', 'bench', 'deploy', 'tests'],
};
const ORDER = ['infra', 'contract', 'services', 'views', 'tools'];
const folders = (names) => `^(${names.join('|')})/`;
const above = (layer) => folders(ORDER.slice(ORDER.indexOf(layer) + 1).flatMap((l) => LAYERS[l]));

const upward = ORDER.slice(0, -1).map((layer) => ({
  name: `${layer}-imports-no-layer-above`,
  comment: `${LAYERS[layer].join(', ')} may import only ${ORDER.slice(0, ORDER.indexOf(layer) + 1).join(', ')}`,
  severity: 'error',
  from: { path: folders(LAYERS[layer]) },
  to: { path: above(layer) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A file cycle makes two files one module in disguise: move what they share into a third.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: 'services-import-no-other-service',
      comment: "What two services share is contract (devices/) or plumbing (infra/), not one another's internals.",
      severity: 'error',
      from: { path: folders(LAYERS.services) },
      to: { path: folders(LAYERS.services), pathNot: '^$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|generated)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js', '.cjs', '.json'] },
  },
};
