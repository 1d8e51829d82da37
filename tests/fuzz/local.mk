# tests/fuzz: build fragment (owned by this directory)
