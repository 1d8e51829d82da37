# src/guest: build fragment (owned by this directory)
