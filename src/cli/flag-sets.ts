/**
 * The flag sets of the commands with many flags, so that each command file stays thin: its help,
 * one call and its rendering. Checked as parsed (cli/flags.ts): a bad value exits 2 before any AWS call.
 */
import {Flags} from '@oclif/core'

import {LOG_FORMATS} from '../render/logs.js'
import {branchFlag, commandIdFlag, commitFlag, maxConcurrencyFlag, maxErrorsFlag, timeFlag} from './flags.js'

/** `upsc deploy`. */
export const deployFlags = {
  branch: branchFlag({char: 'b', description: "Branch to deploy (default: the stage's defaultBranch)."}),
  ref: commitFlag({description: 'Exact commit of the branch to deploy (default: the tip of origin/<branch>).', helpValue: 'SHA'}),
  'no-rollback': Flags.boolean({description: 'On a failed health gate, leave the new version running for debugging.'}),
  'skip-hooks': Flags.boolean({description: "Do not run the stage's hooks (emergencies); recorded in history."}),
  detach: Flags.boolean({description: 'Send the deploy, print its command id and how to follow it, and exit.'}),
  attach: commandIdFlag({
    description: 'Resume following a running deploy by its command id.',
    helpValue: 'COMMAND_ID',
    exclusive: ['branch', 'ref', 'cancel', 'detach'],
  }),
  cancel: commandIdFlag({
    description: 'Cancel a running deploy by its command id.',
    helpValue: 'COMMAND_ID',
    exclusive: ['branch', 'ref', 'attach', 'detach'],
  }),
  'max-concurrency': maxConcurrencyFlag({
    description: 'Hosts deployed at once: a number or a percentage (SSM MaxConcurrency).',
    default: '1',
    helpValue: 'N|N%',
  }),
  'max-errors': maxErrorsFlag({description: 'Failed hosts tolerated before the rest are not started (SSM MaxErrors).', default: '0', helpValue: 'N|N%'}),
}

/** `upsc logs`. */
export const logsFlags = {
  since: timeFlag('--since')({
    description: 'Start: a duration ago (90s, 10m, 2h30m, 1d) or a date-time (2026-11-28T18:00:00Z; without a zone, local time).',
    default: '10m',
    helpValue: 'DURATION|DATE',
  }),
  until: timeFlag('--until')({description: 'End, in the same forms as --since (default: now).', helpValue: 'DURATION|DATE', exclusive: ['follow', 'live']}),
  filter: Flags.string({description: 'CloudWatch Logs filter pattern, e.g. ERROR or \'"connection refused"\'.', helpValue: 'PATTERN'}),
  follow: Flags.boolean({char: 'f', description: 'Keep printing new events until Ctrl-C.'}),
  format: Flags.string({
    description: 'short: time, source, message; detailed: ISO time, group, stream, message; json: one object per line.',
    options: [...LOG_FORMATS],
    default: 'short',
  }),
  'no-color': Flags.boolean({description: 'No colours (NO_COLOR=1 does the same).'}),
  stream: Flags.string({
    description: "A stream alias from the stage's logStreams, a stream name, or a name prefix. Repeat for several.",
    multiple: true,
    helpValue: 'ALIAS|NAME|PREFIX',
  }),
  group: Flags.string({description: 'Another log group to read, merged in time order. Repeat for several.', multiple: true, helpValue: 'LOG_GROUP'}),
  service: Flags.string({
    description: "A compose service: its containers' stream ({instance_id}/containers/<service>) on each instance. Repeat for several.",
    multiple: true,
    helpValue: 'SERVICE',
  }),
  live: Flags.boolean({description: 'Follow with CloudWatch Live Tail (billed per minute); falls back to polling where it is not offered.'}),
}

/** `upsc ssh`. */
export const sshFlags = {
  user: Flags.string({char: 'u', description: 'Log in as this user (sudo -i -u USER), through AWS-StartInteractiveCommand.', helpValue: 'USER'}),
  cd: Flags.boolean({description: "Start a login shell in the stage's app dir."}),
  forward: Flags.string({
    char: 'L',
    description:
      'Forward a local port to a host and port reachable from the instance (AWS-StartPortForwardingSessionToRemoteHost), instead of a shell. Repeat for several (one session each, ended together by Ctrl-C).',
    helpValue: 'LOCAL:HOST:PORT',
    multiple: true,
    exclusive: ['user', 'cd'],
  }),
}
