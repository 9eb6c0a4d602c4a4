"""The BPJS Ketenagakerjaan host-to-host simulator (docs/bpjs-h2h.md), a process of its own.

- `simulator`: `Simulator`, BPJS's side of the contract without HTTP (requests, signatures,
  idempotency, the request log), built from `base` (state, timers, callbacks), `endpoints`
  (participants, contributions, claims) and `claims` (decisions by the rules or by a person);
- `rules`: fixed answers, records and field checks; `config`: the switches; `signing`;
- `app`: the WSGI app (BPJS endpoints + /_sim/* control) and `serve`;
- `process`: how `python -m local` starts and stops it; `__main__`: `python -m local.bpjs`.
"""
