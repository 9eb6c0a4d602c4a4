"""template.yaml, read as CloudFormation and the SAM transform would read it.

- `cfn_yaml`: the YAML loader with CloudFormation's short tags (`load_yaml`), `TemplateError`;
- `specs`: plain values the rest of local/ works with (`Physical`, `FunctionSpec`, `Route`,
  `HttpApiSpec`…) and the local account, region and stack name;
- `template`: `Template` - parameters, conditions, Globals, dependency order, intrinsic functions;
- `serverless`: the HttpApi and the functions of the template, resolved.
"""
