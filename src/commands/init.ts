import {existsSync, writeFileSync} from 'node:fs'
import {resolve} from 'node:path'

import {Command, Flags} from '@oclif/core'

import {CONFIG_FILE_NAME, parseConfig, schemaReference} from '../lib/config.js'
import {ExitCode} from '../lib/exit-codes.js'
import {usageError} from '../lib/errors.js'
import {renderError} from '../lib/render/error.js'
import {starterConfig} from '../lib/starter-config.js'

export default class Init extends Command {
  static override summary = `Write a starter ${CONFIG_FILE_NAME} in the current folder.`

  static override description = `The starter config reproduces the existing stage2 setup: edit the region and the instance selector, then run \`upsc status\`. Every key is documented in docs/CONFIGURATION.md, and "$schema" lets editors check the file.
Refuses to overwrite an existing file unless --force is given.`

  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init --stage stage2 --region ap-south-1 --name-tag upscpro-stage2-docker',
  ]

  static override flags = {
    stage: Flags.string({char: 's', description: 'Name of the first stage.', default: 'stage2'}),
    region: Flags.string({description: 'AWS region of the stage.', default: 'ap-south-1'}),
    'name-tag': Flags.string({description: 'Name tag of the stage\'s instances (default upscpro-<stage>-docker).'}),
    force: Flags.boolean({description: 'Overwrite an existing config file.'}),
  }

  public async run(): Promise<{file: string}> {
    const {flags} = await this.parse(Init)
    const file = resolve(process.cwd(), CONFIG_FILE_NAME)
    try {
      if (existsSync(file) && !flags.force) throw usageError('config-exists', `${file} already exists.`, 'Edit it, or pass --force to replace it with the starter config.')
      const text = starterConfig({stage: flags.stage, region: flags.region, nameTag: flags['name-tag'], schema: schemaReference(file)})
      parseConfig(text, file) // the starter must itself be valid (flags could make it not)
      writeFileSync(file, text, {mode: 0o644})
    } catch (error) {
      process.stderr.write(renderError(error as Error, {verbose: false, known: true}) + '\n')
      this.exit(ExitCode.usage)
    }
    this.log(`Wrote ${file}.\nNext: check the region and instance selector, then run \`upsc status\`.`)
    return {file}
  }
}
