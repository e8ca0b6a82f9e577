"""`python -m natsobj_gui` starts the desktop app."""

import sys

from natsobj_gui.app import main

sys.exit(main())
