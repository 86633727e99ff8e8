"""Serving HTTP: the process, its sockets and the machinery every request passes
before and around its route (admission, credential screening, limits, cross-site
checks, request ids, the route index, open streams, loop reads, the browser app).

It knows no route and no service: `api/` (routes, schemas, dependencies, the app that
assembles them) uses it, never the other way round."""
