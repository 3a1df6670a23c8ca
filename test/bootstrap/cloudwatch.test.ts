import {describe, expect, it} from 'vitest'

import {cloudwatchAgentConfig, cloudwatchAgentJson} from '../../src/bootstrap/cloudwatch.js'
import {testStage} from '../fixtures/bootstrap/host.js'

describe('cloudwatchAgentConfig', () => {
  it("ships the user-data log, the deploy, boot and monitor logs and the containers' to the stage's group, one stream each", () => {
    const entry = (file: string, stream: string, timestamped = true) => ({
      file_path: file,
      log_group_name: '/aws/ec2/upscpro-stage2-docker',
      log_stream_name: stream,
      ...(timestamped ? {timestamp_format: '%Y-%m-%dT%H:%M:%SZ'} : {}),
      timezone: 'UTC',
    })
    expect(cloudwatchAgentConfig(testStage())).toEqual({
      agent: {run_as_user: 'root'},
      logs: {
        logs_collected: {
          files: {
            collect_list: [
              entry('/var/log/user-data.log', '{instance_id}/user-data'),
              entry('/var/log/upscpro/deploy.log', '{instance_id}/deploy'),
              entry('/var/log/upscpro/boot.log', '{instance_id}/boot'),
              entry('/var/log/upscpro/monitor.log', '{instance_id}/monitor'),
              entry('/var/lib/docker/containers/*/*-json.log', '{instance_id}/containers', false),
            ],
          },
        },
        force_flush_interval: 5,
      },
    })
  })

  it("uses the stage's log group and its logStreams names for the aliases it has", () => {
    const config = cloudwatchAgentConfig(
      testStage({logGroup: '/custom/group', logStreams: {deploy: 'deploys/{instance_id}', containers: '{instance_id}/docker'}}),
    ) as {logs: {logs_collected: {files: {collect_list: {log_group_name: string; log_stream_name: string}[]}}}}
    const list = config.logs.logs_collected.files.collect_list
    expect(list.map((e) => e.log_stream_name)).toEqual([
      '{instance_id}/user-data',
      'deploys/{instance_id}',
      '{instance_id}/boot',
      '{instance_id}/monitor',
      '{instance_id}/docker',
    ])
    expect(new Set(list.map((e) => e.log_group_name))).toEqual(new Set(['/custom/group']))
  })

  it('is written as indented JSON with a final newline', () => {
    const text = cloudwatchAgentJson(testStage())
    expect(text.startsWith('{\n  "agent": {\n    "run_as_user": "root"\n  },')).toBe(true)
    expect(text.endsWith('}\n')).toBe(true)
  })
})
