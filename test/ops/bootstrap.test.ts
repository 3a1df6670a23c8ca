import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {hostScriptsDocument} from '../../src/bootstrap/host.js'
import {terraformSnippet} from '../../src/bootstrap/terraform.js'
import {userDataTemplate} from '../../src/bootstrap/user-data.js'
import {bootstrapFiles, generateBootstrap} from '../../src/ops/bootstrap.js'
import {renderBootstrapText, renderBootstrapWritten} from '../../src/render/bootstrap.js'
import {testStage, VERSION} from '../fixtures/bootstrap/host.js'
import {tempDir} from '../fixtures/bootstrap/tools.js'

const stage = testStage()

describe('bootstrapFiles', () => {
  it('gives each kind its files; user-data and terraform also give what they refer to', () => {
    const names = (kind: Parameters<typeof bootstrapFiles>[0]) => bootstrapFiles(kind, stage, VERSION).files.map((f) => f.name)
    expect(names('user-data')).toEqual(['upsc-user-data.sh.tpl', 'upsc-host-scripts.json'])
    expect(names('host-scripts')).toEqual(['upsc-host-scripts.json'])
    expect(names('systemd')).toEqual(['upscpro-deploy.service', 'upscpro-monitor.service', 'upscpro-monitor.timer'])
    expect(names('cloudwatch-agent')).toEqual(['upsc-cloudwatch-agent.json'])
    expect(names('terraform')).toEqual(['upsc-bootstrap.tf', 'upsc-user-data.sh.tpl', 'upsc-host-scripts.json'])
  })
})

describe('generateBootstrap', () => {
  it('without --out: the text of the printed files only', () => {
    const result = generateBootstrap('user-data', stage, VERSION, {force: false})
    expect(result).toEqual({
      stage: 'stage2',
      kind: 'user-data',
      outputs: [{name: 'upsc-user-data.sh.tpl', path: null, bytes: expect.any(Number), text: userDataTemplate(stage, VERSION)}],
    })
    expect(renderBootstrapText(result)).toBe(userDataTemplate(stage, VERSION))
  })

  it('prints several files one after another, each after a comment line naming it', () => {
    const text = renderBootstrapText(generateBootstrap('systemd', stage, VERSION, {force: false}))
    expect(text.split('\n').filter((l) => l.startsWith('# ==> '))).toEqual([
      '# ==> upscpro-deploy.service <==',
      '# ==> upscpro-monitor.service <==',
      '# ==> upscpro-monitor.timer <==',
    ])
  })

  it('with --out: writes every file (creating the folder), and refuses to overwrite without --force', () => {
    const dir = join(tempDir('out'), 'terraform-stage2')
    const result = generateBootstrap('terraform', stage, VERSION, {out: dir, force: false})
    expect(result.outputs.map((o) => o.path)).toEqual(['upsc-bootstrap.tf', 'upsc-user-data.sh.tpl', 'upsc-host-scripts.json'].map((n) => join(dir, n)))
    expect(readFileSync(join(dir, 'upsc-bootstrap.tf'), 'utf8')).toBe(terraformSnippet(stage, VERSION))
    expect(readFileSync(join(dir, 'upsc-host-scripts.json'), 'utf8')).toBe(hostScriptsDocument(stage, VERSION).json)
    expect(renderBootstrapWritten(result)).toContain(`wrote ${join(dir, 'upsc-bootstrap.tf')} (`)

    writeFileSync(join(dir, 'upsc-bootstrap.tf'), 'mine')
    expect(() => generateBootstrap('terraform', stage, VERSION, {out: dir, force: false})).toThrow(
      expect.objectContaining({code: 'output-exists', exitCode: 2, hint: 'Pass --force to overwrite, or choose another --out folder.'}),
    )
    expect(readFileSync(join(dir, 'upsc-bootstrap.tf'), 'utf8')).toBe('mine')
    generateBootstrap('terraform', stage, VERSION, {out: dir, force: true})
    expect(readFileSync(join(dir, 'upsc-bootstrap.tf'), 'utf8')).toBe(terraformSnippet(stage, VERSION))
  })

  it('writes nothing at all when one of the files exists', () => {
    const dir = tempDir('partial')
    writeFileSync(join(dir, 'upsc-host-scripts.json'), '{}')
    expect(() => generateBootstrap('user-data', stage, VERSION, {out: dir, force: false})).toThrow(`${join(dir, 'upsc-host-scripts.json')} already exists.`)
    expect(existsSync(join(dir, 'upsc-user-data.sh.tpl'))).toBe(false)
  })
})
