// The IAM API surface upsc uses: `upsc doctor` simulates the caller's and the instance role's policies
// (bundled by the build: see ec2.ts).
export {GetInstanceProfileCommand, IAMClient, SimulatePrincipalPolicyCommand} from '@aws-sdk/client-iam'
