"""Event source mappings, locally: what Lambda's pollers do for the template's `SQS` and
`DynamoDB` events.

- `sqs`: SQS event sources (`SqsPoller`, the SQS event, batch settlement);
- `streams`: DynamoDB stream event sources (`StreamPoller`), with `stream_events` (the source,
  the event, what an answer settles, the OnFailure record) and `stream_filters` (FilterCriteria).
"""
