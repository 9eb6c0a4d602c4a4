"""Embedded AWS: moto in server mode, and every resource of template.yaml created in it.

- `server`: `start_moto` (moto on 127.0.0.1, with the patches applied) and `Clients`;
- `moto_patches`: what local/ changes inside moto, and why;
- `resources`: `create_resources` - the template's resources by type, in dependency order
  (`CREATORS`, `SKIPPED_TYPES`), with the creators in `storage` (DynamoDB, SQS, S3), `identity`
  (Cognito, Secrets Manager) and `monitoring` (SNS, CloudWatch);
- `properties`: what the creators share.
"""
