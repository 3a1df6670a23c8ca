import {BootstrapCommand} from '../../cli/bootstrap-command.js'

export default class BootstrapCloudwatchAgent extends BootstrapCommand {
  static override summary = "Generate the CloudWatch agent config that ships the host's logs to the stage's log group."

  static override description =
    `Ships /var/log/user-data.log, the deploy, boot and monitor logs (/var/log/upscpro) and the containers' logs to the stage's logGroup, in {instance_id}/<alias> streams (the stage's logStreams names where it has the alias).

The user-data installs it and starts the agent; this copy is for review or other provisioning. No AWS call.`

  static override examples = ['<%= config.bin %> bootstrap cloudwatch-agent']

  protected readonly kind = 'cloudwatch-agent'
}
