// Copy the host scripts and the bootstrap's templates next to the compiled code: the payload
// builder and the bootstrap generators read them from there.
import {cpSync} from 'node:fs'

const outDir = process.argv[2] ?? 'dist'
cpSync('src/lib/remote/scripts', `${outDir}/lib/remote/scripts`, {recursive: true})
cpSync('src/lib/bootstrap/templates', `${outDir}/lib/bootstrap/templates`, {recursive: true})
