"""The index: token counting (tiktoken), the embedding model, the Chroma store (the only chromadb
import), the keyword index and the corpus snapshot a question is answered against. May import
qa.language and the top-level config, errors and schema; never retrieval, answering or evaluation."""
