import {BootstrapCommand} from '../../cli/bootstrap-command.js'

export default class BootstrapSystemd extends BootstrapCommand {
  static override summary = "Generate the auto-recovery systemd units of the stage's hosts."

  static override description =
    `upscpro-deploy.service (oneshot, after docker.service and network-online.target): at boot, runs the bootstrap again until it has succeeded, else starts the version the stack last ran and checks its health. upscpro-monitor.timer runs upscpro-monitor.service every 3 minutes: health checks, restarts of what is down or unhealthy, restart counts, UPSC_HOME/monitor.json.

The user-data installs and enables them; these copies are for review or other provisioning. No AWS call.`

  static override examples = ['<%= config.bin %> bootstrap systemd', '<%= config.bin %> bootstrap systemd --out units/']

  protected readonly kind = 'systemd'
}
