import type {SSMClient} from '@aws-sdk/client-ssm'

import {describeAwsError} from './errors.js'

/** The instances a Run Command was sent to (ListCommandInvocations, every page). */
export async function commandInstanceIds(ssm: SSMClient, commandId: string): Promise<string[]> {
  const {paginateListCommandInvocations} = await import('./sdk/ssm.js')
  const ids: string[] = []
  try {
    for await (const page of paginateListCommandInvocations({client: ssm}, {CommandId: commandId}))
      for (const inv of page.CommandInvocations ?? []) if (inv.InstanceId) ids.push(inv.InstanceId)
  } catch (error) {
    throw describeAwsError(error, {action: 'ssm:ListCommandInvocations'})
  }
  return ids
}
