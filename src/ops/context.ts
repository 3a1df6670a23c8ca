/**
 * What every use case gets: the stage and its AWS clients, built by the base command from the flags
 * and the config. A plain object, so ops/ and engine/ never depend on oclif; output travels back
 * through each use case's own events (onLine, onNotice, ...) and its typed result.
 */
import type {AwsClients} from '../aws/clients.js'
import type {LoadedConfig, StageConfig} from '../config/load.js'

export interface StageContext {
  config: LoadedConfig
  stage: StageConfig
  clients: AwsClients
  /** --instance values, if any, overriding the stage's selector. */
  instances: string[]
  region: string
  profile?: string
}
