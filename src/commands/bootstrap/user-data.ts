import {BootstrapCommand} from '../../cli/bootstrap-command.js'

export default class BootstrapUserData extends BootstrapCommand {
  static override summary = 'Generate the EC2 user-data that bootstraps a host of the stage (a Terraform templatefile).'

  static override description =
    `The user-data logs every line with a timestamp to /var/log/user-data.log; installs the upsc host scripts (from the SSM document of \`upsc bootstrap host-scripts\`, checked by sha256), Docker, the Compose plugin and git, verifying each; configures and starts the CloudWatch agent; waits for Docker; writes the app's .env from Parameter Store; installs and enables the upscpro systemd units; runs the first deploy and its health gate; and writes UPSC_HOME/bootstrap.json, which \`upsc status\` shows. It exits 1 with a clear last log line on any critical failure.

It is a Terraform templatefile() template (bash's \${ and %{ are escaped) with the variables region, branch, host_scripts_document and alerts_topic_arn. --out writes it (upsc-user-data.sh.tpl) with the host scripts' document (upsc-host-scripts.json), which must be deployed together. No AWS call.`

  static override examples = [
    {command: '<%= config.bin %> bootstrap user-data --out terraform-stage2/', description: "Write the template and the host scripts' document."},
    {command: '<%= config.bin %> bootstrap user-data --stage stage3 | less', description: 'Read the template.'},
  ]

  protected readonly kind = 'user-data'
}
