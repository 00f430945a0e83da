"""The recorded verdict of every claim in scenarios/ (tests/data/claim_verdicts.json), which
tests/test_claims_library.py compares with the verdicts the model gives now.

The record is what the model does, not what it is asked to show: a claim is the essays' or
the literature's expectation and stays as written; whether it holds is a finding. A change
of verdict fails the suite until the record is regenerated deliberately (after a change of
the model's behaviour, like the reference series), in its own commit:

    make verdicts        # or: .venv/bin/python -m tests.claim_verdicts
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from sim import claims

RECORD = Path(__file__).parent / "data" / "claim_verdicts.json"
REFERENCE = Path(__file__).parent / "data" / "reference_timeseries.parquet"


def reference_digest() -> str:
    """SHA-256 of the reference series the record was made beside (tests/reference.py)."""
    return hashlib.sha256(REFERENCE.read_bytes()).hexdigest()


def recorded() -> dict[str, str]:
    """Claim id → recorded verdict ('held', 'not held' or 'inconclusive')."""
    return json.loads(RECORD.read_text(encoding="utf-8"))["verdicts"]


def regenerate() -> Path:
    """Check every claim of the library and record its verdict."""
    verdicts = claims.check(claims.library_claims(), progress=True,
                            results=Path(".scratch/claims"))
    record = {"reference_sha256": reference_digest(),
              "verdicts": {claims.claim_id(v.claim): v.status for v in verdicts},
              "detail": [v.as_json() for v in verdicts]}
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    RECORD.write_text(json.dumps(record, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    held = sum(v.held for v in verdicts)
    print(f"{held} of {len(verdicts)} claims held", file=sys.stderr)
    return RECORD


if __name__ == "__main__":
    print(f"wrote {regenerate()}")
