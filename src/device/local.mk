# src/device: build fragment (owned by this directory)
