"""Answering: reading the question (its kind and parts), choosing the sentences that state the answer,
short answers, yes/no verdicts, order of events, disagreements between sources, the support check,
refusals, and the LLM answerer with its prompts. May import qa.retrieval, qa.index and qa.language;
never qa.assistant or evaluation."""
