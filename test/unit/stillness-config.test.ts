import { describe, expect, it } from 'vitest';
import { configFromEnv, defaultConfig } from '../../src-main/runtime/config';

describe('stillness thresholds', () => {
  it('default to 3 s for an unknown dialog and 30 s for a stall', () => {
    expect(defaultConfig().stillness).toEqual({ dialogAfterMs: 3_000, stalledAfterMs: 30_000 });
    expect(configFromEnv({}).stillness).toEqual({ dialogAfterMs: 3_000, stalledAfterMs: 30_000 });
  });

  it('come from RAVEN_DIALOG_STILL_MS and RAVEN_STALL_MS; bad values fall back; a stall never comes before the dialog check', () => {
    expect(configFromEnv({ RAVEN_DIALOG_STILL_MS: '1500', RAVEN_STALL_MS: '8000' }).stillness).toEqual({ dialogAfterMs: 1_500, stalledAfterMs: 8_000 });
    expect(configFromEnv({ RAVEN_DIALOG_STILL_MS: 'soon', RAVEN_STALL_MS: '-4' }).stillness).toEqual({ dialogAfterMs: 3_000, stalledAfterMs: 30_000 });
    expect(configFromEnv({ RAVEN_DIALOG_STILL_MS: '9000', RAVEN_STALL_MS: '2000' }).stillness).toEqual({ dialogAfterMs: 9_000, stalledAfterMs: 9_000 });
  });
});
