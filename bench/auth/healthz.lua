-- The HTTP floor: GET /healthz answers from memory.
wrk.path = "/healthz"
