/**
 * `upsc bootstrap ...`: the files each subcommand generates from the stage's config (pure), and
 * writing them to a folder (refusing to overwrite without --force). No AWS call.
 */
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'

import {cloudwatchAgentJson} from '../bootstrap/cloudwatch.js'
import {hostScriptsDocument} from '../bootstrap/host.js'
import {preCommitHook} from '../bootstrap/pre-commit.js'
import {type GeneratedFile, systemdUnits} from '../bootstrap/systemd.js'
import {HOST_SCRIPTS_FILE, TERRAFORM_FILE, terraformSnippet, USER_DATA_FILE} from '../bootstrap/terraform.js'
import {userDataTemplate} from '../bootstrap/user-data.js'
import type {StageConfig} from '../config/load.js'
import {usageError} from '../errors/upsc-error.js'

export type BootstrapKind = 'user-data' | 'host-scripts' | 'systemd' | 'cloudwatch-agent' | 'terraform' | 'pre-commit'

export interface BootstrapOutput {
  name: string
  /** Where it was written (--out), else null: printed on stdout. */
  path: string | null
  bytes: number
  /** The text, when printed (and in --json). */
  text?: string
}

export interface BootstrapResult {
  stage: string
  kind: BootstrapKind
  outputs: BootstrapOutput[]
}

/**
 * Pure: the files of one kind. `printed` is the subset shown on stdout without --out (user-data
 * prints the template only, though it writes the host scripts' document with it).
 */
export function bootstrapFiles(kind: BootstrapKind, stage: StageConfig, version: string, configFile = ''): {files: GeneratedFile[]; printed: string[]} {
  const userData = (): GeneratedFile => ({name: USER_DATA_FILE, text: userDataTemplate(stage, version), mode: 0o644})
  const document = (): GeneratedFile => ({name: HOST_SCRIPTS_FILE, text: hostScriptsDocument(stage, version).json, mode: 0o644})
  switch (kind) {
    case 'user-data':
      return {files: [userData(), document()], printed: [USER_DATA_FILE]}
    case 'host-scripts':
      return {files: [document()], printed: [HOST_SCRIPTS_FILE]}
    case 'systemd': {
      const units = systemdUnits(stage, version)
      return {files: units, printed: units.map((u) => u.name)}
    }
    case 'cloudwatch-agent':
      return {files: [{name: 'upsc-cloudwatch-agent.json', text: cloudwatchAgentJson(stage), mode: 0o644}], printed: ['upsc-cloudwatch-agent.json']}
    case 'pre-commit':
      return {files: [{name: 'pre-commit', text: preCommitHook(stage, configFile), mode: 0o755}], printed: ['pre-commit']}
    case 'terraform':
      // Everything the snippet refers to, so that one --out gives Terraform all it needs.
      return {files: [{name: TERRAFORM_FILE, text: terraformSnippet(stage, version), mode: 0o644}, userData(), document()], printed: [TERRAFORM_FILE]}
  }
}

/** Write the files into `dir` (created if needed); refuses to overwrite any unless `force`. */
export function writeFiles(files: GeneratedFile[], dir: string, force: boolean): BootstrapOutput[] {
  const folder = resolve(dir)
  const paths = files.map((f) => join(folder, f.name))
  const existing = paths.filter((p) => existsSync(p))
  if (existing.length > 0 && !force)
    throw usageError(
      'output-exists',
      `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}.`,
      'Pass --force to overwrite, or choose another --out folder.',
    )
  mkdirSync(folder, {recursive: true})
  return files.map((f, i) => {
    writeFileSync(paths[i]!, f.text, {mode: f.mode})
    return {name: f.name, path: paths[i]!, bytes: Buffer.byteLength(f.text)}
  })
}

export function generateBootstrap(
  kind: BootstrapKind,
  stage: StageConfig,
  version: string,
  options: {out?: string; force: boolean; configFile?: string},
): BootstrapResult {
  const {files, printed} = bootstrapFiles(kind, stage, version, options.configFile)
  if (options.out) return {stage: stage.name, kind, outputs: writeFiles(files, options.out, options.force)}
  const outputs = files.filter((f) => printed.includes(f.name)).map((f) => ({name: f.name, path: null, bytes: Buffer.byteLength(f.text), text: f.text}))
  return {stage: stage.name, kind, outputs}
}
