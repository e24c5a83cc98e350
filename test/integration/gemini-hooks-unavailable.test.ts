import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, scratchDir, type Harness } from '../support/runtime-harness';
import { until } from '../support/until';

/**
 * Gemini CLI loads the runtime's hook layer only from a file that, with every folder above it, is
 * root-owned and writable by no one else (docs/signals.md "Gemini CLI"). Where that cannot hold (a
 * normal user; here, a data folder under the OS temp folder, mode 1777), the runtime does not hand
 * Gemini a layer it would skip with a warning on screen: the agent runs on its screen alone and its
 * handle says the hooks are off.
 */

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('Gemini hooks where Gemini would refuse the layer', () => {
  it('starts Gemini without the layer variable and shows signals.hooks false', async () => {
    h = createHarness({}, { ...process.env, HOME: '/nonexistent-home-for-tests' });
    const workdir = scratchDir(h, 'work');
    const bin = scratchDir(h, 'bin');
    const envDump = path.join(workdir, 'env.txt');
    // Stands in for `gemini`: answers the version probe, then records the environment it was given.
    fs.writeFileSync(path.join(bin, 'gemini'), `#!/bin/sh\nif [ "$1" = --version ]; then echo 0.61.0; exit 0; fi\nenv > "${envDump}.tmp" && mv "${envDump}.tmp" "${envDump}"\nexec sleep 60\n`, { mode: 0o755 });
    const agent = await h.manager.spawn({ type: 'gemini-cli', workdir, env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` } });
    await until(() => fs.existsSync(envDump), 10_000, 'the environment dump');
    expect(fs.readFileSync(envDump, 'utf8')).not.toContain('GEMINI_CLI_SYSTEM_DEFAULTS_PATH');
    expect(h.manager.get(agent.id).signals).toEqual({ hooks: false, lastHookAt: undefined });
    await h.manager.stop(agent.id);
    expect(fs.readdirSync(path.join(h.dataDir, 'signals'))).toEqual([]);
  }, 30_000);
});
