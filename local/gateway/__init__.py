"""A local API Gateway HTTP API: the HttpApi routes of template.yaml on 127.0.0.1.

- `app`: `Gateway`, the WSGI application (route, authorize, build the event, invoke, translate);
- `routing`: which route a request takes; `events`: the payload 2.0 event and the response;
- `auth`: the JWT authorizer (Cognito tokens, checked as API Gateway checks them);
- `cors`: the HttpApi's CorsConfiguration; `server`: `serve` on a background thread.
"""
