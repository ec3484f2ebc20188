import { describe, expect, it } from 'vitest';
import { RANK_ENV_DEFAULTS, rankEnvDefaults } from '../../launcher/rank-env.js';

describe('rank environment defaults', () => {
  it('gives every default when the user set none', () => {
    expect(rankEnvDefaults({}, {})).toEqual(RANK_ENV_DEFAULTS);
    expect(RANK_ENV_DEFAULTS.MALLOC_MMAP_THRESHOLD_).toBe(String(32 * 2 ** 20));
  });

  it("passes the user's own value on explicitly (ranks over ssh see only what is sent)", () => {
    const env = rankEnvDefaults({ MALLOC_MMAP_THRESHOLD_: '131072', PATH: '/bin' }, { MALLOC_TRIM_THRESHOLD_: '4096' });
    expect(env.MALLOC_MMAP_THRESHOLD_).toBe('131072');
    expect(env.MALLOC_TRIM_THRESHOLD_).toBe('4096');
    expect(env.MSGPACKR_NATIVE_ACCELERATION_DISABLED).toBe('true');
    expect(env.PATH).toBeUndefined();
  });

  it('-x wins over the launcher environment', () => {
    expect(rankEnvDefaults({ MSGPACKR_NATIVE_ACCELERATION_DISABLED: 'true' }, { MSGPACKR_NATIVE_ACCELERATION_DISABLED: 'false' })).toMatchObject({
      MSGPACKR_NATIVE_ACCELERATION_DISABLED: 'false',
    });
  });

  it('adds no MALLOC_* when malloc is tuned through GLIBC_TUNABLES', () => {
    for (const [launcherEnv, exported] of [
      [{ GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=0' }, {}],
      [{}, { GLIBC_TUNABLES: 'glibc.rtld.optional_static_tls=512:glibc.malloc.mmap_threshold=4096' }],
    ] as const) {
      const env = rankEnvDefaults(launcherEnv, exported);
      expect(Object.keys(env).filter((k) => k.startsWith('MALLOC_'))).toEqual([]);
      expect(env.MSGPACKR_NATIVE_ACCELERATION_DISABLED).toBe('true');
    }
    expect(rankEnvDefaults({ GLIBC_TUNABLES: 'glibc.rtld.nns=2' }, {}).MALLOC_TRIM_THRESHOLD_).toBe(String(256 * 2 ** 20));
  });
});
