import chalk from 'chalk'

import type {RegionChoice} from '../config/region.js'

const REGION_SOURCE: Record<RegionChoice['source'], string> = {
  '--region': '--region',
  config: 'the config',
  AWS_REGION: 'AWS_REGION',
  AWS_DEFAULT_REGION: 'AWS_DEFAULT_REGION',
  profile: "the profile's region",
  default: 'the default',
}

/** Pure: the one dim stderr line saying that no config file was found and what is used instead. */
export function renderBuiltInNotice(options: {stage: string; nameTag: string; instances: string[]; region: RegionChoice}): string {
  const targets = options.instances.length > 0 ? options.instances.join(', ') : `instances tagged Name=${options.nameTag}`
  return chalk.dim(
    `No upsc.config.json: using the built-in stage ${options.stage} (${targets}, region ${options.region.region} from ${REGION_SOURCE[options.region.source]}). \`upsc init\` writes a config.`,
  )
}
