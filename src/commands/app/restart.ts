import {AppCommand} from '../../cli/app-command.js'

export default class AppRestart extends AppCommand {
  static override summary = "Restart the app's services on every host, one host at a time, then wait for the health checks."

  static override description =
    "docker compose restart (all services, or each --service) through the deploy lock (exit 6 while a deploy runs or deploys are held), then the deploy's health gate. Stops at the first host that fails. Recorded in the history (kind app)."

  static override examples = ['<%= config.bin %> app restart', '<%= config.bin %> app restart --service api --service worker']

  protected readonly action = 'restart'
}
