/**
 * Pure: the CloudWatch agent's config. It ships the bootstrap's log, the deploy/boot/monitor logs
 * of the host scripts and the containers' logs to the stage's log group, one `{instance_id}/...`
 * stream each: the stream of a config `logStreams` alias when there is one (user-data, deploy,
 * boot, monitor, containers), else `{instance_id}/<alias>`.
 */
import type {StageConfig} from '../config/load.js'
import {LOG_DIR, USER_DATA_LOG} from './host.js'

/** The lines the host scripts write start with this (the agent takes it as the event time). */
const TIMESTAMP_FORMAT = '%Y-%m-%dT%H:%M:%SZ'

export const AGENT_CONFIG_PATH = '/opt/aws/amazon-cloudwatch-agent/etc/upsc-agent.json'

interface CollectEntry {
  file_path: string
  log_group_name: string
  log_stream_name: string
  timestamp_format?: string
  timezone: 'UTC'
}

export function logFiles(): {alias: string; path: string; timestamped: boolean}[] {
  return [
    {alias: 'user-data', path: USER_DATA_LOG, timestamped: true},
    {alias: 'deploy', path: `${LOG_DIR}/deploy.log`, timestamped: true},
    {alias: 'boot', path: `${LOG_DIR}/boot.log`, timestamped: true},
    {alias: 'monitor', path: `${LOG_DIR}/monitor.log`, timestamped: true},
    // Docker's json-file logs, one JSON object per line.
    {alias: 'containers', path: '/var/lib/docker/containers/*/*-json.log', timestamped: false},
  ]
}

export function cloudwatchAgentConfig(stage: StageConfig): Record<string, unknown> {
  const collect: CollectEntry[] = logFiles().map(({alias, path, timestamped}) => ({
    file_path: path,
    log_group_name: stage.logGroup,
    log_stream_name: stage.logStreams[alias] ?? `{instance_id}/${alias}`,
    ...(timestamped ? {timestamp_format: TIMESTAMP_FORMAT} : {}),
    timezone: 'UTC',
  }))
  return {
    agent: {run_as_user: 'root'},
    logs: {logs_collected: {files: {collect_list: collect}}, force_flush_interval: 5},
  }
}

export function cloudwatchAgentJson(stage: StageConfig): string {
  return `${JSON.stringify(cloudwatchAgentConfig(stage), null, 2)}\n`
}
