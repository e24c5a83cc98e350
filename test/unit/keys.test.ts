import { describe, expect, it } from 'vitest';
import { keySequence, keysToSequences, normalizeKeyList, UnknownKeyError } from '../../src-shared/keys';

describe('key names', () => {
  it('maps the pty-manager vocabulary', () => {
    expect(keySequence('enter')).toBe('\r');
    expect(keySequence('return')).toBe('\r');
    expect(keySequence('Esc')).toBe('\x1b');
    expect(keySequence('escape')).toBe('\x1b');
    expect(keySequence('tab')).toBe('\t');
    expect(keySequence('shift+tab')).toBe('\x1b[Z');
    expect(keySequence('backspace')).toBe('\x7f');
    expect(keySequence('delete')).toBe('\x1b[3~');
    expect(keySequence('space')).toBe(' ');
    expect(keySequence('ctrl+c')).toBe('\x03');
    expect(keySequence('control+c')).toBe('\x03');
    expect(keySequence('ctrl+z')).toBe('\x1a');
    expect(keySequence('alt+b')).toBe('\x1bb');
    expect(keySequence('option+f')).toBe('\x1bf');
    expect(keySequence('pageup')).toBe('\x1b[5~');
    expect(keySequence('f1')).toBe('\x1bOP');
    expect(keySequence('f5')).toBe('\x1b[15~');
    expect(keySequence('f12')).toBe('\x1b[24~');
    expect(keySequence('ctrl+right')).toBe('\x1b[1;5C');
    expect(keySequence('shift+up')).toBe('\x1b[1;2A');
    expect(keySequence('ctrl+shift+left')).toBe('\x1b[1;6D');
    expect(keySequence('shift+f5')).toBe('\x1b[15;2~');
    expect(keySequence('ctrl+f1')).toBe('\x1b[1;5P');
  });

  it('follows application cursor mode for arrows, as a real terminal does', () => {
    expect(keySequence('up')).toBe('\x1b[A');
    expect(keySequence('up', { applicationCursorKeys: true })).toBe('\x1bOA');
    expect(keySequence('home', { applicationCursorKeys: true })).toBe('\x1bOH');
  });

  it('types single characters as themselves', () => {
    expect(keySequence('y')).toBe('y');
    expect(keySequence('1')).toBe('1');
    expect(keySequence('+')).toBe('+');
  });

  it('joins a bare modifier with the following key', () => {
    expect(normalizeKeyList(['ctrl', 'c'])).toEqual(['ctrl+c']);
    expect(keysToSequences(['down', 'down', 'enter'])).toEqual(['\x1b[B', '\x1b[B', '\r']);
    expect(keysToSequences(['ctrl', 'c'])).toEqual(['\x03']);
  });

  it('rejects unknown names instead of typing them', () => {
    expect(() => keySequence('ctrl+')).toThrow(UnknownKeyError);
    expect(() => keySequence('hyper+x')).toThrow(UnknownKeyError);
    expect(() => keySequence('enterr')).toThrow(/Unknown key name: "enterr"/);
    expect(() => keysToSequences(['enter', 'bogus'])).toThrow(UnknownKeyError);
    expect(() => normalizeKeyList(['ctrl'])).toThrow(UnknownKeyError);
  });
});
