import {resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {AwsClients} from '../aws/clients.js'
import {resolveRegion} from '../config/region.js'
import {BaseCommand} from '../cli/base-command.js'
import {BUILT_IN_STAGE, CONFIG_FILE_NAME} from '../config/load.js'
import {askConfirm} from '../cli/confirm.js'
import {askInitChoices} from '../cli/init-prompts.js'
import {discoverAccount, refuseOverwrite, writeInitConfig} from '../ops/init.js'
import {renderFindings} from '../render/init.js'
import type {InitJson} from '../render/json-schemas.js'

export default class Init extends BaseCommand<typeof Init> {
  static override summary = `Look at the account, then write ${CONFIG_FILE_NAME} in the current folder.`

  static override description =
    `Lists the region's instances (Name tag or SSM-managed, with their SSM ping) and the SecureString parameters that look like a GitHub token (names only, never values). On a terminal it offers them as numbered choices; without one it uses the flags alone (--json prints what it found). The file it writes validates, and its "$schema" lets editors check it; every key is in docs/CONFIGURATION.md. The stage is --stage (default stage2); --instance ids replace the Name tag. Refuses to overwrite an existing file unless --force is given.`

  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init --name-tag upscpro-stage2-docker --token-parameter /upscpro/stage2/github-token --status',
    '<%= config.bin %> init --instance i-0123456789abcdef0 --region ap-south-1 --json',
  ]

  static override flags = {
    'name-tag': Flags.string({description: "Name tag of the stage's instances (default upscpro-<stage>-docker).", exclusive: ['instance']}),
    'token-parameter': Flags.string({description: 'SSM parameter holding the GitHub token (default /upscpro/<stage>/github-token).'}),
    status: Flags.boolean({description: 'Run `upsc status` once the file is written.'}),
    force: Flags.boolean({description: 'Overwrite an existing config file.'}),
  }

  public async run(): Promise<InitJson> {
    const {flags} = this
    const file = resolve(process.cwd(), CONFIG_FILE_NAME)
    const stage = flags.stage ?? BUILT_IN_STAGE
    refuseOverwrite(file, flags.force)
    const region = resolveRegion({flag: flags.region, profile: flags.profile, env: process.env})
    const clients = new AwsClients({region: region.region, profile: flags.profile})
    const found = await discoverAccount(clients, region).finally(() => clients.destroy())
    const tty = Boolean(process.stdin.isTTY && process.stderr.isTTY) && !this.jsonEnabled()
    const asked = tty && !flags.instance && !flags['name-tag'] ? await askInitChoices(found, stage) : {}
    if (!tty && !this.jsonEnabled()) process.stderr.write(renderFindings(found) + '\n')
    const selector = flags.instance ? {ids: flags.instance} : asked.selector
    const text = writeInitConfig(file, {
      stage,
      region: region.region,
      selector,
      nameTag: flags['name-tag'],
      tokenParameter: flags['token-parameter'] ?? asked.tokenParameter,
    })
    if (!this.jsonEnabled()) this.log(`Wrote ${file}.`)
    if ((flags.status && !this.jsonEnabled()) || (tty && (await askConfirm('Run `upsc status` now?'))))
      await this.config.runCommand('status', ['--config', file])
    else if (!this.jsonEnabled()) this.log('Next: `upsc status`, then `upsc deploy --branch main`.')
    return {file, found, config: JSON.parse(text)}
  }
}
