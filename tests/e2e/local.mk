# tests/e2e: build fragment (owned by this directory)
