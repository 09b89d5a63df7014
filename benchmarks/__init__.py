"""Speed, load, cold-start, memory and corpus-growth measurements, each beside the LangChain
tutorial recipe (``python -m benchmarks``, ``assistant bench``, ``make bench``). Not tests."""
