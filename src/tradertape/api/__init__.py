"""HTTP API: FastAPI routers, request/response schemas and auth dependencies."""
