// Two projects: fast unit tests, and end-to-end tests that boot real VMs (run in band, long timeouts).
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
module.exports = {
  verbose: true,
  // The heartbeat names the files that are running, so a run cut off by CI's time limit still says where.
  // required-projects fails a run in which a project named in MACHINE_TEST_REQUIRE_PROJECTS ran no file.
  reporters: ['default', '<rootDir>/test/reporters/required-projects.js', '<rootDir>/test/reporters/heartbeat.js'],
  // End-to-end tests boot VMs under TCG; they set longer timeouts per test.
  testTimeout: 30000,
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['<rootDir>/test/e2e/'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
      setupFilesAfterEnv: ['<rootDir>/test/helpers/isolated-docker-config.ts'],
    },
    {
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
      setupFilesAfterEnv: ['<rootDir>/test/helpers/isolated-docker-config.ts'],
    },
  ],
};
