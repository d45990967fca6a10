// Two projects: fast unit tests on pure functions and an injected runner, and
// integration tests that drive `node dist/index.js` against a real Docker engine.
const tsJest = { '^.+\\.ts$': ['ts-jest', { useESM: true }] }
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: tsJest,
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node'
}
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/__tests__/integration/**/*.test.ts'] }
  ]
}
