import { describe, expect, it } from 'vitest';
import { Emitter } from '../../src-shared/emitter';

describe('Emitter', () => {
  it('calls every listener with every argument, in subscription order', () => {
    const emitter = new Emitter<[name: string, count: number]>();
    const calls: string[] = [];
    emitter.on((name, count) => calls.push(`a:${name}:${count}`));
    emitter.on((name, count) => calls.push(`b:${name}:${count}`));
    emitter.emit('x', 1);
    emitter.emit('y', 2);
    expect(calls).toEqual(['a:x:1', 'b:x:1', 'a:y:2', 'b:y:2']);
  });

  it('treats each subscription on its own: the same function twice is called twice, and disposing removes only its own', () => {
    const emitter = new Emitter<[number]>();
    const seen: number[] = [];
    const listener = (n: number) => seen.push(n);
    const first = emitter.on(listener);
    emitter.on(listener);
    emitter.emit(1);
    first.dispose();
    first.dispose();
    emitter.emit(2);
    expect(seen).toEqual([1, 1, 2]);
    expect(emitter.size).toBe(1);
  });

  it('does not call a listener that an earlier one unsubscribed during the same emit, nor one subscribed during it', () => {
    const emitter = new Emitter<[string]>();
    const calls: string[] = [];
    let late: { dispose(): void } | undefined;
    emitter.on((v) => {
      calls.push(`first:${v}`);
      later.dispose();
      late ??= emitter.on((w) => calls.push(`late:${w}`));
    });
    const later = emitter.on((v) => calls.push(`later:${v}`));
    emitter.emit('one');
    emitter.emit('two');
    expect(calls).toEqual(['first:one', 'first:two', 'late:two']);
  });

  it('keeps calling the others when a listener throws, then rethrows the first error', () => {
    const emitter = new Emitter<[]>();
    const calls: string[] = [];
    emitter.on(() => {
      throw new Error('first');
    });
    emitter.on(() => {
      calls.push('second ran');
      throw new Error('second');
    });
    emitter.on(() => calls.push('third ran'));
    expect(() => emitter.emit()).toThrow('first');
    expect(calls).toEqual(['second ran', 'third ran']);
  });

  it('reports listener errors to onListenerError instead of throwing when one is given', () => {
    const reported: unknown[] = [];
    const emitter = new Emitter<[number]>({ onListenerError: (error) => reported.push(error) });
    const seen: number[] = [];
    emitter.on(() => {
      throw new Error('broken listener');
    });
    emitter.on((n) => seen.push(n));
    expect(() => emitter.emit(7)).not.toThrow();
    expect(seen).toEqual([7]);
    expect(reported.map((e) => (e as Error).message)).toEqual(['broken listener']);
  });

  it('after dispose calls no one, and later subscriptions are inert', () => {
    const emitter = new Emitter<[number]>();
    const seen: number[] = [];
    emitter.on((n) => seen.push(n));
    emitter.dispose();
    emitter.emit(1);
    const late = emitter.on((n) => seen.push(n));
    emitter.emit(2);
    late.dispose();
    expect(seen).toEqual([]);
    expect(emitter.size).toBe(0);
  });
});
