import { expect, test } from '@playwright/test';
import { currentAgentId, terminalLines } from './helpers';
import { startRuntime, type RuntimeProcess } from './runtime-process';

/**
 * A runtime started with an API key: even the UI page needs the key, so the browser first gets the
 * runtime's key-entry page; the right key sets an HttpOnly session cookie and the UI loads.
 */

const KEY = 'e2e-secret-key-0123456789abcdef';
let runtime: RuntimeProcess;

test.beforeAll(async () => {
  runtime = await startRuntime({ apiKey: KEY, name: 'auth' });
});

test.afterAll(async () => {
  await runtime?.stop();
});

test('the key-entry page unlocks the UI; then everything (HTTP and sockets) works with the session cookie', async ({ page }) => {
  await page.goto(runtime.url);
  await expect(page.getByRole('heading', { name: 'Raven Agent Runtime' })).toBeVisible();
  await page.screenshot({ path: 'e2e/artifacts/11-api-key-prompt.png' });
  // A wrong key keeps the page locked.
  await page.getByLabel('API key', { exact: true }).fill('wrong-key-0000000000000000');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong API key.');
  await page.getByLabel('API key', { exact: true }).fill(KEY);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('heading', { name: 'No agents yet — spawn one' })).toBeVisible();
  await expect(page.locator('.connection-dot')).toHaveAttribute('data-state', 'open');
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'raven_session');
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe('Strict');
  expect(session?.value).not.toContain(KEY);
  // Page scripts cannot read it.
  expect(await page.evaluate(() => document.cookie)).not.toContain('raven_session');

  // The terminal socket authenticates with the cookie too: spawn a shell and talk to it.
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
