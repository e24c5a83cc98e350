import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src-main/runtime/errors';
import { isolationWithResources, limitsFromResources, parseCpuPercent, parseMemoryMb } from '../../../src-main/runtime/isolation/request-sources';

function validationError(run: () => unknown): RuntimeError {
  try {
    run();
  } catch (error) {
    if (error instanceof RuntimeError) return error;
    throw error;
  }
  throw new Error('expected a VALIDATION_ERROR, nothing was thrown');
}

describe('parseMemoryMb', () => {
  it.each([
    ['512Mi', 512],
    ['512m', 512],
    ['512M', 512],
    ['512MB', 512],
    ['1Gi', 1024],
    ['1g', 1024],
    ['1.5Gi', 1536],
    [' 256 Mi ', 256],
    ['1048576Ki', 1024],
    [536_870_912, 512],
    ['536870912', 512],
  ])('%j is %i MiB', (value, mb) => {
    expect(parseMemoryMb(value)).toBe(mb);
  });

  it('rounds up, so a limit is never tighter than asked', () => {
    expect(parseMemoryMb(100 * 1024 * 1024 + 1)).toBe(101);
    expect(parseMemoryMb('16385Ki')).toBe(17);
  });

  it.each(['', 'lots', '512 MiB please', '-1Gi', '0', '12Zi', '1e9', 'NaN', 'Infinity'])('refuses %j with VALIDATION_ERROR', (value) => {
    const error = validationError(() => parseMemoryMb(value));
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.message).toContain('resources.memory');
    expect(error.details).toEqual({ field: 'resources.memory', value });
  });

  it('refuses a number that is not a positive finite byte count', () => {
    for (const value of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(validationError(() => parseMemoryMb(value)).code).toBe('VALIDATION_ERROR');
    }
  });

  it('refuses limits outside the spawn schema\'s bounds and says a bare number is bytes', () => {
    const tooSmall = validationError(() => parseMemoryMb(512));
    expect(tooSmall.message).toMatch(/between 16 MiB and 1048576 MiB \(a bare number is bytes\)/);
    expect(validationError(() => parseMemoryMb('2Ti')).code).toBe('VALIDATION_ERROR');
    expect(parseMemoryMb('16Mi')).toBe(16);
  });

  it('names the field it was given', () => {
    expect(validationError(() => parseMemoryMb('x', '--isolation-memory')).message).toContain('--isolation-memory');
  });
});

describe('parseCpuPercent', () => {
  it.each([
    [0.5, 50],
    ['0.5', 50],
    ['500m', 50],
    ['250m', 25],
    [2, 200],
    ['2', 200],
    ['1.25', 125],
    ['.5', 50],
    ['1m', 1],
    [0.001, 1],
  ])('%j is %i%% of a core', (value, percent) => {
    expect(parseCpuPercent(value)).toBe(percent);
  });

  it.each(['', 'half', '500M', '2 cores', '-1', '0', '0m', '5000000'])('refuses %j with VALIDATION_ERROR', (value) => {
    const error = validationError(() => parseCpuPercent(value));
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.message).toContain('resources.cpu');
  });
});

describe('limitsFromResources', () => {
  it('maps both quantities and sets nothing for an absent one', () => {
    expect(limitsFromResources({ cpu: '500m', memory: '1Gi' })).toEqual({ cpuPercent: 50, memoryMb: 1024 });
    expect(limitsFromResources({ memory: '256Mi' })).toEqual({ memoryMb: 256 });
    expect(limitsFromResources({})).toEqual({});
  });
});

describe('isolationWithResources', () => {
  it('passes the spawn\'s own isolation through untouched when there are no resources', () => {
    const own = { mode: 'sandbox' as const, network: 'none' as const };
    expect(isolationWithResources(own, undefined, 'none')).toBe(own);
    expect(isolationWithResources(undefined, undefined, 'sandbox')).toBeUndefined();
    expect(isolationWithResources('container', {}, 'none')).toBe('container');
  });

  it('ignores resources for an agent that is not isolated, even unparseable ones (as before isolation existed)', () => {
    expect(isolationWithResources(undefined, { memory: 'lots' }, 'none')).toBeUndefined();
    expect(isolationWithResources('none', { cpu: '1' }, 'sandbox')).toBe('none');
    expect(isolationWithResources({ mode: 'none' }, { cpu: 'x' }, 'sandbox')).toEqual({ mode: 'none' });
  });

  it('turns resources into limits for an isolated spawn named by mode alone', () => {
    expect(isolationWithResources('sandbox', { cpu: '500m', memory: '512Mi' }, 'none')).toEqual({ mode: 'sandbox', limits: { cpuPercent: 50, memoryMb: 512 } });
  });

  it('applies to the runtime\'s default mode when the spawn names none, leaving the other defaults to the runtime', () => {
    expect(isolationWithResources(undefined, { memory: '1g' }, 'container')).toEqual({ mode: 'container', limits: { memoryMb: 1024 } });
  });

  it('lets the spawn\'s own limits win field by field and keeps the rest of its policy', () => {
    const own = { mode: 'sandbox' as const, network: 'allowlist' as const, allow: ['example.com'], limits: { memoryMb: 300, maxProcesses: 64 } };
    expect(isolationWithResources(own, { cpu: 1, memory: '2Gi' }, 'none')).toEqual({
      mode: 'sandbox',
      network: 'allowlist',
      allow: ['example.com'],
      limits: { cpuPercent: 100, memoryMb: 300, maxProcesses: 64 },
    });
  });

  it('refuses unparseable resources once they would apply', () => {
    expect(validationError(() => isolationWithResources('sandbox', { memory: 'lots' }, 'none')).code).toBe('VALIDATION_ERROR');
    expect(validationError(() => isolationWithResources(undefined, { cpu: 'fast' }, 'sandbox')).code).toBe('VALIDATION_ERROR');
  });
});
