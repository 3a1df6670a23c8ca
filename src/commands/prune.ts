import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {ExitCode} from '../errors/exit-codes.js'
import {runPrune} from '../ops/prune.js'
import {renderPrune} from '../render/prune.js'
import type {PruneJson} from '../render/json-schemas.js'

export default class Prune extends BaseCommand<typeof Prune> {
  static override summary = 'Free disk on every host: dangling images, old build cache, stopped containers, old upsc-<sha> images.'

  static override description =
    `Under the deploy lock (exit 6 while a deploy runs), on each host: removes the project's stopped containers (docker compose rm), dangling images (docker image prune), the upsc-<sha> image tags beyond keepImages (never those of the running version nor of the rollback target), and the build cache beyond prune.buildCacheKeep (docker builder prune --keep-storage). Reports the space docker reclaimed and the free disk before and after. --dry-run counts without removing.`

  static override examples = ['<%= config.bin %> prune --dry-run', '<%= config.bin %> prune']

  static override flags = {
    'dry-run': Flags.boolean({description: 'Count what would be removed; remove nothing.'}),
  }

  public async run(): Promise<PruneJson> {
    const result = await runPrune(this.stageContext(), this.flags['dry-run'])
    if (!this.jsonEnabled()) this.log(renderPrune(result))
    const worst = result.hosts.find((h) => h.exitCode !== ExitCode.ok)
    if (worst) process.exitCode = worst.exitCode
    return result
  }
}
