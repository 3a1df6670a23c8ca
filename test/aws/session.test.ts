import {chmodSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {endpointUrlOf, findOnPath, missingPluginError, pluginInvocation, pluginReadsResponseFromEnv, pythonJson} from '../../src/aws/session.js'

const response = {
  SessionId: 'alice-0a1b2c3d4e5f',
  TokenValue: 'AAE+tok/en==',
  StreamUrl: 'wss://ssmmessages.eu-central-1.amazonaws.com/v1/data-channel/alice-0a1b2c3d4e5f?role=publish_subscribe',
}

describe('pythonJson', () => {
  // Expected texts printed by Python 3's json.dumps for the same values.
  it('prints what Python json.dumps prints: ", " and ": " separators, keys in order', () => {
    expect(
      pythonJson({
        Target: 'i-0123456789abcdef0',
        DocumentName: 'AWS-StartInteractiveCommand',
        Reason: 'upsc ssh (stage stage2)',
        Parameters: {command: ["cd '/opt/upscpro/upscapp-be' && exec bash -l"]},
      }),
    ).toBe(
      `{"Target": "i-0123456789abcdef0", "DocumentName": "AWS-StartInteractiveCommand", "Reason": "upsc ssh (stage stage2)", "Parameters": {"command": ["cd '/opt/upscpro/upscapp-be' && exec bash -l"]}}`,
    )
  })

  it('escapes control and non-ASCII characters as Python does (surrogate pairs, lowercase hex, "/" kept)', () => {
    expect(pythonJson({s: 'quote" back\\ nl\n tab\t cr\r bs\b ff\f nul\u0000 del\u007f é € 😀 /slash <>&'})).toBe(
      String.raw`{"s": "quote\" back\\ nl\n tab\t cr\r bs\b ff\f nul\u0000 del\u007f \u00e9 \u20ac \ud83d\ude00 /slash <>&"}`,
    )
  })

  it('prints numbers, booleans, null and empty containers', () => {
    expect(pythonJson([1, true, null, [], {}])).toBe('[1, true, null, [], {}]')
  })

  it('leaves out undefined keys, as the AWS CLI leaves out parameters not given', () => {
    expect(pythonJson({Target: 'i-1', DocumentName: undefined})).toBe('{"Target": "i-1"}')
  })
})

describe('pluginReadsResponseFromEnv (the AWS CLI version rule)', () => {
  it.each([
    ['1.2.707.0\n', true],
    ['1.2.497.1', true],
    ['1.3', true],
    ['2', true],
    [' 1.2.498.0 \r\n', true],
    ['1.2.497.0', false],
    ['1.2.497', false],
    ['1.2.463.0', false],
    ['1.2.497.0.1', false],
    ['v1.2.707.0', false],
    ['', false],
    ['unknown', false],
  ])('%j -> %s', (version, expected) => {
    expect(pluginReadsResponseFromEnv(version)).toBe(expected)
  })
})

describe('pluginInvocation', () => {
  const request = {Target: 'i-0123456789abcdef0', Reason: 'upsc ssh (stage stage2)'}

  it('passes the response in AWS_SSM_START_SESSION_RESPONSE to newer plugins', () => {
    expect(pluginInvocation({response, region: 'eu-central-1', request, endpointUrl: 'https://ssm.eu-central-1.amazonaws.com', responseInEnv: true})).toEqual({
      argv: [
        'AWS_SSM_START_SESSION_RESPONSE',
        'eu-central-1',
        'StartSession',
        '',
        '{"Target": "i-0123456789abcdef0", "Reason": "upsc ssh (stage stage2)"}',
        'https://ssm.eu-central-1.amazonaws.com',
      ],
      env: {
        AWS_SSM_START_SESSION_RESPONSE:
          '{"SessionId": "alice-0a1b2c3d4e5f", "TokenValue": "AAE+tok/en==", "StreamUrl": "wss://ssmmessages.eu-central-1.amazonaws.com/v1/data-channel/alice-0a1b2c3d4e5f?role=publish_subscribe"}',
      },
    })
  })

  it('passes the response itself as the first argument to plugins up to 1.2.497.0, with the profile', () => {
    const forward = {
      Target: 'i-1',
      DocumentName: 'AWS-StartPortForwardingSessionToRemoteHost',
      Parameters: {host: ['db.internal'], portNumber: ['5432'], localPortNumber: ['15432']},
    }
    expect(
      pluginInvocation({response, region: 'us-east-1', profile: 'upsc-stage2', request: forward, endpointUrl: 'http://127.0.0.1:4566', responseInEnv: false}),
    ).toEqual({
      argv: [
        '{"SessionId": "alice-0a1b2c3d4e5f", "TokenValue": "AAE+tok/en==", "StreamUrl": "wss://ssmmessages.eu-central-1.amazonaws.com/v1/data-channel/alice-0a1b2c3d4e5f?role=publish_subscribe"}',
        'us-east-1',
        'StartSession',
        'upsc-stage2',
        '{"Target": "i-1", "DocumentName": "AWS-StartPortForwardingSessionToRemoteHost", "Parameters": {"host": ["db.internal"], "portNumber": ["5432"], "localPortNumber": ["15432"]}}',
        'http://127.0.0.1:4566',
      ],
      env: {},
    })
  })
})

describe('endpointUrlOf', () => {
  it('gives the endpoint as botocore reports it', () => {
    expect(endpointUrlOf({protocol: 'https:', hostname: 'ssm.eu-central-1.amazonaws.com', path: '/'})).toBe('https://ssm.eu-central-1.amazonaws.com')
    expect(endpointUrlOf({protocol: 'http:', hostname: '127.0.0.1', port: 4566, path: '/'})).toBe('http://127.0.0.1:4566')
    expect(endpointUrlOf({protocol: 'http:', hostname: 'proxy.local', port: 8080, path: '/ssm/'})).toBe('http://proxy.local:8080/ssm')
  })
})

describe('findOnPath', () => {
  const dir = mkdtempSync(join(tmpdir(), 'upsc-path-'))
  const bin = join(dir, 'bin')
  const other = join(dir, 'other')
  mkdirSync(bin)
  mkdirSync(other)
  writeFileSync(join(other, 'session-manager-plugin'), 'not executable')
  writeFileSync(join(bin, 'session-manager-plugin'), '#!/bin/sh\n')
  chmodSync(join(bin, 'session-manager-plugin'), 0o755)
  mkdirSync(join(dir, 'dir-only', 'session-manager-plugin'), {recursive: true})

  it('finds the first executable file on PATH, skipping folders and files that cannot run', () => {
    expect(findOnPath('session-manager-plugin', {PATH: [join(dir, 'dir-only'), other, bin].join(':')}, 'linux')).toBe(join(bin, 'session-manager-plugin'))
  })

  it('returns undefined when it is nowhere on PATH', () => {
    expect(findOnPath('session-manager-plugin', {PATH: other}, 'linux')).toBeUndefined()
    expect(findOnPath('session-manager-plugin', {}, 'linux')).toBeUndefined()
  })

  it('tries PATHEXT extensions on Windows', () => {
    writeFileSync(join(other, 'session-manager-plugin.EXE'), '')
    expect(findOnPath('session-manager-plugin', {Path: `${bin};${other}`, PATHEXT: '.COM;.EXE'}, 'win32')).toBe(join(other, 'session-manager-plugin.EXE'))
  })
})

describe('missingPluginError', () => {
  it('says how to install the plugin on Linux, macOS and Windows, with exit 2', () => {
    const error = missingPluginError()
    expect(error.exitCode).toBe(2)
    expect(error.message).toContain('session-manager-plugin) was not found on PATH')
    expect(error.message).toContain('no session was started')
    expect(error.hint).toContain('sudo dpkg -i')
    expect(error.hint).toContain('session-manager-plugin.rpm')
    expect(error.hint).toContain('brew install --cask session-manager-plugin')
    expect(error.hint).toContain('SessionManagerPluginSetup.exe')
  })
})
