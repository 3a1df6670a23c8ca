/**
 * `upsc validate`: the deploy's compose check, on the local checkout of the app, without AWS:
 * `docker compose config --quiet` with the stage's compose file (and the checkout's .env), and every
 * service the stage's health checks name must be one compose defines.
 */
import {execFile} from 'node:child_process'
import {isAbsolute, join, resolve} from 'node:path'

import type {StageConfig} from '../config/load.js'
import {UpscError} from '../errors/upsc-error.js'
import {ExitCode} from '../errors/exit-codes.js'

export interface ValidateProblem {
  kind: 'compose' | 'health-check'
  message: string
}

export interface ValidateResult {
  stage: string
  dir: string
  composeFile: string
  services: string[]
  problems: ValidateProblem[]
  ok: boolean
}

/** Pure: health checks naming a service compose does not define. */
export function serviceProblems(stage: StageConfig, services: string[]): ValidateProblem[] {
  return stage.healthChecks
    .filter((check) => check.service !== undefined && !services.includes(check.service))
    .map((check) => ({
      kind: 'health-check',
      message: `health check "${check.name}" names service "${check.service}", which ${stage.composeFile} does not define (it defines: ${services.join(', ') || 'none'})`,
    }))
}

function docker(args: string[], cwd: string): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((done, fail) => {
    execFile('docker', args, {cwd, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT')
        fail(
          new UpscError('docker-missing', 'docker is not installed here (upsc validate runs `docker compose config` locally).', {
            exitCode: ExitCode.usage,
            hint: 'Install Docker with the compose plugin, or rely on the check every deploy runs on the host.',
          }),
        )
      else done({code, stdout, stderr})
    })
  })
}

export async function validateApp(stage: StageConfig, dir: string): Promise<ValidateResult> {
  const root = resolve(dir)
  const composeFile = isAbsolute(stage.composeFile) ? stage.composeFile : join(root, stage.composeFile)
  const base = ['compose', '-f', composeFile, '--project-directory', root, ...(stage.composeProject ? ['-p', stage.composeProject] : []), 'config']
  const check = await docker([...base, '--quiet'], root)
  const problems: ValidateProblem[] = []
  let services: string[] = []
  if (check.code === 0) {
    const listed = await docker([...base, '--services'], root)
    services = listed.stdout.split('\n').filter(Boolean)
    problems.push(...serviceProblems(stage, services))
  } else {
    problems.push({kind: 'compose', message: check.stderr.trim() || `docker compose config failed (exit ${check.code})`})
  }
  return {stage: stage.name, dir: root, composeFile, services, problems, ok: problems.length === 0}
}
