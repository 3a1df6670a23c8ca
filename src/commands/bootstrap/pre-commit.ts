import {BootstrapCommand} from '../../cli/bootstrap-command.js'

export default class BootstrapPreCommit extends BootstrapCommand {
  static override summary = 'Generate a git pre-commit hook for the app repository that runs `upsc validate`.'

  static override description =
    `The hook runs \`upsc validate --stage <stage> --config <this config>\` before each commit: docker compose config --quiet on the stage's compose file, and the health checks' services. Install it with --out .git/hooks in the app's checkout (--force to replace a hook already there). Skip it once with git commit --no-verify. No AWS call.`

  static override examples = ['<%= config.bin %> bootstrap pre-commit --out .git/hooks']

  protected readonly kind = 'pre-commit'
}
