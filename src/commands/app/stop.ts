import {AppCommand} from '../../cli/app-command.js'

export default class AppStop extends AppCommand {
  static override summary = "Stop the app's services on every host (kept as stopped containers)."

  static override description =
    'docker compose stop (all services, or each --service) through the deploy lock (exit 6 while a deploy runs or deploys are held); no health gate. Recorded in the history (kind app). upsc app start brings them back.'

  static override examples = ['<%= config.bin %> app stop', '<%= config.bin %> app stop --service api --service worker']

  protected readonly action = 'stop'
}
