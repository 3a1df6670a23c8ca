import {isatty} from 'node:tty'

import {BaseCommand} from '../cli/base-command.js'
import {sshFlags} from '../cli/flag-sets.js'
import {askChoice} from '../cli/prompt.js'
import {choiceLines, parseChoice, runSsh, type SshResult} from '../ops/ssh.js'

export default class Ssh extends BaseCommand<typeof Ssh> {
  static override summary = 'Open a shell on an instance of the stage through Session Manager (no SSH, no port 22, no keys).'

  static override description =
    `Replaces monitor-ec2-stage2.sh ssh. Starts a Session Manager session (StartSession) and hands it to AWS's session-manager-plugin exactly as \`aws ssm start-session\` does; keys and Ctrl-C go to the remote shell. When the plugin exits the session is terminated (TerminateSession).

Prerequisites:
- session-manager-plugin on PATH. macOS: brew install --cask session-manager-plugin. Linux and Windows: https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html (upsc prints the commands when it is missing).
- IAM for you: ssm:StartSession on the instance and on the session document (SSM-SessionManagerRunShell; AWS-StartInteractiveCommand for --user and --cd; AWS-StartPortForwardingSessionToRemoteHost for --forward), ssm:TerminateSession and ssm:ResumeSession on your own sessions, ec2:DescribeInstances and ssm:DescribeInstanceInformation. docs/IAM.md has the policy.
- The instance: running, its SSM agent online, and an instance role with AmazonSSMManagedInstanceCore (it grants the ssmmessages channel a session uses). Forwarding to another host needs agent 3.1.1374.0 or later.

One instance: --instance (id or Name tag), or the stage's. When several match, upsc asks which on a terminal, and otherwise lists them and exits 2. The exit code is the plugin's.`

  static override examples = [
    {command: '<%= config.bin %> ssh', description: "A shell on the stage's instance."},
    {command: '<%= config.bin %> ssh --cd', description: 'A login shell in the app dir (appDir in the config).'},
    {command: '<%= config.bin %> ssh --user ubuntu', description: 'A login shell as ubuntu (sudo -i -u ubuntu).'},
    {command: '<%= config.bin %> ssh --instance i-0123456789abcdef0', description: 'One instance of several.'},
    {command: '<%= config.bin %> ssh --forward 8000:localhost:8000', description: 'Reach the API on the host at http://localhost:8000 from this machine.'},
    {command: '<%= config.bin %> ssh --forward 15432:db.internal:5432', description: 'Reach a database the host can reach, at localhost:15432.'},
    {command: '<%= config.bin %> ssh -L 8000:localhost:8000 -L 15432:db.internal:5432', description: 'Both at once, no shell; Ctrl-C ends them.'},
  ]

  // A terminal session: there is no result to print as JSON.
  static override enableJsonFlag = false

  static override flags = sshFlags

  public async run(): Promise<SshResult> {
    const {flags} = this
    const ctx = this.stageContext()
    // fds, not process.stdin: the plugin must find the terminal untouched when no question is asked.
    const tty = isatty(0) && isatty(2)
    const result = await runSsh(
      ctx,
      {user: flags.user, cd: flags.cd, forwards: flags.forward},
      {choose: tty ? (choices) => askChoice(`${choices.length} instances match:`, choiceLines(choices), (answer) => parseChoice(answer, choices)) : undefined},
    )
    if (result.terminateError)
      this.logToStderr(
        `Warning: could not terminate session ${result.sessionId} (${result.terminateError}); it ends at its idle timeout, or run: aws ssm terminate-session --session-id ${result.sessionId}`,
      )
    return this.finish(result, result.exitCode)
  }
}
