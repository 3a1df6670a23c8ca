/** Pure: what `upsc bootstrap ...` prints. */
import chalk from 'chalk'

import type {BootstrapResult} from '../ops/bootstrap.js'

/** stdout: the text itself (several files: each after a `# ==> name <==` comment line). */
export function renderBootstrapText(result: BootstrapResult): string {
  const printed = result.outputs.filter((o) => o.text !== undefined)
  if (printed.length === 1) return printed[0]!.text!
  return printed.map((o) => `# ==> ${o.name} <==\n${o.text}`).join('\n')
}

/** --out: one line per file written, then what to do next. */
export function renderBootstrapWritten(result: BootstrapResult): string {
  const lines = result.outputs.map((o) => `${chalk.green('✔')} wrote ${o.path} (${o.bytes} bytes)`)
  const next: Record<BootstrapResult['kind'], string> = {
    'user-data': 'Next: `upsc bootstrap terraform` for the HCL that uses them, then terraform apply.',
    'host-scripts': 'Next: create the SSM document from it (aws_ssm_document, see `upsc bootstrap terraform`).',
    systemd: 'The user-data installs these units itself; these copies are for review or other provisioning.',
    'cloudwatch-agent': 'The user-data installs this config itself; this copy is for review or other provisioning.',
    'pre-commit': 'Each commit in this repository now runs upsc validate first (git commit --no-verify skips it once).',
    terraform: "Next: add the lines at the top of the .tf file to the stage's aws_instance, terraform apply, then upsc status.",
  }
  return `${lines.join('\n')}\n${chalk.dim(next[result.kind])}`
}
