// Copy the host scripts and the bootstrap's templates next to the compiled code: the payload
// builder and the bootstrap generators read them from there.
import {cpSync} from 'node:fs'

const outDir = process.argv[2] ?? 'dist'
cpSync('src/remote/scripts', `${outDir}/remote/scripts`, {recursive: true})
cpSync('src/bootstrap/templates', `${outDir}/bootstrap/templates`, {recursive: true})
