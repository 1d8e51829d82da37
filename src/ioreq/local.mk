# src/ioreq: build fragment (owned by this directory)
