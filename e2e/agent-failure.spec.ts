import { expect, test, type Page } from '@playwright/test';
import { apiAgents, shot, spawnCustom, stopAllAgents } from './helpers';

/**
 * An agent that dies while starting shows red "Failed" with the reason and the fix; stopped agents
 * can be cleared one by one or all at once (issue 8).
 */

test.describe.configure({ mode: 'serial' });

test.afterEach(async () => {
  await stopAllAgents();
});

function row(page: Page, id: string) {
  return page.locator(`.agent-row[data-agent-id="${id}"]`);
}

test('a start-up that asked for a login and died: Failed, with the login to fix; Clear forgets it', async ({ page }) => {
  const script = `-c 'printf "Sign in to continue: open https://login.example.com/device and enter the code WXYZ-1234\\n"; read answer; exit 1'`;
  const id = await spawnCustom(page, 'needs-login', '/bin/sh', script);
  await expect(row(page, id).locator('.status-badge')).toHaveText('Needs login');
  // The CLI gives up: a person presses Enter in its terminal.
  await page.locator('.terminal-view.is-visible .xterm').click();
  await page.keyboard.press('Enter');
  await expect(row(page, id).locator('.status-badge')).toHaveText('Failed');
  await expect(row(page, id).locator('.status-badge')).toHaveClass(/tone-error/);
  const banner = page.locator('.stopped-banner');
  await expect(banner.locator('.banner-title')).toHaveText('needs-login failed');
  await expect(banner.locator('[data-role="failure"]')).toContainText('while it needed a login');
  await expect(banner.locator('[data-role="fix"]')).toContainText('Sign in');
  await expect(banner.locator('[data-role="fix"]')).toContainText('WXYZ-1234');
  await shot(page, '20-failed-start');

  await banner.locator('[data-action="clear"]').click();
  await expect(row(page, id)).toHaveCount(0);
  expect((await apiAgents()).some((a) => a.id === id)).toBe(false);
});

test('"Clear stopped" forgets every stopped agent and keeps the running ones', async ({ page }) => {
  const running = await spawnCustom(page, 'keeps-running', 'bash', "--norc --noprofile -i");
  const done = await spawnCustom(page, 'finishes', '/bin/sh', "-c 'echo done; exit 0'");
  await expect(row(page, done).locator('.status-badge')).toHaveText('Stopped');
  await expect(row(page, running).locator('.status-badge')).toHaveText('Ready');
  const clear = page.locator('[data-action="clear-stopped"]');
  await expect(clear).toBeVisible();
  await clear.click();
  await expect(row(page, done)).toHaveCount(0);
  await expect(row(page, running)).toHaveCount(1);
  await expect(clear).toBeHidden();
  const ids = (await apiAgents()).map((a) => a.id);
  expect(ids).toContain(running);
  expect(ids).not.toContain(done);
});
