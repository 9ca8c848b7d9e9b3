"""A correct client that cannot make simultaneous calls: it answers concurrency requests with an error."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures" / "clients"))
from reference import VistaClient, settings_from_env


def main() -> None:
    client = VistaClient(settings_from_env())
    for line in sys.stdin:
        message = json.loads(line)
        if "concurrency" in message:
            answer = {"id": message["id"], "error": "concurrent calls are not supported"}
        else:
            try:
                answer = {
                    "id": message["id"],
                    "status": client.request(message["method"], message["path"], message.get("body")),
                }
            except Exception as exc:  # noqa: BLE001 - reported to the suite
                answer = {"id": message["id"], "status": None, "error": str(exc)}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
