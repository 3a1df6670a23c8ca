import {BootstrapCommand} from '../../cli/bootstrap-command.js'

export default class BootstrapHostScripts extends BootstrapCommand {
  static override summary = 'Generate the SSM document that carries the upsc host scripts to a new host.'

  static override description =
    `lib.sh, deploy.sh (the scripts \`upsc deploy\` sends), boot.sh, monitor.sh, signals.sh and upsc-run are more than EC2's 16 KB of user data can hold, so Terraform stores them in an SSM Command document (aws_ssm_document, JSON) that the user-data reads and checks by sha256. Running the document through Run Command reinstalls them in UPSC_HOME/bin.

Generate it with the user-data of the same upsc version (\`upsc bootstrap user-data --out\` writes both). No AWS call.`

  static override examples = ['<%= config.bin %> bootstrap host-scripts --out terraform-stage2/']

  protected readonly kind = 'host-scripts'
}
