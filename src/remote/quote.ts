/**
 * The one quoting function. Every value that travels to a host goes through it: inside single
 * quotes bash interprets nothing, so the only character to handle is the single quote itself,
 * written as '\'' (close, escaped quote, reopen). NUL cannot be carried by bash at all: refuse it.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('A value sent to a host cannot contain a NUL byte.')
  return `'${value.replaceAll("'", `'\\''`)}'`
}

const SETTING_NAME = /^UPSC_[A-Z0-9_]+$/

/** `export UPSC_NAME='value'`: one line per setting (a value's own newlines stay inside the quotes). */
export function exportLine(name: string, value: string): string {
  if (!SETTING_NAME.test(name)) throw new Error(`Invalid setting name: ${name}`)
  return `export ${name}=${shellQuote(value)}`
}
