"""Batch evaluation: question sets, verdicts and metrics, reports, the tutorial baseline,
exports and the quality gate. The ``assistant eval`` command is its face (assistant/cli.py).

dataset   load and validate question files (QuestionFileError names file and line)
metrics   the verdict on one answer; figures over many
runner    run a set through a system and write results, summary and reports
report    Markdown and self-contained HTML (charts from ``charts``)
baseline  the LangChain tutorial recipe, for comparison
export    ragas rows for LLM judges
gate      thresholds from evals/gate.json
"""
