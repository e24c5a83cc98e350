import { describe, expect, it } from 'vitest';
import { classifyGeneric, extractShellReply, genericLogin, genericPrompt } from '../../src-main/runtime/detect/generic';
import { extractDeviceCode, extractUrls, pickLoginUrl } from '../../src-main/runtime/detect/login';
import { menuOptions, parseNumberedMenu } from '../../src-main/runtime/detect/options';
import { ScreenModel, type ScreenSnapshot } from '../../src-main/runtime/screen/screen-model';

async function render(text: string, cols = 60, rows = 12): Promise<ScreenSnapshot> {
  const screen = new ScreenModel({ cols, rows, scrollback: 50 });
  screen.write(text);
  await screen.flush();
  const snap = screen.snapshot();
  screen.dispose();
  return snap;
}

describe('login URL extraction', () => {
  it('joins a URL that xterm soft-wrapped', async () => {
    const url = 'https://auth.openai.com/oauth/authorize?response_type=code&client_id=app_123&redirect_uri=http%3A%2F%2Flocalhost%3A1455';
    const snap = await render(`Finish signing in via your browser\r\n${url}\r\n`, 40);
    expect(extractUrls(snap)).toEqual([url]);
  });

  it('joins a URL that the CLI hard-wrapped inside a box', async () => {
    const url = 'https://accounts.google.com/o/oauth2/v2/auth?client_id=abc.apps.googleusercontent.com&scope=openid&state=xyz';
    const width = 40;
    const inner = width - 4;
    const pieces = url.match(new RegExp(`.{1,${inner}}`, 'g'))!;
    const boxed = pieces.map((p) => `│ ${p.padEnd(inner)} │`).join('\r\n');
    const snap = await render(`│ Please visit the following URL:      │\r\n${boxed}\r\n│ Enter the authorization code:        │\r\n`, width);
    expect(extractUrls(snap)).toContain(url);
  });

  it('prefers the provider URL and drops trailing punctuation', () => {
    expect(pickLoginUrl(['http://127.0.0.1:1455/cb', 'https://claude.ai/oauth/authorize?x=1'])).toBe('https://claude.ai/oauth/authorize?x=1');
    expect(pickLoginUrl(['http://a.test/1', 'http://b.test/2'])).toBe('http://b.test/2');
  });

  it('finds device codes after a label or alone under one', () => {
    expect(extractDeviceCode(['Enter this one-time code (expires in 15 minutes)', '', '   ABCD-EFGH'])).toBe('ABCD-EFGH');
    expect(extractDeviceCode(['Your device code: WXYZ-1234'])).toBe('WXYZ-1234');
    expect(extractDeviceCode(['nothing here', 'A-B'])).toBeUndefined();
  });
});

describe('menus', () => {
  it('parses numbered options and the highlighted one', () => {
    const lines = ['Do you want to proceed?', '❯ 1. Yes', "  2. Yes, and don't ask again for: tee out.txt", '  3. No'];
    const menu = parseNumberedMenu(lines)!;
    expect(menu.options.map((o) => o.label)).toEqual(['Yes', "Yes, and don't ask again for: tee out.txt", 'No']);
    expect(menu.selected).toBe(0);
    expect(menuOptions(menu, 'arrows').map((o) => o.keys)).toEqual([['enter'], ['down', 'enter'], ['down', 'down', 'enter']]);
    expect(menuOptions(menu, 'digit').map((o) => o.keys)).toEqual([['1'], ['2'], ['3']]);
  });

  it('computes upward moves from a preselected later option', () => {
    const menu = parseNumberedMenu(['Do you want to use this API key?', '  1. Yes', '❯ 2. No (recommended)'])!;
    expect(menu.selected).toBe(1);
    expect(menuOptions(menu, 'arrows')[0].keys).toEqual(['up', 'enter']);
  });
});

describe('generic detection', () => {
  it('treats a shell prompt at the cursor as ready', async () => {
    const snap = await render('bash-5.2$ ');
    expect(classifyGeneric(snap, 0, Infinity)).toEqual({ kind: 'ready' });
  });

  it('sees a login URL and device code printed by a program', async () => {
    const snap = await render('To sign in, open https://example.test/device and enter code ABCD-EFGH\r\n');
    expect(genericLogin(snap)).toMatchObject({ method: 'device_code', loginUrl: 'https://example.test/device', deviceCode: 'ABCD-EFGH' });
  });

  it('sees y/n questions and numbered menus at the cursor', async () => {
    const yn = await render('Overwrite the file? [y/N] ');
    expect(genericPrompt(yn)).toMatchObject({ question: 'Overwrite the file? [y/N]', options: [{ label: 'Yes' }, { label: 'No' }] });
    const menu = await render('Pick a color\r\n  1. red\r\n  2. blue\r\n> ');
    expect(genericPrompt(menu)).toMatchObject({ question: 'Pick a color', options: [{ label: 'red' }, { label: 'blue' }] });
  });

  it('calls a silent program ready only after the quiet period', async () => {
    const snap = await render('Welcome to the thing\r\n');
    expect(classifyGeneric(snap, 100, 1_500).kind).toBe('busy');
    expect(classifyGeneric(snap, 2_000, 1_500).kind).toBe('ready');
  });

  it('extracts a shell reply between the echoed command and the next prompt', () => {
    expect(extractShellReply(['$ ls', 'a', 'b', '$ echo x', 'x', '$'], 'echo x')).toBe('x');
    expect(extractShellReply(['$ echo 100%', '100%', '$'], 'echo 100%')).toBe('100%');
    // Output without a final newline shares its row with the prompt that comes back.
    expect(extractShellReply(['bash-5.2$ printf abc', 'abcbash-5.2$'], 'printf abc')).toBe('abc');
    expect(extractShellReply(['bash-5.2$ printf "a\nb"', 'a', 'bbash-5.2$'], 'printf "a\nb"')).toBe('a\nb');
  });
});
