import { describe, expect, it } from 'vitest';
import { folderShownUnder, menuPrompt, sameFolder, trustOwnFolder } from '../../src-main/runtime/adapters/tui';

/** A Codex-style trust dialog naming `folder` under its heading. */
function dialog(folder: string): string[] {
  return ['', '  Folder access', `  ${folder}`, '', '  Trust this folder? Codex may read and edit files here.', '', '› 1. Trust and continue', '  2. Back to Agent Command Center', ''];
}

function detect(lines: string[]) {
  const prompt = menuPrompt(lines, { kind: 'trust_folder', questionPattern: /trust this folder\?/i, selection: 'arrows', staleAfter: /^never$/ });
  if (!prompt) throw new Error('the dialog was not recognised');
  return prompt;
}

describe('the adapters’ shared trust-folder rule', () => {
  it('finds the absolute path shown under the heading, within the given lines only', () => {
    expect(folderShownUnder(dialog('/work/project'), /folder access/i, 2)).toBe('/work/project');
    expect(folderShownUnder(dialog('C:\\work\\project'), /folder access/i, 2)).toBe('C:\\work\\project');
    expect(folderShownUnder(['Folder access', '', '', '/too/far'], /folder access/i, 2)).toBeUndefined();
    expect(folderShownUnder(['no heading', '/work/project'], /folder access/i, 2)).toBeUndefined();
  });

  it('compares folders ignoring trailing separators only', () => {
    expect(sameFolder('/work/project/', '/work/project')).toBe(true);
    expect(sameFolder('C:\\work\\', 'C:\\work')).toBe(true);
    expect(sameFolder('/work', '/work/project')).toBe(false);
  });

  it('arms the auto-answer for the workdir (or no folder shown), never for another folder', () => {
    const own = detect(dialog('/work/project/'));
    trustOwnFolder(own, { rule: 'codex.trust-folder', accept: /trust/i, shown: '/work/project/', workdir: '/work/project' });
    expect(own.autoAnswer).toEqual({ rule: 'codex.trust-folder', category: 'trustFolder', keys: own.options[0].keys });

    const unnamed = detect(dialog('/work/project'));
    trustOwnFolder(unnamed, { rule: 'codex.trust-folder', accept: /trust/i, shown: undefined, workdir: '/work/project' });
    expect(unnamed.autoAnswer?.rule).toBe('codex.trust-folder');

    const parent = detect(dialog('/work'));
    trustOwnFolder(parent, { rule: 'codex.trust-folder', accept: /trust/i, shown: '/work', workdir: '/work/project' });
    expect(parent.autoAnswer).toBeUndefined();

    const noSuchOption = detect(dialog('/work/project'));
    trustOwnFolder(noSuchOption, { rule: 'codex.trust-folder', accept: /^always$/i, shown: '/work/project', workdir: '/work/project' });
    expect(noSuchOption.autoAnswer).toBeUndefined();
  });
});
