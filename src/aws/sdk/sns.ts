// The SNS API surface upsc uses (bundled by the build: see ec2.ts).
export {PublishCommand, SNSClient} from '@aws-sdk/client-sns'
