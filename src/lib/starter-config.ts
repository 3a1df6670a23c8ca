/**
 * Pure: the starter config `upsc init` writes. JSON has no comments (and unknown keys are errors),
 * so the file shows each key with its default value and the README documents every key.
 */
export function starterConfig(options: {stage: string; region: string; nameTag: string}): string {
  const config = {
    $schema: 'https://github.com/upscpro/upsc#configuration',
    defaultStage: options.stage,
    stages: {
      [options.stage]: {
        region: options.region,
        instances: {tags: {Name: options.nameTag}},
        appDir: '/opt/upscpro/upscapp-be',
        composeFile: 'docker-compose.yml',
        defaultBranch: 'main',
        healthChecks: [{name: 'api', url: 'http://localhost:8000/health', expectStatus: 200}],
        logGroup: `/aws/ec2/upscpro-${options.stage}-docker`,
        githubTokenParameter: `/upscpro/${options.stage}/github-token`,
      },
    },
  }
  return JSON.stringify(config, null, 2) + '\n'
}
