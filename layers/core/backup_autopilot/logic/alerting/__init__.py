"""Alerting: events become notices (classify), memory decides what is new, repeated or resolved
(memory), notices become digests (digest) and messages (render), and the notifier delivers them
to SNS and Slack at the pace the stack allows (service). Pure: no boto3, no HTTP."""
