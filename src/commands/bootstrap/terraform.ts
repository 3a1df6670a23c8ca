import {BootstrapCommand} from '../../cli/bootstrap-command.js'

export default class BootstrapTerraform extends BootstrapCommand {
  static override summary = "Generate the Terraform that wires the bootstrap into the stage's instance."

  static override description =
    `The HCL for: user_data = base64gzip(templatefile(...)) with its variables; the SSM document of the host scripts; the stage's log group; the instance role and profile with AmazonSSMManagedInstanceCore, reads of the host scripts' document and of the token and .env parameters, and CloudWatch Logs writes.

--out writes upsc-bootstrap.tf with the files it refers to (upsc-user-data.sh.tpl, upsc-host-scripts.json). No AWS call.`

  static override examples = [
    {command: '<%= config.bin %> bootstrap terraform --out terraform-stage2/', description: 'Everything terraform apply needs, next to main.tf.'},
  ]

  protected readonly kind = 'terraform'
}
