# tests/unit: build fragment (owned by this directory)
