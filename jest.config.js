// Jest in native ESM mode (run with --experimental-vm-modules); TypeScript is compiled by SWC,
// type-checking is done separately by `tsc --noEmit` in `npm test`.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
  // A worker ends the suite with a heap of 0.5–1 GB (each test file's module graph), and the
  // process takes 0.4–0.7 s to free it as it exits on a busy 2-core machine: past jest's 500 ms,
  // jest killed it and reported "failed to exit gracefully", although its event loop was empty
  // within 20 ms of the end message and it exited with code 0 (docs/decisions.md, session 10).
  workerGracefulExitTimeout: 5000,
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};
