"""The HTTP service (`monitor serve`): the report pages and a JSON diff API over the store,
read-only, on Starlette and uvicorn. Imported only by the `serve` and `daemon --serve`
commands, so no other command pays for loading the web stack."""
