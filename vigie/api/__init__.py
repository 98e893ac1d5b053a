"""The HTTP API: `create_app(settings)` in vigie.api.app builds it; `vigie serve` runs it with uvicorn."""
