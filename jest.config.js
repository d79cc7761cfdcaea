// ESM throughout: jest runs under --experimental-vm-modules and @swc/jest strips types,
// emitting ES modules so `import` of the ESM-only bencode works unchanged.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    }],
  },
  // Source imports say `./x.js` (NodeNext ESM); map them back to the .ts file on disk.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60_000,
  reporters: ['default', '<rootDir>/test/helpers/summaryReporter.js'],
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
};
