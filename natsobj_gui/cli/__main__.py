"""`python -m natsobj_gui.cli`: the same as the `natsobj` console script."""

from .main import console_main

console_main()
