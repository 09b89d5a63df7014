"""``python -m benchmarks [--quick] [--out DIR] [--questions FILE]``."""

from benchmarks.run import main

main()
