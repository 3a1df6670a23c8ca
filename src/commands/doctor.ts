import {Flags} from '@oclif/core'

import {AwsClients} from '../aws/clients.js'
import {resolveRegion} from '../config/region.js'
import {BaseCommand} from '../cli/base-command.js'
import {loadForDoctor, runDoctor} from '../ops/doctor.js'
import {renderDoctor} from '../render/doctor.js'
import type {DoctorJson} from '../render/json-schemas.js'
import {withSpinner} from '../cli/spinner.js'

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override summary = 'Check the laptop and the account, with one fix for each failure.'

  static override description =
    `Checks, in order: Node.js (20 or later); the region (--region, the config, AWS_REGION, the profile, else ap-south-1); credentials (sts:GetCallerIdentity, with the SSO hint when the session has expired); session-manager-plugin and its version (upsc ssh only: a warning); the config; each instance of the stage (found, running, managed by SSM, agent online); the stage's log group; the GitHub token parameter (present, by name; the value is never read); and, with iam:SimulatePrincipalPolicy, the IAM actions upsc needs (docs/IAM.md) and whether the instance role may read the token. A check that cannot run says why (for example: not allowed to simulate policies).

Exit 0 when nothing fails (warnings and skipped checks allowed), 1 when any check fails.`

  // Any text: doctor reports a bad region as a failed check with its fix, instead of refusing it.
  static override flags = {region: Flags.string({description: BaseCommand.baseFlags.region.description, helpGroup: 'GLOBAL'})}

  static override examples = [
    {command: '<%= config.bin %> doctor', description: 'Check the default stage (or the built-in stage2 without a config).'},
    {command: '<%= config.bin %> doctor --stage prod --json', description: 'Machine-readable result.'},
  ]

  public async run(): Promise<DoctorJson> {
    const {flags} = this
    const config = loadForDoctor({flag: flags.config, cwd: process.cwd(), env: process.env}, flags.stage)
    const stage = 'stage' in config ? config.stage : undefined
    const profile = flags.profile ?? stage?.profile
    const region = resolveRegion({flag: flags.region, stage: stage?.region, profile, env: process.env})
    const clients = new AwsClients({region: region.region, profile})
    try {
      const input = {clients, region, profile, config, instances: flags.instance ?? [], nodeVersion: process.versions.node, env: process.env}
      const result = await withSpinner(this.interactive, 'Checking', () => runDoctor(input))
      if (!this.jsonEnabled()) this.log(renderDoctor(result))
      process.exitCode = result.exitCode
      return result
    } finally {
      clients.destroy()
    }
  }
}
