# xenstore: build fragment (owned by this directory)
