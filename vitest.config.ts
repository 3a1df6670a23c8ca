import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,js}'],
    globalSetup: ['test/global-setup.ts'],
    // @oclif/test's captured stdout comes back empty without this.
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each e2e file starts its own stand-in (moto + SSM sandbox); two cores, so keep it modest.
    maxWorkers: 2,
    env: {AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'},
  },
})
