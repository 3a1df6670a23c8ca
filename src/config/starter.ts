/**
 * Pure: the starter config `upsc init` writes. JSON has no comments (and unknown keys are errors),
 * so the file shows each key with its default value; `$schema` points editors at the JSON Schema,
 * and docs/CONFIGURATION.md documents every key.
 */
export interface StarterOptions {
  stage: string
  region: string
  /** The stage's Name tag, or the instance ids picked. */
  nameTag?: string
  instanceIds?: string[]
  githubTokenParameter?: string
  /** Where the JSON Schema is, relative to the config file (or a URL). */
  schema: string
}

export function starterConfig(options: StarterOptions): string {
  const instances = options.instanceIds?.length ? {ids: options.instanceIds} : {tags: {Name: options.nameTag ?? `upscpro-${options.stage}-docker`}}
  const config = {
    $schema: options.schema,
    defaultStage: options.stage,
    stages: {
      [options.stage]: {
        region: options.region,
        instances,
        appDir: '/opt/upscpro/upscapp-be',
        composeFile: 'docker-compose.yml',
        defaultBranch: 'main',
        healthChecks: [{name: 'api', url: 'http://localhost:8000/health', expectStatus: 200}],
        logGroup: `/aws/ec2/upscpro-${options.stage}-docker`,
        githubTokenParameter: options.githubTokenParameter ?? `/upscpro/${options.stage}/github-token`,
      },
    },
  }
  return JSON.stringify(config, null, 2) + '\n'
}
