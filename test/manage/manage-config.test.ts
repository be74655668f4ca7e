import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../controller/config/load-config.js';
import { validEnv } from '../support/test-env.js';

function problemsOf(env: Record<string, string | undefined>) {
  try {
    loadConfig(validEnv(env));
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('RECORDING_RETENTION_DAYS', () => {
  it.each(['-1', '0', 'thirty', '1.5'])('refuses %s at start-up, naming the variable', (value) => {
    expect(problemsOf({ RECORDING_RETENTION_DAYS: value })).toEqual([
      {
        variable: 'RECORDING_RETENTION_DAYS',
        message: expect.stringContaining('must be a whole number'),
      },
    ]);
  });

  it('is off by default: no sweep exists', () => {
    expect(loadConfig(validEnv()).recording.retention.days).toBeUndefined();
  });
});

describe('RECORDING_ALLOWED_PRESETS', () => {
  it('allows RECORDING_PRESET alone unless configured', () => {
    expect(loadConfig(validEnv()).recording.allowedPresets).toEqual(['H264_720P_30']);
    const listed = loadConfig(
      validEnv({ RECORDING_ALLOWED_PRESETS: 'H264_720P_30, H264_1080P_30' }),
    );
    expect(listed.recording.allowedPresets).toEqual(['H264_720P_30', 'H264_1080P_30']);
  });

  it('refuses an unknown preset at start-up, naming the variable', () => {
    expect(problemsOf({ RECORDING_ALLOWED_PRESETS: 'H264_720P_30,H264_4K_120' })).toEqual([
      {
        variable: 'RECORDING_ALLOWED_PRESETS',
        message: expect.stringContaining('must list presets'),
      },
    ]);
  });
});

describe('METRICS_PORT and RECORDING_RETENTION_DRY_RUN', () => {
  it.each([
    ['METRICS_PORT', '70000'],
    ['RECORDING_RETENTION_DRY_RUN', 'maybe'],
    ['RECORDING_RETENTION_INTERVAL_S', '5'],
  ])('refuses %s=%s, naming it', (variable, value) => {
    expect(problemsOf({ [variable]: value }).map((problem) => problem.variable)).toEqual([
      variable,
    ]);
  });
});
