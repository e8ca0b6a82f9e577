"""The app's per-user data and config folders, by each platform's convention (platformdirs).

Linux: `$XDG_DATA_HOME/natsobj-gui` (~/.local/share/natsobj-gui) and `$XDG_CONFIG_HOME/
natsobj-gui` (~/.config/natsobj-gui), as before; Windows: `%APPDATA%\\natsobj-gui` for both;
macOS: `~/Library/Application Support/natsobj-gui` for both.
"""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs

APP_DIR_NAME = "natsobj-gui"


def app_data_dir() -> Path:
    """The per-user data folder (the embedded server's JetStream store lives below it)."""
    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False, roaming=True))


def app_config_dir() -> Path:
    """The per-user config folder (saved connection profiles)."""
    return Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False, roaming=True))


def app_cache_dir() -> Path:
    """The per-user cache folder (objects downloaded to open, preview or drag out)."""
    return Path(platformdirs.user_cache_dir(APP_DIR_NAME, appauthor=False))


def legacy_config_dir() -> Path | None:
    """Where Windows and macOS releases before platformdirs kept the config (~/.config)."""
    if sys.platform.startswith("linux"):
        return None  # the same folder as app_config_dir()
    return Path.home() / ".config" / APP_DIR_NAME
