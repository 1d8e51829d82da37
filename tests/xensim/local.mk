# tests/xensim: build fragment (owned by this directory)
