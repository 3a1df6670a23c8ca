// The SSM API surface upsc uses (bundled by the build: see ec2.ts).
export {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  GetParameterCommand,
  paginateDescribeInstanceInformation,
  paginateListCommandInvocations,
  PutParameterCommand,
  SendCommandCommand,
  SSMClient,
  StartSessionCommand,
  TerminateSessionCommand,
} from '@aws-sdk/client-ssm'
