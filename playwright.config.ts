import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests of the UI as the headless runtime serves it, in Debian's Chromium (Playwright's
 * own browser download is not reachable here). globalSetup builds the UI and starts
 * `raven-runtime start` on a free port with a scratch data folder and HOME.
 */
export default defineConfig({
  testDir: './e2e',
  testMatch: /.*\.spec\.ts/,
  outputDir: 'test-results',
  globalSetup: './e2e/global-setup.ts',
  // One runtime serves every test, and PTYs compete for 2 cores: run the files one at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    viewport: { width: 1280, height: 800 },
    // The screenshots double as product images; dark is the default look (one test checks light).
    colorScheme: 'dark',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
