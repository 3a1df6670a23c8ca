/**
 * The direct runner: runs an upsc command as oclif would, without loading oclif's Config (see
 * core.ts). It takes only plain runs of upsc's own commands; for everything else it answers
 * `false` and bin/run.js hands the same argv to oclif: help and version flags, topics, the help and
 * autocomplete plugins' commands, unknown commands (oclif's command_not_found hook), DEBUG (oclif's
 * debug log), a user's theme.json, and Windows (oclif's own config and theme folders).
 */
import {existsSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {flush} from '@oclif/core/flush'
import {handle} from '@oclif/core/handle'

import type {Command, DirectConfig} from './core.js'

type CommandClass = (new (argv: string[], config: DirectConfig) => Command) & typeof Command

export interface DirectTable {
  /** upsc's commands by oclif id, each loaded when asked for (the bundle's lazy getters). */
  commands: Record<string, CommandClass>
  /** Every command id oclif knows, the plugins' too: the command's words are found among them as oclif does. */
  allIds: string[]
  bin: string
  name: string
  version: string
  /** oclif's help flags (`--help` and package.json's additionalHelpFlags). */
  helpFlags: string[]
}

const isFlag = (s: string) => s.startsWith('-')
const isArgWithValue = (s: string) => s.includes('=')

/**
 * The command id and its argv, as oclif's normalizeArgv finds them with a space as the topic
 * separator (node_modules/@oclif/core/lib/help/util.js, collateSpacedCmdIDFromArgs).
 */
export function commandOf(argv: string[], table: Pick<DirectTable, 'allIds' | 'commands'>): {id: string; argv: string[]} {
  if (argv.length <= 1 || argv[0]?.includes(':')) return {id: argv[0] ?? '', argv: argv.slice(1)}
  const usable = new Set(table.allIds.flatMap((id) => id.split(':').map((_, i, parts) => parts.slice(0, i + 1).join(':'))))
  const words: string[] = []
  const idWith = (word?: string) => (word ? [...words, word] : words).filter(Boolean).join(':')
  const hasArgs = () => {
    const id = idWith()
    if (!id) return false
    // Only a command of upsc's own can be run here; for any other the answer does not matter.
    if (!Object.hasOwn(table.commands, id)) return true
    const cmd = table.commands[id] as CommandClass
    return cmd.strict === false || Object.keys(cmd.args ?? {}).length > 0
  }
  for (const arg of argv) {
    if (usable.has(idWith(arg))) words.push(arg)
    else if (isArgWithValue(arg) || isFlag(arg) || hasArgs()) break
    else words.push(arg)
  }
  const id = idWith()
  return id ? {id, argv: argv.slice(id.split(':').length)} : {id: argv[0] ?? '', argv: argv.slice(1)}
}

/** oclif's Config.scopedEnvVarKey(s) for a CLI without bin aliases. */
const envKey = (bin: string, key: string) => [bin.replaceAll('@', '').replaceAll(/[/-]/g, '_'), key].join('_').toUpperCase()

/**
 * Whether oclif would load a theme: upsc has none of its own, so only the user's theme.json
 * (Config.loadTheme). Then oclif runs the command: its theme colours JSON output on a terminal.
 */
function userTheme(bin: string): boolean {
  const disabled = process.env[envKey(bin, 'DISABLE_THEME')]
  if (disabled === '1' || disabled === 'true') return false
  const dir = process.env[envKey(bin, 'CONFIG_DIR')] || join(process.env.XDG_CONFIG_HOME || join(process.env.HOME || homedir(), '.config'), bin)
  return existsSync(join(dir, 'theme.json'))
}

function directConfig(table: DirectTable): DirectConfig {
  const config: DirectConfig = {
    bin: table.bin,
    name: table.name,
    version: table.version,
    userAgent: `${table.name}/${table.version} ${process.platform}-${process.arch} node-${process.version}`,
    scopedEnvVarKey: (key) => envKey(table.bin, key),
    scopedEnvVarKeys: (key) => [envKey(table.bin, key)],
    scopedEnvVar: (key) => process.env[envKey(table.bin, key)] || undefined,
    runCommand: async (id, argv = []) => {
      const Cmd = table.commands[id]
      if (!Cmd) throw new Error(`command ${id} not found`)
      Cmd.id = id
      return new Cmd(argv, config)._run()
    },
  }
  return config
}

/** The command the direct runner takes for argv, or undefined where oclif must answer (see the top). */
export function directCommand(argv: string[], table: DirectTable): {id: string; argv: string[]} | undefined {
  if (process.platform === 'win32' || process.env.DEBUG || argv.length === 0) return undefined
  const untilDashDash = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv
  if (untilDashDash.some((arg) => table.helpFlags.includes(arg)) || ['--version', '-v'].includes(argv[0] as string)) return undefined
  const found = commandOf(argv, table)
  return Object.hasOwn(table.commands, found.id) && !userTheme(table.bin) ? found : undefined
}

/**
 * Run argv's command directly and resolve true once it has run (oclif's execute: flush the output,
 * or hand an error to oclif's handle, which exits); resolve false, having done nothing, for an argv
 * that oclif must answer.
 */
export async function runDirect(argv: string[], table: DirectTable): Promise<boolean> {
  const found = directCommand(argv, table)
  if (!found) return false
  try {
    await directConfig(table).runCommand(found.id, found.argv)
    flush()
  } catch (error) {
    await handle(error as Error)
  }
  return true
}
