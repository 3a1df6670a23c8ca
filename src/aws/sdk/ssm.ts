// The SSM API surface upsc uses (bundled by the build: see ec2.ts).
export {
  CancelCommandCommand,
  DescribeParametersCommand,
  GetCommandInvocationCommand,
  GetParameterCommand,
  paginateDescribeInstanceInformation,
  paginateDescribeParameters,
  paginateListCommandInvocations,
  PutParameterCommand,
  SendCommandCommand,
  SSMClient,
  StartSessionCommand,
  TerminateSessionCommand,
} from '@aws-sdk/client-ssm'
