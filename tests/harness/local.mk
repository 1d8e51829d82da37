# tests/harness: build fragment (owned by this directory)
