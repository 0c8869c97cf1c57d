"""``python -m mocks``: serve the mock national systems alone (settings from LIENTHONG_*)."""

from __future__ import annotations

import uvicorn

from mocks._core import MockConfig
from mocks.app import create_mocks_app


def main() -> None:
    config = MockConfig.from_env()
    uvicorn.run(create_mocks_app(config), host="127.0.0.1", port=config.port, log_level="warning")


if __name__ == "__main__":
    main()
