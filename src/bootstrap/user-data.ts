/**
 * Pure: the stage's EC2 user-data, as a Terraform templatefile() template: templates/user-data.sh
 * with the stage's values, settings, units and CloudWatch agent config, escaped for templatefile().
 */
import type {StageConfig} from '../config/load.js'
import {cloudwatchAgentJson} from './cloudwatch.js'
import {COMPOSE_VERSION, hostScriptsDocument, settingsFile} from './host.js'
import {systemdUnits} from './systemd.js'
import {fillTemplate, readTemplate} from './template.js'

/** The template's own variables, given by templatefile(): name -> meaning (documented in the template too). */
export const TEMPLATE_VARIABLES = {
  region: "the instance's AWS region, e.g. data.aws_region.current.name (empty: the stage's region)",
  branch: "the branch of the first deploy (empty: the stage's defaultBranch)",
  host_scripts_document: 'the name of the SSM document holding the host scripts (aws_ssm_document.<name>.name)',
  alerts_topic_arn: "the SNS topic of the host's alerts (aws_sns_topic.<name>.arn; empty: the stage's alerts.topicArn, else notify.snsTopicArn)",
} as const

/** `upsc bootstrap user-data`: the templatefile() template. */
export function userDataTemplate(stage: StageConfig, version: string): string {
  const units = Object.fromEntries(systemdUnits(stage, version).map((u) => [u.name, u.text]))
  return fillTemplate(readTemplate('user-data.sh'), {
    values: {
      STAGE: stage.name,
      VERSION: version,
      REGION_DEFAULT: stage.region ?? 'none, so it is required',
      REGION_FALLBACK: stage.region ?? '',
      DEFAULT_BRANCH: stage.defaultBranch,
      UPSC_HOME: stage.upscHome.replace(/\/+$/, ''),
      APP_DIR: stage.appDir.replace(/\/+$/, ''),
      REPO_URL: stage.repoUrl,
      ENV_PARAMETER: stage.envParameter ?? '',
      SCRIPTS_SHA256: hostScriptsDocument(stage, version).sha256,
      COMPOSE_VERSION,
      PROXY_PACKAGE: stage.deploy.strategy === 'blueGreen' ? 'nginx' : '',
      LOG_GROUP: stage.logGroup,
    },
    files: {'settings.env': settingsFile(stage, version), 'cloudwatch-agent.json': cloudwatchAgentJson(stage), ...units},
    templatefile: Object.keys(TEMPLATE_VARIABLES),
  })
}
