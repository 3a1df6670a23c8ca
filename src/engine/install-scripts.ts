/**
 * The script cache, engine side: install a host-script bundle on the hosts whose loader reported
 * it missing, one Run Command per chunk, all chunks at once (install.sh assembles and verifies).
 * No new IAM action: it is all ssm:SendCommand and ssm:GetCommandInvocation.
 */
import type {AwsClients} from '../aws/clients.js'
import {type InvocationResult, sendCommand, waitForCommand} from '../aws/run-command.js'
import type {CachedScripts} from '../remote/payload.js'

/** An install is a few small writes: it gets its own short timeouts, whatever the operation's. */
const INSTALL_TIMEOUT_SECONDS = 120

/** Install the bundle on these hosts; returns, per host that could not install it, a failed invocation saying why. */
export async function installScripts(clients: AwsClients, instanceIds: string[], scripts: CachedScripts): Promise<Map<string, InvocationResult>> {
  const ssm = await clients.ssm()
  const count = scripts.installs.length
  const chunks = await Promise.all(
    scripts.installs.map(async (commands, i) => {
      const commandId = await sendCommand(ssm, {
        instanceIds,
        commands,
        comment: `upsc install host scripts ${scripts.sha.slice(0, 12)} ${i + 1}/${count}`,
        executionTimeoutSeconds: INSTALL_TIMEOUT_SECONDS,
        deliveryTimeoutSeconds: INSTALL_TIMEOUT_SECONDS,
        maxConcurrency: '100%',
        maxErrors: '100%',
      })
      return waitForCommand(ssm, commandId, instanceIds)
    }),
  )
  const failed = new Map<string, InvocationResult>()
  for (const invocations of chunks)
    for (const inv of invocations) if (inv.outcome !== 'succeeded' && !failed.has(inv.instanceId)) failed.set(inv.instanceId, inv)
  return failed
}
