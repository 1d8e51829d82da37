# src/daemon: build fragment (owned by this directory)
