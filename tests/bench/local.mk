# tests/bench: build fragment (owned by this directory)
