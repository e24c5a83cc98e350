import { expect, test, type Page } from '@playwright/test';
import type { AgentHandle, SpawnConfig } from '../src-shared/agent';
import type { ErrorBody } from '../src-shared/errors';
import type { HealthResponse } from '../src-shared/api';
import type { IsolationSupport } from '../src-shared/isolation';
import { isolationDetails, isolationLabel } from '../src-renderer/lib/isolation-text';
import { bridgeCalls, currentAgentId, FAKE_BRIDGE_SETTINGS, fakeBridgeInit, runtimeEnv, shot, stopAllAgents } from './helpers';

/**
 * Isolation in the UI against the real runtime: what the spawn form sends, the badge an agent gets
 * from its handle, modes /health calls unavailable, and the settings card.
 */

test.describe.configure({ mode: 'serial' });

test.afterEach(async () => {
  await stopAllAgents();
});

/** Fills the form for a bash agent (it is ready at once) without starting it. */
async function fillBash(page: Page, name: string): Promise<void> {
  await page.goto(`${runtimeEnv().url}/#/new?type=custom`);
  await page.locator('input[name=command]').fill('bash');
  await page.locator('input[name=args]').fill('--norc --noprofile -i');
  await page.locator('input[name=workdir]').fill(runtimeEnv().workdir);
  await page.locator('input[name=name]').fill(name);
}

/** Starts the agent and returns the body the form sent and the runtime's answer. */
async function submit(page: Page): Promise<{ sent: SpawnConfig; status: number; answer: AgentHandle | ErrorBody }> {
  const [request, response] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/agents')),
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/agents')),
    page.getByRole('button', { name: 'Start agent' }).click(),
  ]);
  return { sent: request.postDataJSON() as SpawnConfig, status: response.status(), answer: (await response.json()) as AgentHandle | ErrorBody };
}

/** /health as the runtime answers it, with `isolation` saying container is unavailable (the UI renders whatever /health says). */
async function healthWithoutContainer(page: Page, defaultMode: IsolationSupport['defaultMode'] = 'none'): Promise<IsolationSupport> {
  const support: IsolationSupport = {
    none: { available: true },
    sandbox: { available: true, backend: 'bubblewrap' },
    container: { available: false, reason: 'neither docker nor podman is installed' },
    limits: 'cgroup-v1',
    defaultMode,
  };
  await page.route('**/api/health', async (route) => {
    const real = await route.fetch();
    const body = (await real.json()) as HealthResponse;
    await route.fulfill({ response: real, json: { ...body, isolation: support } });
  });
  return support;
}

test('an agent spawned without choosing isolation sends none and shows a muted "no isolation" in its view only', async ({ page }) => {
  await fillBash(page, 'plain-shell');
  const isolationGroup = page.getByRole('radiogroup', { name: 'Isolation' });
  await expect(isolationGroup.getByRole('radio', { name: 'None' })).toHaveAttribute('aria-checked', 'true');
  await expect(page.locator('select[name=network]')).toBeHidden();
  const { sent, status, answer } = await submit(page);
  expect(status).toBe(201);
  expect(sent).not.toHaveProperty('isolation');
  const id = await currentAgentId(page);
  expect((answer as AgentHandle).id).toBe(id);
  expect((answer as AgentHandle).isolation?.mode ?? 'none').toBe('none');

  const badge = page.locator('.agent-header .isolation-badge');
  await expect(badge).toHaveText('no isolation');
  await expect(badge).toHaveAttribute('data-isolation', 'none');
  await expect(badge).toHaveClass(/is-none/);
  await expect(badge).toHaveAttribute('title', 'No isolation: this agent runs as you, with your files, programs and network.');
  // The list keeps its rows short: only isolated agents carry a badge there.
  await expect(page.locator(`.agent-row[data-agent-id="${id}"]`)).toBeVisible();
  await expect(page.locator(`.agent-row[data-agent-id="${id}"] .isolation-badge`)).toHaveCount(0);
  await shot(page, 'isolation-none');
});

test('the form sends the chosen mode and network, and the view shows exactly what the runtime answered', async ({ page }) => {
  await fillBash(page, 'sandboxed-shell');
  await page.getByRole('radiogroup', { name: 'Isolation' }).getByRole('radio', { name: 'Sandbox' }).click();
  const network = page.locator('select[name=network]');
  await expect(network).toBeVisible();
  await network.selectOption('allowlist');
  await expect(page.locator('[data-isolation-help]')).toContainText("Only its provider's API");
  await shot(page, 'isolation-form');
  const { sent, status, answer } = await submit(page);
  expect(sent.isolation).toEqual({ mode: 'sandbox', network: 'allowlist' });

  if (status === 201) {
    // The handle's isolation is the truth the badge shows (docs/isolation.md: set by the runtime).
    const handle = answer as AgentHandle;
    const id = await currentAgentId(page);
    const badge = page.locator('.agent-header .isolation-badge');
    await expect(badge).toHaveText(isolationLabel(handle.isolation));
    await expect(badge).toHaveAttribute('title', isolationDetails(handle.isolation).join('\n'));
    await expect(page.locator(`.agent-row[data-agent-id="${id}"] .isolation-badge`)).toHaveCount(handle.isolation && handle.isolation.mode !== 'none' ? 1 : 0);
  } else {
    // This machine cannot sandbox: the runtime says why, and the form shows it with the code.
    const error = answer as ErrorBody;
    expect({ status, code: error.code }).toEqual({ status: 422, code: 'ISOLATION_UNAVAILABLE' });
    await expect(page.locator('.form-error')).toContainText('ISOLATION_UNAVAILABLE');
    await expect(page.locator('.form-error')).toContainText(error.error);
  }
  await shot(page, 'isolation-sandbox');
});

test('a mode /health calls unavailable is disabled in the form, with the reason as its tooltip', async ({ page }) => {
  const support = await healthWithoutContainer(page);
  await fillBash(page, 'never-started');
  const group = page.getByRole('radiogroup', { name: 'Isolation' });
  const container = group.getByRole('radio', { name: 'Container' });
  await expect(container).toBeDisabled();
  await expect(container).toHaveAttribute('title', `Not available here: ${support.container.reason}`);
  await expect(group.getByRole('radio', { name: 'Sandbox' })).toBeEnabled();
  await expect(group.getByRole('radio', { name: 'None' })).toHaveAttribute('aria-checked', 'true');
  // A click on the disabled mode changes nothing.
  await container.click({ force: true });
  await expect(container).toHaveAttribute('aria-checked', 'false');
});

test("the runtime's default mode is preselected and left to the runtime; choosing None says so", async ({ page }) => {
  await healthWithoutContainer(page, 'sandbox');
  await fillBash(page, 'default-sandbox');
  const group = page.getByRole('radiogroup', { name: 'Isolation' });
  await expect(group.getByRole('radio', { name: 'Sandbox' })).toHaveAttribute('aria-checked', 'true');
  await expect(page.locator('select[name=network]')).toHaveValue('');
  await group.getByRole('radio', { name: 'None' }).click();
  const { sent, status } = await submit(page);
  expect(sent.isolation).toBe('none');
  expect(status).toBe(201);
});

test('the settings card saves the default isolation whole, and the browser view says where it is set', async ({ page }) => {
  await healthWithoutContainer(page);
  await page.addInitScript(fakeBridgeInit, FAKE_BRIDGE_SETTINGS);
  await page.goto(`${runtimeEnv().url}/#/settings`);
  const card = page.locator('.settings-section', { has: page.getByRole('heading', { name: 'Isolation' }) });
  await expect(card).toBeVisible();
  const modes = card.getByRole('radiogroup', { name: 'Default isolation' });
  await expect(modes.getByRole('radio', { name: 'None' })).toHaveAttribute('aria-checked', 'true');
  await expect(modes.getByRole('radio', { name: 'Container' })).toBeDisabled();
  await expect(card.getByLabel('Network of isolated agents')).toBeHidden();

  await modes.getByRole('radio', { name: 'Sandbox' }).click();
  await expect(card.getByLabel('Network of isolated agents')).toBeVisible();
  await card.getByLabel('Allowed hosts').fill('registry.npmjs.org\n*.example.com:8443');
  await card.getByLabel('Allowed hosts').blur();
  await card.getByLabel('Memory (MiB)').fill('512');
  await card.getByLabel('Memory (MiB)').blur();
  await expect
    .poll(async () => (await bridgeCalls(page)).filter((c) => c.method === 'settings.set').map((c) => c.args[0]))
    .toEqual([
      { isolation: { mode: 'sandbox', network: 'allowlist', allow: [], limits: {} } },
      { isolation: { mode: 'sandbox', network: 'allowlist', allow: ['registry.npmjs.org', '*.example.com:8443'], limits: {} } },
      { isolation: { mode: 'sandbox', network: 'allowlist', allow: ['registry.npmjs.org', '*.example.com:8443'], limits: { memoryMb: 512 } } },
    ]);
  await shot(page, 'isolation-settings');

  // Without the desktop bridge the page is read-only and says where the default comes from.
  const browser = await page.context().newPage();
  await healthWithoutContainer(browser);
  await browser.goto(`${runtimeEnv().url}/#/settings`);
  await expect(browser.locator('[data-default-isolation]')).toHaveText('None');
  await browser.close();
});
