#!/usr/bin/env bash
# The baseline for `upsc status`: the stage check as the old check-build-status.sh does it, one
# AWS CLI call per question, then polling Run Command with sleeps. It runs the same probe as upsc
# (its commands in PARAMS_FILE) against the same stand-in.
# Usage: check-build-status.sh NAME_TAG LOG_GROUP PARAMS_FILE
set -u
name=$1 log_group=$2 params=$3

id=$(aws ec2 describe-instances \
  --filters "Name=tag:Name,Values=$name" "Name=instance-state-name,Values=running" \
  --query 'Reservations[].Instances[].InstanceId' --output text)
[ -n "$id" ] || { echo "no running instance named $name"; exit 1; }
echo "instance: $id"

aws ec2 describe-instance-status --instance-ids "$id" --include-all-instances \
  --query 'InstanceStatuses[].[InstanceState.Name,SystemStatus.Status,InstanceStatus.Status]' --output text
aws ssm describe-instance-information --filters "Key=InstanceIds,Values=$id" \
  --query 'InstanceInformationList[].[PingStatus,AgentVersion]' --output text

command_id=$(aws ssm send-command --instance-ids "$id" --document-name AWS-RunShellScript \
  --comment "check-build-status" --parameters "file://$params" --query Command.CommandId --output text)
while :; do
  sleep 1
  status=$(aws ssm get-command-invocation --command-id "$command_id" --instance-id "$id" --query Status --output text 2>/dev/null)
  case $status in Success | Failed | Cancelled | TimedOut | Undeliverable | Terminated) break ;; esac
done
aws ssm get-command-invocation --command-id "$command_id" --instance-id "$id" \
  --query StandardOutputContent --output text | grep '^::upsc result' | cut -c1-200

aws logs describe-log-streams --log-group-name "$log_group" --order-by LastEventTime --descending \
  --query 'logStreams[].[logStreamName,lastEventTimestamp]' --output text 2>/dev/null || echo "no log group"
echo "status: $status"
