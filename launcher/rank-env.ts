/**
 * Variables every rank gets unless the user chose a value: the user's own value (from
 * the launcher's environment or `-x`) always wins, and is passed on explicitly, since
 * ranks started over ssh see only the variables the launcher sends.
 */

/** The defaults, with why each one is set. */
export const RANK_ENV_DEFAULTS: Readonly<Record<string, string>> = {
  // msgpackr's optional native add-on costs every rank ~25 ms and ~5 MB at start-up
  // and helps only decoding of large string-heavy values.
  MSGPACKR_NATIVE_ACCELERATION_DISABLED: 'true',
  // By default glibc maps a large buffer afresh, and once its dynamic threshold serves
  // such buffers from the heap it hands freed heap back to the system as soon as more
  // than twice the largest freed block is free. Either way every window of large
  // messages a rank receives is page-faulted in again: ~30 % of bandwidth. With fixed
  // thresholds buffers up to 32 MiB come from the heap and up to 256 MiB of freed heap
  // stays for reuse. 256 MiB is measured, not derived: with windows of 64 receives of
  // 4 MiB (OSU's bandwidth window) it cut page faults as far as 1 GiB did (a window is
  // never freed all at once). MVAPICH goes further and never trims; Open MPI's
  // leave_pinned keeps memory too.
  MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(256 * 1024 * 1024),
};

/** glibc reads its malloc settings from GLIBC_TUNABLES too; a user who tunes malloc there gets no MALLOC_* from us. */
const TUNES_MALLOC = /(^|:)glibc\.malloc\./;

/**
 * The variables to add to a rank's environment: each default, or the user's value for it
 * when `launcherEnv` (the launcher's environment) or `exported` (`-x`) has one.
 */
export function rankEnvDefaults(launcherEnv: NodeJS.ProcessEnv, exported: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  const mallocTuned = TUNES_MALLOC.test(launcherEnv.GLIBC_TUNABLES ?? exported.GLIBC_TUNABLES ?? '');
  for (const [name, value] of Object.entries(RANK_ENV_DEFAULTS)) {
    const own = exported[name] ?? launcherEnv[name];
    if (own !== undefined) out[name] = own;
    else if (!(mallocTuned && name.startsWith('MALLOC_'))) out[name] = value;
  }
  return out;
}
