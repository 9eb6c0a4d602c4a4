"""Demo data for `make run`: users, farmers and months of history, all through the real paths.

- `users`: the demo users in Cognito (an agent and a coordinator per kecamatan, an admin);
- `farmers`: deterministic demo farmers, registered through `POST /farmers`;
- `plan`: the history's months, farmers and dated events; `clock`: the business clock moved back;
- `history`: `seed_history`, the plan replayed through the API (payments, claims, the 5th's report),
  with `inprocess` (the API without a socket, the console kept quiet).
"""
