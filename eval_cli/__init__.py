"""The `qa eval` command: a front end of its own, since it needs both ingest (to index a test set's
corpus) and qa (to answer and score). Plugs into `qa` through the `qa.commands` entry point."""
