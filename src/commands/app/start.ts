import {AppCommand} from '../../cli/app-command.js'

export default class AppStart extends AppCommand {
  static override summary = "Start the app's stopped services on every host, one host at a time, then wait for the health checks."

  static override description =
    "docker compose start (all services, or each --service) through the deploy lock (exit 6 while a deploy runs or deploys are held), then the deploy's health gate. A service with no container needs upsc deploy. Recorded in the history (kind app)."

  static override examples = ['<%= config.bin %> app start', '<%= config.bin %> app start --service api --service worker']

  protected readonly action = 'start'
}
