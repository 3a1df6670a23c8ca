/**
 * `upsc init` on a terminal: numbered choices (Enter takes the default) for the stage's instances
 * and the GitHub token parameter. The questions go to stderr, the answers come from stdin.
 */
import type {InstanceSelector} from '../config/schema.js'
import {type Findings, likelyInstance, parseNumbered, selectorFor} from '../ops/init.js'
import {askChoice} from './prompt.js'
import {instanceChoiceLines} from '../render/init.js'

export async function askInitChoices(f: Findings, stage: string): Promise<{selector?: InstanceSelector; tokenParameter?: string}> {
  let selector: InstanceSelector | undefined
  if (f.instances.length > 0) {
    const preferred = likelyInstance(f.instances, stage)
    const index = await askChoice(`Instances in ${f.region} (Enter: ${preferred + 1}):`, instanceChoiceLines(f.instances), (answer) =>
      parseNumbered(answer, f.instances.length, preferred),
    )
    selector = selectorFor(index === undefined ? [] : [f.instances[index]!])
  }
  let tokenParameter: string | undefined
  if (f.tokenParameters.length > 0) {
    const options = [...f.tokenParameters, 'none (the repository is public)']
    const index = await askChoice(
      'GitHub token parameters (SecureString, names only) (Enter: 1):',
      options.map((name, n) => `  ${n + 1}) ${name}`),
      (answer) => parseNumbered(answer, options.length, 0),
    )
    if (index !== undefined && index < f.tokenParameters.length) tokenParameter = f.tokenParameters[index]
  }
  return {selector, tokenParameter}
}
