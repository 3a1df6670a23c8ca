/**
 * Pure: git's ref-format rules (git-check-ref-format(1)) for a branch name, plus upsc's own
 * stricter limits so that a name can never be mistaken for an option or carry control characters.
 * Returns the reason a name is refused, or undefined when it is acceptable.
 */
export function branchNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty'
  if (name.length > 255) return 'it is longer than 255 characters'
  if (name.startsWith('-')) return 'it starts with "-"'
  if (name === '@') return 'it is "@"'
  // Names git accepts but resolves to something other than a branch of origin.
  if (/^([A-Z_]*HEAD|HEAD~?.*)$/.test(name)) return `"${name}" names a commit, not a branch`
  if (name.startsWith('refs/')) return 'it is a full ref name: give the branch name alone (e.g. main for refs/heads/main)'
  if (/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(name)) return 'it is a commit id, not a branch (pass the commit with --ref and its branch with --branch)'
  // biome-ignore lint/suspicious/noControlCharactersInRegex: git's rule: no control characters
  if (/[\x00-\x20\x7f]/.test(name)) return 'it contains a space or a control character'
  if (/[~^:?*[\\]/.test(name)) return 'it contains one of ~ ^ : ? * [ \\'
  if (name.includes('..')) return 'it contains ".."'
  if (name.includes('@{')) return 'it contains "@{"'
  if (name.includes('//')) return 'it contains "//"'
  if (name.startsWith('/') || name.endsWith('/')) return 'it starts or ends with "/"'
  if (name.endsWith('.')) return 'it ends with "."'
  if (name.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) return 'a component starts with "." or ends with ".lock"'
  // Shell metacharacters are legal in git but never in a branch anyone deploys; refusing them keeps
  // the value inert even for a tool that mishandles quoting downstream.
  if (/[`$'"!&|;<>(){}#]/.test(name)) return 'it contains a shell metacharacter (` $ \' " ! & | ; < > ( ) { } #)'
  return undefined
}

/** A commit id given with --ref: 7 to 40 hex digits. */
export function commitRefProblem(ref: string): string | undefined {
  return /^[0-9a-f]{7,40}$/.test(ref) ? undefined : 'it is not a commit id of 7 to 40 lowercase hex digits'
}
