// The CloudWatch Logs API surface upsc uses (bundled by the build: see ec2.ts).
export * from '@aws-sdk/client-cloudwatch-logs'
