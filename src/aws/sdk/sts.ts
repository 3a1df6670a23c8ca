// The STS API surface upsc uses (bundled by the build: see ec2.ts).
export {GetCallerIdentityCommand, STSClient} from '@aws-sdk/client-sts'
