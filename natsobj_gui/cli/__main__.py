"""`python -m natsobj_gui.cli`: the same as the `natsobj` console script."""

import sys

from .main import main

sys.exit(main())
