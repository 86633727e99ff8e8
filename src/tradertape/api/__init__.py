"""HTTP API: FastAPI routers, request/response schemas, auth dependencies, the errors they
answer and the app that assembles them (`app`). The machinery every request passes around
its route (admission, limits, screening, the process and its sockets) is `serving/`."""
