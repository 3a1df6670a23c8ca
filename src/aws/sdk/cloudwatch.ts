// The CloudWatch metrics API surface upsc uses (bundled by the build: see ec2.ts).
export {CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand} from '@aws-sdk/client-cloudwatch'
