import { expect, test } from '@playwright/test';
import { startRuntime, type RuntimeProcess } from './runtime-process';

/**
 * The runtime restarts under an open page (issue 8): the page hears the agents stop before the
 * connection drops (no ghost "Ready"), and when a new runtime answers on the same address it shows
 * what that runtime has: the old agents disappear and toasts about the old connection are cleared.
 */

let first: RuntimeProcess | undefined;
let second: RuntimeProcess | undefined;

test.afterAll(async () => {
  await first?.stop();
  await second?.stop();
});

test('a runtime restart: agents shown stopped, then gone; stale toasts cleared', async ({ page }) => {
  test.setTimeout(90_000);
  first = await startRuntime({ name: 'reconnect-a' });
  const port = Number(new URL(first.url).port);
  await page.goto(first.url);
  const spawned = await page.request.post(`${first.url}/api/agents`, { data: { type: 'echo', name: 'before-restart', workdir: first.workdir } });
  expect(spawned.status()).toBe(201);
  const id = ((await spawned.json()) as { id: string }).id;
  const row = page.locator(`.agent-row[data-agent-id="${id}"]`);
  await expect(row.locator('.status-badge')).toHaveText('Ready');

  // Shutdown: runtime_stopping, then agent_stopped, then the socket closes.
  await first.stop();
  first = undefined;
  await expect(row.locator('.status-badge')).toHaveText('Stopped');
  await expect(page.locator('.connection-bar')).toBeVisible();

  // While it is down, an action fails with a toast about the old connection.
  await page.locator('[data-action="clear-stopped"]').click();
  await expect(page.locator('.toast-error')).toBeVisible();

  // A new runtime on the same address: its snapshot replaces the old state.
  second = await startRuntime({ name: 'reconnect-b', port });
  await expect(page.locator('.connection-bar')).toBeHidden({ timeout: 30_000 });
  await expect(row).toHaveCount(0);
  await expect(page.locator('.toast')).toHaveCount(0);
});
