import {PassThrough} from 'node:stream'

import {describe, expect, it} from 'vitest'

import {UpscError} from '../../src/errors/upsc-error.js'
import {askChoice} from '../../src/cli/prompt.js'
import {checkUserName, choiceLines, interactiveCommand, parseChoice, parseForwardSpec, sessionRequest} from '../../src/ops/ssh.js'

const stage = {name: 'stage2', appDir: '/opt/upscpro/upscapp-be'}

function usageErrorOf(fn: () => unknown): UpscError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(UpscError)
    expect((error as UpscError).exitCode).toBe(2)
    return error as UpscError
  }
  throw new Error('expected a usage error')
}

describe('checkUserName', () => {
  it.each(['ubuntu', 'ec2-user', '_svc', 'a', 'deploy_2', 'a'.repeat(32)])('accepts %s', (name) => {
    expect(checkUserName(name)).toBe(name)
  })

  it.each(['', 'Root', '1user', '-u', 'a b', 'root;id', 'x$(id)', "o'neil", 'user\n', 'a'.repeat(33), 'tab\t', 'ünï'])('refuses %j with exit 2', (name) => {
    expect(usageErrorOf(() => checkUserName(name)).message).toBe(`--user ${JSON.stringify(name)} is not a valid user name.`)
  })
})

describe('parseForwardSpec', () => {
  it.each([
    ['8000:localhost:8000', {localPort: 8000, host: 'localhost', remotePort: 8000}],
    ['15432:db.internal:5432', {localPort: 15432, host: 'db.internal', remotePort: 5432}],
    ['6379:my-redis.abc123.0001.euc1.cache.amazonaws.com:6379', {localPort: 6379, host: 'my-redis.abc123.0001.euc1.cache.amazonaws.com', remotePort: 6379}],
    ['8080:10.0.1.25:80', {localPort: 8080, host: '10.0.1.25', remotePort: 80}],
    ['8080:[::1]:80', {localPort: 8080, host: '::1', remotePort: 80}],
    ['1:h:65535', {localPort: 1, host: 'h', remotePort: 65535}],
    ['08000:localhost:08000', {localPort: 8000, host: 'localhost', remotePort: 8000}],
  ])('%s', (spec, expected) => {
    expect(parseForwardSpec(spec)).toEqual(expected)
  })

  it.each([
    ['8000', '--forward "8000" is not <local-port>:<remote-host>:<remote-port>.'],
    ['8000:8000', '--forward "8000:8000" is not <local-port>:<remote-host>:<remote-port>.'],
    ['a:localhost:80', '--forward "a:localhost:80" is not <local-port>:<remote-host>:<remote-port>.'],
    ['80:localhost:', '--forward "80:localhost:" is not <local-port>:<remote-host>:<remote-port>.'],
    ['80::1:80', '--forward "80::1:80" is not <local-port>:<remote-host>:<remote-port>.'],
    ['0:localhost:80', '--forward "0:localhost:80": the local port must be a number from 1 to 65535.'],
    ['80:localhost:65536', '--forward "80:localhost:65536": the remote port must be a number from 1 to 65535.'],
    ['80::80', '--forward "80::80": "" is not a host name or address.'],
    ['80:-oProxy:80', '--forward "80:-oProxy:80": "-oProxy" is not a host name or address.'],
    ['80:a b:80', '--forward "80:a b:80": "a b" is not a host name or address.'],
    ['80:$(id):80', '--forward "80:$(id):80": "$(id)" is not a host name or address.'],
  ])('refuses %s with exit 2', (spec, message) => {
    const error = usageErrorOf(() => parseForwardSpec(spec))
    expect(error.message).toBe(message)
    expect(error.hint).toContain('--forward 8000:localhost:8000')
  })
})

describe('interactiveCommand', () => {
  it('is sudo -i -u for --user, and nothing without flags', () => {
    expect(interactiveCommand({user: 'ubuntu'}, stage.appDir)).toBe('sudo -i -u ubuntu')
    expect(interactiveCommand({}, stage.appDir)).toBeUndefined()
  })

  it('starts a login shell in the quoted app dir for --cd', () => {
    expect(interactiveCommand({cd: true}, "/srv/it's here")).toBe(`cd '/srv/it'\\''s here' && exec bash -l`)
    expect(interactiveCommand({cd: true, user: 'ubuntu'}, stage.appDir)).toBe("cd '/opt/upscpro/upscapp-be' && exec sudo -H -u ubuntu bash -l")
  })

  it('refuses an app dir that is not absolute or holds control characters', () => {
    expect(usageErrorOf(() => interactiveCommand({cd: true}, 'relative/dir')).code).toBe('bad-app-dir')
    expect(usageErrorOf(() => interactiveCommand({cd: true}, '/a\nb')).code).toBe('bad-app-dir')
  })
})

describe('sessionRequest', () => {
  it('a plain shell: the target and a reason, no document (SSM-SessionManagerRunShell)', () => {
    expect(sessionRequest('i-0123456789abcdef0', stage, {})).toEqual({Target: 'i-0123456789abcdef0', Reason: 'upsc ssh (stage stage2)'})
  })

  it('--user: AWS-StartInteractiveCommand with sudo -i -u', () => {
    expect(sessionRequest('i-1', stage, {user: 'ec2-user'})).toEqual({
      Target: 'i-1',
      DocumentName: 'AWS-StartInteractiveCommand',
      Reason: 'upsc ssh (stage stage2)',
      Parameters: {command: ['sudo -i -u ec2-user']},
    })
  })

  it('--cd: AWS-StartInteractiveCommand starting in the app dir', () => {
    expect(sessionRequest('i-1', stage, {cd: true}).Parameters).toEqual({command: ["cd '/opt/upscpro/upscapp-be' && exec bash -l"]})
  })

  it('--forward: AWS-StartPortForwardingSessionToRemoteHost with string parameters', () => {
    expect(sessionRequest('i-1', stage, {forward: '15432:db.internal:5432'})).toEqual({
      Target: 'i-1',
      DocumentName: 'AWS-StartPortForwardingSessionToRemoteHost',
      Reason: 'upsc ssh (stage stage2)',
      Parameters: {host: ['db.internal'], portNumber: ['5432'], localPortNumber: ['15432']},
    })
  })

  it('keeps the keys in the order of the StartSession input shape (Target, DocumentName, Reason, Parameters)', () => {
    expect(Object.keys(sessionRequest('i-1', stage, {user: 'ubuntu'}))).toEqual(['Target', 'DocumentName', 'Reason', 'Parameters'])
  })

  it('refuses --forward with --user or --cd', () => {
    expect(usageErrorOf(() => sessionRequest('i-1', stage, {forward: '1:h:2', cd: true})).message).toBe('--forward cannot be combined with --user or --cd.')
  })
})

describe('choosing one instance', () => {
  const choices = [
    {target: {instanceId: 'i-0aaaaaaaaaaaaaaaa', name: 'upscpro-stage2-docker', state: 'running'}, status: 'running, agent Online'},
    {target: {instanceId: 'i-0bbbbbbbbbbbbbbbb', state: 'stopped'}, status: 'stopped, agent ConnectionLost'},
  ]

  it('lists them numbered, aligned', () => {
    expect(choiceLines(choices)).toEqual([
      '  1) upscpro-stage2-docker  i-0aaaaaaaaaaaaaaaa  running, agent Online',
      '  2) -                      i-0bbbbbbbbbbbbbbbb  stopped, agent ConnectionLost',
    ])
  })

  it('takes a number or an instance id', () => {
    expect(parseChoice('1', choices)).toBe(0)
    expect(parseChoice(' 2 \r', choices)).toBe(1)
    expect(parseChoice('i-0bbbbbbbbbbbbbbbb', choices)).toBe(1)
  })

  it('refuses anything else', () => {
    for (const answer of ['0', '3', '', 'one', '1.0', '-1', 'i-0ccccccccccccccccc']) expect(parseChoice(answer, choices), answer).toBeUndefined()
  })
})

describe('askChoice', () => {
  const lines = ['  1) a', '  2) b']
  const parse = (answer: string) => (['1', '2'].includes(answer.trim()) ? Number(answer.trim()) - 1 : undefined)

  async function ask(answers: string[], end = false): Promise<{index: number | undefined; said: string; paused: boolean}> {
    const input = new PassThrough()
    const output = new PassThrough()
    let said = ''
    output.on('data', (d: Buffer) => (said += d.toString()))
    const pending = askChoice('2 instances match:', lines, parse, {input, output})
    for (const a of answers) input.write(`${a}\n`)
    if (end) input.end()
    const index = await pending
    return {index, said, paused: input.isPaused()}
  }

  it('shows the list on the output, asks again after a wrong answer, and releases the input', async () => {
    expect(await ask(['x', '2'])).toEqual({
      index: 1,
      said: '2 instances match:\n  1) a\n  2) b\nWhich one? [1-2] "x" is not one of the numbers.\nWhich one? [1-2] ',
      paused: true,
    })
  })

  it('gives up after three wrong answers, or at the end of the input', async () => {
    expect((await ask(['x', 'y', 'z', '1'])).index).toBeUndefined()
    expect((await ask([], true)).index).toBeUndefined()
  })
})
