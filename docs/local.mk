# docs/: the documents that are not owned by one layer's fragment.
EXTRA_DIST += README.md docs/architecture.md docs/testing.md
