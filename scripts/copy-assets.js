// Copy the host scripts next to the compiled code: the payload builder reads them from there.
import {cpSync} from 'node:fs'

cpSync('src/lib/remote/scripts', 'dist/lib/remote/scripts', {recursive: true})
