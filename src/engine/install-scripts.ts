/**
 * The script cache, engine side: install a host-script bundle on the hosts whose loader reported
 * it missing, one Run Command per chunk, all chunks at once (install.sh assembles and verifies).
 * No new IAM action: it is all ssm:SendCommand and ssm:GetCommandInvocation.
 */
import type {AwsClients} from '../aws/clients.js'
import type {InvocationResult} from '../outcome/invocation.js'
import type {CachedScripts} from '../remote/payload.js'
import {sendAndFollow} from './follow.js'

/** An install is a few small writes: it gets its own short timeouts, whatever the operation's. */
const INSTALL_TIMEOUT_SECONDS = 120

/** Install the bundle on these hosts (at most 50: one batch); returns, per host that could not install it, a failed invocation saying why. */
export async function installScripts(clients: AwsClients, instanceIds: string[], scripts: CachedScripts): Promise<Map<string, InvocationResult>> {
  const count = scripts.installs.length
  const chunks = await Promise.all(
    scripts.installs.map((commands, i) =>
      sendAndFollow(
        clients,
        {
          instanceIds,
          commands,
          comment: `upsc install host scripts ${scripts.sha.slice(0, 12)} ${i + 1}/${count}`,
          executionTimeoutSeconds: INSTALL_TIMEOUT_SECONDS,
          deliveryTimeoutSeconds: INSTALL_TIMEOUT_SECONDS,
          maxConcurrency: '100%',
          maxErrors: '100%',
        },
        instanceIds,
        {events: {}},
        {what: 'host scripts install', script: 'install'},
      ),
    ),
  )
  const failed = new Map<string, InvocationResult>()
  for (const chunk of chunks)
    for (const {invocation} of chunk.runs)
      if (invocation.outcome !== 'succeeded' && !failed.has(invocation.instanceId)) failed.set(invocation.instanceId, invocation)
  return failed
}
