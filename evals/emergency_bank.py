"""Write the labelled messages of measured blind sets into the backstop's examples.

    python evals/emergency_bank.py evals/blind/emergency-A.jsonl ... \
        > assistant/data/emergency_labelled.tsv

Only sets already measured may go in (a sealed set stays out until its first pass is taken):
the backstop then learns from what the people who wrote them said, and the next sealed set
measures what that is worth. Messages of more than 300 characters are left out: a long story
is no example of one condition.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MAX_CHARS = 300
# the sets' writers named some conditions their own way: the backstop's names (those of
# assistant/data/emergency.yaml) are used, so a finding names the condition the rules would
ALIASES = {
    "allergic": "infusion_reaction", "clot": "blood_clot", "confusion": "confusion_unresponsive",
    "cord_compression": "spinal_cord_compression", "dehydration": "vomiting_diarrhea_dehydration",
    "fall": "fall_injury", "high_calcium": "hypercalcemia", "severe_pain": "severe_pain_headache",
    "swelling": "face_neck_swelling",
}


def main(argv: list[str]) -> int:
    print("# Labelled messages of the measured blind sets (evals/emergency_bank.py writes this).")
    print("# condition (or none for a near miss)<TAB>language<TAB>message")
    for name in argv:
        for line in Path(name).read_text("utf-8").splitlines():
            row = json.loads(line)
            text = " ".join(row["message"].split())
            if len(text) <= MAX_CHARS:
                label = row["condition"] if row["kind"] == "emergency" else "none"
                label = ALIASES.get(label, label)
                print(f"{label}\t{row['language']}\t{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
