import {describe, expect, it} from 'vitest'

import {escapeTemplatefile, fillTemplate, HEREDOC_END} from '../../src/bootstrap/template.js'
import {renderTemplatefile} from '../fixtures/bootstrap/templatefile.js'
import {HAS_TERRAFORM, terraformOutputs} from '../fixtures/bootstrap/tools.js'

const HOSTILE = ['${HOME}', '%{ if x }', '$${x}', '%%{y}', '$$${z}', 'a $ b % c', '${', '%{', '$', '%', 'it\'s "q" \\ `x`', '}{$%']

describe('fillTemplate', () => {
  it('puts raw values, shell-quoted values and whole files in place', () => {
    const template = ['# stage @@STAGE@@', 'DIR=@@Q:DIR@@', "cat <<'E'", '@@FILE:a.txt@@', 'E', ''].join('\n')
    expect(fillTemplate(template, {values: {STAGE: 's2', DIR: "/opt/it's"}, files: {'a.txt': 'one\ntwo\n'}})).toBe(
      ['# stage s2', "DIR='/opt/it'\\''s'", "cat <<'E'", 'one', 'two', 'E', ''].join('\n'),
    )
  })

  it('reads markers in the template only, never in what a value or a file brings', () => {
    expect(fillTemplate('@@A@@ @@Q:B@@\n@@FILE:f@@\n', {values: {A: '@@B@@', B: '@@A@@'}, files: {f: '@@A@@ @@TF:region@@'}})).toBe(
      "@@B@@ '@@A@@'\n@@A@@ @@TF:region@@\n",
    )
  })

  it('refuses a missing value, a value or file given but not used, and a file that would end its heredoc', () => {
    expect(() => fillTemplate('@@A@@', {})).toThrow('no value for A')
    expect(() => fillTemplate('x', {values: {A: '1'}})).toThrow('A is given but not used')
    expect(() => fillTemplate('x', {files: {f: ''}})).toThrow('FILE:f is given but not used')
    expect(() => fillTemplate('@@FILE:f@@', {files: {f: `a\n${HEREDOC_END}\nb`}})).toThrow(`contains a line ${HEREDOC_END}`)
  })
})

describe('escapeTemplatefile', () => {
  it('doubles the first character of every ${ and %{, and nothing else', () => {
    expect(escapeTemplatefile('a ${b} %{c} $${d} $ % ${')).toBe('a $${b} %%{c} $$${d} $ % $${')
  })

  it('renders back to the exact text, for any text', () => {
    for (const text of HOSTILE) expect(renderTemplatefile(escapeTemplatefile(text), {})).toBe(text)
  })

  it.skipIf(!HAS_TERRAFORM)(
    "renders back to the exact text with Terraform's own templatefile() (needs terraform, which is not a Debian package: skipped where it is missing)",
    () => {
      const files = Object.fromEntries(HOSTILE.map((t, i) => [`t${i}.tpl`, escapeTemplatefile(t)]))
      const outputs = Object.fromEntries(HOSTILE.map((_, i) => [`t${i}`, `templatefile("\${path.module}/t${i}.tpl", {})`]))
      const rendered = terraformOutputs(files, outputs)
      HOSTILE.forEach((text, i) => expect(rendered[`t${i}`], JSON.stringify(text)).toBe(text))
    },
    60_000,
  )
})

describe('fillTemplate for templatefile()', () => {
  it('escapes everything, template text, values and files, and writes each declared variable as ${name}', () => {
    const template = 'echo ${X} @@TF:region@@ %{y} @@Q:V@@\n@@FILE:f@@\n'
    const out = fillTemplate(template, {values: {V: '${v}'}, files: {f: '%{f} ${g}'}, templatefile: ['region']})
    expect(out).toBe("echo $${X} ${region} %%{y} '$${v}'\n%%{f} $${g}\n")
    expect(renderTemplatefile(out, {region: 'eu-west-1'})).toBe("echo ${X} eu-west-1 %{y} '${v}'\n%{f} ${g}\n")
  })

  it('refuses an undeclared variable, a declared one that is not used, and variables outside templatefile mode', () => {
    expect(() => fillTemplate('@@TF:zone@@', {templatefile: ['region']})).toThrow('unknown templatefile variable zone')
    expect(() => fillTemplate('x', {templatefile: ['region']})).toThrow('TF:region is given but not used')
    expect(() => fillTemplate('@@TF:region@@', {})).toThrow('unknown templatefile variable region')
  })
})

describe("the test renderer (Terraform's templatefile, the subset upsc uses)", () => {
  it('fails on what upsc never emits: directives, expressions, unknown variables', () => {
    expect(() => renderTemplatefile('%{ if a }x%{ endif }', {a: '1'})).toThrow('unescaped template directive')
    expect(() => renderTemplatefile('${upper(a)}', {a: '1'})).toThrow('unsupported interpolation')
    expect(() => renderTemplatefile('${b}', {a: '1'})).toThrow('does not contain key "b"')
  })
})
