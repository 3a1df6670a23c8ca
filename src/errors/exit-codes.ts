/**
 * The one table of exit codes. Published in docs/EXIT-CODES.md (rendered from exitCodeTable): never
 * renumber, only add.
 */
export const ExitCode = {
  ok: 0,
  /** Something failed, or the stage is unhealthy. */
  failed: 1,
  /** Bad usage or configuration, found before any AWS call. */
  usage: 2,
  /** AWS access: credentials, permissions, region, throttling that outlasted retries. */
  awsAccess: 3,
  /** The target cannot be reached: not found, stopped, not managed by SSM, agent offline. */
  unreachable: 4,
  /** The deploy failed and the host was rolled back to the previous version. */
  rolledBack: 5,
  /** Another deploy holds the host's lock. */
  lockHeld: 6,
  /** Following a remote run had to stop (AWS unreachable, credentials gone); the run goes on on the hosts. */
  followLost: 7,
  /** Interrupted by the user (Ctrl-C). */
  interrupted: 130,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

/** Rows for docs/EXIT-CODES.md (and `upsc doctor`): code, meaning. */
export const exitCodeTable: ReadonlyArray<[number, string]> = [
  [ExitCode.ok, 'ok'],
  [ExitCode.failed, 'failed, or unhealthy (a status with any failing check; a doctor with any failing check)'],
  [ExitCode.usage, 'usage or configuration error, before any AWS call (also an unknown command)'],
  [ExitCode.awsAccess, 'AWS access: no credentials, expired SSO session, no region, access denied, throttling that outlasted retries'],
  [
    ExitCode.unreachable,
    'target unreachable: instance not found, stopped or terminated, not managed by SSM, agent offline (for `status`: when no instance of the stage could be reached at all)',
  ],
  [ExitCode.rolledBack, 'deploy failed and the host was rolled back to the previous version'],
  [ExitCode.lockHeld, 'another deploy holds the lock'],
  [
    ExitCode.followLost,
    'following stopped (AWS unreachable too long, credentials expired): the deploy or rollback goes on on the hosts; re-attach with `upsc deploy --attach ID`',
  ],
  [ExitCode.interrupted, 'interrupted (Ctrl-C); a remote run goes on'],
]
