import { expect, test, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  apiAgent,
  bridgeCalls,
  currentAgentId,
  FAKE_BRIDGE_SETTINGS,
  fakeBridgeInit,
  runtimeEnv,
  shot,
  spawnCustom,
  stopAllAgents,
  terminalLines,
  terminalSize,
} from './helpers';

/**
 * The UI served by the headless runtime, driven like a person would: spawn from the form, type in
 * the terminal, resize, send a message, answer a login and a question, stop, replay.
 * Tests run in order and share one runtime; each stops its agents.
 */

test.describe.configure({ mode: 'serial' });

/** bash with no rc files: a prompt the runtime recognises, and an interactive shell afterwards. */
const THEN_SHELL = 'exec bash --norc --noprofile -i';

let shellId = '';

test.afterEach(async () => {
  await stopAllAgents();
});

function row(page: Page, id: string) {
  return page.locator(`.agent-row[data-agent-id="${id}"]`);
}

async function expectTerminalLine(page: Page, id: string, line: string | RegExp): Promise<void> {
  await expect
    .poll(async () => (await terminalLines(page, id)).map((l) => l.trim()).some((l) => (typeof line === 'string' ? l === line : line.test(l))), {
      message: `terminal of ${id} shows ${String(line)}`,
    })
    .toBe(true);
}

test('with no agents, the overview says so and offers to spawn one', async ({ page }) => {
  await page.goto(runtimeEnv().url);
  await expect(page.getByRole('heading', { name: 'No agents yet — spawn one' })).toBeVisible();
  await expect(page.locator('.list-empty')).toContainText('No agents yet');
  await expect(page.locator('.connection-dot')).toHaveAttribute('data-state', 'open');
  await shot(page, '01-empty');
});

test('the spawn form reports a missing CLI with its install command', async ({ page }) => {
  await page.goto(`${runtimeEnv().url}/#/new?type=aider`);
  const error = page.locator('.form-error');
  // /health knows aider is not installed here, so the form says so before any spawn.
  await expect(error).toContainText('CLI_NOT_FOUND');
  await expect(error.locator('pre')).toHaveText(/aider/);
  // Starting it anyway gets the server's CLI_NOT_FOUND with the same hint.
  await page.getByRole('button', { name: 'Start agent' }).click();
  await expect(error).toContainText('is not installed or not on the PATH');
  await expect(error.locator('.error-code')).toHaveText('CLI_NOT_FOUND');
  await shot(page, '02-spawn-form-cli-not-found');
});

test('a shell agent: spawn, ready, type, resize, message, logs, stop', async ({ page }) => {
  const { url, workdir } = runtimeEnv();
  await page.goto(url);
  await page.keyboard.press('n'); // shortcut: new agent
  await expect(page.getByRole('heading', { name: 'New agent' })).toBeVisible();
  await page.getByRole('radio', { name: /Shell/ }).click();
  await page.locator('input[name=workdir]').fill(workdir);
  await page.locator('input[name=name]').fill('e2e-shell');
  await page.getByRole('button', { name: 'Start agent' }).click();
  const id = await currentAgentId(page);
  shellId = id;

  await test.step('becomes ready in the list', async () => {
    await expect(row(page, id).locator('.status-badge')).toHaveText('Ready');
    await expect(row(page, id).locator('.agent-name')).toHaveText('e2e-shell');
    await expect(page.locator('.agent-header .status-badge')).toHaveText('Ready');
    await expect(page.locator('.startup-banner')).toBeHidden();
  });

  await test.step('typing in the terminal reaches the shell, and the screen reads back', async () => {
    await page.locator('.terminal-view.is-visible .xterm').click();
    await page.keyboard.type('echo "typed $((6*7))"');
    await page.keyboard.press('Enter');
    await expectTerminalLine(page, id, 'typed 42');
    await shot(page, '03-agent-terminal');
  });

  await test.step('resizing the window resizes the terminal and the PTY', async () => {
    const before = await terminalSize(page, id);
    expect(before?.cols).toBeGreaterThan(60);
    await page.setViewportSize({ width: 960, height: 700 });
    await expect.poll(async () => (await terminalSize(page, id))?.cols ?? 0).toBeLessThan(before?.cols ?? 0);
    const after = await terminalSize(page, id);
    await expect.poll(async () => (await apiAgent(id)).cols).toBe(after?.cols);
    await page.locator('.terminal-view.is-visible .xterm').click();
    await page.keyboard.type('echo "cols=$(tput cols)"');
    await page.keyboard.press('Enter');
    await expectTerminalLine(page, id, `cols=${after?.cols}`);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await test.step('the message box sends through /send and shows the reply', async () => {
    const box = page.getByRole('textbox', { name: 'Message e2e-shell' });
    await box.fill('echo "box-$((2+3))"');
    await box.press('Enter');
    await expect(page.locator('.exchange-reply .exchange-text').last()).toHaveText('box-5');
    await expect(page.locator('.exchange-message .exchange-text').last()).toHaveText('echo "box-$((2+3))"');
    await shot(page, '04-message-reply');
  });

  await test.step('logs with search', async () => {
    await page.getByRole('tab', { name: 'Logs' }).click();
    await expect(page.locator('.logs-output')).toContainText('typed 42');
    await page.getByRole('searchbox', { name: 'Search logs' }).fill('box-5');
    await expect(page.locator('.logs-output mark').first()).toHaveText('box-5');
    await expect(page.locator('.logs-toolbar .search-count')).toHaveText(/of [1-9]/);
    await shot(page, '05-logs-search');
    await page.getByRole('tab', { name: 'Terminal' }).click();
  });

  await test.step('Stop ends the agent and its process', async () => {
    const pid = (await apiAgent(id)).pid;
    expect(pid).toBeGreaterThan(0);
    await page.locator('.agent-actions [data-action="stop"]').click();
    await expect(row(page, id).locator('.status-badge')).toHaveText('Stopped');
    await expect(page.locator('.stopped-banner')).toBeVisible();
    await expect(page.getByRole('textbox', { name: 'Message e2e-shell' })).toHaveAttribute('placeholder', /stopped/);
    expect(() => process.kill(pid as number, 0)).toThrow();
  });
});

test('a login: URL and device code shown, "Open in browser" goes through the bridge, panel closes when ready', async ({ page }) => {
  await page.addInitScript(fakeBridgeInit, FAKE_BRIDGE_SETTINGS);
  const id = await spawnCustom(
    page,
    'login-bot',
    'bash',
    // After the login a CLI redraws its screen; the escape sequence clears it as one would.
    `-c 'echo "To sign in, open https://example.test/device and enter code ABCD-EFGH"; read x; printf "\\033[2J\\033[H"; echo signed-in; ${THEN_SHELL}'`,
  );
  const panel = page.locator('.login-panel');
  await expect(panel).toBeVisible();
  await expect(panel.locator('.device-code')).toHaveText('ABCD-EFGH');
  await expect(panel.locator('.login-url')).toHaveText('https://example.test/device');
  // A custom command's login line is not a known sign-in screen: the link comes with a warning.
  await expect(panel.locator('.login-url-warning')).toContainText('not shown by a known sign-in screen');
  await expect(row(page, id).locator('.status-badge')).toHaveText('Needs login');
  await shot(page, '06-login-panel');

  await panel.getByRole('button', { name: 'Open in browser' }).click();
  await expect.poll(async () => (await bridgeCalls(page)).filter((c) => c.method === 'openExternal')).toEqual([
    { method: 'openExternal', args: ['https://example.test/device'] },
  ]);

  // The person finished logging in: the CLI continues, becomes ready, and the panel goes away.
  await page.locator('.terminal-view.is-visible .xterm').click();
  await page.keyboard.press('Enter');
  await expectTerminalLine(page, id, 'signed-in');
  await expect(panel).toBeHidden();
  await expect(row(page, id).locator('.status-badge')).toHaveText('Ready');
});

test('a question: its options are buttons that answer it through the API', async ({ page }) => {
  const id = await spawnCustom(page, 'asker', 'bash', `-c 'printf "Continue? [y/N] "; read a; echo "answer=$a"; ${THEN_SHELL}'`);
  const panel = page.locator('.question-panel');
  await expect(panel).toBeVisible();
  await expect(panel.locator('.question-text')).toHaveText('Continue? [y/N]');
  await expect(panel.getByRole('button')).toHaveText(['Yes', 'No']);
  await expect(row(page, id).locator('.status-badge')).toHaveText('Needs answer');
  await expect(page).toHaveTitle(/asker/);
  await shot(page, '07-question-panel');

  await panel.getByRole('button', { name: 'Yes' }).click();
  await expectTerminalLine(page, id, 'answer=y');
  await expect(panel).toBeHidden();
  await expect(row(page, id).locator('.status-badge')).toHaveText('Ready');
});

test('progress while an agent starts; a pop-out window takes control of the terminal; Restart', async ({ page, context }) => {
  // It starts only once the test has seen the start-up banner (a file it waits for), however slow the machine.
  const go = path.join(runtimeEnv().workdir, 'go-slow-starter');
  fs.rmSync(go, { force: true });
  const id = await spawnCustom(page, 'slow-starter', 'bash', `-c 'until [ -e ${go} ]; do sleep 0.1; done; ${THEN_SHELL}'`);
  const banner = page.locator('.startup-banner');
  await expect(banner).toBeVisible();
  await expect(banner.locator('.banner-title')).toHaveText('Starting Custom command…');
  await expect(banner.locator('.steps li.done')).toHaveText(/Process started \(pid \d+\)/);
  await expect(row(page, id).locator('.status-badge')).toHaveText('Starting');
  await shot(page, '12-starting');
  fs.writeFileSync(go, '');
  await expect(banner).toBeHidden();
  await expect(row(page, id).locator('.status-badge')).toHaveText('Ready');

  // "Open in window" shows one agent's terminal alone; the newest view controls the terminal.
  const popout = await context.newPage();
  await popout.goto(`${runtimeEnv().url}/#/popout/${id}`);
  await expect(popout.locator('.agent-view.is-popout')).toBeVisible();
  await expect(popout.locator('.sidebar')).toHaveCount(0);
  await popout.locator('.terminal-view.is-visible .xterm').click();
  await popout.keyboard.type('echo from-popout');
  await popout.keyboard.press('Enter');
  await expectTerminalLine(popout, id, 'from-popout');
  await expect(page.locator('.terminal-readonly')).toBeVisible();
  await popout.screenshot({ path: path.join(__dirname, 'artifacts', '13-popout.png') });
  // Typing in the main window takes control back (the keystrokes are not lost).
  await page.locator('.terminal-view.is-visible .xterm').click();
  await page.keyboard.type('echo back-in-main');
  await page.keyboard.press('Enter');
  await expectTerminalLine(page, id, 'back-in-main');
  await expect(page.locator('.terminal-readonly')).toBeHidden();
  await expect(popout.locator('.terminal-readonly')).toBeVisible();
  await popout.close();

  // Restart: the same command again, as a new agent with the same name, in the old one's row.
  await page.locator('.agent-actions [data-action="restart"]').click();
  await expect.poll(() => currentAgentId(page)).not.toBe(id);
  const fresh = await currentAgentId(page);
  await expect(row(page, fresh).locator('.agent-name')).toHaveText('slow-starter');
  await expect(row(page, id)).toHaveCount(0);
  await expect(row(page, fresh).locator('.status-badge')).toHaveText('Ready', { timeout: 20_000 });
});

test('session history: lists recorded sessions and replays one', async ({ page }) => {
  expect(shellId, 'the shell test ran first').not.toBe('');
  const { url } = runtimeEnv();
  await page.goto(`${url}/#/history/${shellId}`);
  await page.reload();
  await expect(page.locator(`.history-item[data-transcript-id="${shellId}"]`)).toBeVisible();
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('8');
  await expect
    .poll(async () => (await page.evaluate(() => window.ravenDiagnostics?.transcriptLines() ?? [])).some((l) => l.trim() === 'typed 42'), { timeout: 30_000 })
    .toBe(true);
  await shot(page, '08-history-player');
});

test('settings in the desktop app: every field editable, saved through the bridge', async ({ page }) => {
  await page.addInitScript(fakeBridgeInit, FAKE_BRIDGE_SETTINGS);
  await page.goto(`${runtimeEnv().url}/#/settings`);
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(page.getByText('Viewing in a browser.')).toHaveCount(0);
  await page.getByRole('switch', { name: 'Notifications' }).click();
  await page.getByRole('radio', { name: 'Dark' }).click();
  await expect
    .poll(async () => (await bridgeCalls(page)).filter((c) => c.method === 'settings.set').map((c) => c.args[0]))
    .toEqual([{ notifications: false }, { theme: 'dark' }]);
  // Server fields apply together, with a restart: Generate fills a key and enables Apply.
  const apply = page.getByRole('button', { name: 'Apply and restart server' });
  await expect(apply).toBeDisabled();
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByRole('textbox', { name: 'API key' })).toHaveValue('generated-key-0123456789');
  await expect(apply).toBeEnabled();
  await shot(page, '14-settings-desktop');
});

test('keyboard: help sheet, next agent, focus terminal; light theme', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  const id = await spawnCustom(page, 'light-shell', 'bash', '--norc --noprofile -i');
  await expect(row(page, id).locator('.status-badge')).toHaveText('Ready');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');

  await page.goto(`${runtimeEnv().url}/#/agents`);
  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);

  await page.keyboard.press('Alt+ArrowDown'); // the first agent in the list: the newest
  expect(await currentAgentId(page)).toBe(id);
  await page.keyboard.press('Control+Backquote'); // focus the terminal
  await expect(page.locator('.terminal-view.is-visible .xterm-helper-textarea')).toBeFocused();
  await page.keyboard.type('echo light-ok');
  await page.keyboard.press('Enter');
  await expectTerminalLine(page, id, 'light-ok');
  await shot(page, '09-light-theme');

  await page.goto(`${runtimeEnv().url}/#/settings`);
  await expect(page.getByText('Viewing in a browser.')).toBeVisible();
  await expect(page.getByText('Desktop app only').first()).toBeVisible();
  await shot(page, '10-settings-browser');
});
