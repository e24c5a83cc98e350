import { expect, test } from '@playwright/test';
import { currentAgentId, terminalLines } from './helpers';
import { startRuntime, type RuntimeProcess } from './runtime-process';

/** A runtime started with an API key: the browser UI asks for it once and keeps it for the tab. */

const KEY = 'e2e-secret-key-0123456789abcdef';
let runtime: RuntimeProcess;

test.beforeAll(async () => {
  runtime = await startRuntime({ apiKey: KEY, name: 'auth' });
});

test.afterAll(async () => {
  await runtime?.stop();
});

test('on 401 the UI asks for the API key, then everything (HTTP and sockets) uses it', async ({ page }) => {
  await page.goto(runtime.url);
  const dialog = page.getByRole('dialog', { name: 'Connect to the runtime' });
  await expect(dialog).toBeVisible();
  await page.screenshot({ path: 'e2e/artifacts/11-api-key-prompt.png' });
  await dialog.getByLabel('API key', { exact: true }).fill(KEY);
  await dialog.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByRole('heading', { name: 'No agents yet — spawn one' })).toBeVisible();
  await expect(page.locator('.connection-dot')).toHaveAttribute('data-state', 'open');
  expect(await page.evaluate(() => sessionStorage.getItem('raven.apiKey'))).toBe(KEY);

  // The terminal socket authenticates with ?token=: spawn a shell and talk to it.
  await page.goto(`${runtime.url}/#/new?type=shell`);
  await page.locator('input[name=workdir]').fill(runtime.workdir);
  await page.getByRole('button', { name: 'Start agent' }).click();
  const id = await currentAgentId(page);
  await expect(page.locator('.agent-header .status-badge')).toHaveText('Ready');
  await page.locator('.terminal-view.is-visible .xterm').click();
  await page.keyboard.type('echo authed-ok');
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await terminalLines(page, id)).some((l) => l.trim() === 'authed-ok')).toBe(true);

  // A reload in the same tab does not ask again.
  await page.reload();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.locator(`.agent-row[data-agent-id="${id}"]`)).toBeVisible();
  await page.locator('.agent-actions [data-action="stop"]').click();
  await expect(page.locator(`.agent-row[data-agent-id="${id}"] .status-badge`)).toHaveText('Stopped');
});
