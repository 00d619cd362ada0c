"""Answering: reading the question (its kind and parts), choosing the sentences that state the answer,
short answers, yes/no verdicts, order of events, disagreements between sources, refusals, and the LLM
answerer with its prompts (each answer sentence checked by qa.language.support). May import
qa.retrieval, qa.index and qa.language; never qa.assistant or evaluation."""
