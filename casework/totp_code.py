"""Print the current TOTP code for a secret (demo convenience: `python -m casework.totp_code`)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from casework.services.totp import code_for


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m casework.totp_code SECRET", file=sys.stderr)
        return 2
    print(code_for(argv[1].replace(" ", ""), now=datetime.now(UTC)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
