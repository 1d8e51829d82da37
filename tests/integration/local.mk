# tests/integration: build fragment (owned by this directory)
