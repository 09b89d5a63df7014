"""Leave-one-set-out figures for the emergency backstop, the one learned piece of the screen.

    python evals/backstop_lofo.py evals/blind/emergency-{A,B,...}.jsonl [--json OUT]

The backstop's bank holds the short messages of the measured blind sets
(``assistant/data/emergency_labelled.tsv``, written by ``evals/emergency_bank.py``). For each
set, the bank's rows from that set are left out and the set is screened again: by the backstop
alone, and by the whole screen (the concept rules, then the backstop as the assistant runs it).
The mean over the sets is what the backstop is worth on a set it has not learned from; the
figures with the full bank are printed beside it, for comparison.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

import numpy as np

MAX_CHARS = 300  # as evals/emergency_bank.py


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--json", type=Path, help="write the per-set figures here")
    args = parser.parse_args(argv)

    from assistant import Assistant
    from assistant.lexicon import fold
    from assistant.rails.language import detect_language

    assistant = Assistant()
    assistant.warm_up()
    backstop, rules = assistant.backstop, assistant.rails.emergency
    sets = {f.stem.split("-")[-1]: [json.loads(line) for line in f.read_text("utf-8").splitlines()
                                    if line.strip()] for f in args.files}
    # where each row of the bank comes from: (label, message) of a set's short messages
    origin: dict[tuple[str, str], str] = {}
    for name, rows in sets.items():
        for row in rows:
            text = " ".join(row["message"].split())
            if len(text) <= MAX_CHARS:
                label = row["condition"] if row["kind"] == "emergency" else "none"
                origin.setdefault((label, text), name)
    labelled = backstop._rows("emergency_labelled.tsv")
    n_examples = len(backstop._rows("emergency_examples.tsv"))
    n_counter = len(backstop._rows("emergency_counterexamples.tsv"))
    positives = [r for r in labelled if r[0] != "none"]
    negatives = [r for r in labelled if r[0] == "none"]
    pos_from = ["" for _ in range(n_examples)] + [origin.get((r[0], r[2]), "") for r in positives]
    neg_from = (["" for _ in range(n_counter)] + [origin.get((r[0], r[2]), "") for r in negatives]
                + ["" for _ in range(len(backstop.negatives) - n_counter - len(negatives))])

    def screen(rows: list[dict], held_out: str | None) -> list[tuple[bool, bool]]:
        """(backstop alone, whole screen) for each row, with the set's bank rows left out."""
        keep_pos = np.array([p != held_out for p in pos_from])
        keep_neg = np.array([n != held_out for n in neg_from])
        alone = copy.copy(backstop)  # the same vectors, without the set's rows
        alone.positives = backstop.positives[keep_pos]
        alone.negatives = backstop.negatives[keep_neg]
        alone.conditions = [c for c, k in zip(backstop.conditions, keep_pos, strict=True) if k]
        out = []
        for row in rows:
            folded, language = fold(row["message"]), detect_language(row["message"])
            found, ruled_out = rules.read(folded, assistant._known_words, language)
            by_backstop = alone.find(folded, language)
            extra = [f for f in (by_backstop if not found else [
                f for f in alone.find(folded, language, alone.threshold) if f.reply == "suicide"])
                if f.condition not in ruled_out]
            out.append((bool(by_backstop), bool(found or extra)))
        return out

    report = []
    for name, rows in sets.items():
        for held_out, tag in ((name, "left out"), (None, "full bank")):
            results = screen(rows, held_out)
            emergencies = [r for r, row in zip(results, rows, strict=True)
                           if row["kind"] == "emergency"]
            near = [r for r, row in zip(results, rows, strict=True) if row["kind"] != "emergency"]
            report.append({"set": name, "bank": tag, "emergencies": len(emergencies),
                           "near_misses": len(near),
                           "backstop_recall": sum(a for a, _ in emergencies) / len(emergencies),
                           "backstop_false_alarms": sum(a for a, _ in near) / max(1, len(near)),
                           "screen_recall": sum(w for _, w in emergencies) / len(emergencies),
                           "screen_false_alarms": sum(w for _, w in near) / max(1, len(near))})
    print(f"{'set':4} {'bank':10} {'backstop recall':>16} {'backstop FA':>12} "
          f"{'screen recall':>14} {'screen FA':>10}")
    for r in report:
        print(f"{r['set']:4} {r['bank']:10} {r['backstop_recall']:16.3f} "
              f"{r['backstop_false_alarms']:12.3f} {r['screen_recall']:14.3f} "
              f"{r['screen_false_alarms']:10.3f}")
    for tag in ("left out", "full bank"):
        rows = [r for r in report if r["bank"] == tag]
        means = {k: sum(r[k] for r in rows) / len(rows) for k in (
            "backstop_recall", "backstop_false_alarms", "screen_recall", "screen_false_alarms")}
        print(f"mean {tag:10} {means['backstop_recall']:16.3f} "
              f"{means['backstop_false_alarms']:12.3f} {means['screen_recall']:14.3f} "
              f"{means['screen_false_alarms']:10.3f}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
