"""Loading, cleaning, chunking and indexing articles into the qa store."""
