# docs: build fragment (owned by this directory)
