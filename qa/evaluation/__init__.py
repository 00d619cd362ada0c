"""Evaluation: test sets (and the shipped ones in testsets/), metrics, the baselines scored beside ours,
the external sets (MultiHop-RAG, RGB) and the reports (terminal table, Markdown, HTML page). The top
layer of qa: may import anything in qa; nothing in qa imports it."""
