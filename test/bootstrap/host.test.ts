import {execFileSync, spawnSync} from 'node:child_process'
import {copyFileSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {createHash} from 'node:crypto'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import {ARCHIVE_MARK, HOST_SCRIPT_NAMES, hostScripts, hostScriptsDocument, hostScriptsInstaller, hostSettings, settingsFile} from '../../src/bootstrap/host.js'
import {splitFunctions} from '../../src/remote/bundle.js'
import {scriptBundle} from '../../src/remote/payload.js'
import {exportLine} from '../../src/remote/quote.js'
import {testStage, VERSION} from '../fixtures/bootstrap/host.js'
import {HAS_SHELLCHECK, shellcheck, tempDir} from '../fixtures/bootstrap/tools.js'

const TEMPLATES = fileURLToPath(new URL('../../src/bootstrap/templates/host/', import.meta.url))
const SCRIPTS = fileURLToPath(new URL('../../src/remote/scripts/', import.meta.url))

describe('hostSettings / settingsFile', () => {
  const stage = testStage({githubTokenParameter: '/upscpro/stage2/github-token', buildCommand: ['./docker-build.sh', "it's"]})

  it('are the settings upsc deploy sends, less those of one run, plus the log folder and what signals.sh reads', () => {
    const settings = hostSettings(stage)
    expect(settings).toEqual({
      UPSC_STAGE: 'stage2',
      UPSC_APP_DIR: '/opt/upscpro/upscapp-be',
      UPSC_HOME: '/opt/upscpro/.upsc',
      UPSC_COMPOSE_FILE: 'docker-compose.yml',
      UPSC_COMPOSE_PROJECT: undefined,
      UPSC_HC_COUNT: 1,
      UPSC_HC_1_NAME: 'api',
      UPSC_HC_1_URL: undefined,
      UPSC_HC_1_SERVICE: 'api',
      UPSC_HC_1_PORT: 8000,
      UPSC_HC_1_PATH: '/health',
      UPSC_HC_1_EXPECT: 200,
      UPSC_TOOL_VERSION: expect.any(String),
      UPSC_TOKEN_PARAMETER: '/upscpro/stage2/github-token',
      UPSC_NO_ROLLBACK: undefined,
      UPSC_KEEP_IMAGES: 5,
      UPSC_DOCKER_WAIT_SECONDS: 20,
      UPSC_HEALTH_TIMEOUT_SECONDS: 10,
      UPSC_RETRY_TRIES: 3,
      UPSC_RETRY_BASE_SECONDS: 0,
      UPSC_BUILD_COUNT: 2,
      UPSC_BUILD_1: './docker-build.sh',
      UPSC_BUILD_2: "it's",
      UPSC_LOG_DIR: '/var/log/upscpro',
      UPSC_ALERTS_TOPIC: '',
      UPSC_ALERTS_MAX_PER_HOUR: 6,
      UPSC_RESTART_LOOP: 3,
      UPSC_DISK_MIN_FREE_PERCENT: 10,
      UPSC_METRICS: true,
    })
  })

  it('are written as quoted export lines that bash reads back exactly', () => {
    const text = settingsFile(stage, VERSION)
    const lines = text.trimEnd().split('\n')
    expect(lines[0]).toBe('# Stage stage2 (upsc 9.9.9-test): the UPSC_* settings upsc deploy sends, read by bin/upsc-run.')
    expect(lines).toContain(exportLine('UPSC_BUILD_2', "it's"))
    expect(lines.filter((l) => !l.startsWith('#')).every((l) => /^export UPSC_[A-Z0-9_]+='/.test(l))).toBe(true)
    const dir = tempDir('settings')
    writeFileSync(join(dir, 'settings.env'), text)
    const out = execFileSync('bash', ['-c', '. ./settings.env; printf "%s|" "$UPSC_BUILD_2" "$UPSC_HC_1_PATH" "${UPSC_UNITS-unset}"'], {
      cwd: dir,
      encoding: 'utf8',
    })
    expect(out).toBe("it's|/health|unset|")
  })
})

describe('hostScripts', () => {
  const scripts = hostScripts()

  it('install the very deploy program the CLI sends: deploy.sh as bundled, lib.sh with every function of the bundle', () => {
    const bundle = scriptBundle('deploy')
    expect(bundle.endsWith(scripts['deploy.sh'])).toBe(true)
    const installed = new Map(
      splitFunctions(scripts['lib.sh'])
        .filter((c) => c.name)
        .map((c) => [c.name, c.text]),
    )
    const sent = splitFunctions(bundle.slice(0, bundle.length - scripts['deploy.sh'].length)).filter((c) => c.name)
    expect(sent.length).toBeGreaterThan(50)
    for (const fn of sent) expect(installed.get(fn.name), fn.name).toBe(fn.text)
  })

  it('are compact (no comment lines) and parse with bash', () => {
    for (const name of HOST_SCRIPT_NAMES) {
      const lines = scripts[name].split('\n')
      expect(
        lines.slice(1).some((l) => l.startsWith('#')),
        name,
      ).toBe(false)
      const r = spawnSync('bash', ['-n'], {input: name === 'lib.sh' ? scripts[name] : `${scripts['lib.sh']}\n${scripts[name]}`, encoding: 'utf8'})
      expect(r.stderr, name).toBe('')
    }
    expect(scripts['upsc-run'].startsWith('#!/bin/bash\n')).toBe(true)
  })

  it.skipIf(!HAS_SHELLCHECK)(
    'boot.sh, monitor.sh, signals.sh and upsc-run are shellcheck-clean as written (lib.sh followed) (needs shellcheck; .ci/run installs it)',
    () => {
      const dir = tempDir('hostsc')
      copyFileSync(join(SCRIPTS, 'lib.sh'), join(dir, 'lib.sh'))
      for (const name of ['boot.sh', 'monitor.sh', 'signals.sh', 'upsc-run']) copyFileSync(join(TEMPLATES, name), join(dir, name))
      expect(shellcheck(['boot.sh', 'monitor.sh', 'signals.sh', 'upsc-run'], dir)).toBe('')
    },
  )
})

describe("the host scripts' installer and SSM document", () => {
  it('the installer writes each script, byte for byte, upsc-run executable', () => {
    const dir = tempDir('install')
    const installer = hostScriptsInstaller(VERSION)
    execFileSync('bash', ['-c', installer, 'installer', join(dir, 'bin')])
    for (const name of HOST_SCRIPT_NAMES) expect(readFileSync(join(dir, 'bin', name), 'utf8'), name).toBe(hostScripts()[name])
    expect(statSync(join(dir, 'bin/upsc-run')).mode & 0o111).not.toBe(0)
  })

  it.skipIf(!HAS_SHELLCHECK)('the installer is shellcheck-clean (needs shellcheck; .ci/run installs it)', () => {
    const dir = tempDir('installer')
    writeFileSync(join(dir, 'install.sh'), hostScriptsInstaller(VERSION))
    expect(shellcheck(['--shell=bash', 'install.sh'], dir)).toBe('')
  })

  it('is a Command document that installs them into UPSC_HOME/bin, with the sha256 of its archive', () => {
    const stage = testStage({upscHome: "/opt/it's/.upsc"})
    const {json, sha256} = hostScriptsDocument(stage, VERSION)
    const doc = JSON.parse(json)
    expect(doc).toMatchObject({schemaVersion: '2.2', mainSteps: [{action: 'aws:runShellScript', name: 'installUpscHostScripts'}]})
    expect(doc.description).toBe("upsc 9.9.9-test: installs the upsc host scripts of stage stage2 in /opt/it's/.upsc/bin (read by the bootstrap's user-data).")
    const commands: string[] = doc.mainSteps[0].inputs.runCommand
    expect(json).not.toContain('{{') // SSM document parameters: none
    const archive = /upsc-host-scripts:([A-Za-z0-9+/=]+)/.exec(json)![1]!
    expect(`${ARCHIVE_MARK}${archive}`.length).toBeGreaterThan(1000)
    expect(createHash('sha256').update(archive).digest('hex')).toBe(sha256)
    // Run Command runs the lines as one script.
    const root = tempDir('docroot')
    execFileSync('bash', ['-c', commands.join('\n')], {env: {...process.env, UPSC_ROOT: root}})
    for (const name of HOST_SCRIPT_NAMES) expect(readFileSync(join(root, "opt/it's/.upsc/bin", name), 'utf8'), name).toBe(hostScripts()[name])
  })

  it('changes its sha256 with the upsc version, not with the stage', () => {
    const a = hostScriptsDocument(testStage(), VERSION).sha256
    expect(hostScriptsDocument(testStage({upscHome: '/srv/upsc'}, 'stage3'), VERSION).sha256).toBe(a)
    expect(hostScriptsDocument(testStage(), '0.0.1').sha256).not.toBe(a)
  })
})
