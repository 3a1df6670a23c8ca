/**
 * Pure: what the bootstrap installs in UPSC_HOME.
 * - The host scripts: the same lib.sh and deploy.sh `upsc deploy` sends, plus boot.sh, monitor.sh, signals.sh and
 *   the upsc-run wrapper the units call. EC2 user data is limited to 16 KB (gzip included) and these
 *   are not, so they travel in an SSM document (`upsc bootstrap host-scripts`, created by Terraform),
 *   which the user-data reads and checks against the sha256 it was generated with. The document is a
 *   runnable Command document too: running it reinstalls the scripts.
 * - settings.env: the stage's UPSC_* settings as quoted `export` lines (docs/REMOTE-CONTRACT.md).
 */
import {createHash} from 'node:crypto'
import {gzipSync} from 'node:zlib'

import type {StageConfig} from '../config/load.js'
import {compactScript, reachableLibrary} from '../remote/bundle.js'
import {readScript} from '../remote/payload.js'
import {exportLine} from '../remote/quote.js'
import {deploySettings, type Settings} from '../remote/settings.js'
import {HEREDOC_END, readTemplate} from './template.js'

/** Where the host scripts write their logs (shipped by the CloudWatch agent). */
export const LOG_DIR = '/var/log/upscpro'
export const USER_DATA_LOG = '/var/log/user-data.log'

/** The Compose plugin release installed where the distribution has no package (Amazon Linux 2023). */
export const COMPOSE_VERSION = '2.29.7'

/** Marks the scripts' archive inside the SSM document (the user-data finds it by this). */
export const ARCHIVE_MARK = 'upsc-host-scripts:'

/**
 * Not host settings: those of one run (set by whoever runs a script), the deadline inside a Run
 * Command's timeout (the units have none), and the probe's (the CLI sends the probe with its own).
 */
const NOT_HOST = [
  'UPSC_BRANCH',
  'UPSC_REF',
  'UPSC_DEPLOY_ID',
  'UPSC_CALLER',
  'UPSC_COMMAND_ID',
  'UPSC_DEADLINE_SECONDS',
  'UPSC_UNITS',
  'UPSC_DISK_MIN_FREE_PERCENT',
]

/**
 * What signals.sh reads (docs/HOST-SIGNALS.md): the alerts' topic (alerts.topicArn, else the
 * deploy notifications' topic; the user-data's alerts_topic_arn variable overrides it), the
 * alerts' hourly budget, the restart-loop threshold, the disk alert and whether to put metrics.
 */
export function signalSettings(stage: StageConfig): Settings {
  return {
    UPSC_ALERTS_TOPIC: stage.alerts.topicArn ?? stage.notify.snsTopicArn ?? '',
    UPSC_ALERTS_MAX_PER_HOUR: stage.alerts.maxPerHour,
    UPSC_RESTART_LOOP: stage.alerts.restartLoop,
    UPSC_DISK_MIN_FREE_PERCENT: stage.minFreeDiskPercent,
    UPSC_METRICS: stage.metrics.enabled,
  }
}

/**
 * The settings every installed script reads: what `upsc deploy` sends for this stage, without the
 * per-run ones (the user-data adds UPSC_BRANCH and UPSC_REGION from its template variables).
 */
export function hostSettings(stage: StageConfig): Settings {
  const settings: Settings = {
    ...deploySettings(stage, {branch: stage.defaultBranch, caller: '', deployId: '', noRollback: false}),
    UPSC_LOG_DIR: LOG_DIR,
    // The monitor prunes (prune.sh) when free disk is below this percentage.
    UPSC_PRUNE_LOW_DISK_PERCENT: stage.prune.onLowDisk ? stage.minFreeDiskPercent : undefined,
    UPSC_PRUNE_BUILD_CACHE_KEEP: stage.prune.onLowDisk ? stage.prune.buildCacheKeep : undefined,
  }
  for (const key of NOT_HOST) delete settings[key]
  return {...settings, ...signalSettings(stage)}
}

export function settingsFile(stage: StageConfig, version: string): string {
  const lines = Object.entries(hostSettings(stage))
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([k, v]) => exportLine(k, String(v === true ? '1' : v === false ? '0' : v)))
  return [
    `# Stage ${stage.name} (upsc ${version}): the UPSC_* settings upsc deploy sends, read by bin/upsc-run.`,
    '# Written by the bootstrap: change upsc.config.json and bootstrap again rather than editing this.',
    ...lines,
    '',
  ].join('\n')
}

export const HOST_SCRIPT_NAMES = ['lib.sh', 'deploy.sh', 'boot.sh', 'monitor.sh', 'prune.sh', 'signals.sh', 'upsc-run'] as const
export type HostScriptName = (typeof HOST_SCRIPT_NAMES)[number]

/**
 * The installed scripts, compacted as the CLI's bundle is (no comment lines, blank lines or
 * indentation). lib.sh keeps the functions that deploy.sh, boot.sh, monitor.sh, prune.sh, signals.sh
 * and the user-data reach; those scripts source it from beside them.
 */
export function hostScripts(read: (name: string) => string = readScript): Record<HostScriptName, string> {
  const deploy = read('deploy')
  const boot = readTemplate('host/boot.sh')
  const monitor = readTemplate('host/monitor.sh')
  const prune = read('prune')
  const signals = readTemplate('host/signals.sh')
  const users = [deploy, boot, monitor, prune, signals, readTemplate('user-data.sh')].join('\n')
  // bluegreen.sh joins lib.sh: deploy.sh and boot.sh call into it on blueGreen stages.
  return {
    'lib.sh': `${compactScript(reachableLibrary(`${read('lib')}\n${read('bluegreen')}`, users))}\n`,
    'deploy.sh': `${compactScript(deploy)}\n`,
    'boot.sh': `${compactScript(boot)}\n`,
    'monitor.sh': `${compactScript(monitor)}\n`,
    'prune.sh': `${compactScript(prune)}\n`,
    'signals.sh': `${compactScript(signals)}\n`,
    'upsc-run': `#!/bin/bash\n${compactScript(readTemplate('host/upsc-run'))}\n`,
  }
}

/** The bash program that writes the host scripts into the folder given as $1. */
export function hostScriptsInstaller(version: string, scripts: Record<HostScriptName, string> = hostScripts()): string {
  const parts = [`# upsc ${version}: writes the upsc host scripts (${HOST_SCRIPT_NAMES.join(', ')}) into the folder $1.`, 'set -e', 'mkdir -p -- "$1"']
  for (const name of HOST_SCRIPT_NAMES) {
    const text = scripts[name]
    if (text.split('\n').includes(HEREDOC_END)) throw new Error(`${name} contains a line ${HEREDOC_END}`)
    parts.push(`cat >"$1/${name}.tmp" <<'${HEREDOC_END}'`, text.replace(/\n$/, ''), HEREDOC_END)
  }
  parts.push('chmod 755 "$1/upsc-run.tmp"', `for f in ${HOST_SCRIPT_NAMES.join(' ')}; do mv -f -- "$1/$f.tmp" "$1/$f"; done`, '')
  return parts.join('\n')
}

export interface HostScriptsDocument {
  /** The SSM document's content (JSON), for aws_ssm_document. */
  json: string
  /** sha256 (hex) of the archive (base64 text) in the document, which the user-data checks. */
  sha256: string
}

/**
 * The SSM Command document holding the host scripts: one runShellScript step that unpacks the
 * archive (gzip + base64 of hostScriptsInstaller) into UPSC_HOME/bin. The user-data reads the
 * archive from it; Run Command can run it to reinstall the scripts.
 */
export function hostScriptsDocument(stage: StageConfig, version: string): HostScriptsDocument {
  const archive = gzipSync(hostScriptsInstaller(version), {level: 9}).toString('base64')
  const bin = `${stage.upscHome.replace(/\/+$/, '')}/bin`
  const document = {
    schemaVersion: '2.2',
    description: `upsc ${version}: installs the upsc host scripts of stage ${stage.name} in ${bin} (read by the bootstrap's user-data).`,
    mainSteps: [
      {
        action: 'aws:runShellScript',
        name: 'installUpscHostScripts',
        inputs: {
          runCommand: [
            '#!/bin/bash',
            'set -e',
            `a='${ARCHIVE_MARK}${archive}'`,
            't=$(mktemp)',
            `printf '%s' "\${a#${ARCHIVE_MARK}}" | base64 -d | gzip -dc >"$t"`,
            `bash "$t" "\${UPSC_ROOT:-}"'${bin.replaceAll("'", `'\\''`)}'`,
            'rm -f "$t"',
          ],
        },
      },
    ],
  }
  return {json: `${JSON.stringify(document, null, 2)}\n`, sha256: createHash('sha256').update(archive).digest('hex')}
}
