"""Passive dialogs: each takes data, shows it or edits it, and returns a result.

None of them talks to the server or runs coroutines. Open them with ``open()`` and read the
result in a slot connected to ``finished`` / ``accepted``; never ``exec()`` inside a coroutine.
"""
