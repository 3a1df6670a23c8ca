import type {SNSClient} from '@aws-sdk/client-sns'

/** Publish one message to a topic. */
export async function publish(sns: SNSClient, message: {topicArn: string; subject: string; text: string}, signal?: AbortSignal): Promise<void> {
  const {PublishCommand} = await import('./sdk/sns.js')
  await sns.send(new PublishCommand({TopicArn: message.topicArn, Subject: message.subject, Message: message.text}), {abortSignal: signal})
}
