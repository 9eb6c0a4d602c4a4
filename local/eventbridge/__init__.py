"""EventBridge, locally: what happens between "a file landed in S3" and "a function checks it".

In AWS a bucket with `NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled`
sends an event for every object created to the account's default event bus, and each
`Type: EventBridgeRule` event of a function (SAM makes an AWS::Events::Rule targeting it) whose
pattern matches invokes the function asynchronously. Here:

- `s3`: objects created in moto's S3 (local.aws.moto_patches.s3_object_events) as the
  "Object Created" events S3 sends to EventBridge, for the buckets that have it on;
- `rules`: the template's `EventBridgeRule` events and their patterns (exact values, `prefix`);
  the functions' `EventInvokeConfig` (retries, OnFailure destination);
- `bus`: the default bus: each event to every matching rule's function, invoked as Lambda
  invokes asynchronously (retries, then the OnFailure destination).

docs/local-stack.md "Objects landing in S3" says how to use it for a new bucket and function.
"""
