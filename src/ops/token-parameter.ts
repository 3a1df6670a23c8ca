/**
 * Without a config file upsc does not know where the GitHub token is. A deploy then takes the
 * conventional parameter `/upscpro/<stage>/github-token` when the account has it, goes without a
 * token when the repository is public, and otherwise refuses before anything is sent.
 */
import {parameterExists} from '../aws/parameters.js'
import type {StageContext} from './context.js'
import type {StageConfig} from '../config/load.js'
import {usageError} from '../errors/upsc-error.js'

export const conventionalTokenParameter = (stage: string): string => `/upscpro/${stage}/github-token`

/** Anonymous smart-HTTP discovery answers 200 only for a repository anyone may clone. */
export async function repoIsPublic(repoUrl: string, timeoutMs = 5000): Promise<boolean> {
  const url = `${repoUrl.replace(/\/+$/, '').replace(/(\.git)?$/, '.git')}/info/refs?service=git-upload-pack`
  try {
    const response = await fetch(url, {redirect: 'manual', signal: AbortSignal.timeout(timeoutMs)})
    await response.body?.cancel()
    return response.status === 200
  } catch {
    return false
  }
}

export async function tokenReadyStage(ctx: StageContext): Promise<StageConfig> {
  const {stage} = ctx
  if (!ctx.config.builtIn || stage.githubTokenParameter) return stage
  const name = conventionalTokenParameter(stage.name)
  const [found, open] = await Promise.all([ctx.clients.ssm().then((ssm) => parameterExists(ssm, name)), repoIsPublic(stage.repoUrl)])
  if (found) return {...stage, githubTokenParameter: name}
  if (open) return stage
  throw usageError(
    'token-parameter-unknown',
    `No upsc.config.json, so upsc does not know which parameter holds the GitHub token: ${name} does not exist in ${ctx.region}, and ${stage.repoUrl} is not public.`,
    'Run `upsc init` (it lists the SecureString parameters that look like a GitHub token) or set "githubTokenParameter" in upsc.config.json, then deploy again.',
  )
}
